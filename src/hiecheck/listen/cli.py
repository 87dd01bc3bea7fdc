"""``hiecheck listen``: the MLLP endpoint command (options, start-up, signals, live tally).

The server, asyncio and rich's live display are imported when the command runs, not when the
command line starts (every other command would pay for them)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hiecheck.console import make_console, safe_text
from hiecheck.errors import InputError
from hiecheck.hl7.reader import MAX_MESSAGE_BYTES
from hiecheck.hl7.requirements import DEFAULT_REQUIREMENTS, load_requirements

if TYPE_CHECKING:
    from rich.console import Console

    from hiecheck.listen.server import Listener
    from hiecheck.listen.tally import Tally

PLAIN_EVERY_SECONDS = 10.0  # a status line this often when stdout is not a terminal
LIVE_EVERY_SECONDS = 0.5
# An interface engine opens a few; 32 frames of the largest size stay near 1 GiB at most.
MAX_CONNECTIONS = 32


def listen(
    host: Annotated[str, typer.Option(
        "--host", metavar="ADDRESS",
        help="Address to listen on (0.0.0.0 exposes it to the network: PHI!).",
    )] = "127.0.0.1",
    port: Annotated[int, typer.Option(
        "--port", "-p", metavar="PORT",
        min=0, max=65535, help="TCP port (0: any free port, printed).",
    )] = 2575,
    requirements: Annotated[str, typer.Option(
        "--requirements", "-r", metavar="ID",
        help="Requirement set from profiles/messages/requirements/ (or 'none').",
    )] = DEFAULT_REQUIREMENTS,
    capture: Annotated[Path | None, typer.Option(
        "--capture", "-c", metavar="FILE",
        help="Append every accepted message to FILE, byte for byte, before its ACK.",
    )] = None,
    idle_timeout: Annotated[float, typer.Option(
        "--idle-timeout", min=0, metavar="SECONDS",
        help="Close a connection silent this long (0: never).",
    )] = 60.0,
    max_frame: Annotated[int, typer.Option(
        "--max-frame", min=1024, max=MAX_MESSAGE_BYTES, metavar="BYTES",
        help="Largest message accepted; a larger frame gets an AR ACK.",
    )] = MAX_MESSAGE_BYTES,
    max_connections: Annotated[int, typer.Option(
        "--max-connections", min=1, metavar="N",
        help="Connections served at once; one more is closed at once (its sender retries).",
    )] = MAX_CONNECTIONS,
    original_acks: Annotated[bool, typer.Option(
        "--original-acks", help="One AA/AE/AR ACK per message, whatever MSH-15/16 ask for.",
    )] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No live tally.")] = False,
    profiles: Annotated[Path | None, typer.Option(
        "--profiles", metavar="DIR",
        help="Profiles folder (default: $HIECHECK_PROFILES or bundled).",
    )] = None,
) -> None:
    """Receive HL7 v2 messages over MLLP, check each as `validate` does, and answer an ACK.

    Runs until Ctrl-C or SIGTERM (then exit 0 with a summary). Exit code 2: the address cannot
    be listened on, or the capture or requirement set cannot be used.
    """
    import asyncio

    from hiecheck.hl7.cache import open_cache
    from hiecheck.hl7.validate import default_checks
    from hiecheck.listen.capture import Capture
    from hiecheck.listen.server import Listener
    from hiecheck.listen.tally import Tally

    compiled = load_requirements(requirements, profiles)
    checks = default_checks(compiled, profiles, patterns=open_cache())
    sink = Capture(capture) if capture is not None else None
    try:
        listener = Listener(checks, sink, max_frame=max_frame,
                            idle_timeout=idle_timeout or None,
                            max_connections=max_connections, tally=Tally(),
                            original_acks=original_acks)
        asyncio.run(_run(listener, host, port, quiet, compiled.id if compiled else "none"))
    finally:
        if sink is not None:
            sink.close()
    if listener.capture_error:
        _say(make_console(stderr=True),
             f"hiecheck: capture {capture}: {listener.tally.capture_errors} write(s) failed "
             f"({listener.capture_error}); those messages were answered AR")


def _say(console: Console, text: str) -> None:
    """A line of the listener's log: wrapped at words on a terminal, one line in a log file."""
    console.print(safe_text(text), soft_wrap=not console.is_terminal)


async def _run(listener: Listener, host: str, port: int, quiet: bool, set_id: str) -> None:
    import asyncio
    import signal

    try:
        bound_host, bound_port = await listener.start(host, port)
    except OSError as exc:  # in use, no such address, permission denied
        raise InputError(f"{host}:{port}", f"cannot listen: {exc.strerror or exc}",
                         location="--host/--port") from None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, listener.stop)
    console = make_console()
    captured = f"; capture {listener.capture.path}" if listener.capture is not None else ""
    _say(console, f"hiecheck listen: MLLP on {bound_host}:{bound_port} (requirements "
                  f"{set_id}{captured}); Ctrl-C or SIGTERM stops")
    sys.stdout.flush()
    tally = listener.tally
    show = None if quiet else loop.create_task(_show(tally, console.is_terminal))
    try:
        await listener.wait_stopped()
    finally:
        if show is not None:
            show.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await show
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    _say(console, f"hiecheck listen: {tally.summary()}")


async def _show(tally: Tally, terminal: bool) -> None:
    """The live tally: a line rich redraws on a terminal, else a plain line now and then."""
    import asyncio

    from rich.live import Live

    console = make_console()
    if not terminal:
        shown = -1
        while True:
            await asyncio.sleep(PLAIN_EVERY_SECONDS)
            tally.sample()
            if tally.messages != shown:
                shown = tally.messages
                console.print(safe_text(tally.line()), soft_wrap=True)
    with Live(safe_text(tally.line()), console=console, auto_refresh=False,
              transient=True) as live:
        while True:
            await asyncio.sleep(LIVE_EVERY_SECONDS)
            tally.sample()
            live.update(safe_text(tally.line()), refresh=True)


def register(app: typer.Typer) -> None:
    """Add ``hiecheck listen`` to ``app``."""
    app.command("listen")(listen)

"""The `hiecheck` command line: one Typer app; each area registers its own commands."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import typer

# typer vendors click; its exceptions are what the parser raises without standalone mode.
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

import hiecheck
from hiecheck.console import show_controls
from hiecheck.errors import ExitCode, InputError, Terminated
from hiecheck.outputs import STDOUT_NAME, OutputError


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hiecheck {hiecheck.__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """hiecheck command line."""


# Each area's commands are imported only when the command line names one of them: a one-file
# `validate` (run per file in CI) must not pay for importing DuckDB, FastAPI or the program
# models. An area: the command names it registers, and the function importing and registering
# them (imports inside functions stay visible to tests/test_imports.py).
def _programs(app: typer.Typer) -> None:
    from hiecheck.programs import cli

    cli.register(app)


def _hl7(app: typer.Typer) -> None:
    from hiecheck.hl7 import cli

    cli.register(app)


def _p4p(app: typer.Typer) -> None:
    from hiecheck.p4p import cli

    cli.register(app)


def _measures(app: typer.Typer) -> None:
    from hiecheck.measures import cli

    cli.register(app)


def _web(app: typer.Typer) -> None:
    from hiecheck.web import cli

    cli.register(app)


def _listen(app: typer.Typer) -> None:
    from hiecheck.listen import cli

    cli.register(app)


AREAS: tuple[tuple[frozenset[str], Callable[[typer.Typer], None]], ...] = (
    (frozenset({"programs", "check"}), _programs),
    (frozenset({"validate", "rules"}), _hl7),
    (frozenset({"p4p"}), _p4p),
    (frozenset({"measure"}), _measures),
    (frozenset({"serve"}), _web),
    (frozenset({"listen"}), _listen),
)
"""(command names, register): in the order ``hiecheck --help`` lists them."""


def make_app(argv: list[str] | None = None) -> typer.Typer:
    """The root app with the commands ``argv`` may run: only the area of the command it names,
    or every area (``--help``, no command, a name no area has: the help and errors list all)."""
    app = typer.Typer(
        name="hiecheck",
        help=(
            "Where an organization stands in MaineCare value-based programs and the statewide "
            "HIE: program conditions, HL7 interface evidence, tiers, incentives and "
            "pay-for-performance."
        ),
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        # Plain help (click's): paragraphs rewrapped to the terminal, ASCII only, and at 80
        # columns twice the room rich's boxed panels leave for an option's text.
        rich_markup_mode=None,
    )
    app.callback()(_root)
    command = next((a for a in argv or () if not a.startswith("-")), None)
    chosen = [register for names, register in AREAS if command in names]
    for register in chosen or [register for _, register in AREAS]:
        register(app)
    return app


def _error(text: str) -> None:
    """One line on stderr (never fails: stderr replaces what it cannot encode)."""
    with contextlib.suppress(OSError, ValueError):
        print(f"hiecheck: {show_controls(text)}", file=sys.stderr, flush=True)


def _quiet_stdout() -> None:
    """After stdout broke (a closed pipe): point it at /dev/null so the interpreter's last flush
    prints nothing (see the Python docs on SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


class _Arrived:
    """The signal that arrived while a run lasted, if any (see :func:`_watched`)."""

    __slots__ = ("signal",)

    def __init__(self) -> None:
        self.signal: int | None = None


# Commands that stop on SIGTERM as their normal end (a service manager's stop): they keep
# Python's defaults and handle the signals themselves.
_SERVERS = frozenset({"serve", "listen"})


@contextlib.contextmanager
def _watched(argv: list[str]) -> Iterator[_Arrived]:
    """While the console script runs a command: SIGTERM raises :class:`Terminated` (a second
    one ends the process at once: a run deep in C code sees the first only when it returns),
    and both it and Ctrl-C are noted, so that a library that turns them into an error of its
    own (DuckDB: "Query interrupted") still ends the run as interrupted, not as a bug. A
    handler someone else set is kept."""
    arrived = _Arrived()
    kept: dict[int, Any] = {}

    def on_term(signum: int, frame: FrameType | None) -> None:
        arrived.signal = signum
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated

    def on_int(signum: int, frame: FrameType | None) -> None:
        arrived.signal = signum
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread() and not _SERVERS & set(argv[:1]):
        for sig, default, handler in (
            (signal.SIGTERM, signal.SIG_DFL, on_term),
            (signal.SIGINT, signal.default_int_handler, on_int),
        ):
            if signal.getsignal(sig) is default:
                kept[sig] = default
                signal.signal(sig, handler)
    try:
        yield arrived
    finally:
        for number, previous in kept.items():
            signal.signal(number, previous)


def run(argv: list[str] | None = None, *, signals: bool = False) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    Never exits the interpreter: the console script and in-process callers (a fuzzer capturing
    stdout and stderr) use this. Bad input, usage mistakes and unwritable outputs are one line
    on stderr and exit 2; a bug is one line and exit 3 (``HIECHECK_DEBUG=1``: the traceback).
    ``signals`` (the console script): SIGTERM lets go of what the run held (a report's
    temporary file, workers) and exits 143; an in-process caller keeps Python's defaults.
    """
    if argv is None:
        argv = sys.argv[1:]
    if not signals:
        return _run(argv, None)
    with _watched(argv) as arrived:
        try:
            return _run(argv, arrived)
        except Terminated:
            _error("terminated")
            return ExitCode.TERMINATED


def _signalled(arrived: _Arrived | None) -> int | None:
    """The exit code of a run ended by Ctrl-C or SIGTERM (its line written), else None."""
    if arrived is None or arrived.signal is None:
        return None
    if arrived.signal == signal.SIGTERM:
        _error("terminated")
        return ExitCode.TERMINATED
    _error("interrupted")
    return ExitCode.INTERRUPTED


def _run(argv: list[str], arrived: _Arrived | None) -> int:
    try:
        app = make_app(argv)
        code = app(args=argv, prog_name="hiecheck", standalone_mode=False)
        sys.stdout.flush()
    except OutputError as exc:
        _error(f"error: {exc.one_line()}")
        if exc.broken_pipe:
            _quiet_stdout()
        return ExitCode.BAD_INPUT
    except InputError as exc:
        for line in exc.lines():  # every problem found, one line each
            _error(f"error: {line}")
        return ExitCode.BAD_INPUT
    except NoArgsIsHelpError:  # the help was printed already
        return ExitCode.BAD_INPUT
    except UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "hiecheck"
        # typer coerces options through pydantic, whose messages start "Value error, ".
        message = exc.format_message().replace("Value error, ", "", 1)
        _error(f"error: {message} (see {command} --help)")
        return ExitCode.BAD_INPUT
    except ClickException as exc:
        _error(f"error: {exc.format_message()}")
        return ExitCode.BAD_INPUT
    except typer.Abort:
        _error("interrupted")
        return ExitCode.INTERRUPTED
    except SystemExit as exc:  # raised by a library; keep its code
        return exc.code if isinstance(exc.code, int) else ExitCode.INTERNAL
    except KeyboardInterrupt:
        _error("interrupted")
        return ExitCode.INTERRUPTED
    except OSError as exc:
        if exc.errno == errno.EPIPE:  # stdout closed by its reader, outside a report stream
            _error(f"error: {STDOUT_NAME}: cannot write: {exc.strerror}")
            _quiet_stdout()
            return ExitCode.BAD_INPUT
        return _signalled(arrived) or _internal(exc)
    except Exception as exc:  # a bug: one line unless the user asks for the traceback
        return _signalled(arrived) or _internal(exc)
    if code == ExitCode.INTERRUPTED:  # typer turned a KeyboardInterrupt into Exit(130), silently
        _error("interrupted")
    return int(code) if isinstance(code, int) else ExitCode.OK


def _internal(exc: Exception) -> int:
    if os.environ.get("HIECHECK_DEBUG"):
        traceback.print_exception(exc)
    else:
        _error(
            f"internal error: {type(exc).__name__}: {exc} "
            "(rerun with HIECHECK_DEBUG=1 for details and please report it)"
        )
    return ExitCode.INTERNAL


def main() -> None:
    """Console entry point: :func:`run` on ``sys.argv``, its result as the exit status."""
    sys.exit(run(signals=True))

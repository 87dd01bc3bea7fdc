"""Listener fixtures: test messages, and a listener running in this process on a free port."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hiecheck.hl7.requirements import load_requirements
from hiecheck.hl7.validate import default_checks
from hiecheck.listen.capture import Capture
from hiecheck.listen.server import Listener

# A conforming ADT^A04 (the bundled example's first message, original acknowledgement mode).
CLEAN = (
    "MSH|^~\\&|EPIC|EXFAMPRAC^2.16.840.1.113883.3.9999.1^ISO|HIN|HEALTHINFONET|20261005091400||"
    "ADT^A04^ADT_A01|{id}|P|2.5.1{ack}\r"
    "EVN|A04|20261005091200\r"
    "PID|1||EX1001^^^EXFAMPRAC&2.16.840.1.113883.3.9999.1&ISO^MR||TESTPATIENT^ALPHA^Q||19580312|F"
    "||2106-3^White^CDCREC|12 EXAMPLE ST^^PORTLAND^ME^04101^USA^H||^PRN^PH^^1^207^5550101|||||||||"
    "2186-5^Not Hispanic or Latino^CDCREC\r"
    "PV1|1|O|FAMMED^^^EXFAMPRAC||||1234567893^PRACTITIONER^PAT^^^^MD^^NPI|||FM||||1|||"
    "1234567893^PRACTITIONER^PAT^^^^MD^^NPI|O|V9000^^^EXFAMPRAC^VN|||||||||||||||||||||||||"
    "20261005091200|\r"
    "DG1|1||I10^Essential (primary) hypertension^I10|||F\r"
)


def clean(control_id: str = "MSG1", ack: str = "") -> str:
    """The conforming message with MSH-10 ``control_id``; ``ack``: what follows MSH-12
    (``|||AL|NE`` for enhanced mode)."""
    return CLEAN.format(id=control_id, ack=ack)


def broken(control_id: str = "BAD1") -> str:
    """The message without PID-3 and PID-5 (required): error findings, AE."""
    return clean(control_id).replace(
        "PID|1||EX1001^^^EXFAMPRAC&2.16.840.1.113883.3.9999.1&ISO^MR||TESTPATIENT^ALPHA^Q||",
        "PID|1||||||",
    )


def frame(message: str | bytes) -> bytes:
    data = message.encode() if isinstance(message, str) else message
    return b"\x0b" + data + b"\x1c\r"


def acks(data: bytes) -> list[bytes]:
    """The ACK messages in ``data`` (framed), in order."""
    return [part.lstrip(b"\x0b") for part in data.split(b"\x1c\r") if part.strip(b"\x0b")]


def msa(ack: bytes) -> list[str]:
    """MSA's fields of an ACK (MSA-1 is ``[1]``)."""
    line = next(s for s in ack.decode().split("\r") if s.startswith("MSA"))
    return line.split("|")


class Running:
    """A listener on its own event loop in a thread."""

    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        self.loop = asyncio.new_event_loop()
        self.port = 0
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)

            async def main() -> None:
                _, self.port = await listener.start("127.0.0.1", 0)
                ready.set()
                await listener.wait_stopped()

            self.loop.run_until_complete(main())

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(60)

    def stop(self) -> None:
        """Stop it (as SIGTERM does) and wait until every connection is closed; once."""
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.listener.stop)
        self.thread.join(60)
        self.loop.close()


@pytest.fixture(scope="session")
def checks() -> object:
    return default_checks(load_requirements("hie-adt"))


@pytest.fixture
def serve(checks: object, tmp_path: Path) -> Iterator[object]:
    """``serve(capture=True, **options)`` starts a listener and returns it running."""
    started: list[tuple[Running, Capture | None]] = []

    def start(capture: bool = True, **options: object) -> Running:
        sink = Capture(tmp_path / "capture.hl7") if capture else None
        options.setdefault("max_frame", 1 << 20)
        options.setdefault("idle_timeout", None)
        running = Running(Listener(checks, sink, **options))  # type: ignore[arg-type]
        started.append((running, sink))
        return running

    yield start
    for running, sink in started:
        running.stop()
        if sink is not None:
            sink.close()

"""The MLLP server: asyncio connections, each message checked in this process and answered.

One event loop serves every connection. Checking a message is CPU work done in the loop (the
same :func:`hiecheck.hl7.validate.validate_message` as ``validate``), between reads; the capture's
fsync runs in a thread. Frames completed by one read are checked together, their capture bytes
committed together, and only then are their ACKs sent: an acknowledged message is on disk.

Stopping (:meth:`Listener.stop`, on SIGINT or SIGTERM): no new connection is accepted and no more
bytes are read; what was read already is checked, captured and acknowledged; then every connection
is closed. A frame only partly read is not acknowledged (its sender sends it again).
"""

from __future__ import annotations

import asyncio
import io
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from hiecheck.console import make_console, safe_text
from hiecheck.hl7.reader import NOTE_LATIN1, RawMessage, SourceSummary, read_stream
from hiecheck.hl7.validate import Checks, validate_message
from hiecheck.listen.ack import (
    AckCode,
    ErrEntry,
    Header,
    Reject,
    build_ack,
    finding_entry,
    read_header,
    reject_entry,
    reply_codes,
    serialize,
)
from hiecheck.listen.capture import Capture, captured_bytes
from hiecheck.listen.framing import HEAD_BYTES, Event, Frame, FrameDecoder
from hiecheck.listen.tally import Tally

READ_BYTES = 1 << 16
STOP_GRACE_SECONDS = 10.0  # how long stopping waits for clients that do not read their ACKs
SOURCE = "mllp"  # the source name findings carry (the capture's message numbers are theirs)


@dataclass(slots=True)
class _Answer:
    """One frame, checked: what to capture and how to answer."""

    header: Header | None
    outcome: AckCode  # AA, AE or AR
    entries: list[ErrEntry]
    capture: bytes | None  # None: rejected, not captured
    reject: Reject | None = None


@dataclass(slots=True, eq=False)  # held in a set, by identity
class _Connection:
    reader: asyncio.StreamReader
    transport: asyncio.BaseTransport
    task: asyncio.Task[None] | None = field(default=None)


class Listener:
    """Checks and acknowledges MLLP messages with ``checks``; appends them to ``capture``."""

    def __init__(
        self,
        checks: Checks,
        capture: Capture | None,
        *,
        max_frame: int,
        idle_timeout: float | None,
        max_connections: int | None = None,
        tally: Tally | None = None,
        original_acks: bool = False,
    ) -> None:
        self.checks = checks
        self.capture = capture
        self.max_frame = max_frame
        self.idle_timeout = idle_timeout
        # Each connection may hold up to max_frame bytes: the cap bounds memory and descriptors.
        self.max_connections = max_connections
        self.tally = tally or Tally()
        self.original_acks = original_acks  # one AA/AE/AR per message whatever MSH-15/16 say
        self.capture_error: str | None = None  # the first capture write error, as text
        self._number = 0  # messages checked: their number, as in the capture
        self._acks = 0
        self._ack_prefix = f"HC{int(time.time()) & 0xFFFFFFFF:x}"
        self._connections: set[_Connection] = set()
        self._stopping: asyncio.Event | None = None
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Bind and start accepting; returns the address bound (``port`` 0: one the system
        picks). OSError when it cannot listen there."""
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(
            self._serve, host, port, limit=READ_BYTES, reuse_address=True
        )
        name = self._server.sockets[0].getsockname()
        return str(name[0]), int(name[1])

    def stop(self) -> None:
        """Stop accepting and reading; what was read is still answered (see the module)."""
        if self._stopping is None or self._stopping.is_set():
            return
        self._stopping.set()
        if self._server is not None:
            self._server.close()
        for conn in self._connections:
            _stop_reading(conn)

    async def wait_stopped(self) -> None:
        """Return once :meth:`stop` was called and every connection is closed."""
        assert self._stopping is not None, "start() first"
        await self._stopping.wait()
        tasks = [c.task for c in self._connections if c.task is not None]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
            for task in pending:  # a client that never reads its ACKs
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tally = self.tally
        if self.max_connections is not None and len(self._connections) >= self.max_connections:
            tally.refused += 1  # closed before a byte is read: its sender retries later
            writer.close()
            return
        conn = _Connection(reader, writer.transport, asyncio.current_task())
        self._connections.add(conn)
        tally.connections += 1
        tally.open_connections += 1
        decoder = FrameDecoder(self.max_frame)
        if self._stopping is not None and self._stopping.is_set():
            _stop_reading(conn)
        try:
            while True:
                try:
                    async with asyncio.timeout(self.idle_timeout):
                        data = await reader.read(READ_BYTES)
                except TimeoutError:
                    tally.timeouts += 1
                    break
                if not data:
                    break
                events = decoder.feed(data)
                if events:
                    writer.write(await self._answer_all(events))
                    await writer.drain()
        except (ConnectionError, OSError):
            pass  # the client went away: nothing to answer
        finally:
            tally.stray_bytes += decoder.stray
            if decoder.pending:
                tally.lost_partial += 1
            self._connections.discard(conn)
            tally.open_connections -= 1
            writer.close()

    async def _answer_all(self, events: list[Event]) -> bytes:
        """Check the frames, commit their capture bytes, and return their ACKs, framed."""
        answers = [self._answer_safely(e) for e in events]
        if self.capture is not None:
            data = b"".join([a.capture for a in answers if a.capture is not None])
            if data:
                try:
                    await self.capture.commit(data)
                except OSError as exc:
                    self.tally.capture_errors += 1
                    self.capture_error = self.capture_error or (exc.strerror or str(exc))
                    for a in answers:
                        if a.capture is not None:
                            a.outcome, a.reject = AckCode.AR, Reject.CAPTURE
                            a.entries, a.capture = [reject_entry(Reject.CAPTURE)], None
        out: list[bytes] = []
        now = datetime.now().astimezone()
        for a in answers:
            self.tally.outcome(a.outcome)
            for code in reply_codes(a.header, a.outcome, a.reject, original=self.original_acks):
                entries = [] if code is AckCode.CA else a.entries
                self._acks += 1
                ack = build_ack(a.header, code, entries, f"{self._ack_prefix}{self._acks}", now)
                out += (b"\x0b", serialize(ack), b"\x1c\r")
        return b"".join(out)

    def _answer_safely(self, event: Event) -> _Answer:
        """:meth:`answer`, or AR when checking the message fails (a bug): the listener goes on
        serving, and says so in one line (``HIECHECK_DEBUG=1``: the traceback)."""
        try:
            return self.answer(event)
        except Exception as exc:  # a bug must not end the listener for every connection
            self.tally.internal_errors += 1
            if os.environ.get("HIECHECK_DEBUG"):
                traceback.print_exception(exc)
            else:
                make_console(stderr=True).print(safe_text(
                    f"hiecheck listen: internal error checking a message: {type(exc).__name__} "
                    "(answered AR; rerun with HIECHECK_DEBUG=1 for details)"), soft_wrap=True)
            return _reject(None, Reject.INTERNAL)

    def answer(self, event: Event) -> _Answer:
        """Check one frame (or reject it): the outcome, its ERR entries, what to capture."""
        if not isinstance(event, Frame):
            self.tally.oversized += 1
            return _reject(_header_of(event.head), Reject.OVERSIZED)
        summary = SourceSummary(SOURCE)
        # The reader's own splitting (CR, LF, CR LF, BOM, non-UTF-8 lines) makes the RawMessage.
        raws = list(read_stream(io.BytesIO(event.data), summary))
        if summary.stopped is not None:
            return _reject(_header_of(event.data[:HEAD_BYTES]), Reject.OVERSIZED)
        if not raws or summary.stray:
            return _reject(None, Reject.NOT_HL7)
        raw = raws[0]
        header = read_header(raw.lines[0][1], _encoding(raw))
        if header is None:
            return _reject(None, Reject.HEADER)
        if len(raws) > 1 or summary.batch_segments:
            return _reject(header, Reject.SEVERAL)
        self._number += 1
        raw.number = self._number
        result = validate_message(raw, self.checks)
        entries = [finding_entry(f) for f in result.findings]
        outcome = AckCode.AE if result.has_errors else AckCode.AA
        return _Answer(header, outcome, entries, captured_bytes(event.data))


def _stop_reading(conn: _Connection) -> None:
    """No more bytes from this connection; what its reader holds is still read, then EOF."""
    if not conn.transport.is_closing():
        pause: Callable[[], None] | None = getattr(conn.transport, "pause_reading", None)
        if pause is not None:
            pause()
    if not conn.reader.at_eof():
        conn.reader.feed_eof()


def _reject(header: Header | None, reason: Reject) -> _Answer:
    return _Answer(header, AckCode.AR, [reject_entry(reason)], None, reason)


def _encoding(raw: RawMessage) -> str:
    """How the MSH line was decoded: UTF-8, or Latin-1 when it is not UTF-8 (as the reader)."""
    first = raw.lines[0][0]
    return "latin-1" if any(
        n.kind == NOTE_LATIN1 and n.line == first for n in raw.notes
    ) else "utf-8"


def _header_of(head: bytes) -> Header | None:
    """The header of a frame not read whole, from its first line (cut at the end of ``head``)."""
    line = head.split(b"\r", 1)[0].split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf")
    try:
        return read_header(line.decode("utf-8"))
    except UnicodeDecodeError:
        return read_header(line.decode("latin-1"), "latin-1")

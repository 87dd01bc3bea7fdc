"""MLLP framing: VT (0x0B) message FS (0x1C) CR (0x0D), decoded incrementally from any reads.

A :class:`FrameDecoder` is fed whatever the socket gives (half a frame, many frames, bytes between
frames) and returns what it completed. Memory stays bounded: a frame longer than ``max_bytes`` is
not held; its first :data:`HEAD_BYTES` are kept (to read the header for a reject ACK) and the rest
is skipped up to its FS, after which decoding resynchronizes on the next VT.
"""

from __future__ import annotations

from dataclasses import dataclass

VT = 0x0B
FS = 0x1C
CR = 0x0D
START = b"\x0b"
END = b"\x1c"
HEAD_BYTES = 64 << 10  # what is kept of an oversized frame: enough for any real MSH segment


@dataclass(frozen=True, slots=True)
class Frame:
    """A complete frame: exactly the bytes between VT and FS."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Oversized:
    """A frame longer than the cap: its first bytes only, the rest was skipped."""

    head: bytes
    size: int  # bytes of the frame seen (all of it: the FS was found)


Event = Frame | Oversized


class FrameDecoder:
    """Turns a byte stream into :class:`Frame` and :class:`Oversized` events; counts the bytes
    found outside any frame (``stray``) and whether a frame was cut by the end of the stream."""

    __slots__ = ("_buffer", "_in_frame", "_skip_cr", "_skipped", "max_bytes", "stray")

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.stray = 0  # bytes outside frames (not VT, not the CR after FS), skipped
        self._buffer = bytearray()  # from the VT of the current frame (exclusive) on
        self._in_frame = False
        self._skip_cr = False  # an FS ended the last read: a CR may follow in the next one
        self._skipped = -1  # >= 0: bytes of an oversized frame being skipped

    @property
    def pending(self) -> int:
        """Bytes of an unfinished frame held (what a closed connection loses)."""
        return len(self._buffer) if self._in_frame else 0

    def feed(self, data: bytes) -> list[Event]:
        """Add bytes; return the frames they completed, in order."""
        events: list[Event] = []
        view = memoryview(data)
        pos = 0
        n = len(data)
        if self._skip_cr and n:
            self._skip_cr = False
            if data[0] == CR:
                pos = 1
        while pos < n:
            if not self._in_frame:
                start = data.find(START, pos)
                if start < 0:
                    self.stray += n - pos
                    break
                self.stray += start - pos
                pos = start + 1
                self._in_frame = True
                continue
            end = data.find(END, pos)
            if self._skipped >= 0:  # skipping the rest of an oversized frame
                if end < 0:
                    self._skipped += n - pos
                    break
                self._skipped += end - pos
                events.append(Oversized(bytes(self._buffer), self._skipped))
                self._buffer.clear()
                self._skipped = -1
                pos = self._after_end(data, end)
                continue
            stop = n if end < 0 else end
            if len(self._buffer) + stop - pos > self.max_bytes:
                keep = max(0, HEAD_BYTES - len(self._buffer))
                self._skipped = len(self._buffer) + (stop - pos)
                self._buffer += view[pos : pos + keep]
                del self._buffer[HEAD_BYTES:]
                if end < 0:
                    break
                events.append(Oversized(bytes(self._buffer), self._skipped))
                self._buffer.clear()
                self._skipped = -1
                pos = self._after_end(data, end)
                continue
            if end < 0:
                self._buffer += view[pos:]
                break
            if self._buffer:
                self._buffer += view[pos:end]
                events.append(Frame(bytes(self._buffer)))
                self._buffer.clear()
            else:
                events.append(Frame(data[pos:end]))
            pos = self._after_end(data, end)
        return events

    def _after_end(self, data: bytes, end: int) -> int:
        """Position after the FS at ``end`` and its CR (which may come in the next read)."""
        self._in_frame = False
        pos = end + 1
        if pos < len(data):
            if data[pos] == CR:
                pos += 1
        else:
            self._skip_cr = True
        return pos

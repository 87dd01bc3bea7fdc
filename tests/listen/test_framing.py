"""MLLP framing (VT … FS CR): split frames, many per read, bytes between frames, oversize."""

from __future__ import annotations

from hiecheck.listen.framing import HEAD_BYTES, Frame, FrameDecoder, Oversized

MSG = b"MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5.1\rPID|1\r"


def framed(data: bytes) -> bytes:
    return b"\x0b" + data + b"\x1c\r"


def test_one_frame_is_the_bytes_between_vt_and_fs() -> None:
    d = FrameDecoder(1 << 20)
    assert d.feed(framed(MSG)) == [Frame(MSG)]
    assert d.stray == 0 and d.pending == 0


def test_a_frame_split_at_every_byte_gives_the_same_frame() -> None:
    data = framed(MSG) * 2
    for cut in range(1, len(data)):
        d = FrameDecoder(1 << 20)
        events = d.feed(data[:cut]) + d.feed(data[cut:])
        assert events == [Frame(MSG), Frame(MSG)], cut
        assert d.stray == 0, cut  # the CR after FS, even in the next read, is no stray byte


def test_byte_by_byte() -> None:
    d = FrameDecoder(1 << 20)
    events = [e for b in framed(MSG) * 3 for e in d.feed(bytes([b]))]
    assert events == [Frame(MSG)] * 3


def test_many_frames_in_one_read_in_order() -> None:
    msgs = [MSG.replace(b"|1|P", f"|{n}|P".encode()) for n in range(50)]
    d = FrameDecoder(1 << 20)
    assert d.feed(b"".join(framed(m) for m in msgs)) == [Frame(m) for m in msgs]


def test_bytes_outside_frames_are_skipped_and_counted() -> None:
    d = FrameDecoder(1 << 20)
    events = d.feed(b"junk" + framed(MSG) + b"\nxx" + framed(MSG) + b"tail")
    assert events == [Frame(MSG), Frame(MSG)]
    assert d.stray == len(b"junk") + len(b"\nxx") + len(b"tail")


def test_fs_without_cr_still_ends_the_frame() -> None:
    d = FrameDecoder(1 << 20)
    assert d.feed(b"\x0b" + MSG + b"\x1c" + b"\x0b" + MSG + b"\x1c") == [Frame(MSG), Frame(MSG)]


def test_unfinished_frame_is_pending() -> None:
    d = FrameDecoder(1 << 20)
    assert d.feed(b"\x0b" + MSG[:10]) == []
    assert d.pending == 10


def test_oversized_frame_keeps_its_head_and_resyncs() -> None:
    cap = 1024
    big = MSG + b"OBX|" + b"x" * 5000 + b"\r"
    d = FrameDecoder(cap)
    events = d.feed(framed(big)[:3000]) + d.feed(framed(big)[3000:] + framed(MSG))
    assert len(events) == 2
    first = events[0]
    assert isinstance(first, Oversized)
    assert first.size == len(big)
    assert big.startswith(first.head) and len(first.head) <= HEAD_BYTES
    assert events[1] == Frame(MSG)  # the stream resynchronized on the next VT


def test_oversized_frame_memory_stays_bounded() -> None:
    d = FrameDecoder(4096)
    assert d.feed(b"\x0b" + MSG) == []
    chunk = b"y" * (1 << 20)
    for _ in range(40):  # 40 MiB of one frame, never held
        assert d.feed(chunk) == []
        assert d.pending <= HEAD_BYTES
    events = d.feed(b"\x1c\r")
    assert isinstance(events[0], Oversized)
    assert events[0].head.startswith(MSG)


def test_frame_exactly_at_the_cap_is_accepted() -> None:
    d = FrameDecoder(len(MSG))
    assert d.feed(framed(MSG)) == [Frame(MSG)]
    d = FrameDecoder(len(MSG) - 1)
    assert isinstance(d.feed(framed(MSG))[0], Oversized)

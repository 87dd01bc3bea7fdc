"""Bounded reading of the files users give (organization and profile TOML, P4P CSV).

Each kind of file has a documented size limit (README, "Limits"), checked before anything is
parsed: a regular file by its size, without reading it; a pipe, FIFO, device or stdin by
counting while reading, stopping one chunk past the limit. So ``/dev/zero`` or an endless pipe
ends with one line, not with the machine's memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hiecheck.errors import InputError

KIB = 1 << 10
MIB = 1 << 20
TOML_MAX_BYTES = 4 * MIB  # organization files and profiles (the largest bundled one is 15 KB)
CSV_MAX_BYTES = 64 * MIB  # P4P measure results (about 500,000 provider rows)
_CHUNK = 1 * MIB


def size_text(size: int) -> str:
    """``4194304`` → ``4 MiB``; ``1536`` → ``1.5 KiB``; small sizes in bytes."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", KIB)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def too_large(source: str, limit: int, what: str) -> InputError:
    """The one-line error for an input over its limit."""
    return InputError(
        source, f"larger than the {size_text(limit)} limit for {what}",
        expected=f"at most {size_text(limit)}",
    )


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """Every byte of ``path``, refusing more than ``limit`` (``what`` names the kind of file in
    the error, e.g. ``"an organization file"``). Unreadable files raise InputError too."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise InputError(source, "is a folder, not a file")
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                raise too_large(source, limit, what)
            parts: list[bytes] = []
            total = 0
            while total <= limit:
                chunk = handle.read(min(_CHUNK, limit + 1 - total))
                if not chunk:
                    break
                parts.append(chunk)
                total += len(chunk)
    except IsADirectoryError:
        raise InputError(source, "is a folder, not a file") from None
    except OSError as exc:
        raise InputError(source, f"cannot read file: {exc.strerror or exc}") from None
    if total > limit:  # a stream, or a file that grew while it was read
        raise too_large(source, limit, what)
    return b"".join(parts)

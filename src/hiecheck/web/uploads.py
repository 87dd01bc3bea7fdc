"""Receive the questionnaire form with its sample messages, streamed to a private folder.

The multipart body is parsed as it arrives (python-multipart's streaming parser): form fields are
kept (small, capped), every file part is written straight to disk in the request's own temporary
folder, never held in memory. Caps on the request size, the bytes stored (a .zip's contents
counted unpacked) and the number of message files are enforced while reading, so an oversized
upload stops early with a clear message. Nothing here logs a file name or a byte of content.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from hiecheck.web.pipeline import MESSAGE_SUFFIXES

MIB = 1024 * 1024
ZIP_SUFFIX = ".zip"
MAX_FIELDS = 1000
MAX_FIELD_BYTES = 64 * 1024
FORM_OVERHEAD_BYTES = MIB
"""Room in a request for the form fields and multipart framing, beyond the files themselves."""
DRAIN_BYTES = 1024 * MIB
"""After a cap is hit, the rest of the body is read and dropped (up to this much) so the browser
gets the error page instead of a reset connection."""
COPY_CHUNK = MIB


@dataclass(frozen=True)
class UploadLimits:
    """Caps on one request's uploads (documented in the README, `hiecheck serve`)."""

    max_bytes: int = 256 * MIB
    max_files: int = 1000

    @property
    def max_request_bytes(self) -> int:
        """The largest request body accepted."""
        return self.max_bytes + FORM_OVERHEAD_BYTES

    def describe(self) -> str:
        """``256 MB and 1000 files``."""
        return f"{self.max_bytes // MIB} MB and {self.max_files} message files"


class UploadRefused(Exception):
    """The request as a whole cannot be taken (size or count caps, not a form): an error page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Received:
    """What a request brought: its form fields and the message files stored for it."""

    folder: Path
    fields: list[tuple[str, str]] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)  # names as the person chose them
    files: int = 0  # message files stored (zip members included once unpacked)
    stored_bytes: int = 0
    skipped: list[str] = field(default_factory=list)  # zip members that are not message files
    problems: list[str] = field(default_factory=list)  # shown next to the upload field
    zips: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def messages_dir(self) -> Path:
        """The folder the message files are in (what the check reads)."""
        return self.folder / "messages"


def safe_name(raw: str) -> str:
    """A file name safe to create and to show: the last path part, odd characters replaced,
    no leading dot (hidden files are not read as messages)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch if ch.isalnum() or ch in "._-+() " else "_" for ch in name)
    name = name.strip(" .")[:120]
    return name or "upload"


def _unique(path: Path) -> Path:
    """``path``, or ``name (2).hl7`` … when a file of that name is already stored."""
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        n += 1
    return candidate


def is_message_name(name: str) -> bool:
    """Whether a file name is one `check --messages` reads in a folder."""
    return PurePosixPath(name).suffix.lower() in MESSAGE_SUFFIXES


class _Receiver:
    """python-multipart callbacks that keep fields and write files to the request's folder."""

    def __init__(self, received: Received, limits: UploadLimits) -> None:
        self.r = received
        self.limits = limits
        self.header_field = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.name = ""
        self.filename: str | None = None
        self.value = bytearray()
        self.out: BinaryIO | None = None
        self.discard = False
        self.is_zip = False
        self.zip_count = 0
        self.complete = False

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field_data,
            "on_header_value": self.header_value_data,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_end": self.end,
        }

    def part_begin(self) -> None:
        self.headers = {}
        self.name, self.filename = "", None
        self.value = bytearray()
        self.out, self.discard, self.is_zip = None, False, False

    def header_field_data(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def header_value_data(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.header_field.strip().lower()] = self.header_value.strip()
        self.header_field, self.header_value = b"", b""

    def headers_finished(self) -> None:
        _, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = params.get(b"name", b"").decode("utf-8", "replace")
        raw = params.get(b"filename")
        if raw is None:
            if len(self.r.fields) >= MAX_FIELDS:
                raise UploadRefused(413, f"The form has more than {MAX_FIELDS} fields.")
            return
        self.filename = raw.decode("utf-8", "replace")
        if not self.filename:  # a file input left empty
            self.discard = True
            return
        shown = safe_name(self.filename)
        if shown.lower().endswith(ZIP_SUFFIX):
            self.is_zip = True
            self.zip_count += 1
            target = self.r.folder / "zips" / f"{self.zip_count}.zip"
            self.r.zips.append((target, shown))
        elif is_message_name(shown):
            self._count_file()
            target = _unique(self.r.messages_dir / shown)
        else:
            self.r.problems.append(
                f"{shown} is not a message file (expected "
                f"{', '.join(sorted(s for s in MESSAGE_SUFFIXES if s))}, no suffix, or .zip)."
            )
            self.discard = True
            return
        self.r.uploads.append(shown)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.out = target.open("xb")

    def _count_file(self) -> None:
        self.r.files += 1
        if self.r.files > self.limits.max_files:
            raise UploadRefused(
                413, f"More than {self.limits.max_files} message files were sent at once."
            )

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.discard:
            return
        if self.filename is None:
            self.value += data[start:end]
            if len(self.value) > MAX_FIELD_BYTES:
                raise UploadRefused(413, f"A form field is longer than {MAX_FIELD_BYTES} bytes.")
            return
        assert self.out is not None
        if not self.is_zip:  # a .zip counts by its unpacked contents (the body cap bounds it)
            self.r.stored_bytes += end - start
            if self.r.stored_bytes > self.limits.max_bytes:
                raise _too_big(self.limits)
        self.out.write(data[start:end])

    def part_end(self) -> None:
        if self.out is not None:
            self.out.close()
            self.out = None
        elif self.filename is None and self.name:
            self.r.fields.append((self.name, self.value.decode("utf-8", "replace")))

    def end(self) -> None:
        self.complete = True

    def close(self) -> None:
        if self.out is not None:
            self.out.close()


def _too_big(limits: UploadLimits) -> UploadRefused:
    return UploadRefused(
        413,
        f"The upload is larger than {limits.max_bytes // MIB} MB "
        "(a .zip counts with its contents unpacked).",
    )


async def receive_form(
    chunks: AsyncIterator[bytes],
    content_type: str,
    content_length: int | None,
    folder: Path,
    limits: UploadLimits,
) -> Received:
    """Read a ``multipart/form-data`` body into ``folder`` (which the caller creates and removes).

    Raises UploadRefused for a body that is not such a form or that passes a cap; the rest of the
    body is read and dropped first, so the answer reaches the browser.
    """
    kind, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    received = Received(folder=folder)
    receiver = _Receiver(received, limits)
    try:
        if kind != b"multipart/form-data" or not boundary:
            raise UploadRefused(
                400, "The request is not a questionnaire form (multipart/form-data)."
            )
        if content_length is not None and content_length > limits.max_request_bytes:
            raise _too_big(limits)
        parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
        total = 0
        async for chunk in chunks:
            total += len(chunk)
            if total > limits.max_request_bytes:
                raise _too_big(limits)
            parser.write(chunk)
        parser.finalize()
        if not receiver.complete:
            raise UploadRefused(400, "The form arrived incomplete (the upload was cut short).")
    except ClientDisconnect:
        raise UploadRefused(400, "The upload was interrupted.") from None
    except FormParserError:
        await _drain(chunks)
        raise UploadRefused(400, "The form could not be read (malformed multipart body).") from None
    except UploadRefused:
        await _drain(chunks)
        raise
    finally:
        receiver.close()
    return received


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    dropped = 0
    try:
        async for chunk in chunks:
            dropped += len(chunk)
            if dropped > DRAIN_BYTES:
                break
    except Exception:  # the client went away: nothing left to answer
        return


def unpack_zips(received: Received, limits: UploadLimits) -> None:
    """Unpack every uploaded .zip into the messages folder, counting what is really written
    (not what the archive claims) against the caps. Members that are not message files are
    listed in ``skipped``; an unreadable archive is a problem of the upload field."""
    for path, shown in received.zips:
        try:
            with zipfile.ZipFile(path) as archive:
                for member in archive.infolist():
                    _unpack_member(archive, member, shown, received, limits)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError):
            received.problems.append(
                f"{shown} could not be unpacked (not a plain, unencrypted .zip file)."
            )
        finally:
            path.unlink(missing_ok=True)


def _member_path(name: str) -> PurePosixPath | None:
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", "/")]
    if not parts or any(p == ".." or p.startswith(".") or p == "__MACOSX" for p in parts):
        return None
    return PurePosixPath(*(safe_name(p) for p in parts))


def _unpack_member(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    shown: str,
    received: Received,
    limits: UploadLimits,
) -> None:
    if member.is_dir():
        return
    relative = _member_path(member.filename)
    if relative is None:
        return
    if not is_message_name(relative.name):
        received.skipped.append(f"{shown}: {relative}")
        return
    received.files += 1
    if received.files > limits.max_files:
        raise UploadRefused(
            413, f"More than {limits.max_files} message files were sent at once."
        )
    target = _unique(received.messages_dir / relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(member) as source, target.open("xb") as out:
        while chunk := source.read(COPY_CHUNK):
            received.stored_bytes += len(chunk)
            if received.stored_bytes > limits.max_bytes:
                raise _too_big(limits)
            out.write(chunk)


def remove_folder(folder: Path) -> None:
    """Delete a request's folder and everything in it."""
    shutil.rmtree(folder, ignore_errors=True)

"""The validation pipeline: sources → messages → structure, content, timing, read checks → results.

Everything streams: a source is read in chunks, each message is checked and handed on, and only
per-file counters are kept. With ``jobs > 1`` this process and ``jobs - 1`` worker processes check:
small files whole, big files and stdin in batches of messages read here; this process checks a file
or batch itself whenever the workers have enough queued. Results come back in input order and at
most a few batches per process are in flight, so memory stays flat.

Events, in order: :class:`SourceStart`, one :class:`MessageResult` per message, :class:`SourceEnd`
(with the file-level findings) for every source.
"""

from __future__ import annotations

import re
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hiecheck.errors import InputError
from hiecheck.hl7.content import SHARED_RESULTS, GroupResult, check_content
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.message import Message, tokenize
from hiecheck.hl7.read_notes import BatchTracker, message_note_findings, source_findings
from hiecheck.hl7.reader import (
    READ_ERRORS,
    RawMessage,
    Readable,
    Source,
    SourceSummary,
    decode_stream,
    expand_sources,
    looks_binary,
    open_binary,
    read_error_text,
    read_stream,
)
from hiecheck.hl7.requirements import CompiledRequirements
from hiecheck.hl7.structure import check_structure
from hiecheck.hl7.timing import TimingRules, check_timing, load_timing_rules

BATCH_SIZE = 256
BATCH_BYTES = 4 << 20  # big messages (RawMessage.span) cut batches sooner: memory stays bounded
IN_FLIGHT_PER_JOB = 4
QUEUED_PER_WORKER = 2  # files or batches waiting per worker before this process checks one itself
# While this process checks too, the executor's thread that feeds the workers and collects their
# results needs the GIL often: at the default 5 ms it waits long enough to leave workers idle.
SWITCH_INTERVAL = 0.001
WHOLE_FILE_BYTES = 4 << 20  # files up to this size are read and checked whole by one process


@dataclass(slots=True)
class SourceStart:
    """A source (file or stdin) begins."""

    source: str


@dataclass(slots=True)
class SourceEnd:
    """A source ended: its file-level findings and message count."""

    source: str
    messages: int
    findings: list[Finding]


@dataclass(slots=True)
class MessageResult:
    """Everything found about one message (plain data: cheap to build and to pickle)."""

    source: str
    number: int
    line: int
    message_type: str
    control_id: str
    version: str
    segment_ids: tuple[str, ...]
    latency: float | None
    groups: dict[str, GroupResult]
    findings: list[Finding] = field(default_factory=list)
    latency_from: str | None = None  # the event-time field the latency was measured from
    extracted: object = None  # what Checks.extract took from the message (None without it)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


Event = SourceStart | MessageResult | SourceEnd

_CODE = re.compile(r"[A-Za-z0-9]+")


def message_code(message_type: str) -> str:
    """MSH-9.1 from a result's raw MSH-9 text (``ADT^A04^ADT_A01`` → ``ADT``; '' when none)."""
    m = _CODE.match(message_type.strip())
    return m.group(0).upper() if m else ""


Extract = Callable[[Message], object]
"""Fields another step takes from every message in the same pass (the CBP eCQM's, for `check`).
It runs where the message is checked, in a worker process with ``jobs > 1``: a module-level
function (or a ``functools.partial`` of one) returning plain, picklable data."""


@dataclass(slots=True)
class Checks:
    """What to run on every message."""

    requirements: CompiledRequirements | None
    timing: TimingRules
    extract: Extract | None = None


def validate_message(raw: RawMessage, checks: Checks) -> MessageResult:
    """Tokenize one raw message and run every check on it."""
    message = tokenize(raw)
    findings = message_note_findings(raw) if raw.notes else []
    findings.extend(check_structure(message))
    groups: dict[str, GroupResult] = {}
    if checks.requirements is not None:
        content, groups = check_content(message, checks.requirements)
        findings.extend(content)
    timing = check_timing(message, checks.timing)
    findings.extend(timing.findings)
    msh = message.msh
    extracted = checks.extract(message) if checks.extract is not None else None
    return MessageResult(
        raw.source, raw.number, raw.lines[0][0], msh.field(9).strip(), msh.field(10).strip(),
        message.version, tuple([s.id for s in message.segments]), timing.seconds, groups,
        findings, timing.measured_from, extracted,
    )


class _Counted:
    """A binary stream that counts the bytes read and tells the progress bar."""

    def __init__(self, stream: Readable, advance: Callable[[int], None]) -> None:
        self.stream = stream
        self.advance = advance
        self.bytes = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self.stream.read(size)
        self.bytes += len(data)
        self.advance(len(data))
        return data


_Item = tuple[str, object]  # ("start", name) | ("raw", RawMessage) | ("end", SourceEnd)
UNREADABLE_RULE = "read.unreadable"
NO_MESSAGE_RULE = "read.no-message"
NOT_HL7_RULE = "read.not-hl7"  # a file found in a folder (or by a pattern) that is not HL7
_TRIM_BATCH_SEGMENTS = 1024  # batch segments the tracker has applied are dropped past this


def _read_items(sources: list[Source], advance: Callable[[int], None]) -> Iterator[_Item]:
    """Read each source: ``start``, its raw messages, ``end`` with the file-level findings.

    A source that cannot be opened or read gets one ``read.unreadable`` finding naming the real
    reason (and no ``read.no-message`` beside it); so does one stopped at a read cap. A file
    found in a folder that holds no message, or starts with binary content, is skipped with one
    ``read.not-hl7`` warning instead of errors; a file named explicitly stays an error.
    """
    for source in sources:
        name = source.name
        summary = SourceSummary(name)
        tracker = BatchTracker(summary)
        yield "start", name
        problem: Finding | None = None
        counted: _Counted | None = None
        head = b""
        try:
            handle = open_binary(source)
        except OSError as exc:
            problem = _unreadable(name, f"cannot read file: {exc.strerror or exc}")
        else:
            try:
                counted = _Counted(handle, advance)
                opened = decode_stream(counted)
                head = opened.head
                if not (source.found and looks_binary(head)):
                    for raw in read_stream(opened.stream, summary):
                        tracker.message(raw)
                        if tracker.done > _TRIM_BATCH_SEGMENTS:  # keep memory flat in a file
                            del summary.batch_segments[: tracker.done]  # of many batches
                            tracker.done = 0
                        yield "raw", raw
            except READ_ERRORS as exc:
                problem = _unreadable(name, f"read failed: {read_error_text(exc)}")
            finally:
                if handle is not sys.stdin.buffer:
                    handle.close()
        stop = summary.stopped
        if problem is None and stop is not None and not (source.found and not summary.messages):
            problem = Finding(UNREADABLE_RULE, Severity.ERROR, stop.detail, name, stop.line, 0,
                              f"line {stop.line}")
        findings = source_findings(summary, tracker)
        if problem is not None:
            findings = [f for f in findings if f.rule != NO_MESSAGE_RULE] + [problem]
        elif summary.messages == 0:
            reason = _no_message_reason(head, counted.bytes if counted else 0)
            if source.found:
                findings = [Finding(NOT_HL7_RULE, Severity.WARNING, f"{_NOT_HL7}{reason}{_SKIPPED}",
                                    name, 0, 0, "file")]
            else:
                what = "input" if source.stream else "file"
                text = f"no HL7 message in this {what}: {reason}"
                findings = [
                    f if f.rule != NO_MESSAGE_RULE else Finding(
                        f.rule, f.severity, text, f.source, f.line, f.message_number, f.location)
                    for f in findings
                ]
        yield "end", SourceEnd(name, summary.messages, findings)


def _no_message_reason(head: bytes, size: int) -> str:
    """Why a source holds no message, in a few words."""
    if size == 0:
        return "it is empty"
    if looks_binary(head):
        return "binary content (NUL bytes near the start: binary or UTF-16 text)"
    return "no MSH segment"


_NOT_HL7 = "not HL7: "
_SKIPPED = "; skipped (found in a folder, not named)"


def skipped_reason(finding: Finding) -> str:
    """The reason in a ``read.not-hl7`` finding (``no MSH segment``)."""
    return finding.message.removeprefix(_NOT_HL7).removesuffix(_SKIPPED)


def _unreadable(name: str, problem: str) -> Finding:
    return Finding(UNREADABLE_RULE, Severity.ERROR, problem, name, 0, 0, "file")


# ----------------------------------------------------------------------------- workers

_WORKER_CHECKS: Checks | None = None


def _init_worker(checks: Checks) -> None:
    global _WORKER_CHECKS
    _WORKER_CHECKS = checks


# Results travel back from workers as plain tuples: unpickling slotted dataclasses costs more
# than checking the message did, and would make the reading process the bottleneck.
_SEVERITIES = {s.value: s for s in Severity}
_Packed = tuple


def _pack(result: MessageResult) -> _Packed:
    groups = tuple(
        (gid, g.status) if not (g.missing or g.invalid or g.re_missing)
        else (gid, g.status, g.missing, g.invalid, g.re_missing)
        for gid, g in result.groups.items()
    )
    findings = tuple(
        (f.rule, f.severity.value, f.message, f.source, f.line, f.message_number, f.location,
         f.value, f.group)
        for f in result.findings
    )
    return (result.source, result.number, result.line, result.message_type, result.control_id,
            result.version, result.segment_ids, result.latency, groups, findings,
            result.latency_from, result.extracted)


def _unpack(packed: _Packed) -> MessageResult:
    (source, number, line, message_type, control_id, version, segment_ids, latency, groups,
     findings, latency_from, extracted) = packed
    severities = _SEVERITIES
    shared = SHARED_RESULTS
    return MessageResult(
        source, number, line, message_type, control_id, version, segment_ids, latency,
        {g[0]: shared[g[1]] if len(g) == 2 and g[1] in shared else GroupResult(*g[1:])
         for g in groups},
        [Finding(r, severities[sev], m, src, ln, num, loc, val, grp)
         for r, sev, m, src, ln, num, loc, val, grp in findings],
        latency_from, extracted,
    )


def _pack_raw(raw: RawMessage) -> _Packed:
    """A raw message as one string (lines joined by CR, which no line holds) plus line numbers
    only when they are not consecutive: far cheaper to pickle than the list of pairs."""
    lines = raw.lines
    first = lines[0][0]
    numbers = None if lines[-1][0] - first == len(lines) - 1 else [n for n, _ in lines]
    return (raw.source, raw.number, first, "\r".join([t for _, t in lines]), numbers, raw.notes,
            raw.batch)


def _unpack_raw(packed: _Packed) -> RawMessage:
    source, number, first, text, numbers, notes, batch = packed
    texts = text.split("\r")
    if numbers is None:
        numbers = range(first, first + len(texts))
    return RawMessage(source, number, list(zip(numbers, texts, strict=True)), notes, batch)


def _check_batch(raws: list[_Packed]) -> list[_Packed]:
    assert _WORKER_CHECKS is not None
    return [_pack(validate_message(_unpack_raw(raw), _WORKER_CHECKS)) for raw in raws]


def _check_file(source: Source) -> list[Event | _Packed]:
    """A whole (small) file checked in a worker: reading included, so it scales with jobs."""
    assert _WORKER_CHECKS is not None
    return [
        _pack(event) if isinstance(event, MessageResult) else event
        for event in _sequential(_read_items([source], _ignore), _WORKER_CHECKS)
    ]


def _sequential(items: Iterable[_Item], checks: Checks) -> Iterator[Event]:
    for kind, payload in items:
        if kind == "raw":
            yield validate_message(payload, checks)  # type: ignore[arg-type]
        elif kind == "start":
            yield SourceStart(payload)  # type: ignore[arg-type]
        else:
            yield payload  # type: ignore[misc]


class _Scheduler:
    """Files and batches in input order: each one sent to a worker, or checked here when the
    workers already have QUEUED_PER_WORKER waiting each (its results then need no pickling)."""

    def __init__(self, pool: ProcessPoolExecutor, checks: Checks, jobs: int) -> None:
        self.pool = pool
        self.checks = checks
        self.pending: deque[Future[list[Event | _Packed]] | list[Event]] = deque()
        self.limit = jobs * IN_FLIGHT_PER_JOB
        self.queued = (jobs - 1) * QUEUED_PER_WORKER

    def _workers_full(self) -> bool:
        waiting = 0
        for item in self.pending:
            if not isinstance(item, list) and not item.done():
                waiting += 1
        return waiting >= self.queued

    def file(self, source: Source) -> None:
        """A small file, read and checked whole."""
        if self._workers_full():
            self.pending.append(list(_sequential(_read_items([source], _ignore), self.checks)))
        else:
            self.pending.append(self.pool.submit(_check_file, source))

    def batch(self, raws: list[RawMessage]) -> None:
        """A batch of messages read here."""
        if self._workers_full():
            self.pending.append([validate_message(raw, self.checks) for raw in raws])
        else:
            self.pending.append(self.pool.submit(_check_batch, [_pack_raw(r) for r in raws]))

    def event(self, event: Event) -> None:
        """A source start or end, in its place among the results."""
        self.pending.append([event])

    def drain(self, keep: int | None = None) -> Iterator[Event]:
        """Yield finished results in order; wait for the oldest only beyond ``keep`` in flight
        (default: the in-flight limit)."""
        keep = self.limit if keep is None else keep
        pending = self.pending
        while pending:
            head = pending[0]
            if len(pending) <= keep and not isinstance(head, list) and not head.done():
                return
            pending.popleft()
            for item in head if isinstance(head, list) else head.result():
                yield _unpack(item) if isinstance(item, tuple) else item


def _parallel(
    sources: list[Source], checks: Checks, jobs: int, advance: Callable[[int], None]
) -> Iterator[Event]:
    """``jobs`` processes check: this one and ``jobs - 1`` workers. Small files are checked whole,
    big files and stdin in batches of messages read here; results are yielded in input order."""
    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        with ProcessPoolExecutor(max_workers=jobs - 1, initializer=_init_worker,
                                 initargs=(checks,)) as pool:
            work = _Scheduler(pool, checks, jobs)
            for source in sources:
                # Streams are read here, once: a worker could not reopen a pipe or /dev/fd/N.
                size = None if source.stream else _size(source.path)
                if size is not None and size <= WHOLE_FILE_BYTES:
                    work.file(source)
                    advance(size)
                    yield from work.drain()
                    continue
                batch: list[RawMessage] = []
                held = 0
                for kind, payload in _read_items([source], advance):
                    if kind == "raw":
                        batch.append(payload)  # type: ignore[arg-type]
                        held += payload.span  # type: ignore[attr-defined]
                        if len(batch) == BATCH_SIZE or held > BATCH_BYTES:
                            work.batch(batch)
                            batch, held = [], 0
                            yield from work.drain()
                        continue
                    if batch:
                        work.batch(batch)
                        batch, held = [], 0
                    work.event(SourceStart(payload) if kind == "start" else payload)  # type: ignore
                    yield from work.drain()
            yield from work.drain(0)
    finally:
        sys.setswitchinterval(previous_interval)


def _ignore(size: int) -> None:
    """A progress callback that ignores what it is told."""


def _size(source: str) -> int | None:
    try:
        return Path(source).stat().st_size
    except OSError:
        return None


def validate_paths(
    paths: Iterable[str | Source],
    checks: Checks,
    *,
    jobs: int = 1,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[Event]:
    """Stream events for every message of every source named by ``paths``.

    ``paths`` are files, folders, glob patterns or ``-`` (stdin); names that match nothing raise
    InputError before anything is read. ``on_bytes`` is called with the bytes read so far (for a
    progress bar).
    """
    sources = _sources(paths)
    advance = on_bytes or (lambda n: None)
    if jobs <= 1:
        yield from _sequential(_read_items(sources, advance), checks)
    else:
        yield from _parallel(sources, checks, jobs, advance)


def _sources(paths: Iterable[str | Source]) -> list[Source]:
    """Sources as given (already expanded) or expanded from names, in order."""
    out: list[Source] = []
    names: list[str] = []
    for item in paths:
        if isinstance(item, Source):
            out.extend(expand_sources(names))
            names = []
            out.append(item)
        else:
            names.append(item)
    out.extend(expand_sources(names))
    return out


def default_checks(
    requirements: CompiledRequirements | None,
    profiles: Path | None = None,
    extract: Extract | None = None,
) -> Checks:
    """Checks with the timing rules from the profiles folder (and ``extract``, if given)."""
    return Checks(requirements, load_timing_rules(profiles), extract)


__all__ = [
    "Checks",
    "Event",
    "Extract",
    "InputError",
    "MessageResult",
    "SourceEnd",
    "SourceStart",
    "default_checks",
    "message_code",
    "validate_message",
    "validate_paths",
]

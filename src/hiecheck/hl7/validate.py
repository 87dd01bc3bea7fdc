"""The validation pipeline: sources → messages → structure, content, timing, read checks → results.

Everything streams: a source is read in chunks, each message is checked and handed on, and only
per-file counters are kept. With ``jobs > 1`` this process and ``jobs - 1`` worker processes check:
small files whole, big files and stdin in batches of messages read here; this process checks a file
or batch itself whenever the workers have enough queued. Results come back in input order and at
most a few batches per process are in flight, so memory stays flat.

Events, in order: :class:`SourceStart`, one :class:`MessageResult` per message, :class:`SourceEnd`
(with the file-level findings) for every source. :func:`validate_rendered` gives, with ``jobs > 1``,
:class:`RenderedMessages` instead of the results: the report text of a run of messages written
by the process that checked them (the reading process then only writes it and counts).
"""

from __future__ import annotations

import gc
import pickle
import re
import sys
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from hiecheck.cores import cores, idle_cores
from hiecheck.errors import InputError
from hiecheck.hl7 import rules
from hiecheck.hl7.cache import PatternCompiler
from hiecheck.hl7.compiled import CheckMode, VersionRegistry
from hiecheck.hl7.content import (
    SHARED_RESULTS,
    CompiledContent,
    GroupResult,
    GroupStatus,
    content_findings,
)
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import FILE, Location, LocationKind, at_line, is_segment_id
from hiecheck.hl7.message import Message, tokenize
from hiecheck.hl7.read_notes import BatchTracker, message_note_findings, source_findings
from hiecheck.hl7.reader import (
    READ_ERRORS,
    RawMessage,
    Readable,
    Source,
    SourceSummary,
    arrived,
    decode_stream,
    expand_sources,
    looks_binary,
    open_binary,
    read_error_text,
    read_stream,
)
from hiecheck.hl7.requirements import CompiledRequirements
from hiecheck.hl7.spool import Spool, SpoolPiece, SpoolWriter, open_spool
from hiecheck.hl7.structure import structure_findings
from hiecheck.hl7.tables import LENIENT, TablePolicy
from hiecheck.hl7.timing import (
    CompiledTiming,
    LatencyOutcome,
    TimingRules,
    check_timing,
    load_timing_rules,
)
from hiecheck.signals import TERM, first_submit, quiet_child

if TYPE_CHECKING:  # imported by _parallel: a one-file validate needs no worker processes
    from concurrent.futures import Future, ProcessPoolExecutor

BATCH_SIZE = 256
BATCH_BYTES = 4 << 20  # big messages (RawMessage.span) cut batches sooner: memory stays bounded
IN_FLIGHT_PER_JOB = 6
# Files or batches not done per worker before this process checks one itself. The executor hands
# each worker one to run and one more at once, so 2 is a worker merely fed, not behind: this
# process, which also reads, takes results in and writes the report, then checked about half of
# a capture and was the bottleneck (--jobs 2 gained nothing on the corpus). At 4 it checks only
# when a worker has a real backlog.
QUEUED_PER_WORKER = 4
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
    latency_from: Location | None = None  # the event-time field the latency was measured from
    # MSH-9 read once (upper case, see hiecheck.hl7.message): code, trigger event, structure.
    message_code: str = ""
    trigger_event: str = ""
    structure_id: str = ""
    latency_outcome: LatencyOutcome = LatencyOutcome.MEASURED  # why there is (no) latency
    extracted: object = None  # what Checks.extract took from the message (None without it)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


Event = SourceStart | MessageResult | SourceEnd


class Renderer(Protocol):
    """One message's part of a report (its text), and what joins two such parts: given to
    :func:`validate_rendered` by a writer, it runs where the message is checked (a worker
    process with ``jobs > 1``), so it must pickle (keeping only its settings is enough)."""

    @property
    def separator(self) -> str:
        """What the report has between the texts of two messages of one source."""
        ...

    def __call__(self, result: MessageResult, /) -> str:
        """The text of one message."""
        ...


FindingCount = tuple[str, Severity, int]  # rule id, severity, findings


@dataclass(slots=True)
class RenderedMessages:
    """Consecutive messages of one source, checked and rendered where they were checked: their
    texts joined by the renderer's separator and what a tally counts of them."""

    source: str
    messages: int
    with_errors: int  # messages with at least one error
    counts: tuple[FindingCount, ...]  # per (rule, severity), in the order first found
    text: str


RenderedEvent = SourceStart | MessageResult | RenderedMessages | SourceEnd


def render_results(results: list[MessageResult], render: Renderer) -> RenderedMessages:
    """The :class:`RenderedMessages` of ``results`` (consecutive messages of one source)."""
    counts: dict[tuple[str, Severity], int] = {}
    with_errors = 0
    error = Severity.ERROR
    for result in results:
        failed = False
        for f in result.findings:
            key = (f.rule, f.severity)
            counts[key] = counts.get(key, 0) + 1
            if key[1] is error:
                failed = True
        with_errors += failed
    return RenderedMessages(
        results[0].source, len(results), with_errors,
        tuple([(rule, severity, n) for (rule, severity), n in counts.items()]),
        render.separator.join([render(r) for r in results]),
    )

Extract = Callable[[Message], object]
"""Fields another step takes from every message in the same pass (the CBP eCQM's, for `check`).
It runs where the message is checked, in a worker process with ``jobs > 1``: a module-level
function (or a ``functools.partial`` of one) returning plain, picklable data."""


_ChecksState = tuple[
    "CompiledRequirements | None", "TimingRules", CheckMode, "Extract | None", PatternCompiler
]


class Checks:
    """What to run on every message, compiled once and passed in: the structure and field checks
    per HL7 version, the requirement set's content plans, the timing rules.

    ``mode``: :attr:`CheckMode.FAST` (compiled expressions skip what cannot find anything) or
    :attr:`CheckMode.REFERENCE` (the plain path every check is tested against; same findings).
    ``extract``: see :data:`Extract`. ``patterns`` compiles the checking expressions: plain
    ``re.compile`` or :class:`hiecheck.hl7.cache.PatternCache` (kept on disk between runs; the
    same findings).
    """

    __slots__ = (
        "content", "extract", "mode", "patterns", "requirements", "timing", "timing_checks",
        "versions",
    )

    def __init__(
        self,
        requirements: CompiledRequirements | None,
        timing: TimingRules,
        mode: CheckMode = CheckMode.FAST,
        extract: Extract | None = None,
        patterns: PatternCompiler = re.compile,
    ) -> None:
        self.requirements = requirements
        self.timing = timing
        self.mode = mode
        self.extract = extract
        self.patterns = patterns
        self.versions = VersionRegistry(
            mode, patterns=patterns,
            tables=LENIENT if requirements is None else TablePolicy.of(requirements.strict_tables),
        )
        self.content = (
            None if requirements is None else CompiledContent(requirements, mode, patterns)
        )
        self.timing_checks = CompiledTiming(timing, mode)

    def __getstate__(self) -> _ChecksState:
        # compiled again where used
        return self.requirements, self.timing, self.mode, self.extract, self.patterns

    def __setstate__(self, state: _ChecksState) -> None:
        self.__init__(*state)  # type: ignore[misc]


def validate_message(raw: RawMessage, checks: Checks) -> MessageResult:
    """Tokenize one raw message and run every check on it."""
    message = tokenize(raw)
    compiled = checks.versions.get(message.version)
    ids = tuple([s.id for s in message.segments])
    all_plain = compiled is not None and compiled.plain.issuperset(ids)
    findings = message_note_findings(raw) if raw.notes else []
    findings.extend(structure_findings(message, compiled, ids, all_plain))
    groups: dict[str, GroupResult] = {}
    if checks.content is not None:
        content, groups = content_findings(message, checks.content)
        findings.extend(content)
    timing = check_timing(message, checks.timing_checks)
    findings.extend(timing.findings)
    msh = message.msh
    extracted = checks.extract(message) if checks.extract is not None else None
    return MessageResult(
        raw.source, raw.number, raw.lines[0][0], msh.field(9).strip(), msh.field(10).strip(),
        message.version, ids if all_plain else _shown_ids(ids), timing.seconds, groups,
        findings, timing.measured_from, message.message_code, message.trigger_event,
        message.structure_id, timing.outcome, extracted,
    )


INVALID_SEGMENT_ID = "(invalid id)"  # what the result lists for a line with no valid segment id


def _shown_ids(ids: tuple[str, ...]) -> tuple[str, ...]:
    """The segment ids in order, each invalid one (a line with no separator, ``pid``) listed as
    :data:`INVALID_SEGMENT_ID`: what a line holds is never part of the result."""
    return tuple(i if is_segment_id(i) else INVALID_SEGMENT_ID for i in ids)


class _Counted:
    """A binary stream that counts the bytes read and tells the progress bar."""

    def __init__(self, stream: Readable, advance: Callable[[int], None]) -> None:
        self.stream = stream
        self.advance = advance
        self.bytes = 0

    def read(self, size: int = -1, /) -> bytes:
        return self._counted(self.stream.read(size))

    def read1(self, size: int = -1, /) -> bytes:
        return self._counted(arrived(self.stream)(size))

    def _counted(self, data: bytes) -> bytes:
        self.bytes += len(data)
        self.advance(len(data))
        return data


_Item = tuple[str, object]  # ("start", name) | ("raw", RawMessage) | ("end", SourceEnd)
UNREADABLE_RULE = rules.READ_UNREADABLE.id
NO_MESSAGE_RULE = rules.READ_NO_MESSAGE.id
NOT_HL7_RULE = rules.READ_NOT_HL7.id  # a file found in a folder (or by a pattern) that is not HL7
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
            problem = rules.READ_UNREADABLE.finding(stop.detail, name, stop.line, 0,
                                                    at_line(stop.line))
        findings = source_findings(summary, tracker)
        if problem is not None:
            findings = [f for f in findings if f.rule != NO_MESSAGE_RULE] + [problem]
        elif summary.messages == 0:
            reason = _no_message_reason(head, counted.bytes if counted else 0)
            if source.found:
                findings = [rules.READ_NOT_HL7.finding(f"{_NOT_HL7}{reason}{_SKIPPED}", name, 0, 0,
                                                       FILE)]
            else:
                what = "input" if source.stream else "file"
                text = f"no HL7 message in this {what}: {reason}"
                findings = [
                    f if f.rule != NO_MESSAGE_RULE else Finding(
                        f.rule, f.severity, text, f.source, f.line, f.message_number, f.where)
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
    return rules.READ_UNREADABLE.finding(problem, name, 0, 0, FILE)


# ----------------------------------------------------------------------------- workers

_WORKER_CHECKS: Checks | None = None
_WORKER_RENDER: Renderer | None = None  # set: a worker sends back RenderedMessages


_WORKER_SPOOL: SpoolWriter | None = None  # set: rendered texts go to a file, not the pipe


def _init_worker(checks: Checks, render: Renderer | None = None, spool: str | None = None) -> None:
    global _WORKER_CHECKS, _WORKER_RENDER, _WORKER_SPOOL
    quiet_child(TERM)  # SIGTERM ends a worker outright (see signals.first_submit)
    _WORKER_CHECKS = checks
    _WORKER_RENDER = render
    _WORKER_SPOOL = None if spool is None else SpoolWriter(spool)


# Results travel back from workers as plain tuples: unpickling slotted dataclasses costs more
# than checking the message did, and would make the reading process the bottleneck.
_SEVERITIES = {s.value: s for s in Severity}
_KINDS = {k.value: k for k in LocationKind}
_STATUSES = {s.value: s for s in GroupStatus}
_OUTCOMES = {o.value: o for o in LatencyOutcome}
_Packed = tuple[Any, ...]


def pack_result(result: MessageResult, shared: dict[Any, Any] | None = None) -> _Packed:
    """A result as plain tuples (what workers send back: far cheaper to pickle).

    ``shared``: texts and locations already packed for the same batch; an equal one is sent as
    the same object, which pickle writes once and then refers to (findings repeat their texts
    and places message after message, and the results of a batch are one pickle)."""
    if shared is None:
        shared = {}
    same = _Same(shared)
    groups = tuple(
        (gid, g.status.value) if not (g.missing or g.invalid or g.re_missing)
        else same((gid, g.status.value, _pack_where(g.missing), _pack_where(g.invalid),
                   _pack_where(g.re_missing)))
        for gid, g in result.groups.items()
    )
    findings = tuple(
        (f.rule, f.severity.value, same(f.message), f.source, f.line, f.message_number,
         same(_pack_location(f.where)), f.value, f.group)
        for f in result.findings
    )
    return (result.source, result.number, result.line, result.message_type, result.control_id,
            result.version, result.segment_ids, result.latency, groups, findings,
            None if result.latency_from is None else _pack_location(result.latency_from),
            result.message_code, result.trigger_event, result.structure_id,
            result.latency_outcome.value, result.extracted)


class _Same:
    """``same(item)``: the equal item kept before, else ``item`` (then kept)."""

    __slots__ = ("kept",)

    def __init__(self, kept: dict[Any, Any]) -> None:
        self.kept = kept

    def __call__(self, item: Any) -> Any:
        return self.kept.setdefault(item, item)


def unpack_result(packed: _Packed, places: dict[_Packed, Location] | None = None) -> MessageResult:
    """The result :func:`pack_result` packed. ``places``: locations unpacked before (of the same
    batch), shared (a location is immutable)."""
    (source, number, line, message_type, control_id, version, segment_ids, latency, groups,
     findings, latency_from, code, event, structure, outcome, extracted) = packed
    severities = _SEVERITIES
    shared = SHARED_RESULTS
    if places is None:
        places = {}
    return MessageResult(
        source, number, line, message_type, control_id, version, segment_ids, latency,
        {g[0]: shared[g[1]] if len(g) == 2 and g[1] in shared else _unpack_group(g)
         for g in groups},
        [Finding(r, severities[sev], m, src, ln, num,
                 places.get(loc) or places.setdefault(loc, _unpack_location(loc)), val, grp)
         for r, sev, m, src, ln, num, loc, val, grp in findings],
        None if latency_from is None else _unpack_location(latency_from), code, event, structure,
        _OUTCOMES[outcome], extracted,
    )


def _pack_location(where: Location) -> _Packed:
    return (where.kind.value, where.segment, where.occurrence, where.field, where.repetition,
            where.component, where.subcomponent, where.line)


def _unpack_location(packed: _Packed) -> Location:
    kind, *rest = packed
    return Location(_KINDS[kind], *rest)


def _pack_where(locations: list[Location]) -> _Packed:
    return tuple(_pack_location(w) for w in locations)


def _unpack_group(g: _Packed) -> GroupResult:
    if len(g) == 2:
        return GroupResult(_STATUSES[g[1]])
    _, status, missing, invalid, re_missing = g
    return GroupResult(_STATUSES[status], [_unpack_location(w) for w in missing],
                       [_unpack_location(w) for w in invalid],
                       [_unpack_location(w) for w in re_missing])


def pack_raw(raw: RawMessage) -> _Packed:
    """A raw message as one string (lines joined by CR, which no line holds) plus line numbers
    only when they are not consecutive: far cheaper to pickle than the list of pairs."""
    lines = raw.lines
    first = lines[0][0]
    numbers = None if lines[-1][0] - first == len(lines) - 1 else [n for n, _ in lines]
    return (raw.source, raw.number, first, "\r".join([t for _, t in lines]), numbers, raw.notes,
            raw.batch)


def unpack_raw(packed: _Packed) -> RawMessage:
    source, number, first, text, numbers, notes, batch = packed
    texts = text.split("\r")
    if numbers is None:
        numbers = range(first, first + len(texts))
    return RawMessage(source, number, list(zip(numbers, texts, strict=True)), notes, batch)


class _Squeezed:
    """Rendered messages as a worker sends them back: pickled and compressed. Their text is
    ten times the packed results and repeats itself; a pipe takes 64 KiB at a time and this
    process, busy checking too, reads it only between switch intervals, so the worker would
    mostly wait to write it."""

    __slots__ = ("data",)

    def __init__(self, rendered: RenderedMessages) -> None:
        self.data = zlib.compress(pickle.dumps(rendered, pickle.HIGHEST_PROTOCOL), 1)

    def open(self) -> RenderedMessages:
        found: RenderedMessages = pickle.loads(zlib.decompress(self.data))
        return found


class _Spooled:
    """Rendered messages as a worker sends them back when it could write their text to its
    spool file (see :mod:`hiecheck.hl7.spool`): everything but the text, and where that lies."""

    __slots__ = ("piece", "rendered")

    def __init__(self, rendered: RenderedMessages, piece: SpoolPiece) -> None:
        self.rendered = replace(rendered, text="")
        self.piece = piece

    def open(self, spool: Spool) -> RenderedMessages:
        return replace(self.rendered, text=spool.take(self.piece))


def _sent(rendered: RenderedMessages) -> _Spooled | _Squeezed:
    """How a worker sends ``rendered`` back: its text in the spool file, else in memory."""
    piece = None if _WORKER_SPOOL is None else _WORKER_SPOOL.put(rendered.text)
    return _Squeezed(rendered) if piece is None else _Spooled(rendered, piece)


_Done = list[RenderedEvent | _Packed | _Squeezed | _Spooled]  # what a file or batch sends back


def _check_batch(raws: list[_Packed]) -> _Done:
    assert _WORKER_CHECKS is not None
    checks = _WORKER_CHECKS
    if _WORKER_RENDER is not None:
        return [_sent(render_results(
            [validate_message(unpack_raw(raw), checks) for raw in raws], _WORKER_RENDER))]
    shared: dict[Any, Any] = {}
    return [pack_result(validate_message(unpack_raw(raw), checks), shared) for raw in raws]


def _check_file(source: Source) -> _Done:
    """A whole (small) file checked in a worker: reading included, so it scales with jobs."""
    assert _WORKER_CHECKS is not None
    events = _sequential(_read_items([source], _ignore), _WORKER_CHECKS)
    if _WORKER_RENDER is not None:
        return [_sent(e) if isinstance(e, RenderedMessages) else e
                for e in _rendered_runs(events, _WORKER_RENDER)]
    shared: dict[Any, Any] = {}
    return [
        pack_result(event, shared) if isinstance(event, MessageResult) else event
        for event in events
    ]


def _rendered_runs(events: Iterable[Event], render: Renderer) -> Iterator[RenderedEvent]:
    """``events`` with each run of results between a source's start and end rendered as one
    :class:`RenderedMessages`."""
    run: list[MessageResult] = []
    for event in events:
        if isinstance(event, MessageResult):
            run.append(event)
            continue
        if run:
            yield render_results(run, render)
            run = []
        yield event
    if run:
        yield render_results(run, render)


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
    workers already have QUEUED_PER_WORKER waiting each (its results then need no pickling).

    The first is always checked here: the workers are forked at the first submit (the default
    on Linux) and so start with what checking it compiled (the versions, segments, structures
    and content plans a capture uses are mostly in its first messages) instead of compiling it
    all again each."""

    def __init__(
        self, pool: ProcessPoolExecutor, checks: Checks, jobs: int, render: Renderer | None,
        spool: Spool | None = None,
    ) -> None:
        self.pool = pool
        self.checks = checks
        self.render = render
        self.spool = spool  # where the workers' rendered texts are read back from
        self.pending: deque[Future[_Done] | list[RenderedEvent]] = deque()
        self.limit = jobs * IN_FLIGHT_PER_JOB
        self.queued = (jobs - 1) * QUEUED_PER_WORKER
        self.first = True  # nothing checked yet: the first is checked here
        self.started = False  # the workers are forked at the first submit

    def _here(self) -> bool:
        """Whether to check the next file or batch here."""
        if self.first:
            self.first = False
            return True
        waiting = 0
        for item in self.pending:
            if not isinstance(item, list) and not item.done():
                waiting += 1
        return waiting >= self.queued

    def file(self, source: Source) -> None:
        """A small file, read and checked whole."""
        if self._here():
            events = _sequential(_read_items([source], _ignore), self.checks)
            self.pending.append(
                list(events) if self.render is None else list(_rendered_runs(events, self.render))
            )
        else:
            self.pending.append(self._submit(_check_file, source))

    def batch(self, raws: list[RawMessage]) -> None:
        """A batch of messages read here."""
        if self._here():
            results = [validate_message(raw, self.checks) for raw in raws]
            self.pending.append(
                list(results) if self.render is None else [render_results(results, self.render)]
            )
        else:
            self.pending.append(self._submit(_check_batch, [pack_raw(r) for r in raws]))

    def _submit(self, work: Callable[[Any], _Done], item: Any) -> Future[_Done]:
        """``work(item)`` sent to a worker (the first forks them: see first_submit)."""
        if self.started:
            return self.pool.submit(work, item)
        self.started = True
        return first_submit(self.pool, work, item)

    def event(self, event: Event) -> None:
        """A source start or end, in its place among the results."""
        self.pending.append([event])

    def drain(self, keep: int | None = None) -> Iterator[RenderedEvent]:
        """Yield finished results in order; wait for the oldest only beyond ``keep`` in flight
        (default: the in-flight limit)."""
        keep = self.limit if keep is None else keep
        pending = self.pending
        while pending:
            head = pending[0]
            if len(pending) <= keep and not isinstance(head, list) and not head.done():
                return
            pending.popleft()
            places: dict[_Packed, Location] = {}
            for item in head if isinstance(head, list) else head.result():
                if isinstance(item, tuple):
                    yield unpack_result(item, places)
                elif isinstance(item, _Squeezed):
                    yield item.open()
                elif isinstance(item, _Spooled):
                    assert self.spool is not None  # only a worker given one spools
                    yield item.open(self.spool)
                else:
                    yield item


def _parallel(
    sources: list[Source], checks: Checks, jobs: int, advance: Callable[[int], None],
    render: Renderer | None = None,
) -> Iterator[RenderedEvent]:
    """``jobs`` processes check: this one and ``jobs - 1`` workers. Small files are checked whole,
    big files and stdin in batches of messages read here; results are yielded in input order
    (with ``render``: rendered where checked, see :func:`validate_rendered`)."""
    from concurrent.futures import ProcessPoolExecutor

    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    spool = None if render is None else open_spool()
    try:
        with ProcessPoolExecutor(
            max_workers=jobs - 1, initializer=_init_worker,
            initargs=(checks, render, None if spool is None else spool.directory),
        ) as pool:
            work = _Scheduler(pool, checks, jobs, render, spool)
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
        if spool is not None:
            spool.close()


def _ignore(size: int) -> None:
    """A progress callback that ignores what it is told."""


def _size(source: str) -> int | None:
    try:
        return Path(source).stat().st_size
    except OSError:
        return None


AUTO_JOBS_BYTES = 16 << 20  # files adding up to more: two processes check, when a core is idle


def auto_jobs(sources: Iterable[Source]) -> int:
    """How many processes check when the user did not say (``--jobs``): 2 when the files add
    up to over :data:`AUTO_JOBS_BYTES`, workers are forked (Linux) and another core is idle
    right now, else 1 (a small file, stdin, a busy machine: a worker would only add its
    start). The findings and the report are the same either way."""
    total = 0
    for source in sources:
        if not source.stream:
            total += _size(source.path) or 0
    if total <= AUTO_JOBS_BYTES or not sys.platform.startswith("linux"):
        return 1
    return 2 if cores() >= 2 and idle_cores() >= 2 else 1


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
        yield from cast("Iterator[Event]", _parallel(sources, checks, jobs, advance))


def validate_rendered(
    paths: Iterable[str | Source],
    checks: Checks,
    render: Renderer,
    *,
    jobs: int = 1,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[RenderedEvent]:
    """:func:`validate_paths`, the results rendered by ``render`` where they are checked when
    ``jobs > 1``: each run of messages a worker (or this process) checked comes as one
    :class:`RenderedMessages` (the reading process neither unpacks nor renders them). With one
    job the events are :func:`validate_paths`'s (a writer renders them as it would anyway)."""
    if jobs <= 1:
        yield from validate_paths(paths, checks, on_bytes=on_bytes)
        return
    yield from _parallel(_sources(paths), checks, jobs, on_bytes or (lambda n: None), render)


YOUNG_COLLECTION_THRESHOLD = 10_000  # allocations between young collections (Python: 700)


@contextmanager
def streaming_collector() -> Iterator[None]:
    """The cyclic garbage collector set for a long run of messages (a command around
    :func:`validate_paths`), put back as it was after.

    What was built before (reference data, compiled checks, imported modules) is frozen out of
    its reach, and the young generation is collected every 10,000 allocations rather than 700:
    each message allocates thousands of small objects that reference counting frees at once,
    and with ``jobs > 1`` the batches in flight, held for a while, were walked by hundreds of
    collections (0.45 s of this process's time on the corpus capture; 0.03 s so). Workers
    forked meanwhile start with the same settings. Memory stays flat: the checks make no
    reference cycles, and any would be collected a little later."""
    threshold = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0  # objects frozen by the caller are the caller's to thaw
    if freeze:
        gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if freeze:
            gc.unfreeze()


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
    mode: CheckMode = CheckMode.FAST,
    extract: Extract | None = None,
    patterns: PatternCompiler = re.compile,
) -> Checks:
    """Checks with the timing rules from the profiles folder (``mode``, ``patterns``: see
    :class:`Checks`; ``extract``: see :data:`Extract`)."""
    return Checks(requirements, load_timing_rules(profiles), mode, extract, patterns)


__all__ = [
    "CheckMode",
    "Checks",
    "Event",
    "Extract",
    "InputError",
    "MessageResult",
    "RenderedEvent",
    "RenderedMessages",
    "Renderer",
    "SourceEnd",
    "SourceStart",
    "default_checks",
    "streaming_collector",
    "validate_message",
    "validate_paths",
    "validate_rendered",
]

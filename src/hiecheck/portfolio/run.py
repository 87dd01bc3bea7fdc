"""A portfolio run: every organization file through the one check pipeline, in parallel.

The rules are loaded once (:func:`hiecheck.check.load_rules`, by the caller). Each file is read
here first (its name gives its report's file name, and a bad file is a row at once); then
``jobs`` worker processes run :func:`hiecheck.check.run_check` on the others, each writing the
organization's report when asked and sending back only its small entry, so memory grows with
the number of organizations by a few kilobytes each, never by their reports or messages.

    rules = load_rules(None, date(2025, 6, 1))
    portfolio = portfolio_of([Path("orgs")], rules, jobs=2)   # or, step by step:
    prepared = prepare(organization_files([Path("orgs")]), rules)
    portfolio = assemble(check_all(prepared, rules, jobs=2), rules, inputs=["orgs"])
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    as_completed,
    wait,
)
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import hiecheck
from hiecheck.check import LoadedOrganization, Report, Rules, load_organization, run_check
from hiecheck.errors import InputError
from hiecheck.outputs import OutputError
from hiecheck.portfolio.inputs import OrgFile, organization_files
from hiecheck.portfolio.model import OrganizationEntry, Portfolio, ProblemKind
from hiecheck.portfolio.report_names import report_names
from hiecheck.portfolio.rollup import catalog, rollups, totals
from hiecheck.portfolio.summarize import entry_of_input_error, entry_of_problem, entry_of_report
from hiecheck.signals import TERM, first_submit, quiet_child

IN_FLIGHT_PER_JOB = 4
"""Organizations queued per worker: enough to keep it busy, few enough to bound memory."""


class ReportWriter(Protocol):
    """Writes one organization's report as file ``name`` (picklable: workers call it)."""

    @property
    def suffix(self) -> str:
        """The report files' suffix, e.g. ``.md``."""
        ...

    def __call__(self, report: Report, name: str) -> None:
        """Write ``report``; a failure is an OutputError."""
        ...


@dataclass(frozen=True)
class _Settings:
    """What every check of the run shares (inherited by the workers once)."""

    rules: Rules
    strict: bool
    writer: ReportWriter | None


@dataclass(frozen=True)
class _Job:
    org: OrgFile
    loaded: LoadedOrganization
    report: str | None  # the report's file name, when reports are written


@dataclass(frozen=True)
class _Outcome:
    entry: OrganizationEntry
    output_error: tuple[str, str] | None = None  # (target, problem): the run stops


_SETTINGS: _Settings | None = None  # a worker's settings (set by _init_worker)


def _init_worker(settings: _Settings) -> None:
    global _SETTINGS
    quiet_child(TERM)  # SIGTERM ends a worker outright (see signals.first_submit)
    _SETTINGS = settings


def _internal(job: _Job, exc: Exception) -> OrganizationEntry:
    if os.environ.get("HIECHECK_DEBUG"):
        traceback.print_exception(exc)
    line = (
        f"{job.org.file}: internal error: {type(exc).__name__}: {exc} "
        "(rerun with HIECHECK_DEBUG=1 for details and please report it)"
    )
    return entry_of_problem(
        job.org.key, job.org.file, job.loaded.org.name, [line], ProblemKind.INTERNAL_ERROR
    )


def _check(job: _Job, settings: _Settings) -> _Outcome:
    """One organization: its entry, its report written when asked. Never raises for bad input
    or a bug in checking it (they are its row); a report that cannot be written stops the run."""
    org = job.org
    try:
        report = run_check(job.loaded, settings.rules, strict=settings.strict)
    except InputError as exc:
        return _Outcome(entry_of_input_error(org.key, org.file, job.loaded.org.name, exc))
    except Exception as exc:  # a bug: this organization's row says so, the others go on
        return _Outcome(_internal(job, exc))
    entry = entry_of_report(org.key, org.file, report)
    if settings.writer is not None and job.report is not None:
        try:
            settings.writer(report, job.report)
        except OutputError as exc:
            return _Outcome(entry, (exc.source, exc.problem))
        entry = entry.model_copy(update={"report": job.report})
    return _Outcome(entry)


def _check_in_worker(job: _Job) -> _Outcome:
    assert _SETTINGS is not None, "worker not initialized"
    return _check(job, _SETTINGS)


@dataclass(frozen=True)
class Prepared:
    """Every organization file read: the jobs for the good ones, the entries of the bad ones."""

    files: tuple[OrgFile, ...]
    jobs: tuple[_Job, ...]
    bad: dict[str, OrganizationEntry]

    @property
    def report_names(self) -> list[str]:
        """The report file names the run writes (with reports)."""
        return [j.report for j in self.jobs if j.report is not None]

    @property
    def messages_dirs(self) -> list[str]:
        """The messages folders the run reads (outputs are refused inside them)."""
        return sorted({str(j.loaded.messages_dir) for j in self.jobs if j.loaded.messages_dir})


def prepare(
    files: Sequence[OrgFile], rules: Rules, report_suffix: str | None = None
) -> Prepared:
    """Read and validate every organization file (here, before any worker starts), and name
    each readable organization's report file when reports are written (``report_suffix``)."""
    loaded: list[tuple[OrgFile, LoadedOrganization]] = []
    bad: dict[str, OrganizationEntry] = {}
    for org in files:
        try:
            loaded.append((org, load_organization(org.path, rules)))
        except InputError as exc:
            bad[org.key] = entry_of_input_error(org.key, org.file, None, exc)
    names: dict[str, str] = {}
    if report_suffix is not None:
        names = report_names(((o.key, lo.org.name) for o, lo in loaded), report_suffix)
    jobs = tuple(_Job(o, lo, names.get(o.key)) for o, lo in loaded)
    return Prepared(tuple(files), jobs, bad)


def _outcomes(jobs: list[_Job], settings: _Settings, workers: int) -> Iterator[_Outcome]:
    """Each job's outcome as it is done: here when ``workers`` is 1, else in a process pool
    with at most IN_FLIGHT_PER_JOB jobs queued per worker (a slow organization, one with many
    messages, holds up only its own worker)."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield _check(job, settings)
        return
    with ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)), initializer=_init_worker, initargs=(settings,)
    ) as pool:
        pending: set[Future[_Outcome]] = set()
        limit = workers * IN_FLIGHT_PER_JOB
        pending.add(first_submit(pool, _check_in_worker, jobs[0]))  # it forks the workers
        for job in jobs[1:]:
            pending.add(pool.submit(_check_in_worker, job))
            if len(pending) >= limit:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in done)
        for future in as_completed(pending):
            yield future.result()


def check_all(
    prepared: Prepared,
    rules: Rules,
    *,
    strict: bool = False,
    jobs: int = 1,
    writer: ReportWriter | None = None,
    on_done: Callable[[OrganizationEntry], None] | None = None,
) -> list[OrganizationEntry]:
    """Every organization's entry, in key order. ``jobs`` worker processes (1: this one);
    ``writer`` writes each organization's report under the name :func:`prepare` gave it;
    ``on_done`` is told of each organization done (a progress bar). A report that cannot be
    written raises OutputError once the run stops; bad input in one file is its row only."""
    entries = dict(prepared.bad)
    if on_done is not None:
        for entry in entries.values():
            on_done(entry)
    work = list(prepared.jobs)
    if any(j.loaded.messages_dir is not None for j in work):
        _ = rules.evidence  # loaded once here, so every worker inherits it
    settings = _Settings(rules, strict, writer)
    failed: tuple[str, str] | None = None
    for outcome in _outcomes(work, settings, jobs):
        entries[outcome.entry.key] = outcome.entry
        failed = failed or outcome.output_error
        if on_done is not None:
            on_done(outcome.entry)
    if failed is not None:
        raise OutputError(*failed)
    return [entries[f.key] for f in prepared.files]


def assemble(
    entries: Iterable[OrganizationEntry],
    rules: Rules,
    *,
    inputs: Sequence[str],
    strict: bool = False,
    reports_dir: str | None = None,
    reports_format: str | None = None,
) -> Portfolio:
    """The portfolio of checked entries: totals, roll-ups and the run's exit code (the worst
    of the organizations': 3 internal error > 2 bad input > 1 unmet > 0)."""
    entries = list(entries)
    known = catalog(rules.programs)
    return Portfolio(
        hiecheck_version=hiecheck.__version__,
        as_of=rules.as_of,
        strict=strict,
        rules={p.program: p.version for p in known},
        inputs=list(inputs),
        exit_code=max((e.exit_code for e in entries), default=0),
        totals=totals(entries),
        organizations=entries,
        programs=rollups(entries, known),
        reports_dir=reports_dir,
        reports_format=reports_format,
    )


def portfolio_of(
    paths: Sequence[Path], rules: Rules, *, strict: bool = False, jobs: int = 1
) -> Portfolio:
    """The portfolio of organization files and folders, without report files (what the web
    app's portfolio page and tests need; the command also refuses outputs between the steps)."""
    prepared = prepare(organization_files(paths), rules)
    entries = check_all(prepared, rules, strict=strict, jobs=jobs)
    return assemble(entries, rules, inputs=[str(p) for p in paths], strict=strict)

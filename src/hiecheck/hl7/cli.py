"""Commands of this area, registered on the root app by hiecheck.cli: ``hiecheck validate`` and
``hiecheck rules``."""

from __future__ import annotations

from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO, cast

import typer

from hiecheck.cli_support import byte_progress
from hiecheck.console import Escape, terminal_columns
from hiecheck.errors import InputError
from hiecheck.hl7.cache import open_cache
from hiecheck.hl7.findings import Finding
from hiecheck.hl7.gate import FailOn
from hiecheck.hl7.reader import expand_sources, reads_of
from hiecheck.hl7.requirements import DEFAULT_REQUIREMENTS, load_requirements
from hiecheck.hl7.rules import RULES, rules_matching
from hiecheck.hl7.tally import UNREADABLE_RULES
from hiecheck.hl7.validate import (
    NOT_HL7_RULE,
    RenderedEvent,
    SourceEnd,
    auto_jobs,
    default_checks,
    streaming_collector,
    validate_paths,
    validate_rendered,
)
from hiecheck.outputs import report_output

if TYPE_CHECKING:
    from hiecheck.hl7.render_github import GithubWriter
    from hiecheck.hl7.render_junit import JUnitWriter
    from hiecheck.hl7.render_sarif import SarifWriter
    from hiecheck.hl7.render_table import TableWriter
    from hiecheck.hl7.report import JsonStreamWriter

    Writer = JsonStreamWriter | JUnitWriter | TableWriter | SarifWriter | GithubWriter

# A one-file validate is run per file in CI: each writer, the hl7apy cross-check and the rules
# renderer are imported only when the command line asks for them (see README: performance).


class CrossChecker(StrEnum):
    """Second opinions ``--cross-check`` offers."""

    HL7APY = "hl7apy"


class OutputFormat(StrEnum):
    """Report formats."""

    TABLE = "table"
    JSON = "json"
    JUNIT = "junit"
    SARIF = "sarif"
    GITHUB = "github"


def validate(
    paths: Annotated[list[str], typer.Argument(
        metavar="PATH...", help="HL7 files, folders, glob patterns, or - for stdin.",
        show_default=False,
    )],
    requirements: Annotated[str, typer.Option(
        "--requirements", "-r", metavar="ID",
        help="Requirement set from profiles/messages/requirements/ (or 'none').",
    )] = DEFAULT_REQUIREMENTS,
    output_format: Annotated[OutputFormat, typer.Option(
        "--format", "-f", help="table (people), json, junit, sarif (code scanning) or github "
        "(Actions annotations).",
    )] = OutputFormat.TABLE,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write the report to FILE instead of stdout.",
    )] = None,
    show_values: Annotated[bool, typer.Option(
        "--show-values", help="Include field values in findings (PHI!).",
    )] = False,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", metavar="N", min=1,
        help="Processes that check messages (this one and N-1 workers). Default: 2 when the "
        "files add up to over 16 MiB and another core is idle, else 1.", show_default=False,
    )] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    profiles: Annotated[Path | None, typer.Option(
        "--profiles", metavar="DIR",
        help="Profiles folder (default: $HIECHECK_PROFILES or bundled).",
    )] = None,
    max_rows: Annotated[int, typer.Option(
        "--max-rows", metavar="N", min=1, help="Findings rows shown per severity in the table.",
    )] = 200,
    cross_check: Annotated[CrossChecker | None, typer.Option(
        "--cross-check", help="Also validate each message with hl7apy STRICT (slow: ~17 "
        "messages/s per core) and report where its verdict differs, and why.",
        show_default=False,
    )] = None,
    fail_on: Annotated[FailOn | None, typer.Option(
        "--fail-on", help="Which findings exit 1: error (default; or the requirement set's "
        "mode), warning (errors and warnings), never.", show_default=False,
    )] = None,
) -> None:
    """Check HL7 v2 messages: reading, structure, required content, real-time latency.

    Exit code 0: no finding that fails (--fail-on, default error); 1: findings that fail;
    2: unreadable input.
    """
    sources = expand_sources(paths)
    reads = reads_of(sources, paths)
    if output is not None:
        reads.refuse(output)  # before the requirement sets are compiled or anything is read
    compiled = load_requirements(requirements, profiles)
    if cross_check is not None:
        from hiecheck.hl7.crosscheck import cross_checked, hl7apy_verdict
    checks = default_checks(
        compiled, profiles, extract=None if cross_check is None else hl7apy_verdict,
        patterns=open_cache(),  # see README: cache
    )
    if jobs is None:
        jobs = auto_jobs(sources)
    set_id = compiled.id if compiled else None
    escape: Escape = (
        "json" if output_format in (OutputFormat.JSON, OutputFormat.SARIF)
        else "xml" if output_format is OutputFormat.JUNIT else "text"
    )
    unreadable = _Unreadable()
    with ExitStack() as stack:
        out: TextIO = stack.enter_context(report_output(output, reads, escape))
        writer = _writer(output_format, out, set_id, show_values, max_rows)
        writer.tally.fail_on = fail_on or (compiled.fail_on if compiled else None) or (
            FailOn.ERROR)
        advance = byte_progress(sources, quiet, stack, "validating")
        stack.enter_context(streaming_collector())
        if jobs > 1 and cross_check is None and output_format is OutputFormat.JSON:
            # rendered where checked: this process only reads, writes and counts
            json_writer = cast("JsonStreamWriter", writer)
            for rendered in validate_rendered(sources, checks, json_writer.renderer(), jobs=jobs,
                                              on_bytes=advance):
                json_writer.observe(rendered)
                unreadable.observe(rendered)
        else:
            events = validate_paths(sources, checks, jobs=jobs, on_bytes=advance)
            for event in events if cross_check is None else cross_checked(events):
                writer.observe(event)
                unreadable.observe(event)
        writer.finish()
        code = writer.tally.exit_code
    unreadable.raise_if_any(writer.tally.messages)  # one line on stderr, after the report
    raise typer.Exit(int(code))


def _writer(
    output_format: OutputFormat, out: TextIO, set_id: str | None, show_values: bool,
    max_rows: int,
) -> Writer:
    """The report writer of ``output_format``, its module imported only now."""
    if output_format is OutputFormat.JSON:
        from hiecheck.hl7.report import JsonStreamWriter

        json_writer = JsonStreamWriter(out, set_id, show_values)
        json_writer.start()
        return json_writer
    if output_format is OutputFormat.JUNIT:
        from hiecheck.hl7.render_junit import JUnitWriter

        return JUnitWriter(out, show_values)
    if output_format is OutputFormat.SARIF:
        from hiecheck.hl7.render_sarif import SarifWriter

        return SarifWriter(out, set_id)
    if output_format is OutputFormat.GITHUB:
        from hiecheck.hl7.render_github import GithubWriter

        return GithubWriter(out, set_id)
    from hiecheck.hl7.render_table import TableWriter

    return TableWriter(out, set_id, show_values, max_rows)


class _Unreadable:
    """The inputs that make ``validate`` exit 2, remembered to say so in one line on stderr
    (the report has them all)."""

    def __init__(self) -> None:
        self.first: Finding | None = None
        self.count = 0
        self.skipped = 0

    def observe(self, event: RenderedEvent) -> None:
        if not isinstance(event, SourceEnd):
            return
        for f in event.findings:
            if f.rule in UNREADABLE_RULES:
                self.count += 1
                self.first = self.first or f
                break
            if f.rule == NOT_HL7_RULE:
                self.skipped += 1

    def raise_if_any(self, messages: int) -> None:
        first = self.first
        if first is not None:
            more = self.count - 1
            problem = first.message + (
                f" (and {more} more unreadable input{'s' if more > 1 else ''}; see the report)"
                if more else "")
            raise InputError(first.source, problem,
                             location=None if first.location == "file" else first.location)
        if not messages and self.skipped:
            raise InputError(
                "validate", f"no HL7 message found: {self.skipped} file(s) skipped as not HL7 "
                "(see the report)",
            )


class RulesFormat(StrEnum):
    """How ``hiecheck rules`` writes the rules."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


def rules(
    rule_id: Annotated[str | None, typer.Argument(
        metavar="[ID]",
        help="A rule id (field.too-long) or a prefix (field, read) for several; none: all.",
        show_default=False,
    )] = None,
    output_format: Annotated[RulesFormat, typer.Option(
        "--format", "-f", help="text (one rule in full, or a list), markdown (a table) or json.",
    )] = RulesFormat.TEXT,
) -> None:
    """The HL7 rules `validate` reports: id, severity, summary, explanation and source."""
    from hiecheck.hl7 import render_rules

    chosen = list(RULES.values()) if rule_id is None else rules_matching(rule_id)
    if not chosen:
        raise InputError(rule_id or "", "no such rule", expected="a rule id or a prefix such as "
                         f"'field' ({len(RULES)} rules: `hiecheck rules` lists them)")
    if output_format is RulesFormat.MARKDOWN:
        text = render_rules.markdown_table(chosen)
    elif output_format is RulesFormat.JSON:
        text = render_rules.rules_json(chosen)
    elif len(chosen) == 1 and rule_id is not None:
        text = render_rules.rule_text(chosen[0], terminal_columns())
    else:
        text = render_rules.rules_list(chosen, terminal_columns())
    # Through the safe stream: rule texts hold characters (…, —) a latin-1 console lacks.
    escape: Escape = "json" if output_format is RulesFormat.JSON else "text"
    with report_output(None, escape=escape) as out:
        out.write(text)


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("validate")(validate)
    app.command("rules")(rules)

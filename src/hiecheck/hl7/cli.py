"""Commands of this area, registered on the root app by hiecheck.cli: ``hiecheck validate`` and
``hiecheck rules``."""

from __future__ import annotations

from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from hiecheck.cli_support import byte_progress, output_stream
from hiecheck.errors import InputError
from hiecheck.hl7 import render_rules
from hiecheck.hl7.reader import expand_paths
from hiecheck.hl7.render_junit import JUnitWriter
from hiecheck.hl7.render_table import TableWriter
from hiecheck.hl7.report import JsonStreamWriter
from hiecheck.hl7.requirements import DEFAULT_REQUIREMENTS, load_requirements
from hiecheck.hl7.rules import RULES, rules_matching
from hiecheck.hl7.validate import default_checks, validate_paths


class OutputFormat(StrEnum):
    """Report formats."""

    TABLE = "table"
    JSON = "json"
    JUNIT = "junit"


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
        "--format", "-f", help="table (people), json or junit (CI).",
    )] = OutputFormat.TABLE,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the report to FILE instead of stdout.",
    )] = None,
    show_values: Annotated[bool, typer.Option(
        "--show-values", help="Include field values in findings (PHI!).",
    )] = False,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", min=1, help="Processes that check messages (this one and N-1 workers).",
    )] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    profiles: Annotated[Path | None, typer.Option(
        "--profiles", help="Profiles folder (default: $HIECHECK_PROFILES or bundled).",
    )] = None,
    max_rows: Annotated[int, typer.Option(
        "--max-rows", min=1, help="Findings rows shown per severity in the table.",
    )] = 200,
) -> None:
    """Check HL7 v2 messages: reading, structure, required content, real-time latency.

    Exit code 0: no error findings; 1: error findings; 2: unreadable input.
    """
    compiled = load_requirements(requirements, profiles)
    checks = default_checks(compiled, profiles)
    sources = expand_paths(paths)
    set_id = compiled.id if compiled else None
    with ExitStack() as stack:
        out: TextIO = stack.enter_context(output_stream(output))
        writer: JsonStreamWriter | JUnitWriter | TableWriter
        if output_format is OutputFormat.JSON:
            writer = json_writer = JsonStreamWriter(out, set_id, show_values)
            json_writer.start()
        elif output_format is OutputFormat.JUNIT:
            writer = JUnitWriter(out, show_values)
        else:
            writer = TableWriter(out, set_id, show_values, max_rows)
        advance = byte_progress(sources, quiet, stack, "validating")
        for event in validate_paths(sources, checks, jobs=jobs, on_bytes=advance):
            writer.observe(event)
        writer.finish()
        code = writer.tally.exit_code
    raise typer.Exit(int(code))


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
    chosen = list(RULES.values()) if rule_id is None else rules_matching(rule_id)
    if not chosen:
        raise InputError(rule_id or "", "no such rule", expected="a rule id or a prefix such as "
                         f"'field' ({len(RULES)} rules: `hiecheck rules` lists them)")
    if output_format is RulesFormat.MARKDOWN:
        typer.echo(render_rules.markdown_table(chosen), nl=False)
    elif output_format is RulesFormat.JSON:
        typer.echo(render_rules.rules_json(chosen), nl=False)
    elif len(chosen) == 1 and rule_id is not None:
        typer.echo(render_rules.rule_text(chosen[0]), nl=False)
    else:
        typer.echo(render_rules.rules_list(chosen), nl=False)


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("validate")(validate)
    app.command("rules")(rules)

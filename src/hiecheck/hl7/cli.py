"""Commands of this area, registered on the root app by hiecheck.cli: ``hiecheck validate``."""

from __future__ import annotations

from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from hiecheck.cli_support import byte_progress, output_stream
from hiecheck.hl7.reader import expand_paths
from hiecheck.hl7.render_junit import JUnitWriter
from hiecheck.hl7.render_table import TableWriter
from hiecheck.hl7.report import JsonStreamWriter
from hiecheck.hl7.requirements import DEFAULT_REQUIREMENTS, load_requirements
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
        if output_format is OutputFormat.JSON:
            writer: JsonStreamWriter | JUnitWriter | TableWriter = JsonStreamWriter(
                out, set_id, show_values)
            writer.start()
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


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("validate")(validate)

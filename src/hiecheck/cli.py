"""The `hiecheck` command line: one Typer app; each area registers its own commands."""

from __future__ import annotations

import os
import sys

import typer

from hiecheck import __version__
from hiecheck.errors import ExitCode, InputError
from hiecheck.hl7 import cli as hl7_cli
from hiecheck.p4p import cli as p4p_cli
from hiecheck.programs import cli as programs_cli
from hiecheck.web import cli as web_cli

app = typer.Typer(
    name="hiecheck",
    help=(
        "Where an organization stands in MaineCare value-based programs and the statewide HIE: "
        "program conditions, HL7 interface evidence, tiers, incentives and pay-for-performance."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hiecheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """hiecheck command line."""


programs_cli.register(app)
hl7_cli.register(app)
p4p_cli.register(app)
web_cli.register(app)


def main() -> None:
    """Console entry point: runs the app and maps errors to documented exit codes."""
    try:
        app()
    except InputError as exc:
        typer.echo(f"hiecheck: error: {exc.one_line()}", err=True)
        sys.exit(ExitCode.BAD_INPUT)
    except KeyboardInterrupt:
        typer.echo("hiecheck: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: one line unless the user asks for the traceback
        if os.environ.get("HIECHECK_DEBUG"):
            raise
        typer.echo(
            f"hiecheck: internal error: {type(exc).__name__}: {exc} "
            "(rerun with HIECHECK_DEBUG=1 for details and please report it)",
            err=True,
        )
        sys.exit(ExitCode.INTERNAL)

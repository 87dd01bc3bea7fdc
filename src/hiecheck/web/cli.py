"""`hiecheck serve`: start the local web app (registered on the root app by hiecheck.cli).

The web stack is imported only when the command runs, so other commands start as fast as before.
"""

from __future__ import annotations

import errno
import socket
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from hiecheck.cli_support import parse_date
from hiecheck.errors import InputError

MIB = 1024 * 1024


def _check_port(host: str, port: int) -> None:
    """Bad input (exit 2, one line) when the address cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        why = "the port is in use" if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
        raise InputError(
            "--host/--port",
            f"cannot listen on {host}:{port}: {why}",
            expected="a free port on an address of this machine",
        ) from None


def serve(
    org_file: Annotated[
        Path | None,
        typer.Argument(
            metavar="[ORG.toml]",
            help="An organization file: prefills the questionnaire; its report is at /report.",
        ),
    ] = None,
    host: Annotated[
        str,
        typer.Option(
            "--host", metavar="ADDRESS", help="Address to listen on. Default: this machine only."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(
        "--port", metavar="PORT", min=1, max=65535, help="Port.")] = 8000,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the app in the default browser.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DATE",
            help="Rules in force on this date (YYYY-MM-DD). Default: today."),
    ] = None,
    profiles: Annotated[
        Path | None,
        typer.Option(
            "--profiles", metavar="DIR",
            help="Profiles folder. Default: $HIECHECK_PROFILES or bundled."),
    ] = None,
    max_upload_mb: Annotated[
        int,
        typer.Option(
            "--max-upload-mb",
            metavar="MB", min=1,
            help="Largest upload per check in MB (a .zip counts unpacked). Default 256.",
        ),
    ] = 256,
    max_files: Annotated[
        int,
        typer.Option(
            "--max-files", metavar="N", min=1, help="Most message files per check. Default 1000."),
    ] = 1000,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            metavar="NAME",
            help="Another Host name to answer to (repeatable), e.g. this machine's name when "
            "--host is not a loopback address.",
        ),
    ] = None,
    portfolio: Annotated[
        list[Path] | None,
        typer.Option(
            "--portfolio",
            metavar="PATH",
            help="Organization files or folders (repeatable): their portfolio is at /portfolio, "
            "with a link to each organization's report.",
        ),
    ] = None,
) -> None:
    """Start the self-assessment web app: questionnaire, sample-message upload, the `check`
    report as a page and downloads (TOML, HTML, markdown, JSON); with --portfolio, the
    portfolio of many organizations. Stop it with Ctrl+C."""
    import uvicorn

    from hiecheck.check import load_organization
    from hiecheck.portfolio.inputs import organization_files
    from hiecheck.web.app import create_app, warm_up
    from hiecheck.web.pipeline import check_enrollments, load_rules
    from hiecheck.web.security import is_loopback
    from hiecheck.web.settings import ServeSettings
    from hiecheck.web.uploads import UploadLimits

    when = parse_date(as_of) if as_of is not None else None
    rules = load_rules(profiles, parse_date(as_of))  # bad profiles: exit 2 before serving
    organization = None
    if org_file is not None:
        organization = load_organization(org_file, rules)
        check_enrollments(organization, rules)
    for path in portfolio or ():
        if not path.exists():
            raise InputError(str(path), "not found",
                             expected="organization files or folders for --portfolio")
    if portfolio:
        organization_files(portfolio)  # a folder without organization files: exit 2 now
    settings = ServeSettings(
        host=host,
        port=port,
        profiles=profiles,
        as_of=when,
        organization=organization,
        limits=UploadLimits(max_bytes=max_upload_mb * MIB, max_files=max_files),
        allow_hosts=tuple(allow_host or ()),
        portfolio=tuple(portfolio or ()),
    )
    _check_port(host, port)
    warm_up(settings)
    app = create_app(settings)
    url = settings.url + (
        "report" if organization is not None else "portfolio" if portfolio else ""
    )
    typer.echo(f"hiecheck serve: {url}")
    if is_loopback(host):
        typer.echo(f"Listening on {host} only: reachable from this machine, not the network.")
    else:
        typer.echo(
            f"warning: listening on {host}: anyone who can reach this machine on port {port} can "
            "use the app and upload messages; HL7 messages carry PHI. Use --host 127.0.0.1 "
            "unless you mean this.",
            err=True,
        )
    typer.echo(f"Uploads: at most {settings.limits.describe()} per check. Ctrl+C stops.")
    sys.stdout.flush()
    if open_browser:
        threading.Timer(1.0, webbrowser.open, [url]).start()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,  # request lines are not logged at all
        lifespan="off",
        server_header=False,
    )
    uvicorn.Server(config).run()


def register(app: typer.Typer) -> None:
    """Add `serve` to ``app``."""
    app.command("serve")(serve)

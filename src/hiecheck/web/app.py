"""The web app: questionnaire, check, result page, downloads. No state between requests.

Routes (every page works without JavaScript):

- ``GET /`` the questionnaire (prefilled from the organization file `serve` was given, if any);
- ``POST /check`` the answers and sample messages → the result page (the `check` report), the
  questionnaire again with problems next to their fields (422), or a download of the answers;
- ``POST /edit`` answers carried by a result page → the questionnaire, prefilled;
- ``GET /report`` the result page of the organization file `serve` was given;
- ``GET /portfolio`` the portfolio of the files and folders `serve --portfolio` was given, checked
  on each visit, each organization linked to ``GET /portfolio/report/KEY``, its report;
- ``GET /static/NAME`` the app's own stylesheets, script and icon.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from hiecheck import __version__
from hiecheck.check import Rules, load_organization
from hiecheck.errors import InputError
from hiecheck.portfolio.inputs import organization_files
from hiecheck.portfolio.model import OrganizationEntry
from hiecheck.portfolio.render_html import portfolio_css, sort_script
from hiecheck.portfolio.render_html import render_fragment as render_portfolio
from hiecheck.portfolio.report_names import slug  # file names from organization names
from hiecheck.portfolio.run import portfolio_of
from hiecheck.programs.organization import LoadedOrganization
from hiecheck.programs.render_html import (
    render_html,
    render_html_fragment,
    report_css,
    template_environment,
)
from hiecheck.programs.render_markdown import render_markdown
from hiecheck.programs.report import Report
from hiecheck.web import answers as form
from hiecheck.web.answers import Answers, Problems
from hiecheck.web.pipeline import (
    check_enrollments,
    enrollment_problem,
    load_rules,
    organization_from_answers,
    organization_toml,
    run_check,
)
from hiecheck.web.questionnaire import Questionnaire, build_questionnaire
from hiecheck.web.security import HostGuard, allowed_hosts
from hiecheck.web.settings import ServeSettings
from hiecheck.web.uploads import (
    Received,
    UploadRefused,
    receive_form,
    remove_folder,
    unpack_zips,
)

log = logging.getLogger("hiecheck.web")

STATIC = {
    "app.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
ACTIONS = ("check", "add-interface", "download-toml")


@cache
def _templates() -> Environment:
    env = template_environment("hiecheck.web")
    env.globals.update(fid=field_id, version=__version__)
    return env


def field_id(name: str) -> str:
    """The element id of a form field (``program.ohh.contract`` → ``f-program-ohh-contract``)."""
    return "f-" + re.sub(r"[^a-z0-9_-]", "-", name.lower())


def field_label(name: str, q: Questionnaire) -> str:
    """What a problem in the summary at the top of the form is about, in a few words."""
    if name == form.NAME:
        return "Name of the organization"
    if name == form.ENROLL:
        return "Programs"
    if name == form.MESSAGES:
        return "Sample messages"
    if m := re.match(r"^program\.([a-z0-9-]+)", name):
        section = q.program(m[1])
        return section.name if section is not None else m[1]
    if m := re.match(r"^interface-(\d+)", name):
        return f"Interface {int(m[1]) + 1}"
    found = next((d.label for d in q.declarations if d.field == name), None)
    return found or "The answers"


@dataclass(frozen=True)
class Download:
    """A file the result page offers, embedded as a data: address (nothing is kept server-side)."""

    label: str
    filename: str
    media_type: str
    content: str

    @property
    def href(self) -> str:
        """``data:MEDIA;base64,…``."""
        data = base64.b64encode(self.content.encode("utf-8")).decode("ascii")
        return f"data:{self.media_type};base64,{data}"


def report_downloads(report: Report, name: str) -> list[Download]:
    """The report as self-contained HTML, markdown and JSON downloads."""
    return [
        Download(
            "Report, self-contained HTML", f"{name}-report.html", "text/html",
            render_html(report),
        ),
        Download(
            "Report, markdown", f"{name}-report.md", "text/markdown", render_markdown(report)
        ),
        Download(
            "Report, JSON", f"{name}-report.json", "application/json",
            report.model_dump_json(indent=2) + "\n",
        ),
    ]


def portfolio_link(entry: OrganizationEntry) -> str | None:
    """Where the portfolio page links an organization: its report page (none for a bad file)."""
    return f"/portfolio/report/{quote(entry.key)}" if entry.problem is None else None


class App:
    """Handlers over one set of start-up settings."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings

    # -- building blocks -----------------------------------------------------------------------

    def rules(self) -> Rules:
        """The rules in force today (read per request: nothing is kept between requests)."""
        return load_rules(self.settings.profiles, self.settings.today())

    def questionnaire(self, rules: Rules | None = None) -> Questionnaire:
        """The questionnaire for the rules in force today."""
        return build_questionnaire((rules or self.rules()).programs)

    def page(self, template: str, status: int = 200, **context: object) -> HTMLResponse:
        """A rendered page."""
        html = _templates().get_template(template).render(settings=self.settings, **context)
        return HTMLResponse(html, status_code=status)

    def error_page(self, status: int, title: str, message: str) -> HTMLResponse:
        """A plain error page that says what happened and what to do."""
        return self.page("error.html.j2", status, title=title, message=message)

    def form_page(
        self,
        answers: Answers,
        problems: Problems | None = None,
        *,
        extra_rows: int = 0,
        status: int = 200,
    ) -> HTMLResponse:
        """The questionnaire with these answers (and problems next to their fields)."""
        startup = self.settings.organization
        q = self.questionnaire()
        return self.page(
            "form.html.j2",
            status,
            q=q,
            label=lambda name: field_label(name, q),
            a=answers,
            rows=answers.interface_rows(extra_rows),
            problems=problems or Problems(),
            startup=startup,
            limits=self.settings.limits,
        )

    def validate(
        self, answers: Answers, rules: Rules
    ) -> tuple[LoadedOrganization | None, Problems]:
        """The organization the answers describe, or the problems the pipeline found."""
        q = self.questionnaire(rules)
        known = [p.id for p in q.programs]
        source = f"{slug(answers.name)}.toml"
        mapping = answers.to_mapping(q)
        try:
            org = organization_from_answers(mapping, source, rules)
        except InputError as exc:
            problems = form.input_problems(answers, exc, known)
            also = enrollment_problem(mapping["enrollment"], source, rules)
            if also is not None:
                problems.merge(form.input_problems(answers, also, known))
            return None, problems
        try:
            check_enrollments(org, rules)
        except InputError as exc:
            return None, form.input_problems(answers, exc, known)
        return org, Problems()

    def result_page(
        self,
        report: Report,
        org: LoadedOrganization,
        answers: Answers,
        read: list[str],
        skipped: list[str],
    ) -> HTMLResponse:
        """The `check` report as a page, with its downloads."""
        name = slug(report.organization)
        comments = [
            f"Organization file for `hiecheck check`, written by hiecheck serve on "
            f"{report.as_of}.",
        ]
        if read:
            comments.append(
                f"Messages read for this report: {', '.join(read)}; give them to "
                "`hiecheck check --messages PATH` to get the same report."
            )
        org_file = commented(
            organization_toml(org.org.model_copy(update={"messages": None})), comments
        )
        downloads = [
            Download("Organization file (TOML)", f"{name}.toml", "application/toml", org_file),
            *report_downloads(report, name),
        ]
        return self.page(
            "result.html.j2",
            report=report,
            report_html=render_html_fragment(report),
            downloads=downloads,
            hidden=answers.as_fields(),
            read=read,
            skipped=skipped,
        )

    # -- handlers ------------------------------------------------------------------------------

    def startup_answers(self) -> Answers:
        """Answers from the start-up organization file, or none."""
        startup = self.settings.organization
        if startup is None:
            return Answers()
        answers = Answers.from_organization(startup.org)
        answers.startup_messages = startup.messages_dir is not None
        return answers

    def startup_report(self) -> HTMLResponse:
        """The result page of the start-up organization file."""
        startup = self.settings.organization
        if startup is None:
            return self.error_page(
                404,
                "No organization file",
                "hiecheck serve was started without an organization file; fill in the "
                "questionnaire instead.",
            )
        read = [startup.org.messages] if startup.org.messages and startup.messages_dir else []
        try:
            report = run_check(
                startup,
                self.rules(),
                messages=[str(startup.messages_dir)] if startup.messages_dir else (),
                shown_as=read,
            )
        except InputError as exc:  # e.g. its messages folder now holds an unreadable file
            return self.error_page(422, "The organization file cannot be checked", exc.one_line())
        return self.result_page(report, startup, self.startup_answers(), read, [])

    def portfolio_page(self) -> HTMLResponse:
        """The portfolio of the start-up files and folders, checked now (files may change)."""
        if not self.settings.portfolio:
            return self.error_page(
                404, "No portfolio",
                "hiecheck serve was started without --portfolio; give it a folder of "
                "organization files.",
            )
        try:
            portfolio = portfolio_of(list(self.settings.portfolio), self.rules())
        except InputError as exc:  # e.g. the folder no longer holds organization files
            return self.error_page(422, "The portfolio cannot be checked", exc.one_line())
        return self.page(
            "portfolio.html.j2",
            portfolio=portfolio,
            portfolio_html=render_portfolio(portfolio, portfolio_link),
        )

    def portfolio_report(self, key: str) -> HTMLResponse:
        """The report page of one organization of the portfolio, found by its key (never used
        as a path: only the portfolio's own files are read)."""
        try:
            files = organization_files(list(self.settings.portfolio))
        except InputError as exc:
            return self.error_page(422, "The portfolio cannot be checked", exc.one_line())
        found = next((f for f in files if f.key == key), None)
        if found is None:
            return self.error_page(404, "Not found", "No organization of the portfolio has "
                                   "this key.")
        rules = self.rules()
        try:
            report = run_check(load_organization(found.path, rules), rules)
        except InputError as exc:
            return self.error_page(422, "The organization file cannot be checked",
                                   exc.one_line())
        return self.page(
            "portfolio_report.html.j2",
            key=key,
            report=report,
            report_html=render_html_fragment(report),
            downloads=report_downloads(report, slug(report.organization)),
        )

    def handle_check(self, received: Received) -> Response:
        """Answers and stored messages → a page (runs in a worker thread)."""
        actions = [v for k, v in received.fields if k == "action" and v in ACTIONS]
        action = actions[-1] if actions else "check"
        answers = Answers.from_form(received.fields)
        if action == "add-interface":
            return self.form_page(answers, extra_rows=1)
        unpack_zips(received, self.settings.limits)
        rules = self.rules()
        org, problems = self.validate(answers, rules)
        for text in received.problems:
            problems.add(form.MESSAGES, text)
        if received.uploads and not received.files and not received.problems:
            problems.add(form.MESSAGES, "The upload holds no message files.")
        if org is None or problems:
            return self.form_page(answers, problems, status=422)
        if action == "download-toml":
            text = commented(
                organization_toml(org.org), ["Organization file for `hiecheck check`."]
            )
            return Response(
                text,
                media_type="application/toml",
                headers={"content-disposition": f'attachment; filename="{org.path.name}"'},
            )
        messages: list[str] = []
        read: list[str] = []
        if received.files:
            messages.append(str(received.messages_dir))
            read += received.uploads
        startup = self.settings.organization
        if answers.startup_messages and startup is not None and startup.messages_dir:
            messages.append(str(startup.messages_dir))
            read.append(startup.org.messages or str(startup.messages_dir))
        try:
            report = run_check(
                org, rules, messages=messages, shown_as=read, strict=answers.strict
            )
        except InputError as exc:
            problems.add(form.MESSAGES, _message_problem(exc, received.messages_dir))
            return self.form_page(answers, problems, status=422)
        return self.result_page(report, org, answers, read, received.skipped)


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def commented(toml: str, comments: list[str]) -> str:
    """``toml`` with ``#`` lines on top (TOML allows no control character but tab in a comment;
    upload names go into one)."""
    lines = [f"# {' '.join(_CONTROL.sub(' ', c).split())}" for c in comments]
    return "\n".join([*lines, toml]) if lines else toml


def _message_problem(exc: InputError, folder: Path) -> str:
    """An unreadable upload, named as the person named it (not by the temporary folder)."""
    source = exc.source
    try:
        source = Path(source).resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        source = Path(source).name
    # The folder itself (none of the uploads holds a message): the problem names the files.
    text = exc.problem if source in (".", "") else f"{source}: {exc.problem}"
    return text + (f" (expected {exc.expected})" if exc.expected else "")


async def _received(request: Request, settings: ServeSettings, folder: Path) -> Received:
    length = request.headers.get("content-length")
    return await receive_form(
        request.stream(),
        request.headers.get("content-type", ""),
        int(length) if length and length.isdigit() else None,
        folder,
        settings.limits,
    )


def warm_up(settings: ServeSettings) -> None:
    """Pay the one-time costs before the first visitor does: import and read the profiles,
    and, with a start-up organization, check it once (which compiles the HL7 checks its messages
    need, kept per process like any compiled check; nothing of the report is kept)."""
    handlers = App(settings)
    handlers.questionnaire()
    if settings.organization is not None:
        handlers.startup_report()  # an unreadable folder is reported when /report is asked for
    if settings.portfolio:
        handlers.portfolio_page()


def create_app(settings: ServeSettings) -> HostGuard:
    """The ASGI app for ``settings``: the routes inside the host and header guard."""
    handlers = App(settings)
    api = FastAPI(
        title="hiecheck", docs_url=None, redoc_url=None, openapi_url=None, version=__version__
    )

    @api.get("/", response_class=HTMLResponse)
    def questionnaire() -> HTMLResponse:
        return handlers.form_page(handlers.startup_answers())

    @api.post("/check")
    async def check(request: Request) -> Response:
        folder = Path(tempfile.mkdtemp(prefix="hiecheck-upload-"))
        try:
            received = await _received(request, settings, folder)
            return await run_in_threadpool(handlers.handle_check, received)
        except UploadRefused as exc:
            return handlers.error_page(exc.status, "The upload was not accepted", exc.message)
        finally:
            remove_folder(folder)

    @api.post("/edit")
    async def edit(request: Request) -> Response:
        folder = Path(tempfile.mkdtemp(prefix="hiecheck-upload-"))
        try:
            received = await _received(request, settings, folder)
            return handlers.form_page(Answers.from_form(received.fields))
        except UploadRefused as exc:
            return handlers.error_page(exc.status, "The form was not accepted", exc.message)
        finally:
            remove_folder(folder)

    @api.get("/report", response_class=HTMLResponse)
    def report() -> HTMLResponse:
        return handlers.startup_report()

    @api.get("/portfolio", response_class=HTMLResponse)
    def portfolio() -> HTMLResponse:
        return handlers.portfolio_page()

    @api.get("/portfolio/report/{key:path}", response_class=HTMLResponse)
    def portfolio_report(key: str) -> HTMLResponse:
        return handlers.portfolio_report(key)

    @api.get("/static/{name}")
    def static(name: str) -> Response:
        if name == "report.css":
            return Response(report_css(), media_type="text/css; charset=utf-8")
        if name == "portfolio.css":
            return Response(portfolio_css(), media_type="text/css; charset=utf-8")
        if name == "portfolio.js":
            return Response(sort_script(), media_type="text/javascript; charset=utf-8")
        if name not in STATIC:
            return handlers.error_page(404, "Not found", "There is no such file.")
        data = (resources.files("hiecheck.web") / "static" / name).read_bytes()
        return Response(data, media_type=STATIC[name])

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return handlers.error_page(404, "Not found", "There is no page at this address.")
        if exc.status_code == 405:
            return handlers.error_page(
                405, "Not allowed", "This address does not take that kind of request."
            )
        return handlers.error_page(exc.status_code, "Request refused", str(exc.detail))

    @api.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        # Only the kind of error is logged: messages and answers may hold PHI.
        if os.environ.get("HIECHECK_DEBUG"):
            log.exception("internal error")
        else:
            log.error("internal error: %s", type(exc).__name__)
        return handlers.error_page(
            500,
            "Something went wrong inside hiecheck",
            "This is a bug in hiecheck, not a problem with your answers. Please report it "
            "(run hiecheck serve with HIECHECK_DEBUG=1 to see the details).",
        )

    return HostGuard(api, allowed_hosts(settings.host, settings.port, settings.allow_hosts))

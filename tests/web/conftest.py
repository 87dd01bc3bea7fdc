"""Fixtures of the web app tests: the app over the bundled profiles, forms as browsers post them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hiecheck.programs.organization import load_organization
from hiecheck.web.answers import Answers
from hiecheck.web.app import create_app
from hiecheck.web.settings import ServeSettings
from hiecheck.web.uploads import UploadLimits

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "sample_messages" / "example-family-practice.toml"
EXAMPLE_MESSAGES = ROOT / "sample_messages" / "example-family-practice"
AS_OF = "2026-06-01"

Fields = list[tuple[str, str]]
Files = list[tuple[str, bytes]]


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the text of the page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, attr: str, tag: str | None = None) -> list[dict[str, str]]:
        """Attributes of the elements that carry ``attr`` (optionally of one tag)."""
        return [a for t, a in self.tags if attr in a and (tag is None or t == tag)]

    def by_id(self, element_id: str) -> dict[str, str] | None:
        """The attributes of the element with this id."""
        return next((a for _, a in self.tags if a.get("id") == element_id), None)

    def plain(self) -> str:
        """The page's text, whitespace collapsed."""
        return " ".join("".join(self.text).split())


def role_statuses(html: str) -> dict[str, str]:
    """``{role id: status}`` as a result page shows it (one section per role)."""
    return {
        a["data-role"]: a["data-status"]
        for a in Elements(html).having("data-status", "section")
        if "data-role" in a
    }


def requirement_statuses(html: str) -> dict[str, list[tuple[str, str]]]:
    """``{role id: [(requirement id, status), ...]}`` from a result page."""
    out: dict[str, list[tuple[str, str]]] = {}
    role = ""
    for tag, attrs in Elements(html).tags:
        if tag == "section" and "data-role" in attrs:
            role = attrs["data-role"]
            out[role] = []
        elif "data-requirement" in attrs:
            out[role].append((attrs["data-requirement"], attrs["data-status"]))
    return out


def json_statuses(report: dict) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """The same two views of a JSON report."""
    roles = {r["id"]: r["status"] for r in report["roles"]}
    reqs = {r["id"]: [(q["id"], q["status"]) for q in r["requirements"]] for r in report["roles"]}
    return roles, reqs


@pytest.fixture(scope="session")
def example_json(cli: Callable[..., subprocess.CompletedProcess[str]]) -> dict:
    """`hiecheck check` of the bundled example, as JSON (the reference for every front end)."""
    result = cli("check", str(EXAMPLE), "--format", "json", "--as-of", AS_OF)
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def example_fields() -> Fields:
    """The bundled example organization's answers, as the questionnaire posts them."""
    return [*Answers.from_organization(load_organization(EXAMPLE).org).as_fields()]


def example_files() -> Files:
    """The example's message files (name, bytes)."""
    return [(p.name, p.read_bytes()) for p in sorted(EXAMPLE_MESSAGES.iterdir())]


def check_json(
    cli: Callable[..., subprocess.CompletedProcess[str]], org: Path, messages: Path | None = None
) -> dict:
    """`hiecheck check ORG --format json` (with ``--messages``), as the reference report."""
    extra = ["--messages", str(messages)] if messages is not None else []
    result = cli("check", str(org), *extra, "--format", "json", "--as-of", AS_OF)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def make_client(
    *,
    org: Path | None = None,
    profiles: Path | None = None,
    limits: UploadLimits | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    allow: tuple[str, ...] = (),
) -> TestClient:
    """A test client of the app with these start-up settings, addressed as a browser would."""
    from datetime import date

    settings = ServeSettings(
        host=host,
        port=port,
        profiles=profiles,
        as_of=date.fromisoformat(AS_OF),
        organization=load_organization(org) if org else None,
        limits=limits or UploadLimits(),
        allow_hosts=allow,
    )
    return TestClient(create_app(settings), base_url=f"http://{host}:{port}")


@pytest.fixture()
def client() -> TestClient:
    """The app without a start-up organization file."""
    return make_client()


def post_form(
    client: TestClient, fields: Iterable[tuple[str, str]], files: Files = (), path: str = "/check"
) -> Any:
    """POST a questionnaire the way a browser does: multipart, with the file input always present
    (an empty part when no file is chosen)."""
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    parts = [("messages", (name, body, "application/octet-stream")) for name, body in files]
    if not parts:
        parts = [("messages", ("", b"", "application/octet-stream"))]
    return client.post(path, data=data, files=parts)


@pytest.fixture(scope="session")
def web() -> SimpleNamespace:
    """The helpers above, for test modules (conftest is not importable under importlib mode)."""
    return SimpleNamespace(
        AS_OF=AS_OF,
        EXAMPLE=EXAMPLE,
        EXAMPLE_MESSAGES=EXAMPLE_MESSAGES,
        Elements=Elements,
        check_json=check_json,
        example_fields=example_fields,
        example_files=example_files,
        json_statuses=json_statuses,
        make_client=make_client,
        post_form=post_form,
        requirement_statuses=requirement_statuses,
        role_statuses=role_statuses,
    )

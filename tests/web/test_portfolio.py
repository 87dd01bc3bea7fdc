"""`hiecheck serve --portfolio`: the portfolio as a page over the same model and renderer as
`check FOLDER --format html`, each organization linked to its report page."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from hiecheck.web.app import create_app
from hiecheck.web.settings import ServeSettings

ROOT = Path(__file__).resolve().parents[2]
PORTFOLIO = ROOT / "sample_messages" / "portfolio"
BAD = ROOT / "tests" / "portfolio" / "fixtures" / "bad"
Cli = Callable[..., subprocess.CompletedProcess[str]]


def _client(web: SimpleNamespace, *paths: Path) -> TestClient:
    settings = ServeSettings(as_of=date.fromisoformat(web.AS_OF), portfolio=paths)
    return TestClient(create_app(settings), base_url="http://127.0.0.1:8000")


def _links(html: str) -> list[str]:
    return re.findall(r'href="(/portfolio/report/[^"]+)"', html)


def test_the_portfolio_page_links_every_report(web: SimpleNamespace, cli: Cli) -> None:
    client = _client(web, PORTFOLIO, BAD)
    page = client.get("/portfolio")
    assert page.status_code == 200
    assert "HIE portfolio: 15 organizations" in page.text
    assert '<link rel="stylesheet" href="/static/portfolio.css">' in page.text
    links = sorted(set(_links(page.text)))
    assert len(links) == 12  # the three bad files have no report
    assert "Files that could not be checked" in page.text
    for link in links:
        key = unquote(link.removeprefix("/portfolio/report/"))
        report = client.get(link)
        assert report.status_code == 200, link
        reference = web.check_json(cli, PORTFOLIO / key)
        assert web.role_statuses(report.text) == web.json_statuses(reference)[0], key


def test_the_page_is_the_portfolio_renderer(web: SimpleNamespace, cli: Cli) -> None:
    """The same rows as `check FOLDER --format json`."""
    page = _client(web, PORTFOLIO).get("/portfolio").text
    result = cli("check", str(PORTFOLIO), "--as-of", web.AS_OF, "--format", "json")
    expected = json.loads(result.stdout)
    keys = re.findall(r'<td class="key">([^<]+)</td>', page)
    rows = [o["key"] for o in expected["organizations"] for _ in (o["roles"] or [None])]
    assert keys == rows


@pytest.mark.parametrize(
    "key", ["nowhere.toml", "../../etc/passwd", "%2e%2e/%2e%2e/README.md", "/etc/passwd"]
)
def test_only_the_portfolios_own_files_are_read(web: SimpleNamespace, key: str) -> None:
    response = _client(web, PORTFOLIO).get(f"/portfolio/report/{key}")
    assert response.status_code == 404  # no such key (or, normalized by the client, no page)
    assert "root:" not in response.text and "# hiecheck" not in response.text


def test_a_bad_file_of_the_portfolio_is_an_error_page(web: SimpleNamespace) -> None:
    response = _client(web, BAD).get("/portfolio/report/unknown-program.toml")
    assert response.status_code == 422 and "unknown program" in response.text


def test_without_portfolio_there_is_none(web: SimpleNamespace) -> None:
    response = _client(web).get("/portfolio")
    assert response.status_code == 404 and "without --portfolio" in response.text


def test_static_stylesheet_and_script_are_served(web: SimpleNamespace) -> None:
    client = _client(web, PORTFOLIO)
    css = client.get("/static/portfolio.css")
    js = client.get("/static/portfolio.js")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert js.status_code == 200 and "table.rows" in js.text
    assert "script-src 'self'" in client.get("/portfolio").headers["content-security-policy"]


def test_serve_portfolio_points_at_the_page(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    import uvicorn

    from hiecheck.cli import run

    monkeypatch.setattr(uvicorn.Server, "run", lambda self: None)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    assert run(["serve", "--portfolio", str(PORTFOLIO), "--port", str(port)]) == 0
    assert f"hiecheck serve: http://127.0.0.1:{port}/portfolio" in capsys.readouterr().out


@pytest.mark.parametrize("where", ["missing", "empty"])
def test_serve_portfolio_bad_paths_stop_before_serving(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hiecheck.cli import run

    path = tmp_path / where
    if where == "empty":
        path.mkdir()
    assert run(["serve", "--portfolio", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err

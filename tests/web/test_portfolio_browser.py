"""The portfolio page in a real browser (Debian's chromium via Playwright): the standalone page
opens offline and sorts by a column; both it and `serve --portfolio` pass axe-core."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tests.web.test_browser import (  # noqa: F401 - browser: a fixture
    Server,
    _axe,
    _shot,
    browser,
    offline_context,
)

ROOT = Path(__file__).resolve().parents[2]
PORTFOLIO = ROOT / "sample_messages" / "portfolio"


def _column(page: Any, index: int) -> list[str]:
    return page.eval_on_selector_all(
        "table.rows tbody tr", f"rows => rows.map(r => r.cells[{index}].textContent.trim())"
    )


def _blocking(cell: str) -> int:
    """What the Unmet column sorts by: ``2`` is 2, ``0 + 1 conflict`` is 1."""
    return sum(int(part.split()[0]) for part in cell.split(" + ")) if cell else 0


def test_the_portfolio_page_opens_offline_and_sorts(
    browser: Any, cli: Any, tmp_path: Path  # noqa: F811 - the fixture
) -> None:
    out = tmp_path / "portfolio.html"
    result = cli("check", str(PORTFOLIO), "--format", "html", "-o", str(out),
                 "--reports-dir", str(tmp_path / "reports"))
    assert result.returncode == 1, result.stderr
    context, requested = offline_context(browser, 1200)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(out.as_uri())
    assert requested == [out.as_uri()] and problems == []  # CSP let the inline style and script
    keys = _column(page, 1)
    assert keys == sorted(keys)
    page.get_by_role("button", name="Unmet").click()
    unmet = [_blocking(n) for n in _column(page, 5)]
    assert unmet == sorted(unmet) and "0 + 1 conflict" in _column(page, 5)
    page.get_by_role("button", name="Unmet").click()
    assert [_blocking(n) for n in _column(page, 5)] == sorted(unmet, reverse=True)
    assert page.locator("th[aria-sort=descending]").inner_text().startswith("Unmet")
    _shot(page, "08-portfolio-page")
    _axe(page)
    context.close()


def test_serve_portfolio_page_is_accessible(
    browser: Any, web: SimpleNamespace  # noqa: F811 - the fixture
) -> None:
    server = Server("--portfolio", str(PORTFOLIO), "--as-of", web.AS_OF)
    try:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.goto(server.url + "/portfolio")
        assert page.locator("h1").first.inner_text().startswith("HIE portfolio: 12")
        page.get_by_role("link", name="Northern Family Practice").first.click()
        assert page.locator("#report-title").inner_text().startswith("HIE conditions for")
        _axe(page)
        page.goto(server.url + "/portfolio")
        _axe(page)
        _shot(page, "09-serve-portfolio")
        context.close()
    finally:
        server.stop()

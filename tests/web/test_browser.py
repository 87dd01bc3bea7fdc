"""End-to-end in a real browser: Debian's chromium driven by Playwright, against `hiecheck serve`.

The questionnaire is filled as the bundled example organization, its messages are uploaded, and
the page must show the statuses of `hiecheck check --format json`. Screenshots of the pages are
saved (``tests/web/screenshots/``, gitignored; ``$HIECHECK_SCREENSHOTS`` overrides) for a person to
look at. axe-core checks every page for accessibility problems. `.ci/run` installs chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("HIECHECK_SCREENSHOTS", Path(__file__).parent / "screenshots"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY_SECONDS = 60  # start-up on a busy 2-core machine; not a speed check


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        message = "Debian's chromium is not installed (apt-get install -y chromium; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`hiecheck serve` in a subprocess on a free port."""

    def __init__(self, *args: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k != "HIECHECK_PROFILES"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hiecheck", "serve", "--port", str(self.port), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    out, err = self.process.communicate()
                    pytest.fail(f"hiecheck serve did not start: {out}{err}")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="module")
def server(web: SimpleNamespace) -> Iterator[Server]:
    running = Server("--as-of", web.AS_OF)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: problems.append(str(e)))
    opened.console_problems = problems
    yield opened
    context.close()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _axe(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def _fill_as_example(page: Any, web: SimpleNamespace) -> None:
    """Fill the questionnaire the way a person would, with the example organization's answers
    (sample_messages/example-family-practice.toml) and upload its three message files."""
    page.get_by_label("Name of the organization").fill("Example Family Practice")
    page.get_by_label("We take part in Primary Care Plus (PCPlus) or are joining it").check()
    page.get_by_label("PCPlus practice, Tier III (advanced reimbursement)").check()
    page.get_by_label("We take part in Opioid Health Homes (OHH) or are joining it").check()
    page.get_by_label("Opioid Health Home, uninsured contract holder").check()
    page.get_by_label("We take part in Community Care Teams (CCT) or are joining it").check()
    page.get_by_label("Community Care Team (non-HOME provider)").check()
    page.get_by_label("We take part in Accountable Communities (AC) or are joining it").check()
    page.get_by_label("Our organization participates in the statewide HIE").check()
    first = page.locator("#f-interface-0")
    first.get_by_label("Message type").select_option("adt")
    first.get_by_label("Sent in real time").check()
    for group in (
        "all patient demographics",
        "encounter/visit information",
        "diagnosis coding",
        "procedure coding",
    ):
        first.get_by_label(group, exact=True).check()
    second = page.locator("#f-interface-1")
    second.get_by_label("Message type").select_option("oru")
    second.get_by_label("laboratory test results", exact=True).check()
    page.get_by_label("HL7 v2 message files, or a .zip of them").set_input_files(
        [str(p) for p in sorted(web.EXAMPLE_MESSAGES.iterdir())]
    )


def _statuses(page: Any) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    roles = page.eval_on_selector_all(
        "section[data-role]",
        "els => Object.fromEntries(els.map(e => [e.dataset.role, e.dataset.status]))",
    )
    reqs = page.eval_on_selector_all(
        "section[data-role]",
        "els => Object.fromEntries(els.map(e => [e.dataset.role, "
        "[...e.querySelectorAll('[data-requirement]')].map(r => [r.dataset.requirement, "
        "r.dataset.status])]))",
    )
    return roles, reqs


def test_questionnaire_filled_as_the_example_gives_the_check_statuses(
    server: Server, page: Any, web: SimpleNamespace, example_json: dict, cli: Any, tmp_path: Path
) -> None:
    page.goto(server.url + "/")
    _axe(page)
    _fill_as_example(page, web)
    _shot(page, "01-questionnaire-filled")
    page.get_by_role("button", name="Check where we stand").click()
    page.wait_for_selector("#report-title")
    _shot(page, "02-result")
    roles, reqs = _statuses(page)
    want_roles, want_reqs = web.json_statuses(example_json)
    assert roles == want_roles
    assert {k: [tuple(x) for x in v] for k, v in reqs.items()} == want_reqs
    assert "not met" in page.locator("#overall-result").inner_text()
    assert page.locator("p.tier").get_attribute("data-reached") == "1"
    _axe(page)

    # downloads: the report as JSON says the same; the organization file round-trips via the CLI
    with page.expect_download() as info:
        page.get_by_role("link", name="Report, JSON").click()
    report = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert {r["id"]: r["status"] for r in report["roles"]} == want_roles
    with page.expect_download() as info:
        page.get_by_role("link", name="Organization file (TOML)").click()
    org = tmp_path / info.value.suggested_filename
    info.value.save_as(org)
    from_cli = web.check_json(cli, org, web.EXAMPLE_MESSAGES)
    assert web.json_statuses(from_cli) == (want_roles, want_reqs)
    assert page.console_problems == []  # nothing blocked by the CSP, no script error


def test_problems_are_shown_next_to_the_fields(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    page.get_by_label("We take part in Opioid Health Homes (OHH) or are joining it").check()
    page.get_by_role("button", name="Check where we stand").click()
    page.wait_for_selector("#error-summary")
    _shot(page, "03-problems")
    assert page.evaluate("document.activeElement.id") == "error-summary"  # the script's focus
    assert page.locator("#f-name-error-1").is_visible()
    assert page.locator("#f-program-ohh-contract-error-1").is_visible()
    page.locator("#error-summary a").first.click()
    assert page.evaluate("location.hash") == "#f-name"
    _axe(page)


def test_keyboard_alone_completes_a_check(server: Server, page: Any) -> None:
    """Skip link, every control reachable with Tab, a visible focus ring, Space and Enter."""
    page.goto(server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    def tab_to(element_id: str) -> None:
        for _ in range(400):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == element_id:
                outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                assert outline != "none", element_id
                return
        pytest.fail(f"{element_id} is not reachable with Tab")

    tab_to("f-name")
    page.keyboard.type("Keyboard Clinic")
    tab_to("f-enroll-bhh")
    page.keyboard.press("Space")
    tab_to("f-hie-participant")
    page.keyboard.press("Space")
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Check where we stand":
            break
    page.keyboard.press("Enter")
    page.wait_for_selector("#report-title")
    assert page.locator("#report-title").inner_text() == "HIE conditions for Keyboard Clinic"
    assert page.locator("section[data-role='bhh']").count() == 1


def test_every_visible_control_is_in_the_tab_order(server: Server, page: Any) -> None:
    """Tab alone reaches every visible control once around the page (a radio group is one stop:
    arrow keys move inside it)."""
    page.goto(server.url + "/")
    groups = page.evaluate(
        """() => {
        const all = [...document.querySelectorAll(
          "input:not([type=hidden]), select, button:not([tabindex='-1']), summary, a[href]")]
          .filter(e => e.offsetParent !== null)
          .filter(e => e.tagName === "SUMMARY" || !e.closest("details:not([open])"));
        const keys = new Set();
        all.forEach((e, i) => {
          const key = e.type === "radio" ? "radio:" + e.name : "el:" + i;
          e.dataset.tabKey = key;
          keys.add(key);
        });
        return [...keys];
        }"""
    )
    reached: set[str] = set()
    for _ in range(len(groups) + 10):
        page.keyboard.press("Tab")
        key = page.evaluate("document.activeElement.dataset.tabKey || ''")
        if key:
            reached.add(key)
    assert set(groups) - reached == set()


def test_print_stylesheet_makes_a_clean_letter(
    server: Server, page: Any, web: SimpleNamespace
) -> None:
    page.goto(server.url + "/")
    _fill_as_example(page, web)
    page.get_by_role("button", name="Check where we stand").click()
    page.wait_for_selector("#report-title")
    page.emulate_media(media="print")
    for hidden in ("header.site", "footer.site", "nav.result-tools", "section.downloads"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator("#report-title").is_visible()
    _shot(page, "04-result-printed")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(SHOTS / "04-result-printed.pdf"))


def test_error_pages_in_the_browser(page: Any, web: SimpleNamespace, tmp_path: Path) -> None:
    """An upload over the cap is a clear page (not a reset connection); 404 is a page too."""
    small = Server("--as-of", web.AS_OF, "--max-upload-mb", "1")
    try:
        page.goto(small.url + "/")
        page.get_by_label("Name of the organization").fill("Big Upload Clinic")
        page.get_by_label("We take part in Behavioral Health Homes (BHH) or are joining it").check()
        big = tmp_path / "big.hl7"
        big.write_bytes(b"MSH|^~\\&|" + b"X" * (3 * 1024 * 1024))
        page.get_by_label("HL7 v2 message files, or a .zip of them").set_input_files(str(big))
        page.get_by_role("button", name="Check where we stand").click()
        page.wait_for_selector("h1")
        assert page.locator("h1").inner_text() == "The upload was not accepted"
        assert "larger than 1 MB" in page.locator(".error-message").inner_text()
        _shot(page, "05-upload-too-large")
        _axe(page)
        page.goto(small.url + "/nowhere")
        assert page.locator("h1").inner_text() == "Not found"
        _axe(page)
    finally:
        small.stop()


def offline_context(browser: Any, width: int) -> tuple[Any, list[str]]:
    """A browser context with the network cut: only file:// loads; every URL asked for is
    recorded in the returned list."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    requested: list[str] = []

    def only_the_file(route: Any) -> None:
        requested.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_the_file)
    return context, requested


def test_the_html_report_opens_offline(browser: Any, cli: Any, tmp_path: Path) -> None:
    """`check --format html -o report.html` opened from disk with the network cut: nothing is
    requested but the file, and it passes the accessibility check."""
    out = tmp_path / "report.html"
    cli("check", "sample_messages/example-family-practice.toml", "--format", "html", "-o", str(out))
    context, requested = offline_context(browser, 1100)
    opened = context.new_page()
    opened.goto(out.as_uri())
    assert requested == [out.as_uri()]
    assert opened.locator("#report-title").inner_text().startswith("HIE conditions for")
    _shot(opened, "06-standalone-report")
    _axe(opened)
    context.close()


def test_the_app_on_the_bundled_example_starts_on_its_report(
    browser: Any, web: SimpleNamespace, example_json: dict
) -> None:
    """The README's one command: `hiecheck serve sample_messages/example-family-practice.toml`."""
    example = Server(str(web.EXAMPLE), "--as-of", web.AS_OF)
    try:
        context = browser.new_context(viewport={"width": 1000, "height": 1000})
        opened = context.new_page()
        opened.goto(example.url + "/report")
        assert _statuses(opened)[0] == web.json_statuses(example_json)[0]
        SHOTS.mkdir(parents=True, exist_ok=True)
        opened.screenshot(path=str(SHOTS / "07-example-report-top.png"))
        context.close()
    finally:
        example.stop()

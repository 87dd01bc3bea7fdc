"""The web app over HTTP: every page, every error path, uploads, downloads and round trips.

The reference is always `hiecheck check --format json` of the same organization: the web app is
another front end of one pipeline, so it must give the same statuses (issue 15).
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import re
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hiecheck.paths import bundled_profiles
from hiecheck.programs.profile_loader import load_profiles
from hiecheck.web.security import CONTENT_SECURITY_POLICY
from hiecheck.web.uploads import MIB, UploadLimits


@pytest.fixture()
def client(web: SimpleNamespace) -> TestClient:
    """The app without a start-up organization file."""
    return web.make_client()


def _downloads(html: str) -> dict[str, bytes]:
    """The result page's downloads, decoded from their data: addresses."""
    out = {}
    for a in re.finditer(r'<a href="([^"]*)" download="([^"]*)" data-download', html):
        href, name = a.group(1), a.group(2)
        head, _, data = href.partition(",")
        assert head.startswith("data:") and head.endswith(";base64")
        out[name] = base64.b64decode(data)
    return out


def _fields_without(fields: list[tuple[str, str]], *names: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in fields if k not in names]


# -- the questionnaire ---------------------------------------------------------------------------


def test_questionnaire_is_generated_from_the_profiles(
    client: TestClient, web: SimpleNamespace
) -> None:
    """Every program in force, each enrollment key's values (named by the role they select),
    incentives, the yes/no keys of the organization file and the interface content groups.
    Seed 003, Opioid Health Homes: "Uninsured contract holders: Participation is required,
    including an access-only connection to the HIE’s Clinical Portal electronic health record
    system." — quoted as the help of the OHH uninsured choice."""
    response = client.get("/")
    assert response.status_code == 200
    page = web.Elements(response.text)
    text = page.plain()
    rules = load_profiles(bundled_profiles(), date.fromisoformat(web.AS_OF))
    for loaded in rules.in_force.values():
        profile = loaded.profile
        assert profile.name in text
        assert page.by_id(f"f-enroll-{profile.program}") is not None
        for key in profile.enrollment_keys:
            radios = [
                a
                for a in page.having("name", "input")
                if a["name"] == f"program.{profile.program}.{key.key}"
            ]
            assert len(radios) == len(key.values)
        for role in profile.roles:
            assert role.name in text
            for inc in role.incentives:
                assert inc.name in text
    assert (
        "Uninsured contract holders: Participation is required, including an access-only "
        "connection to the HIE’s Clinical Portal electronic health record system."
    ) in text
    assert "HealthInfoNet, “Coordinating HIE Participation Within OMS Programs”" in text
    assert "003_954d39c802c8d7be.txt" not in response.text  # sources by title, not file name
    for name in (
        "hie.participant",
        "hie.letter_of_direction",
        "hie.clinical_portal_access",
        "facility.tribal_health_facility",
    ):
        assert page.by_id("f-" + name.replace(".", "-").replace("_", "_")) is not None
    for group in ("all patient demographics", "procedure coding", "laboratory test results"):
        assert group in text


def test_every_input_has_a_label(client: TestClient, web: SimpleNamespace) -> None:
    """Accessibility: every visible input and select is named by a <label for=…>."""
    page = web.Elements(client.get("/").text)
    labelled = {a["for"] for a in page.having("for", "label")}
    for tag, attrs in page.tags:
        if tag in ("input", "select") and attrs.get("type") not in ("hidden",):
            assert attrs.get("id") in labelled, attrs


def test_headings_are_in_order(client: TestClient, web: SimpleNamespace) -> None:
    """One h1, and no heading level skipped (on the form and the result page)."""
    for html in (client.get("/").text, _example_result(web, client).text):
        levels = [int(t[1]) for t, _ in web.Elements(html).tags if re.fullmatch(r"h[1-6]", t)]
        assert levels[0] == 1 and levels.count(1) == 1
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels


def test_startup_organization_prefills_the_form(web: SimpleNamespace) -> None:
    client = web.make_client(org=web.EXAMPLE)
    page = web.Elements(client.get("/").text)
    assert page.by_id("f-name")["value"] == "Example Family Practice"
    assert "checked" in page.by_id("f-enroll-pcplus")
    assert "checked" not in page.by_id("f-enroll-bhh")
    assert "checked" in page.by_id("f-program-pcplus-tier_sought-3")
    assert "checked" in page.by_id("f-program-ohh-contract-uninsured")
    assert "checked" in page.by_id("f-hie-participant")
    assert "checked" not in page.by_id("f-hie-letter_of_direction")
    assert page.by_id("f-interface-0-kind") is not None
    assert "checked" in page.by_id("f-interface-0-realtime")
    assert "checked" in page.by_id("f-interface-1-content-lab_results")
    assert "checked" in page.by_id("f-startup_messages")


# -- checking -------------------------------------------------------------------------------


def _example_result(
    web: SimpleNamespace, client: TestClient, files: list[tuple[str, bytes]] | None = None
) -> Any:
    """POST the bundled example's answers with its messages (or ``files``)."""
    return web.post_form(
        client, web.example_fields(), web.example_files() if files is None else files
    )


def test_result_page_shows_the_same_statuses_as_check_json(
    client: TestClient, example_json: dict, web: SimpleNamespace
) -> None:
    """The example answers and its three message files give the statuses of `check --format
    json` on the example file (which reads the same messages from its folder)."""
    response = _example_result(web, client)
    assert response.status_code == 200, response.text[:2000]
    roles, reqs = web.json_statuses(example_json)
    assert web.role_statuses(response.text) == roles
    assert web.requirement_statuses(response.text) == reqs
    page = web.Elements(response.text)
    assert page.by_id("overall-result")["data-status"] == example_json["result"] == "unmet"
    tier = page.having("data-reached", "p")[0]
    assert (int(tier["data-reached"]), tier["data-basis"]) == (1, "proven")
    text = page.plain()
    assert "hiecheck read 11 messages (9 ADT, 2 ORU) in 3 files" in text
    assert "PR1-3 never valued in 9 ADT messages: procedure coding missing" in text
    assert "To reach Tier 2" in text and "Next steps" in text and "Contacts" in text
    assert "Discounts on HIE participation fees" in text  # fee discounts
    assert "clientengagement@hinfonet.org" in text


def test_a_zip_of_the_messages_gives_the_same_result(
    client: TestClient, example_json: dict, web: SimpleNamespace
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in web.example_files():
            archive.writestr(f"example/{name}", body)
        archive.writestr("example/README.pdf", b"%PDF not a message")
        archive.writestr("../escape.hl7", b"MSH|")  # never written outside the folder
    response = _example_result(web, client, [("messages.zip", buffer.getvalue())])
    assert response.status_code == 200, response.text[:2000]
    assert web.role_statuses(response.text) == web.json_statuses(example_json)[0]
    assert web.requirement_statuses(response.text) == web.json_statuses(example_json)[1]
    text = web.Elements(response.text).plain()
    assert "Not read (not message files): messages.zip: example/README.pdf" in text
    assert "example/adt-2026-10-05.hl7 #1" in response.text


def test_two_uploads_of_one_name_are_both_read(client: TestClient, web: SimpleNamespace) -> None:
    """A second file of the same name is stored beside the first, not over it."""
    adt = (web.EXAMPLE_MESSAGES / "adt-2026-10-05.hl7").read_bytes()
    response = web.post_form(client, web.example_fields(), [("adt.hl7", adt), ("adt.hl7", adt)])
    assert response.status_code == 200
    text = web.Elements(response.text).plain()
    assert "hiecheck read 10 messages (10 ADT) in 2 files: adt (2).hl7, adt.hl7" in text


def test_without_messages_the_report_is_the_declared_one(
    client: TestClient, cli, web: SimpleNamespace
) -> None:
    """No upload: statuses come from the answers alone, as `check` without messages."""
    response = web.post_form(client, web.example_fields())
    assert response.status_code == 200
    folder = Path(tempfile.mkdtemp())
    org = folder / "org.toml"
    org.write_text(web.EXAMPLE.read_text().replace('messages = "example-family-practice"', ""))
    data = web.check_json(cli, org)
    assert web.role_statuses(response.text) == web.json_statuses(data)[0]
    assert "What your HL7 messages show" not in response.text


def test_startup_report_page(example_json: dict, web: SimpleNamespace) -> None:
    """GET /report: the start-up organization file with its own messages folder."""
    client = web.make_client(org=web.EXAMPLE)
    response = client.get("/report")
    assert response.status_code == 200
    assert web.role_statuses(response.text) == web.json_statuses(example_json)[0]
    assert web.requirement_statuses(response.text) == web.json_statuses(example_json)[1]


def test_startup_messages_can_be_used_from_the_form(
    example_json: dict, web: SimpleNamespace
) -> None:
    client = web.make_client(org=web.EXAMPLE)
    response = web.post_form(client, [*web.example_fields(), ("startup_messages", "yes")])
    assert response.status_code == 200
    assert web.requirement_statuses(response.text) == web.json_statuses(example_json)[1]


def test_startup_report_with_unreadable_messages_is_a_page(
    tmp_path: Path, web: SimpleNamespace
) -> None:
    folder = tmp_path / "msgs"
    folder.mkdir()
    (folder / "adt.hl7").write_bytes(b"not a message\r")
    org = tmp_path / "org.toml"
    org.write_text(
        'name = "X"\nmessages = "msgs"\n[[enrollment]]\nprogram = "bhh"\n', encoding="utf-8"
    )
    response = web.make_client(org=org).get("/report")
    assert response.status_code == 422
    assert "The organization file cannot be checked" in response.text
    assert "adt.hl7" in response.text


def test_report_without_startup_file_is_404(client: TestClient) -> None:
    response = client.get("/report")
    assert response.status_code == 404
    assert "without an organization file" in response.text


def test_message_values_are_never_shown(client: TestClient, web: SimpleNamespace) -> None:
    """PHI stays out of the page and every download (same rule as --show-values off)."""
    response = _example_result(web, client)
    everything = response.text + "".join(
        body.decode("utf-8") for body in _downloads(response.text).values()
    )
    for value in ("TESTPATIENT", "19580312", "12 EXAMPLE ST", "EX1001", "5550101"):
        assert value in (web.EXAMPLE_MESSAGES / "adt-2026-10-05.hl7").read_text()
        assert value not in everything


def test_strict_makes_attested_fail(client: TestClient, cli, web: SimpleNamespace) -> None:
    fields = [*_fields_without(web.example_fields(), "enroll"), ("enroll", "cct")]
    normal = web.post_form(client, fields, web.example_files())
    strict = web.post_form(client, [*fields, ("strict", "yes")], web.example_files())
    assert web.Elements(normal.text).by_id("overall-result")["data-status"] == "attested"
    assert "(exit" not in normal.text
    report = json.loads(_downloads(strict.text)["example-family-practice-report.json"])
    assert report["strict"] is True and report["exit_code"] == 1


# -- downloads and round trips -----------------------------------------------------------------


def test_downloads_round_trip_through_the_cli(
    client: TestClient, cli, tmp_path: Path, example_json: dict, web: SimpleNamespace
) -> None:
    """The organization file downloaded from the result page, read by `hiecheck check` with the
    same messages, gives the same report as the page's JSON download (and as the example file)."""
    files = _downloads(_example_result(web, client).text)
    assert set(files) == {
        "example-family-practice.toml",
        "example-family-practice-report.html",
        "example-family-practice-report.md",
        "example-family-practice-report.json",
    }
    org = tmp_path / "example-family-practice.toml"
    org.write_bytes(files["example-family-practice.toml"])
    from_cli = web.check_json(cli, org, web.EXAMPLE_MESSAGES)
    assert from_cli["exit_code"] == 1
    from_web = json.loads(files["example-family-practice-report.json"])
    for report in (from_cli, from_web):
        report["messages"]["paths"] = []
    assert from_cli == from_web
    example = dict(example_json, messages=dict(example_json["messages"], paths=[]))
    assert from_web["roles"] == example["roles"]
    html = files["example-family-practice-report.html"].decode()
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html
    assert web.role_statuses(html) == web.json_statuses(example_json)[0]
    md = files["example-family-practice-report.md"].decode()
    assert md.startswith("# HIE conditions for Example Family Practice")


def test_download_toml_from_the_form(
    client: TestClient, cli, tmp_path: Path, web: SimpleNamespace
) -> None:
    """ "Download the answers" gives an organization file without checking anything."""
    response = web.post_form(client, [*web.example_fields(), ("action", "download-toml")])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/toml")
    assert 'filename="example-family-practice.toml"' in response.headers["content-disposition"]
    org = tmp_path / "org.toml"
    org.write_bytes(response.content)
    page = web.post_form(client, web.example_fields())
    data = web.check_json(cli, org)
    assert web.role_statuses(page.text) == web.json_statuses(data)[0]
    assert web.requirement_statuses(page.text) == web.json_statuses(data)[1]


def test_change_the_answers_reopens_the_prefilled_form(
    client: TestClient, web: SimpleNamespace
) -> None:
    """The result page carries the answers (hidden); POST /edit shows them in the form."""
    result = web.Elements(_example_result(web, client).text)
    hidden = [
        (a["name"], a["value"]) for a in result.having("type", "input") if a["type"] == "hidden"
    ]
    assert ("name", "Example Family Practice") in hidden
    form = web.Elements(web.post_form(client, hidden, path="/edit").text)
    assert form.by_id("f-name")["value"] == "Example Family Practice"
    assert "checked" in form.by_id("f-program-pcplus-tier_sought-3")
    assert "checked" in form.by_id("f-interface-1-content-lab_results")


def test_add_interface_keeps_the_answers_and_adds_a_row(
    client: TestClient, web: SimpleNamespace
) -> None:
    response = web.post_form(
        client, [*web.example_fields(), ("action", "add-interface")], web.example_files()
    )
    assert response.status_code == 200
    page = web.Elements(response.text)
    kinds = [a for a in page.having("name", "select") if a["name"].endswith(".kind")]
    assert len(kinds) == 4  # two answered rows, the empty one, and the new one
    assert page.by_id("f-name")["value"] == "Example Family Practice"


# -- problems next to their fields ----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda f: _fields_without(f, "name"), "name", "Please give the organization's name."),
        (lambda f: _fields_without(f, "enroll"), "enroll", "Choose at least one program."),
        (
            lambda f: _fields_without(f, "program.ohh.contract"),
            "program.ohh.contract",
            "Please choose one of the answers.",
        ),
        (
            lambda f: [*f, ("program.ac.incentives_sought", "no-such-incentive")],
            "program.ac.incentives_sought",
            "Unknown incentive 'no-such-incentive' for role ac",
        ),
        (
            lambda f: [*f, ("interface-2.content", "vital_signs")],
            "interface-2.kind",
            "Input should be 'adt' or 'oru'",
        ),
        (
            lambda f: [
                *_fields_without(f, "program.pcplus.tier_sought"),
                ("program.pcplus.tier_sought", "9"),
            ],
            "program.pcplus.tier_sought",
            "Input should be a valid integer",
        ),
        (
            lambda f: [*f, ("enroll", "no-such-program")],
            "enroll",
            "Unknown program 'no-such-program'",
        ),
    ],
)
def test_problems_are_shown_next_to_their_field(
    client: TestClient, change, field: str, words: str, web: SimpleNamespace
) -> None:
    """The organization model and the enrollment matching of the TOML loader find the problem;
    the form shows it at the field (with aria-invalid where it is one input) and in the summary
    at the top, linked to the field."""
    response = web.post_form(client, change(web.example_fields()))
    assert response.status_code == 422
    page = web.Elements(response.text)
    anchor = "f-" + re.sub(r"[^a-z0-9_-]", "-", field)
    error = page.by_id(f"{anchor}-error-1")
    assert error is not None, page.plain()[:3000]
    assert words in page.plain()
    assert any(a.get("href") == f"#{anchor}" for a in page.having("href", "a"))
    assert page.by_id("f-name")["value"] == ("" if field == "name" else "Example Family Practice")


def test_name_problem_marks_the_input_invalid(client: TestClient, web: SimpleNamespace) -> None:
    page = web.Elements(web.post_form(client, _fields_without(web.example_fields(), "name")).text)
    name = page.by_id("f-name")
    assert name["aria-invalid"] == "true"
    assert "f-name-error-1" in name["aria-describedby"].split()


# -- upload problems ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "words"),
    [
        ([("notes.pdf", b"%PDF-1.4")], "notes.pdf is not a message file"),
        ([("empty.hl7", b"no message here\r")], "skipped as not HL7 (empty.hl7)"),
        ([("broken.zip", b"PK\x03\x04 not really")], "broken.zip could not be unpacked"),
    ],
)
def test_upload_problems_come_back_at_the_upload_field(
    client: TestClient, files, words: str, web: SimpleNamespace
) -> None:
    response = web.post_form(client, web.example_fields(), files)
    assert response.status_code == 422
    page = web.Elements(response.text)
    assert page.by_id("f-messages-error-1") is not None
    assert words in page.plain()
    assert "hiecheck-upload-" not in response.text  # the temporary folder is never named


def test_a_zip_without_message_files_is_a_problem(client: TestClient, web: SimpleNamespace) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.pdf", b"%PDF")
    response = web.post_form(client, web.example_fields(), [("m.zip", buffer.getvalue())])
    assert response.status_code == 422
    assert "The upload holds no message files." in response.text


def test_upload_over_the_size_cap_gets_a_clear_error_page(web: SimpleNamespace) -> None:
    client = web.make_client(limits=UploadLimits(max_bytes=1 * MIB))
    response = web.post_form(client, web.example_fields(), [("big.hl7", b"x" * (2 * MIB))])
    assert response.status_code == 413
    assert "The upload is larger than 1 MB" in response.text


def test_zip_contents_count_unpacked_against_the_size_cap(web: SimpleNamespace) -> None:
    """A small .zip that unpacks past the cap (a zip bomb) stops at the cap."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.hl7", b"MSH|" + b"A" * (3 * MIB))
    assert len(buffer.getvalue()) < MIB // 10
    client = web.make_client(limits=UploadLimits(max_bytes=1 * MIB))
    response = web.post_form(client, web.example_fields(), [("bomb.zip", buffer.getvalue())])
    assert response.status_code == 413
    assert "a .zip counts with its contents unpacked" in response.text


def test_too_many_files_gets_a_clear_error_page(web: SimpleNamespace) -> None:
    client = web.make_client(limits=UploadLimits(max_files=2))
    response = web.post_form(client, web.example_fields(), web.example_files())
    assert response.status_code == 413
    assert "More than 2 message files" in response.text


def test_a_request_that_is_not_the_form_is_refused(client: TestClient) -> None:
    response = client.post("/check", data={"name": "x"})  # urlencoded, not multipart
    assert response.status_code == 400
    assert "not a questionnaire form" in response.text


def test_a_malformed_multipart_body_is_refused(client: TestClient) -> None:
    response = client.post(
        "/check",
        content=b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nX\r\n--b-',
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 400
    assert "The form arrived incomplete" in response.text
    garbage = client.post(
        "/check",
        content=b"no boundary here",
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert garbage.status_code == 400
    assert "malformed multipart body" in garbage.text


def test_uploads_are_deleted_after_every_request(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, web: SimpleNamespace
) -> None:
    """The request's private folder is gone after a result, a problem and a refusal."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _example_result(web, client)
    web.post_form(client, web.example_fields(), [("notes.pdf", b"%PDF")])
    small = web.make_client(limits=UploadLimits(max_files=1))
    web.post_form(small, web.example_fields(), web.example_files())
    assert list(tmp_path.iterdir()) == []


def test_upload_folder_is_private(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, web: SimpleNamespace
) -> None:
    """mkdtemp makes the folder readable by this user only (0700); so are the measure's private
    folders made when the report shows the CBP eCQM (the example seeks PCPlus Tier III)."""
    seen: list[int] = []
    real = tempfile.mkdtemp

    def spy(suffix: str | None = None, prefix: str | None = None, dir: object = None) -> str:
        path = real(suffix, prefix, str(tmp_path))
        seen.append(Path(path).stat().st_mode & 0o777)
        return path

    monkeypatch.setattr(tempfile, "mkdtemp", spy)
    web.post_form(web.make_client(), web.example_fields(), web.example_files())
    assert seen and set(seen) == {0o700}


def test_nothing_about_a_check_is_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture, web: SimpleNamespace
) -> None:
    caplog.set_level("DEBUG")
    _example_result(web, client)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "adt-2026" not in logged and "Example Family Practice" not in logged


# -- security and plain pages --------------------------------------------------------------------


def test_every_response_carries_the_security_headers(
    client: TestClient, web: SimpleNamespace
) -> None:
    for response in (
        client.get("/"),
        client.get("/nowhere"),
        client.get("/static/app.css"),
        web.post_form(client, _fields_without(web.example_fields(), "name")),
    ):
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert "https:" not in CONTENT_SECURITY_POLICY and "*" not in CONTENT_SECURITY_POLICY


def test_pages_load_nothing_from_elsewhere(client: TestClient, web: SimpleNamespace) -> None:
    """Every stylesheet, script and icon is the app's own (the CSP would block others anyway)."""
    for html in (client.get("/").text, _example_result(web, client).text):
        page = web.Elements(html)
        for attrs in page.having("src") + [a for a in page.having("href", "link")]:
            assert (attrs.get("src") or attrs["href"]).startswith("/static/"), attrs


@pytest.mark.parametrize("host", ["evil.example:8000", "127.0.0.1:9999", "attacker.test", ""])
def test_requests_for_another_host_are_refused(host: str, web: SimpleNamespace) -> None:
    """DNS rebinding: a page elsewhere reaching 127.0.0.1 under its own name gets 421."""
    client = web.make_client()
    response = client.get("/", headers={"host": host})
    assert response.status_code == 421
    assert "only to the address" in response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_loopback_also_answers_to_localhost_and_allowed_names(web: SimpleNamespace) -> None:
    client = web.make_client()
    assert client.get("/", headers={"host": "localhost:8000"}).status_code == 200
    wide = web.make_client(host="0.0.0.0", allow=("clinic-pc",))
    assert wide.get("/", headers={"host": "clinic-pc:8000"}).status_code == 200
    assert wide.get("/", headers={"host": "localhost:8000"}).status_code == 421


def test_not_found_and_method_not_allowed_pages(client: TestClient) -> None:
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and "There is no page at this address." in missing.text
    wrong = client.get("/check")
    assert wrong.status_code == 405 and "Not allowed" in wrong.text
    assert client.get("/static/nothing.css").status_code == 404
    assert client.get("/static/..%2Fapp.py").status_code == 404


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("app.css", "text/css"),
        ("report.css", "text/css"),
        ("app.js", "text/javascript"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
def test_static_files_are_served_by_the_app(client: TestClient, name: str, kind: str) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(kind)
    body = response.content.replace(b'xmlns="http://www.w3.org/2000/svg"', b"")  # a name, no fetch
    assert b"http://" not in body and b"https://" not in body


def test_an_internal_error_is_a_page_not_a_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, web: SimpleNamespace
) -> None:
    from hiecheck.web import app as app_module

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(app_module, "run_check", boom)
    safe = TestClient(client.app, base_url=str(client.base_url), raise_server_exceptions=False)
    response = web.post_form(safe, web.example_fields())
    assert response.status_code == 500
    assert "Something went wrong inside hiecheck" in response.text
    assert "secret detail" not in response.text and "Traceback" not in response.text

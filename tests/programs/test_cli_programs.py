"""The `programs` and `check` commands through a subprocess: output, formats and exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_messages" / "example-family-practice.toml"
Cli = Callable[..., subprocess.CompletedProcess[str]]

CCT_OK = (
    'name = "Care Team Org"\n[[enrollment]]\nprogram = "cct"\n'
    '[hie]\nparticipant = true\ninterfaces = [{ kind = "adt", realtime = true }]\n'
)


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr


def test_programs_lists_all_roles(cli: Cli) -> None:
    result = cli("programs")
    assert result.returncode == 0, result.stderr
    for role in ("ac", "cct-home", "ohh-uninsured", "pcplus-tier2", "dsnp-ma-payer", "dsnp-sca"):
        assert role in result.stdout
    assert "clientengagement@hinfonet.org" in result.stdout


def test_programs_explains_pcplus_tier2(cli: Cli) -> None:
    """Seed 003, Primary Care Plus / Tier II: "Tribal health facilities with an access-only
    connection to the HIE's Clinical Portal electronic health record system may also be eligible
    for the Tier II reimbursement level."
    """
    result = cli("programs", "pcplus-tier2")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for text in ("tier2-adt", "tribal-clinical-portal", "$6.30", "PCP-Network-Services"):
        assert text in out
    # sources by publisher and title, never by the file the quotes are checked against
    assert "HealthInfoNet, “Coordinating HIE Participation Within OMS Programs”" in out
    assert "003_954d39c802c8d7be.txt" not in out


def test_programs_json_and_unknown_id(cli: Cli) -> None:
    data = json.loads(cli("programs", "ohh", "--format", "json").stdout)
    assert [r["id"] for r in data["programs"][0]["roles"]] == ["ohh-uninsured", "ohh-insured"]
    bad = cli("programs", "xyz")
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "no program or role 'xyz'" in bad.stderr


def test_check_sample_exits_1_with_unmet(cli: Cli) -> None:
    result = cli("check", str(SAMPLE), "--as-of", "2025-06-01")
    _no_traceback(result)
    assert result.returncode == 1
    assert "Letter of Direction" in result.stdout
    assert "attested" in result.stdout and "unmet" in result.stdout


def test_check_exit_0_when_only_attested_and_1_with_strict(cli: Cli, tmp_path: Path) -> None:
    org = tmp_path / "cct.toml"
    org.write_text(CCT_OK, encoding="utf-8")
    assert cli("check", str(org)).returncode == 0
    assert cli("check", str(org), "--strict").returncode == 1


def test_check_bad_input_is_one_line_exit_2(cli: Cli, tmp_path: Path) -> None:
    org = tmp_path / "bad.toml"
    org.write_text('name = "X"\n[[enrollment]]\nprogram = "ohh"\ncontract = "gold"\n')
    result = cli("check", str(org))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"hiecheck: error: {org}:enrollment[1].contract: ")
    assert '(expected "insured" | "uninsured")' in result.stderr


def test_check_malformed_toml_and_missing_file_exit_2(cli: Cli, tmp_path: Path) -> None:
    org = tmp_path / "broken.toml"
    org.write_text("name = \n")
    for path in (org, tmp_path / "absent.toml"):
        result = cli("check", str(path))
        assert result.returncode == 2 and result.stderr.count("\n") == 1
        _no_traceback(result)
    assert cli("check", str(SAMPLE), "--as-of", "June 1").returncode == 2


def test_check_json_report_fields(cli: Cli) -> None:
    result = cli("check", str(SAMPLE), "--format", "json", "--as-of", "2025-06-01")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["organization"] == "Example Family Practice"
    assert data["as_of"] == "2025-06-01"
    role = next(r for r in data["roles"] if r["id"] == "pcplus-tier3")
    for key in (
        "id",
        "participation",
        "requirements",
        "tier",
        "incentives",
        "next_steps",
        "contacts",
        "profile_version",
        "citations",
        "readings",
    ):
        assert key in role
    for req in role["requirements"]:
        assert {"id", "status", "detail"} <= req.keys()
    assert {"sought", "reached", "basis", "missing_for_next"} <= role["tier"].keys()
    # the example's own messages (its `messages` folder) lack PR1 procedure codes: Tier I proven
    assert role["tier"]["sought"] == 3 and role["tier"]["reached"] == 1
    assert role["tier"]["basis"] == "proven"


def test_check_markdown_is_plain_and_names_contacts(cli: Cli) -> None:
    result = cli("check", str(SAMPLE), "--format", "markdown", "--as-of", "2025-06-01")
    _no_traceback(result)
    out = result.stdout
    assert out.startswith("# HIE conditions for Example Family Practice")
    assert "clientengagement@hinfonet.org" in out and "PCP-Network-Services.DHHS@maine.gov" in out
    assert "Next steps:" in out and "Terms used" in out
    assert "Where the published rules are silent" in out


def test_check_profiles_option_and_no_version_in_force(cli: Cli, tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    shutil.copytree(ROOT / "src" / "hiecheck" / "profiles", profiles)
    org = tmp_path / "cct.toml"
    org.write_text(CCT_OK, encoding="utf-8")
    ok = cli("check", str(org), "--profiles", str(profiles), "--as-of", "2025-01-01")
    assert ok.returncode == 0
    early = cli("check", str(org), "--profiles", str(profiles), "--as-of", "2000-01-01")
    assert early.returncode == 2
    assert "no profile of program 'cct' is in force on 2000-01-01" in early.stderr


def test_programs_command_names_the_initiative_and_its_source(cli: Cli) -> None:
    """Seed 001: "Three major initiatives were later unveiled under this VBP strategy; Health
    Homes, Behavioral Health Homes, and Accountable Communities." """
    result = cli("programs", "bhh")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "Initiative: Behavioral Health Homes, one of the three initiatives" in text
    assert "MaineCare (Maine DHHS, Office of MaineCare Services), “Value-Based Purchasing" in text
    assert "001_dd468456fd9ff86a.txt" not in text

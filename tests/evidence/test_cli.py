"""`hiecheck check` with messages: the README main command, formats, PHI, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

Cli = Callable[..., subprocess.CompletedProcess[str]]
EXAMPLE = "sample_messages/example-family-practice.toml"


def _statuses(data: dict) -> set[str]:
    return {r["status"] for role in data["roles"] for r in role["requirements"]}


def test_readme_main_command_mixes_met_attested_unmet(cli: Cli) -> None:
    """The README's main command: the example org with its own messages folder; exit 1."""
    result = cli("check", EXAMPLE)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "Messages read: 11 (9 ADT, 2 ORU) in 3 file(s)" in out
    for word in ("met", "attested", "unmet", "Next steps:"):
        assert word in out
    assert "PR1-3 never valued in 9 ADT messages: procedure coding missing" in out


def test_example_json_has_evidence_and_messages_summary(cli: Cli) -> None:
    """Seed 003, Primary Care Plus / Tier III: "... vital signs, and laboratory test results."
    The example's ORU carries vital signs but no labs; its ADT no PR1: Tier I reached."""
    result = cli("check", EXAMPLE, "--format", "json", "--as-of", "2025-06-01")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert {"met", "attested", "unmet"} <= _statuses(data)
    msgs = data["messages"]
    assert msgs["messages"] == 11 and msgs["by_type"] == {"ADT": 9, "ORU": 2}
    assert msgs["latency"]["ADT"]["realtime_shown"] is True
    assert msgs["latency"]["ADT"]["limit_minutes"] == 60
    assert msgs["paths"] == ["sample_messages/example-family-practice"]
    roles = {r["id"]: r for r in data["roles"]}
    tier3 = next(r for r in roles["pcplus-tier3"]["requirements"] if r["id"] == "tier3-adt-oru")
    assert tier3["source"] == "evidence" and tier3["status"] == "unmet"
    assert tier3["evidence_counts"]["ADT_messages"] == 9
    assert tier3["evidence_counts"]["vital_signs_proven"] == 2
    assert tier3["evidence_counts"]["lab_results_proven"] == 0
    assert tier3["evidence_messages"][0] == "adt-2026-10-05.hl7 #1"
    assert tier3["detail"].startswith("the 11 ADT/ORU messages do not show it")
    tier = roles["pcplus-tier3"]["tier"]
    # the org file declares ADT procedure coding, but PR1 is never sent: declared but not shown
    assert "declared real-time ADT, but the 9 ADT messages do not show it" in (
        tier["missing_for_next"][0]
    )
    assert (tier["reached"], tier["basis"], tier["next_tier"]) == (1, "proven", 2)
    assert any(item.startswith("Add PR1 segments") for item in tier["checklist_for_next"])
    cct = next(r for r in roles["cct"]["requirements"] if r["id"] == "adt-realtime")
    assert cct["status"] == "met"
    ohh = next(r for r in roles["ohh-uninsured"]["requirements"] if r["kind"] == "clinical_portal")
    assert ohh["status"] == "unmet" and ohh["source"] == "declaration"
    ac = next(r for r in roles["ac"]["requirements"] if r["kind"] == "letter_of_direction")
    assert ac["status"] == "unmet"


def test_markdown_is_an_email_with_next_steps_and_contacts(cli: Cli) -> None:
    """Seed 003, Overview: "For questions about OMS programs' conditions and/or considerations of
    HIE participation, please contact HealthInfoNet's Client Engagement team
    (clientengagement@hinfonet.org)." """
    result = cli("check", EXAMPLE, "--format", "markdown")
    out = result.stdout
    assert result.returncode == 1
    assert "To the team at Example Family Practice:" in out
    assert "## Summary" in out and "## What your HL7 messages show" in out
    assert "## Checklist: next steps" in out
    assert (
        "- [ ] Add PR1 segments with PR1-3 procedure codes (CPT or HCPCS, coding system in "
        "PR1-3.3) to your ADT messages — needed for PCPlus Tier II"
    ) in out
    assert "## Contacts" in out and "clientengagement@hinfonet.org" in out
    assert "PCP-Network-Services.DHHS@maine.gov" in out


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_no_phi_in_any_format(cli: Cli, kit: SimpleNamespace, fmt: str) -> None:
    """Reports name fields and message numbers, never patient values."""
    for folder in ("tier3-complete", "oru-non-loinc", "dx-not-icd10"):
        result = cli("check", EXAMPLE, "--messages", str(kit.SETS / folder), "--format", fmt)
        assert result.returncode in (0, 1), result.stderr
        for value in kit.PHI_VALUES:
            assert value not in result.stdout, (value, folder, fmt)


def test_messages_option_overrides_org_file(cli: Cli, kit: SimpleNamespace) -> None:
    result = cli(
        "check", EXAMPLE, "--messages", str(kit.SETS / "tier3-complete"), "--format", "json"
    )
    data = json.loads(result.stdout)
    assert data["messages"]["by_type"] == {"ADT": 2, "ORU": 4}
    tier = next(r for r in data["roles"] if r["id"] == "pcplus-tier3")["tier"]
    assert (tier["reached"], tier["basis"]) == (3, "proven")


def test_several_messages_paths_and_jobs(cli: Cli, kit: SimpleNamespace) -> None:
    args = [
        "--messages",
        str(kit.SETS / "tier2-complete"),
        "--messages",
        str(kit.SETS / "adt-batch"),
    ]
    one = json.loads(cli("check", EXAMPLE, *args, "--format", "json").stdout)
    two = json.loads(cli("check", EXAMPLE, *args, "--jobs", "2", "--format", "json").stdout)
    assert one["messages"]["by_type"] == {"ADT": 10}
    assert one["messages"] == two["messages"]


def test_exit_0_when_everything_needed_is_met_or_attested(cli: Cli, tmp_path: Path) -> None:
    """Seed 003, D-SNP / HIE Participation: "D-SNP contracted LTC facilities: Participation is
    required, including an HL7 data interface supporting real-time Admission Discharge Transfer
    (ADT) messages transactions." """
    org = tmp_path / "ltc.toml"
    shutil.copytree(Path("sample_messages/sets/ltc-realtime-adt").resolve(), tmp_path / "msgs")
    org.write_text(
        'name = "LTC"\nmessages = "msgs"\n[[enrollment]]\nprogram = "dsnp"\nrole = "ltc_facility"\n'
        "[hie]\nparticipant = true\n",
        encoding="utf-8",
    )
    result = cli("check", str(org), "--format", "json")
    assert result.returncode == 0, result.stdout
    data = json.loads(result.stdout)
    req = data["roles"][0]["requirements"]
    assert [r["status"] for r in req] == ["attested", "met"]
    assert "does not declare this" in req[1]["detail"]
    assert cli("check", str(org), "--strict").returncode == 1  # participation only attested


def test_missing_messages_path_is_exit_2_one_line(cli: Cli) -> None:
    result = cli("check", EXAMPLE, "--messages", "no/such/folder")
    assert result.returncode == 2
    assert result.stderr.strip() == "hiecheck: error: no/such/folder: no such file or folder"
    assert "Traceback" not in result.stderr


def test_unreadable_message_file_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "notes.hl7"
    bad.write_bytes(b"this is not an HL7 message\n")
    result = cli("check", EXAMPLE, "--messages", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith("hiecheck: error: ") and len(result.stderr.splitlines()) == 1


def test_output_file(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    result = cli("check", EXAMPLE, "--format", "markdown", "--output", str(target))
    assert result.returncode == 1 and result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("# HIE conditions for Example")


def test_validation_findings_are_summarised_not_flipping(cli: Cli, kit: SimpleNamespace) -> None:
    """Error findings are counted with a pointer to `hiecheck validate`; they do not by
    themselves change a requirement (real-time ADT is still shown)."""
    result = cli(
        "check", EXAMPLE, "--messages", str(kit.SETS / "dx-not-icd10"), "--format", "markdown"
    )
    assert "content.value-set (error)" in result.stdout
    assert "run `hiecheck validate" in result.stdout
    data = json.loads(
        cli(
            "check", EXAMPLE, "--messages", str(kit.SETS / "dx-not-icd10"), "--format", "json"
        ).stdout
    )
    cct = next(r for r in data["roles"] if r["id"] == "cct")
    assert cct["requirements"][1]["status"] == "met"

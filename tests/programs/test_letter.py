"""Reports read as a letter in every format: sources by title and publisher, never by an internal
file name; one checklist without repeats (issue 15, "Reports that read as a letter")."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., subprocess.CompletedProcess[str]]
EXAMPLE = "sample_messages/example-family-practice.toml"
AS_OF = "2026-06-01"
INTERNAL = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b|FACTS\.md|\bissue \d+\b|\b[Ss]eed \d{3}\b")
HIE_PAGE = "HealthInfoNet, “Coordinating HIE Participation Within OMS Programs”"


def _report(cli: Cli, fmt: str, *extra: str) -> str:
    result = cli("check", EXAMPLE, "--format", fmt, "--as-of", AS_OF, *extra)
    assert result.returncode == 1, result.stderr
    return result.stdout


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_no_internal_file_names_in_any_format(cli: Cli, fmt: str) -> None:
    text = _report(cli, fmt, "--explain") if fmt == "table" else _report(cli, fmt)
    assert INTERNAL.findall(text) == []


def test_sources_are_cited_by_publisher_and_title(cli: Cli) -> None:
    """Seed 003 is HealthInfoNet's "Coordinating HIE Participation Within OMS Programs"."""
    markdown = _report(cli, "markdown")
    assert f"Sources: {HIE_PAGE}, sections “Primary Care Plus”" in markdown
    assert HIE_PAGE in _report(cli, "html")
    assert "The source does not define 'real-time'." in markdown


def test_json_names_each_cited_document(cli: Cli) -> None:
    import json

    data = json.loads(_report(cli, "json"))
    cited = {c["source"] for role in data["roles"] for c in role["citations"]}
    assert cited <= set(data["sources"])
    page = data["sources"]["003_954d39c802c8d7be.txt"]
    assert (page["publisher"], page["title"]) == (
        "HealthInfoNet",
        "Coordinating HIE Participation Within OMS Programs",
    )


def _checklist(markdown: str) -> list[str]:
    section = markdown.split("## Checklist: next steps", 1)[1].split("\n## ", 1)[0]
    return [line[6:] for line in section.splitlines() if line.startswith("- [ ] ")]


def test_one_checklist_without_repeats(cli: Cli) -> None:
    """The example's ADT feed is real-time; what Tier II and III lack is exact (add PR1-3, add
    lab OBX), so the general "send real-time ADT … with diagnosis and procedure codes" steps
    are not listed beside those fixes."""
    items = _checklist(_report(cli, "markdown"))
    assert len(items) == len(set(items))
    assert not [i for i in items if i.startswith("Send HealthInfoNet real-time ADT")]
    assert any(i.startswith("Add PR1 segments with PR1-3 procedure codes") for i in items)
    assert any(i.startswith("Send laboratory results in ORU messages") for i in items)


def test_without_messages_the_general_step_stays(cli: Cli, tmp_path: Path) -> None:
    """No evidence, no exact fixes: the profile's general step is the step."""
    org = tmp_path / "org.toml"
    text = (Path(__file__).resolve().parents[2] / EXAMPLE).read_text(encoding="utf-8")
    org.write_text(text.replace('messages = "example-family-practice"', ""), encoding="utf-8")
    result = cli("check", str(org), "--format", "markdown", "--as-of", AS_OF)
    items = _checklist(result.stdout)
    assert any(i.startswith("Send HealthInfoNet real-time ADT and/or ORU") for i in items)

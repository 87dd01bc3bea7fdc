"""Issue 10, leaks: PHI-like markers planted in every position of a message (every field of every
segment, broken segments, headers, batch headers, stray lines) never show in any output format of
`validate` and `check --messages` without --show-values; with it, values appear where findings
have them.

Reports identify each message by MSH-9 (type), MSH-10 (control id) and MSH-12 (version) as written
(JSON ``message_type`` / ``control_id`` / ``version``, JUnit test names): a marker planted there may
show in those places and nowhere else.
"""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

PREFIX = "ZQX"  # every name and identifier marker starts so: found even where a table folds
IDENTIFYING = {("MSH", 9), ("MSH", 10), ("MSH", 12)}

# A message with content for every group of pcplus-tier3, so that content, field, structure and
# timing checks all run on the fields the markers replace.
BASE = [
    "MSH|^~\\&|EPIC|FAC^1.2.3^ISO|HIN|HIE|20260101120000||ADT^A01^ADT_A01|C1|P|2.5.1|||AL|NE",
    "EVN|A01|20260101115955|||||20260101115900",
    "PID|1||123^^^HOSP^MR~456^^^MAINECARE^MA||DOE^JANE^Q||19800101|F||2106-3^White^CDCREC|"
    "1 MAIN ST^^PORTLAND^ME^04101||^PRN^PH^^1^207^5550100|||||V1^^^HOSP^AN|||||||||||||",
    "PD1||||1234^WELBY^MARCUS",
    "NK1|1|DOE^JOHN|SPO^Spouse^HL70063|1 MAIN ST^^PORTLAND^ME^04101",
    "PV1|1|I|MED^101^A||||1234^WELBY^MARCUS|||||||||||V123^^^HOSP^VN|||||||||||||||||||||||||"
    "20260101110000|20260101115900",
    "PV2|||^Follow-up visit",
    "OBX|1|NM|8480-6^Systolic^LN||128|mm[Hg]^mm[Hg]^UCUM|||||F|||20260101110000",
    "AL1|1|DA|70618^Penicillin^RXNORM|MO|Hives",
    "DG1|1||I10^Essential hypertension^I10|||F",
    "PR1|1|C4|99213^Office visit^C4||20260101110000|D",
    "ZPI|1|site field",
]
ORU = [
    "MSH|^~\\&|LAB|FAC|HIN|HIE|20260101120000||ORU^R01^ORU_R01|R1|P|2.5.1",
    "PID|1||123^^^HOSP^MR||DOE^JANE||19800101|F",
    "OBR|1|ORD1|FIL1|4548-4^HbA1c^LN|||20260101100000|||||||||||||||20260101115000|||F",
    "OBX|1|NM|4548-4^HbA1c^LN||7.2|%^%^UCUM|4.0-5.6|H|||F",
    "NTE|1||Specimen received.",
]


def _markers() -> Iterator[str]:
    kinds = ("SMITH", "JANE", "MRN", "SSN", "ADDR", "PHONE")
    for n in itertools.count(1):
        yield f"{PREFIX}{kinds[n % len(kinds)]}{n:04d}"


def _planted(lines: list[str], names: Iterator[str], dates: Iterator[str]
             ) -> Iterator[tuple[str, list[str], tuple[str, int] | None]]:
    """(marker, message lines, position) for every field of every segment of ``lines``: the
    field replaced by a name/identifier marker, then by a date marker, then a component of it."""
    for i, line in enumerate(lines):
        parts = line.split("|")
        seg_id = parts[0]
        first = 2 if seg_id == "MSH" else 1  # parts[1] of MSH is MSH-2
        for j in range(first, max(len(parts), 25)):
            number = j + 1 if seg_id == "MSH" else j
            padded = parts + [""] * (j + 1 - len(parts))
            for kind in ("name", "date", "component"):
                marker = next(dates) if kind == "date" else next(names)
                edited = list(padded)
                if kind == "component":
                    comps = (edited[j] or "X^Y").split("^")
                    comps[min(1, len(comps) - 1)] = marker
                    edited[j] = "^".join(comps)
                else:
                    edited[j] = marker
                if seg_id == "MSH" and j == 1:
                    continue  # MSH-2 holds the delimiters: a marker there is not a field
                yield marker, [*lines[:i], "|".join(edited), *lines[i + 1 :]], (seg_id, number)


def _broken(names: Iterator[str]) -> Iterator[tuple[str, list[str], tuple[str, int] | None]]:
    """Segments a reader cannot name: no separator, bad and lower-case ids, a marker as the id."""
    for shape in ("{m}", "{m}^{m2}^19991231", "pid|{m}", "PIDX|{m}", "P1|{m}", "{m}|1|2",
                  "Pid|1||{m}", "ZZZZ{m}", " PID|1||{m}", "\x00{m}", "PID|1||{m}\x00"):
        marker, second = next(names), next(names)
        line = shape.format(m=marker, m2=second)
        yield marker, [*BASE[:3], line, *BASE[3:]], None


def _capture(tmp_path: Path) -> tuple[Path, list[tuple[str, tuple[str, int] | None]]]:
    names = _markers()
    dates = (f"18{n:02d}0{1 + n % 9}1{n % 10}" for n in itertools.count(10))
    planted: list[tuple[str, tuple[str, int] | None]] = []
    chunks: list[bytes] = []
    stray, batch = next(names), [next(names) for _ in range(8)]
    chunks.append(f"{stray} is a stray line\r".encode())  # before the first MSH
    chunks.append(f"FHS|^~\\&|{batch[0]}|{batch[1]}|||20260101||{batch[2]}\r".encode())
    chunks.append(f"BHS|^~\\&|{batch[3]}|{batch[4]}||||{batch[5]}\r".encode())
    for template in (BASE, ORU):
        for marker, lines, where in itertools.chain(_planted(template, names, dates),
                                                     _broken(names)):
            planted.append((marker, where))
            chunks.append(("\r".join(lines) + "\r").encode())
    chunks.append(f"BTS|{batch[6]}\rFTS|1|{batch[7]}\r".encode())
    planted += [(stray, None)] + [(m, None) for m in batch]
    path = tmp_path / "planted.hl7"
    path.write_bytes(b"".join(chunks))
    return path, planted


def _visible(text: str) -> str:
    """Output without what identifies messages by design (MSH-9, MSH-10, MSH-12 as written)."""
    try:
        report = json.loads(text)
    except ValueError:
        report = None
    if isinstance(report, dict) and "files" in report:
        for file in report["files"]:
            for result in file["results"]:
                for key in ("message_type", "control_id", "version"):
                    result[key] = ""
        return json.dumps(report, ensure_ascii=False)
    if text.lstrip().startswith("<?xml"):
        root = ET.fromstring(text)
        for case in root.iter("testcase"):
            case.set("name", "")
        return ET.tostring(root, encoding="unicode")
    return text


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    return _capture(tmp_path_factory.mktemp("phi"))


def _leaks(output: str, planted: list[tuple[str, tuple[str, int] | None]],
           identifying_shown: bool) -> list[str]:
    shown = _visible(output) if identifying_shown else output
    leaks = [m for m, _ in planted if m in shown]
    if PREFIX in shown:
        leaks += re.findall(rf"{PREFIX}\w*", shown)[:5]
    return leaks


@pytest.mark.parametrize("fmt", ["table", "json", "junit"])
def test_validate_never_shows_a_planted_value(cli, planted, fmt: str) -> None:  # type: ignore[no-untyped-def]
    path, markers = planted
    for set_id in ("pcplus-tier3", "hie-adt"):
        result = cli("validate", str(path), "-f", fmt, "-q", "-r", set_id)
        assert result.exit_code == 1, result.output[-500:]
        assert _leaks(result.output, markers, fmt != "table") == []


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_check_never_shows_a_planted_value(  # type: ignore[no-untyped-def]
    cli, planted, project_root: Path, fmt: str
) -> None:
    path, markers = planted
    org = project_root / "sample_messages" / "example-family-practice.toml"
    result = cli("check", str(org), "--messages", str(path), "-f", fmt, "-q",
                 "--as-of", "2025-06-01")
    assert result.exit_code in (0, 1), result.output[-500:]
    assert "Messages" in result.output or "messages" in result.output
    assert _leaks(result.output, markers, False) == []


def test_with_show_values_the_values_appear_where_findings_have_them(  # type: ignore[no-untyped-def]
    cli, planted
) -> None:
    path, markers = planted
    result = cli("validate", str(path), "-f", "json", "-q", "-r", "pcplus-tier3",
                 "--show-values")
    report = json.loads(result.output)
    values = {f["value"] for file in report["files"] for r in file["results"]
              for f in r["findings"] if f["value"]}
    values |= {f["value"] for file in report["files"] for f in file["findings"] if f["value"]}
    shown = [m for m, _ in markers if any(m in v for v in values)]
    assert len(shown) > len(markers) // 4  # many planted values are findings' values
    by_position = {where: m for m, where in markers if where is not None}
    assert any(by_position[("PID", 7)] in v for v in values)  # a name where a date belongs
    assert any(m in v for m, where in markers if where is None for v in values)  # broken lines
    hidden = cli("validate", str(path), "-f", "json", "-q", "-r", "pcplus-tier3")
    assert all(f["value"] is None for file in json.loads(hidden.output)["files"]
               for r in file["results"] for f in r["findings"])


def test_planted_capture_reaches_every_segment_and_field(planted) -> None:  # type: ignore[no-untyped-def]
    _, markers = planted
    positions = {where for _, where in markers if where is not None}
    segments = {seg for seg, _ in positions}
    assert {"MSH", "EVN", "PID", "PV1", "OBX", "OBR", "DG1", "PR1", "ZPI", "NTE"} <= segments
    assert all((seg, n) in positions for seg in ("PID", "PV1") for n in range(1, 25))
    assert positions >= IDENTIFYING

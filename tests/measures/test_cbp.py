"""Controlling High Blood Pressure (CMS165 logic) from an organization's own HL7 messages.

FACTS.md ("Measure specifications"): "Controlling High Blood Pressure (CMS165): age 18–85,
essential hypertension diagnosis overlapping the first 6 months; numerator: most recent day with
both readings has systolic < 140 and diastolic < 90 (LOINC 8480-6, 8462-4; panel 85354-9);
readings from ED/inpatient encounters excluded". Seed 003_954d39c802c8d7be.txt: PCPlus Tier II/III
organizations "Support the HIE’s generation of the Controlling High Blood Pressure electronic
clinical quality measure (eCQM)". Expected results are read off those sentences.
"""

from __future__ import annotations

from pathlib import Path

from hiecheck.measures.cbp import cbp_summary
from hiecheck.measures.models import Period
from tests.measures.conftest import PROFILES, read_csv

YEAR = Period.year(2025)


def adt(patient: str, when: str, *, born: str = "19600101", klass: str = "O",
        dx: tuple[str, ...] = ("I10",), dx_date: str = "") -> str:
    segments = [
        f"MSH|^~\\&|EHR|CLINIC|HIN|HIE|{when}0900||ADT^A04^ADT_A01|{patient}{when}|P|2.5.1",
        f"EVN|A04|{when}0900",
        f"PID|1||{patient}^^^CLINIC^MR||DOE^PAT||{born}|F",
        f"PV1|1|{klass}|CLINIC" + "|" * 41 + f"{when}0900",
    ]
    segments += [f"DG1|{i}||{code}^Dx^I10||{dx_date}|F" for i, code in enumerate(dx, 1)]
    return "\r".join(segments) + "\r"


def vitals(patient: str, when: str, systolic: str | None, diastolic: str | None, *,
           klass: str = "O", panel: str | None = None, status: str = "F") -> str:
    segments = [
        f"MSH|^~\\&|EHR|CLINIC|HIN|HIE|{when}1000||ORU^R01^ORU_R01|V{patient}{when}|P|2.5.1",
        f"PID|1||{patient}^^^CLINIC^MR||DOE^PAT||19600101|F",
        f"PV1|1|{klass}|CLINIC",
        f"OBR|1|O|F|85354-9^BP panel^LN|||{when}1000",
    ]
    n = 0
    for code, value in (("8480-6", systolic), ("8462-4", diastolic)):
        if value is not None:
            n += 1
            segments.append(f"OBX|{n}|NM|{code}^BP^LN||{value}|mm[Hg]|||||{status}|||{when}1000")
    if panel is not None:
        segments.append(f"OBX|{n + 1}|ST|85354-9^BP panel^LN||{panel}|mm[Hg]|||||F|||{when}1000")
    return "\r".join(segments) + "\r"


def _write(tmp_path: Path, *messages: str) -> str:
    path = tmp_path / "feed.hl7"
    path.write_text("".join(messages), encoding="utf-8")
    return str(path)


def _statuses(tmp_path: Path, *messages: str) -> dict[str, str]:
    from hiecheck.measures.cbp import cbp_report

    out = tmp_path / "patients.csv"
    cbp_report([_write(tmp_path, *messages)], period=YEAR, profiles=PROFILES, members_out=out,
               show_values=True)
    return {r["member_key"]: r["status"] for r in read_csv(out)}


def test_most_recent_day_with_both_readings_decides(tmp_path: Path) -> None:
    """FACTS.md: the most recent day with both readings; lowest systolic < 140 and lowest
    diastolic < 90 on that day (FACTS.md, details of CMS165)."""
    got = _statuses(
        tmp_path,
        adt("P1", "20250115"), vitals("P1", "20250301", "150", "95"),
        vitals("P1", "20251001", "138", "88"),
        vitals("P1", "20251101", "150", None),  # later, but only one reading: not the day
        adt("P2", "20250115"), vitals("P2", "20250301", "120", "70"),
        vitals("P2", "20251001", "145", "80"),
        adt("P3", "20250115"), vitals("P3", "20250601", "150", "85"),
        vitals("P3", "20250601", "135", "92"),  # same day: lowest of each is 135/85
    )
    assert got == {"P1": "controlled", "P2": "not-controlled", "P3": "controlled"}


def test_ed_and_inpatient_readings_are_excluded(tmp_path: Path) -> None:
    """FACTS.md: readings from ED/inpatient encounters excluded (PV1-2 E or I)."""
    got = _statuses(
        tmp_path,
        adt("P1", "20250115"), vitals("P1", "20250301", "150", "95"),
        vitals("P1", "20251001", "120", "70", klass="E"),
        adt("P2", "20250115"), vitals("P2", "20251001", "120", "70", klass="I"),
    )
    assert got == {"P1": "not-controlled", "P2": "no-reading"}


def test_panel_value_gives_both_readings(tmp_path: Path) -> None:
    """FACTS.md: panel 85354-9 — a panel OBX valued 'systolic/diastolic' (reading panel)."""
    got = _statuses(tmp_path, adt("P1", "20250115"),
                    vitals("P1", "20250301", None, None, panel="128/84"))
    assert got == {"P1": "controlled"}


def test_population_age_diagnosis_window_visit_and_exclusions(tmp_path: Path) -> None:
    """FACTS.md: age 18–85 at the end of the period; hypertension overlapping the first 6 months;
    exclusions (pregnancy, ESRD ...) where a DG1 shows them; a qualifying outpatient visit."""
    got = _statuses(
        tmp_path,
        adt("OLD", "20250115", born="19390101"),  # 86 on 2025-12-31
        adt("YOUNG", "20250115", born="20080101"),  # 17
        adt("LATE", "20250801"),  # recorded after the first 6 months, no DG1-5
        adt("ONSET", "20250801", dx_date="20240501"),  # DG1-5 says it began in 2024
        adt("ESRD", "20250115", dx=("I10", "N18.6")),
        adt("PREG", "20250115", dx=("I10", "O10.012")),
        adt("ER", "20250115", klass="E"),  # no outpatient visit
        adt("NOHTN", "20250115", dx=("E11.9",)),
        adt("NOBIRTH", "20250115", born=""),
    )
    assert got == {
        "OLD": "age-out-of-range", "YOUNG": "age-out-of-range",
        "LATE": "hypertension-after-first-months", "ONSET": "no-reading",
        "ESRD": "excluded", "PREG": "excluded", "ER": "no-outpatient-visit",
        "NOHTN": "no-hypertension", "NOBIRTH": "age-unknown",
    }


def test_deleted_or_wrong_results_are_dropped(tmp_path: Path) -> None:
    """Reading reading-day: OBX-11 D, W or X is not a reading."""
    got = _statuses(tmp_path, adt("P1", "20250115"),
                    vitals("P1", "20250301", "120", "70", status="W"))
    assert got == {"P1": "no-reading"}


def test_summary_says_what_the_feed_lacks(tmp_path: Path) -> None:
    """Seed 003: the eCQM needs vital signs (Tier III); a feed without them is told so."""
    feed = _write(tmp_path, adt("P1", "20250115"), adt("P2", "20250116"),
                  adt("P3", "20250117", dx=("E11.9",)))
    summary = cbp_summary([feed], profiles=PROFILES)
    assert summary.period == YEAR and summary.period_from_data  # the year of the latest message
    assert (summary.patients, summary.with_hypertension, summary.denominator) == (3, 2, 2)
    assert (summary.with_reading, summary.controlled, summary.rate_percent) == (0, 0, 0)
    missing = {m.id: m.count for m in summary.missing}
    assert missing["vitals-never-sent"] == 1
    assert missing["diagnosis-date-missing"] == 2
    assert "diagnoses-never-sent" not in missing


def test_summary_of_a_complete_feed(tmp_path: Path) -> None:
    feed = _write(tmp_path, adt("P1", "20250115", dx_date="20250110"),
                  vitals("P1", "20250301", "120", "70"), adt("P2", "20250115", dx_date="20250110"),
                  vitals("P2", "20250301", "150", "70"))
    summary = cbp_summary([feed], period=YEAR, profiles=PROFILES)
    assert (summary.denominator, summary.with_reading, summary.controlled) == (2, 2, 1)
    assert str(summary.rate_percent) == "50.00"
    assert summary.missing == []

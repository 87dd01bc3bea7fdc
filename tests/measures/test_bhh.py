"""BHH diabetes screening for members on antipsychotics, on small hand-checked data.

Seed 002_9cfae78d672a94ec.txt: "Of the MaineCare members assigned to the BHHO who had two or more
fills of antipsychotic medication, the percentage of members who had at least one HbA1c or fasting
blood glucose test." Each test derives its expected members from that sentence (and the readings
of profiles/measures/bhh/bhh.toml it names), not from the program's output.
"""

from __future__ import annotations

from pathlib import Path

from tests.measures.conftest import MeasureRun, write_csv

SEED_002 = "002_9cfae78d672a94ec.txt"
FILL_HEADER = ["member_id", "fill_date", "drug_name", "rxnorm", "ndc"]
LAB_HEADER = ["member_id", "service_date", "loinc", "cpt"]


def _files(tmp_path: Path, members: list[list[object]], fills: list[list[object]],
           labs: list[list[object]]) -> dict[str, Path]:
    return {
        "members": write_csv(tmp_path / "members.csv", ["member_id", "provider_id",
                                                         "assigned_from", "assigned_to"], members),
        "fills": write_csv(tmp_path / "fills.csv", FILL_HEADER, fills),
        "labs": write_csv(tmp_path / "labs.csv", LAB_HEADER, labs),
    }


def test_two_fills_and_a_test_is_the_numerator(tmp_path: Path, measure_run: MeasureRun) -> None:
    """Seed 002: two or more fills (denominator) and at least one HbA1c test (numerator)."""
    files = _files(
        tmp_path,
        [["A", "BHH1", "", ""], ["B", "BHH1", "", ""], ["C", "BHH1", "", ""]],
        [["A", "2025-01-05", "risperidone 1 mg tablet", "", ""],
         ["A", "2025-02-04", "Risperidone 1 MG Tablet", "", ""],
         ["B", "2025-03-01", "quetiapine 25 mg", "", ""],
         ["B", "2025-04-01", "quetiapine 25 mg", "", ""],
         ["C", "2025-03-01", "olanzapine 5 mg", "", ""]],
        [["A", "2025-06-01", "4548-4", ""], ["C", "2025-06-01", "4548-4", ""]],
    )
    report, rows = measure_run("bhh", files=files)
    # A: 2 fills + HbA1c -> numerator; B: 2 fills, no test -> gap; C: 1 fill -> out.
    assert (rows["A"]["status"], rows["B"]["status"], rows["C"]["status"]) == (
        "screened", "not-screened", "fewer-than-two-fills")
    (provider,) = report.providers
    assert (provider.denominator, provider.numerator) == (2, 1)
    assert rows["A"]["ref_first_fill"].endswith("fills.csv:row 2")
    assert rows["A"]["ref_second_fill"].endswith("fills.csv:row 3")
    assert rows["A"]["ref_test"].endswith("labs.csv:row 2")


def test_glucose_loinc_and_cpt_lab_claims_count(tmp_path: Path, measure_run: MeasureRun) -> None:
    """Seed 002: 'HbA1c or fasting blood glucose test' — LOINC 1558-6 (fasting), and lab claims
    by CPT (82947 glucose, 83036 HbA1c) are tests too."""
    fills = [[m, d, "aripiprazole 5 mg", "", ""] for m in "ABCD" for d in ("2025-01-01",
                                                                           "2025-02-01")]
    files = _files(tmp_path, [[m, "BHH1", "", ""] for m in "ABCD"], fills,
                   [["A", "2025-05-01", "1558-6", ""], ["B", "2025-05-01", "", "82947"],
                    ["C", "2025-05-01", "", "83036"], ["D", "2025-05-01", "2093-3", ""]])
    _, rows = measure_run("bhh", files=files)
    assert {m: r["status"] for m, r in rows.items()} == {
        "A": "screened", "B": "screened", "C": "screened", "D": "not-screened"}  # D: cholesterol
    assert rows["A"]["test_value_set"] == "glucose_test"
    assert rows["C"]["value_test_code"] == "CPT 83036"


def test_only_fills_and_tests_in_the_period_count(tmp_path: Path,
                                                  measure_run: MeasureRun) -> None:
    """Seed 002 with FACTS.md: fills and tests in the 12-month period."""
    files = _files(
        tmp_path, [["A", "BHH1", "", ""], ["B", "BHH1", "", ""]],
        [["A", "2024-12-31", "haloperidol 5 mg", "", ""], ["A", "2025-01-01", "haloperidol 5 mg",
                                                            "", ""],
         ["B", "2025-01-01", "haloperidol 5 mg", "", ""], ["B", "2025-12-31", "haloperidol", "",
                                                            ""]],
        [["B", "2026-01-01", "4548-4", ""]],
    )
    _, rows = measure_run("bhh", files=files)
    assert rows["A"]["status"] == "fewer-than-two-fills"  # one of its two fills is in 2024
    assert rows["B"]["status"] == "not-screened"  # its test is in 2026


def test_same_day_same_drug_is_one_fill_but_two_drugs_are_two(tmp_path: Path,
                                                              measure_run: MeasureRun) -> None:
    """Reading one-fill-per-day-and-drug: a re-billed claim is not a second fill."""
    files = _files(
        tmp_path, [["A", "BHH1", "", ""], ["B", "BHH1", "", ""]],
        [["A", "2025-03-01", "clozapine 100 mg", "", ""],
         ["A", "2025-03-01", "CLOZAPINE 100 MG", "", ""],
         ["B", "2025-03-01", "clozapine 100 mg", "", ""],
         ["B", "2025-03-01", "lurasidone 40 mg", "", ""]],
        [],
    )
    report, rows = measure_run("bhh", files=files)
    assert rows["A"]["antipsychotic_fills"] == "1"
    assert rows["B"]["antipsychotic_fills"] == "2"
    assert report.providers[0].denominator == 1


def test_drugs_match_by_ingredient_rxnorm_or_added_ndc(tmp_path: Path,
                                                       measure_run: MeasureRun) -> None:
    """FACTS.md: antipsychotics are identified by ingredient (olanzapine/fluoxetine by its
    antipsychotic part); RxNorm ingredient ids and NDCs given with --codes match too; other
    drugs (sertraline) never do."""
    codes = write_csv(tmp_path / "codes.csv", ["value_set", "system", "code"],
                      [["antipsychotic", "NDC", "00378-1234-01"]])
    files = _files(
        tmp_path, [[m, "BHH1", "", ""] for m in "ABCD"],
        [["A", "2025-01-01", "Olanzapine/Fluoxetine 6/25 mg", "", ""],
         ["A", "2025-02-01", "olanzapine and fluoxetine", "", ""],
         ["B", "2025-01-01", "", "35636", ""], ["B", "2025-02-01", "", "35636", ""],
         ["C", "2025-01-01", "", "", "00378123401"], ["C", "2025-02-01", "", "", "00378-1234-01"],
         ["D", "2025-01-01", "sertraline 50 mg", "", ""],
         ["D", "2025-02-01", "sertraline 50 mg", "", ""]],
        [],
    )
    _, rows = measure_run("bhh", files=files, codes=codes)
    assert [rows[m]["status"] for m in "ABCD"] == ["not-screened"] * 3 + ["fewer-than-two-fills"]
    assert rows["B"]["value_first_fill_medication"] == "RxNorm 35636"


def test_assignment_must_overlap_the_period(tmp_path: Path, measure_run: MeasureRun) -> None:
    """Seed 002: members assigned to the BHHO; reading assignment-overlaps-period: an assignment
    ending before the period leaves the member out; two organizations both count the member."""
    fills = [["A", d, "ziprasidone", "", ""] for d in ("2025-01-01", "2025-02-01")]
    fills += [["B", d, "ziprasidone", "", ""] for d in ("2025-01-01", "2025-02-01")]
    files = _files(tmp_path, [["A", "BHH1", "2023-01-01", "2024-12-31"],
                              ["B", "BHH1", "", "2025-01-31"], ["B", "BHH2", "2025-02-01", ""]],
                   fills, [])
    report, rows = measure_run("bhh", files=files)
    assert "A" not in rows
    assert [(p.provider_id, p.denominator) for p in report.providers] == [("BHH1", 1),
                                                                          ("BHH2", 1)]


def _oru(patient: str, obx_date: str, obr_date: str, loinc: str) -> str:
    return "\r".join([
        "MSH|^~\\&|LAB|LABFAC|HIN|HIE|20250610120000||ORU^R01^ORU_R01|X1|P|2.5.1",
        f"PID|1||{patient}^^^LABFAC^MR~999^^^MAINECARE^MA||DOE^JANE||19800101|F",
        f"OBR|1|O1|F1|4548-4^HbA1c^LN|||{obr_date}",
        f"OBX|1|NM|{loinc}^Test^LN||6.1|%|||||F|||{obx_date}",
    ]) + "\r"


def test_tests_from_hl7_oru_files(tmp_path: Path, measure_run: MeasureRun) -> None:
    """Issue 14: tests come from HL7 ORU files (OBX-3 LOINC, OBX-14 or else OBR-7 dates); the
    member is PID-3, or the repetition of the --id-type asked for."""
    fills = [[m, d, "paliperidone", "", ""] for m in ("A", "B", "999") for d in ("2025-01-01",
                                                                                 "2025-02-01")]
    files = _files(tmp_path, [["A", "BHH1", "", ""], ["B", "BHH1", "", ""],
                              ["999", "BHH2", "", ""]], fills, [])
    oru = tmp_path / "oru.hl7"
    oru.write_text(_oru("A", "20250301", "20250301", "4548-4")
                   + _oru("B", "", "20250302", "17856-6"), encoding="utf-8")
    _, rows = measure_run("bhh", files=files, hl7=[str(oru)])
    assert rows["A"]["status"] == rows["B"]["status"] == "screened"
    assert rows["B"]["value_test_date"] == "2025-03-02"  # OBR-7 when OBX-14 is empty
    assert rows["A"]["ref_test"].endswith("oru.hl7:line 4 OBX[1]")
    assert rows["999"]["status"] == "not-screened"  # first PID-3 id is A/B, not 999
    _, by_medicaid_id = measure_run("bhh", files=files, hl7=[str(oru)], id_type="MA")
    assert by_medicaid_id["999"]["status"] == "screened"

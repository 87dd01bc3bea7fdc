"""Measure profiles and value sets are validated on load: codes well formed, references known,
the SQL bound against the input tables; the shipped value sets hold the codes FACTS.md lists."""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from hiecheck.errors import InputError
from hiecheck.measures.profile import (
    load_measures,
    load_value_sets,
    loinc_check_digit,
    select_measure,
)
from tests.measures.conftest import PROFILES

MEASURES = PROFILES / "measures"


@pytest.mark.parametrize("measure", ["bhh", "ohh", "cbp"])
def test_each_measure_has_a_valid_profile(measure: str) -> None:
    (loaded,) = load_measures(MEASURES, measure)  # type: ignore[arg-type]
    assert loaded.columns[:4] == ["provider_id", "member_id", "member_ref", "status"]
    assert loaded.profile.citations and loaded.profile.readings


def test_measure_ids_are_the_ones_p4p_reads() -> None:
    """`hiecheck measure bhh | hiecheck p4p bhh -`: the measure ids must be p4p's."""
    from hiecheck.p4p.profile import BhhProfile, OhhProfile, select_profile

    bhh = select_profile(PROFILES, "bhh", date(2025, 12, 31))
    ohh = select_profile(PROFILES, "ohh", date(2025, 12, 31))
    assert isinstance(bhh, BhhProfile) and isinstance(ohh, OhhProfile)
    assert select_measure(MEASURES, "bhh", date(2025, 12, 31)).profile.id == bhh.measure.id
    ohh_measure = select_measure(MEASURES, "ohh", date(2025, 12, 31)).profile
    assert [ohh_measure.id, *ohh_measure.counted_elsewhere] == [m.id for m in ohh.measures]


def test_value_sets_hold_the_loinc_codes_facts_lists(seeds_dir: Path) -> None:
    """FACTS.md 'Measure specifications': the HbA1c and glucose LOINC codes, and the BP codes."""
    facts = (seeds_dir.parent / "domain" / "FACTS.md").read_text(encoding="utf-8")
    line = " ".join(facts.split("Diabetes screening on antipsychotics")[1].split("\n- ")[0].split())
    hba1c = re.findall(r"\d+-\d", line.split("glucose LOINC")[0])
    glucose = re.findall(r"\d+-\d", line.split("glucose LOINC")[1])
    sets = load_value_sets(MEASURES)
    assert sets.get("hba1c_test") and sets.get("glucose_test")
    assert set(sets.get("hba1c_test").loinc) == set(hba1c)  # type: ignore[union-attr]
    assert set(sets.get("glucose_test").loinc) == set(glucose)  # type: ignore[union-attr]
    assert {c for v in ("systolic_bp", "diastolic_bp", "bp_panel")
            for c in sets.get(v).loinc} == {"8480-6", "8462-4", "85354-9"}  # type: ignore[union-attr]


def test_antipsychotic_names_are_the_facts_ingredients(seeds_dir: Path) -> None:
    facts = (seeds_dir.parent / "domain" / "FACTS.md").read_text(encoding="utf-8")
    text = " ".join(facts.split("Antipsychotics are identified by ingredient")[1].split())
    listed = re.findall(r"[a-z]+(?=[,;)])", text.split("combinations")[0])
    names = load_value_sets(MEASURES).get("antipsychotic").names  # type: ignore[union-attr]
    assert sorted(names) == sorted(set(listed))


def test_loinc_check_digit() -> None:
    assert [loinc_check_digit(c) for c in ("4548", "1558", "8480", "85354")] == [4, 6, 6, 9]


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "measures"
    shutil.copytree(MEASURES, folder)
    return folder


def test_a_code_with_a_wrong_check_digit_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "value_sets.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('"4548-4"', '"4548-5"'),
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"value_sets\[1\]\.loinc.*check digit"):
        load_value_sets(folder)


def test_sql_that_does_not_bind_is_refused_on_load(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    sql = folder / "bhh" / "bhh.sql"
    sql.write_text(sql.read_text(encoding="utf-8").replace("fills_rows", "fill_rows"),
                   encoding="utf-8")
    with pytest.raises(InputError, match=r"bhh\.sql: SQL does not run on the input tables"):
        load_measures(folder, "bhh")


def test_unknown_value_set_and_missing_sql_are_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    toml = folder / "ohh" / "ohh.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('"otp_methadone_weekly"]', '"otp_methadone_monthly"]'),
                    encoding="utf-8")
    with pytest.raises(InputError, match="unknown value set 'otp_methadone_monthly'"):
        load_measures(folder, "ohh")
    toml.write_text(text.replace('sql = "ohh.sql"', 'sql = "../ohh.sql"'), encoding="utf-8")
    with pytest.raises(InputError, match="not found beside the profile"):
        load_measures(folder, "ohh")


def test_overlapping_versions_are_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    shutil.copy(folder / "bhh" / "bhh.toml", folder / "bhh" / "bhh-2026.toml")
    with pytest.raises(InputError, match="overlaps"):
        load_measures(folder, "bhh")


def test_a_profile_of_another_measure_in_a_folder_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    shutil.copy(folder / "ohh" / "ohh.toml", folder / "bhh" / "ohh.toml")
    found = r"bhh[/\\]ohh\.toml:measure: a profile of measure 'ohh' in the bhh folder"
    with pytest.raises(InputError, match=found):
        load_measures(folder, "bhh")


def test_measure_profiles_load_from_a_zip(tmp_path: Path) -> None:
    """The loader takes any Traversable, e.g. a folder inside a zip (a zipped install)."""
    archive = tmp_path / "profiles.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(MEASURES.rglob("*")):
            if path.is_file():
                out.write(path, f"measures/{path.relative_to(MEASURES).as_posix()}")
    root = zipfile.Path(archive, "measures/")
    loaded = select_measure(root, "cbp", date(2025, 12, 31))
    assert loaded.profile.version == "cms165" and loaded.feed_sql
    assert loaded.source.endswith("cbp.toml")

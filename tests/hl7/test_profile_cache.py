"""The cache of compiled profiles (hiecheck.hl7.cache.ProfileCache): a requirement set and the
timing rules come from it while their files are unchanged, and a changed, broken or foreign
file is loaded and validated as without it (same result, same errors, nothing invalid kept)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from hiecheck.errors import InputError
from hiecheck.hl7 import reference, requirement_files, timing, timing_file
from hiecheck.hl7.cache import NO_CACHE_ENV, KeptResults, ProfileCache
from hiecheck.hl7.requirements import _load_cached, load_requirements
from hiecheck.paths import profiles_dir

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_messages" / "example-family-practice" / "adt-2026-10-05.hl7"
DAY = date(2026, 10, 5)


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the bundled profiles (to change), and a cache folder of this test only."""
    folder = tmp_path / "profiles"
    shutil.copytree(str(profiles_dir(None)), folder)
    monkeypatch.setenv("HIECHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(NO_CACHE_ENV, raising=False)
    _forget()
    yield folder
    _forget()


def _forget() -> None:
    """Drop what this process remembers, so that the next load asks the disk cache."""
    _load_cached.cache_clear()
    timing.load_timing_rules.cache_clear()


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").rglob("*.pickle"))


def _no_loading(*args: object, **kwargs: object) -> object:
    raise AssertionError("the files were loaded although the cache holds them")


def test_a_requirement_set_comes_from_the_cache_while_its_files_are_unchanged(
    profiles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = requirement_files.compile_requirements(
        requirement_files.load_sources("hie-adt", profiles, DAY))
    first = load_requirements("hie-adt", profiles, DAY)
    assert first == want and len(_entries(tmp_path)) == 1
    _forget()
    monkeypatch.setattr(requirement_files, "compile_in_force", _no_loading)
    assert load_requirements("hie-adt", profiles, DAY) == want  # from the disk cache


def test_each_set_and_mode_is_its_own_entry(profiles: Path, tmp_path: Path) -> None:
    plain = load_requirements("hie-adt", profiles, DAY)
    onboarding = load_requirements("hie-adt-onboarding", profiles, DAY)
    assert plain is not None and onboarding is not None
    assert (plain.id, onboarding.id) == ("hie-adt", "hie-adt-onboarding")
    assert len(_entries(tmp_path)) == 2
    _forget()
    again = load_requirements("hie-adt-onboarding", profiles, DAY)
    assert again == onboarding and again is not None and again.mode == "onboarding"


def _error_lines(set_id: str, profiles: Path, day: date = DAY) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_requirements(set_id, profiles, day)
    return caught.value.lines()


def test_a_changed_file_is_validated_again_with_the_errors_it_has_without_the_cache(
    profiles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_requirements("hie-adt", profiles, DAY)  # cached
    value_sets = profiles / "messages" / "value_sets.toml"
    value_sets.write_text(value_sets.read_text(encoding="utf-8").replace(
        "codes = [", "codes = [1, ", 1), encoding="utf-8")
    _forget()
    cached_run = _error_lines("hie-adt", profiles)
    monkeypatch.setenv(NO_CACHE_ENV, "1")
    _forget()
    assert cached_run == _error_lines("hie-adt", profiles)
    assert "value_sets.toml" in cached_run[0]
    assert len(_entries(tmp_path)) == 1  # the broken files left nothing in the cache


def test_a_day_the_cached_version_does_not_cover_is_loaded_again(profiles: Path) -> None:
    load_requirements("hie-adt", profiles, DAY)  # cached: the version in force since 2022
    _forget()
    lines = _error_lines("hie-adt", profiles, date(2001, 1, 1))
    assert "is not in force on 2001-01-01" in lines[0]


def test_a_damaged_or_foreign_entry_is_a_miss(profiles: Path, tmp_path: Path) -> None:
    want = load_requirements("hie-adt", profiles, DAY)
    (entry,) = _entries(tmp_path)
    for damage in (entry.read_bytes()[:-7], b"not a cache file", b""):
        entry.write_bytes(damage)
        _forget()
        assert load_requirements("hie-adt", profiles, DAY) == want
    cache = ProfileCache(tmp_path / "cache")
    key = entry.stem
    cache.put(key, ("a tuple", "of the wrong", "things"))  # a valid file of another shape
    _forget()
    assert load_requirements("hie-adt", profiles, DAY) == want


def test_the_timing_rules_come_from_the_cache_while_the_file_is_unchanged(
    profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = timing.load_timing_rules(profiles)
    loaded = timing_file.load_timing_file(profiles / "messages" / "timing.toml")
    assert first.min_precision_digits == loaded.min_precision_digits
    assert [(list(r.message_types), list(r.fields)) for r in first.event_time] == [
        (r.message_types, r.fields) for r in loaded.event_time]
    _forget()
    monkeypatch.setattr(timing_file, "load_timing_file", _no_loading)
    assert timing.load_timing_rules(profiles) == first


def test_a_broken_timing_file_is_said_with_or_without_the_cache(
    profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    timing.load_timing_rules(profiles)
    path = profiles / "messages" / "timing.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "min_precision_digits = ", "min_precision_digits = 99 # ", 1), encoding="utf-8")
    _forget()
    with pytest.raises(InputError) as cached:
        timing.load_timing_rules(profiles)
    monkeypatch.setenv(NO_CACHE_ENV, "1")
    _forget()
    with pytest.raises(InputError) as plain:
        timing.load_timing_rules(profiles)
    assert cached.value.lines() == plain.value.lines()


_PROBE = """
import contextlib, io, sys
from hiecheck.cli import run
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = run(sys.argv[1:])
loaded = [m for m in ("hiecheck.hl7.requirement_files", "hiecheck.hl7.timing_file", "hl7apy")
          if m in sys.modules]
print(code, loaded, len(out.getvalue()))
"""


def _probe(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", _PROBE, *argv], env=env, capture_output=True,
                          text=True, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_warm_one_file_validate_loads_no_profile_file(tmp_path: Path, fmt: str) -> None:
    """The first run loads and validates the profiles and reads hl7apy; the next ones find
    them in the cache and write the same report; with the cache off every run loads them."""
    env = {k: v for k, v in os.environ.items() if k != NO_CACHE_ENV}
    env["HIECHECK_CACHE_DIR"] = str(tmp_path / "cache")
    argv = ["validate", str(SAMPLE), "--quiet", "--format", fmt]
    first, second = _probe(argv, env), _probe(argv, env)
    both = "['hiecheck.hl7.requirement_files', 'hiecheck.hl7.timing_file', 'hl7apy']"
    assert first.startswith(f"0 {both} ")
    assert second.startswith("0 [] ") and second.split()[-1] == first.split()[-1]
    assert _probe(argv, dict(env, **{NO_CACHE_ENV: "1"})).startswith(f"0 {both} ")


def test_hl7apy_results_read_back_are_the_results_computed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Segment checks and structures kept on disk are equal to those hl7apy gives, and hold
    the very GAP object the checks compare by identity."""
    monkeypatch.setenv("HIECHECK_CACHE_DIR", str(tmp_path))
    modules = ("reference.py", "tables.py")
    segment_spec = reference.segment_spec.__wrapped__  # type: ignore[attr-defined]
    structure = reference.compile_structure.__wrapped__  # type: ignore[attr-defined]
    wanted = {("segment_spec", s): segment_spec("2.8", s) for s in ("MSH", "PID", "EVN", "OBX")}
    wanted[("compile_structure", "ORU_R01")] = structure("2.8", "ORU_R01")
    first = KeptResults(modules, {"GAP": reference.GAP})
    for key, value in wanted.items():
        assert first.get("2.8", key, lambda value=value: value) is value  # type: ignore[misc]
    first.flush()
    again = KeptResults(modules, {"GAP": reference.GAP})
    for key, value in wanted.items():
        assert again.get("2.8", key, _no_loading) == value
    pid = again.get("2.8", ("segment_spec", "PID"), _no_loading)
    assert isinstance(pid, reference.SegmentSpec)
    gaps = [c for c in pid.checks if c == reference.GAP]
    assert gaps and all(c is reference.GAP for c in gaps)  # PID-2 … withdrawn in 2.8
    assert KeptResults(modules).get("2.8", ("segment_spec", "PID"), lambda: "computed") == (
        "computed")  # a reader without the GAP name cannot read the file back: a miss


def test_each_version_has_its_own_file_and_the_shared_key_is_worked_out_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HIECHECK_CACHE_DIR", str(tmp_path))
    kept = KeptResults(("reference.py", "tables.py"))
    calls: list[None] = []
    work_out = kept._work_out_base

    def counted() -> object:
        calls.append(None)
        return work_out()

    monkeypatch.setattr(kept, "_work_out_base", counted)
    files = {v: kept._file(v) for v in ("2.3", "2.5.1", "2.8")}
    assert len(set(files.values())) == 3 and None not in files.values()
    assert len(calls) == 1  # our modules' bytes are read once, not once per version
    other = KeptResults(("reference.py",))  # other modules: other keys
    assert other._file("2.5.1") != files["2.5.1"]

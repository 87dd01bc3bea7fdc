"""The on-disk cache of compiled checking expressions (hiecheck.hl7.cache): the same findings
with and without it, whatever state its files are in, and safe when several runs share it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hiecheck.hl7.cache import PatternCache, default_cache_dir, open_cache
from hiecheck.hl7.requirements import load_requirements
from hiecheck.hl7.validate import Event, default_checks, validate_paths

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_messages"
SETS = ("hie-adt", "pcplus-tier3", "none")


def _hl7_files(corpus_dir: Path) -> list[Path]:
    files = sorted(p for p in corpus_dir.rglob("*.hl7") if p.is_file())
    files += sorted(SAMPLES.rglob("*.hl7"))
    assert len(files) > 40
    return files


def _run(files: list[Path], set_id: str, patterns: object) -> list[Event]:
    checks = default_checks(load_requirements(set_id), patterns=patterns)  # type: ignore[arg-type]
    return list(validate_paths([str(f) for f in files], checks))


def test_cached_and_uncached_runs_give_identical_results(
    corpus_dir: Path, tmp_path: Path
) -> None:
    """Corpus and sample_messages, three requirement sets: plain re.compile, a cold cache
    (compiles and writes) and a warm one (a new cache object reading only files) give equal
    events, finding for finding."""
    files = _hl7_files(corpus_dir)
    for set_id in SETS:
        plain = _run(files, set_id, re.compile)
        cold = PatternCache(tmp_path)
        assert _run(files, set_id, cold) == plain
        warm = PatternCache(tmp_path)
        assert _run(files, set_id, warm) == plain
        assert warm.misses == 0 and warm.hits > 0, set_id  # every expression came from disk
    assert not list(tmp_path.rglob(".tmp-*"))  # no temporary file left behind


def test_a_cached_pattern_is_the_pattern_re_compiles(tmp_path: Path) -> None:
    sources = [r"(?P<a>x+)(?:\|[^|~]*)?+", r"a(?=b)[^|\^~&]{0,199}+", r"(\d{4})(?:-(\d\d))?"]
    PatternCache(tmp_path)  # nothing written yet
    for source in sources:
        PatternCache(tmp_path)(source)
    cache = PatternCache(tmp_path)
    for source in sources:
        got, want = cache(source), re.compile(source)
        assert (got.pattern, got.flags, got.groups, got.groupindex) == (
            want.pattern, want.flags, want.groups, want.groupindex)
        for text in ("xx|ab", "abc", "2026-01", "", "a|b~c"):
            assert [m.span() for m in got.finditer(text)] == [m.span() for m in want.finditer(text)]
    assert cache.hits == len(sources) and cache.misses == 0


def _damage(path: Path, how: str, other: bytes) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flipped":
        path.write_bytes(data[:-3] + bytes([data[-3] ^ 0x55]) + data[-2:])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(os.urandom(300))
    elif how == "foreign":  # a whole, valid file of another expression under this name
        path.write_bytes(other)
    elif how == "folder":
        path.unlink()
        path.mkdir()


@pytest.mark.parametrize("how", ["truncated", "flipped", "empty", "garbage", "foreign", "folder"])
def test_a_damaged_cache_file_is_ignored_and_rebuilt(
    corpus_dir: Path, tmp_path: Path, how: str
) -> None:
    files = _hl7_files(corpus_dir)[:12]
    plain = _run(files, "pcplus-tier3", re.compile)
    _run(files, "pcplus-tier3", PatternCache(tmp_path))
    entries = sorted(tmp_path.rglob("*.re"))
    assert len(entries) > 2
    originals = [entry.read_bytes() for entry in entries]
    for i, entry in enumerate(entries):
        _damage(entry, how, originals[i - 1])
    damaged = PatternCache(tmp_path)
    assert _run(files, "pcplus-tier3", damaged) == plain  # never a crash, the same findings
    assert damaged.hits == 0
    if how != "folder":  # rewritten: the next run reads them all
        again = PatternCache(tmp_path)
        assert _run(files, "pcplus-tier3", again) == plain
        assert again.misses == 0


def test_an_unwritable_cache_folder_means_no_cache(corpus_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be\n")
    files = _hl7_files(corpus_dir)[:8]
    cache = PatternCache(blocker)
    assert _run(files, "hie-adt", cache) == _run(files, "hie-adt", re.compile)
    assert cache.hits == 0 and cache.misses > 0
    assert blocker.is_file()


def test_the_cache_folder_comes_from_the_environment(tmp_path: Path) -> None:
    assert default_cache_dir({"HIECHECK_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert default_cache_dir({"XDG_CACHE_HOME": "/x/cache", "HOME": "/h"}) == Path(
        "/x/cache/hiecheck")
    assert default_cache_dir({"XDG_CACHE_HOME": "relative", "HOME": "/h"}) == Path(
        "/h/.cache/hiecheck")
    assert default_cache_dir({"HOME": "/h"}) == Path("/h/.cache/hiecheck")
    assert default_cache_dir({}) is None
    for off in ("1", "yes"):
        assert default_cache_dir({"HIECHECK_NO_CACHE": off, "HIECHECK_CACHE_DIR": "/c"}) is None
    assert default_cache_dir({"HIECHECK_NO_CACHE": "0", "HIECHECK_CACHE_DIR": "/c"}) == Path("/c")
    assert open_cache({"HIECHECK_NO_CACHE": "1"}) is re.compile
    assert isinstance(open_cache({"HIECHECK_CACHE_DIR": str(tmp_path)}), PatternCache)


def _validate_process(files: list[Path], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hiecheck", "validate", *map(str, files), "--format", "json",
         "--quiet", "-r", "pcplus-tier3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def test_concurrent_runs_share_one_cache_safely(corpus_dir: Path, tmp_path: Path) -> None:
    """Four command lines start at once on one empty cache folder (all write the same files),
    with different hash seeds; each report equals the report without cache, and afterwards
    every file is whole (a new run reads every expression from disk)."""
    files = _hl7_files(corpus_dir)
    base = {k: v for k, v in os.environ.items() if k != "HIECHECK_PROFILES"}
    plain = _validate_process(files, dict(base, HIECHECK_NO_CACHE="1")).communicate()
    folder = tmp_path / "shared-cache"
    runs = [
        _validate_process(files, dict(base, HIECHECK_CACHE_DIR=str(folder),
                                      PYTHONHASHSEED=str(seed)))
        for seed in range(4)
    ]
    results = [run.communicate() for run in runs]
    assert all(run.returncode == runs[0].returncode for run in runs)
    for out, err in results:
        assert (out, err) == plain
    assert not list(folder.rglob(".tmp-*"))
    warm = PatternCache(folder)
    assert _run(files, "pcplus-tier3", warm) == _run(files, "pcplus-tier3", re.compile)
    assert warm.misses == 0 and warm.hits > 0


def test_the_command_line_uses_and_honours_the_cache_settings(
    tmp_path: Path, corpus_dir: Path
) -> None:
    files = _hl7_files(corpus_dir)[:3]
    base = {k: v for k, v in os.environ.items() if k != "HIECHECK_PROFILES"}
    used = tmp_path / "used"
    off = tmp_path / "off"
    first = _validate_process(files, dict(base, HIECHECK_CACHE_DIR=str(used))).communicate()
    assert list(used.rglob("*.re"))
    second = _validate_process(
        files, dict(base, HIECHECK_CACHE_DIR=str(off), HIECHECK_NO_CACHE="1")).communicate()
    assert not off.exists()
    assert first == second


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and modes")
def test_entries_someone_else_could_write_are_not_trusted(
    corpus_dir: Path, tmp_path: Path
) -> None:
    """Entries are unpickled or turned into engine code: one writable by the group or others is
    a miss (rebuilt), never loaded; the folder hiecheck makes is the user's alone."""
    files = _hl7_files(corpus_dir)[:6]
    folder = tmp_path / "cache"
    plain = _run(files, "hie-adt", re.compile)
    _run(files, "hie-adt", PatternCache(folder))
    assert (folder.stat().st_mode & 0o777) == 0o700
    entries = sorted(folder.rglob("*.re"))
    assert entries and all((e.stat().st_mode & 0o077) == 0 for e in entries)
    for entry in entries:
        entry.chmod(0o664)
    doubted = PatternCache(folder)
    assert _run(files, "hie-adt", doubted) == plain
    assert doubted.hits == 0


def test_an_entry_holds_the_engine_code_not_the_expression(tmp_path: Path) -> None:
    """An entry is named and checked by the digest of its expression and keeps only the
    engine's code: the expressions are long (a trie per coded table) and another copy of each
    was most of what a first batch read and hashed. Entries of another record format live in
    a folder of their own, so two hiecheck versions sharing a cache folder do not take turns
    replacing each other's."""
    source = "(?:" + "|".join(f"CODE{i:04d}" for i in range(400)) + r")\|[^|]*"
    cache = PatternCache(tmp_path)
    pattern = cache(source)
    assert pattern.fullmatch("CODE0399|x") and not pattern.fullmatch("CODE0400|x")
    (entry,) = tmp_path.rglob("*.re")
    assert b"CODE0399" not in entry.read_bytes()
    assert entry.parent.name.endswith("-2")
    again = PatternCache(tmp_path)
    assert again(source).fullmatch("CODE0001|") and again.hits == 1
    body = entry.read_bytes()
    entry.write_bytes(b"hiecheck-re-1\n" + body[len(b"hiecheck-re-2\n"):])  # the old format
    old = PatternCache(tmp_path)
    assert old(source).fullmatch("CODE0001|") and (old.hits, old.misses) == (0, 1)
    assert entry.read_bytes() == body  # rewritten in this format

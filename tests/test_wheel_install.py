"""The wheel works wherever it is installed: built offline, installed with ``pip install
--target`` into a fresh folder (and zipped), ``hiecheck check`` there finds its bundled profiles
and gives the checkout's report. The wheel carries py.typed and no developer tools."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "sample_messages" / "example-family-practice.toml"
CHECK = ("check", "example-family-practice.toml", "--as-of", "2025-06-01", "--format", "json")


def _pip(*args: str, cwd: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", *args], cwd=cwd, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _hiecheck(pythonpath: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HIECHECK_PROFILES"}
    env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the sources (nothing is written into the checkout, and no
    stale build folder can leak into it)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    out = tmp_path_factory.mktemp("wheel")
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(out),
         str(source), cwd=out)
    (found,) = out.glob("hiecheck-*.whl")
    return found


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the checkout with the bundled example organization and its messages."""
    folder = tmp_path_factory.mktemp("work")
    shutil.copy(EXAMPLE, folder)
    shutil.copytree(EXAMPLE.with_suffix(""), folder / EXAMPLE.stem)
    return folder


def test_wheel_has_py_typed_and_no_developer_tools(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "hiecheck/py.typed" in names
    assert "hiecheck/profiles/programs/pcplus.toml" in names
    assert not [n for n in names if "generate_" in n or n.startswith("tools/")]


def test_check_runs_from_a_target_install(wheel: Path, work: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    _pip("install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel),
         cwd=tmp_path)
    where = _hiecheck(target, work, "-c", "import hiecheck; print(hiecheck.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(target), where.stdout + where.stderr
    installed = _hiecheck(target, work, "-m", "hiecheck", *CHECK)
    checkout = _hiecheck(ROOT / "src", work, "-m", "hiecheck", *CHECK)
    assert installed.returncode == 1, installed.stderr  # the example has unmet requirements
    assert installed.stdout == checkout.stdout
    version = _hiecheck(target, work, "-m", "hiecheck", "--version")
    assert version.stdout.strip() == "hiecheck 0.1.0", version.stdout + version.stderr


def test_check_runs_from_a_zip(wheel: Path, work: Path, tmp_path: Path) -> None:
    """Imported from a zip, the profiles are read through importlib.resources (no real files)."""
    archive = tmp_path / "hiecheck.zip"
    shutil.copy(wheel, archive)  # a wheel is a zip with the package at its top
    zipped = _hiecheck(archive, work, "-m", "hiecheck", *CHECK)
    checkout = _hiecheck(ROOT / "src", work, "-m", "hiecheck", *CHECK)
    assert zipped.returncode == 1, zipped.stderr
    assert zipped.stdout == checkout.stdout


def test_measure_profiles_load_from_a_zip(wheel: Path, work: Path, tmp_path: Path) -> None:
    """`hiecheck measure cbp` from the zip: measure profiles, value sets and SQL are read through
    importlib.resources as well (hiecheck.versioned), and give the checkout's result."""
    archive = tmp_path / "hiecheck.zip"
    shutil.copy(wheel, archive)
    args = ("-m", "hiecheck", "measure", "cbp", EXAMPLE.stem, "--format", "json")
    zipped = _hiecheck(archive, work, *args)
    checkout = _hiecheck(ROOT / "src", work, *args)
    assert zipped.returncode == 0, zipped.stderr
    assert '"measure": "cbp"' in zipped.stdout
    assert zipped.stdout == checkout.stdout

"""Bad input lists every problem found in one run, one line each (issue 10: "TOML errors say
'(and 1 more problem)' without showing it"), at most errors.MAX_PROBLEMS lines, exit 2."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from hiecheck.errors import MAX_PROBLEMS, InputError
from hiecheck.programs.profile_loader import load_profiles

ROOT = Path(__file__).resolve().parents[2]
Cli = Callable[..., subprocess.CompletedProcess[str]]


def _errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith("hiecheck: error: ") for line in lines), lines
    return [line.removeprefix("hiecheck: error: ") for line in lines]


def test_every_problem_of_an_organization_file(cli: Cli, tmp_path: Path) -> None:
    org = tmp_path / "org.toml"
    org.write_text(
        'name = "X"\ncolour = "red"\n[[enrollment]]\nprogram = "ohh"\ncontract = "gold"\n'
        '[[enrollment]]\nprogram = "aco"\n[hie]\nparticipant = "yes"\n'
        'interfaces = [{ kind = "adt", content = ["allergies"] }]\n',
        encoding="utf-8",
    )
    lines = _errors(cli("check", str(org), "--as-of", "2025-06-01"))
    assert sorted(line.split(": ", 1)[0] for line in lines) == [  # every key pydantic rejects
        f"{org}:colour",
        f"{org}:hie.interfaces[1].content[1]",
        f"{org}:hie.participant",
    ]
    org.write_text(org.read_text(encoding="utf-8").replace('colour = "red"\n', "").replace(
        'participant = "yes"', "participant = true").replace('"allergies"', '"vital_signs"'),
        encoding="utf-8")
    lines = _errors(cli("check", str(org), "--as-of", "2025-06-01"))
    assert [line.split(": ", 1)[0] for line in lines] == [  # then every enrollment's
        f"{org}:enrollment[1].contract",
        f"{org}:enrollment[2].program",
    ]
    assert "invalid contract \"gold\" for program 'ohh' (expected" in lines[0]


def test_problems_beyond_the_cap_are_counted(cli: Cli, tmp_path: Path) -> None:
    org = tmp_path / "org.toml"
    extra = "".join(f"key{n} = 1\n" for n in range(MAX_PROBLEMS + 5))
    org.write_text(f'name = "X"\n{extra}[[enrollment]]\nprogram = "ac"\n', encoding="utf-8")
    lines = _errors(cli("check", str(org)))
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[-1] == f"{org}: and 5 more problems (fix the ones above first)"


def test_every_problem_of_every_profile_file(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    shutil.copytree(ROOT / "src" / "hiecheck" / "profiles", folder)
    for name, key in (("ac.toml", "surprise"), ("bhh.toml", "unexpected")):
        path = folder / "programs" / name
        path.write_text(f'{key} = "x"\n' + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profiles(folder, date(2025, 1, 1))
    assert [line.split(": ")[0].rsplit("/", 1)[-1] for line in err.value.lines()] == [
        "ac.toml:surprise",
        "bhh.toml:unexpected",
    ]

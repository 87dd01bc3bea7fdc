"""The command line imports only the area of the command it runs (a one-file ``validate`` in CI
must not pay for DuckDB, FastAPI or the program models), and still lists every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hiecheck.cli import AREAS, make_app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_messages" / "example-family-practice" / "adt-2026-10-05.hl7"
NOT_FOR_VALIDATE = (
    "duckdb", "fastapi", "uvicorn", "jinja2", "hl7apy.parser", "hiecheck.check",
    "hiecheck.programs", "hiecheck.p4p", "hiecheck.measures", "hiecheck.web",
    "hiecheck.portfolio", "hiecheck.evidence",
)


def _modules_after(*argv: str) -> set[str]:
    code = (
        "import sys, contextlib, io\n"
        "from hiecheck.cli import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = run({list(argv)!r})\n"
        "print(code)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    lines = done.stdout.splitlines()
    assert lines[0] == "0", done.stderr
    return set(lines[1:])


def test_validate_imports_no_other_area() -> None:
    loaded = _modules_after("validate", str(SAMPLE), "--quiet")
    assert "hiecheck.hl7.validate" in loaded
    heavy = sorted(m for m in loaded if m.startswith(NOT_FOR_VALIDATE))
    assert heavy == []


def test_every_command_is_in_one_area_and_the_help_lists_them_all() -> None:
    names = [name for names, _ in AREAS for name in names]
    assert len(names) == len(set(names))
    full = make_app(["--help"])
    listed = {c.name for c in full.registered_commands} | {
        g.name or (g.typer_instance.info.name if g.typer_instance else None)
        for g in full.registered_groups
    }
    assert set(names) <= listed
    only = make_app(["validate", "x.hl7"])
    assert {c.name for c in only.registered_commands} == {"validate", "rules"}
    assert not only.registered_groups

"""Regression tests for the defect classes the issue-10 fuzz campaign (``bench/fuzz.py``) found,
one test per class, each named after it."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from hiecheck.cli import run


def _run(argv: list[str], encoding: str) -> tuple[int, str, str]:
    out = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict", write_through=True)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    texts = []
    for stream in (out, err):
        buffer = stream.buffer
        assert isinstance(buffer, io.BytesIO)
        texts.append(buffer.getvalue().decode(encoding))
    return int(code), texts[0], texts[1]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "ascii"])
@pytest.mark.parametrize("args", [[], ["read"], ["field.too-long"], ["-f", "markdown"],
                                  ["-f", "json"]])
def test_class_rules_on_a_non_utf8_console(args: list[str], encoding: str) -> None:
    """`hiecheck rules` printed `…` and `—` straight to the console: exit 3 on cp1252/latin-1.
    Now plain stand-ins (text, markdown) or exact ASCII escapes (json)."""
    code, out, err = _run(["rules", *args], encoding)
    assert (code, err) == (0, "")
    assert "read." in out or "field." in out
    if "json" in args:
        assert "\\u2026" in out or out.isascii()


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_class_messages_folder_name_too_long(tmp_path: Path, fmt: str) -> None:
    """An organization file whose `messages` names a path the file system refuses to look up
    (ENAMETOOLONG: `Path.is_dir` raises instead of answering False) was exit 3, alone and in a
    portfolio. Now one line naming the key and the reason, exit 2; the name is shortened."""
    org = tmp_path / "org.toml"
    org.write_text(f'name = "X"\nmessages = "{"x" * 5000}"\n\n[[enrollment]]\nprogram = "ac"\n')
    code, _, err = _run(["check", str(org), "-f", fmt, "--quiet"], "utf-8")
    assert code == 2 and err.count("\n") == 1, err
    assert "org.toml:messages: messages folder" in err and "cannot be read" in err
    assert len(err) < 400
    code, _, err = _run(["check", str(tmp_path), "-f", fmt, "--quiet"], "utf-8")
    assert code == 2 and "internal error" not in err, err

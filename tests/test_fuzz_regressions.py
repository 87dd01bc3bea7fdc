"""Regression tests for the defect classes the issue-10 fuzz campaign (``bench/fuzz.py``) found,
one test per class, each named after it."""

from __future__ import annotations

import contextlib
import io

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

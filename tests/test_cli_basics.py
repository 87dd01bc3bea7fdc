"""Root command behaviour shared by every area: version, error lines and exit codes."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from hiecheck.cli_support import byte_progress
from hiecheck.errors import ExitCode, InputError
from hiecheck.hl7.reader import expand_sources
from hiecheck.tomlfile import load_model


def test_version_prints_and_exits_zero(cli: CliRun) -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("hiecheck ")


def test_input_error_is_one_line_naming_file_and_location() -> None:
    err = InputError("org.toml", "unknown key", location="enrollment[2].tier", expected="a number")
    assert err.one_line() == "org.toml:enrollment[2].tier: unknown key (expected a number)"
    assert "\n" not in err.one_line()


def test_exit_codes_are_stable() -> None:
    assert (ExitCode.OK, ExitCode.FINDINGS, ExitCode.BAD_INPUT, ExitCode.INTERNAL) == (0, 1, 2, 3)


CliRun = Callable[..., subprocess.CompletedProcess[str]]


class _Demo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    count: int = 0


def test_load_model_names_malformed_toml_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\ncount = = 3\n')
    try:
        load_model(path, _Demo)
    except InputError as exc:
        assert exc.source == str(path)
        assert "line 2" in (exc.location or "")
    else:
        raise AssertionError("malformed TOML must raise InputError")


def test_load_model_names_unknown_key(tmp_path: Path) -> None:
    path = tmp_path / "extra.toml"
    path.write_text('name = "x"\ncolour = "red"\n')
    try:
        load_model(path, _Demo)
    except InputError as exc:
        assert exc.location == "colour"
        assert exc.problem == "unknown key"
    else:
        raise AssertionError("unknown key must raise InputError")


def test_unwritable_output_is_bad_input_not_a_traceback(tmp_path: Path, cli: CliRun) -> None:
    target = str(tmp_path / "missing-folder" / "report.out")
    root = Path(__file__).resolve().parents[1]
    for args in (
        ("validate", str(root / "sample_messages" / "sets" / "tier2-complete"), "-o", target),
        ("check", str(root / "sample_messages" / "example-family-practice.toml"), "-o", target),
    ):
        result = cli(*args)
        assert result.returncode == ExitCode.BAD_INPUT, result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert "cannot write the report" in result.stderr and "--output" in result.stderr


def test_bad_as_of_date_names_the_option(cli: CliRun) -> None:
    result = cli("programs", "--as-of", "2026-13-45")
    assert result.returncode == ExitCode.BAD_INPUT
    assert result.stderr.strip() == (
        "hiecheck: error: --as-of: '2026-13-45' is not a date (expected YYYY-MM-DD)"
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal_and_not_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long runs show a progress bar of bytes read on stderr, off when stderr is not a terminal
    or with --quiet (validate and check --messages share it)."""
    data = tmp_path / "feed.hl7"
    data.write_bytes(b"MSH|^~\\&|A\r" * 100)
    sources = expand_sources([str(data)])
    with ExitStack() as stack:
        assert byte_progress(sources, False, stack, "reading") is None  # stderr: a pipe
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with ExitStack() as stack:
        assert byte_progress(sources, True, stack, "reading") is None
        advance = byte_progress(sources, False, stack, "reading")
        assert advance is not None
        advance(data.stat().st_size)
    assert "reading" in screen.getvalue()


def test_check_accepts_quiet(cli: CliRun) -> None:
    root = Path(__file__).resolve().parents[1]
    result = cli("check", str(root / "sample_messages/example-family-practice.toml"), "-q",
                 "--messages", str(root / "sample_messages/sets/tier2-complete"), cwd=root)
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == ""



@pytest.mark.parametrize("command", [["listen"], ["check"], ["validate"], ["p4p", "pcmh"],
                                     ["measure", "bhh"], ["serve"]])
def test_help_at_80_columns_is_plain_wrapped_text(command: list[str]) -> None:
    """Plain ASCII help, paragraphs rewrapped to the width (no half-line left where the
    docstring's source broke), options named by what they take, flags by nothing."""
    import os

    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run([sys.executable, "-m", "hiecheck", *command, "--help"], env=env,
                         capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert out.isascii() and max(map(len, lines)) <= 80
    assert "Options:" in lines and "<bool>" not in out and "<str>" not in out.split("Options:")[1]
    # each paragraph of the text above the options is filled: only its last line is short
    text = out.split("\nArguments:")[0].split("\nOptions:")[0].split("\n\n")[1:]
    for paragraph in text:
        rows = paragraph.splitlines()
        assert all(len(row) > 60 for row in rows[:-1]), paragraph


def test_a_choice_not_offered_is_one_plain_line(cli: CliRun) -> None:
    result = cli("check", "--format", "foo", "x.toml")
    assert result.returncode == 2
    assert result.stderr == (
        "hiecheck: error: Invalid value for '--format' / '-f': 'foo' is not one of 'table', "
        "'json', 'markdown', 'html', 'csv'. (see hiecheck check --help)\n")

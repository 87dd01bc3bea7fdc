"""The `hiecheck p4p` commands end to end: formats, 80 columns, consoles, inputs and outputs."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hiecheck.p4p.models import BhhDocument, OhhDocument, PcmhDocument

from .conftest import ROOT

FORMATS = ["table", "json", "csv", "markdown", "html"]


def run(*args: str, stdin: bytes | None = None, **env: str) -> subprocess.CompletedProcess[bytes]:
    """``python -m hiecheck ARGS`` with bytes out (so a console encoding can be checked)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("HIECHECK_PROFILES", "COLUMNS")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "hiecheck", *args], input=stdin, capture_output=True, cwd=ROOT,
        env=environ, check=False,
    )


def text(result: subprocess.CompletedProcess[bytes]) -> tuple[str, str]:
    return result.stdout.decode("utf-8"), result.stderr.decode("utf-8")


def commands(data_dir: Path) -> dict[str, list[str]]:
    return {
        "ohh": ["p4p", "ohh", str(data_dir / "ohh.csv"), "--as-of", "2023-01-01"],
        "bhh": ["p4p", "bhh", str(data_dir / "bhh.csv"), "--as-of", "2023-01-01"],
        "pcmh": ["p4p", "pcmh", str(data_dir / "pcmh-2019.csv"), "--payment-year", "2020",
                 "--previous", str(data_dir / "pcmh-2018.csv")],
    }


def test_ohh_json_is_the_report_model(data_dir: Path) -> None:
    result = run(*commands(data_dir)["ohh"], "--format", "json")
    out, err = text(result)
    assert result.returncode == 0, err
    report = OhhDocument.model_validate_json(out)
    assert report.composite_method == "pooled" and report.profile.version == "2022.08-initial"
    by_id = {p.provider_id: p for p in report.providers}
    assert by_id["OHH-A"].status == "meets-minimum" and by_id["OHH-A"].withhold_released == 10000
    assert by_id["OHH-B"].withhold_kept == 7200 and report.bonus_pool == 12000
    assert by_id["OHH-C"].bonus_share == 12000
    assert "only 4 providers in this file" in err  # the caution, on stderr for json


def test_bhh_and_pcmh_json_validate(data_dir: Path) -> None:
    out, _ = text(run(*commands(data_dir)["bhh"], "-f", "json"))
    assert BhhDocument.model_validate_json(out).counts == {"meets": 2, "below": 1,
                                                           "not-scored": 0}
    out, _ = text(run(*commands(data_dir)["pcmh"], "-f", "json"))
    pcmh = PcmhDocument.model_validate_json(out)
    assert pcmh.practices[0].performance_payment == 4320  # 58.33 → 51st – 75th: .30 × 12 × 1200
    assert pcmh.practices[0].improvement.payment == 7344  # 155 vs 120: 29.2% → .51 × 12 × 1200


@pytest.mark.parametrize("program", ["ohh", "bhh", "pcmh"])
def test_table_fits_80_columns_and_shows_dollars(program: str, data_dir: Path) -> None:
    result = run(*commands(data_dir)[program], COLUMNS="80")
    out, err = text(result)
    assert result.returncode == 0, err
    for line in out.splitlines():
        assert len(line) <= 80 or " " not in line.strip(), line
    assert re.search(r"\$\d{1,3}(,\d{3})+\.\d\d", out)  # amounts as $1,234.56
    assert "add --explain" in " ".join(out.split()) and "“" not in out  # readings: one line


def test_a_narrow_terminal_never_cuts_words_or_numbers(data_dir: Path) -> None:
    out, _ = text(run(*commands(data_dir)["ohh"], COLUMNS="40"))
    words = " ".join(out.split())
    assert "continuity_pharmacotherapy_oud 40/100 (40.00%)" in words
    assert "$250,000.00" in words and "below minimum" in out


def test_explain_shows_every_reading_with_its_seed_sentence(data_dir: Path) -> None:
    out, _ = text(run(*commands(data_dir)["pcmh"], "--explain", COLUMNS="100"))
    flat = " ".join(out.split())
    assert "table-a-rounding:" in flat and "percentile-peers:" in flat
    assert "reads: “The raw score is converted to a percentile relative to the other PCMH" in flat


@pytest.mark.parametrize("program", ["ohh", "bhh", "pcmh"])
def test_markdown_and_html_have_one_letter_per_provider(program: str, data_dir: Path) -> None:
    count = {"ohh": 4, "bhh": 3, "pcmh": 4}[program]
    md, _ = text(run(*commands(data_dir)[program], "-f", "markdown"))
    assert md.count("\n### `") == count and "## Program summary" in md
    assert md.count("**What it earned or lost.**") == count
    assert md.count("**What would change it.**") == count and "Reads: “" in md
    page, _ = text(run(*commands(data_dir)[program], "-f", "html"))
    assert page.startswith("<!DOCTYPE html>") and page.count('<section class="letter"') == count
    assert "<h2>Program summary</h2>" in page
    if program == "pcmh":
        assert "&lt;25th percentile" in page  # text is escaped


def test_csv_has_what_ifs_in_columns(data_dir: Path) -> None:
    out, _ = text(run(*commands(data_dir)["bhh"], "-f", "csv"))
    rows = {r["provider_id"]: r for r in csv.DictReader(io.StringIO(out))}
    south = rows["BHH-South"]
    assert (south["status"], south["recoupment"]) == ("below", "9800.00")
    assert (south["members_to_threshold"], south["recoupment_avoided"]) == ("10", "9800.00")
    assert rows["BHH-East"]["recoupment"] == "0.00"


def inproc(
    monkeypatch: pytest.MonkeyPatch, args: list[str], encoding: str
) -> tuple[int, bytes, bytes]:
    """The command line in this process (``hiecheck.cli.run``), on a console of ``encoding``
    that fails on any character it cannot encode."""
    from hiecheck.cli import run as run_cli

    out = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict", write_through=True)
    with monkeypatch.context() as m:
        m.setattr(sys, "stdout", out)
        m.setattr(sys, "stderr", err)
        m.delenv("HIECHECK_PROFILES", raising=False)
        code = run_cli(args)
    return code, out.buffer.getvalue(), err.buffer.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "ascii"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_console_that_is_not_utf8_gets_plain_characters(
    encoding: str, fmt: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10: cp1252 (Windows) or latin-1 consoles crashed the p4p outputs."""
    for program, args in commands(data_dir).items():
        code, out, err = inproc(monkeypatch, [*args, "-f", fmt, "--explain"], encoding)
        assert code == 0, (program, err)
        shown = out.decode(encoding)  # every character is one this console has
        assert shown, program
        if encoding == "ascii" and program == "pcmh" and fmt not in ("json", "html"):
            assert "51st - 75th" in shown  # a plain stand-in for the dash
        if fmt == "json":
            json.loads(shown)  # escapes keep it lossless


def test_a_cp1252_console_as_a_real_process(data_dir: Path) -> None:
    result = run(*commands(data_dir)["pcmh"], "--explain", PYTHONIOENCODING="cp1252")
    assert result.returncode == 0, result.stderr
    assert "51st – 75th percentile" in result.stdout.decode("cp1252")  # cp1252 has the dash


def test_text_from_a_file_is_never_markup(write_csv) -> None:  # type: ignore[no-untyped-def]
    path = write_csv("provider_id,numerator,denominator\n[red]x,1,2\n[/foo],1,2\n")
    result = run("p4p", "bhh", str(path))
    _, err = text(result)
    assert result.returncode == 2
    assert err.splitlines() == [
        f"hiecheck: error: {path}:row 2: provider_id: '[red]x' has unexpected characters "
        "(expected letters, digits, '_', '-', '.')",
        f"hiecheck: error: {path}:row 3: provider_id: '[/foo]' has unexpected characters "
        "(expected letters, digits, '_', '-', '.')",
    ]


def test_standard_input(data_dir: Path) -> None:
    data = (data_dir / "bhh.csv").read_bytes()
    result = run("p4p", "bhh", "-", "-f", "csv", stdin=data)
    out, err = text(result)
    assert result.returncode == 0, err
    assert len(list(csv.DictReader(io.StringIO(out)))) == 3
    both = run("p4p", "pcmh", "-", "--previous", "-", "--payment-year", "2020", stdin=data)
    assert both.returncode == 2 and b"standard input can be read only once" in both.stderr


def test_dev_zero_stops_with_one_line() -> None:
    """Issue 10: `p4p bhh /dev/zero` grew to 8-10 GB."""
    result = run("p4p", "bhh", "/dev/zero")
    assert result.returncode == 2
    (line,) = result.stderr.decode().splitlines()
    assert "/dev/zero:row 1: line longer than 65,536 characters" in line


def test_output_file_is_written_and_never_an_input(data_dir: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    assert run(*commands(data_dir)["bhh"], "-f", "markdown", "-o", str(report)).returncode == 0
    assert report.read_text(encoding="utf-8").startswith("# MaineCare Behavioral Health Home")
    source = tmp_path / "bhh.csv"
    source.write_bytes((data_dir / "bhh.csv").read_bytes())
    (tmp_path / "link.csv").symlink_to(source)
    os.link(source, tmp_path / "hard.csv")
    before = source.read_bytes()
    for target in (source, tmp_path / "link.csv", tmp_path / "hard.csv"):
        result = run("p4p", "bhh", str(source), "-o", str(target))
        assert result.returncode == 2
        (line,) = result.stderr.decode().splitlines()
        assert "is the input file" in line and "the report would replace it" in line
        assert source.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_output_that_cannot_be_written_is_one_line(data_dir: Path, tmp_path: Path) -> None:
    full = run(*commands(data_dir)["ohh"], "-o", "/dev/full")
    assert full.returncode == 2
    (line,) = full.stderr.decode().splitlines()
    assert "/dev/full:--output: cannot write the report: No space left on device" in line
    missing = run(*commands(data_dir)["ohh"], "-o", str(tmp_path / "no" / "such" / "r.txt"))
    assert missing.returncode == 2 and len(missing.stderr.decode().splitlines()) == 1


@pytest.mark.parametrize("year", ["-5", "0", "10000", "abc", "2020.5"])
def test_bad_payment_year_is_one_line(year: str, data_dir: Path) -> None:
    """Issue 10: --payment-year -5 | 0 | 10000 were internal errors."""
    result = run("p4p", "pcmh", str(data_dir / "pcmh-2019.csv"), f"--payment-year={year}")
    assert result.returncode == 2
    (line,) = result.stderr.decode().splitlines()
    assert line == (
        f"hiecheck: error: --payment-year: {year!r} is not a year "
        "(expected a year such as 2020 (1 to 9999))"
    )


def test_pcmh_2021_payments_exit_2_with_plain_message(  # type: ignore[no-untyped-def]
    data_dir: Path, seed, seeds_dir: Path
) -> None:
    """Seed 004, ATTENTION: "New methodology for the PCMH Performance-Based Payment program will
    change with payments in 2021 based on the practice’s performance during calendar year
    2020.\""""
    seed(seeds_dir, "004_cf336f47c070f5cf.txt", "New methodology for the PCMH Performance-Based "
         "Payment program will change with payments in 2021")
    result = run("p4p", "pcmh", str(data_dir / "pcmh-2019.csv"), "--payment-year", "2021")
    assert result.returncode == 2 and result.stdout == b""
    (line,) = result.stderr.decode().splitlines()
    assert "no pcmh profile in force on 2021-01-01" in line
    assert "new methodology is not in hiecheck's sources" in line


def test_every_problem_is_a_line(write_csv) -> None:  # type: ignore[no-untyped-def]
    path = write_csv("provider_id,numerator,denominator,bhh_payments\nA,5,4,1\nB,1,2,\"1234,56\"\n")
    result = run("p4p", "bhh", str(path))
    assert result.returncode == 2 and result.stdout == b""
    assert result.stderr.decode().splitlines() == [
        f"hiecheck: error: {path}:row 2: numerator: 5 is greater than the denominator 4 "
        "(expected numerator <= denominator)",
        f"hiecheck: error: {path}:row 3: bhh_payments: '1234,56' is not an amount "
        "(expected dollars and cents such as 1234.56, 1,234.56 or $1,234.56)",
    ]


def test_an_amount_beyond_any_payment_is_a_line_not_an_overflow(write_csv) -> None:  # type: ignore[no-untyped-def]
    """Issue 10 (fuzz case csv-007673): OHH payments of 99999999999999999999 overflowed the
    scorer's 64-bit cents (exit 3); an amount beyond $10,000,000,000 is refused at its cell."""
    rows = "".join(
        f"A,{m},1,2,{'99999999999999999999' if i == 0 else ''}\n" for i, m in enumerate(
            ["continuity_pharmacotherapy_oud", "community_engagement",
             "access_preventive_ambulatory_care"]
        )
    )
    path = write_csv("provider_id,measure,numerator,denominator,ohh_payments\n" + rows)
    result = run("p4p", "ohh", str(path), "--net-payments")
    assert result.returncode == 2 and result.stdout == b""
    assert result.stderr.decode().splitlines() == [
        f"hiecheck: error: {path}:row 2: ohh_payments: '99999999999999999999' is more than any "
        "provider is paid (expected an amount of at most $10,000,000,000)",
    ]


def test_net_payments_option(write_csv) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(
        f"A,{m},1,2,{'96000' if i == 0 else ''}\n" for i, m in enumerate(
            ["continuity_pharmacotherapy_oud", "community_engagement",
             "access_preventive_ambulatory_care"]
        )
    )
    path = write_csv("provider_id,measure,numerator,denominator,ohh_net_payments\n" + rows)
    refused = run("p4p", "ohh", str(path), "--as-of", "2023-01-01")
    assert refused.returncode == 2 and b"--net-payments" in refused.stderr
    out, _ = text(run("p4p", "ohh", str(path), "--as-of", "2023-01-01", "--net-payments",
                      "-f", "json"))
    provider = OhhDocument.model_validate_json(out).providers[0]
    assert (provider.gross_payments, provider.withhold) == (100000, 4000)


def test_profiles_option_selects_a_temp_folder(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "profiles" / "p4p"
    folder.mkdir(parents=True)
    original = ROOT / "src" / "hiecheck" / "profiles" / "p4p" / "bhh.toml"
    (folder / "bhh.toml").write_text(
        original.read_text(encoding="utf-8").replace('threshold_percent = "75"',
                                                     'threshold_percent = "85"'),
        encoding="utf-8",
    )
    out, _ = text(run("p4p", "bhh", str(data_dir / "bhh.csv"), "--profiles",
                      str(tmp_path / "profiles"), "--format", "json"))
    report = BhhDocument.model_validate_json(out)
    assert report.threshold_percent == 85
    assert [p.status for p in report.providers] == ["below", "below", "below"]


def test_bad_as_of_date(data_dir: Path) -> None:
    result = run("p4p", "bhh", str(data_dir / "bhh.csv"), "--as-of", "April 2018")
    assert result.returncode == 2
    assert b"--as-of: 'April 2018' is not a date (expected YYYY-MM-DD)" in result.stderr


def test_readme_documents_every_column_and_option() -> None:
    from hiecheck.p4p.csv_input import (
        BHH_OPTIONAL,
        BHH_REQUIRED,
        OHH_OPTIONAL,
        OHH_REQUIRED,
        PCMH_REQUIRED,
    )

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- section: p4p -->", 1)[1].split("## Where things live", 1)[0]
    columns = {*OHH_REQUIRED, *OHH_OPTIONAL, *BHH_REQUIRED, *BHH_OPTIONAL, *PCMH_REQUIRED}
    options = [
        "--format", "--output", "--explain", "--as-of", "--profiles", "--composite",
        "--bonus-split", "--net-payments", "--payment-year", "--previous",
        "--percentile-method", "--percentile-peers", "--band-rounding", "--improvement-total",
    ]
    for name in [*(f"`{c}`" for c in columns), *options]:
        assert name in section, name

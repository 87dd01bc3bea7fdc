"""The `hiecheck p4p` commands end to end: formats, profile selection, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path


def test_ohh_json_report(cli, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Seed 000: "When an OHH provider meets this minimum, they will receive the balance of their
    full OHH reimbursement (the remaining 4% of the rate)." """
    result = cli(
        "p4p", "ohh", str(data_dir / "ohh.csv"), "--format", "json", "--as-of", "2023-01-01"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["composite_method"] == "pooled"
    assert report["benchmark_assessment_period"] == "2021-04-01..2022-03-31"
    by_id = {p["provider_id"]: p for p in report["providers"]}
    assert by_id["OHH-A"]["status"] == "meets-minimum"
    assert by_id["OHH-A"]["withhold_released"] == "10000.00"
    assert by_id["OHH-B"]["withhold_kept"] == "7200.00"
    assert by_id["OHH-C"]["status"] == "excellence"
    assert report["bonus_pool"] == "12000.00"
    assert by_id["OHH-C"]["bonus_share"] == "12000.00"
    assert report["profile"]["version"] == "2022.08-initial"


def test_ohh_mean_of_rates_named_in_table(cli, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("p4p", "ohh", str(data_dir / "ohh.csv"), "--composite", "mean-of-rates")
    assert result.returncode == 0, result.stderr
    assert "composite method: mean-of-rates" in result.stdout
    assert "2021-04-01..2022-03-31" in result.stdout
    assert "when funding is available" in result.stdout


def test_bhh_csv_report(cli, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Seed 002: "placing one percent of total BHH payments at risk pending performance on a
    quality measure." """
    result = cli("p4p", "bhh", str(data_dir / "bhh.csv"), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = {r["provider_id"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["BHH-South"]["status"] == "below" and rows["BHH-South"]["recoupment"] == "9800.00"
    assert rows["BHH-East"]["status"] == "meets" and rows["BHH-East"]["recoupment"] == "0.00"
    assert rows["BHH-South"]["what_if"] == "threshold: +10 members"


def test_pcmh_2020_payments_with_previous_year(cli, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "p4p",
        "pcmh",
        str(data_dir / "pcmh-2019.csv"),
        "--payment-year",
        "2020",
        "--previous",
        str(data_dir / "pcmh-2018.csv"),
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["percentile_method"] == "midrank" and report["performance_year"] == 2019
    p1 = report["practices"][0]
    assert p1["mean_performance_percentile"] == "56.2500"
    assert p1["performance_payment"] == "4320.00"
    assert p1["improvement_payment"] == "7344.00"  # 155 vs 120: 29.17% → $0.51 × 12 × 1200


def test_pcmh_percentile_method_is_selectable(cli, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "p4p",
        "pcmh",
        str(data_dir / "pcmh-2019.csv"),
        "--as-of",
        "2020-06-30",
        "--percentile-method",
        "inclusive",
        "--format",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["percentile_method"] == "inclusive"


def test_pcmh_2021_payments_exit_2_with_plain_message(cli, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Seed 004, ATTENTION: "New methodology for the PCMH Performance-Based Payment program will
    change with payments in 2021 based on the practice’s performance during calendar year 2020." """
    result = cli("p4p", "pcmh", str(data_dir / "pcmh-2019.csv"), "--payment-year", "2021")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "no pcmh profile in force on 2021-01-01" in lines[0]
    assert "new methodology is not in hiecheck's sources" in lines[0]


def test_bad_input_exit_2_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_text("provider_id,numerator,denominator\nA,5,4\n", encoding="utf-8")
    result = cli("p4p", "bhh", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"hiecheck: error: {path}:row 2: numerator 5 is greater than denominator 4 "
        "(expected numerator ≤ denominator)"
    )


def test_profiles_option_selects_a_temp_folder(cli, data_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = Path(__file__).resolve().parents[2]
    folder = tmp_path / "profiles" / "p4p"
    folder.mkdir(parents=True)
    text = (root / "src" / "hiecheck" / "profiles" / "p4p" / "bhh.toml").read_text(encoding="utf-8")
    (folder / "bhh.toml").write_text(
        text.replace('threshold_percent = "75"', 'threshold_percent = "85"'), encoding="utf-8"
    )
    result = cli(
        "p4p",
        "bhh",
        str(data_dir / "bhh.csv"),
        "--profiles",
        str(tmp_path / "profiles"),
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["threshold_percent"] == "85"
    assert [p["status"] for p in report["providers"]] == ["below", "below", "below"]


def test_bad_as_of_date(cli, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("p4p", "bhh", str(data_dir / "bhh.csv"), "--as-of", "April 2018")
    assert result.returncode == 2
    assert "--as-of: 'April 2018' is not a date (expected YYYY-MM-DD)" in result.stderr


def test_readme_documents_every_column_and_option() -> None:
    from hiecheck.p4p.csv_input import (
        BHH_OPTIONAL,
        BHH_REQUIRED,
        OHH_OPTIONAL,
        OHH_REQUIRED,
        PCMH_REQUIRED,
    )

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- section: p4p -->", 1)[1]
    columns = {*OHH_REQUIRED, *OHH_OPTIONAL, *BHH_REQUIRED, *BHH_OPTIONAL, *PCMH_REQUIRED}
    options = [
        "--format",
        "--as-of",
        "--profiles",
        "--composite",
        "--bonus-split",
        "--payment-year",
        "--previous",
        "--percentile-method",
        "--improvement-total",
    ]
    for name in [*(f"`{c}`" for c in columns), *options]:
        assert name in section, name

"""OHH Continuity of Pharmacotherapy for OUD on hand-checked data, and against a day-by-day
reading of the definition on random members.

FACTS.md ("Measure specifications"): "180-day treatment period from a new episode start;
numerator: no gap of 8+ consecutive days; drugs: buprenorphine, buprenorphine/naloxone, oral
naltrexone, extended-release injectable naltrexone (31 days), methadone (OTP claims)." Seed
000_8121c563a748908a.txt names the measure: "Continuity of Pharmacotherapy for OUD – Assesses gaps
in pharmacotherapy treatment of OUD." The intake period and the 31-day new-episode test are the
readings of profiles/measures/ohh/ohh.toml.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from hiecheck.p4p.csv_input import read_ohh
from tests.measures.conftest import MeasureRun, day, read_csv, write_csv

INTAKE_START, INTAKE_END = date(2024, 7, 1), date(2025, 6, 30)  # for the calendar year 2025
BUP = "buprenorphine-naloxone 8-2 mg film"


def _files(tmp_path: Path, fills: list[list[object]], otp: list[list[object]] | None = None,
           members: list[list[object]] | None = None) -> dict[str, Path]:
    ids = sorted({str(f[0]) for f in fills} | {str(o[0]) for o in otp or []})
    files = {
        "members": write_csv(tmp_path / "members.csv", ["member_id", "provider_id", "birth_date"],
                             members or [[m, "OHH1", ""] for m in ids]),
        "fills": write_csv(tmp_path / "fills.csv",
                           ["member_id", "fill_date", "days_supply", "drug_name"], fills),
    }
    if otp is not None:
        files["otp"] = write_csv(tmp_path / "otp.csv",
                                 ["member_id", "service_date", "hcpcs", "days_covered"], otp)
    return files


def _monthly(member: str, start: str, count: int, gap: int = 0,
             drug: str = BUP) -> list[list[object]]:
    """``count`` 30-day fills from ``start``, ``gap`` uncovered days between consecutive fills."""
    return [[member, day(start, i * (30 + gap)), 30, drug] for i in range(count)]


def test_seven_day_gap_is_continuous_eight_is_not(tmp_path: Path,
                                                  measure_run: MeasureRun) -> None:
    """FACTS.md: 'no gap of 8+ consecutive days' within the 180-day treatment period."""
    fills = _monthly("SEVEN", "2025-01-10", 7, gap=7) + _monthly("EIGHT", "2025-01-10", 7, gap=8)
    fills += _monthly("NONE", "2025-01-10", 6)
    report, rows = measure_run("ohh", files=_files(tmp_path, fills))
    assert rows["SEVEN"]["status"] == "continuous"
    assert rows["SEVEN"]["longest_gap_days"] == "7"
    assert rows["EIGHT"]["status"] == "gap-in-treatment"
    assert rows["EIGHT"]["value_first_gap_start"] == "2025-02-09"  # day 31 after 2025-01-10
    assert rows["NONE"]["status"] == "continuous"  # 6 × 30 = 180 days exactly
    assert rows["NONE"]["value_episode_end"] == "2025-07-08"  # start + 179
    assert (report.providers[0].denominator, report.providers[0].numerator) == (3, 2)


def test_gap_at_the_end_of_the_treatment_period_counts(tmp_path: Path,
                                                       measure_run: MeasureRun) -> None:
    """Reading gap-rule: 150 covered days then 30 without medication is a gap of 30."""
    _, rows = measure_run("ohh", files=_files(tmp_path, _monthly("A", "2025-01-10", 5)))
    assert (rows["A"]["status"], rows["A"]["longest_gap_days"]) == ("gap-in-treatment", "30")


def test_a_new_episode_needs_31_days_without_medication(tmp_path: Path,
                                                        measure_run: MeasureRun) -> None:
    """Reading new-episode: treatment up to 20 days before the intake period means the intake
    fills continue it; 40 days before, the first intake fill starts a new episode."""
    fills = [["CONT", "2024-05-22", 20, BUP], *_monthly("CONT", "2024-07-01", 6)]
    fills += [["NEW", "2024-05-01", 20, BUP], *_monthly("NEW", "2024-07-01", 6)]
    fills += [["LATE", "2025-07-15", 30, BUP]]  # after the intake period
    _, rows = measure_run("ohh", files=_files(tmp_path, fills))
    assert rows["CONT"]["status"] == "no-new-episode"  # 2024-05-22 + 20 days ends 2024-06-10
    assert rows["NEW"]["status"] == "continuous"
    assert rows["NEW"]["value_episode_start"] == "2024-07-01"
    assert rows["LATE"]["status"] == "no-oud-medication"


def test_injectable_naltrexone_covers_31_days_and_otp_claims_count(
        tmp_path: Path, measure_run: MeasureRun) -> None:
    """FACTS.md: extended-release injectable naltrexone (31 days); methadone from OTP claims
    (reading days-covered: H0020 one day, G2067 a week, days_covered when given)."""
    inj = [["INJ", day("2025-01-01", 31 * i), 1, "Vivitrol 380 mg injectable suspension"]
           for i in range(6)]  # 6 × 31 = 186 days, though days_supply says 1
    oral = [["ORAL", day("2025-01-01", 31 * i), 1, "naltrexone 50 mg tablet"] for i in range(6)]
    otp = [["DAILY", day("2025-02-01", i), "H0020", ""] for i in range(180)]
    otp += [["WEEKLY", day("2025-02-01", 7 * i), "G2067", ""] for i in range(26)]
    otp += [["GIVEN", day("2025-02-01", 60 * i), "", "60"] for i in range(3)]
    _, rows = measure_run("ohh", files=_files(tmp_path, inj + oral, otp))
    assert rows["INJ"]["status"] == "continuous"
    assert rows["ORAL"]["status"] == "gap-in-treatment"  # 1-day supplies a month apart
    assert rows["DAILY"]["status"] == "continuous"
    assert rows["WEEKLY"]["status"] == "continuous"  # 26 weeks = 182 days
    assert rows["GIVEN"]["status"] == "continuous"


def test_minors_are_out_when_the_birth_date_is_known(tmp_path: Path,
                                                     measure_run: MeasureRun) -> None:
    """Reading oud-diagnosis-and-age: adults (FACTS.md, NQF 3175: 'adults with an OUD
    diagnosis')."""
    fills = _monthly("KID", "2025-01-10", 6) + _monthly("ADULT", "2025-01-10", 6)
    members = [["KID", "OHH1", "2007-06-01"], ["ADULT", "OHH1", "2007-01-10"]]
    _, rows = measure_run("ohh", files=_files(tmp_path, fills, members=members))
    assert rows["KID"]["status"] == "under-age"  # 17 on 2025-01-10
    assert rows["ADULT"]["status"] == "continuous"  # 18 on that very day


def test_other_measures_pass_through_and_p4p_reads_the_csv(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Seed 000's other two measures have no public definition: their counts are given
    (--counts) and passed through, so `hiecheck p4p ohh` reads the result."""
    files = _files(tmp_path, _monthly("A", "2025-01-10", 6) + _monthly("B", "2025-01-10", 2))
    counts = write_csv(tmp_path / "counts.csv",
                       ["provider_id", "measure", "numerator", "denominator", "ohh_payments"],
                       [["OHH1", "community_engagement", 3, 10, "100000.00"],
                        ["OHH1", "access_preventive_ambulatory_care", 5, 10, ""]])
    out = tmp_path / "p4p.csv"
    result = cli("measure", "ohh", "--members", str(files["members"]), "--fills",
                 str(files["fills"]), "--counts", str(counts), "--year", "2025",
                 "--output", str(out))
    assert result.returncode == 0, result.stderr
    measures = ["continuity_pharmacotherapy_oud", "community_engagement",
                "access_preventive_ambulatory_care"]
    providers = read_ohh(str(out), measures)
    assert len(providers) == 1
    counts = dict(zip(providers.measures, providers.counts(0), strict=True))
    assert counts["continuity_pharmacotherapy_oud"].numerator == 1
    assert counts["continuity_pharmacotherapy_oud"].denominator == 2
    assert counts["community_engagement"].numerator == 3
    assert providers.payments == [10_000_000]  # cents: $100,000.00
    scored = cli("p4p", "ohh", str(out), "--as-of", "2025-12-31")
    assert scored.returncode == 0, scored.stderr


# A day-by-day reading of the definition, to compare with the SQL on random members --------------

def _expected(events: list[tuple[date, int]]) -> str:
    """Status of one member from (start, days covered) events, reading the definition plainly."""
    covered: set[date] = set()
    for start, days in events:
        covered |= {start + timedelta(days=i) for i in range(days)}
    starts = sorted({s for s, _ in events if INTAKE_START <= s <= INTAKE_END})
    if not starts:
        return "no-oud-medication"
    new = [s for s in starts
           if not any(s - timedelta(days=k) in covered_before(events, s) for k in range(1, 32))]
    if not new:
        return "no-new-episode"
    first = new[0]
    run = longest = 0
    for i in range(180):
        run = 0 if first + timedelta(days=i) in covered else run + 1
        longest = max(longest, run)
    return "continuous" if longest < 8 else "gap-in-treatment"


def covered_before(events: list[tuple[date, int]], start: date) -> set[date]:
    """Days covered by the events that start before ``start``."""
    return {s + timedelta(days=i) for s, d in events if s < start for i in range(d)}


def test_statuses_match_a_plain_reading_on_random_members(tmp_path: Path,
                                                          measure_run: MeasureRun) -> None:
    rng = random.Random(3175)
    fills: list[list[object]] = []
    expected: dict[str, str] = {}
    for n in range(150):
        member = f"R{n:03d}"
        when = date(2024, 5, 1) + timedelta(days=rng.randrange(480))
        events = []
        for _ in range(rng.randint(1, 9)):
            supply = rng.choice([7, 14, 28, 30])
            events.append((when, supply))
            fills.append([member, str(when), supply, BUP])
            when += timedelta(days=supply + rng.choice([-5, 0, 0, 1, 3, 6, 7, 8, 12, 40]))
        expected[member] = _expected(events)
    _, rows = measure_run("ohh", files=_files(tmp_path, fills))
    assert {m: r["status"] for m, r in rows.items()} == expected
    assert len(set(expected.values())) == 4  # every outcome was exercised


def test_members_file_lists_every_member(tmp_path: Path, measure_run: MeasureRun) -> None:
    files = _files(tmp_path, _monthly("A", "2025-01-10", 6))
    measure_run("ohh", files=files)
    assert [r["status"] for r in read_csv(tmp_path / "members-out-ohh.csv")] == ["continuous"]


def test_given_counts_are_checked_against_the_providers(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Every provider needs both given measures (p4p ohh needs all three); a provider only in the
    counts gets 0/0 for continuity; the computed measure may not be given."""
    files = _files(tmp_path, _monthly("A", "2025-01-10", 6))
    args = ["measure", "ohh", "--members", str(files["members"]), "--fills", str(files["fills"]),
            "--year", "2025", "--counts"]
    header = ["provider_id", "measure", "numerator", "denominator"]
    partial = write_csv(tmp_path / "partial.csv", header, [["OHH1", "community_engagement", 1, 2]])
    result = cli(*args, str(partial))
    assert result.returncode == 2
    assert "no access_preventive_ambulatory_care row for provider 'OHH1'" in result.stderr
    computed = write_csv(tmp_path / "computed.csv", header,
                         [["OHH1", "continuity_pharmacotherapy_oud", 1, 2]])
    result = cli(*args, str(computed))
    assert result.returncode == 2 and "is computed from the member data" in result.stderr
    other = write_csv(tmp_path / "other.csv", header, [
        [p, m, 1, 2] for p in ("OHH1", "OHH2")
        for m in ("community_engagement", "access_preventive_ambulatory_care")])
    result = cli(*args, str(other))
    assert result.returncode == 0, result.stderr
    assert "OHH2,continuity_pharmacotherapy_oud,0,0" in result.stdout.splitlines()

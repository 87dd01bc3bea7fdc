"""The shipped PCMH scoring agrees with the reference (``reference_pcmh.py``: the plain
per-practice scorer, letter writer and CSV rows) on many random files, in every format, for
every setting: the same bytes in table (with and without --explain), json, csv, markdown and
html.

The files are made to hit what goes wrong first: ties (equal scores, and equal fractions such
as 1/2 and 2/4), denominators around the minimum of 30, practices without a row for a measure,
measures and practices in only one of the two years, tiny files (coarse percentiles land on
band edges and between them: borderline means) and files large enough for several chunks.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hiecheck.outputs import Reads
from hiecheck.p4p import letters
from hiecheck.p4p.csv_input import read_pcmh
from hiecheck.p4p.inputs import PcmhInput, PcmhPractice
from hiecheck.p4p.models import (
    BandRounding,
    ImprovementTotal,
    PcmhPracticeResult,
    PcmhReport,
    PercentileMethod,
    PercentilePeers,
    Scoring,
)
from hiecheck.p4p.output import Out
from hiecheck.p4p.pcmh import score_pcmh
from hiecheck.p4p.profile import PcmhProfile
from hiecheck.p4p.render import FORMATS, render
from hiecheck.p4p.render_data import render_json
from hiecheck.p4p.render_letters import render_html, render_markdown
from hiecheck.p4p.render_text import render_text

from .reference_pcmh import reference_csv_rows, reference_letter, reference_score_pcmh

METHODS: tuple[PercentileMethod, ...] = ("midrank", "strict-below", "inclusive")
PEERS: tuple[PercentilePeers, ...] = ("others", "all")
ROUNDINGS: tuple[BandRounding, ...] = ("nearest", "down")
TOTALS: tuple[ImprovementTotal, ...] = ("like-for-like", "all-valid")
SETTINGS = [(m, p, r, t) for m in METHODS for p in PEERS for r in ROUNDINGS for t in TOTALS]
Setting = tuple[PercentileMethod, PercentilePeers, BandRounding, ImprovementTotal]
HEADER = "practice_id,measure,numerator,denominator,ncqa_recognized,full_year,annualized_members"


# ---------------------------------------------------------------- random files


@dataclass(frozen=True)
class Shape:
    """How a random file is drawn."""

    practices: int
    measures: int
    dens: str  # "edge" (around 30), "small", "wide", "tied"
    missing: float  # share of (practice, measure) rows left out
    previous: bool
    changed: float  # share of previous-year rows that differ in kind (other measure, absent)


def _den(rng: random.Random, kind: str) -> int:
    if kind == "edge":
        return rng.randint(26, 34)
    if kind == "small":
        return rng.randint(0, 60)
    if kind == "tied":
        return rng.choice([30, 40, 60, 120])
    return rng.choice([rng.randint(0, 40), rng.randint(30, 700), rng.randint(1000, 20_000)])


def _num(rng: random.Random, den: int) -> int:
    roll = rng.random()
    if roll < 0.1:
        return 0
    if roll < 0.2:
        return den
    if roll < 0.35:
        return den // 2  # ties between different denominators: 15/30, 20/40, ...
    return rng.randint(0, den)


def _members(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        return str(rng.randint(0, 30_000))
    if roll < 0.8:
        return f'"{rng.randint(1, 99)},{rng.randint(0, 999):03d}.{rng.randint(0, 9)}"'
    return f"{rng.randint(0, 5000)}.{rng.randint(0, 99):02d}"


def _flag(rng: random.Random, yes: float) -> str:
    return rng.choice(["yes", "y", "true", "1"]) if rng.random() < yes else rng.choice(
        ["no", "n", "false", "0"]
    )


def _year(
    rng: random.Random, shape: Shape, ids: list[str], measures: list[str], *, current: bool
) -> str:
    lines = [HEADER]
    for pid in ids:
        rows = []
        for measure in measures:
            if rng.random() < shape.missing:
                continue
            den = _den(rng, shape.dens)
            rows.append([pid, measure, str(_num(rng, den)), str(den)])
        if not rows:
            rows.append([pid, measures[0], "0", "0"])
        rng.shuffle(rows)
        for k, row in enumerate(rows):
            first = k == 0
            ncqa = _flag(rng, 0.85) if first and current else ""
            full = _flag(rng, 0.9) if first else ""
            members = _members(rng) if first and current else ""
            lines.append(",".join([*row, ncqa, full, members]))
    return "\n".join(lines) + "\n"


def make_files(rng: random.Random, shape: Shape, folder: Path) -> tuple[Path, Path | None]:
    measures = [f"m{k}" for k in range(shape.measures)]
    ids = [f"P{k:04d}" for k in range(shape.practices)]
    current = folder / "current.csv"
    current.write_text(_year(rng, shape, ids, measures, current=True), encoding="utf-8")
    if not shape.previous:
        return current, None
    before_ids = [pid for pid in ids if rng.random() > shape.changed / 2]
    before_ids += [f"OLD{k}" for k in range(rng.randint(0 if before_ids else 1, 3))]
    before_measures = [m for m in measures if rng.random() > shape.changed] or measures[:1]
    if rng.random() < shape.changed:
        before_measures.append("retired")
    previous = folder / "previous.csv"
    previous.write_text(
        _year(rng, shape, before_ids, before_measures, current=False), encoding="utf-8"
    )
    return current, previous


def random_shape(rng: random.Random) -> Shape:
    size = rng.choice([1, 2, 3, 4, 5, 6, 8, 11, 15, 30, 60, 150])
    return Shape(
        practices=size,
        measures=rng.randint(1, 8),
        dens=rng.choice(["edge", "small", "wide", "tied"]),
        missing=rng.choice([0.0, 0.0, 0.1, 0.4]),
        previous=rng.random() < 0.8,
        changed=rng.choice([0.0, 0.1, 0.5]),
    )


# ---------------------------------------------------------------- both pipelines


PcmhScoring = Scoring[PcmhReport, PcmhPracticeResult]


def _out() -> tuple[Out, io.StringIO]:
    stream = io.StringIO()
    return Out(stream), stream


def reference_output(scoring: PcmhScoring, fmt: str, *, explain: bool = False) -> str:
    """The reference scoring rendered the way ``render`` did before the rewrite."""
    out, stream = _out()
    report = scoring.report
    if fmt == "json":
        render_json(out, report, scoring.providers(), "practices")
    elif fmt == "csv":
        csv.writer(out, lineterminator="\n").writerows(
            reference_csv_rows(report, scoring.providers())
        )
    else:
        overview = letters.pcmh_overview(report)
        items = (reference_letter(report, p) for p in scoring.providers())
        if fmt == "markdown":
            render_markdown(out, overview, report.profile, items)
        elif fmt == "html":
            render_html(out, overview, report.profile, items)
        else:
            render_text(out, overview, report.profile, items, explain=explain,
                        heading="Practices")
    out.flush()
    return stream.getvalue()


def shipped_output(scoring: object, fmt: str, path: Path, *, explain: bool = False) -> str:
    render(scoring, fmt, path, explain=explain, reads=Reads.of(files=[]))  # type: ignore[arg-type]
    return path.read_text(encoding="utf-8")


def scorings(
    profile: PcmhProfile, current: Path, previous: Path | None, setting: Setting
) -> Iterator[object]:
    method, peers, rounding, total = setting
    given = read_pcmh(str(current), profile.measures)
    before = read_pcmh(str(previous), profile.measures, previous=True) if previous else None
    for score in (reference_score_pcmh, score_pcmh):
        yield score(
            given, before, profile, method=method, peers=peers, rounding=rounding,
            improvement_total=total, as_of=date(2020, 1, 1),
        )


def assert_same(
    profile: PcmhProfile, current: Path, previous: Path | None, setting: Setting,
    formats: tuple[str, ...] = FORMATS,
) -> None:
    reference, shipped = scorings(profile, current, previous, setting)
    out = current.parent / "report.out"
    for fmt in formats:
        for explain in (False, True) if fmt == "table" else (False,):
            want = reference_output(reference, fmt, explain=explain)  # type: ignore[arg-type]
            got = shipped_output(shipped, fmt, out, explain=explain)
            if got != want:
                for k, (a, b) in enumerate(zip(got.splitlines(), want.splitlines(),
                                               strict=False)):
                    assert a == b, f"{fmt} {setting} line {k + 1}"
                assert got == want, f"{fmt} {setting}: lengths differ"


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("number", range(40))
def test_random_files_in_every_format(
    number: int, pcmh_profile: PcmhProfile, tmp_path: Path
) -> None:
    rng = random.Random(number)
    current, previous = make_files(rng, random_shape(rng), tmp_path)
    for setting in rng.sample(SETTINGS, 3):
        assert_same(pcmh_profile, current, previous, setting)


@pytest.mark.parametrize("setting", SETTINGS)
def test_every_setting_on_tiny_files(
    setting: Setting, pcmh_profile: PcmhProfile, tmp_path: Path
) -> None:
    """Few practices: coarse percentiles, means on and between band edges (borderline)."""
    rng = random.Random(SETTINGS.index(setting))
    for _ in range(6):
        shape = Shape(practices=rng.randint(1, 7), measures=rng.randint(1, 3), dens="tied",
                      missing=0.1, previous=True, changed=0.2)
        current, previous = make_files(rng, shape, tmp_path)
        assert_same(pcmh_profile, current, previous, setting, ("json", "table"))


def test_a_large_file(pcmh_profile: PcmhProfile, tmp_path: Path) -> None:
    """Several thousand practices: many peers per measure, a large common scale."""
    rng = random.Random(7)
    shape = Shape(practices=3000, measures=8, dens="wide", missing=0.05, previous=True,
                  changed=0.1)
    current, previous = make_files(rng, shape, tmp_path)
    assert_same(pcmh_profile, current, previous, SETTINGS[0], ("json", "csv", "markdown"))
    assert_same(pcmh_profile, current, previous, SETTINGS[-1], ("json",))


SHAPES = st.builds(
    Shape,
    practices=st.integers(1, 25),
    measures=st.integers(1, 4),
    dens=st.sampled_from(["edge", "small", "wide", "tied"]),
    missing=st.sampled_from([0.0, 0.2]),
    previous=st.booleans(),
    changed=st.sampled_from([0.0, 0.3]),
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(draw_seed=st.integers(0, 2**32), shape=SHAPES, setting=st.sampled_from(SETTINGS))
def test_hypothesis_files(
    draw_seed: int, shape: Shape, setting: Setting, pcmh_profile: PcmhProfile, tmp_path: Path
) -> None:
    current, previous = make_files(random.Random(draw_seed), shape, tmp_path)
    assert_same(pcmh_profile, current, previous, setting, ("json", "csv", "table"))


def test_values_a_csv_file_cannot_hold(pcmh_profile: PcmhProfile, tmp_path: Path) -> None:
    """Inputs built in code (other front ends) may hold ids with quotes, control characters
    or non-ASCII text and member numbers in any Decimal form; the fast writers escape and
    spell them as pydantic does, and money beyond a Decimal's 28 digits falls back to it."""
    odd = ['a"b', "back\\slash", "tab\there", "é–ü", "del\x7f", "line\u2028sep", "plain"]
    members = ["1E-8", "0.00000001", "1.50", "0E-10", "1" * 30, "17549", None]
    practices = [
        PcmhPractice(pid, {"m": (k * 7 % 31, 31 + k), "n": (k, 40)}, ncqa_recognized=True,
                     annualized_members=members[k])
        for k, pid in enumerate(odd)
    ]
    previous = [PcmhPractice(pid, {"m": (1, 31), "n": (k, 40)}) for k, pid in enumerate(odd)]
    for setting in (SETTINGS[0], SETTINGS[-1]):
        method, peers, rounding, total = setting
        made = [
            score(PcmhInput.build(practices), PcmhInput.build(previous), pcmh_profile,
                  method=method, peers=peers, rounding=rounding, improvement_total=total,
                  as_of=date(2020, 1, 1))
            for score in (reference_score_pcmh, score_pcmh)
        ]
        for fmt in FORMATS:
            want = reference_output(made[0], fmt)  # type: ignore[arg-type]
            assert shipped_output(made[1], fmt, tmp_path / "out") == want, fmt

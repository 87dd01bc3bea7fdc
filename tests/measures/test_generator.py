"""The synthetic member data of bench/gen_member_data.py is seeded and reads without a problem."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hiecheck.measures.run import MeasureRequest, run
from tests.measures.conftest import PROFILES, ROOT, YEAR


def _generate(out: Path, seed: int) -> dict[str, int]:
    spec = importlib.util.spec_from_file_location("gen_member_data",
                                                  ROOT / "bench" / "gen_member_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written: dict[str, int] = module.generate(out, members=200, fills=2000, labs=1000, otp=300,
                                              providers=3, seed=seed)
    return written


def test_same_seed_same_files_and_they_read_cleanly(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert _generate(first, 7) == {"members": 200, "fills": 2000, "labs": 1000, "otp": 300}
    _generate(second, 7)
    _generate(other, 8)
    for name in ("members.csv", "fills.csv", "labs.csv", "otp.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert (first / "fills.csv").read_bytes() != (other / "fills.csv").read_bytes()
    for measure, third in (("bhh", "labs"), ("ohh", "otp")):
        report = run(MeasureRequest(
            measure=measure, period=YEAR, profiles=PROFILES,  # type: ignore[arg-type]
            files={"members": first / "members.csv", "fills": first / "fills.csv",
                   third: first / f"{third}.csv"}))  # type: ignore[dict-item]
        assert sum(p.denominator for p in report.providers) > 0
        assert 0 < sum(p.numerator for p in report.providers) < sum(
            p.denominator for p in report.providers)

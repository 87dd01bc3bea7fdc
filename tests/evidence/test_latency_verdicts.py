"""Issue 10, wrong verdicts in `check --messages`: an event time after the message time never
proves real-time (and the report says why); times that are not HL7 date/times are named as
`validate` names them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from hiecheck.programs.report import Report

Check = Callable[..., Report]


def _with_event_times(kit: SimpleNamespace, tmp_path: Path, name: str, evn2: str) -> Path:
    """The tier2-complete ADT messages with EVN-2 replaced (``evn2`` may use {msh7})."""
    text = (kit.SETS / "tier2-complete" / "adt.hl7").read_bytes().decode("latin-1")
    out, msh7 = [], ""
    for seg in text.split("\r"):
        if seg.startswith("MSH|"):
            msh7 = seg.split("|")[6]
        elif seg.startswith("EVN|"):
            parts = seg.split("|")
            parts[2] = evn2.format(msh7=msh7, day_after=str(int(msh7[:8]) + 1) + msh7[8:],
                                   years_after=str(int(msh7[:4]) + 40) + msh7[4:])
            seg = "|".join(parts)
        out.append(seg)
    target = tmp_path / name
    target.write_bytes("\r".join(out).encode("latin-1"))
    return target


def test_event_after_the_message_never_proves_realtime(
    kit: SimpleNamespace, check: Check, tmp_path: Path
) -> None:
    """Issue 10: EVN-2 a day, or 40 years, after MSH-7 counted as real-time proof ("3/3 within 60
    minutes, median -14592 d") while `validate` flags timing.negative."""
    for evn2 in ("{day_after}", "{years_after}"):
        target = _with_event_times(kit, tmp_path, f"after-{evn2[1:4]}.hl7", evn2)
        req = check(kit.org_text("cct"), target).role("cct").requirement("adt-realtime")
        assert req.status == "unmet"
        assert "4 ADT messages have an event time after the message time (EVN-2 later than " \
            "MSH-7): cannot show real-time" in req.detail
        assert req.evidence_counts["ADT_within_realtime_limit"] == 0


def test_clock_skew_within_the_profile_tolerance_counts_as_on_time(
    kit: SimpleNamespace, check: Check, tmp_path: Path, collected: Callable
) -> None:
    """evidence.toml: max_clock_skew_minutes = 5 (the project's reading, stated in the profile):
    an event time two minutes after MSH-7 is the clocks differing, not a wrong time."""
    def two_minutes_after(msh7: str) -> str:
        return f"{msh7[:10]}{int(msh7[10:12]) + 2:02d}{msh7[12:]}"
    text = (kit.SETS / "tier2-complete" / "adt.hl7").read_bytes().decode("latin-1")
    text = re.sub(r"(MSH\|(?:[^|]*\|){5})(\d{12})(.*?\rEVN\|[^|]*\|)\d+",
                  lambda m: m.group(1) + m.group(2) + m.group(3) + two_minutes_after(m.group(2)),
                  text, flags=re.S)
    target = tmp_path / "skew.hl7"
    target.write_bytes(text.encode("latin-1"))
    latency = collected(target).latency("ADT")
    assert latency.median_seconds == -120.0 and latency.event_after_message == 0
    assert latency.realtime_shown
    req = check(kit.org_text("cct"), target).role("cct").requirement("adt-realtime")
    assert req.status == "met"


def test_times_that_are_not_hl7_say_so_as_validate_does(
    kit: SimpleNamespace, check: Check, tmp_path: Path
) -> None:
    """Issue 10: `check` said "less precise than minutes" where `validate` says "not an HL7
    date/time": one parser, one message."""
    target = _with_event_times(kit, tmp_path, "garbled.hl7", "2026-10-07 08:10")
    req = check(kit.org_text("cct"), target).role("cct").requirement("adt-realtime")
    assert req.status == "unmet"
    assert "EVN-2 or MSH-7 not an HL7 date/time in 4 ADT messages: cannot show real-time" in (
        req.detail)
    imprecise = _with_event_times(kit, tmp_path, "day-only.hl7", "20261007")
    req = check(kit.org_text("cct"), imprecise).role("cct").requirement("adt-realtime")
    assert "EVN-2 or MSH-7 less precise than minutes in 4 ADT messages" in req.detail

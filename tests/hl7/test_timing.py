"""Real-time evidence: latency between the event time and MSH-7."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hiecheck.hl7.timing import check_timing, message_latency, parse_dtm


@pytest.mark.parametrize(
    ("text", "digits", "offset"),
    [("2026", 4, False), ("202601011200", 12, False), ("20260101120000.1234", 14, False),
     ("20260101120000-0500", 14, True), ("20110613122406637", 14, False)],
)
def test_parse_dtm_precision_and_offset(text: str, digits: int, offset: bool) -> None:
    parsed = parse_dtm(text)
    assert parsed is not None and parsed.digits == digits and parsed.has_offset is offset


@pytest.mark.parametrize("text", ["", "2026-01-01", "20261301", "20260101250000", "abc",
                                  "20260101120000+9900"])
def test_parse_dtm_rejects(text: str) -> None:
    assert parse_dtm(text) is None


def _adt(h: SimpleNamespace, evn2: str, msh7: str = "20260101120000") -> str:
    return h.clean_adt().replace("|20260101115955", f"|{evn2}").replace(
        "|20260101120000|", f"|{msh7}|", 1)


def test_latency_from_evn2(h: SimpleNamespace) -> None:
    """Seed 003, Primary Care Plus: "Tier II: HL7 data interface supporting real-time Admission
    Discharge Transfer (ADT) messages" """
    msg = h.parse(h.clean_adt())
    assert message_latency(msg) == 5.0
    result = check_timing(msg)
    assert (result.seconds, str(result.measured_from), result.findings) == (5.0, "EVN[1]-2", [])


def test_latency_falls_back_to_evn6(h: SimpleNamespace) -> None:
    """profiles/messages/timing.toml: EVN-6 (event occurred) when EVN-2 is empty."""
    text = h.clean_adt().replace("EVN|A01|20260101115955", "EVN|A01|||||20260101115900")
    assert "EVN|A01|||||20260101115900" in text
    result = check_timing(h.parse(text))
    assert (result.seconds, str(result.measured_from)) == (60.0, "EVN[1]-6")


def test_offsets_are_compared_as_instants(h: SimpleNamespace) -> None:
    msg = h.parse(_adt(h, "20260101120000-0500", "20260101170100+0000"))
    assert message_latency(msg) == 60.0


def test_event_after_message_is_a_warning(h: SimpleNamespace) -> None:
    result = check_timing(h.parse(_adt(h, "20260101120500")))
    assert result.seconds == -300.0
    assert [f.rule for f in result.findings] == ["timing.negative"]


def test_imprecise_and_unparseable_times(h: SimpleNamespace) -> None:
    imprecise = check_timing(h.parse(_adt(h, "20260101")))
    assert imprecise.seconds is None and [f.rule for f in imprecise.findings] == [
        "timing.imprecise"]
    bad = check_timing(h.parse(_adt(h, "yesterday")))
    assert bad.seconds is None
    assert [(f.rule, f.location) for f in bad.findings] == [("timing.unparseable", "EVN[1]-2")]


def test_evn6_is_the_fallback_and_oru_uses_obr22(h: SimpleNamespace) -> None:
    text = h.clean_adt().replace("EVN|A01|20260101115955", "EVN|A01|||||20260101115900")
    assert message_latency(h.parse(text)) == 60.0
    oru = "\r".join([h.msh("R01", "ORU_R01", code="ORU"), "PID|1",
                     h.segment("OBR", {1: "1", 4: "X^Y^L", 7: "20250101", 22: "20260101115930"})])
    assert message_latency(h.parse(oru)) == 30.0


def test_no_event_time_is_info(h: SimpleNamespace) -> None:
    text = h.clean_adt().replace("EVN|A01|20260101115955\r", "")
    result = check_timing(h.parse(text))
    assert result.seconds is None and [f.rule for f in result.findings] == [
        "timing.no-event-time"]

"""Mutated messages (truncated, separators dropped, segments shuffled, bytes inserted) go through
the whole pipeline without a traceback and always give a message result or a finding."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hiecheck.hl7.findings import Severity
from hiecheck.hl7.validate import MessageResult

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
BASES = ["hie-adt", "pcplus-tier3"]


def _base(h: SimpleNamespace) -> bytes:
    vitals = "OBX|1|NM|8480-6^Systolic^LN||128|mm[Hg]|||||F|||20260101110000\r"
    return (h.clean_adt() + "DG1|1||I10^HTN^I10|||F\r" + vitals).encode()


def _check(h: SimpleNamespace, data: bytes, set_id: str) -> list:
    events = h.validate_bytes(data, set_id)
    findings = h.all_findings(events)
    assert findings or any(isinstance(e, MessageResult) for e in events), data
    return findings


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=400), set_id=st.sampled_from(BASES))
def test_truncated(h: SimpleNamespace, cut: int, set_id: str) -> None:
    data = _base(h)[:cut]
    findings = _check(h, data, set_id)
    if cut < 3:
        assert "read.no-message" in {f.rule for f in findings}


@SETTINGS
@given(sep=st.sampled_from([b"\r", b"|", b"^", b"~", b"&"]), set_id=st.sampled_from(BASES))
def test_separator_dropped(h: SimpleNamespace, sep: bytes, set_id: str) -> None:
    findings = _check(h, _base(h).replace(sep, b""), set_id)
    if sep == b"\r":  # one long MSH line: PID, PV1 ... are gone
        assert any(f.severity is Severity.ERROR for f in findings)


@SETTINGS
@given(order=st.permutations(range(6)), set_id=st.sampled_from(BASES))
def test_segments_shuffled(h: SimpleNamespace, order: list[int], set_id: str) -> None:
    lines = _base(h).split(b"\r")[:-1]
    shuffled = b"\r".join(lines[i] for i in order) + b"\r"
    findings = _check(h, shuffled, set_id)
    if order[0] != 0:  # MSH no longer first: what precedes it belongs to no message
        assert "read.stray-content" in {f.rule for f in findings}


@SETTINGS
@given(at=st.integers(min_value=0, max_value=400), junk=st.binary(min_size=1, max_size=12),
       set_id=st.sampled_from(BASES))
def test_bytes_inserted(h: SimpleNamespace, at: int, junk: bytes, set_id: str) -> None:
    base = _base(h)
    _check(h, base[:at] + junk + base[at:], set_id)


@SETTINGS
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes(h: SimpleNamespace, data: bytes) -> None:
    _check(h, data, "pcplus-tier3")


@SETTINGS
@given(text=st.text(alphabet="MSHPIDEVN|^~\\&\r\n\x0b\x1c 0123", max_size=120))
def test_hl7_like_text(h: SimpleNamespace, text: str) -> None:
    _check(h, ("MSH" + text).encode(), "hie-adt")

"""Helpers for the HL7 tests: build tokenized messages from segment lines."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from hiecheck.hl7.message import Message, tokenize
from hiecheck.hl7.reader import SourceSummary, read_stream

MessageFactory = Callable[..., Message]


def build_message(lines: list[str], source: str = "mem") -> Message:
    """Tokenize one message given as segment lines (joined with CR, as on the wire)."""
    data = ("\r".join(lines) + "\r").encode("utf-8")
    raws = list(read_stream(io.BytesIO(data), SourceSummary(source)))
    assert len(raws) == 1, "helper expects exactly one message"
    return tokenize(raws[0])


@pytest.fixture(scope="session")
def make_message() -> MessageFactory:
    """Factory: ``make_message(["MSH|...", "PID|..."])`` → tokenized Message."""
    return build_message


def msh(version: str = "2.5.1", msg_type: str = "ADT^A01^ADT_A01", control: str = "1") -> str:
    """An MSH line with valid required fields."""
    return f"MSH|^~\\&|APP|FAC|HIN|HIE|20240105123000||{msg_type}|{control}|P|{version}"


@pytest.fixture
def msh_line() -> Callable[..., str]:
    """Factory for an MSH line: ``msh_line(version, msg_type)``."""
    return msh


# Minimal valid segments for ADT_A01 in 2.5.1 (required fields valued).
EVN = "EVN|A01|20240105123000"
PID = "PID|1||100234^^^HOSP^MR||DOE^JANE||19800101|F"
PV1 = "PV1|1|I|MED^101^A"


@pytest.fixture
def adt_a01() -> list[str]:
    """Lines of a minimal valid ADT^A01 (2.5.1)."""
    return [msh(), EVN, PID, PV1]

"""Helpers for the HL7 tests: build messages, run the pipeline and the CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from hiecheck.cli import run
from hiecheck.hl7.findings import Finding
from hiecheck.hl7.message import Message, tokenize
from hiecheck.hl7.reader import SourceSummary, read_stream
from hiecheck.hl7.requirements import load_requirements
from hiecheck.hl7.validate import (
    Checks,
    Event,
    MessageResult,
    SourceEnd,
    default_checks,
    validate_paths,
)

MSH_TIME = "20260101120000"


def segment(seg_id: str, fields: dict[int, str]) -> str:
    """A segment with the given fields (1-based numbers), '|' separated."""
    top = max(fields) if fields else 0
    return "|".join([seg_id, *(fields.get(n, "") for n in range(1, top + 1))])


def msh(event: str = "A01", structure: str = "ADT_A01", control: str = "C1",
        code: str = "ADT", version: str = "2.5.1") -> str:
    nine = "^".join(p for p in (code, event, structure) if p)
    return f"MSH|^~\\&|APP|FAC|HIE|HIN|{MSH_TIME}||{nine}|{control}|P|{version}"


def clean_adt(event: str = "A01", name: str = "DOE^JANE", control: str = "C1") -> str:
    """An ADT message that meets every R and RE element of hie-adt."""
    return "\r".join([
        msh(event, "ADT_A01" if event != "A03" else "ADT_A03", control),
        segment("EVN", {1: event, 2: "20260101115955"}),
        segment("PID", {1: "1", 3: "123^^^HOSP^MR", 5: name, 7: "19800101", 8: "F",
                        10: "2106-3", 11: "1 MAIN ST^^PORTLAND^ME^04101", 13: "2075550100",
                        22: "2186-5"}),
        segment("PV1", {1: "1", 2: "I", 19: "V123", 44: "20260101110000",
                        **({45: "20260101115900"} if event == "A03" else {})}),
    ]) + "\r"


def parse(text: str) -> Message:
    """Tokenize the first message of ``text``."""
    raws = list(read_stream(io.BytesIO(text.encode()), SourceSummary("mem")))
    return tokenize(raws[0])


def checks_for(set_id: str = "hie-adt") -> Checks:
    return default_checks(load_requirements(set_id))


def run_events(paths: list[str], set_id: str = "hie-adt", jobs: int = 1) -> list[Event]:
    return list(validate_paths(paths, checks_for(set_id), jobs=jobs))


def all_findings(events: list[Event]) -> list[Finding]:
    out: list[Finding] = []
    for ev in events:
        if isinstance(ev, MessageResult | SourceEnd):
            out.extend(ev.findings)
    return out


def messages(events: list[Event]) -> list[MessageResult]:
    return [ev for ev in events if isinstance(ev, MessageResult)]


def validate_bytes(data: bytes, set_id: str = "hie-adt") -> list[Event]:
    """Run the whole pipeline on ``data`` written to a temporary file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.hl7"
        path.write_bytes(data)
        return run_events([str(path)], set_id)


@pytest.fixture
def write(tmp_path: Path):
    """Write text (CR separated) or bytes to a .hl7 file and return its path as text."""
    counter: Iterator[int] = iter(range(1_000_000))

    def _write(content: str | bytes, name: str | None = None) -> str:
        path = tmp_path / (name or f"m{next(counter)}.hl7")
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return str(path)

    return _write


@pytest.fixture
def cli():
    """Run ``hiecheck`` in-process through the console script's entry point (``run(argv)``, as a
    fuzzer would); returns ``exit_code``, ``stdout``, ``stderr`` and ``output`` (both)."""
    runner = CliRunner()

    def _run(*args: str, stdin: bytes | None = None) -> SimpleNamespace:
        with runner.isolation(input=stdin) as (out, err, both):
            code = run(list(args))
            sys.stdout.flush()
            sys.stderr.flush()
            return SimpleNamespace(
                exit_code=code, stdout=out.getvalue().decode(), stderr=err.getvalue().decode(),
                output=both.getvalue().decode(),
            )

    return _run


def run_process(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m hiecheck`` as a subprocess (exit codes exactly as users see them)."""
    return subprocess.run(
        [sys.executable, "-m", "hiecheck", *args], input=stdin, capture_output=True
    )


def json_report(stdout: str | bytes) -> dict:
    return json.loads(stdout)


@pytest.fixture(scope="session")
def h() -> SimpleNamespace:
    """The helpers above, as one fixture (tests cannot import conftest)."""
    return SimpleNamespace(
        segment=segment, msh=msh, clean_adt=clean_adt, parse=parse, checks_for=checks_for,
        run_events=run_events, all_findings=all_findings, messages=messages,
        validate_bytes=validate_bytes, run_process=run_process, json_report=json_report,
        MSH_TIME=MSH_TIME,
    )


# Structure-engine helpers: tokenized messages from segment lines.
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


def structure_msh(
    version: str = "2.5.1", msg_type: str = "ADT^A01^ADT_A01", control: str = "1"
) -> str:
    """An MSH line with valid required fields."""
    return f"MSH|^~\\&|APP|FAC|HIN|HIE|20240105123000||{msg_type}|{control}|P|{version}"


@pytest.fixture
def msh_line() -> Callable[..., str]:
    """Factory for an MSH line: ``msh_line(version, msg_type)``."""
    return structure_msh


# Minimal valid segments for ADT_A01 in 2.5.1 (required fields valued).
EVN_A01 = "EVN|A01|20240105123000"
PID_A01 = "PID|1||100234^^^HOSP^MR||DOE^JANE||19800101|F"
PV1_A01 = "PV1|1|I|MED^101^A"


@pytest.fixture
def adt_a01() -> list[str]:
    """Lines of a minimal valid ADT^A01 (2.5.1)."""
    return [structure_msh(), EVN_A01, PID_A01, PV1_A01]

"""JUnit XML for CI: one testsuite per file, one testcase per message.

A testcase fails when its message has error findings; the failure text lists every error with its
location (``file:line msg#N PID[1]-7 rule: text``). Warnings and info go to ``system-out``.
File-level findings get their own testcase ``FILE#file``. Elements are built with xml.etree;
testcases are spooled to temporary files so memory stays flat on huge captures. Values appear only
with --show-values.
"""

from __future__ import annotations

import codecs
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from typing import IO, TextIO

from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.tally import Tally
from hiecheck.hl7.validate import MessageResult, SourceEnd, SourceStart

SPOOL_BYTES = 1 << 20
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Drop characters XML 1.0 cannot carry."""
    return _XML_BAD.sub("\ufffd", text)


def _finding_line(f: Finding, show_values: bool) -> str:
    where = f"{f.source}:{f.line} msg#{f.message_number} {f.location}"
    text = f"{f.severity.value} {where} {f.rule}: {f.message}"
    if show_values and f.value is not None:
        text += f" [value: {f.value}]"
    return text


def _testcase(classname: str, name: str, findings: list[Finding], show_values: bool) -> bytes:
    case = ET.Element("testcase", classname=xml_text(classname), name=xml_text(name), time="0")
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        failure = ET.SubElement(
            case, "failure",
            message=xml_text(f"{len(errors)} error finding(s); first: {first.location} "
                             f"{first.rule}"),
            type=first.rule,
        )
        failure.text = xml_text("\n".join(_finding_line(f, show_values) for f in errors))
    others = [f for f in findings if f.severity is not Severity.ERROR]
    if others:
        out = ET.SubElement(case, "system-out")
        out.text = xml_text("\n".join(_finding_line(f, show_values) for f in others))
    written: bytes = ET.tostring(case, encoding="utf-8")
    return written + b"\n"


def _opening(element: ET.Element) -> str:
    """The start tag of an element without children (``<x a="1" />`` → ``<x a="1">``)."""
    text = ET.tostring(element, encoding="unicode")
    return text[: -len(" />")] + ">" if text.endswith(" />") else text


class JUnitWriter:
    """Streams events into a JUnit XML document written at :meth:`finish`."""

    def __init__(self, out: TextIO, show_values: bool) -> None:
        self.out = out
        self.show_values = show_values
        self.tally = Tally()
        self.body: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        self.suite: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        self.source = ""
        self.cases = self.failures = 0
        self.total_cases = self.total_failures = 0

    def observe(self, event: SourceStart | MessageResult | SourceEnd) -> None:
        """Add one event."""
        self.tally.observe(event)
        if isinstance(event, SourceStart):
            self.source = event.source
            self.cases = self.failures = 0
            self.suite.seek(0)
            self.suite.truncate()
        elif isinstance(event, MessageResult):
            name = f"{event.source}#{event.number} {event.message_type or '?'}"
            if event.control_id:
                name += f" {event.control_id}"
            self._case(name, event.findings)
        else:
            if event.findings:
                self._case(f"{event.source}#file", event.findings)
            self._close_suite()

    def _case(self, name: str, findings: list[Finding]) -> None:
        self.suite.write(_testcase(self.source, name, findings, self.show_values))
        self.cases += 1
        if any(f.severity is Severity.ERROR for f in findings):
            self.failures += 1

    def _close_suite(self) -> None:
        head = ET.Element(
            "testsuite", name=xml_text(self.source), tests=str(self.cases),
            failures=str(self.failures), errors="0", skipped="0", time="0",
        )
        self.body.write(_opening(head).encode("utf-8") + b"\n")
        self.suite.seek(0)
        shutil.copyfileobj(self.suite, self.body)
        self.body.write(b"</testsuite>\n")
        self.total_cases += self.cases
        self.total_failures += self.failures

    def finish(self) -> None:
        """Write the document."""
        root = ET.Element(
            "testsuites", name="hiecheck validate", tests=str(self.total_cases),
            failures=str(self.total_failures), errors="0", time="0",
        )
        self.out.write('<?xml version="1.0" encoding="utf-8"?>\n')
        self.out.write(_opening(root) + "\n")
        self.body.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        while chunk := self.body.read(1 << 16):
            self.out.write(decoder.decode(chunk))
        self.out.write(decoder.decode(b"", final=True))
        self.out.write("</testsuites>\n")
        self.body.close()
        self.suite.close()

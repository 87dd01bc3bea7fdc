"""GitHub Actions workflow commands: one annotation per finding, on the file and line of its
segment (``::error file=…,line=…,title=…::message``; warnings ``::warning``, info ``::notice``).

Escaped as GitHub's runner reads workflow commands: in the message ``%``, CR and LF; in property
values also ``:`` and ``,``. Never a value, whatever ``--show-values`` says (workflow logs are
shared widely). GitHub shows a limited number of annotations per step, so at most
:data:`MAX_ANNOTATIONS` are written and one notice counts the rest; the summary line ends the
output.
"""

from __future__ import annotations

from typing import TextIO

from hiecheck.hl7.artifacts import relative_path
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.tally import Tally
from hiecheck.hl7.validate import MessageResult, SourceEnd, SourceStart

MAX_ANNOTATIONS = 1000
_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A command's message: ``%``, CR, LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value: as :func:`escape_data`, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """The workflow command of one finding."""
    props = [f"file={escape_property(relative_path(finding.source))}"]
    if finding.line > 0:
        props.append(f"line={finding.line}")
    props.append(f"title={escape_property(f'{finding.rule} at {finding.location}')}")
    text = f"{finding.location}: {finding.message} (message {finding.message_number})"
    return f"::{_COMMANDS[finding.severity]} {','.join(props)}::{escape_data(text)}"


class GithubWriter:
    """Streams events as workflow commands (see the module docstring)."""

    def __init__(self, out: TextIO, requirements: str | None) -> None:
        self.out = out
        self.requirements = requirements
        self.tally = Tally()
        self.written = 0
        self.left_off = 0

    def observe(self, event: SourceStart | MessageResult | SourceEnd) -> None:
        """Write the annotations of one event."""
        self.tally.observe(event)
        if isinstance(event, SourceStart):
            return
        for finding in event.findings:
            if self.written < MAX_ANNOTATIONS:
                self.out.write(annotation(finding) + "\n")
                self.written += 1
            else:
                self.left_off += 1

    def finish(self) -> None:
        """The count of annotations left off, then one plain summary line."""
        t = self.tally
        if self.left_off:
            self.out.write(
                f"::notice title=hiecheck::{self.left_off} more findings not annotated "
                f"(at most {MAX_ANNOTATIONS}); use --format json or sarif for all\n")
        self.out.write(escape_data(
            f"hiecheck validate: requirements {self.requirements or 'none'}, {t.files} file(s), "
            f"{t.messages} message(s) ({t.messages_with_errors} with errors), {t.errors} "
            f"error(s), {t.warnings} warning(s), {t.infos} info; exit {int(t.exit_code)}") + "\n")

"""SARIF 2.1.0 for code scanning (GitHub and others): one run, the rule registry as
``tool.driver.rules``, one result per finding at the file and line of its segment.

Streamed: the head (tool, every registered rule) is written first, each result as its message is
checked, the tail (the invocation with its exit code) at :meth:`SarifWriter.finish`, so memory
stays flat on huge captures. Results carry the rule id, level (error / warning / note), the
finding's text with its HL7 location (``PID[1]-7``) and a ``logicalLocation`` naming it; never a
value, whatever ``--show-values`` says (code scanning results are shared widely).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

import hiecheck
from hiecheck.hl7.artifacts import artifact_uri
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.rules import RULES, Rule
from hiecheck.hl7.tally import Tally
from hiecheck.hl7.validate import MessageResult, SourceEnd, SourceStart

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
# Where each rule is explained: none published yet, so rules carry their full text instead
# (``fullDescription``, ``help``); set this to a page with one anchor per rule id to add helpUri.
HELP_URI_BASE: str | None = None
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_RULE_INDEX = {rule_id: i for i, rule_id in enumerate(RULES)}


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    """A ``reportingDescriptor`` of the registry's rule."""
    out: dict[str, Any] = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.replace(".", "-").split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.explanation},
        "help": {"text": f"{rule.explanation}\n\nSource: {rule.source}",
                 "markdown": f"{rule.explanation}\n\n**Source:** {rule.source}"},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"source": rule.source, "setByProfile": rule.set_by_profile},
    }
    if HELP_URI_BASE is not None:
        out["helpUri"] = f"{HELP_URI_BASE}#{rule.id}"
    return out


def sarif_result(finding: Finding, uri: tuple[str, bool] | None = None) -> dict[str, Any]:
    """One ``result``: rule, level, text and where (file, the segment's line); no value.
    ``uri``: the :func:`artifact_uri` of the finding's file, when known already."""
    name, relative = uri or artifact_uri(finding.source)
    artifact: dict[str, Any] = {"uri": name}
    if relative:
        artifact["uriBaseId"] = "SRCROOT"
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if finding.line > 0:
        physical["region"] = {"startLine": finding.line}
    location = finding.location
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": _RULE_INDEX[finding.rule],
        "level": _LEVELS[finding.severity],
        "message": {"text": f"{location}: {finding.message}"},
        "locations": [{
            "physicalLocation": physical,
            "logicalLocations": [{"name": location, "kind": "element"}],
        }],
        "properties": {"messageNumber": finding.message_number},
    }
    return result


_LINE, _NUMBER = -735911284, -826470193  # stand-ins cut out of a kept result's text
_PIECES_KEPT = 4096  # result texts kept per writer (a feed repeats its findings)


class _ResultTexts:
    """A result's text, kept without its line and message number (findings repeat message
    after message; encoding each result anew was most of writing the log)."""

    __slots__ = ("kept",)

    def __init__(self) -> None:
        self.kept: dict[tuple[object, ...], tuple[str, str, str] | None] = {}

    def __call__(self, finding: Finding, uri: tuple[str, bool]) -> str:
        key = (finding.rule, finding.severity, finding.message, finding.where, uri,
               finding.line > 0)
        if key in self.kept:
            pieces = self.kept[key]
        else:
            pieces = self._pieces(finding, uri)
            if len(self.kept) >= _PIECES_KEPT:
                self.kept.clear()
            self.kept[key] = pieces
        if pieces is None:  # a stand-in occurs in the text itself: encoded whole
            return json.dumps(sarif_result(finding, uri), ensure_ascii=False)
        head, middle, tail = pieces
        if finding.line > 0:
            return f"{head}{finding.line}{middle}{finding.message_number}{tail}"
        return f"{head}{finding.message_number}{tail}"

    @staticmethod
    def _pieces(finding: Finding, uri: tuple[str, bool]) -> tuple[str, str, str] | None:
        stand_in = Finding(
            finding.rule, finding.severity, finding.message, finding.source,
            _LINE if finding.line > 0 else 0, _NUMBER, finding.where, None,
        )
        result = sarif_result(stand_in, uri)
        if finding.line > 0:
            result["locations"][0]["physicalLocation"]["region"] = {"startLine": _LINE}
        text = json.dumps(result, ensure_ascii=False)
        line, number = str(_LINE), str(_NUMBER)
        if text.count(number) != 1 or text.count(line) != (1 if finding.line > 0 else 0):
            return None
        before, tail = text.split(number)
        if finding.line > 0:
            head, middle = before.split(line)
            return head, middle, tail
        return before, "", tail


class SarifWriter:
    """Streams events into one SARIF log (see the module docstring)."""

    def __init__(self, out: TextIO, requirements: str | None) -> None:
        self.out = out
        self.tally = Tally()
        self.count = 0
        self._uris: dict[str, tuple[str, bool]] = {}  # file -> artifact_uri (pathlib is slow)
        self._texts = _ResultTexts()
        driver = {
            "name": "hiecheck",
            "semanticVersion": hiecheck.__version__,
            "version": hiecheck.__version__,
            "rules": [rule_descriptor(r) for r in RULES.values()],
        }
        head = {
            "$schema": SARIF_SCHEMA,
            "version": SARIF_VERSION,
            "runs": [{
                "tool": {"driver": driver},
                "originalUriBaseIds": {"SRCROOT": {
                    "description": {"text": "the working directory of the run"}}},
                "properties": {"requirements": requirements or "none"},
                "results": [],
            }],
        }
        text = json.dumps(head, ensure_ascii=False)
        # Everything up to the empty results list; results follow, then the tail.
        self._tail_after_results = text[text.rindex('"results": []') + len('"results": ['):]
        self.out.write(text[: text.rindex('"results": []') + len('"results": [')])

    def observe(self, event: SourceStart | MessageResult | SourceEnd) -> None:
        """Write the results of one event."""
        self.tally.observe(event)
        if isinstance(event, SourceStart):
            return
        uris, texts = self._uris, self._texts
        for finding in event.findings:
            uri = uris.get(finding.source)
            if uri is None:
                uri = uris[finding.source] = artifact_uri(finding.source)
            self.out.write(("\n" if not self.count else ",\n") + texts(finding, uri))
            self.count += 1

    def finish(self) -> None:
        """Close the results and write the invocation (its exit code, whether it ran to the
        end)."""
        code = int(self.tally.exit_code)
        invocations = json.dumps([{"executionSuccessful": code != 2, "exitCode": code}])
        closing = self._tail_after_results  # ']}]}' after "results": [
        assert closing.startswith("]")
        self.out.write(f"\n], \"invocations\": {invocations}{closing[1:]}\n")

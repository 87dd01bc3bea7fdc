"""The fast structural path against hl7apy STRICT, on the corpus and on generated messages.

hl7apy is asked about structure only: each message is reduced to a skeleton (a clean MSH with
the message's MSH-9 and MSH-12, then every other segment as its bare id), parsed with
``parse_message(STRICT, find_groups=True)`` and validated with all errors written to a report;
errors about a segment's own fields are ignored. Both verdicts (structurally valid or not) must be
equal, and where hl7apy names missing segments the names must agree, unless the difference is one
of KNOWN_DIFFERENCES below, each with the reason hl7apy is wrong or limited.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.exceptions import MaxChildLimitReached, UnsupportedVersion
from hl7apy.parser import parse_message
from hl7apy.validation import Validator

from hiecheck.hl7 import reference, synth
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.message import Message, tokenize
from hiecheck.hl7.reader import read_source
from hiecheck.hl7.structure import check_structure

# Every way the two may disagree, and why. A disagreement not explained here fails the test.
KNOWN_DIFFERENCES: dict[str, str] = {
    "order-not-checked": "hl7apy (find_groups=True) places segments into groups but never checks "
    "their order: PV1 before PID is accepted, an ORC after OBR fills the ORC slot of the same "
    "ORDER_OBSERVATION (its own to_er7() then writes ORC before OBR, which the test uses as "
    "proof); we report the order problem.",
    "foreign-segment-dropped": "hl7apy silently drops a segment of the version that is not part "
    "of the structure (OBR in ADT_A01); we report structure.unexpected-segment. After the drop "
    "hl7apy restarts group matching, so it may also name missing segments we do not.",
    "segment-id-truncated": "hl7apy reads only the first three characters of a longer segment "
    "id (PIDX counts as PID), so it does not miss that segment; we report segment.invalid-id "
    "and the real PID as missing.",
    "unknown-segment-dropped": "hl7apy silently drops unknown and malformed segment ids (XYZ, "
    "PIDX, PV); we report segment.unknown / segment.invalid-id.",
    "nested-repeat-not-reopened": "hl7apy's grouping does not start a new occurrence of an "
    "enclosing repeating group: a second PID in ORU_R01 (a new PATIENT_RESULT, allowed as "
    "PATIENT_RESULT repeats) makes it add a second PATIENT to the first PATIENT_RESULT and raise "
    "MaxChildLimitReached. The structure hl7apy itself defines accepts the message; so do we.",
    "z-segment-breaks-grouping": "hl7apy drops a Z-segment and then restarts group matching, so "
    "segments after it (NTE after a ZPD inside ORDER_OBSERVATION) land in new, incomplete groups; "
    "without the Z-segment hl7apy accepts the same message. Z-segments may appear anywhere by HL7 "
    "convention; we accept it and report the Z-segment as info.",
    "first-error-only": "hl7apy raised while parsing (MaxChildLimitReached) and so names no "
    "missing segment; both say invalid, we name every problem.",
    "group-without-first-segment": "hl7apy opens a group for a segment that is not its first "
    "(a second IN2 after IN1 IN2 starts a new INSURANCE group in hl7apy) and then names the "
    "group's first segment (IN1) as missing; we report the stray segment itself as too many or "
    "out of order. Both say invalid.",
}
# Input normalisations (not differences in the verdict): hl7apy cannot name a message without
# MSH-9.3 (it builds e.g. ADT_A04 and fails) or with a 9.3 it does not know, so the skeleton
# carries the structure we resolved, as its own code^event; the skeleton uses standard
# delimiters and no field content (MSH-2 problems are compared in test_header_verdicts_agree).

FIELD_CHILD = re.compile(r"^[A-Z][A-Z0-9]{2}_\d+$")
MISSING = re.compile(r"Missing required child (\S+)\.(\S+)")
LIMIT = re.compile(r"Child limit exceeded (\S+)\.(\S+)")
STRUCTURAL = {
    "structure.unexpected-segment", "structure.missing-required-segment", "structure.too-many",
    "segment.unknown", "segment.invalid-id",
}


@dataclass
class Verdict:
    valid: bool
    missing: set[str]
    group_limit: bool = False  # hl7apy raised MaxChildLimitReached while adding a group
    raised: bool = False  # hl7apy stopped at its first error while parsing (names unknown)
    reordered: bool = False  # hl7apy's own serialization puts the kept segments in another order


def _short(name: str, structure: str) -> str:
    return name[len(structure) + 1:] if name.startswith(structure + "_") else name


def hl7apy_verdict(version: str, structure: str, ids: list[str]) -> Verdict:
    """hl7apy STRICT's structural verdict on a skeleton of the message.

    MSH-9 is written as the structure's own code^event (``ADT_A01`` → ``ADT^A01``): hl7apy derives
    the structure from it, and MSH-9 has no third component before 2.3.1 (CM_MSG in hl7apy).
    """
    msh = f"MSH|^~\\&|A|B|C|D|20240101120000||{structure.replace('_', '^')}|1|P|{version}"
    text = "\r".join([msh, *ids])
    try:
        msg = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
    except MaxChildLimitReached as exc:
        return Verdict(False, set(), "Cannot add <Group" in str(exc), raised=True)
    fd, report = tempfile.mkstemp(suffix=".txt")
    os.close(fd)
    try:
        with contextlib.suppress(Exception):  # the report file holds every error
            Validator.validate(msg, report_file=report)
        lines = Path(report).read_text().splitlines()
    finally:
        os.unlink(report)
    missing: set[str] = set()
    invalid = False
    for line in lines:
        for pattern in (MISSING, LIMIT):
            found = pattern.search(line)
            if found and not FIELD_CHILD.match(found.group(2)):
                invalid = True
                if pattern is MISSING:
                    missing.add(_short(found.group(2), structure))
    written = [line[:3] for line in msg.to_er7().split("\r")[1:] if line]
    kept = [i for i in ids if i in set(written)]
    return Verdict(not invalid, missing, reordered=kept != written)


def our_verdict(findings: list[Finding]) -> Verdict:
    structural = [f for f in findings if f.rule in STRUCTURAL and f.severity is Severity.ERROR]
    missing = {
        re.search(r"required (?:segment|group) (\w+)", f.message).group(1)  # type: ignore[union-attr]
        for f in structural
        if f.rule == "structure.missing-required-segment"
    }
    return Verdict(not structural, missing)


def explain(findings: list[Finding], ours: Verdict, theirs: Verdict) -> str | None:
    """Which known difference explains a disagreement (None when nothing does)."""
    rules = {f.rule for f in findings}
    texts = " ".join(f.message for f in findings)
    if ours.valid == theirs.valid:
        if ours.missing == theirs.missing or ours.valid:
            return "agree"
        # Both invalid, but the missing segments named differ.
        if theirs.raised:
            return "first-error-only"
        if theirs.reordered:
            return "order-not-checked"
        if "out of order" in texts or "structure.too-many" in rules:
            return "group-without-first-segment"
        if "not part of" in texts:
            return "foreign-segment-dropped"
        if "segment.invalid-id" in rules and theirs.missing < ours.missing:
            return "segment-id-truncated"
        if "segment.unknown" in rules:
            return "unknown-segment-dropped"
        return None
    if ours.valid:
        if theirs.group_limit:
            return "nested-repeat-not-reopened"
        return None  # hl7apy finds a structural error we miss: never acceptable otherwise
    if "out of order" in texts or theirs.reordered:
        return "order-not-checked"
    if "not part of" in texts:
        return "foreign-segment-dropped"
    if rules & {"segment.unknown", "segment.invalid-id"}:
        return "unknown-segment-dropped"
    return None


def _compare(message: Message) -> str | None:
    findings = check_structure(message)
    version = message.version
    if not reference.is_supported(version):
        with pytest.raises(UnsupportedVersion):
            parse_message("\r".join(t for _, t in message.raw.lines))
        assert {"msh.version-unsupported", "msh.version-missing", "msh.version-not-checked"} & {
            f.rule for f in findings}
        return "agree"
    structure = reference.structure_for(
        version, message.message_code, message.trigger_event, message.structure_id
    ) or reference.structure_for(version, message.message_code, message.trigger_event)
    if structure is None:
        assert {"msh.unknown-message-type", "structure.not-checked"} & {f.rule for f in findings}
        return "agree"
    ids = [s.id for s in message.segments[1:]]
    theirs = hl7apy_verdict(version, structure, ids)
    ours = our_verdict(findings)
    outcome = explain(findings, ours, theirs)
    if outcome is None:
        kept = [i for i in ids if i[:1] != "Z"]
        if kept != ids:
            without_z = hl7apy_verdict(version, structure, kept)
            if (without_z.valid, without_z.missing) == (ours.valid, ours.missing):
                return "z-segment-breaks-grouping"
    return outcome


def test_corpus_structural_verdicts_agree(corpus_dir: Path,
                                          corpus_manifest: list[dict[str, str]]) -> None:
    seen: dict[str, int] = {}
    for row in corpus_manifest:
        for raw in read_source(str(corpus_dir / row["file"])):
            outcome = _compare(tokenize(raw))
            assert outcome is not None, f"unexplained difference: {row['file']} #{raw.number}"
            seen[outcome] = seen.get(outcome, 0) + 1
    assert seen.get("agree", 0) > 100
    assert set(seen) - {"agree"} <= set(KNOWN_DIFFERENCES)


def _mutate(ids: list[str], rng: random.Random) -> list[str]:
    ids = list(ids)
    kind = rng.randrange(6)
    body = list(range(1, len(ids)))
    if kind == 0 and body:
        del ids[rng.choice(body)]
    elif kind == 1 and body:
        i = rng.choice(body)
        ids.insert(i, ids[i])
    elif kind == 2 and len(body) > 1:
        i = rng.choice(body[:-1])
        ids[i], ids[i + 1] = ids[i + 1], ids[i]
    elif kind == 3:
        ids.insert(rng.randrange(1, len(ids) + 1), "XYZ")
    elif kind == 4:
        ids.insert(rng.randrange(1, len(ids) + 1), "ZPD")
    else:
        ids.insert(rng.randrange(1, len(ids) + 1), rng.choice(["OBR", "PV1", "PID", "ORC"]))
    return ids


def test_generated_messages_verdicts_agree(make_message, msh_line) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(20240105)
    cases = [("ADT", e) for e in ("A01", "A02", "A03", "A04", "A08", "A31", "A40")] + [
        ("ORU", "R01")
    ]
    seen: dict[str, int] = {}
    for n in range(200):
        version = rng.choice(["2.3", "2.4", "2.5", "2.5.1", "2.6", "2.8"])
        code, event = rng.choice(cases)
        name = reference.structure_for(version, code, event)
        assert name is not None
        ids = synth.segment_ids(version, name, rng, optional=0.5)
        if n % 2:
            ids = _mutate(ids, rng)
        lines = [msh_line(version, f"{code}^{event}^{name}", str(n)), *ids[1:]]
        outcome = _compare(make_message(lines))
        assert outcome is not None, f"unexplained difference: {version} {name} {ids}"
        seen[outcome] = seen.get(outcome, 0) + 1
    assert seen["agree"] >= 120
    assert set(seen) - {"agree"} <= set(KNOWN_DIFFERENCES)


def test_header_verdicts_agree(corpus_dir: Path, corpus_manifest: list[dict[str, str]]) -> None:
    """hl7apy rejects duplicate encoding characters; we report msh.encoding-characters-*."""
    for row in corpus_manifest:
        for raw in read_source(str(corpus_dir / row["file"])):
            text = "\r".join(t for _, t in raw.lines)
            try:
                parse_message(text, find_groups=False)
                theirs = False
            except Exception as exc:  # only the encoding-characters kind matters here
                theirs = type(exc).__name__ == "InvalidEncodingChars"
            ours = any(f.rule.startswith("msh.encoding-characters")
                       and f.severity is Severity.ERROR
                       for f in check_structure(tokenize(raw)))
            assert ours == theirs, row["file"]

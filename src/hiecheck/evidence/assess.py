"""The message evidence source: proves or disproves interface requirements from tallied messages.

Implements :class:`hiecheck.programs.evidence_protocol.EvidenceSource`. Only ``interface``
requirements can be shown by messages; for every other kind (HIE participation, Clinical Portal,
Letter of Direction, tribal health facility) it answers ``None`` and the declaration stands.
When messages are given they take precedence over the organization file for interfaces: declared
but not shown → ``unmet`` with the reason; shown but not declared → ``met`` (and the file can be
updated).
"""

from __future__ import annotations

import re

from hiecheck.evidence.collect import Collected, GroupTally
from hiecheck.evidence.summary import LatencySummary
from hiecheck.programs.declarations import declared_status, interface_name
from hiecheck.programs.evidence_protocol import RequirementEvidence
from hiecheck.programs.models import (
    CONTENT_GROUP_LABELS,
    InterfaceRequirement,
    Requirement,
    Role,
)
from hiecheck.programs.organization import Organization
from hiecheck.programs.profile_loader import ProfileSet

_SHORT = re.compile(r"\(([^)]+)\)\s*$")


def role_titles(profiles: ProfileSet) -> dict[str, str]:
    """Short names of roles for 'needed for …' lines: ``PCPlus Tier II``, else the role name."""
    out: dict[str, str] = {}
    for loaded in profiles.in_force.values():
        m = _SHORT.search(loaded.profile.name)
        short = m.group(1) if m else loaded.profile.name
        for role in loaded.profile.roles:
            out[role.id] = f"{short} {role.tier.name}" if role.tier else role.name
    return out


def duration(seconds: float) -> str:
    """``125`` → ``2 min 5 s``; ``172920`` → ``2 d 0 h 2 min``."""
    s = round(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    if d:
        return f"{sign}{d} d {h} h {m} min"
    if h:
        return f"{sign}{h} h {m} min"
    if m:
        return f"{sign}{m} min" + (f" {sec} s" if sec else "")
    return f"{sign}{sec} s"


def _limit(minutes: float) -> str:
    return f"{minutes:g} minutes"


def _examples(refs: list[str], total: int) -> str:
    more = f", … {total - len(refs)} more" if total > len(refs) else ""
    return f" ({', '.join(refs)}{more})" if refs else ""


class MessageEvidence:
    """Evidence from an organization's own HL7 messages (an EvidenceSource)."""

    def __init__(
        self, collected: Collected, org: Organization, titles: dict[str, str] | None = None
    ) -> None:
        self.collected = collected
        self.org = org
        self.titles = titles or {}

    # ------------------------------------------------------------------------------ protocol

    def assess(self, requirement: Requirement, role: Role) -> RequirementEvidence | None:
        """Met / unmet for interface requirements; None for what messages cannot show."""
        if not isinstance(requirement, InterfaceRequirement):
            return None
        return self._interface(requirement, role)

    # ------------------------------------------------------------------------------ internals

    def _interface(self, req: InterfaceRequirement, role: Role) -> RequirementEvidence:
        c = self.collected
        profile = c.profile
        needed = f"needed for {self.titles.get(role.id, role.name)}"
        declared, _ = declared_status(req, self.org)
        name = interface_name(req)
        codes = profile.codes(req.interface)
        kinds = " or ".join(codes)
        present = [code for code in codes if code in c.types]
        n = c.count(present)
        counts = {"messages_read": c.messages}
        counts.update({f"{code}_messages": c.count([code]) for code in codes})
        if n == 0:
            why = f"none of the {c.messages} messages read are {kinds} messages"
            return RequirementEvidence(
                status="unmet",
                detail=(f"declared {name}, but {why}" if declared == "attested" else why),
                lines=[
                    f"no {kinds} messages among {c.messages} messages: {name} not shown — {needed}"
                ],
                fixes=[
                    f"Send {kinds} messages from your system to HealthInfoNet and include samples "
                    f"of them for hiecheck — {needed}"
                ],
                counts=counts,
            )
        lines: list[str] = []
        problems: list[str] = []
        fixes: list[str] = []
        proof: list[str] = []
        if req.realtime:
            for code in present:
                lat = c.latency(code)
                counts[f"{code}_latency_measured"] = lat.measured
                counts[f"{code}_within_realtime_limit"] = lat.within_limit
                shown, line, fix = self._realtime(code, lat)
                if shown:
                    lines.append(line)
                else:
                    problems.append(line)
                    lines.append(f"{line} — {needed}")
                    fixes.append(f"{fix} — {needed}")
            if not problems:
                proof.append("sent in real time")
        for gid in req.content_groups:
            label = CONTENT_GROUP_LABELS[gid]
            tally = c.group(present, gid)
            counts[f"{gid}_proven"] = tally.proven
            counts[f"{gid}_applicable"] = tally.applicable
            ok, line = self._group(gid, tally, present, n, kinds)
            if ok:
                lines.append(line)
                proof.append(label)
            else:
                problems.append(line)
                lines.append(f"{line} — {needed}")
                fixes.append(f"{profile.groups[gid].fix} — {needed}")
        if problems:
            head = f"declared {name}, but the" if declared == "attested" else "the"
            types = "/".join(present)
            detail = f"{head} {n} {types} messages do not show it: " + "; ".join(problems)
            return RequirementEvidence(
                status="unmet",
                detail=detail,
                lines=lines,
                fixes=fixes,
                counts=counts,
                messages=self._examples(present),
            )
        what = ", ".join(proof) if proof else "present"
        detail = f"shown by {n} {'/'.join(present)} messages: {what}"
        if declared == "unmet":
            detail += (
                " (your organization file does not declare this; update [hie].interfaces to "
                "match what your messages show)"
            )
        return RequirementEvidence(
            status="met",
            detail=detail,
            lines=lines,
            counts=counts,
            messages=self._examples(present),
        )

    def _examples(self, codes: list[str]) -> list[str]:
        out: list[str] = []
        for code in codes:
            out += self.collected.types[code].examples
        return out

    def _realtime(self, code: str, lat: LatencySummary) -> tuple[bool, str, str]:
        c = self.collected
        event = c.event_fields.get(code, "the event time")
        limit = _limit(lat.limit_minutes)
        if lat.realtime_shown:
            assert lat.median_seconds is not None and lat.max_seconds is not None
            return (
                True,
                (
                    f"real-time {code}: {lat.within_limit}/{lat.measured} messages created within "
                    f"{limit} of the event ({event} to MSH-7); "
                    f"median {duration(lat.median_seconds)}, longest {duration(lat.max_seconds)}"
                ),
                "",
            )
        if lat.measured == 0:
            # Why no delay could be measured, in the words `validate` uses for each reason.
            reasons = [
                f"{event} missing in {lat.no_event_time} {code} messages" if lat.no_event_time
                else "",
                f"{event} or MSH-7 not an HL7 date/time in {lat.unparseable} {code} messages"
                if lat.unparseable else "",
                f"{event} or MSH-7 less precise than minutes in {lat.imprecise} {code} messages"
                if lat.imprecise else "",
            ]
            line = "; ".join(r for r in reasons if r) or f"no measurable delay in {code} messages"
            fix = (
                f"Value {event} (event date/time, to the minute) and MSH-7 in every {code} "
                "message so real-time sending can be shown"
            )
            return False, f"{line}: cannot show real-time", fix
        after = lat.event_after_message
        if after == lat.measured:
            line = (
                f"{after} {code} messages have an event time after the message time ({event} "
                "later than MSH-7): cannot show real-time"
            )
            fix = (
                f"Set {event} to when the event happened and MSH-7 to when the {code} message "
                "was created (the event cannot come after its message); check both systems' clocks"
            )
            return False, line, fix
        assert lat.median_seconds is not None
        line = (
            f"{code} messages not real-time: only {lat.within_limit}/{lat.measured} created "
            f"within {limit} of the event ({event} to MSH-7); median delay "
            f"{duration(lat.median_seconds)}"
        )
        if after:
            line += f"; {after} have an event time after the message time"
        fix = (
            f"Send {code} messages as events happen (within {limit} of the event), "
            "not in delayed or nightly batches"
        )
        return False, line, fix

    def _group(
        self, gid: str, g: GroupTally, present: list[str], n: int, kinds: str
    ) -> tuple[bool, str]:
        c = self.collected
        rule = c.profile.groups[gid]
        label = CONTENT_GROUP_LABELS[gid]
        where = "/".join(code for code in present if (code, gid) in c.groups) or kinds
        if g.applicable == 0:
            return False, (
                f"{label} missing: none of the {n} {'/'.join(present)} messages can carry it "
                f"({rule.fields})"
            )
        share_ok = g.proven >= rule.min_share * g.applicable
        if g.proven >= rule.min_messages and share_ok:
            return True, (
                f"{label}: {rule.fields} valued in {g.proven}/{g.applicable} {where} messages"
                f"{_examples(g.examples, g.proven)}"
            )
        if g.present == 0:
            absent = rule.absent or f"{rule.key_field} never valued"
            return False, f"{absent} in {g.applicable} {where} messages: {label} missing"
        parts: list[str] = []
        for pattern, k in sorted(g.missing.items(), key=lambda kv: (-kv[1], kv[0])):
            what = "segment absent" if pattern.field is None else "not valued"
            parts.append(f"{pattern} {what} in {k} of {g.applicable} {where} messages")
        for pattern, k in sorted(g.invalid.items(), key=lambda kv: (-kv[1], kv[0])):
            what = rule.invalid.get(str(pattern), "not in the expected code set")
            parts.append(f"{pattern} {what} in {k} of {g.applicable} {where} messages")
        absent = g.applicable - g.present
        if not parts or (absent and rule.min_share > 0):
            parts.append(
                f"{rule.key_field} not valued in {absent} of {g.applicable} {where} messages"
            )
        if g.proven:
            parts.append(f"complete in {g.proven}/{g.applicable}")
        return False, f"{label} not shown: " + "; ".join(parts)

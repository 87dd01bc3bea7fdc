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
from dataclasses import dataclass, field

from hiecheck.duration import duration
from hiecheck.evidence.collect import Collected, GroupTally
from hiecheck.programs.declarations import declared_status, interface_name
from hiecheck.programs.evidence_protocol import RequirementEvidence
from hiecheck.programs.lines import Line
from hiecheck.programs.messages_summary import LatencySummary
from hiecheck.programs.models import InterfaceRequirement, Requirement, Role
from hiecheck.programs.organization import Organization
from hiecheck.programs.profile_loader import ProfileSet
from hiecheck.programs.statuses import Declared, Proof

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


def _limit(minutes: float) -> str:
    return f"{minutes:g} minutes"


def _examples(refs: list[str], total: int) -> str:
    more = f", … {total - len(refs)} more" if total > len(refs) else ""
    return f" ({', '.join(refs)}{more})" if refs else ""


@dataclass
class _Found:
    """What the messages show about one interface requirement, gathered line by line."""

    needed: str  # the role the gaps are needed for (``PCPlus Tier II``)
    counts: dict[str, int]
    lines: list[Line] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fixes: list[Line] = field(default_factory=list)
    proof: list[str] = field(default_factory=list)

    def shown(self, line: str, proof: str | None = None) -> None:
        self.lines.append(Line(line))
        if proof is not None:
            self.proof.append(proof)

    def missing(self, line: str, fix: str, *, problem: bool = True) -> None:
        if problem:
            self.problems.append(line)
        self.lines.append(Line(line, self.needed))
        self.fixes.append(Line(fix, self.needed))

    def evidence(self, status: Proof, detail: str, messages: list[str]) -> RequirementEvidence:
        return RequirementEvidence(
            status=status, detail=detail, lines=self.lines, fixes=self.fixes, counts=self.counts,
            messages=messages,
        )


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
        codes = c.profile.codes(req.interface)
        present = [code for code in codes if code in c.types]
        found = _Found(self.titles.get(role.id, role.name), {"messages_read": c.messages})
        found.counts.update({f"{code}_messages": c.count([code]) for code in codes})
        declared, _ = declared_status(req, self.org, c.profile.content)
        name = interface_name(req)
        if not present:
            return self._no_messages(name, " or ".join(codes), declared, found)
        if req.realtime:
            self._realtime_lines(present, found)
        for gid in req.content_groups:
            self._group_lines(gid, present, " or ".join(codes), found)
        n = c.count(present)
        types = "/".join(present)
        if found.problems:
            head = f"declared {name}, but the" if declared == Declared.ATTESTED else "the"
            detail = f"{head} {n} {types} messages do not show it: " + "; ".join(found.problems)
            return found.evidence(Proof.UNMET, detail, self._examples(present))
        detail = f"shown by {n} {types} messages: {', '.join(found.proof) or 'present'}"
        if declared == Declared.UNMET:
            detail += (
                " (your organization file does not declare this; update [hie].interfaces to "
                "match what your messages show)"
            )
        return found.evidence(Proof.MET, detail, self._examples(present))

    def _no_messages(
        self, name: str, kinds: str, declared: Declared, found: _Found
    ) -> RequirementEvidence:
        """None of the messages is of the interface's type."""
        total = self.collected.messages
        why = f"none of the {total} messages read are {kinds} messages"
        found.missing(
            f"no {kinds} messages among {total} messages: {name} not shown",
            f"Send {kinds} messages from your system to HealthInfoNet and include samples of "
            "them for hiecheck",
            problem=False,
        )
        detail = f"declared {name}, but {why}" if declared == Declared.ATTESTED else why
        return found.evidence(Proof.UNMET, detail, [])

    def _realtime_lines(self, present: list[str], found: _Found) -> None:
        """Whether each message type present is sent in real time."""
        shown_all = True
        for code in present:
            lat = self.collected.latency(code)
            found.counts[f"{code}_latency_measured"] = lat.measured
            found.counts[f"{code}_within_realtime_limit"] = lat.within_limit
            shown, line, fix = self._realtime(code, lat)
            if shown:
                found.shown(line)
            else:
                found.missing(line, fix)
                shown_all = False
        if shown_all:
            found.proof.append("sent in real time")

    def _group_lines(self, gid: str, present: list[str], kinds: str, found: _Found) -> None:
        """Whether the messages present carry one content group."""
        c = self.collected
        tally = c.group(present, gid)
        found.counts[f"{gid}_proven"] = tally.proven
        found.counts[f"{gid}_applicable"] = tally.applicable
        ok, line = self._group(gid, tally, present, c.count(present), kinds)
        if ok:
            found.shown(line, proof=c.profile.content.labels[gid])
        else:
            found.missing(line, c.profile.groups[gid].fix)

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
        label = c.profile.content.labels[gid]
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
        not_valued = g.applicable - g.present
        if not parts or (not_valued and rule.min_share > 0):
            parts.append(
                f"{rule.key_field} not valued in {not_valued} of {g.applicable} {where} messages"
            )
        if g.proven:
            parts.append(f"complete in {g.proven}/{g.applicable}")
        return False, f"{label} not shown: " + "; ".join(parts)

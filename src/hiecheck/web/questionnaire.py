"""The questionnaire, generated from the program profiles in force (nothing here names a program).

Each program in force becomes a section: its roles with their HIE conditions, each enrollment key
with its description and allowed values (labelled by the role a value selects), and the
incentives one may seek. The facility and HIE questions are the organization file's yes/no keys,
each with the requirements that ask for it; interfaces offer the model's kinds and content groups.
Help text quotes the source sentence, named by title and publisher.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import get_args

from pydantic import BaseModel

from hiecheck.citation import Citation
from hiecheck.programs.models import (
    EnrollmentKey,
    EnrollmentKeyName,
    InterfaceKind,
    InterfaceRequirement,
    KeyValue,
    ProgramProfile,
    Role,
)
from hiecheck.programs.organization import Facility, Hie
from hiecheck.programs.profile_loader import ProfileSet
from hiecheck.sources import Sources

KIND_LABELS = {
    "adt": "ADT (Admission Discharge Transfer): registration and visit events",
    "oru": "ORU (Observation Result): lab results, vital signs and other observations",
}
"""Plain words for the interface kinds of the organization file (``InterfaceKind``)."""

DECLARATION_TEXT: dict[str, tuple[str, str]] = {
    "hie.participant": (
        "Our organization participates in the statewide HIE (HealthInfoNet)",
        "participation",
    ),
    "hie.clinical_portal_access": (
        "Our staff have an access-only connection to HealthInfoNet's Clinical Portal",
        "clinical_portal",
    ),
    "hie.letter_of_direction": (
        "We have sent HealthInfoNet a Letter of Direction",
        "letter_of_direction",
    ),
    "facility.tribal_health_facility": (
        "We are a tribal health facility",
        "tribal_health_facility",
    ),
}
"""Question text of each yes/no key of the organization file, and the requirement kind that
asks for it (``participation`` stands for ``hie_participation``)."""

_KIND_OF = {"participation": "hie_participation"}


@dataclass(frozen=True)
class Quote:
    """A source sentence, with the document it comes from."""

    text: str
    source: str
    section: str
    url: str | None


@dataclass(frozen=True)
class Choice:
    """One allowed answer: the value sent by the form and its words."""

    value: str
    label: str
    help: str = ""
    quote: Quote | None = None


@dataclass(frozen=True)
class KeyQuestion:
    """An enrollment key of one program (e.g. PCPlus ``tier_sought``)."""

    field: str
    key: str
    label: str
    required: bool
    default: str | None
    choices: tuple[Choice, ...]
    values: tuple[KeyValue, ...]

    def decode(self, raw: str) -> KeyValue:
        """The typed value a form answer stands for (unknown answers stay text: the model
        rejects them with the same message as in a TOML file)."""
        return next((v for v in self.values if form_value(v) == raw), raw)


@dataclass(frozen=True)
class RoleSummary:
    """What a role of a program means for HIE participation."""

    id: str
    name: str
    participation: str
    incentive: str
    quote: Quote


@dataclass(frozen=True)
class ProgramSection:
    """Everything asked about one program."""

    id: str
    name: str
    url: str | None
    roles: tuple[RoleSummary, ...]
    keys: tuple[KeyQuestion, ...]
    incentives: tuple[Choice, ...]

    @property
    def field(self) -> str:
        """The form field prefix of this program's answers."""
        return f"program.{self.id}"

    def key(self, key: str) -> KeyQuestion | None:
        """The question for an enrollment key, if the program has it."""
        return next((k for k in self.keys if k.key == key), None)


@dataclass(frozen=True)
class Declaration:
    """A yes/no key of the organization file, with who asks for it."""

    field: str
    label: str
    asked_by: tuple[str, ...]
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class InterfaceAsk:
    """One HL7 interface requirement in force and the roles that have it."""

    label: str
    roles: tuple[str, ...]
    quote: Quote


@dataclass(frozen=True)
class Questionnaire:
    """The whole questionnaire for one date."""

    as_of: date
    programs: tuple[ProgramSection, ...]
    declarations: tuple[Declaration, ...]
    kinds: tuple[Choice, ...]
    content: tuple[Choice, ...]
    interface_asks: tuple[InterfaceAsk, ...]

    def program(self, program_id: str) -> ProgramSection | None:
        """The section of a program in force."""
        return next((p for p in self.programs if p.id == program_id), None)


def form_value(value: KeyValue) -> str:
    """How a form sends a typed value: ``true``/``false``, digits, or the text itself."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _quote(citation: Citation, sources: Sources) -> Quote:
    source = sources.of(citation)
    return Quote(citation.quote, source.cite(), citation.section, source.url)


def _choice_label(
    profile: ProgramProfile, key: EnrollmentKeyName, value: KeyValue
) -> tuple[str, Role | None]:
    """A value named by the role it selects when exactly one role matches on it alone."""
    roles = [
        r
        for r in profile.roles
        if key in r.match and type(r.match[key]) is type(value) and r.match[key] == value
    ]
    if len(roles) == 1:
        return roles[0].name, roles[0]
    return form_value(value), None


def _key_question(profile: ProgramProfile, spec: EnrollmentKey, sources: Sources) -> KeyQuestion:
    choices = []
    for value in spec.values:
        label, role = _choice_label(profile, spec.key, value)
        choices.append(
            Choice(
                value=form_value(value),
                label=label,
                help=role.participation_text if role else "",
                quote=_quote(role.citations[0], sources) if role else None,
            )
        )
    # When every value names a role, asking which role fits is plainer than the key's own
    # description (which may list raw values); otherwise the description is the question.
    by_role = all(c.quote is not None for c in choices)
    text = (
        f"Which describes your organization in {profile.name}?"
        if by_role
        else spec.description[:1].upper() + spec.description[1:]
    )
    return KeyQuestion(
        field=f"program.{profile.program}.{spec.key}",
        key=spec.key,
        label=text,
        required=spec.required,
        default=None if spec.default is None else form_value(spec.default),
        choices=tuple(choices),
        values=tuple(spec.values),
    )


def _incentives(profile: ProgramProfile, sources: Sources) -> tuple[Choice, ...]:
    seen: dict[str, tuple[Choice, list[str]]] = {}
    for role in profile.roles:
        for inc in role.incentives:
            if inc.id not in seen:
                seen[inc.id] = (
                    Choice(inc.id, inc.name, inc.description, _quote(inc.citation, sources)),
                    [],
                )
            seen[inc.id][1].append(role.name)
    out = []
    for choice, roles in seen.values():
        where = "" if len(roles) == len(profile.roles) else f" Applies to: {'; '.join(roles)}."
        out.append(Choice(choice.value, choice.label, choice.help + where, choice.quote))
    return tuple(out)


def _program(profile: ProgramProfile, sources: Sources) -> ProgramSection:
    return ProgramSection(
        id=profile.program,
        name=profile.name,
        url=profile.url,
        roles=tuple(
            RoleSummary(
                r.id,
                r.name,
                r.participation_text,
                r.incentive_text,
                _quote(r.citations[0], sources),
            )
            for r in profile.roles
        ),
        keys=tuple(_key_question(profile, k, sources) for k in profile.enrollment_keys),
        incentives=_incentives(profile, sources),
    )


def declaration_fields() -> list[str]:
    """Every yes/no key of the organization file's ``[hie]`` and ``[facility]`` tables."""
    tables: tuple[tuple[str, type[BaseModel]], ...] = (("hie", Hie), ("facility", Facility))
    return [
        f"{prefix}.{name}"
        for prefix, model in tables
        for name, info in model.model_fields.items()
        if info.annotation is bool
    ]


def _declarations(profiles: list[ProgramProfile], sources: Sources) -> tuple[Declaration, ...]:
    out = []
    for name in declaration_fields():
        label, kind = DECLARATION_TEXT.get(name, (name.split(".", 1)[1].replace("_", " "), ""))
        kind = _KIND_OF.get(kind, kind)
        roles: list[str] = []
        quotes: dict[str, Quote] = {}
        for profile in profiles:
            for role in profile.roles:
                for req in role.requirements:
                    if req.kind != kind:
                        continue
                    if role.name not in roles:
                        roles.append(role.name)
                    quotes.setdefault(req.citation.quote, _quote(req.citation, sources))
        out.append(Declaration(name, label, tuple(roles), tuple(quotes.values())))
    return tuple(out)


def _interface_asks(profiles: list[ProgramProfile], sources: Sources) -> tuple[InterfaceAsk, ...]:
    asks: dict[str, tuple[list[str], Quote]] = {}
    for profile in profiles:
        for role in profile.roles:
            for req in role.requirements:
                if isinstance(req, InterfaceRequirement):
                    roles, _ = asks.setdefault(req.label, ([], _quote(req.citation, sources)))
                    roles.append(role.name)
    return tuple(InterfaceAsk(label, tuple(r), q) for label, (r, q) in asks.items())


def build_questionnaire(rules: ProfileSet) -> Questionnaire:
    """The questionnaire for the profiles in force on ``rules.as_of`` (sources named by the
    titles the profiles carry)."""
    sources = rules.sources
    profiles = sorted((lp.profile for lp in rules.in_force.values()), key=lambda p: p.name)
    return Questionnaire(
        as_of=rules.as_of,
        programs=tuple(_program(p, sources) for p in profiles),
        declarations=_declarations(profiles, sources),
        kinds=tuple(Choice(k, KIND_LABELS.get(k, k.upper())) for k in get_args(InterfaceKind)),
        content=tuple(Choice(g, label) for g, label in rules.content.labels.items()),
        interface_asks=_interface_asks(profiles, sources),
    )


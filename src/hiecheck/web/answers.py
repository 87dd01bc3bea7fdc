"""Questionnaire answers: read from a posted form or an organization file, turned into the mapping
the organization model validates, and validation problems put back next to their fields.

Nothing is validated here: the pydantic models of the organization file and the enrollment
matching of the TOML loader do it, so the form and a TOML file accept and refuse the same things.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from hiecheck.errors import InputError, InputErrors
from hiecheck.programs.organization import Organization
from hiecheck.web.questionnaire import Questionnaire, declaration_fields, form_value

NAME = "name"
ENROLL = "enroll"
ROWS = "interface_rows"
STRICT = "strict"
STARTUP_MESSAGES = "startup_messages"
MESSAGES = "messages"
YES = "yes"
MIN_INTERFACE_ROWS = 2
MAX_INTERFACE_ROWS = 20

_INTERFACE = re.compile(r"^interface-(\d+)\.(kind|realtime|content)$")
_PROGRAM_KEY = re.compile(r"^program\.([a-z][a-z0-9-]*)\.([a-z_]+)$")


@dataclass
class InterfaceAnswer:
    """One row of the interfaces table."""

    kind: str = ""
    realtime: bool = False
    content: list[str] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        """Nothing chosen in this row (it is left out)."""
        return not (self.kind or self.realtime or self.content)


@dataclass
class Answers:
    """What the person answered, as the form sends it (text values)."""

    name: str = ""
    programs: list[str] = field(default_factory=list)
    keys: dict[str, dict[str, str]] = field(default_factory=dict)
    incentives: dict[str, list[str]] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)
    interfaces: list[InterfaceAnswer] = field(default_factory=list)
    strict: bool = False
    startup_messages: bool = False

    # -- reading -------------------------------------------------------------------------------

    @classmethod
    def from_form(cls, fields: Iterable[tuple[str, str]]) -> Answers:
        """Answers from posted form fields (unknown fields are ignored)."""
        out = cls()
        rows: dict[int, InterfaceAnswer] = {}
        flags = set(declaration_fields())
        for name, value in fields:
            if name == NAME:
                out.name = value
            elif name == ENROLL:
                if value not in out.programs:
                    out.programs.append(value)
            elif name == STRICT:
                out.strict = value == YES
            elif name == STARTUP_MESSAGES:
                out.startup_messages = value == YES
            elif name in flags:
                out.flags[name] = value == YES
            elif m := _INTERFACE.match(name):
                number, part = int(m[1]), m[2]
                if number >= MAX_INTERFACE_ROWS:
                    continue
                row = rows.setdefault(number, InterfaceAnswer())
                if part == "kind":
                    row.kind = value
                elif part == "realtime":
                    row.realtime = value == YES
                elif value not in row.content:
                    row.content.append(value)
            elif m := _PROGRAM_KEY.match(name):
                program, key = m[1], m[2]
                if key == "incentives_sought":
                    chosen = out.incentives.setdefault(program, [])
                    if value not in chosen:
                        chosen.append(value)
                elif value != "":
                    out.keys.setdefault(program, {})[key] = value
        out.interfaces = [rows[n] for n in sorted(rows)]
        return out

    @classmethod
    def from_organization(cls, org: Organization) -> Answers:
        """The answers an organization file gives."""
        out = cls(name=org.name)
        for enr in org.enrollment:
            out.programs.append(enr.program)
            given = enr.model_dump(exclude={"program", "incentives_sought"}, exclude_none=True)
            out.keys[enr.program] = {k: form_value(v) for k, v in given.items()}
            out.incentives[enr.program] = list(enr.incentives_sought)
        for name in declaration_fields():
            table, key = name.split(".", 1)
            out.flags[name] = bool(getattr(getattr(org, table), key))
        out.interfaces = [
            InterfaceAnswer(i.kind, i.realtime, list(i.content)) for i in org.hie.interfaces
        ]
        return out

    # -- writing -------------------------------------------------------------------------------

    def as_fields(self) -> list[tuple[str, str]]:
        """The answers as the form would post them (a result page carries them, hidden, so the
        questionnaire can be reopened with them: nothing is kept on the server)."""
        out = [(NAME, self.name)]
        out += [(ENROLL, program) for program in self.programs]
        for program, keys in self.keys.items():
            out += [(f"program.{program}.{key}", value) for key, value in keys.items()]
        for program, chosen in self.incentives.items():
            out += [(f"program.{program}.incentives_sought", value) for value in chosen]
        out += [(name, YES) for name, on in self.flags.items() if on]
        for number, row in self._kept_rows():
            out.append((f"interface-{number}.kind", row.kind))
            if row.realtime:
                out.append((f"interface-{number}.realtime", YES))
            out += [(f"interface-{number}.content", group) for group in row.content]
        if self.strict:
            out.append((STRICT, YES))
        if self.startup_messages:
            out.append((STARTUP_MESSAGES, YES))
        return out

    def interface_rows(self, extra: int = 0) -> list[InterfaceAnswer]:
        """The rows to show: every answer and at least one empty row (``extra`` more)."""
        rows = [*self.interfaces]
        empty = max(MIN_INTERFACE_ROWS - len(rows), 1) + extra
        rows += [InterfaceAnswer() for _ in range(empty)]
        return rows[:MAX_INTERFACE_ROWS]

    def _kept_rows(self) -> list[tuple[int, InterfaceAnswer]]:
        return [(n, row) for n, row in enumerate(self.interfaces) if not row.blank]

    def to_mapping(self, questionnaire: Questionnaire) -> dict[str, Any]:
        """The answers shaped like the organization file, values typed as its keys expect."""
        enrollment: list[dict[str, Any]] = []
        for program in self.programs:
            entry: dict[str, Any] = {"program": program}
            section = questionnaire.program(program)
            for key, raw in self.keys.get(program, {}).items():
                question = section.key(key) if section is not None else None
                entry[key] = question.decode(raw) if question is not None else raw
            if self.incentives.get(program):
                entry["incentives_sought"] = list(self.incentives[program])
            enrollment.append(entry)
        tables: dict[str, dict[str, Any]] = {"facility": {}, "hie": {}}
        for name in declaration_fields():
            table, key = name.split(".", 1)
            tables[table][key] = self.flags.get(name, False)
        tables["hie"]["interfaces"] = [
            {"kind": row.kind, "realtime": row.realtime, "content": list(row.content)}
            for _, row in self._kept_rows()
        ]
        return {"name": self.name.strip(), "enrollment": enrollment, **tables}

    # -- problems ------------------------------------------------------------------------------

    def field_of(self, location: tuple[str | int, ...], known: Collection[str] = ()) -> str:
        """The form field a location in the organization mapping belongs to ('' = the form);
        a program the questionnaire does not show (``known``) is the programs question's."""
        head = location[0] if location else ""
        if head == "name":
            return NAME
        if head == "enrollment":
            if len(location) < 2 or not isinstance(location[1], int):
                return ENROLL
            index = location[1]
            program = self.programs[index] if index < len(self.programs) else ""
            if program not in known:
                return ENROLL
            key = location[2] if len(location) > 2 else None
            if key is None or key == "program":
                return f"program.{program}"
            return f"program.{program}.{key}"
        if head == "hie" and len(location) > 2 and location[1] == "interfaces":
            row = location[2]
            kept = self._kept_rows()
            if isinstance(row, int) and row < len(kept):
                part = location[3] if len(location) > 3 else "kind"
                return f"interface-{kept[row][0]}.{part}"
        if head in ("hie", "facility") and len(location) > 1:
            return f"{head}.{location[1]}"
        return ""


@dataclass
class Problems:
    """Validation problems by form field, in the order found ('' = about the whole form)."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, text: str) -> None:
        """Record a problem of one field."""
        texts = self.by_field.setdefault(name, [])
        if text not in texts:
            texts.append(text)

    def merge(self, other: Problems) -> None:
        """Add another set of problems."""
        for name, text in other.items():
            self.add(name, text)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def of(self, name: str) -> list[str]:
        """The problems of one field."""
        return self.by_field.get(name, [])

    def items(self) -> list[tuple[str, str]]:
        """Every (field, problem), for the summary at the top of the form."""
        return [(name, text) for name, texts in self.by_field.items() for text in texts]


_TOKEN = re.compile(r"([A-Za-z_]+)|\[(\d+)\]")


def _location(text: str | None) -> tuple[str | int, ...]:
    """``hie.interfaces[2].kind`` → ``("hie", "interfaces", 1, "kind")`` (0-based indexes)."""
    return tuple(
        name if name else int(number) - 1 for name, number in _TOKEN.findall(text or "")
    )


def _plain(exc: InputError) -> str:
    """The problem in the words of a form (the model's own message where it is already plain)."""
    where, problem = exc.location or "", exc.problem
    if where == "name":
        return "Please give the organization's name."
    if where == "enrollment" and ("at least 1" in problem or problem.startswith("missing")):
        return "Choose at least one program."
    if problem == "missing required key" or problem.startswith("missing "):
        return "Please choose one of the answers."
    text = problem[:1].upper() + problem[1:]
    if exc.expected:
        text += f" (expected {exc.expected})"
    return text if text.endswith(".") else text + "."


def input_problems(answers: Answers, exc: InputError, known: Collection[str]) -> Problems:
    """Every problem the organization model and the enrollment matching found, at its field
    (``known``: the programs the questionnaire shows)."""
    out = Problems()
    for problem in exc.problems if isinstance(exc, InputErrors) else [exc]:
        out.add(answers.field_of(_location(problem.location), known), _plain(problem))
    return out

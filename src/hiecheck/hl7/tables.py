"""Coded values against their HL7 tables: which tables are checked and how strictly.

hl7apy ships the tables of each version (``hl7apy.v2_5.tables.TABLES``: id → description and
codes). A field or a primitive component whose datatype is

- ``ID`` (an HL7-defined table): a code not in the table is an error (``field.not-in-table``);
- ``IS`` (a user-defined table, where HL7 only suggests values): a code not among them is a
  warning (``field.not-in-user-table``), an error when the requirement set makes the table
  strict (``strict_tables`` in ``profiles/messages/requirements/*.toml``);
- table 0396 (coding system), which HL7 maintains outside the versions, is not checked.

A table hl7apy ships empty is not checked. The codes come compiled per version with the field
checks (:mod:`hiecheck.hl7.reference`); the :class:`TablePolicy` the checks are given says which
user-defined tables are strict.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum


class TableKind(StrEnum):
    """Who defines a table's values: HL7 (datatype ID) or the user (datatype IS)."""

    HL7 = "ID"
    USER = "IS"


CODED_DATATYPES: dict[str, TableKind] = {k.value: k for k in TableKind}
# HL7 Table 0396 (coding system, CE.3 / CWE.3 …) is maintained by HL7 apart from the standard and
# grows every year (UCUM, SCT, CDCREC are in it today but not in hl7apy's 2.5.1 copy); it also
# allows "HL7nnnn" (HL7 table nnnn) and "99zzz" (local) by pattern. hl7apy's copy cannot judge a
# code: not checked (on the corpus it gave only false alarms).
UNCHECKED_TABLES = frozenset({"HL70396"})
# Codes some tables allow by pattern (hl7apy lists the pattern itself as a code): 0203
# (identifier type) NNxxx, a national identifier with its ISO 3166 country code.
PATTERN_CODES: dict[str, re.Pattern[str]] = {"HL70203": re.compile(r"NN[A-Z]{3}")}
_PLACEHOLDERS = frozenset({"NNxxx"})
# HL7 Table 0125 (value type, OBX-2) names datatypes of the version; hl7apy's tables before 2.7
# lack some the version defines (CWE in 2.5.1). Filled in from the version's own datatypes.
DATATYPE_TABLES = frozenset({"HL70125"})


def table_kind(datatype: str, table: str) -> TableKind | None:
    """The kind of a coded element's table (None: the datatype is not coded)."""
    return None if table in UNCHECKED_TABLES else CODED_DATATYPES.get(datatype)


def table_codes(
    table: str, codes: tuple[str, ...], datatypes: frozenset[str]
) -> tuple[str, ...]:
    """hl7apy's codes of ``table`` with its known gaps filled (see above): placeholders of
    pattern codes dropped, a value-type table completed with the version's ``datatypes``."""
    if table in PATTERN_CODES:
        codes = tuple(c for c in codes if c not in _PLACEHOLDERS)
    if table in DATATYPE_TABLES:
        codes = tuple(sorted(set(codes) | datatypes))
    return codes


def is_pattern_code(table: str, code: str) -> bool:
    """Whether ``code`` is valid in ``table`` by one of the table's patterns (HL70005, 99USI)."""
    pattern = PATTERN_CODES.get(table)
    return pattern is not None and pattern.fullmatch(code) is not None
ALL_TABLES = "all"  # ``strict_tables = ["all"]``: every user-defined table is strict


class Rebuilt:
    """Base of the frozen, slotted dataclasses kept on disk (see
    :class:`hiecheck.hl7.cache.KeptResults`): pickled as their constructor's arguments, so
    reading them back calls ``__init__`` instead of the generic ``__setstate__`` dataclasses
    give them, which looks their fields up again for every object (a third of what reading a
    version's reference data cost). Every field of a subclass is a constructor argument."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        # Only when kept (written): reading back is the constructor call, the fast part.
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        if not all(f.init for f in fields):
            raise TypeError(f"{type(self).__name__}: every field must be a constructor argument")
        return type(self), tuple([getattr(self, f.name) for f in fields])


@dataclass(frozen=True, slots=True)
class ComponentTable(Rebuilt):
    """A primitive component of a field's datatype whose values come from a table."""

    component: int
    table: str  # HL7 table id as hl7apy names it (HL70203)
    kind: TableKind
    codes: frozenset[str]


@dataclass(frozen=True, slots=True)
class TablePolicy(Rebuilt):
    """Which user-defined (IS) tables are strict: their codes are errors, not warnings.

    ``tables`` holds table ids (``HL70004`` or ``0004``); :data:`ALL_TABLES` makes every one
    strict. HL7-defined (ID) tables are always strict."""

    tables: frozenset[str] = frozenset()

    @classmethod
    def of(cls, names: list[str] | tuple[str, ...] | frozenset[str]) -> TablePolicy:
        """A policy from the ids a requirement set lists (``0004``, ``HL70004`` or ``all``)."""
        return cls(frozenset(normalise_table_id(n) for n in names))

    @property
    def all_strict(self) -> bool:
        return ALL_TABLES in self.tables

    def strict(self, kind: TableKind, table: str) -> bool:
        """Whether a code missing from ``table`` is an error (a user-defined table only when
        the requirement set lists it)."""
        return kind is TableKind.HL7 or self.all_strict or table in self.tables


LENIENT = TablePolicy()  # no requirement set: user-defined tables give warnings


def normalise_table_id(name: str) -> str:
    """``0004``, ``4``, ``HL70004`` → ``HL70004`` (hl7apy's ids); ``all`` stays ``all``."""
    text = name.strip()
    if text.lower() == ALL_TABLES:
        return ALL_TABLES
    digits = text[3:] if text.upper().startswith("HL7") else text
    if not digits.isdigit():
        raise ValueError(f"{name!r} is not an HL7 table id (0004, HL70004) or 'all'")
    return f"HL7{int(digits):04d}"

"""Measure profiles (``profiles/measures/<measure>/*.toml``, one file per version, with their
``.sql`` beside them) and the value sets they use (``profiles/measures/value_sets.toml``),
validated on load: codes well formed, value sets and statuses known, and the SQL bound against the
empty input tables so a broken query fails when it is loaded, not half-way through a run. The
versions are read by the one effective-dated loader (hiecheck.versioned), so they load from a
checkout, an installed package or a zip alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from importlib.resources.abc import Traversable
from typing import Literal, Self

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hiecheck.citation import Citation
from hiecheck.effective import EffectivePeriod
from hiecheck.errors import InputError, raise_all
from hiecheck.measures.models import ID_PATTERN, FeedCheck, MeasureName, Note, Population
from hiecheck.measures.schema import PERIOD_PARAMETERS, RESULT_COLUMNS, InputTable, dry_run
from hiecheck.tomlfile import load_model
from hiecheck.versioned import Version, Versions, load_versions

VALUE_SETS_FILE = "value_sets.toml"

_ID = ID_PATTERN
_LOINC = re.compile(r"^(\d{1,7})-(\d)$")
_CPT = re.compile(r"^[0-9A-Z]{5}$")
_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z]{0,5}$")
_DIGITS = re.compile(r"^\d+$")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")  # a file name, no folder


def loinc_check_digit(base: str) -> int:
    """LOINC's mod-10 check digit of the part before the hyphen."""
    digits = base[::-1]
    odd = "".join(digits[0::2])[::-1]  # positions 1, 3, 5 ... from the right, in reading order
    even = "".join(digits[1::2])[::-1]
    total = sum(int(d) for d in even + str(int(odd) * 2))
    return (10 - total % 10) % 10


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValueSet(_Strict):
    """Codes and names that stand for one clinical idea, with where they come from."""

    id: str = Field(pattern=_ID)
    title: str
    loinc: list[str] = []
    cpt: list[str] = []
    hcpcs: list[str] = []
    icd10cm: list[str] = Field(default=[], description="ICD-10-CM codes without the dot")
    icd10cm_prefix: list[str] = Field(default=[], description="ICD-10-CM code beginnings")
    rxnorm: list[str] = []
    ndc: list[str] = []
    names: list[str] = Field(default=[], description="whole words matched in drug_name")
    name_patterns: list[str] = Field(default=[], description="regular expressions on drug_name")
    days_covered: int | None = Field(default=None, ge=1)
    provenance: str
    citations: list[Citation] = []

    @field_validator("loinc")
    @classmethod
    def _loinc(cls, codes: list[str]) -> list[str]:
        for code in codes:
            found = _LOINC.match(code)
            if not found or loinc_check_digit(found[1]) != int(found[2]):
                raise ValueError(f"{code!r} is not a LOINC code with a valid check digit")
        return codes

    @field_validator("cpt", "hcpcs")
    @classmethod
    def _cpt(cls, codes: list[str]) -> list[str]:
        bad = [c for c in codes if not _CPT.match(c)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a 5-character CPT/HCPCS code")
        return codes

    @field_validator("icd10cm", "icd10cm_prefix")
    @classmethod
    def _icd(cls, codes: list[str]) -> list[str]:
        bad = [c for c in codes if not (_ICD10.match(c) or re.fullmatch(r"[A-Z][0-9A-Z]{0,2}", c))]
        if bad:
            raise ValueError(f"{bad[0]!r} is not an ICD-10-CM code (upper case, no dot)")
        return codes

    @field_validator("rxnorm", "ndc")
    @classmethod
    def _digits(cls, codes: list[str]) -> list[str]:
        bad = [c for c in codes if not _DIGITS.match(c)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not digits only")
        return codes

    @field_validator("name_patterns")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None
        return patterns

    def codes(self) -> list[tuple[str, str]]:
        """(system, code) pairs; systems as the SQL names them."""
        systems = {"LOINC": self.loinc, "CPT": self.cpt, "HCPCS": self.hcpcs,
                   "ICD10CM": self.icd10cm, "RXNORM": self.rxnorm, "NDC": self.ndc}
        return [(system, code) for system, codes in systems.items() for code in codes]

    def patterns(self) -> list[tuple[str, str]]:
        """(label, regular expression) pairs matched against drug names."""
        words = [(name, rf"\b{re.escape(name)}\b") for name in self.names]
        return words + [(pattern, pattern) for pattern in self.name_patterns]


class ValueSetFile(_Strict, EffectivePeriod):
    version: str
    value_sets: list[ValueSet] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        ids = [v.id for v in self.value_sets]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        if dup:
            raise ValueError(f"value set {dup!r} is defined twice")
        return self

    def get(self, value_set: str) -> ValueSet | None:
        return next((v for v in self.value_sets if v.id == value_set), None)


class Status(_Strict):
    """One reason a member is where they are: its population and the words for it."""

    id: str = Field(pattern=_ID)
    population: Population
    text: str


class MeasureProfile(_Strict, EffectivePeriod):
    """One measure version: its SQL file, the tables and value sets it reads, its statuses."""

    measure: MeasureName
    id: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$", description="measure id in the P4P CSV")
    version: str
    title: str
    sql: str = Field(description="SQL file beside the profile")
    feed_sql: str | None = Field(default=None, description="SQL counting what the feed lacks")
    inputs: list[InputTable | Literal["hl7"]] = Field(min_length=1)
    required_columns: dict[InputTable, list[str]] = {}
    value_sets: list[str] = Field(min_length=1)
    counted_elsewhere: list[str] = Field(
        default=[], description="measures of the same program whose counts are given, not computed"
    )
    payments_column: str | None = Field(
        default=None, description="the P4P CSV column for provider payments (bhh_payments ...)")
    parameters: dict[str, int] = {}
    statuses: list[Status] = Field(min_length=1)
    feed_checks: list[FeedCheck] = []
    citations: list[Citation] = Field(min_length=1)
    readings: list[Note] = []

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [s.id for s in self.statuses]
        if len(set(ids)) != len(ids):
            raise ValueError("status ids must be unique")
        if not {"numerator", "out"} <= {s.population for s in self.statuses}:
            raise ValueError("statuses need at least one numerator and one out population")
        for name in self.parameters:
            if name in PERIOD_PARAMETERS or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                raise ValueError(f"parameter name {name!r} is reserved or not an identifier")
        return self

    def population(self, status: str) -> Population | None:
        found = next((s for s in self.statuses if s.id == status), None)
        return found.population if found else None


@dataclass(frozen=True)
class LoadedMeasure:
    """A measure profile with its SQL text and the value sets it uses, all checked."""

    source: str  # the profile file, as errors name it
    folder: Traversable  # the measure's folder: its SQL files are there
    profile: MeasureProfile
    sql: str
    feed_sql: str | None
    value_sets: ValueSetFile
    columns: list[str]  # the columns the measure query returns

    def sql_source(self, name: str) -> str:
        """An SQL file of this measure, as errors name it."""
        return str(self.folder / name)


def _read_sql(folder: Traversable, name: str, source: str, key: str) -> str:
    path = folder / name
    if not _PLAIN_NAME.match(name) or not path.is_file():
        raise InputError(source, f"SQL file {name!r} not found beside the profile", location=key,
                         expected="the name of a .sql file in the profile's folder")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read the SQL file: {exc}") from None


def _bind(sql: str, parameters: dict[str, int], source: str) -> list[str]:
    try:
        return dry_run(sql, parameters)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(source, f"SQL does not run on the input tables: {first}") from None


def load_value_sets(folder: Traversable) -> ValueSetFile:
    """``measures/value_sets.toml``, validated."""
    path = folder / VALUE_SETS_FILE
    if not path.is_file():
        raise InputError(str(path), "value sets file not found")
    return load_model(path, ValueSetFile)


def _load_measure(version: Version[MeasureProfile], folder: Traversable,
                  value_sets: ValueSetFile) -> LoadedMeasure:
    """One measure version with its SQL, checked against the value sets and the input tables."""
    source, profile = version.source, version.profile
    for i, name in enumerate(profile.value_sets, start=1):
        if value_sets.get(name) is None:
            raise InputError(source, f"unknown value set {name!r}",
                             location=f"value_sets[{i}]", expected=f"an id in {VALUE_SETS_FILE}")
    sql = _read_sql(folder, profile.sql, source, "sql")
    columns = _bind(sql, profile.parameters, str(folder / profile.sql))
    missing = [c for c in RESULT_COLUMNS if c not in columns]
    if missing:
        raise InputError(str(folder / profile.sql), f"query returns no {missing[0]!r} column",
                         expected="columns " + ", ".join(RESULT_COLUMNS) + " first")
    feed_sql = None
    if profile.feed_sql:
        feed_sql = _read_sql(folder, profile.feed_sql, source, "feed_sql")
        feed_columns = _bind(feed_sql, profile.parameters, str(folder / profile.feed_sql))
        if feed_columns[:2] != ["id", "count"]:
            raise InputError(str(folder / profile.feed_sql), "query must return id, count")
    return LoadedMeasure(source=source, folder=folder, profile=profile, sql=sql,
                         feed_sql=feed_sql, value_sets=value_sets, columns=columns)


def _measure_of(profile: MeasureProfile) -> str:
    return profile.measure


def measure_versions(root: Traversable, measure: MeasureName) -> Versions[MeasureProfile]:
    """Every version of ``measure``, the files of ``root/<measure>/`` (``root``: a
    profiles/measures folder), validated and checked for overlapping effective ranges by the one
    effective-dated loader (hiecheck.versioned); their SQL is not read yet."""
    if not root.is_dir():
        raise InputError(str(root), "measure profiles folder not found",
                         expected="profiles/measures/<measure>/*.toml")
    versions = load_versions(root / measure, MeasureProfile, kind=f"{measure} measure",
                             id_of=_measure_of)
    raise_all([
        InputError(v.source, f"a profile of measure {v.profile.measure!r} in the {measure} folder",
                   location="measure", expected=f'measure = "{measure}"')
        for v in versions.versions if v.profile.measure != measure
    ])
    return versions


def load_measures(root: Traversable, measure: MeasureName) -> list[LoadedMeasure]:
    """Every version of ``measure`` (see :func:`measure_versions`), oldest first, each with its
    SQL read and bound and its value sets checked."""
    versions = measure_versions(root, measure)
    value_sets = load_value_sets(root)
    return [_load_measure(v, root / measure, value_sets) for v in versions.of(measure)]


def select_measure(root: Traversable, measure: MeasureName, day: date) -> LoadedMeasure:
    """The version of ``measure`` in force on ``day`` (the last day of the measured period)."""
    versions = load_measures(root, measure)
    for loaded in versions:
        if loaded.profile.in_force(day):
            if not loaded.value_sets.in_force(day):
                raise InputError(str(root / VALUE_SETS_FILE),
                                 f"value sets are not in force on {day.isoformat()}",
                                 expected=f"a date in {loaded.value_sets.period}")
            return loaded
    ranges = ", ".join(f"{m.profile.version}: {m.profile.period}" for m in versions)
    raise InputError(str(root / measure), f"no {measure} measure profile in force on "
                     f"{day.isoformat()}", expected=f"a period ending in {ranges}")

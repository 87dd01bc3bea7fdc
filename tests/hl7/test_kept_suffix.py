"""The walk's expression of a rejected segment (all fields from the first checked one) is kept
between runs with the clean expressions' texts, and is the very expression built anew."""

from __future__ import annotations

import pytest

from hiecheck.hl7 import field_regex, reference
from hiecheck.hl7.compiled import CheckMode, VersionRegistry, Walker


def test_the_walk_expression_is_kept_per_version_and_segment() -> None:
    spec = reference.segment_spec("2.5.1", "PID")
    assert spec is not None
    built = field_regex.suffix_pattern(spec, 1).pattern
    walker = Walker(spec, version="2.5.1")
    walker.first()
    kept = field_regex._SOURCES.get(
        "2.5.1", ("suffix", "PID", "1"), lambda: pytest.fail("not kept"))
    assert kept == built
    assert Walker(spec).first()("PID|1||x", 3) is not None  # without a version: built, as before


def test_compiled_segments_walk_with_kept_expressions() -> None:
    found = VersionRegistry(CheckMode.FAST).get("2.5.1")
    assert found is not None
    segment = found.segment("MSH")
    assert segment is not None and segment.walker is not None
    assert segment.walker.version == "2.5.1"
    assert segment.walker.first().__self__.pattern == (  # type: ignore[attr-defined]
        field_regex.suffix_pattern(segment.spec, 3).pattern)


def test_the_field_expressions_of_a_walk_are_kept_too() -> None:
    spec = reference.segment_spec("2.5.1", "PV1")
    assert spec is not None
    walker = Walker(spec, version="2.5.1")
    assert walker.field(2)("I") is not None and walker.field(2)("99") is None  # HL70004
    kept = field_regex._SOURCES.get(
        "2.5.1", ("field", "PV1", "2"), lambda: pytest.fail("not kept"))
    assert kept == field_regex.field_pattern(spec, 2).pattern
    assert Walker(spec).field(2)("99") is None  # without a version: built, as before


def test_kept_reference_data_reads_back_equal_through_the_constructor() -> None:
    """The frozen classes of the reference data pickle as their constructor's arguments (see
    hiecheck.hl7.tables.Rebuilt): what comes back is equal, field for field."""
    import dataclasses
    import pickle

    spec = reference.segment_spec("2.5.1", "OBX")
    assert spec is not None
    from hiecheck.hl7.tables import LENIENT, ComponentTable, TableKind, TablePolicy

    back = pickle.loads(pickle.dumps(spec, pickle.HIGHEST_PROTOCOL))
    assert back == spec
    structure = reference.compile_structure("2.5.1", "ADT_A01")
    assert structure is not None
    table = ComponentTable(2, "HL70004", TableKind.HL7, frozenset({"I", "O"}))
    kept = [*[c for c in spec.checks if dataclasses.is_dataclass(c)], *spec.fields,
            structure.root, table, TablePolicy.of(["0004"]), LENIENT]
    for item in kept:
        rebuilt, args = item.__reduce__()
        assert rebuilt is type(item)
        assert args == tuple(getattr(item, f.name) for f in dataclasses.fields(item))
        assert pickle.loads(pickle.dumps(item, pickle.HIGHEST_PROTOCOL)) == item

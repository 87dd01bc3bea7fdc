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

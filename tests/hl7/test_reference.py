"""Reference data compiled from hl7apy: versions, structures, event map, segment specs."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType

import pytest

from hiecheck.hl7 import reference, synth
from hiecheck.hl7.event_structures import EVENT_STRUCTURES

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    """tools/generate_event_structures.py (a developer tool, not part of the package)."""
    path = ROOT / "tools" / "generate_event_structures.py"
    spec = importlib.util.spec_from_file_location("generate_event_structures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

# HL7 Table 0354 sharing the event map must reproduce (spot checks per standard chapter 3).
SHARED = {
    "A04": "ADT_A01", "A08": "ADT_A01", "A13": "ADT_A01", "A07": "ADT_A06", "A10": "ADT_A09",
    "A11": "ADT_A09", "A40": "ADT_A39", "A41": "ADT_A39", "A42": "ADT_A39", "A51": "ADT_A50",
    "A53": "ADT_A52", "A62": "ADT_A61",
}


def test_event_map_module_matches_its_generator() -> None:
    gen = _generator()
    assert gen.build() == EVENT_STRUCTURES
    assert gen.TARGET.read_text(encoding="utf-8") == gen.render(gen.build())


@pytest.mark.parametrize("version", ["2.3", "2.5", "2.5.1", "2.8"])
def test_every_adt_event_a01_to_a62_resolves(version: str) -> None:
    events = EVENT_STRUCTURES[version]
    defined = [f"A{n:02d}" for n in range(1, 63) if f"ADT^A{n:02d}" in events]
    assert "A01" in defined and "A19" not in defined  # A19 is a QRY/ADR query
    for event in defined:
        name = reference.structure_for(version, "ADT", event)
        if events[f"ADT^{event}"] is None:
            assert name is None  # withdrawn, no hl7apy structure
            continue
        assert name is not None and name.startswith("ADT_A"), event
        compiled = reference.compile_structure(version, name)
        assert compiled is not None and compiled.root.children[0].id == "MSH"
    for event, structure in SHARED.items():
        if f"ADT^{event}" in events:
            assert events[f"ADT^{event}"] == structure, (version, event)


def test_version_specific_sharing() -> None:
    """2.3 has no ADT_A05 (A05 uses ADT_A01); 2.5 does; A55 moved to ADT_A54 in 2.6."""
    assert reference.structure_for("2.3", "ADT", "A05") == "ADT_A01"
    assert reference.structure_for("2.5", "ADT", "A05") == "ADT_A05"
    assert reference.structure_for("2.5", "ADT", "A55") == "ADT_A52"
    assert reference.structure_for("2.8", "ADT", "A55") == "ADT_A54"
    assert reference.structure_for("2.8", "ADT", "A18") is None
    assert reference.structure_for("2.5", "ORU", "R01") == "ORU_R01"
    assert reference.structure_for("2.5", "ACK", "A01") == "ACK"


def test_declared_structure_wins_when_known() -> None:
    assert reference.structure_for("2.5", "ADT", "A04", "ADT_A01") == "ADT_A01"
    assert reference.structure_for("2.5", "ADT", "A04", "ADT_A04") is None


@pytest.mark.parametrize("version", ["1.0", "", "2.9", "3"])
def test_unsupported_versions(version: str) -> None:
    assert not reference.is_supported(version)
    assert reference.compile_structure(version, "ADT_A01") is None
    assert reference.segment_spec(version, "PID") is None
    assert reference.structure_for(version, "ADT", "A01") is None


def test_versions_map_to_hl7apy_modules() -> None:
    assert reference.module_name("2.3.1") == "hl7apy.v2_3_1"
    assert reference.module_name("2.5.1") == "hl7apy.v2_5_1"
    for version in reference.SUPPORTED_VERSIONS:
        assert reference.library(version).MESSAGES


def test_structures_compile_once() -> None:
    first = reference.compile_structure("2.5", "ADT_A01")
    assert first is reference.compile_structure("2.5", "ADT_A01")


def test_compiled_regex_accepts_generated_orders_and_rejects_swaps() -> None:
    rng = random.Random(5)
    for version in ("2.3", "2.5.1", "2.8"):
        for name in ("ADT_A01", "ADT_A03", "ORU_R01", "ADT_A39"):
            compiled = reference.compile_structure(version, name)
            assert compiled is not None
            for _ in range(20):
                ids = synth.segment_ids(version, name, rng, optional=0.6)
                assert compiled.matches(",".join(ids) + ","), (version, name, ids)
            assert not compiled.matches("PID,MSH,")


def test_segment_spec_from_hl7apy() -> None:
    spec = reference.segment_spec("2.5", "PID")
    assert spec is not None
    by_number = {f.number: f for f in spec.fields}
    assert by_number[3].min == 1 and by_number[3].max == -1 and by_number[3].datatype == "CX"
    assert by_number[7].datatype == "TS" and by_number[7].formats == ((1, "DTM"),)
    assert [f.number for f in spec.required] == [3, 5]
    assert spec.field_count == 39


def test_segment_spec_uses_the_fields_own_definition() -> None:
    """hl7apy 2.8's PR1 entry points PR1-11 at PR1-10's NM reference; the field says WD."""
    spec = reference.segment_spec("2.8", "PR1")
    assert spec is not None
    assert {f.number: f.datatype for f in spec.fields}[11] == "WD"


def test_withdrawn_fields_are_gaps() -> None:
    spec = reference.segment_spec("2.6", "DG1")
    assert spec is not None
    assert spec.checks[7] == reference.GAP and spec.field_count == 26


def test_conditional_obx_fields_are_not_required() -> None:
    spec = reference.segment_spec("2.3.1", "OBX")
    assert spec is not None
    assert {f.number for f in spec.required} == {3, 11}


def test_tables_and_lengths_come_from_hl7apy() -> None:
    assert "P" in reference.tables("2.5")["HL70103"]
    assert reference.tables("2.3") == {}
    assert reference.base_max_lengths("2.5")["ST"] == 199

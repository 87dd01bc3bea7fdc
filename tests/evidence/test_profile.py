"""The evidence profile: the real-time rule and proof rules are data."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from hiecheck.errors import InputError
from hiecheck.evidence.assess import MessageEvidence, duration
from hiecheck.evidence.collect import collect
from hiecheck.evidence.profile import load_evidence_profile
from hiecheck.hl7.location import Location, at_line, at_segment
from hiecheck.hl7.message import tokenize
from hiecheck.hl7.reader import RawMessage
from hiecheck.programs.models import InterfaceRequirement


def test_realtime_rule_is_data_with_citation(kit: SimpleNamespace) -> None:
    """Seed 003, Primary Care Plus / Tier II: "Tier II: HL7 data interface supporting real-time
    Admission Discharge Transfer (ADT) messages ..." — 'real-time' is undefined there: the
    profile names its reading."""
    profile = load_evidence_profile(kit.ROOT / "src" / "hiecheck" / "profiles")
    rt = profile.realtime
    assert rt.max_latency_minutes == 60 and rt.min_share_within == 0.5
    assert rt.citation.source == "003_954d39c802c8d7be.txt"
    assert "real-time" in rt.citation.quote
    assert "does not define 'real-time'" in rt.reading


def test_changing_the_limit_changes_the_verdict(
    kit: SimpleNamespace, tmp_path: Path, profiles
) -> None:
    """Raising the limit to three days makes the two-day-late set real-time: no code change."""
    folder = tmp_path / "profiles"
    shutil.copytree(kit.ROOT / "src" / "hiecheck" / "profiles", folder)
    path = folder / "evidence" / "evidence.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "max_latency_minutes = 60", "max_latency_minutes = 4320"
        ),
        encoding="utf-8",
    )
    profile = load_evidence_profile(folder)
    c = collect([str(kit.SETS / "adt-not-realtime")], profile, profiles=folder)
    assert c.latency("ADT").realtime_shown


def test_bad_profile_key_is_input_error(kit: SimpleNamespace, tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    shutil.copytree(kit.ROOT / "src" / "hiecheck" / "profiles", folder)
    path = folder / "evidence" / "evidence.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("min_measured = 1", "min_measured = 1\nspeed = 2"),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_evidence_profile(folder)
    assert "realtime.speed" in err.value.one_line()


def test_requirement_set_covers_every_content_group(kit: SimpleNamespace) -> None:
    from hiecheck.hl7.requirements import load_requirements

    profile = load_evidence_profile(kit.ROOT / "src" / "hiecheck" / "profiles")
    compiled = load_requirements(
        profile.requirement_set, kit.ROOT / "src" / "hiecheck" / "profiles"
    )
    assert compiled is not None
    assert {"ADT", "ORU"} <= compiled.message_types
    assert set(profile.groups) <= {g.id for g in compiled.groups}


@pytest.mark.parametrize(
    ("where", "pattern"),
    [(at_segment("PR1", 1), "PR1"), (at_segment("PID", 1, 7), "PID-7"),
     (at_segment("OBX", 2, 3, 1, 2), "OBX-3.1"), (at_line(4), None)],
)
def test_locations_name_their_field(where: Location, pattern: str | None) -> None:
    """The evidence step counts fields from Location values (issue 11: no text parsed back)."""
    ref = where.field_ref()
    assert (None if ref is None else str(ref)) == pattern


def test_helpers() -> None:
    msh = "MSH|^~\\&|A|B|C|D|20260101120000||adt^a04^ADT_A01|1|P|2.5.1"
    message = tokenize(RawMessage("m.hl7", 1, [(1, msh)]))
    assert (message.message_code, message.trigger_event) == ("ADT", "A04")  # one case rule
    assert duration(125) == "2 min 5 s" and duration(172920) == "2 d 0 h 2 min"


def test_other_requirement_kinds_get_no_answer(kit: SimpleNamespace, profiles, collected) -> None:
    """Messages cannot show HIE participation, Clinical Portal access, a Letter of Direction or
    a tribal facility: the evidence source answers None and the declaration stands."""
    from hiecheck.programs.organization import Organization

    org = Organization.model_validate({"name": "X", "enrollment": [{"program": "bhh"}]})
    source = MessageEvidence(collected(kit.SETS / "tier2-complete"), org)
    for loaded in profiles.in_force.values():
        for role in loaded.profile.roles:
            for req in role.requirements:
                answer = source.assess(req, role)
                assert (answer is None) == (not isinstance(req, InterfaceRequirement))


def test_streaming_tallies_match_for_jobs(kit: SimpleNamespace, collected: Callable) -> None:
    one = collected(kit.SAMPLES / "sets", jobs=1).summary()
    two = collected(kit.SAMPLES / "sets", jobs=2).summary()
    assert one == two and one.messages == sum(one.by_type.values())

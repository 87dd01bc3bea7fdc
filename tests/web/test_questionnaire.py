"""The questionnaire comes from the profiles; answers and organization files round-trip."""

from __future__ import annotations

import shutil
import string
import tomllib
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from hiecheck.check import load_rules, organization_toml
from hiecheck.paths import bundled_profiles
from hiecheck.programs.organization import Organization
from hiecheck.web.answers import Answers
from hiecheck.web.app import commented
from hiecheck.web.questionnaire import build_questionnaire, form_value

AS_OF = date(2026, 6, 1)
DEMO_PROFILE = '''
program = "demo"
name = "Demonstration Program (DEMO)"
version = "2026.1"
effective_from = 2026-01-01
[contact]
name = "Demo program office"
email = "demo@example.org"
[hie_contact]
name = "HealthInfoNet Client Engagement team"
email = "clientengagement@hinfonet.org"
[citation]
source = "demo.txt"
section = "Demo"
quote = "The demo program exists for a test."
[[enrollment_keys]]
key = "contract"
values = ["small", "large"]
required = true
description = "the size of the demo contract"
[[roles]]
id = "demo-small"
name = "Demo practice, small contract"
match = { contract = "small" }
participation = "optional"
participation_text = "HIE participation is optional for small demo contracts."
incentive_text = "None."
citations = [{ source = "demo.txt", section = "Demo", quote = "Small contracts may participate." }]
[[roles]]
id = "demo-large"
name = "Demo practice, large contract"
match = { contract = "large" }
participation = "required"
participation_text = "HIE participation is required for large demo contracts."
incentive_text = "None."
citations = [{ source = "demo.txt", section = "Demo", quote = "Large contracts must participate." }]
[[roles.requirements]]
id = "hie-participation"
kind = "hie_participation"
label = "Participate in the statewide HIE (HealthInfoNet)"
next_step = "Ask {hie_name} ({hie_email}) to start HIE participation."
citation = { source = "demo.txt", section = "Demo", quote = "Large contracts must participate." }
[[roles.paths]]
id = "participation"
label = "HIE participation"
requires = ["hie-participation"]
'''


def _questionnaire(profiles: Path | None = None):  # type: ignore[no-untyped-def]
    return build_questionnaire(load_rules(profiles, AS_OF).programs)


def test_a_new_program_profile_appears_in_the_form_without_code_changes(
    tmp_path: Path, web: SimpleNamespace
) -> None:
    """A profile made here (a program hiecheck has never heard of) becomes a section of the
    questionnaire, its key's values named by its roles, and it is checked like any other."""
    profiles = tmp_path / "profiles"
    shutil.copytree(bundled_profiles(), profiles)
    (profiles / "programs" / "demo.toml").write_text(DEMO_PROFILE, encoding="utf-8")
    section = _questionnaire(profiles).program("demo")
    assert section is not None and section.name == "Demonstration Program (DEMO)"
    (key,) = section.keys
    assert [c.label for c in key.choices] == [
        "Demo practice, small contract",
        "Demo practice, large contract",
    ]
    assert key.required and key.choices[1].quote is not None
    assert key.choices[1].quote.text == "Large contracts must participate."

    client = web.make_client(profiles=profiles)
    page = client.get("/")
    assert "Demonstration Program (DEMO)" in page.text
    assert 'name="program.demo.contract"' in page.text
    fields = [
        ("name", "Demo Clinic"),
        ("enroll", "demo"),
        ("program.demo.contract", "large"),
        ("hie.participant", "yes"),
    ]
    result = web.post_form(client, fields)
    assert result.status_code == 200, result.text[:1500]
    assert web.role_statuses(result.text) == {"demo-large": "attested"}
    missing = web.post_form(client, fields[:2])
    assert missing.status_code == 422
    assert 'id="f-program-demo-contract-error-1"' in missing.text


def test_every_bundled_program_is_asked(web: SimpleNamespace) -> None:
    q = _questionnaire()
    rules = load_rules(None, AS_OF).programs
    assert {p.id for p in q.programs} == set(rules.in_force)
    for section in q.programs:
        profile = rules.program(section.id)
        assert profile is not None
        assert [k.key for k in section.keys] == [k.key for k in profile.enrollment_keys]
        for question, spec in zip(section.keys, profile.enrollment_keys, strict=True):
            assert [c.value for c in question.choices] == [form_value(v) for v in spec.values]
            assert [question.decode(c.value) for c in question.choices] == spec.values


# -- round trips -------------------------------------------------------------------------------

_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")


@st.composite
def organizations(draw: st.DrawFn) -> Organization:
    """Valid organizations over the bundled questionnaire's programs and answers."""
    q = _questionnaire()
    chosen = draw(st.lists(st.sampled_from(q.programs), min_size=1, unique_by=lambda p: p.id))
    enrollment = []
    for section in chosen:
        entry: dict[str, object] = {"program": section.id}
        for key in section.keys:
            entry[key.key] = draw(st.sampled_from(key.values))
        enrollment.append(entry)
    interfaces = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "kind": st.sampled_from([c.value for c in q.kinds]),
                    "realtime": st.booleans(),
                    "content": st.lists(
                        st.sampled_from([c.value for c in q.content]), unique=True
                    ),
                }
            ),
            max_size=3,
        )
    )
    return Organization.model_validate(
        {
            "name": draw(_TEXT).strip() or "x",
            "enrollment": enrollment,
            "facility": {"tribal_health_facility": draw(st.booleans())},
            "hie": {
                "participant": draw(st.booleans()),
                "letter_of_direction": draw(st.booleans()),
                "clinical_portal_access": draw(st.booleans()),
                "interfaces": interfaces,
            },
        }
    )


@settings(max_examples=60, deadline=None)
@given(organizations())
def test_answers_round_trip_to_the_same_organization(org: Organization) -> None:
    """Organization → answers → form fields → answers → mapping → the same organization."""
    q = _questionnaire()
    answers = Answers.from_organization(org)
    again = Answers.from_form(answers.as_fields())
    assert Organization.model_validate(again.to_mapping(q)) == org


@settings(max_examples=80, deadline=None)
@given(organizations(), st.text(alphabet=string.printable + "\x00\x7f“é\u2028", max_size=30))
def test_organization_files_read_back_as_written(org: Organization, comment: str) -> None:
    """The TOML writer escapes every character TOML needs escaped (quotes, backslashes, control
    characters, DEL) and comments cannot break out of their line."""
    text = commented(organization_toml(org), [comment, "second\nline"])
    assert Organization.model_validate(tomllib.loads(text)) == org
    assert all(line.startswith("#") for line in text.splitlines()[:2])

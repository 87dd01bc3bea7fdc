"""`validate --fail-on error|warning|never` and the onboarding / production modes of each
requirement set (issue 16, "CI-native outputs": strict while a feed is being proven, lenient once
live, as conformance tools in this field offer)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from hiecheck.errors import ExitCode
from hiecheck.hl7.gate import FailOn, exit_code
from hiecheck.hl7.requirement_files import available_requirement_sets
from hiecheck.hl7.requirements import load_requirements

SETS = ("hie-adt", "pcplus-tier2", "pcplus-tier3")


def _with_warning(h: SimpleNamespace) -> str:
    """A clean hie-adt message with one warning only: PV1-4 admission type 3 (user table 0007)."""
    text = h.clean_adt().replace("PV1|1|I|||", "PV1|1|I||3|", 1)
    assert "PV1|1|I||3|" in text
    return text


def test_gate_table() -> None:
    for fail_on, e, w, expected in [
        (FailOn.ERROR, 0, 5, ExitCode.OK), (FailOn.ERROR, 1, 0, ExitCode.FINDINGS),
        (FailOn.WARNING, 0, 1, ExitCode.FINDINGS), (FailOn.WARNING, 0, 0, ExitCode.OK),
        (FailOn.NEVER, 3, 3, ExitCode.OK),
    ]:
        assert exit_code(fail_on, errors=e, warnings=w, unreadable=0) is expected
    assert exit_code(FailOn.NEVER, errors=0, warnings=0, unreadable=1) is ExitCode.BAD_INPUT


def test_fail_on_warning_and_never(h: SimpleNamespace, write, cli) -> None:  # type: ignore[no-untyped-def]
    path = write(_with_warning(h))
    default = cli("validate", path, "-q")
    assert default.exit_code == 0, default.output
    assert "field.not-in-user-table" in default.output
    strict = cli("validate", path, "-q", "--fail-on", "warning")
    assert strict.exit_code == 1 and "warning findings" in strict.output
    broken = write(h.clean_adt().replace("DOE^JANE", ""))
    assert cli("validate", broken, "-q", "--fail-on", "never").exit_code == 0
    assert cli("validate", broken, "-q", "--fail-on", "error").exit_code == 1
    report = json.loads(cli("validate", broken, "-q", "-f", "json", "--fail-on", "never").stdout)
    assert report["exit_code"] == 0


def test_unreadable_is_exit_two_whatever_fail_on(write, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("validate", write(b""), "-q", "--fail-on", "never").exit_code == 2


@pytest.mark.parametrize("set_id", SETS)
def test_every_set_has_onboarding_and_production(set_id: str) -> None:
    assert {set_id, f"{set_id}-onboarding", f"{set_id}-production"} <= set(
        available_requirement_sets())
    base = load_requirements(set_id)
    onboarding = load_requirements(f"{set_id}-onboarding")
    production = load_requirements(f"{set_id}-production")
    assert base is not None and onboarding is not None and production is not None
    assert onboarding.groups == base.groups == production.groups  # one file, two modes
    assert (onboarding.fail_on, production.fail_on, base.fail_on) == (
        FailOn.WARNING, FailOn.ERROR, None)
    assert onboarding.strict_tables == {"all"}
    assert production.strict_tables == base.strict_tables == {"HL70004"}
    assert onboarding.id == f"{set_id}-onboarding"


def test_onboarding_fails_what_production_passes(h: SimpleNamespace, write, cli) -> None:  # type: ignore[no-untyped-def]
    path = write(_with_warning(h))
    onboarding = cli("validate", path, "-q", "-r", "hie-adt-onboarding")
    assert onboarding.exit_code == 1, onboarding.output
    assert cli("validate", path, "-q", "-r", "hie-adt-production").exit_code == 0
    assert cli("validate", path, "-q", "-r", "hie-adt").exit_code == 0
    # --fail-on wins over the mode's gate.
    assert cli("validate", path, "-q", "-r", "hie-adt-onboarding", "--fail-on", "never"
               ).exit_code == 0


def test_unknown_mode_is_bad_input(h: SimpleNamespace, write, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("validate", write(h.clean_adt()), "-q", "-r", "hie-adt-staging")
    assert result.exit_code == 2
    assert "hie-adt-onboarding" in result.output

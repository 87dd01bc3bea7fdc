"""The exit code of ``validate``: which findings fail the run (``--fail-on``).

- ``error`` (default): exit 1 when any finding is an error;
- ``warning``: exit 1 when any finding is an error or a warning (a strict gate: onboarding);
- ``never``: exit 0 whatever the findings (report only).

Unreadable input is exit 2 in every case: nothing was checked.
"""

from __future__ import annotations

from enum import StrEnum

from hiecheck.errors import ExitCode


class FailOn(StrEnum):
    """Which findings make ``validate`` exit 1."""

    ERROR = "error"
    WARNING = "warning"
    NEVER = "never"


def exit_code(fail_on: FailOn, *, errors: int, warnings: int, unreadable: int) -> ExitCode:
    """The exit code for these counts under ``fail_on``."""
    if unreadable:
        return ExitCode.BAD_INPUT
    if fail_on is FailOn.NEVER:
        return ExitCode.OK
    if errors or (fail_on is FailOn.WARNING and warnings):
        return ExitCode.FINDINGS
    return ExitCode.OK

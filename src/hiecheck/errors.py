"""Exit codes and the one error type that reports bad user input as a single line."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented process exit codes (see README, "Exit codes")."""

    OK = 0  # every required condition met / no error findings
    FINDINGS = 1  # some requirement unmet, or error findings in messages
    BAD_INPUT = 2  # input could not be read or is invalid (file, key, row or segment named)
    INTERNAL = 3  # a bug in hiecheck; rerun with HIECHECK_DEBUG=1 for the traceback


class InputError(Exception):
    """Bad user input: names the file, where in it, and what was expected.

    Rendered as one line: ``FILE:LOCATION: PROBLEM (expected EXPECTED)``.
    """

    def __init__(
        self,
        source: str,
        problem: str,
        *,
        location: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.source = source
        self.problem = problem
        self.location = location
        self.expected = expected
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The single-line message shown to the user."""
        where = f"{self.source}:{self.location}" if self.location else self.source
        text = f"{where}: {self.problem}"
        if self.expected:
            text += f" (expected {self.expected})"
        return " ".join(text.split())

"""Exit codes and the error types that report bad user input as one line per problem."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

MAX_PROBLEMS = 20
"""At most this many problems of one input are listed (README, "Exit codes"); the rest counted."""


class ExitCode(IntEnum):
    """Documented process exit codes (see README, "Exit codes")."""

    OK = 0  # every required condition met / no error findings
    FINDINGS = 1  # some requirement unmet (check), error findings in messages (validate)
    BAD_INPUT = 2  # input could not be read or is invalid (file, key, row or segment named)
    INTERNAL = 3  # a bug in hiecheck; rerun with HIECHECK_DEBUG=1 for the traceback
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    TERMINATED = 143  # SIGTERM (128 + SIGTERM), after letting go of what the run held


class Terminated(BaseException):
    """SIGTERM arrived (a CI timeout, ``timeout``, a service manager): raised in the main thread
    so that what a run holds is let go (a report's temporary file, worker processes, temporary
    folders) before it ends. A BaseException, as KeyboardInterrupt: no ``except Exception``
    takes it for an error to work around."""


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

    def lines(self) -> list[str]:
        """Every problem, one line each (one here)."""
        return [self.one_line()]


class InputErrors(InputError):
    """Several problems found in one run, e.g. every bad key of an organization file.

    Behaves as its first problem (``source``, ``location``, ``problem``, :meth:`one_line`) for
    code that handles one; :meth:`lines` lists them all, at most :data:`MAX_PROBLEMS`.
    """

    def __init__(self, problems: Sequence[InputError]) -> None:
        if not problems:
            raise ValueError("InputErrors needs at least one problem")
        self.problems: list[InputError] = [
            p for e in problems for p in (e.problems if isinstance(e, InputErrors) else [e])
        ]
        first = self.problems[0]
        super().__init__(first.source, first.problem, location=first.location,
                         expected=first.expected)
        self.args = ("\n".join(self.lines()),)

    def lines(self) -> list[str]:
        shown = [p.one_line() for p in self.problems[:MAX_PROBLEMS]]
        hidden = len(self.problems) - len(shown)
        if hidden:
            shown.append(
                f"{self.problems[MAX_PROBLEMS].source}: and {hidden} more problem"
                f"{'s' if hidden > 1 else ''} (fix the ones above first)"
            )
        return shown


def raise_all(problems: Sequence[InputError]) -> None:
    """Raise the problems found, if any: one as itself, several as :class:`InputErrors`."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InputErrors(problems)

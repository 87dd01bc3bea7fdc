"""Every problem of an input file in one run: collected, capped, reported one line each."""

from __future__ import annotations

from hiecheck.errors import InputError

MAX_LISTED = 50


class CsvProblems(InputError):
    """Bad input with one or more problems, each an ``InputError`` naming row and column.

    ``one_line()`` (what a caller that shows one line prints) is the first problem plus a count;
    the P4P commands print every listed problem, one line each.
    """

    def __init__(self, problems: list[InputError], total: int) -> None:
        self.problems = problems
        self.total = total
        first = problems[0]
        super().__init__(
            first.source, first.problem, location=first.location, expected=first.expected
        )

    def one_line(self) -> str:
        text = self.problems[0].one_line()
        more = self.total - 1
        return f"{text} (and {more} more problem{'s' if more > 1 else ''})" if more else text

    def lines(self) -> list[str]:
        """One line per listed problem, and a last line when some were not listed."""
        out = [p.one_line() for p in self.problems]
        hidden = self.total - len(self.problems)
        if hidden:
            out.append(
                f"{self.problems[0].source}: {hidden} more problem{'s' if hidden > 1 else ''} "
                f"not listed (at most {MAX_LISTED} are)"
            )
        return out


class Problems:
    """Problems of one file in row order; at most ``MAX_LISTED`` kept, all counted."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._found: list[tuple[int, int, InputError]] = []
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(
        self,
        line: int | None,
        problem: str,
        *,
        column: str | None = None,
        expected: str | None = None,
        order: int = 0,
    ) -> None:
        """A problem at ``line`` (None: the whole file) in ``column``; ``order`` sorts problems
        of one line (the column's position)."""
        self.total += 1
        if len(self._found) >= MAX_LISTED * 4:
            return  # enough kept to list the first MAX_LISTED by row once sorted
        where = None
        if line is not None:
            where = f"row {line}: {column}" if column else f"row {line}"
        elif column:
            where = column
        error = InputError(self.source, problem, location=where, expected=expected)
        self._found.append((line or 0, order, error))

    def error(self) -> CsvProblems:
        """The exception listing the problems (call only when there is one)."""
        ordered = [e for _, _, e in sorted(self._found, key=lambda item: (item[0], item[1]))]
        return CsvProblems(ordered[:MAX_LISTED], self.total)

    def raise_if_any(self) -> None:
        """Raise ``CsvProblems`` if anything was found."""
        if self.total:
            raise self.error()

"""The portfolio as CSV for a spreadsheet: one row per organization and role.

Safe to open: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
(what a spreadsheet reads as a formula) is prefixed with ``'``, so an organization named
``=HYPERLINK(…)`` stays text. Lines end with CRLF (RFC 4180); written to a file, the text starts
with a UTF-8 byte-order mark so spreadsheets read accented names right.
"""

from __future__ import annotations

import csv
from typing import TextIO

from hiecheck.portfolio.model import OrganizationEntry, Portfolio, RoleRow
from hiecheck.portfolio.render_words import ReportLink, first_problem, no_link, status_of

COLUMNS = (
    "key", "file", "organization", "program", "role", "role_name", "status", "participation",
    "tier_sought", "tier_reached", "tier_basis", "tier_proven", "unmet", "conflicts", "next_step",
    "problem", "messages", "report",
)
"""The header row (README, "Portfolio runs", lists what each column holds)."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def cell(value: object) -> str:
    """A value as a CSV cell a spreadsheet shows as text (None: empty)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(entry: OrganizationEntry, row: RoleRow | None, link: ReportLink) -> list[str]:
    tier = row.tier if row is not None else None
    values: list[object] = [
        entry.key, entry.file, entry.name,
        row.program if row else None, row.role if row else None, row.name if row else None,
        status_of(entry, row), row.participation if row else None,
        tier.sought if tier else None, tier.reached if tier else None,
        tier.basis if tier else None, tier.proven if tier else None,
        row.unmet if row else None, row.conflicts if row else None,
        row.next_step if row else None,
        first_problem(entry) if entry.problem is not None else None,
        entry.messages, link(entry),
    ]
    return [cell(v) for v in values]


def render_csv(
    portfolio: Portfolio, stream: TextIO, link: ReportLink = no_link, *, bom: bool = False
) -> None:
    """Write the rows to ``stream`` (``bom``: start with a byte-order mark, for files)."""
    if bom:
        stream.write(BOM)
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry, row in portfolio.rows():
        writer.writerow(_row(entry, row, link))

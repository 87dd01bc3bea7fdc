"""The people-facing report: rich tables of findings, rule counts, content groups, latency, files.

Memory stays bounded on huge captures: at most ``max_rows`` findings per severity are kept and
shown (errors first); everything else is counted by :class:`hiecheck.hl7.tally.Tally`
(content-group verdicts per status, latencies per distinct value).
"""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from rich.table import Table

from hiecheck.console import make_console, safe_text
from hiecheck.counted import counted_median
from hiecheck.duration import duration
from hiecheck.hl7.content import ABSENT, INCOMPLETE, NOT_APPLICABLE, SATISFIED, GroupStatus
from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import location_text
from hiecheck.hl7.tally import Tally
from hiecheck.hl7.validate import MessageResult, SourceEnd, SourceStart

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "dim"}
_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
_GROUP_COLUMNS = ((SATISFIED, "satisfied"), (INCOMPLETE, "incomplete"), (ABSENT, "absent"),
                  (NOT_APPLICABLE, "not applicable"))


class TableWriter:
    """Collects a bounded sample of findings (``max_rows`` per severity, errors shown first) and
    the run's tally; prints the tables at :meth:`finish`."""

    def __init__(
        self, out: TextIO, requirements: str | None, show_values: bool, max_rows: int = 200
    ) -> None:
        self.out = out
        self.requirements = requirements
        self.show_values = show_values
        self.max_rows = max_rows
        self.tally = Tally(by_type=True)
        self.kept: dict[Severity, list[Finding]] = {s: [] for s in _ORDER}
        self.files: list[tuple[str, int, int, int, int]] = []

    def _keep(self, findings: list[Finding]) -> None:
        for f in findings:
            bucket = self.kept[f.severity]
            if len(bucket) < self.max_rows:
                bucket.append(f)

    def observe(self, event: SourceStart | MessageResult | SourceEnd) -> None:
        """Add one event."""
        self.tally.observe(event)
        if isinstance(event, MessageResult):
            self._keep(event.findings)
        elif isinstance(event, SourceEnd):
            self._keep(event.findings)
            self.files.append((event.source, *self.tally.file_counts()))

    def finish(self) -> None:
        """Print the tables."""
        console = make_console(self.out, width=160 if not self.out.isatty() else None)
        rows = [f for s in _ORDER for f in self.kept[s]]
        table = Table(title="Findings", show_lines=False)
        for col in ("severity", "rule", "file:line", "msg", "location", "finding"):
            table.add_column(col, overflow="fold")
        if self.show_values:
            table.add_column("value", overflow="fold")
        for f in rows:  # user text (file names, locations, values) as Text: never markup
            cells = [safe_text(f.severity.value, _STYLE[f.severity]), safe_text(f.rule),
                     safe_text(f"{f.source}:{f.line}"), safe_text(f.message_number or "file"),
                     safe_text(f.location), safe_text(f.message)]
            if self.show_values:
                cells.append(safe_text(f.value or ""))
            table.add_row(*cells)
        tally = self.tally
        totals = tally.final_totals()
        hidden = totals.errors + totals.warnings + totals.infos - len(rows)
        if rows:
            console.print(table)
        if hidden > 0:
            console.print(f"… {hidden} more finding(s) not shown (at most {self.max_rows} per "
                          "severity); use --format json for all.")
        rules = Table(title="Findings by rule")
        rules.add_column("rule")
        rules.add_column("severity")
        rules.add_column("count", justify="right")
        for rule, count in totals.rules.items():
            sev = tally.first_severity.get(rule, Severity.INFO)
            rules.add_row(safe_text(rule), safe_text(sev.value, _STYLE[sev]), str(count))
        if totals.rules:
            console.print(rules)
        groups = tally.group_statuses()
        if groups:
            console.print(self._groups_table(groups))
        if tally.types:
            console.print(self._latency_table())
        files = Table(title="Files")
        for col in ("file", "messages", "errors", "warnings", "info"):
            files.add_column(col, justify="left" if col == "file" else "right")
        for name, messages, e, w, i in self.files:
            files.add_row(safe_text(name), str(messages), str(e), str(w), str(i))
        console.print(files)
        verdict = _verdict(tally)
        line = safe_text(
            f"requirements: {self.requirements or 'none'} · files: {totals.files} · messages: "
            f"{totals.messages} ({totals.messages_with_errors} with errors) · errors: "
            f"{totals.errors} · warnings: {totals.warnings} · info: {totals.infos} · "
        )
        line.append(*verdict)
        console.print(line)

    def _groups_table(self, groups: dict[str, Counter[GroupStatus]]) -> Table:
        table = Table(title=f"Content groups ({self.requirements}): messages per verdict")
        table.add_column("group")
        for _, label in _GROUP_COLUMNS:
            table.add_column(label, justify="right")
        for gid, counts in groups.items():
            table.add_row(safe_text(gid), *(str(counts[status]) for status, _ in _GROUP_COLUMNS))
        return table

    def _latency_table(self) -> Table:
        table = Table(title="Latency: event time to message time (MSH-7)")
        for col in ("type", "messages", "measured", "from", "median", "max"):
            table.add_column(col, justify="left" if col in ("type", "from") else "right")
        for code, t in sorted(self.tally.types.items()):
            counts = t.latencies
            if not counts:
                table.add_row(safe_text(code), str(t.messages), "0", "", "", "")
                continue
            fields = ", ".join(location_text(f) for f, _ in t.latency_from.most_common())
            table.add_row(safe_text(code), str(t.messages), str(sum(counts.values())), fields,
                          duration(counted_median(counts)), duration(max(counts)))
        return table


def _verdict(tally: Tally) -> tuple[str, str]:
    """The last words of the summary line and their colour, as the exit code decides them."""
    code = int(tally.exit_code)
    if code == 2:
        return "unreadable input", "red"
    if code == 1:
        return ("error findings", "red") if tally.errors else (
            "warning findings (--fail-on warning)", "red")
    if tally.errors:
        return f"error findings (not failing: --fail-on {tally.fail_on})", "yellow"
    return "clean: no error findings", "green"

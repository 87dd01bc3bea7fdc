"""Controlling High Blood Pressure (CMS165 logic) from an organization's own HL7 messages, as one
function returning a :class:`CbpSummary` — for `hiecheck measure cbp` and for `check --messages`
("what the HIE's CBP eCQM would see in your data" for PCPlus Tier II/III organizations)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hiecheck.measures.engine import session
from hiecheck.measures.models import CbpSummary, MeasureReport, Period, rate
from hiecheck.measures.run import MeasureRequest, execute

# Status ids of profiles/measures/cbp.toml this summary reads (checked: see _count).
NO_HYPERTENSION = "no-hypertension"


def summarize(report: MeasureReport, period_from_data: bool) -> CbpSummary:
    """The CBP summary of a finished `cbp` run."""
    by_status = {s.status: s for s in report.statuses}
    if NO_HYPERTENSION not in by_status:
        raise ValueError(f"the cbp profile has no {NO_HYPERTENSION!r} status")
    patients = sum(s.members for s in report.statuses)
    numerator = sum(s.members for s in report.statuses if s.population == "numerator")
    denominator = numerator + sum(s.members for s in report.statuses if s.population == "gap")
    with_reading = numerator + sum(
        s.members for s in report.statuses if s.population == "gap" and s.status != "no-reading"
    )
    messages = sum(i.rows for i in report.inputs if i.table == "hl7")
    return CbpSummary(
        version=report.version,
        period=report.period,
        period_from_data=period_from_data,
        messages=messages,
        patients=patients,
        with_hypertension=patients - by_status[NO_HYPERTENSION].members,
        denominator=denominator,
        with_reading=with_reading,
        controlled=numerator,
        rate_percent=rate(numerator, denominator),
        statuses=report.statuses,
        missing=[c for c in report.feed_checks if c.count],
        readings=report.readings,
    )


def cbp_report(paths: Sequence[str], *, period: Period | None = None,
               profiles: Path | None = None, id_type: str | None = None,
               members_out: Path | None = None, gaps_out: Path | None = None,
               show_values: bool = False, salt: str | None = None,
               codes: Path | None = None) -> MeasureReport:
    """The full measure report of CBP over the messages in ``paths``."""
    request = MeasureRequest(measure="cbp", period=period, hl7=list(paths), id_type=id_type,
                             codes=codes,
                             members_out=members_out, gaps_out=gaps_out,
                             show_values=show_values, salt=salt, profiles=profiles)
    with session() as con:
        return execute(request, con)[1]


def cbp_summary(paths: Sequence[str], *, period: Period | None = None,
                profiles: Path | None = None, id_type: str | None = None) -> CbpSummary:
    """What the HIE's CBP eCQM would see in the messages of ``paths`` (files, folders, globs).

    ``period`` None: the calendar year of the latest message date. Bad input raises InputError.
    """
    report = cbp_report(paths, period=period, profiles=profiles, id_type=id_type)
    return summarize(report, period_from_data=period is None)

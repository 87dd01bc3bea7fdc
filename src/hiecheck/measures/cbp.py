"""Controlling High Blood Pressure (CMS165 logic) from an organization's own HL7 messages, as one
function returning a :class:`CbpSummary` — for `hiecheck measure cbp` and for `check --messages`
("what the HIE's CBP eCQM would see in your data" for PCPlus Tier II/III organizations)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from hiecheck.measures.engine import session
from hiecheck.measures.hl7_extract import HL7Tables
from hiecheck.measures.models import NO_HYPERTENSION, CbpSummary, MeasureReport, Period, rate
from hiecheck.measures.profile import measure_versions
from hiecheck.measures.run import MeasureRequest, execute, latest_message_day
from hiecheck.paths import profiles_dir


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


def check_summary(tables: HL7Tables, as_of: date, profiles: Path | None = None) -> CbpSummary:
    """The CBP summary of the messages `check` put into ``tables`` during its one pass.

    The period is what `measure cbp` takes, the calendar year of the latest message date; when
    no message is dated, or no CBP profile version is in force at the end of that year (messages
    from before CMS165's profile), the calendar year of ``as_of`` (the check's date)."""
    versions = measure_versions(profiles_dir(profiles) / "measures", "cbp")
    with session() as con:
        counts = tables.load(con)
        latest = latest_message_day(con)
        year = latest.year if latest is not None else as_of.year
        from_data = latest is not None and versions.pick("cbp", Period.year(year).end) is not None
        period = Period.year(year if from_data else as_of.year)
        request = MeasureRequest(measure="cbp", period=period, profiles=profiles)
        report = execute(request, con, hl7=counts)[1]
    return summarize(report, period_from_data=from_data)

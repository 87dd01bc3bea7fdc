"""The CBP eCQM block of a `check` report in words: what the HIE's Controlling High Blood Pressure
measure would see in the organization's messages, for the table, the markdown and the HTML report.

Counts only (the summary holds no patient). The words a person reads are built once here
(:func:`cbp_facts` and the headings) and laid out by each renderer (HTML: its template); the
readings (how CMS165 is read from HL7 v2, what HL7 v2 cannot show) are not repeated in the block:
each report's readings section lists them once, under :data:`CBP_READINGS_TITLE`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hiecheck.measures.models import CbpSummary, FeedCheckResult
from hiecheck.programs.report import Report
from hiecheck.programs.text_layout import Printer

CBP_TITLE = "Blood pressure eCQM: what the HIE would see in your messages"
CBP_READINGS_TITLE = "Controlling High Blood Pressure eCQM (CMS165) from your HL7 messages"
LEFT_OUT_HEADING = "Patients with hypertension not in the measure"
LACKING_HEADING = "What the measure needs that your messages lack"
LETTER_NOTE = (
    "These are counts only: no patient is named. How hiecheck reads CMS165 from HL7 v2, and what "
    "HL7 v2 cannot show, is under “Where the published rules are silent” below."
)
"""The block's last sentence in the letters (markdown, HTML), whose readings section follows."""


@dataclass(frozen=True)
class CbpFacts:
    """The block's sentences and counted lines, renderer-neutral."""

    intro: str
    counts: list[tuple[int, str]]  # the funnel: patients → … → controlled
    rate: str
    left_out: list[tuple[int, str]]  # patients with hypertension not in the measure, by reason
    lacking: list[str]  # what the messages lack for the measure


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def lacking_words(check: FeedCheckResult) -> str:
    """A feed check that found something: its meaning, and how many when it counts things."""
    return check.text + (f" ({_plural(check.count, check.unit)})" if check.unit else "")


def cbp_facts(cbp: CbpSummary) -> CbpFacts:
    """What the block says, from the summary's counts and the profile's own status words."""
    period = f"{cbp.period.start} to {cbp.period.end}"
    why = (
        "the calendar year of the latest message"
        if cbp.period_from_data
        else "the calendar year of this check's date"
    )
    intro = (
        "PCPlus Tier II and III practices support the HIE's Controlling High Blood Pressure "
        "electronic clinical quality measure (eCQM, CMS165 logic) in HARP. In the "
        f"{_plural(cbp.messages, 'message')} read, for {period} ({why}), it would find:"
    )
    controlled = next((s.text for s in cbp.statuses if s.population == "numerator"), "")
    counts = [
        (cbp.patients, "patients"),
        (cbp.with_hypertension, "with an essential hypertension diagnosis"),
        (cbp.denominator, "of them in the measure" + (" (why the others are not: below)"
                                                      if cbp.left_out() else "")),
        (
            cbp.with_reading,
            "of those with a usable blood-pressure reading (a day with both a systolic and a "
            "diastolic reading, not taken in the emergency department or a hospital stay)",
        ),
        (cbp.controlled, f"of those controlled ({controlled})" if controlled else "controlled"),
    ]
    rate = (
        f"Rate: {cbp.rate_percent}% controlled."
        if cbp.rate_percent is not None
        else "Rate: none (no patient is in the measure)."
    )
    return CbpFacts(
        intro=intro,
        counts=counts,
        rate=rate,
        left_out=[(s.members, s.text) for s in cbp.left_out()],
        lacking=[lacking_words(c) for c in cbp.missing],
    )


def cbp_readings(report: Report) -> list[str]:
    """The CBP readings of the report (none without the block), for its readings section."""
    return [r.text for r in report.cbp.readings] if report.cbp is not None else []


def render_cbp_table(out: Printer, cbp: CbpSummary, *, explain: bool) -> None:
    """The block as a section of the table report (80 columns: wrapped by ``out``)."""
    facts = cbp_facts(cbp)
    width = len(str(max(n for n, _ in facts.counts)))
    out.blank()
    out.heading(CBP_TITLE)
    out.line(facts.intro)
    for n, words in facts.counts:
        out.line(words, indent=2, prefix=f"{n:>{width}} ")
    out.line(facts.rate, indent=2)
    if facts.left_out:
        out.line(f"{LEFT_OUT_HEADING}:", style="bold")
        for n, words in facts.left_out:
            out.line(words, indent=2, prefix=f"{n:>{width}} ")
    if facts.lacking:
        out.line(f"{LACKING_HEADING}:", style="bold")
        for words in facts.lacking:
            out.line(words, indent=2, prefix=f"{out.marks.mark('unmet')} ", prefix_style="bold red")
    where = "in the readings at the end" if explain else "add --explain"
    out.line(
        f"How hiecheck reads CMS165 from HL7 v2, and what HL7 v2 cannot show: {where}.",
        style="dim",
    )


def render_cbp_markdown(cbp: CbpSummary) -> list[str]:
    """The block as a section of the markdown letter."""
    facts = cbp_facts(cbp)
    out = [f"## {CBP_TITLE}", "", facts.intro, ""]
    out += [f"- **{n}** {words}" for n, words in facts.counts]
    out += ["", facts.rate, ""]
    if facts.left_out:
        out += [f"{LEFT_OUT_HEADING}:", ""]
        out += [f"- **{n}**: {words}" for n, words in facts.left_out]
        out.append("")
    if facts.lacking:
        out += [f"{LACKING_HEADING}:", ""]
        out += [f"- [ ] {words}" for words in facts.lacking]
        out.append("")
    return [*out, LETTER_NOTE, ""]

"""Values to words for people: amounts, percentages, statuses, reasons, cautions, readings.

Shared by the text, markdown and HTML renderers (machine formats keep the values). Amounts are
``$1,234.56``; percentages have two decimals, rounded toward zero like every shown score.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from hiecheck.p4p.models import (
    BhhStatus,
    Caution,
    ImprovementNote,
    ImprovementReason,
    OhhStatus,
    PerformanceReason,
    ProfileUsed,
    Unreachable,
)

_HUNDREDTH = Decimal("0.01")

OHH_STATUS: dict[OhhStatus, str] = {
    "excellence": "excellence",
    "meets-minimum": "meets minimum",
    "below-minimum": "below minimum",
    "not-scored": "not scored",
}
BHH_STATUS: dict[BhhStatus, str] = {"meets": "meets", "below": "below", "not-scored": "not scored"}
PERFORMANCE_REASON: dict[PerformanceReason, str] = {
    "no-ncqa": "no NCQA PCMH recognition",
    "not-full-year": "did not provide services for a full calendar year",
    "no-measure-result": "no health measure result (every denominator below the minimum)",
    "no-percentile": "no other practice in the file has a raw score for its measures, so no "
    "percentile",
}
IMPROVEMENT_REASON: dict[ImprovementReason, str] = {
    "no-ncqa": "no NCQA PCMH recognition",
    "not-full-year": "did not provide services for the full current calendar year",
    "not-full-previous-year": "did not provide services for the full previous calendar year",
    "no-previous-file": "no previous-year file (--previous)",
    "no-previous-results": "no previous-year results for this practice",
}
IMPROVEMENT_NOTE: dict[ImprovementNote, str] = {
    "no-common-measures": "no measure has a valid result in both years",
    "no-previous-score": "no previous-year raw score to improve on",
    "not-more-than-previous": "the current total raw score is not more than the previous",
    "below-first-band": "the improvement is below the first Table B band",
}
UNREACHABLE: dict[Unreachable, str] = {
    "above-maximum": "not reachable: it is more than every counted measure at a raw score of "
    "100",
    "no-measures": "not reachable: no measure has a valid result in both years",
    "no-previous-score": "not reachable: there is no previous-year raw score to improve on",
}


def money(amount: Decimal | None) -> str:
    """``$1,234.56`` (``n/a`` for None)."""
    return "n/a" if amount is None else f"${amount:,.2f}"


def score(value: Decimal | None) -> str:
    """``26.99``: two decimals, rounded toward zero like every shown score (``n/a`` for None)."""
    if value is None:
        return "n/a"
    if value.as_tuple().exponent == -4:  # the reports' scores: drop two digits
        return str(value)[:-2]
    return str(value.quantize(_HUNDREDTH, rounding=ROUND_DOWN))


def pct(value: Decimal | None) -> str:
    """``26.99%``: a score as a percentage."""
    return "n/a" if value is None else f"{score(value)}%"


def limit(value: Decimal) -> str:
    """A threshold or rate set by a program: ``27%``, ``0.5%``."""
    return f"{number(value)}%"


def number(value: Decimal | int | None) -> str:
    """A plain number without trailing zeros: 1200, 1,234.5."""
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 member``, ``3 members``."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def caution(item: Caution) -> str:
    """One sentence: why some figures mean less than they seem."""
    if item.kind == "few-providers":
        return (
            f"only {plural(item.count, 'provider')} in this file (fewer than "
            f"{item.meaningful}): the bonus pool and the shares are only these providers' kept "
            "withholds, not the program's"
        )
    return (
        f"measure {item.measure}: only {plural(item.count, 'other practice')} with a raw score "
        f"(fewer than {item.meaningful}): its percentiles move in steps wider than the "
        "narrowest Table A band and mean little"
    )


def readings_line(profile: ProfileUsed) -> str:
    """The one line that stands for the readings and citations without --explain."""
    ids = ", ".join(r.id for r in profile.readings)
    return (
        f"{plural(len(profile.readings), 'reading')} where the sources are silent ({ids}) and "
        f"{plural(len(profile.citations), 'source sentence')}: add --explain to see each with "
        "the source sentence it reads (json, markdown and html always carry them)."
    )


def profile_line(profile: ProfileUsed) -> str:
    until = profile.effective_to.isoformat() if profile.effective_to else "open"
    return (
        f"Profile {profile.version} (in force {profile.effective_from.isoformat()}..{until}), "
        f"used for {profile.as_of.isoformat()}."
    )

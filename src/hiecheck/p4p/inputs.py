"""Provider-level inputs, held as columns (100,000 providers stay a few megabytes).

A provider is an index; its counts sit in flat arrays, provider-major, one slot per measure
(-1 where a PCMH practice has no row for a measure). ``build`` makes an input from plain values
(tests, other front ends) with the same checks the CSV reader applies.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, NamedTuple

from hiecheck.p4p.cells import MAX_COUNT, MAX_DOLLARS

PaymentsBasis = Literal["gross", "net"]
ABSENT = -1


class Counts(NamedTuple):
    """A measure's numerator and denominator member counts."""

    numerator: int
    denominator: int


def _check_counts(counts: Counts) -> Counts:
    if not 0 <= counts.numerator <= counts.denominator <= MAX_COUNT:
        raise ValueError(f"bad counts {counts}: need 0 ≤ numerator ≤ denominator ≤ {MAX_COUNT}")
    return counts


def cents_of(amount: Decimal | str | int | None) -> int | None:
    """A money amount as whole cents (None stays None); fractions of a cent are refused."""
    if amount is None:
        return None
    value = Decimal(amount) * 100
    if value != value.to_integral_value() or value < 0:
        raise ValueError(f"amount {amount} is not a non-negative number of cents")
    if value > MAX_DOLLARS * 100:
        raise ValueError(f"amount {amount} is more than ${MAX_DOLLARS:,}")
    return int(value)


@dataclass(frozen=True)
class OhhInput:
    """OHH providers: counts per measure (profile order) and payments in cents."""

    source: str
    measures: tuple[str, ...]
    ids: list[str]
    rows: array[int]
    numerators: array[int]
    denominators: array[int]
    payments: list[int | None]
    payments_basis: PaymentsBasis | None  # None: no payments column

    def __len__(self) -> int:
        return len(self.ids)

    def counts(self, provider: int) -> list[Counts]:
        width = len(self.measures)
        start = provider * width
        return [
            Counts(self.numerators[start + m], self.denominators[start + m]) for m in range(width)
        ]

    @classmethod
    def build(
        cls,
        measures: Sequence[str],
        providers: Iterable[tuple[str, Sequence[tuple[int, int]], Decimal | str | None]],
        *,
        basis: PaymentsBasis | None = "gross",
        source: str = "<input>",
    ) -> OhhInput:
        """From ``(provider_id, [(numerator, denominator) per measure], payments)``."""
        ids, nums, dens, pays = [], array("q"), array("q"), []
        for provider_id, counts, payments in providers:
            if len(counts) != len(measures):
                raise ValueError(f"{provider_id}: one (numerator, denominator) per measure")
            ids.append(provider_id)
            for pair in counts:
                c = _check_counts(Counts(*pair))
                nums.append(c.numerator)
                dens.append(c.denominator)
            pays.append(cents_of(payments))
        rows = array("l", range(2, 2 + len(ids)))
        given = basis if any(p is not None for p in pays) else None
        return cls(source, tuple(measures), ids, rows, nums, dens, pays, given)


@dataclass(frozen=True)
class BhhInput:
    """BHH providers: screening counts and total BHH payments in cents."""

    source: str
    ids: list[str]
    rows: array[int]
    numerators: array[int]
    denominators: array[int]
    payments: list[int | None]

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(
        cls,
        providers: Iterable[tuple[str, int, int, Decimal | str | None]],
        *,
        source: str = "<input>",
    ) -> BhhInput:
        """From ``(provider_id, numerator, denominator, payments)``."""
        ids, nums, dens, pays = [], array("q"), array("q"), []
        for provider_id, numerator, denominator, payments in providers:
            c = _check_counts(Counts(numerator, denominator))
            ids.append(provider_id)
            nums.append(c.numerator)
            dens.append(c.denominator)
            pays.append(cents_of(payments))
        return cls(source, ids, array("l", range(2, 2 + len(ids))), nums, dens, pays)


@dataclass(frozen=True)
class PcmhInput:
    """PCMH practice-years: counts per measure (-1 where absent) and practice-level facts."""

    source: str
    measures: list[str]
    ids: list[str]
    rows: array[int]
    numerators: array[int]
    denominators: array[int]
    ncqa_recognized: list[bool | None]
    full_year: list[bool]
    annualized_members: list[Decimal | None]

    def __len__(self) -> int:
        return len(self.ids)

    def counts(self, practice: int) -> dict[str, Counts]:
        """The practice's counts by measure (only measures it has a row for)."""
        width = len(self.measures)
        start = practice * width
        out = {}
        for m, measure in enumerate(self.measures):
            den = self.denominators[start + m]
            if den != ABSENT:
                out[measure] = Counts(self.numerators[start + m], den)
        return out

    def index(self) -> dict[str, int]:
        """Practice id → position."""
        return {practice: i for i, practice in enumerate(self.ids)}

    @classmethod
    def build(cls, practices: Iterable[PcmhPractice], *, source: str = "<input>") -> PcmhInput:
        """From practice records (measures in first-seen order)."""
        items = list(practices)
        measures: list[str] = []
        for item in items:
            for measure in item.measures:
                if measure not in measures:
                    measures.append(measure)
        width = len(measures)
        nums = array("q", [ABSENT]) * (width * len(items))
        dens = array("q", [ABSENT]) * (width * len(items))
        for p, item in enumerate(items):
            for measure, pair in item.measures.items():
                c = _check_counts(Counts(*pair))
                slot = p * width + measures.index(measure)
                nums[slot], dens[slot] = c.numerator, c.denominator
        return cls(
            source,
            measures,
            [i.practice_id for i in items],
            array("l", range(2, 2 + len(items))),
            nums,
            dens,
            [i.ncqa_recognized for i in items],
            [i.full_year for i in items],
            [Decimal(i.annualized_members) if i.annualized_members is not None else None
             for i in items],
        )


@dataclass(frozen=True)
class PcmhPractice:
    """One practice-year as plain values (for ``PcmhInput.build``)."""

    practice_id: str
    measures: Mapping[str, tuple[int, int]]
    ncqa_recognized: bool | None = True
    full_year: bool = True
    annualized_members: Decimal | str | None = "1000"

"""Read the P4P input CSV files into provider-level inputs; every problem in one run.

Each problem is one line, ``FILE:row N: column: problem (expected ...)``, row N being the line in
the file (the header is row 1); up to ``problems.MAX_LISTED`` are listed, then a count. ``-``
reads standard input.
"""

from __future__ import annotations

from array import array
from collections import deque
from decimal import Decimal
from itertools import repeat
from operator import add, mul

from hiecheck.p4p.csv_table import Layout, Table, read_table
from hiecheck.p4p.inputs import ABSENT, BhhInput, OhhInput, PaymentsBasis, PcmhInput
from hiecheck.p4p.problems import Problems

OHH_REQUIRED = ["provider_id", "measure", "numerator", "denominator"]
# One payments column: gross (before the withhold) under either name, or net (as remitted).
OHH_GROSS_COLUMNS = ("ohh_gross_payments", "ohh_payments")
OHH_NET_COLUMN = "ohh_net_payments"
OHH_OPTIONAL = [*OHH_GROSS_COLUMNS, OHH_NET_COLUMN]
BHH_REQUIRED = ["provider_id", "numerator", "denominator"]
BHH_OPTIONAL = ["measure", "bhh_payments"]
PCMH_REQUIRED = [
    "practice_id",
    "measure",
    "numerator",
    "denominator",
    "ncqa_recognized",
    "full_year",
    "annualized_members",
]
PCMH_PREVIOUS_REQUIRED = ["practice_id", "measure", "numerator", "denominator", "full_year"]


def _matrix(
    table: Table, problems: Problems, who: str, measures: list[str]
) -> tuple[array[int], array[int]]:
    """Counts provider-major, one slot per measure of ``measures`` (-1: no row); duplicate rows
    for a provider and measure are reported."""
    width = len(measures)
    slot_of = [measures.index(m) for m in table.measures]
    size = width * len(table.ids)
    if _in_slot_order(table, slot_of, width, size):  # the usual file: copy the columns
        return array("i", table.numerators), array("i", table.denominators)
    nums = array("i", [ABSENT]) * size
    dens = array("i", [ABSENT]) * size
    slot_of_row = array("i", map(add, map(mul, table.row_provider, repeat(width)),
                                 map(slot_of.__getitem__, table.row_measure)))
    lines = array("i", [0]) * size
    deque(map(lines.__setitem__, slot_of_row, table.row_line), maxlen=0)
    if size - lines.count(0) == len(slot_of_row):  # every row in its own slot: fill at once
        deque(map(nums.__setitem__, slot_of_row, table.numerators), maxlen=0)
        deque(map(dens.__setitem__, slot_of_row, table.denominators), maxlen=0)
        return nums, dens
    lines = array("i", [0]) * size  # a duplicate: row by row, to report each
    for provider, measure, line, num, den in zip(
        table.row_provider, table.row_measure, table.row_line, table.numerators,
        table.denominators, strict=True,
    ):
        slot = provider * width + slot_of[measure]
        if lines[slot]:
            problems.add(
                line,
                f"duplicate row for {who} {table.ids[provider]!r} and measure "
                f"{measures[slot_of[measure]]!r}",
                expected=f"one row per {who} and measure (first at row {lines[slot]})",
            )
            continue
        nums[slot], dens[slot], lines[slot] = num, den, line
    return nums, dens


def _in_slot_order(table: Table, slot_of: list[int], width: int, size: int) -> bool:
    """Whether row k is slot k: one row per provider and measure, providers in first-seen
    order, each with its measures in slot order (so no slot is missing or doubled). Checked
    with whole-array slices and comparisons, no per-row Python."""
    if len(table.row_measure) != size or sorted(slot_of) != list(range(width)):
        return False
    measure_at = [slot_of.index(slot) for slot in range(width)]  # the row_measure of slot
    if table.row_measure != array("i", measure_at) * len(table.ids):
        return False
    providers = array("i", range(len(table.ids)))
    return all(table.row_provider[k::width] == providers for k in range(width))


def _required_per_provider(
    table: Table, problems: Problems, column: str, who: str, expected: str
) -> list[object]:
    """A provider-level column's values; a provider with none (on any row) is reported."""
    values = table.provider_values[column]
    for provider in [p for p, v in enumerate(values) if v is None]:
        if provider not in table.incomplete:
            problems.add(
                table.first_rows[provider],
                f"{who} {table.ids[provider]!r} has no {column}",
                expected=expected,
            )
    return values


def read_ohh(path: str, measures: list[str], *, net: bool = False) -> OhhInput:
    """OHH input: one row per provider and measure, every provider with every measure.

    Payments (optional) are gross, before the withhold (``ohh_gross_payments`` or
    ``ohh_payments``); ``net=True`` (``--net-payments``) accepts net amounts as remitted
    (``ohh_net_payments`` or ``ohh_payments``).
    """
    layout = Layout(
        id_column="provider_id",
        required=tuple(OHH_REQUIRED),
        optional=tuple(OHH_OPTIONAL),
        provider_columns={c: "money" for c in OHH_OPTIONAL},
        known_measures=tuple(measures),
        one_of=(tuple(OHH_OPTIONAL),),
    )
    table, problems = read_table(path, layout)
    if table is None:
        raise problems.error()
    column = next((c for c in OHH_OPTIONAL if table.has(c)), None)
    basis: PaymentsBasis | None = None
    if column == OHH_NET_COLUMN and not net:
        problems.add(
            1, f"column {OHH_NET_COLUMN} holds net payments (after the withhold)",
            expected="--net-payments to accept net amounts, or gross payments in "
            "ohh_gross_payments",
        )
    elif column == "ohh_gross_payments" and net:
        problems.add(
            1, "--net-payments given but column ohh_gross_payments holds gross payments",
            expected=f"net amounts in {OHH_NET_COLUMN}, or no --net-payments",
        )
    elif column is not None:
        basis = "net" if net else "gross"
    nums, dens = _matrix(table, problems, "provider", measures)
    width = len(measures)
    for provider in range(len(table.ids)):
        if provider in table.incomplete:
            continue
        start = provider * width
        for m, measure in enumerate(measures):
            if dens[start + m] == ABSENT:
                problems.add(
                    table.first_rows[provider],
                    f"provider {table.ids[provider]!r} has no row for measure {measure!r}",
                    expected="one row for each of " + ", ".join(measures),
                )
    payments: list[int | None] = [None] * len(table.ids)
    if column is not None:
        kind = "net payments as remitted, after" if net else "gross OHH payments, before"
        payments = _required_per_provider(  # type: ignore[assignment]
            table, problems, column, "provider",
            f"the provider's {kind} the withhold, on at least one of its rows",
        )
    problems.raise_if_any()
    return OhhInput(
        table.source, tuple(measures), table.ids, table.first_rows, nums, dens, payments, basis
    )


def read_bhh(path: str, measure: str) -> BhhInput:
    """BHH input: one row per provider; ``measure`` (if given) must be the profile's measure."""
    layout = Layout(
        id_column="provider_id",
        required=tuple(BHH_REQUIRED),
        optional=tuple(BHH_OPTIONAL),
        provider_columns={"bhh_payments": "money"},
        known_measures=(measure,),
    )
    table, problems = read_table(path, layout)
    if table is None:
        raise problems.error()
    seen = array("i", [0]) * len(table.ids)
    nums = array("i", [ABSENT]) * len(table.ids)
    dens = array("i", [ABSENT]) * len(table.ids)
    for provider, line, num, den in zip(
        table.row_provider, table.row_line, table.numerators, table.denominators, strict=True
    ):
        if seen[provider]:
            problems.add(
                line,
                f"duplicate row for provider {table.ids[provider]!r}",
                expected=f"one row per provider (first at row {seen[provider]})",
            )
            continue
        seen[provider], nums[provider], dens[provider] = line, num, den
    payments: list[int | None] = [None] * len(table.ids)
    if table.has("bhh_payments"):
        payments = _required_per_provider(  # type: ignore[assignment]
            table, problems, "bhh_payments", "provider", "the provider's total BHH payments"
        )
    problems.raise_if_any()
    return BhhInput(table.source, table.ids, table.first_rows, nums, dens, payments)


def read_pcmh(path: str, measures: list[str], *, previous: bool = False) -> PcmhInput:
    """PCMH input: one row per practice and measure; practice-level columns on one of its rows.

    A previous-year file needs only ``full_year`` of the practice-level columns; the others are
    accepted (so last year's input can be reused) and ignored.
    """
    required = PCMH_PREVIOUS_REQUIRED if previous else PCMH_REQUIRED
    optional = [c for c in PCMH_REQUIRED if c not in required]
    wanted = ["full_year"] if previous else ["ncqa_recognized", "full_year", "annualized_members"]
    layout = Layout(
        id_column="practice_id",
        required=tuple(required),
        optional=tuple(optional),
        provider_columns={
            c: ("number" if c == "annualized_members" else "flag") for c in wanted
        },
        known_measures=tuple(measures) if measures else None,
    )
    table, problems = read_table(path, layout)
    if table is None:
        raise problems.error()
    found = list(table.measures)
    nums, dens = _matrix(table, problems, "practice", found)
    yes_no = "yes or no on at least one of its rows"
    full_year = _required_per_provider(table, problems, "full_year", "practice", yes_no)
    ncqa: list[object] = [None] * len(table.ids)
    members: list[object] = [None] * len(table.ids)
    if not previous:
        ncqa = _required_per_provider(table, problems, "ncqa_recognized", "practice", yes_no)
        members = _required_per_provider(
            table, problems, "annualized_members", "practice",
            "the annualized number of continuously attributed members on one of its rows",
        )
    problems.raise_if_any()
    return PcmhInput(
        table.source,
        found,
        table.ids,
        table.first_rows,
        nums,
        dens,
        [bool(v) if v is not None else None for v in ncqa],
        [bool(v) for v in full_year],
        [v if isinstance(v, Decimal) else None for v in members],
    )

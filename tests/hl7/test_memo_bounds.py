"""What the JSON writer and the table tally keep between messages stays small: texts and field
lists that repeat message after message are kept, those of huge messages or long shown values are
made every time (memory stays flat whatever the messages; the output is the same)."""

from __future__ import annotations

from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import at_segment
from hiecheck.hl7.report import PIECE_KEY_ITEMS, PIECE_VALUE_CHARS, JsonPieces
from hiecheck.hl7.tally import REFS_KEY_ITEMS, Tally, fields_of


def _finding(value: str) -> Finding:
    return Finding("field.bad-date", Severity.ERROR, "PID-7 is not a DTM", "feed.hl7", 3, 1,
                   at_segment("PID", 1, 7), value)


def test_json_pieces_keep_short_texts_only() -> None:
    pieces = JsonPieces()
    short_ids, long_ids = ("MSH", "PID"), ("MSH",) + ("OBX",) * PIECE_KEY_ITEMS
    assert pieces.segment_list(short_ids, "") == pieces.segment_list(short_ids, "")
    text = pieces.segment_list(long_ids, "")
    assert text.count('"OBX"') == PIECE_KEY_ITEMS and len(pieces.segments) == 1
    short, long = _finding("1990"), _finding("9" * (PIECE_VALUE_CHARS + 1))
    shown = pieces.finding(long, True, "  ", "    ")
    assert ("9" * (PIECE_VALUE_CHARS + 1)) in shown
    assert '"value": null' in pieces.finding(long, False, "  ", "    ")
    pieces.finding(short, True, "  ", "    ")
    kept_values = {key[1] for key in pieces.tails}
    assert kept_values == {None, "1990"}


def test_the_tally_keeps_short_location_lists_only() -> None:
    tally = Tally()
    few = [at_segment("PID", 1, 7), at_segment("PID", 1, 8)]
    many = [at_segment("OBX", n, 5) for n in range(1, REFS_KEY_ITEMS + 2)]
    assert tally._refs(few, False) == fields_of(few)
    assert tally._refs(many, False) == fields_of(many)
    assert tally._refs(many, True) == {r.whole_field() for r in fields_of(many)}
    assert [len(key) - 1 for key in tally._kept_refs] == [2]

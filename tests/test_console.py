"""Consoles never read user text as markup and never fail on a character the stream lacks."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import pytest
from rich.table import Table

from hiecheck.console import (
    ascii_escaped,
    make_console,
    plain,
    safe_stream,
    safe_text,
    show_controls,
)

USER_TEXT = "[red]AB|x [/foo] [bold]Zoë :smile: ✔ — “q” 😀"


def _stream(encoding: str) -> tuple[io.BytesIO, io.TextIOWrapper]:
    raw = io.BytesIO()
    return raw, io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")


def test_user_text_is_printed_as_given_never_as_markup() -> None:
    out = io.StringIO()
    console = make_console(out, width=200)
    console.print(USER_TEXT)
    console.print(safe_text(USER_TEXT, style="bold"))
    table = Table()
    table.add_column("location")
    table.add_row(USER_TEXT)
    console.print(table)
    text = out.getvalue()
    assert text.count("[red]AB|x [/foo] [bold]Zoë :smile:") == 3
    assert "AB[1]" not in text


def test_control_characters_are_shown_not_sent_to_the_terminal() -> None:
    assert show_controls("a\x1b[31mb\rc\x00d\x7f\x9be\tf\ng") == (
        "a\\x1b[31mb\\x0dc\\x00d\\x7f\\x9be\tf\ng")
    out = io.StringIO()
    make_console(out).print(safe_text("x\x1b[2Jy"))
    assert "\x1b" not in out.getvalue() and "x\\x1b[2Jy" in out.getvalue()


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "ascii", "utf-8"])
def test_text_degrades_to_plain_characters_on_any_encoding(encoding: str) -> None:
    raw, wrapper = _stream(encoding)
    stream = safe_stream(wrapper)
    stream.write("✔ met — Zoë “quoted” … 😀 \udcff\n")
    stream.flush()
    shown = raw.getvalue().decode(encoding)
    if encoding == "utf-8":
        assert shown == "✔ met — Zoë “quoted” … 😀 ?\n"
    elif encoding == "ascii":
        assert shown == '+ met -- Zoe "quoted" ... ? ?\n'
    else:
        assert shown.startswith("+ met ") and "Zoë" in shown and "?" in shown


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "ascii"])
def test_rich_tables_on_a_narrow_encoding_use_ascii_boxes(encoding: str) -> None:
    raw, wrapper = _stream(encoding)
    console = make_console(wrapper, width=60)
    table = Table(title="Findings")
    table.add_column("✔ status")
    table.add_row(safe_text(USER_TEXT))
    console.print(table)
    wrapper.flush()
    shown = raw.getvalue().decode(encoding)
    assert "[red]AB|x [/foo]" in shown and "─" not in shown


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_json_and_xml_stay_exact_as_ascii_on_a_narrow_encoding(encoding: str) -> None:
    value = "Zoë ✔ 😀 “x”"
    raw, wrapper = _stream(encoding)
    stream = safe_stream(wrapper, "json")
    stream.write(json.dumps({"name": value}, ensure_ascii=False))
    stream.flush()
    assert raw.getvalue().isascii()
    assert json.loads(raw.getvalue()) == {"name": value}
    raw, wrapper = _stream(encoding)
    stream = safe_stream(wrapper, "xml")
    stream.write(f'<?xml version="1.0" encoding="utf-8"?>\n<a b="{value}">{value}</a>\n')
    stream.flush()
    element = ET.fromstring(raw.getvalue())
    assert element.text == value and element.get("b") == value


def test_plain_and_escapes_leave_ascii_alone() -> None:
    assert plain("abc") == "abc" and ascii_escaped("abc", "json") == "abc"
    assert plain("naïve café", "latin-1") == "naïve café"
    assert plain("naïve café") == "naive cafe"

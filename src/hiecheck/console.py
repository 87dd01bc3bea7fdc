"""Consoles and text streams that show user text as it is, on any console.

Three rules for every report hiecheck prints:

* user text (file names, organization names, message content) is never read as rich markup:
  every console comes from :func:`make_console` (``markup=False, highlight=False, emoji=False``)
  and styled pieces are :func:`safe_text` objects, never markup strings;
* control characters in user text (ESC, CR, NUL …) are shown as escapes (``\\x1b``), so a value
  can neither drive the terminal nor be silently dropped;
* a stream that cannot encode a character (cp1252 as on Windows, latin-1, ascii) gets a plain
  stand-in instead of a crash: ``✔`` → ``+``, ``—`` → ``--``, ``é`` → ``e``, else ``?``. JSON
  and XML written to such a stream stay exact: every non-ASCII character becomes a ``\\uXXXX``
  escape or an ``&#N;`` reference.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import shutil
import sys
import unicodedata
from typing import TYPE_CHECKING, Literal, TextIO, cast

if TYPE_CHECKING:  # rich is imported when a console or a Text is made: JSON output needs none
    from rich.console import Console
    from rich.text import Text

Escape = Literal["text", "json", "xml"]
PLAIN_ERRORS = "hiecheck.plain"  # codec error handler: plain ASCII stand-ins

_PLAIN = {
    "—": "--", "–": "-", "‒": "-", "−": "-", "‐": "-", "…": "...", "’": "'", "‘": "'",
    "‚": ",", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "•": "-", "·": "-",
    "✔": "+", "✓": "+", "✘": "x", "✗": "x", "○": "o", "●": "*", "─": "-", "━": "-",
    "│": "|", "→": "->", "←": "<-", "≥": ">=", "≤": "<=", "≠": "!=", "×": "x", "±": "+/-",
    "\u00a0": " ", "\u202f": " ", "€": "EUR", "©": "(c)", "®": "(R)", "™": "(TM)",
}
# C0 controls, DEL and C1 controls: shown as escapes (tab and newline are layout, kept).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_char(char: str) -> str:
    """An ASCII stand-in for one character: a known symbol's look-alike, a letter without its
    accents, or ``?``."""
    known = _PLAIN.get(char)
    if known is not None:
        return known
    if "\ud800" <= char <= "\udfff":  # a lone surrogate (undecodable byte in a file name)
        return "?"
    base = "".join(
        c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
    )
    return base if base and base.isascii() and base.isprintable() else "?"


def _plain_errors(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(plain_char(c) for c in bad), exc.end


codecs.register_error(PLAIN_ERRORS, _plain_errors)


def plain(text: str, encoding: str = "ascii") -> str:
    """``text`` with every character ``encoding`` cannot carry replaced by a plain stand-in."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, PLAIN_ERRORS).decode(encoding)
    return text


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def ascii_escaped(text: str, escape: Escape) -> str:
    """JSON or XML text made pure ASCII without losing anything (``\\u2714``, ``&#10004;``);
    plain text gets stand-ins."""
    if text.isascii():
        return text
    if escape == "json":
        return "".join(c if c.isascii() else _json_escape(c) for c in text)
    if escape == "xml":
        return "".join(
            c if c.isascii() else ("?" if "\ud800" <= c <= "\udfff" else f"&#{ord(c)};")
            for c in text
        )
    return plain(text)


def show_controls(text: str) -> str:
    """Control characters as visible escapes: ESC → ``\\x1b``, CR → ``\\x0d``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def display_path(path: str) -> str:
    """A file name as reports show it: one the file system could not decode (held as lone
    surrogates, e.g. in the C locale) is read as UTF-8, bytes that are not UTF-8 shown as
    ``\\xff``, so JSON, XML and any console can carry it. The real name still opens the file."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    return path


def safe_text(value: object, style: str = "") -> Text:
    """Any value as rich Text: never parsed as markup, control characters shown as escapes."""
    from rich.text import Text

    return Text(show_controls("" if value is None else str(value)), style=style)


_MARKDOWN = re.compile(r"([\\`*_\[\]<>|#!~])")


def markdown_text(text: str) -> str:
    """User text for a markdown report, read as the words it is: characters markdown would take
    as formatting (``*``, ``_``, ``[``, ``<``, a backtick …) are escaped, controls shown."""
    return _MARKDOWN.sub(r"\\\1", show_controls(text))


def markdown_code(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it holds."""
    text = show_controls(text)
    longest = max((len(m) for m in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def stream_encoding(stream: object) -> str | None:
    """The normalized codec name of a text stream (``utf-8``, ``cp1252``), or None for an
    in-memory stream that takes any text."""
    name = getattr(stream, "encoding", None)
    if not isinstance(name, str) or not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def is_unicode(encoding: str | None) -> bool:
    """Whether a stream with this encoding can carry every character (None: in memory)."""
    return encoding is None or encoding.startswith("utf")


class SafeStream(io.TextIOBase):
    """A text stream in front of another that never fails on a character it cannot encode.

    ``escape`` says what the text is: ``text`` gets plain stand-ins; ``json`` and ``xml`` become
    pure ASCII with exact escapes whenever the stream is not Unicode (an XML declaration says
    UTF-8, and JSON is UTF-8 by definition, whatever the console's code page).
    """

    def __init__(self, stream: TextIO, escape: Escape = "text") -> None:
        super().__init__()
        self.stream = stream
        self.escape: Escape = escape
        self._encoding = stream_encoding(stream)
        self._ascii_escape = escape != "text" and not is_unicode(self._encoding)
        self._closing = False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return PLAIN_ERRORS

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        try:
            return bool(isatty()) if isatty is not None else False
        except ValueError:  # closed
            return False

    def fileno(self) -> int:
        return self.stream.fileno()

    def write(self, text: str) -> int:
        if self._ascii_escape and not text.isascii():
            text = ascii_escaped(text, self.escape)
        try:
            self.stream.write(text)
        except UnicodeEncodeError:
            if self.escape == "text":
                self.stream.write(plain(text, self._encoding or "utf-8"))
            else:
                self.stream.write(ascii_escaped(text, self.escape))
        return len(text)

    def flush(self) -> None:
        if not self._closing and not getattr(self.stream, "closed", False):
            self.stream.flush()

    def close(self) -> None:
        """Marks this stand-in closed; the stream behind it stays open (stdout, or a file its
        owner closes), and is not flushed again from a finalizer."""
        self._closing = True
        super().close()


def safe_stream(stream: TextIO, escape: Escape = "text") -> TextIO:
    """``stream`` behind a :class:`SafeStream` (once)."""
    if isinstance(stream, SafeStream) and stream.escape == escape:
        return cast(TextIO, stream)
    return cast(TextIO, SafeStream(stream, escape))


def make_console(
    file: TextIO | None = None, *, stderr: bool = False, width: int | None = None
) -> Console:
    """The one way hiecheck makes a rich console: on ``file`` (default stdout, or stderr), never
    interpreting markup, highlighting or emoji codes, and safe on any encoding. Rich itself uses
    ASCII boxes when the stream is not UTF-8."""
    from rich.console import Console

    target = file if file is not None else (sys.stderr if stderr else sys.stdout)
    return Console(
        file=safe_stream(target), markup=False, highlight=False, emoji=False, width=width
    )


def terminal_columns(stream: TextIO | None = None) -> int | None:
    """The width of the terminal ``stream`` (default stdout) shows, at least 40; None when it is
    not a terminal (a pipe or file takes one line per item, whatever its length)."""
    target = stream if stream is not None else sys.stdout
    try:
        if not target.isatty():
            return None
    except (AttributeError, ValueError):  # closed, or not a real stream
        return None
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def unicode_console(console: Console) -> bool:
    """Whether a console can show Unicode marks (a UTF-8 stream)."""
    return console.encoding.startswith("utf")

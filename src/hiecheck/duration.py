"""One way to write a delay for people: every output that shows a latency uses it."""

from __future__ import annotations


def duration(seconds: float) -> str:
    """``125`` → ``2 min 5 s``; ``172920`` → ``2 d 0 h 2 min``; negative delays keep their sign."""
    s = round(seconds)
    sign = "-" if s < 0 else ""
    s = abs(s)
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    if d:
        return f"{sign}{d} d {h} h {m} min"
    if h:
        return f"{sign}{h} h {m} min"
    if m:
        return f"{sign}{m} min" + (f" {sec} s" if sec else "")
    return f"{sign}{sec} s"

"""Seeded fuzz campaign for issue 10 (trust): hostile inputs through every command and format.

Not a test: it prints figures. ``tests/test_fuzz_slice.py`` runs a fixed-seed slice of it.

    python bench/fuzz.py [--seed N] [--messages N] [--orgs N] [--csvs N] [--procs N] [--quick]
    python bench/fuzz.py --seed N --case hl7-000012     # re-run one case (the reproducer)

Inputs are mutations of ``sample_messages/`` and of the public HL7 corpus under
``$HIECHECK_CORPUS`` (read at run time, never copied into the repository), written to a temporary
folder. Every run goes through ``hiecheck.cli.run(argv)`` in this process (stdout and stderr
captured in streams of a chosen encoding), plus a sample of real processes (non-UTF-8 consoles,
``-o /dev/full``, output = input). A run fails when it exits 3 or outside {0, 1, 2}, prints a
traceback, changes an input file, or shows a planted PHI marker without ``--show-values``
(markers in MSH-9, MSH-10 and MSH-12 are shown on purpose: the reports identify messages by
them). A failure prints its reproducer and keeps its inputs in a temporary folder.

Each case draws from its own ``random.Random(f"{seed}:{case id}")``, so any case can be made
again alone from the seed and its id.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gzip
import hashlib
import io
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_messages"
DEFAULT_SEED = 20261201
MARKER = "ZZPHI{:06d}ZZ"
MARKER_RE = re.compile(r"ZZPHI\d{6}ZZ")
EXIT_OK = frozenset({0, 1, 2})

# ---------------------------------------------------------------------------------------------
# Base material (read at run time)


def corpus_dir() -> Path | None:
    """The public HL7 corpus (``$HIECHECK_CORPUS``, else ``../shared/corpus/hl7``), if present."""
    given = os.environ.get("HIECHECK_CORPUS")
    path = Path(given) if given else ROOT.parent / "shared" / "corpus" / "hl7"
    return path if path.is_dir() else None


def split_messages(data: bytes) -> list[list[str]]:
    """The messages of one capture as lists of segment lines (batch headers and framing dropped)."""
    text = data.decode("utf-8", "replace").replace("\x0b", "").replace("\x1c", "")
    lines = [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]
    messages: list[list[str]] = []
    for line in lines:
        if line[:3] in ("FHS", "BHS", "BTS", "FTS"):
            continue
        if line.startswith("MSH") and len(line) > 8:
            messages.append([line])
        elif messages:
            messages[-1].append(line)
    return messages


def base_messages() -> list[list[str]]:
    """Every message of the samples and the corpus, once."""
    files = sorted(SAMPLES.rglob("*.hl7"))
    corpus = corpus_dir()
    if corpus is not None:
        files += sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix != ".tsv")
    seen: set[str] = set()
    out: list[list[str]] = []
    for path in files:
        for message in split_messages(path.read_bytes()):
            key = "\r".join(message)
            if key not in seen:
                seen.add(key)
                out.append(message)
    return out


def base_orgs() -> list[tuple[str, dict[str, Any]]]:
    """The sample organization files (name, parsed data)."""
    out = []
    for path in sorted(SAMPLES.rglob("*.toml")):
        with path.open("rb") as handle:
            out.append((path.name, tomllib.load(handle)))
    return out


P4P_CSVS = {"ohh": "ohh.csv", "bhh": "bhh.csv", "pcmh": "pcmh-2019.csv"}


def base_csvs() -> dict[str, list[list[str]]]:
    """The sample P4P CSVs per program, as rows of cells."""
    out: dict[str, list[list[str]]] = {}
    for program, name in P4P_CSVS.items():
        text = (SAMPLES / "p4p" / name).read_text("utf-8")
        out[program] = [line.split(",") for line in text.splitlines() if line]
    out["pcmh-prev"] = [
        line.split(",") for line in (SAMPLES / "p4p" / "pcmh-2018.csv").read_text().splitlines()
    ]
    return out


# ---------------------------------------------------------------------------------------------
# HL7 mutations


class Markers:
    """Distinct PHI-like tokens (``ZZPHI000001ZZ``) handed out in order."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return MARKER.format(self.count)


# MSH fields reports show as written (MSH-9 type, MSH-10 control id, MSH-12 version), by index in
# the line split at MSH-1 (index j is MSH-(j+1)); MSH-2 is left for the delimiter mutations.
_MSH_KEEP = {1, 8, 9, 11}


def plant(rng: random.Random, segment: str, markers: Markers, density: float) -> str:
    """``segment`` with markers planted in its fields (replacing a value, or as an extra
    component, repetition or sub-component)."""
    if len(segment) < 4:
        return segment + markers.next()
    sep = segment[3]
    fields = segment.split(sep)
    is_msh = fields[0] == "MSH"
    for index in range(1, max(len(fields), 2) + rng.randint(0, 2)):
        if is_msh and index in _MSH_KEEP:
            continue
        if rng.random() > density:
            continue
        while index >= len(fields):
            fields.append("")
        marker = markers.next()
        how = rng.randrange(5)
        value = fields[index]
        fields[index] = (
            marker if how == 0 else f"{value}^{marker}" if how == 1 else
            f"{value}~{marker}" if how == 2 else f"{value}&{marker}" if how == 3 else
            f"{marker}{value}"
        )
    return sep.join(fields)


_CONTROLS = ["\x00", "\x0b", "\x1c", "\x1b", "\x07", "\x7f", "\x85", "\t", "\x0c", "\x1a"]


def _flip(rng: random.Random, text: str) -> str:
    if not text:
        return text
    i = rng.randrange(len(text))
    return text[:i] + chr(ord(text[i]) ^ (1 << rng.randrange(7))) + text[i + 1:]


def mutate_segment(rng: random.Random, segment: str, markers: Markers) -> list[str]:
    """One mutation of one segment line (may give zero or several lines)."""
    sep = segment[3] if len(segment) > 3 else "|"
    kind = rng.randrange(16)
    if kind == 0:  # byte flip
        return [_flip(rng, segment)]
    if kind == 1:  # truncation
        return [segment[: rng.randrange(len(segment) + 1)]]
    if kind == 2:  # duplicated separators
        i = rng.randrange(len(segment) + 1)
        return [segment[:i] + rng.choice([sep, "^", "~", "&", "\\"]) * rng.randint(2, 40)
                + segment[i:]]
    if kind == 3:  # removed separators
        return [segment.replace(rng.choice([sep, "^", "~", "&"]), "", rng.randint(1, 5))]
    if kind == 4:  # a long field, now and then a huge one
        size = rng.choice([300, 2_000, 70_000]) if rng.random() < 0.9 else 1_000_000
        return [f"{segment}{sep}{markers.next()}{'A' * size}"]
    if kind == 5:  # control characters and NUL
        i = rng.randrange(len(segment) + 1)
        return [segment[:i] + "".join(rng.choices(_CONTROLS, k=rng.randint(1, 4))) + segment[i:]]
    if kind == 6:  # a field holding only NUL
        fields = segment.split(sep)
        fields[rng.randrange(len(fields))] = "\x00" * rng.randint(1, 3)
        return [sep.join(fields)]
    if kind == 7:  # invalid UTF-8 (surrogate escapes become raw bytes when written)
        i = rng.randrange(len(segment) + 1)
        bad = "".join(chr(0xDC80 + rng.randrange(0x80)) for _ in range(rng.randint(1, 3)))
        return [segment[:i] + bad + segment[i:]]
    if kind == 8:  # no field separator: an unknown "segment" holding values
        return [segment.replace(sep, " ")]
    if kind == 9:  # duplicated
        return [segment, segment]
    if kind == 10:  # removed
        return []
    if kind == 11:  # segment id broken
        return [rng.choice(["", "pid", "P1", "PIDX", "ZZ", "12A", " PID", markers.next()])
                + segment[3:]]
    if kind == 12:  # markup and non-ASCII text
        return [segment + sep + rng.choice(["[red]", "[/foo]", "[bold]x[/bold]", "Zoë “x” ✔",
                                             "\u202e", "\U0001f600"]) + markers.next()]
    if kind == 13:  # embedded line break inside a field
        i = rng.randrange(len(segment) + 1)
        return [segment[:i] + rng.choice(["\r", "\n", "\r\n"]) + markers.next() + segment[i:]]
    if kind == 14:  # MLLP bytes inside
        return [rng.choice(["\x0b", "\x1c", "\x1c\r"]) + segment]
    return [segment]


def mutate_msh(rng: random.Random, msh: str) -> str:
    """MSH-1 / MSH-2 odd, MSH-7, MSH-9, MSH-12 odd."""
    kind = rng.randrange(10)
    rest = msh[3:]
    sep = rest[:1] or "|"
    if kind == 0:
        return "MSH" + rng.choice(["", "A", "1", " ", "^", "\x00", "é", "||"]) + rest[1:]
    if kind == 1:  # MSH-2 odd
        fields = msh.split(sep)
        if len(fields) > 1:
            fields[1] = rng.choice(["", "^", "^^^^", "^~\\&#", "^~\\&#!@", "|~\\&", sep * 4,
                                    "abcd", "^~\\\x00", "é~\\&"])
        return sep.join(fields)
    if kind == 2:  # other delimiters throughout
        new = rng.choice(["#", "!", "*", "$"])
        return msh.replace(sep, new)
    fields = msh.split(sep)
    while len(fields) < 12:
        fields.append("")
    if kind == 3:
        fields[6] = rng.choice(["", "2026", "202613450000", "20261201120000+9999", "abc",
                                "99999999999999", "20261201120000.123456789-0500", "-1"])
    elif kind == 4:
        fields[8] = rng.choice(["", "adt^a04", "ADT", "ADT^A04^ADT_A01", "ORU^R01", "X^Y^Z",
                                "ADT^^", "^A01", "ACK", "ADT^A04~ORU^R01", "ADT^Z99"])
    elif kind == 5:
        fields[11] = rng.choice(["", "2.9", "2.3.1", "3.0", "2.5.1^", "x", "2.5.1~2.4", "2"])
    elif kind == 6:
        fields[9] = rng.choice(["", "a" * 300, "ID\x00", "C^1"])
    return sep.join(fields)


def mutate_message(rng: random.Random, base: list[str], markers: Markers) -> list[str]:
    """One message: markers planted, then 0–4 mutations (segment-level, MSH, shuffles)."""
    density = rng.choice([0.1, 0.3, 1.0])
    lines = [plant(rng, seg, markers, density) for seg in base]
    for _ in range(rng.choice([0, 1, 1, 2, 3, 4])):
        kind = rng.randrange(10)
        if kind < 6 and lines:
            i = rng.randrange(len(lines))
            lines[i:i + 1] = mutate_segment(rng, lines[i], markers)
        elif kind == 6 and lines:
            lines[0] = mutate_msh(rng, lines[0])
        elif kind == 7 and len(lines) > 2:  # shuffle the body
            body = lines[1:]
            rng.shuffle(body)
            lines = lines[:1] + body
        elif kind == 8:  # a stray line holding values
            lines.insert(rng.randrange(len(lines) + 1),
                         rng.choice(["", "  ", "PID", "PID^x"]) + f" DOE^{markers.next()}")
        else:  # a broken segment with a value but no separator (the original leak)
            at = rng.randint(min(1, len(lines)), len(lines))
            lines.insert(at, f"PID{markers.next()} 19800101")
    return lines


def _batch_header(rng: random.Random, kind: str, markers: Markers) -> str:
    broken = rng.random() < 0.4
    fields = [kind, "^~\\&", markers.next(), markers.next(), "", "", "20260101"]
    if broken:
        choice = rng.randrange(4)
        if choice == 0:
            return kind + markers.next()
        if choice == 1:
            fields[1] = rng.choice(["", "^", "##"])
        if choice == 2:
            return kind + "|" + "|" * rng.randint(0, 30) + markers.next()
    return "|".join(fields)


def _trailer(rng: random.Random, kind: str, count: int, markers: Markers) -> str:
    value = rng.choice([str(count), str(count + 1), "", "x", "-1", markers.next(), "9" * 40])
    return f"{kind}|{value}"


def hl7_file(rng: random.Random, bases: Sequence[list[str]], count: int,
             markers: Markers) -> bytes:
    """One capture of ``count`` mutated messages with file-level mutations: line endings (CR,
    LF, CRLF, mixes), MLLP framing, broken FHS/BHS/BTS/FTS, BOM, gzip, leading junk."""
    messages = [mutate_message(rng, list(rng.choice(bases)), markers) for _ in range(count)]
    ending = rng.choice(["\r", "\n", "\r\n", "mix"])
    mllp = rng.random() < 0.15
    chunks: list[str] = []

    def end() -> str:
        return rng.choice(["\r", "\n", "\r\n", "\n\r"]) if ending == "mix" else ending

    for message in messages:
        body = "".join(line + end() for line in message)
        if mllp:
            body = rng.choice(["\x0b", "\x0b", ""]) + body + rng.choice(["\x1c\r", "\x1c", ""])
        chunks.append(body)
    if rng.random() < 0.2:  # batch
        batches = rng.randint(1, 3)
        per = max(1, len(chunks) // batches)
        out = [_batch_header(rng, "FHS", markers) + end()] if rng.random() < 0.7 else []
        for b in range(batches):
            part = chunks[b * per: (b + 1) * per if b < batches - 1 else None]
            out.append(_batch_header(rng, "BHS", markers) + end())
            out.extend(part)
            if rng.random() < 0.8:
                out.append(_trailer(rng, "BTS", len(part), markers) + end())
        if rng.random() < 0.7:
            out.append(_trailer(rng, "FTS", batches, markers) + end())
        chunks = out
    text = "".join(chunks)
    if rng.random() < 0.05:
        text = rng.choice(["\ufeff", "  \r\n", "junk " + markers.next() + "\r", "\x00"]) + text
    data = text.encode("utf-8", "surrogateescape")
    if rng.random() < 0.03 and data:  # truncation of the whole file
        data = data[: rng.randrange(len(data))]
    if rng.random() < 0.05:
        data = gzip.compress(data, mtime=0)
        if rng.random() < 0.3:
            data = data[: len(data) // 2]  # a broken gzip stream
    return data


# ---------------------------------------------------------------------------------------------
# Organization file mutations


def toml_value(value: Any) -> str:
    """A TOML literal for ``value`` (the few types organization files use)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(pairs) + " }"
    return json.dumps(str(value))


def toml_text(data: dict[str, Any]) -> str:
    """``data`` as a TOML document: scalars first, then tables and arrays of tables."""
    head, tail = [], []
    for key, value in data.items():
        qkey = json.dumps(key, ensure_ascii=False)
        if isinstance(value, dict):
            tail.append(f"\n[{qkey}]\n" + "".join(
                f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}\n"
                for k, v in value.items()))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                tail.append(f"\n[[{qkey}]]\n" + "".join(
                    f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}\n"
                    for k, v in item.items()))
        else:
            head.append(f"{qkey} = {toml_value(value)}\n")
    return "".join(head) + "".join(tail)


_ODD_VALUES: list[Any] = [
    "", "[red]x[/red]", "[/foo]", "Zoë “Clinic” ✔ \u202e", "x" * 100_000, -1, 0, 10**30, 3.5,
    float("nan"), float("inf"), True, False, [], [1, "a"], {}, {"a": 1}, "2026-13-45",
    "2026-02-30", "9999-12-31", "0001-01-01", "../../../etc/passwd", "/dev/zero", "\x1b[31mx",
    "nul\\u0000", "yes", "NaN", "C:\\x\\y", "msgs/*.hl7",
]
_KEYS = ["name", "messages", "program", "tier_sought", "contract", "home_provider", "participant",
         "interfaces", "kind", "realtime", "content", "effective", "as_of", "role", "unknown_key",
         "[red]", "enrollment", "facility", "hie", "letter_of_direction", "tribal_health_facility"]


def _walk(data: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) pair inside ``data``."""
    spots: list[tuple[Any, Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            spots.append((data, key))
            spots.extend(_walk(value))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            spots.append((data, index))
            spots.extend(_walk(value))
    return spots


def mutate_org_data(rng: random.Random, data: dict[str, Any], messages: list[str]) -> None:
    """Structural mutations of a parsed organization file (in place)."""
    data["messages"] = rng.choice(messages)
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5])):
        spots = _walk(data)
        if not spots:
            break
        container, key = rng.choice(spots)
        kind = rng.randrange(6)
        if kind < 3:  # wrong type / odd value
            container[key] = copy.deepcopy(rng.choice(_ODD_VALUES))
        elif kind == 3 and isinstance(container, dict):  # unknown key
            container[rng.choice(_KEYS) + rng.choice(["", "_x", "2"])] = copy.deepcopy(
                rng.choice(_ODD_VALUES))
        elif kind == 4:  # removed
            del container[key]
        else:  # duplicated list item / copied subtree
            value = container[key]
            if isinstance(value, list) and value:
                value.append(copy.deepcopy(rng.choice(value)))


def org_file(rng: random.Random, bases: Sequence[tuple[str, dict[str, Any]]],
             messages: list[str]) -> bytes:
    """One mutated organization file (structure, then sometimes bytes)."""
    _, base = rng.choice(bases)
    data = json.loads(json.dumps(base))
    mutate_org_data(rng, data, messages)
    text = toml_text(data)
    kind = rng.randrange(20)  # 8 of 20: byte-level damage; the rest reach the checks
    if kind == 0:
        text = text[: rng.randrange(len(text) + 1)]
    elif kind == 1:
        text = _flip(rng, text)
    elif kind == 2:  # duplicated key
        text = text + text.splitlines()[0] + "\n" if text else text
    raw = text.encode("utf-8", "surrogatepass")
    if kind == 3:
        raw = raw.replace(b"e", b"\xe9", 3)  # Latin-1, not UTF-8
    elif kind == 4:
        raw = b"\xef\xbb\xbf" + raw
    elif kind == 5:
        raw = raw.replace(b"\n", b"\r\n")
    elif kind == 6:
        raw = raw[:20] + b"\x00" + raw[20:]
    elif kind == 7:
        raw = "\ufeff".encode("utf-16") + text.encode("utf-16-le", "surrogatepass")
    return raw


# ---------------------------------------------------------------------------------------------
# P4P CSV mutations

_AMOUNTS = ["-1", "1e9", "NaN", "inf", "50%", "1234,56", "1.234,56", "12,34,567", ",100", "100,",
            "1,,000", "١٢٣", "$1,234.56", "1,234.56", "0.001", "99999999999999999999", "", " ",
            "-0", "+5", "0x10", "1_000", "10000001", "3.5", "[red]1[/red]", "=1+1", '"1,000"']


def csv_file(rng: random.Random, rows: list[list[str]]) -> bytes:
    """One mutated P4P CSV."""
    rows = [list(r) for r in rows]
    for _ in range(rng.choice([0, 0, 1, 1, 2, 4])):
        if not rows or not rows[0]:
            rows.insert(0, [""])
        kind = rng.randrange(10)
        r = rng.randrange(len(rows))
        if kind < 4 and rows[r]:  # an odd amount or count
            rows[r][rng.randrange(len(rows[r]))] = rng.choice(_AMOUNTS)
        elif kind == 4:  # wrong header
            rows[0][rng.randrange(len(rows[0]))] = rng.choice(
                ["", "Provider_ID", "provider id", "unknown", "[/foo]", rows[0][0]])
        elif kind == 5:  # blank rows
            rows.insert(r, rng.choice([[], [""], ["", "", ""], [" "]]))
        elif kind == 6:  # very long row / many cells
            rows[r] = rows[r] + ["x" * rng.choice([10, 70_000])] * rng.randint(1, 3)
        elif kind == 7:  # a short row
            rows[r] = rows[r][: rng.randrange(len(rows[r]) + 1)]
        elif kind == 8:  # duplicated row
            rows.insert(r, list(rows[r]))
        else:  # removed row
            del rows[r]
    delimiter = rng.choice([","] * 8 + [";", "\t"])
    newline = rng.choice(["\n", "\r\n", "\r"])
    text = newline.join(delimiter.join(row) for row in rows) + rng.choice([newline, ""])
    kind = rng.randrange(16)
    raw = text.encode("utf-8")
    if kind == 0:
        raw = b"\xef\xbb\xbf" + raw
    elif kind == 1:
        raw = raw.replace(b"0", b"\xb0", 2)
    elif kind == 2:
        raw = raw[: rng.randrange(len(raw) + 1)]
    elif kind == 3:
        raw = raw + b'\n"unclosed,' + b"q" * 100
    elif kind == 4:
        raw = raw.replace(b",", b"\x00", 1)
    return raw


# ---------------------------------------------------------------------------------------------
# Running


@dataclass
class Failure:
    case: str
    argv: list[str]
    why: str
    kept: str = ""


@dataclass
class Tally:
    runs: Counter[str] = field(default_factory=Counter)
    label_exits: dict[str, Counter[int]] = field(default_factory=dict)
    seconds: Counter[str] = field(default_factory=Counter)
    exits: Counter[int] = field(default_factory=Counter)
    tracebacks: int = 0
    changed: int = 0
    leaks: int = 0
    shown_with_values: int = 0
    show_values_runs: int = 0
    messages: int = 0
    orgs: int = 0
    csvs: int = 0
    processes: int = 0
    harness_errors: int = 0
    failures: list[Failure] = field(default_factory=list)


def digest(paths: Sequence[Path]) -> dict[str, str]:
    """A hash of every regular file under ``paths``."""
    out: dict[str, str] = {}
    for path in paths:
        files = [path] if not path.is_dir() else sorted(p for p in path.rglob("*"))
        for file in files:
            if file.is_file() and not file.is_symlink():
                out[str(file)] = hashlib.sha1(file.read_bytes()).hexdigest()
    return out


class _Capture(io.TextIOWrapper):
    def isatty(self) -> bool:
        return False


def capture(encoding: str) -> _Capture:
    """A text stream of ``encoding`` over bytes (strict, as a real console would be)."""
    return _Capture(io.BytesIO(), encoding=encoding, errors="strict", write_through=True)


def _text(stream: _Capture) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode(stream.encoding, "replace")


@contextlib.contextmanager
def shared_compiled_checks() -> Iterator[None]:
    """Keep one set of compiled HL7 checks (per mode) for every in-process run, as a
    long-running server does. Each run otherwise compiles the expressions of every version and
    segment type it meets (seconds for a capture mixing many versions), which would spend the
    campaign compiling; sharing them also tests that no check keeps state between runs."""
    from hiecheck.hl7 import validate

    original = validate.VersionRegistry
    shared: dict[object, Any] = {}

    def registry(mode: Any = validate.CheckMode.FAST, **given: Any) -> Any:
        # One registry per mode and table policy (strict tables differ by requirement set);
        # ``patterns`` (the cache or re.compile) gives the same expressions either way.
        key = (mode, given.get("tables"))
        if key not in shared:
            shared[key] = original(mode, **given)
        return shared[key]

    validate.VersionRegistry = registry  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        validate.VersionRegistry = original  # type: ignore[misc]


def run_inprocess(argv: list[str], encoding: str = "utf-8") -> tuple[int, str, str]:
    """``hiecheck.cli.run(argv)`` with stdout and stderr captured in ``encoding`` streams."""
    from hiecheck.cli import run

    out, err = capture(encoding), capture(encoding)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    return int(code), _text(out), _text(err)


class Campaign:
    """Runs and judges; keeps the tallies."""

    def __init__(self, seed: int, work: Path, keep: Path, verbose: bool = True) -> None:
        self.seed = seed
        self.work = work
        self.keep = keep
        self.tally = Tally()
        self.verbose = verbose

    def rng(self, case: str) -> random.Random:
        return random.Random(f"{self.seed}:{case}")

    def judge(self, case: str, label: str, argv: list[str], inputs: Sequence[Path],
              code: int, out: str, err: str, allowed: set[str] | None, show_values: bool,
              before: dict[str, str], outputs: Sequence[Path] = ()) -> None:
        """Count one run; record every failure class it shows."""
        t = self.tally
        t.runs[label] += 1
        t.exits[code] += 1
        t.label_exits.setdefault(label, Counter())[code] += 1
        why = []
        if code not in EXIT_OK:
            why.append(f"exit {code}")
        if "Traceback" in err or "Traceback" in out:
            t.tracebacks += 1
            why.append("traceback")
        if digest(inputs) != before:
            t.changed += 1
            why.append("input changed")
        if allowed is not None:
            shown = set(MARKER_RE.findall(out)) | set(MARKER_RE.findall(err))
            for path in outputs:
                if path.is_file():
                    shown |= set(MARKER_RE.findall(path.read_bytes().decode("utf-8", "replace")))
            if show_values:
                t.show_values_runs += 1
                t.shown_with_values += bool(shown - allowed)
            elif shown - allowed:
                t.leaks += 1
                why.append(f"markers shown: {sorted(shown - allowed)[:3]}")
        if why:
            self.fail(case, argv, "; ".join(why) + f" | stderr: {err.strip()[-300:]}", inputs)

    def leaks(self, case: str, argv: list[str], text: str, allowed: set[str],
              inputs: Sequence[Path]) -> None:
        """Count markers in ``text`` (a run already counted) beyond ``allowed`` as a leak."""
        shown = set(MARKER_RE.findall(text)) - allowed
        if shown:
            self.tally.leaks += 1
            self.fail(case, argv, f"markers shown: {sorted(shown)[:3]}", inputs)

    def fail(self, case: str, argv: list[str], why: str, inputs: Sequence[Path]) -> None:
        folder = self.keep / case
        folder.mkdir(parents=True, exist_ok=True)
        for path in inputs:
            if path.is_dir():
                shutil.copytree(path, folder / path.name, dirs_exist_ok=True)
            elif path.is_file():
                shutil.copy2(path, folder / path.name)
        failure = Failure(case, argv, why, str(folder))
        self.tally.failures.append(failure)
        if self.verbose:
            print(f"FAIL seed={self.seed} case={case} argv={argv!r}: {why} (inputs kept in "
                  f"{folder})", flush=True)

    def run(self, case: str, label: str, argv: list[str], inputs: Sequence[Path], *,
            allowed: set[str] | None = None, show_values: bool = False,
            encoding: str = "utf-8", outputs: Sequence[Path] = ()) -> tuple[int, str, str]:
        before = digest(inputs)
        start = time.perf_counter()
        code, out, err = run_inprocess(argv, encoding)
        self.tally.seconds[label] += time.perf_counter() - start
        self.judge(case, label, argv, inputs, code, out, err, allowed, show_values, before,
                   outputs)
        return code, out, err


def _allowed(json_text: str) -> set[str]:
    """Markers the reports show on purpose: MSH-9, MSH-10 and MSH-12 as written (and the file
    name, which holds none)."""
    allowed: set[str] = set()
    for line in json_text.splitlines():
        line = line.strip().rstrip(",")
        with contextlib.suppress(ValueError):
            item = json.loads(line)
            if isinstance(item, dict):
                for key in ("message_type", "control_id", "version"):
                    allowed |= set(MARKER_RE.findall(str(item.get(key, ""))))
    if not allowed:  # not one result per line: read the whole document
        with contextlib.suppress(ValueError):
            doc = json.loads(json_text)
            for file in doc.get("files", []):
                for result in file.get("results", []):
                    for key in ("message_type", "control_id", "version"):
                        allowed |= set(MARKER_RE.findall(str(result.get(key, ""))))
    return allowed


def msh4_markers(data: bytes) -> set[str]:
    """Markers in MSH-4 (sending facility) of the MSH lines of a capture."""
    found: set[str] = set()
    with contextlib.suppress(OSError, EOFError, gzip.BadGzipFile):
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    for line in re.split(rb"[\r\n]+", data):
        start = line.find(b"MSH")
        if start >= 0 and len(line) > start + 3:
            fields = line[start:].split(line[start + 3: start + 4])
            if len(fields) > 3:
                found |= set(MARKER_RE.findall(fields[3].decode("latin-1")))
    return found


ENCODINGS = ["utf-8", "utf-8", "utf-8", "cp1252", "latin-1", "ascii"]
ORG_SAMPLE = SAMPLES / "example-family-practice.toml"


def file_size(rng: random.Random, per_file: int) -> int:
    """How many messages a capture holds (half ``per_file`` to ``per_file``)."""
    return rng.randint(max(1, per_file // 2), per_file)


def hl7_case(c: Campaign, index: int, bases: Sequence[list[str]], per_file: int) -> None:
    """One capture through validate (every format), check --messages, measure cbp."""
    case = f"hl7-{index:06d}"
    rng = c.rng(case)
    folder = c.work / case
    folder.mkdir()
    path = folder / "capture.hl7"
    count = file_size(rng, per_file)  # the first draw: cases() replays it to count messages
    path.write_bytes(hl7_file(rng, bases, count, Markers()))
    c.tally.messages += count
    inputs = [folder]
    argv = ["validate", str(path), "-f", "json", "-q"]
    _, out, err = c.run(case, "validate json", argv, inputs)
    allowed = _allowed(out)
    c.leaks(case, argv, out + err, allowed, inputs)
    # then one more run of the capture: another validate format, check --messages or measure
    roll = rng.random()
    if roll < 0.35:
        fmt = rng.choice(["table", "junit", "json"])
        c.run(case, f"validate {fmt}", ["validate", str(path), "-f", fmt, "-q",
                                        "--max-rows", str(rng.choice([1, 5, 200]))],
              inputs, allowed=allowed, encoding=rng.choice(ENCODINGS))
    elif roll < 0.55:
        report = c.work / f"{case}.out"
        extra = rng.choice([["-r", "none"], ["-r", "hie-adt"], []])
        c.run(case, "validate junit -o", ["validate", str(path), "-f", "junit", "-q", "-o",
                                          str(report), *extra], inputs, allowed=allowed,
              outputs=[report])
    elif roll < 0.9:
        cfmt = rng.choice(["table", "json", "markdown", "html"])
        c.run(case, f"check --messages {cfmt}",
              ["check", str(ORG_SAMPLE), "--messages", str(path), "-f", cfmt, "--quiet"],
              [*inputs, ORG_SAMPLE], allowed=allowed, encoding=rng.choice(ENCODINGS))
    else:
        mfmt = rng.choice(["table", "json", "csv"])
        # the organization (MSH-4.1) is the provider the measure is counted for: shown
        c.run(case, f"measure cbp {mfmt}", ["measure", "cbp", str(path), "-f", mfmt,
                                            "--salt", "fuzz"], inputs,
              allowed=allowed | msh4_markers(path.read_bytes()))
    if rng.random() < 0.08:
        c.run(case, "validate json --show-values",
              ["validate", str(path), "-f", "json", "-q", "--show-values"], inputs,
              allowed=allowed, show_values=True)
    if rng.random() < 0.04:  # output = input
        c.run(case, "validate -o INPUT", ["validate", str(path), "-q", "-o", str(path)], inputs)


def org_case(c: Campaign, index: int, bases: Sequence[tuple[str, dict[str, Any]]],
             per_batch: int) -> None:
    """A folder of mutated organization files: one portfolio run, and single-file checks."""
    case = f"org-{index:06d}"
    rng = c.rng(case)
    folder = c.work / case
    (folder / "msgs").mkdir(parents=True)
    shutil.copy2(SAMPLES / "example-family-practice" / "adt-2026-10-05.hl7", folder / "msgs")
    (folder / "notes").mkdir()
    (folder / "notes" / "NOTES.txt").write_text("not hl7\n")
    messages = ["msgs", "msgs", "msgs", "notes", "missing", "", "/dev/zero", "msgs/*.hl7",
                "msgs/adt-2026-10-05.hl7", "[red]msgs"]
    files = []
    for n in range(per_batch):
        org = folder / f"org{n:03d}.toml"
        org.write_bytes(org_file(rng, bases, messages))
        files.append(org)
    c.tally.orgs += per_batch
    pfmt = rng.choice(["table", "csv", "json", "markdown", "html"])
    argv = ["check", str(folder), "-f", pfmt, "--quiet"]
    outputs: list[Path] = []
    if rng.random() < 0.5:
        reports = c.work / f"{case}-reports"
        argv += ["--reports-dir", str(reports),
                 "--reports-format", rng.choice(["table", "json", "markdown", "html"])]
    c.run(case, f"check portfolio {pfmt}", argv, [folder], encoding=rng.choice(ENCODINGS))
    for org in rng.sample(files, k=max(1, per_batch // 10)):
        fmt = rng.choice(["table", "json", "markdown", "html"])
        more = rng.choice([[], ["--strict"], ["--explain"], ["--as-of", rng.choice(
            ["2022-06-01", "2023-01-01", "2026-12-01", "1900-01-01", "2026-02-30", "x"])]])
        out = c.work / f"{case}.out"
        if rng.random() < 0.2:
            more += ["-o", str(out)]
            outputs.append(out)
        if rng.random() < 0.05:
            more += ["-o", str(org)]
        c.run(case, f"check {fmt}", ["check", str(org), "-f", fmt, "--quiet", *more], [folder],
              encoding=rng.choice(ENCODINGS), outputs=outputs)


def csv_case(c: Campaign, index: int, bases: dict[str, list[list[str]]]) -> None:
    """One mutated P4P CSV through its program (or another), one format."""
    case = f"csv-{index:06d}"
    rng = c.rng(case)
    folder = c.work / case
    folder.mkdir()
    program = rng.choice(["ohh", "bhh", "pcmh"])
    path = folder / "input.csv"
    path.write_bytes(csv_file(rng, bases[program]))
    c.tally.csvs += 1
    if rng.random() < 0.05:
        program = rng.choice(["ohh", "bhh", "pcmh"])
    fmt = rng.choice(["table", "json", "csv", "markdown", "html"])
    argv = ["p4p", program, str(path), "-f", fmt]
    if rng.random() < 0.3:
        argv.append("--explain")
    if program == "pcmh":
        argv += ["--payment-year", rng.choice(["2020", "2020", "2020", "-5", "0", "10000",
                                               "2021", "x"])]
        if rng.random() < 0.5:
            prev = folder / "previous.csv"
            prev.write_bytes(csv_file(rng, bases["pcmh-prev"]))
            argv += ["--previous", str(prev)]
        argv += rng.choice([[], ["--percentile-method", "strict-below"],
                            ["--band-rounding", "down"], ["--improvement-total", "all-valid"],
                            ["--percentile-peers", "all"]])
    elif program == "ohh":
        argv += rng.choice([[], ["--composite", "mean-of-rates"], ["--bonus-split", "equal"],
                            ["--net-payments"]])
    else:
        argv += rng.choice([[], ["--as-of", rng.choice(["2026-01-01", "1999-01-01", "bad"])]])
    if rng.random() < 0.1:
        argv += ["-o", rng.choice([str(path), "/dev/full", str(c.work / f"{case}.out")])]
    c.run(case, f"p4p {program} {fmt}", argv, [folder], encoding=rng.choice(ENCODINGS))


def rules_case(c: Campaign, index: int) -> None:
    case = f"rules-{index:03d}"
    rng = c.rng(case)
    rid = rng.choice([[], ["field.too-long"], ["read"], ["timing"], ["nope"], ["[red]"], [""]])
    fmt = rng.choice(["text", "markdown", "json"])
    c.run(case, f"rules {fmt}", ["rules", *rid, "-f", fmt], [], encoding=rng.choice(ENCODINGS))


# ---------------------------------------------------------------------------------------------
# Real processes


def process_case(c: Campaign, index: int) -> None:
    """One real ``python -m hiecheck`` run: odd console encodings, -o /dev/full, output =
    input, stdin; on a case made by the in-process generators."""
    case = f"proc-{index:04d}"
    rng = c.rng(case)
    folder = c.work / case
    folder.mkdir()
    capture_path = folder / "capture.hl7"
    capture_path.write_bytes(hl7_file(rng, BASES_CACHE["hl7"], rng.randint(5, 40), Markers()))
    csv_path = folder / "bhh.csv"
    csv_path.write_bytes(csv_file(rng, BASES_CACHE["csv"]["bhh"]))
    org = folder / "org.toml"
    org.write_bytes(org_file(rng, BASES_CACHE["org"], [str(folder)]))
    # A copy, so that `-o INPUT` names the file this run reads (never the checkout's sample).
    pcmh_path = folder / "pcmh.csv"
    pcmh_path.write_bytes((SAMPLES / "p4p" / "pcmh-2019.csv").read_bytes())
    choices: list[tuple[str, list[str]]] = [
        ("validate table", ["validate", str(capture_path)]),
        ("validate json", ["validate", str(capture_path), "-f", "json"]),
        ("validate junit", ["validate", str(capture_path), "-f", "junit"]),
        ("validate stdin", ["validate", "-", "-f", rng.choice(["table", "json"])]),
        ("check table", ["check", str(org)]),
        ("check markdown", ["check", str(org), "-f", "markdown"]),
        ("check html", ["check", str(org), "-f", "html"]),
        ("p4p bhh table", ["p4p", "bhh", str(csv_path)]),
        ("p4p bhh markdown", ["p4p", "bhh", str(csv_path), "-f", "markdown"]),
        ("p4p pcmh payment-year", ["p4p", "pcmh", str(pcmh_path),
                                   "--payment-year", rng.choice(["-5", "0", "10000", "2020"])]),
        ("rules", ["rules"]),
    ]
    label, argv = rng.choice(choices)
    roll = rng.random()
    if roll < 0.15:
        argv = [*argv, "-o", "/dev/full"]
        label += " -o /dev/full"
    elif roll < 0.25 and "-" not in argv and argv[0] != "rules":  # inputs that are files
        target = Path(argv[2] if argv[0] == "p4p" else argv[1])
        argv = [*argv, "-o", str(target)]
        label += " -o INPUT"
    env = {k: v for k, v in os.environ.items() if k not in ("HIECHECK_PROFILES", "HIECHECK_DEBUG")}
    console = rng.choice(["utf-8", "cp1252", "latin-1", "C"])
    if console == "C":
        env.update(LANG="C", LC_ALL="C")
        env.pop("PYTHONIOENCODING", None)
    else:
        env["PYTHONIOENCODING"] = console
    before = digest([folder])
    stdin = capture_path.read_bytes() if "-" in argv else None
    result = subprocess.run([sys.executable, "-m", "hiecheck", *argv], env=env, input=stdin,
                            capture_output=True, cwd=folder, timeout=600)
    c.tally.processes += 1
    out = result.stdout.decode("utf-8", "replace")
    err = result.stderr.decode("utf-8", "replace")
    allowed = None
    if argv[0] == "validate":
        probe = run_inprocess(["validate", str(capture_path), "-f", "json", "-q"])
        allowed = _allowed(probe[1])
    c.judge(case, f"process {label} [{console}]", argv, [folder], result.returncode, out, err,
            allowed, False, before)


BASES_CACHE: dict[str, Any] = {}


def load_bases() -> None:
    if not BASES_CACHE:
        BASES_CACHE["hl7"] = base_messages()
        BASES_CACHE["org"] = base_orgs()
        BASES_CACHE["csv"] = base_csvs()


# ---------------------------------------------------------------------------------------------
# The campaign


@dataclass
class Plan:
    messages: int = 100_000
    per_file: int = 300
    orgs: int = 10_000
    per_batch: int = 50
    csvs: int = 10_000
    rules: int = 30
    processes: int = 200
    share_checks: bool = True


def hl7_files(seed: int, plan: Plan) -> int:
    """How many captures hold at least ``plan.messages`` messages (each case's first draw)."""
    total = files = 0
    while total < plan.messages:
        total += file_size(random.Random(f"{seed}:hl7-{files:06d}"), plan.per_file)
        files += 1
    return files


def cases(seed: int, plan: Plan) -> Iterator[tuple[str, Callable[[Campaign], None]]]:
    """Every case of the plan, by id, in order."""
    bases = BASES_CACHE
    for i in range(hl7_files(seed, plan)):
        yield f"hl7-{i:06d}", lambda c, i=i: hl7_case(c, i, bases["hl7"], plan.per_file)
    for i in range(max(1, plan.orgs // plan.per_batch)):
        yield f"org-{i:06d}", lambda c, i=i: org_case(c, i, bases["org"], plan.per_batch)
    for i in range(plan.csvs):
        yield f"csv-{i:06d}", lambda c, i=i: csv_case(c, i, bases["csv"])
    for i in range(plan.rules):
        yield f"rules-{i:03d}", lambda c, i=i: rules_case(c, i)
    for i in range(plan.processes):
        yield f"proc-{i:04d}", lambda c, i=i: process_case(c, i)


def campaign(seed: int, plan: Plan, *, only: str | None = None, verbose: bool = True,
             keep: Path | None = None, shard: tuple[int, int] = (0, 1)) -> Tally:
    """Run the plan (or the one case ``only``; or every ``shard[1]``-th case from
    ``shard[0]``) and return the tallies."""
    load_bases()
    keep = keep or Path(tempfile.mkdtemp(prefix="hiecheck-fuzz-failures-"))
    sharing = shared_compiled_checks() if plan.share_checks else contextlib.nullcontext()
    with sharing, tempfile.TemporaryDirectory(prefix="hiecheck-fuzz-") as tmp:
        c = Campaign(seed, Path(tmp), keep, verbose)
        done = 0
        last = time.monotonic()
        for number, (case, func) in enumerate(cases(seed, plan)):
            if only is not None and case != only:
                continue
            if only is None and number % shard[1] != shard[0]:
                continue
            try:
                func(c)
            except Exception as exc:  # a bug of this harness, not of hiecheck: counted apart
                c.tally.harness_errors += 1
                print(f"HARNESS ERROR seed={seed} case={case}: {exc!r}", flush=True)
            done += 1
            shutil.rmtree(Path(tmp) / case, ignore_errors=True)
            if verbose and time.monotonic() - last > 30:
                last = time.monotonic()
                t = c.tally
                print(f"  .. {case}: {sum(t.runs.values())} runs, {t.messages} messages, "
                      f"{t.orgs} orgs, {t.csvs} csvs, {len(t.failures)} failures", flush=True)
        with contextlib.suppress(OSError):
            keep.rmdir()  # only when empty
        return c.tally


def merge(tallies: Sequence[Tally]) -> Tally:
    """The sum of the shards' tallies."""
    total = Tally()
    for t in tallies:
        total.runs.update(t.runs)
        total.exits.update(t.exits)
        total.seconds.update(t.seconds)
        for label, exits in t.label_exits.items():
            total.label_exits.setdefault(label, Counter()).update(exits)
        for name in ("tracebacks", "changed", "leaks", "shown_with_values", "show_values_runs",
                     "messages", "orgs", "csvs", "processes", "harness_errors"):
            setattr(total, name, getattr(total, name) + getattr(t, name))
        total.failures.extend(t.failures)
    return total


def _shard(args: tuple[int, Plan, Path, int, int]) -> Tally:
    seed, plan, keep, index, count = args
    return campaign(seed, plan, keep=keep, shard=(index, count))


def peak_rss_mb() -> tuple[float, float]:
    """Peak RSS of this process and of the largest child process, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


def report(tally: Tally, seed: int, elapsed: float) -> None:
    own, child = peak_rss_mb()
    print(f"\nfuzz campaign, seed {seed}")
    print(f"inputs: {tally.messages} HL7 messages, {tally.orgs} organization files, "
          f"{tally.csvs} P4P CSVs; {tally.processes} real processes")
    print(f"runs: {sum(tally.runs.values())}")
    print(f"  {'command and format':44} {'runs':>6} {'seconds':>8}  exit codes")
    for label, count in sorted(tally.runs.items()):
        exits = ", ".join(f"{k}: {v}" for k, v in sorted(tally.label_exits[label].items()))
        print(f"  {label:44} {count:6} {tally.seconds[label]:8.1f}  {exits}")
    print("exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.exits.items())))
    print(f"exit 3: {tally.exits.get(3, 0)}")
    print(f"tracebacks: {tally.tracebacks}")
    print(f"inputs changed: {tally.changed}")
    print(f"markers shown without --show-values: {tally.leaks}")
    print(f"--show-values runs showing markers: {tally.shown_with_values} of "
          f"{tally.show_values_runs} (the detector works when > 0)")
    print(f"harness errors (generator bugs, not hiecheck's): {tally.harness_errors}")
    print(f"peak RSS: this process {own:.0f} MB, largest child {child:.0f} MB")
    print(f"elapsed: {elapsed:.0f} s")
    if tally.failures:
        print(f"\nFAILURES: {len(tally.failures)}")
        for f in tally.failures[:50]:
            print(f"  python bench/fuzz.py --seed {seed} --case {f.case}   # {f.argv!r}: {f.why}"
                  f" [{f.kept}]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--orgs", type=int, default=None)
    parser.add_argument("--csvs", type=int, default=None)
    parser.add_argument("--procs", type=int, default=None, help="real processes (default 200)")
    parser.add_argument("--per-file", type=int, default=300, help="messages per capture (max)")
    parser.add_argument("--quick", action="store_true", help="2,000 messages, 200 orgs, 200 CSVs, "
                        "20 processes")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (shards)")
    parser.add_argument("--fresh-checks", action="store_true",
                        help="compile the HL7 checks anew in every run (slow)")
    parser.add_argument("--case", default=None, help="run only this case id (a reproducer)")
    args = parser.parse_args(argv)
    plan = Plan(messages=2_000, orgs=200, csvs=200, processes=20) if args.quick else Plan()
    plan.per_file = args.per_file
    plan.share_checks = not args.fresh_checks
    for name in ("messages", "orgs", "csvs"):
        if getattr(args, name) is not None:
            setattr(plan, name, getattr(args, name))
    if args.procs is not None:
        plan.processes = args.procs
    os.environ.pop("HIECHECK_DEBUG", None)
    start = time.monotonic()
    if args.jobs > 1 and args.case is None:
        import multiprocessing

        keep = Path(tempfile.mkdtemp(prefix="hiecheck-fuzz-failures-"))
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            tally = merge(pool.map(_shard, [(args.seed, plan, keep, i, args.jobs)
                                           for i in range(args.jobs)]))
        with contextlib.suppress(OSError):
            keep.rmdir()  # only when empty
    else:
        tally = campaign(args.seed, plan, only=args.case)
    report(tally, args.seed, time.monotonic() - start)
    return 1 if tally.failures or tally.harness_errors else 0


if __name__ == "__main__":
    sys.exit(main())

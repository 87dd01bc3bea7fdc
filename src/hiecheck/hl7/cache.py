"""An on-disk cache of the compiled checking expressions, so a one-file ``validate`` after the
first run does not compile them again.

The field, structure and content expressions (:mod:`hiecheck.hl7.field_regex`,
:mod:`hiecheck.hl7.reference`, :mod:`hiecheck.hl7.content_regex`) are long, and most of what
``re.compile`` costs on them is Python code: the parser and compiler of :mod:`re` turn the source
into the engine's code, a list of integers that the C engine then only checks. A
:class:`PatternCache` keeps that code in one file per expression and builds the pattern from it
(a pickled pattern would be compiled from its source again).

Each file is named by a hash of the expression's source and holds the source itself, so an entry
is valid for any hiecheck version, hl7apy data or requirement profile that yields the same
source, and a changed profile simply gives new entries. The engine's code depends on the Python
version, so the folder is per Python version and ``re`` engine (``_sre.MAGIC``).

Folder: ``$HIECHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/hiecheck``, else ``~/.cache/hiecheck``;
``HIECHECK_NO_CACHE=1`` turns the cache off. Any problem — a folder that cannot be written, a
truncated, corrupt or foreign file, a Python whose ``re`` internals differ — means that
expression is compiled the ordinary way (and its file written again when possible); never an
error. Concurrent runs are safe: a file is written to a temporary name in the same folder and
moved into place with :func:`os.replace`, so a reader sees a whole file or none.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
import sys
import tempfile
from array import array
from collections.abc import Callable, Mapping
from importlib import import_module
from pathlib import Path
from typing import Any

# What a file keeps: (source, flags asked, flags of the pattern, engine code, groups, group
# index, index group); only types marshal writes.
_Record = tuple[str, int, int, bytes, int, dict[str, int], tuple[str | None, ...]]

PatternCompiler = Callable[[str], "re.Pattern[str]"]
"""Compiles one checking expression (``re.compile`` or a :class:`PatternCache`)."""

CACHE_DIR_ENV = "HIECHECK_CACHE_DIR"
NO_CACHE_ENV = "HIECHECK_NO_CACHE"
_MAGIC = b"hiecheck-re-1\n"
_DIGEST = 32  # bytes of the sha256 of the body that follow the magic
_MAX_FILE = 64 << 20  # a bigger file is not one of ours
_CODE_TYPE = "I"  # the engine's code unit (_sre.CODESIZE == 4)


def _engine() -> tuple[Any, Any, Any] | None:
    """``re``'s parser, compiler and C engine modules when they have what this cache uses."""
    try:
        parser = import_module("re._parser")
        compiler = import_module("re._compiler")
        sre = import_module("_sre")
    except ImportError:
        return None
    usable = (
        callable(getattr(parser, "parse", None)) and callable(getattr(compiler, "_code", None))
        and callable(getattr(sre, "compile", None)) and getattr(sre, "CODESIZE", 0) == 4
    )
    return (parser, compiler, sre) if usable else None


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """The cache's folder from the environment (see the module docstring), or None when off."""
    env = os.environ if environ is None else environ
    if env.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    given = env.get(CACHE_DIR_ENV, "").strip()
    if given:
        return Path(given)
    xdg = env.get("XDG_CACHE_HOME", "").strip()
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "hiecheck"
    home = env.get("HOME", "").strip()
    return Path(home) / ".cache" / "hiecheck" if home else None


class PatternCache:
    """``cache(source)`` is ``re.compile(source)``, with the engine's code kept in ``folder``.

    Expressions read from disk (:attr:`hits`) and compiled (:attr:`misses`) are counted for
    tests and benchmarks; one asked for again in the same run comes from memory (as
    ``re.compile``'s own cache would give it). Pickles as its folder (worker processes open
    their own).
    """

    __slots__ = ("_engine", "_memo", "_writable", "folder", "hits", "misses")

    def __init__(self, folder: Path) -> None:
        engine = _engine()
        self._engine = engine
        version = f"py{sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}"
        magic = getattr(engine[2], "MAGIC", 0) if engine else 0
        self.folder = folder / f"patterns-{sys.implementation.name}-{version}-sre{magic}"
        self.hits = 0
        self.misses = 0
        self._memo: dict[tuple[str, int], re.Pattern[str]] = {}
        self._writable = engine is not None

    def __call__(self, source: str, flags: int = 0) -> re.Pattern[str]:
        engine = self._engine
        if engine is None:
            return re.compile(source, flags)
        known = self._memo.get((source, flags))
        if known is not None:
            return known
        pattern = self._memo[(source, flags)] = self._pattern(source, flags, engine)
        return pattern

    def _pattern(self, source: str, flags: int, engine: tuple[Any, Any, Any]) -> re.Pattern[str]:
        name = hashlib.sha256(f"{flags}:{source}".encode("utf-8", "surrogatepass")).hexdigest()
        path = self.folder / f"{name[:40]}.re"
        found = self._load(path, source, flags, engine)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        pattern, record = _compile(source, flags, engine)
        if record is not None and self._writable:
            self._store(path, record)
        return pattern

    def _load(
        self, path: Path, source: str, flags: int, engine: tuple[Any, Any, Any]
    ) -> re.Pattern[str] | None:
        try:
            with open(path, "rb") as stream:
                data = stream.read(_MAX_FILE + 1)
        except OSError:
            return None
        head = len(_MAGIC) + _DIGEST
        if len(data) > _MAX_FILE or len(data) <= head or not data.startswith(_MAGIC):
            return None
        body = data[head:]
        if hashlib.sha256(body).digest() != data[len(_MAGIC):head]:
            return None  # truncated or altered
        try:
            record = marshal.loads(body)
            return _rebuild(record, source, flags, engine)
        except Exception:  # a file that is not what this version writes: compile instead
            return None

    def _store(self, path: Path, record: _Record) -> None:
        body = marshal.dumps(record)
        data = _MAGIC + hashlib.sha256(body).digest() + body
        temp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".re")
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
            os.replace(temp, path)
            temp = None
        except OSError:
            self._writable = False  # an unwritable folder: go on without writing
        finally:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)

    def __getstate__(self) -> Path:
        return self.folder.parent

    def __setstate__(self, state: Path) -> None:
        self.__init__(state)  # type: ignore[misc]


def _compile(
    source: str, flags: int, engine: tuple[Any, Any, Any]
) -> tuple[re.Pattern[str], _Record | None]:
    """What ``re.compile`` does (in ``re._compiler.compile``), keeping the engine's code."""
    parser, compiler, _ = engine
    try:
        parsed = parser.parse(source, flags)
        code = compiler._code(parsed, flags)
        state = parsed.state
        groupindex = dict(state.groupdict)
        indexgroup: list[str | None] = [None] * state.groups
        for group_name, index in groupindex.items():
            indexgroup[index] = group_name
        record: _Record = (
            source, flags, flags | state.flags, array(_CODE_TYPE, code).tobytes(),
            state.groups - 1, groupindex, tuple(indexgroup),
        )
        return _rebuild(record, source, flags, engine), record
    except re.error:
        raise
    except Exception:  # re internals not as expected: the ordinary way, nothing kept
        return re.compile(source, flags), None


def _rebuild(
    record: object, source: str, flags: int, engine: tuple[Any, Any, Any]
) -> re.Pattern[str]:
    """The pattern from a kept record; ValueError when it is not a record of ``source``."""
    if not isinstance(record, tuple) or len(record) != 7:
        raise ValueError("not a pattern record")
    kept_source, kept_flags, final_flags, code_bytes, groups, groupindex, indexgroup = record
    if kept_source != source or kept_flags != flags:
        raise ValueError("another expression")  # a hash collision or a foreign file
    if not (isinstance(final_flags, int) and isinstance(code_bytes, bytes)
            and isinstance(groups, int) and isinstance(groupindex, dict)
            and isinstance(indexgroup, tuple)):
        raise ValueError("not a pattern record")
    code = array(_CODE_TYPE)
    code.frombytes(code_bytes)
    # The C engine validates the code (RuntimeError "invalid SRE code" otherwise).
    pattern: re.Pattern[str] = engine[2].compile(
        source, final_flags, code.tolist(), groups, groupindex, indexgroup
    )
    return pattern


def open_cache(environ: Mapping[str, str] | None = None) -> PatternCompiler:
    """The compiler the command line uses: a :class:`PatternCache` in the default folder, or
    plain ``re.compile`` when the cache is off."""
    folder = default_cache_dir(environ)
    return re.compile if folder is None else PatternCache(folder)

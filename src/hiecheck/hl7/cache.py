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

import atexit
import contextlib
import hashlib
import importlib.util
import io
import marshal
import os
import pickle
import re
import stat
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, TypeGuard, TypeVar

from hiecheck.limits import TOML_MAX_BYTES

# What a file keeps: (source, flags asked, flags of the pattern, engine code, groups, group
# index, index group); only types marshal writes.
# (digest of the flags and source, flags, final flags, code, groups, group index, index group):
# the source itself is not kept, its digest names the file and is checked against it.
_Record = tuple[bytes, int, int, bytes, int, dict[str, int], tuple[str | None, ...]]

T = TypeVar("T")

PatternCompiler = Callable[[str], "re.Pattern[str]"]
"""Compiles one checking expression (``re.compile`` or a :class:`PatternCache`)."""

CACHE_DIR_ENV = "HIECHECK_CACHE_DIR"
NO_CACHE_ENV = "HIECHECK_NO_CACHE"
_FORMAT = 2  # of a pattern record: in its folder's name and its files' first line
_MAGIC = f"hiecheck-re-{_FORMAT}\n".encode()
_PROFILE_MAGIC = b"hiecheck-profile-1\n"
_REFERENCE_MAGIC = b"hiecheck-reference-1\n"
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
        # The record format is in the name too: runs of another hiecheck, sharing the cache
        # folder, keep their own entries instead of replacing each other's.
        self.folder = folder / (
            f"patterns-{sys.implementation.name}-{version}-sre{magic}-{_FORMAT}"
        )
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
        digest = hashlib.sha256(f"{flags}:{source}".encode("utf-8", "surrogatepass")).digest()
        path = self.folder / f"{digest.hex()[:40]}.re"
        found = self._load(path, source, flags, digest, engine)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        pattern, record = _compile(source, flags, digest, engine)
        if record is not None and self._writable:
            self._store(path, record)
        return pattern

    def _load(
        self, path: Path, source: str, flags: int, digest: bytes, engine: tuple[Any, Any, Any]
    ) -> re.Pattern[str] | None:
        body = _read_entry(path, _MAGIC)
        if body is None:
            return None
        try:
            record = marshal.loads(body)
            return _rebuild(record, source, flags, digest, engine)
        except Exception:  # a file that is not what this version writes: compile instead
            return None

    def _store(self, path: Path, record: _Record) -> None:
        if not _write_entry(path, _MAGIC, marshal.dumps(record)):
            self._writable = False  # an unwritable folder: go on without writing

    def __getstate__(self) -> Path:
        return self.folder.parent

    def __setstate__(self, state: Path) -> None:
        self.__init__(state)  # type: ignore[misc]


def _read_entry(path: Path, magic: bytes) -> bytes | None:
    """The body of a cache file: None when absent, unreadable, foreign, truncated or altered,
    or when someone else could have written it (entries are unpickled: only the user's own
    files, writable by no one else, are trusted)."""
    try:
        with open(path, "rb") as stream:
            if not _own_file(os.fstat(stream.fileno())):
                return None
            data = stream.read(_MAX_FILE + 1)
    except OSError:
        return None
    head = len(magic) + _DIGEST
    if len(data) > _MAX_FILE or len(data) <= head or not data.startswith(magic):
        return None
    body = data[head:]
    if hashlib.sha256(body).digest() != data[len(magic):head]:
        return None  # truncated or altered
    return body


def _own_file(info: os.stat_result) -> bool:
    """Whether a cache file is this user's and writable by no one else (POSIX)."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:
        return True
    return info.st_uid == getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _private_folder(folder: Path) -> None:
    """Make ``folder`` and any missing parent readable and writable by this user only."""
    if not folder.is_dir():
        _private_folder(folder.parent)
        with contextlib.suppress(FileExistsError):  # a concurrent run made it
            folder.mkdir(mode=0o700)


def _write_entry(path: Path, magic: bytes, body: bytes) -> bool:
    """Write a cache file whole or not at all (a temporary file moved into place: concurrent
    runs see the old file or the new one); False when the folder cannot be written."""
    data = magic + hashlib.sha256(body).digest() + body
    temp = None
    try:
        _private_folder(path.parent)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(temp, path)
        temp = None
        return True
    except OSError:
        return False
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _compile(
    source: str, flags: int, digest: bytes, engine: tuple[Any, Any, Any]
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
            digest, flags, flags | state.flags, array(_CODE_TYPE, code).tobytes(),
            state.groups - 1, groupindex, tuple(indexgroup),
        )
        return _rebuild(record, source, flags, digest, engine), record
    except re.error:
        raise
    except Exception:  # re internals not as expected: the ordinary way, nothing kept
        return re.compile(source, flags), None


def _rebuild(
    record: object, source: str, flags: int, digest: bytes, engine: tuple[Any, Any, Any]
) -> re.Pattern[str]:
    """The pattern from a kept record; ValueError when it is not a record of ``source``
    (``digest``: of ``flags`` and ``source``, as :meth:`PatternCache._pattern` makes it)."""
    if not isinstance(record, tuple) or len(record) != 7:
        raise ValueError("not a pattern record")
    kept_digest, kept_flags, final_flags, code_bytes, groups, groupindex, indexgroup = record
    if kept_digest != digest or kept_flags != flags:
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


class ProfileCache:
    """Compiled forms of profile files (a requirement set, the timing rules) kept between runs,
    so that a run whose files are unchanged neither parses nor validates them (nor imports
    pydantic, which costs more than checking a small file).

    An entry is found by :meth:`key`: a hash of what is kept (``kind``), the bytes of the
    modules that compile it and define what it holds (not hiecheck's version: asking the
    package metadata for it costs more than a small file's check), and the name and bytes of
    every file it is made from; a changed file or module is a new key, so a file is validated
    as always (same errors) whenever it changed, and only what loaded without error is kept.
    Entries are pickles of hiecheck's own classes, in the user's own cache folder (as trusted
    as the checkout); a file that does not unpickle is a miss.
    """

    __slots__ = ("folder",)

    def __init__(self, folder: Path) -> None:
        version = f"py{sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}"
        self.folder = folder / f"profiles-{sys.implementation.name}-{version}"

    def key(
        self, kind: str, files: Iterable[Traversable], modules: Iterable[str] = ()
    ) -> str | None:
        """The key of what ``files`` compile to (``modules``: file names in this package
        whose code compiles them); None (nothing kept) when a file cannot be read or is too big,
        or a module is not a file."""
        digest = hashlib.sha256(f"{_PROFILE_MAGIC!r}\0{kind}\0".encode())
        here = Path(__file__).parent
        if not _stamp(digest, [here / name for name in modules]):
            return None
        for file in files:
            data = _profile_bytes(file)
            if data is None:
                return None
            digest.update(f"{file.name}:{len(data)}\0".encode("utf-8", "surrogatepass"))
            digest.update(data)
        return digest.hexdigest()[:40]

    def get(self, key: str) -> object:
        """What was kept under ``key`` (None when nothing usable is)."""
        body = _read_entry(self.folder / f"{key}.pickle", _PROFILE_MAGIC)
        if body is None:
            return None
        try:
            return pickle.loads(body)
        except Exception:  # another version's classes, or not a pickle: a miss
            return None

    def put(self, key: str, value: object) -> None:
        """Keep ``value`` under ``key`` (silently not, when the folder cannot be written)."""
        try:
            body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # not picklable: nothing kept
            return
        _write_entry(self.folder / f"{key}.pickle", _PROFILE_MAGIC, body)


def _stamp(digest: Any, paths: list[Path]) -> bool:
    """Add the name and bytes of each of ``paths`` (modules whose code makes what is kept) to
    ``digest``; False when one cannot be read (a zip install: then nothing is kept). Bytes, not
    times: reproducible builds give every file of every release the same time."""
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            return False
        digest.update(f"{path.name}:{len(data)}\0".encode())
        digest.update(data)
    return True


def _profile_bytes(file: Traversable) -> bytes | None:
    """A profile file's bytes, at most ``TOML_MAX_BYTES`` (None: unreadable or bigger)."""
    try:
        if isinstance(file, Path):
            with open(file, "rb") as stream:
                data = stream.read(TOML_MAX_BYTES + 1)
        else:
            data = file.read_bytes()
    except (OSError, ValueError):
        return None
    return data if len(data) <= TOML_MAX_BYTES else None


def open_profile_cache(environ: Mapping[str, str] | None = None) -> ProfileCache | None:
    """The cache of compiled profiles in the default folder, or None when the cache is off."""
    folder = default_cache_dir(environ)
    return None if folder is None else ProfileCache(folder)


def kept_or_built(
    kind: str, files: Callable[[], list[Traversable] | None], modules: Iterable[str],
    build: Callable[[], T], usable: Callable[[object], TypeGuard[T]],
) -> T:
    """What ``build()`` returns for these profile files: from the cache when an entry for
    their bytes is there and ``usable``, else built (errors raised as always) and kept.
    ``files`` lists them (None: they cannot be listed; built, not kept)."""
    cache = open_profile_cache()
    listed = None if cache is None else files()
    key = None if cache is None or listed is None else cache.key(kind, listed, modules)
    if cache is not None and key is not None:
        kept = cache.get(key)
        if usable(kept):
            return kept
    built = build()
    if cache is not None and key is not None:
        cache.put(key, built)
    return built


class KeptResults:
    """Results of functions of hl7apy's reference data (a segment's field checks, a message
    structure), kept on disk between runs so that a warm run neither imports hl7apy nor
    computes them again: one file per HL7 version, keyed like :class:`ProfileCache` by the
    bytes of the modules that compute them, hl7apy's version and its data files' sizes.

    :meth:`get` is called for every result a function is asked for; what is new is written
    (merged with what another run may have written meanwhile) when the process exits.
    """

    def __init__(
        self, modules: tuple[str, ...], singletons: Mapping[str, object] | None = None
    ) -> None:
        self.modules = modules
        # Objects the results hold that the code compares by identity (``check is GAP``): kept
        # by name, so a result read back holds the very object.
        self.singletons = dict(singletons or {})
        self._versions: dict[str, dict[tuple[str, ...], object]] = {}
        self._new: dict[str, dict[tuple[str, ...], object]] = {}
        self._files: dict[str, Path | None] = {}
        self._base: tuple[Any, Path] | Literal[False] | None = False  # False: not worked out
        self._exit_hook = False

    def get(self, version: str, key: tuple[str, ...], compute: Callable[[], object]) -> object:
        """The result of ``key`` (a function name and its arguments) for ``version``."""
        kept = self._versions.get(version)
        if kept is None:
            kept = self._versions[version] = self._load(version)
        try:
            return kept[key]
        except KeyError:
            pass
        value = kept[key] = compute()
        if self._file(version) is not None:
            self._new.setdefault(version, {})[key] = value
            if not self._exit_hook:
                atexit.register(self.flush)
                self._exit_hook = True
        return value

    def _file(self, version: str) -> Path | None:
        if version not in self._files:
            folder = default_cache_dir()
            self._files[version] = None if folder is None else self._name(folder, version)
        return self._files[version]

    def _name(self, folder: Path, version: str) -> Path | None:
        base = self._base_digest()
        if base is None:
            return None  # not a plain install: computed every run, never kept
        digest, hl7apy_dir = base[0].copy(), base[1]
        digest.update(f"{version}\0".encode())
        data = hl7apy_dir / f"v{version.replace('.', '_')}"
        if not _stamp(digest, [data / "__init__.py"]):
            return None
        try:  # the version's data files' sizes
            for name in sorted(os.listdir(data)):
                if name.endswith(".py"):
                    digest.update(f"{name}:{os.stat(data / name).st_size}\0".encode())
        except OSError:
            return None
        python = f"py{sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}"
        return (folder / f"reference-{sys.implementation.name}-{python}"
                / f"{digest.hexdigest()[:40]}.pickle")

    def _base_digest(self) -> tuple[Any, Path] | None:
        """The part of every version's key that is the same for all (our modules' bytes,
        hl7apy's version), worked out once per process; None when it cannot be."""
        base = self._base
        if base is False:
            base = self._base = self._work_out_base()
        return base

    def _work_out_base(self) -> tuple[Any, Path] | None:
        spec = importlib.util.find_spec("hl7apy")
        if spec is None or not spec.origin:
            return None
        hl7apy_dir = Path(spec.origin).parent
        digest = hashlib.sha256(f"{_REFERENCE_MAGIC!r}\0".encode())
        here = Path(__file__).parent
        if not _stamp(digest, [here / m for m in self.modules] + [hl7apy_dir / "__init__.py"]):
            return None
        try:  # hl7apy's version: its dist-info folder's name
            digest.update(" ".join(sorted(
                n for n in os.listdir(hl7apy_dir.parent)
                if n.startswith("hl7apy-") and n.endswith(".dist-info"))).encode())
        except OSError:
            return None
        return digest, hl7apy_dir

    def _load(self, version: str) -> dict[tuple[str, ...], object]:
        path = self._file(version)
        body = None if path is None else _read_entry(path, _REFERENCE_MAGIC)
        if body is None:
            return {}
        try:
            found = _Unpickler(io.BytesIO(body), self.singletons).load()
        except Exception:  # another version's classes, or not a pickle: start again
            return {}
        return found if isinstance(found, dict) else {}

    def flush(self) -> None:
        """Write what was computed in this run (with what the file holds now)."""
        for version, new in self._new.items():
            path = self._file(version)
            if path is None or not new:
                continue
            merged = self._load(version)
            merged.update(new)
            buffer = io.BytesIO()
            try:
                _Pickler(buffer, self.singletons).dump(merged)
            except Exception:  # something not picklable: nothing kept
                continue
            _write_entry(path, _REFERENCE_MAGIC, buffer.getvalue())
        self._new.clear()


class _Pickler(pickle.Pickler):
    """Pickles the ``singletons`` by name."""

    def __init__(self, file: io.BytesIO, singletons: Mapping[str, object]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._names = {id(obj): name for name, obj in singletons.items()}
        self._objects = singletons

    def persistent_id(self, obj: object) -> str | None:
        name = self._names.get(id(obj))
        return name if name is not None and self._objects[name] is obj else None


class _Unpickler(pickle.Unpickler):
    """Reads the ``singletons`` back as the very objects."""

    def __init__(self, file: io.BytesIO, singletons: Mapping[str, object]) -> None:
        super().__init__(file)
        self._objects = singletons

    def persistent_load(self, pid: object) -> object:
        if isinstance(pid, str) and pid in self._objects:
            return self._objects[pid]
        raise pickle.UnpicklingError(f"unknown object {pid!r}")

"""Load a TOML file into a pydantic model, turning every failure into a one-line InputError."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hiecheck.errors import InputError
from hiecheck.limits import TOML_MAX_BYTES, read_bounded

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; unreadable, oversized (``TOML_MAX_BYTES``) or malformed files raise
    InputError naming line and column."""
    raw = read_bounded(path, TOML_MAX_BYTES, "a TOML file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            str(path), "file is not UTF-8 text", location=f"byte {exc.start}"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11/3.12 only put the position in the text: "Invalid value (at line 2, column 9)".
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        msg = str(exc).split(" (at ")[0]
        location = f"line {found[1]}, column {found[2]}" if found else None
        raise InputError(str(path), f"malformed TOML: {msg}", location=location) from None


def key_path(loc: tuple[Any, ...]) -> str:
    """Render a pydantic error location as a TOML key path, e.g. ``enrollment[2].program``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def validation_error(source: str, exc: ValidationError) -> InputError:
    """The first pydantic error as an InputError naming the key (1-based array indexes)."""
    err = exc.errors()[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = err["type"]
    if kind == "extra_forbidden":
        problem = "unknown key"
    elif kind == "missing":
        problem = "missing required key"
    else:
        problem = err["msg"]
    more = len(exc.errors()) - 1
    if more:
        problem += f" (and {more} more problem{'s' if more > 1 else ''})"
    return InputError(source, problem, location=key_path(loc))


def load_model(path: Path, model: type[ModelT]) -> ModelT:
    """Read ``path`` as TOML and validate it as ``model``; errors name the file and key."""
    data = read_toml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(str(path), exc) from None

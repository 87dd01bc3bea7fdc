"""Load a TOML file into a pydantic model, turning every failure into one-line InputErrors.

Files are ``Traversable``\\s (a ``Path``, or a file inside an installed package, zipped or not).
Every problem pydantic finds is reported, one line each (at most ``errors.MAX_PROBLEMS``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hiecheck.errors import InputError, InputErrors
from hiecheck.limits import TOML_MAX_BYTES, read_bounded

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_toml(path: Traversable) -> dict[str, Any]:
    """Parse a TOML file; unreadable, oversized (``TOML_MAX_BYTES``) or malformed files raise
    InputError naming line and column."""
    if isinstance(path, Path):  # a file of the user's (or a profiles folder): bounded
        raw = read_bounded(path, TOML_MAX_BYTES, "a TOML file")
    else:  # a profile inside the installed package (e.g. a zip): hiecheck's own, small
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(str(path), f"cannot read file: {exc.strerror or exc}") from None
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


def _problem(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing required key"
    return str(err["msg"])


def validation_errors(source: str, exc: ValidationError) -> list[InputError]:
    """Every pydantic error as an InputError naming the key (1-based array indexes)."""
    out: list[InputError] = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        out.append(InputError(source, _problem(err), location=key_path(loc)))
    return out


def validation_error(source: str, exc: ValidationError) -> InputError:
    """The pydantic errors as one InputError: the only problem, or InputErrors listing all."""
    problems = validation_errors(source, exc)
    return problems[0] if len(problems) == 1 else InputErrors(problems)


def validate_data(
    data: Mapping[str, Any],
    model: type[ModelT],
    source: str,
    context: Mapping[str, Any] | None = None,
) -> ModelT:
    """Validate parsed data (a TOML file's, a form's) as ``model``; errors name ``source``."""
    try:
        return model.model_validate(data, context=dict(context) if context else None)
    except ValidationError as exc:
        raise validation_error(source, exc) from None


def load_model(
    path: Traversable, model: type[ModelT], context: Mapping[str, Any] | None = None
) -> ModelT:
    """Read ``path`` as TOML and validate it as ``model``; errors name the file and key.

    ``context`` reaches the model's validators (e.g. the content-group ids a profile may name).
    """
    return validate_data(read_toml(path), model, str(path), context)

"""hiecheck: where an organization stands in Medicaid value-based programs and the statewide HIE."""

from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    # importlib.metadata costs ~40 ms of imports: paid only when the version is asked for.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hiecheck")  # declared once, in pyproject.toml
    except PackageNotFoundError:  # imported from a source tree or zip never installed
        return "0+unknown"


def __getattr__(name: str) -> str:
    """``hiecheck.__version__``, from the package metadata."""
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'hiecheck' has no attribute {name!r}")

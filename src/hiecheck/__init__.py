"""hiecheck: where an organization stands in Medicaid value-based programs and the statewide HIE."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hiecheck")  # declared once, in pyproject.toml
except PackageNotFoundError:  # imported from a source tree or zip that was never installed
    __version__ = "0+unknown"

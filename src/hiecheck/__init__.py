"""hiecheck: where an organization stands in Medicaid value-based programs and the statewide HIE."""

__version__ = "0.1.0"

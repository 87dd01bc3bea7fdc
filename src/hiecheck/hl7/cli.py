"""Commands of this area, registered on the root app by hiecheck.cli."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""

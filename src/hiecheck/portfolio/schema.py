"""The JSON Schema of the portfolio JSON (``hiecheck check FOLDER --format json``), the file
``--compare`` reads back. ``schemas/portfolio.schema.json`` in the checkout is its export
(a test keeps it current):

    python -m hiecheck.portfolio.schema > schemas/portfolio.schema.json
"""

from __future__ import annotations

import json
from typing import Any

from hiecheck.portfolio.model import Portfolio

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def portfolio_schema() -> dict[str, Any]:
    """The Portfolio model's JSON Schema (draft 2020-12)."""
    return {"$schema": SCHEMA_DRAFT, **Portfolio.model_json_schema()}


def schema_text() -> str:
    """The schema as the exported file holds it."""
    return json.dumps(portfolio_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(schema_text(), end="")

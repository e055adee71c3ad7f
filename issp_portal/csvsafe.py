"""CSV cells a spreadsheet will not run as formulas (no Django import)."""
from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A text starting like a formula gets a leading apostrophe (OWASP); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def row(record: dict) -> dict:
    return {k: cell(v) for k, v in record.items()}

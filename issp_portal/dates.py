"""Calendar dates typed by people and programs (no Django import)."""
from __future__ import annotations

import datetime as dt

EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)  # nights the portal can reason about


def day_or_none(text: str | None) -> dt.date | None:
    """The date of an ISO `YYYY-MM-DD` text between 1990 and 2100, or None for anything else
    (2024-02-30, 9999-12-31, garbage, 10 MB)."""
    if not text or len(text) > 10:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None

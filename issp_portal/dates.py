"""Calendar dates typed by people and programs (no Django import)."""
from __future__ import annotations

import datetime as dt


def day_or_none(text: str | None) -> dt.date | None:
    """The date of an ISO `YYYY-MM-DD` text, or None for anything else (2024-02-30, garbage, 10 MB)."""
    if not text or len(text) > 10:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None

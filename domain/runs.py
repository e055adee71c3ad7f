"""The rules every kind of run follows (ingest, L1, L2, L3, catalog sync), with no Django import.

A run is PENDING, then RUNNING, then COMPLETED or FAILED. A worker that dies
(SIGKILL, lost machine) cannot mark its run failed, so a periodic sweep applies
one rule to every kind: an unfinished run whose last sign of life (its heartbeat,
written at start and at every step) is older than the stale limit has no live
task behind it and is marked FAILED with `stale_reason`. The limit must exceed the
longest single step of any run (one raw file, one setup, one target fit).

Error texts shown on a run are cut here, once, so every failure path stores the
same amount.
"""
from __future__ import annotations

import datetime as dt

from domain.storage import disk_full

PENDING, RUNNING, COMPLETED, FAILED = "pending", "running", "completed", "failed"
FINISHED = (COMPLETED, FAILED)
ERROR_LIMIT = 4000  # characters of error text kept on a run
_CUT = " … (truncated)"


def error_text(error: BaseException | str) -> str:
    """The error summary of a failed run: exception type and message (a full disk says so), cut to ERROR_LIMIT."""
    full = None if isinstance(error, str) else disk_full(error)
    text = error if isinstance(error, str) else f"{type(full or error).__name__}: {full or error}"
    return text if len(text) <= ERROR_LIMIT else text[: ERROR_LIMIT - len(_CUT)] + _CUT


def stale_cutoff(now: dt.datetime, limit_s: float) -> dt.datetime:
    """Runs whose last sign of life is before this moment are stale."""
    return now - dt.timedelta(seconds=limit_s)


def is_stale(*, phase: str, last_seen: dt.datetime, now: dt.datetime, limit_s: float) -> bool:
    """The one stale-run rule: unfinished and silent for longer than `limit_s`."""
    return phase not in FINISHED and last_seen < stale_cutoff(now, limit_s)


def stale_reason(limit_s: float, last_seen: dt.datetime | None = None) -> str:
    """Why the sweep failed a run (shown on its page)."""
    since = f" since {last_seen:%Y-%m-%d %H:%M:%S} UTC" if last_seen else ""
    return (f"worker lost: no sign of life for more than {limit_s:.0f} s{since}; "
            "marked failed by the stale-run sweep (start the run again to resume)")

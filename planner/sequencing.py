"""CAL-SCI-CAL blocks placed in a program's share of the night.

Pure domain module (no Django). Time is counted in grid slots of the
visibility grid (`step_minutes`). A block lasts cal + sci + cal minutes,
rounded up to whole slots, and may start at slot s only if the science
target and its calibrators are observable at every sample from s to the
block's end. Blocks never overlap and never leave the share window, so
the plan's total time always fits the allocation.

Shares: a split night gives each program a consecutive slice of the night, in
the allocation order given (the portal orders by program priority, then code).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Durations:
    science_minutes: int = 20
    calibrator_minutes: int = 10

    @property
    def block_minutes(self) -> int:
        return self.science_minutes + 2 * self.calibrator_minutes

    def slots(self, step_minutes: int) -> int:
        return math.ceil(self.block_minutes / step_minutes)


def share_window(
    start: dt.datetime, end: dt.datetime, shares: list[tuple[object, float]], key: object
) -> tuple[dt.datetime, dt.datetime]:
    """The slice of [start, end] given to `key` when the night is split in `shares` (key, fraction)."""
    total = (end - start).total_seconds()
    cursor = 0.0
    for k, fraction in shares:
        if k == key:
            return (start + dt.timedelta(seconds=cursor * total),
                    start + dt.timedelta(seconds=min(cursor + fraction, 1.0) * total))
        cursor += fraction
    raise KeyError(key)


def runs(observable: np.ndarray) -> np.ndarray:
    """runs[i, s] = number of consecutive observable samples starting at s (vectorised from the end)."""
    n, m = observable.shape
    out = np.zeros((n, m + 1), dtype=np.int32)
    for s in range(m - 1, -1, -1):
        out[:, s] = np.where(observable[:, s], out[:, s + 1] + 1, 0)
    return out[:, :m]


def slot_range(times: list[dt.datetime], start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
    """First slot at/after start and the last slot index at/before end (block ends must be <= end)."""
    ts = np.array([t.timestamp() for t in times])
    first = int(np.searchsorted(ts, start.timestamp() - 1e-6))
    last = int(np.searchsorted(ts, end.timestamp() + 1e-6)) - 1
    return first, last


@dataclass(frozen=True)
class Placement:
    key: int  # candidate index
    start_slot: int
    end_slot: int  # exclusive: the block ends at times[end_slot]


def fits_mask(sci_runs: np.ndarray, cal_runs: np.ndarray, s: int, n_slots: int) -> np.ndarray:
    """Which candidates can run a block starting at slot s (samples s..s+n_slots all observable)."""
    return (sci_runs[:, s] >= n_slots + 1) & (cal_runs[:, s] >= n_slots + 1)


def greedy(
    *,
    scores: np.ndarray,
    sci_observable: np.ndarray,
    cal_observable: np.ndarray,
    first_slot: int,
    last_slot: int,
    n_slots: int,
) -> list[Placement]:
    """Fill [first_slot, last_slot] from the start: at each free slot, the best-scored block that fits.

    `cal_observable[i]` is the observability of candidate i's calibrators (all
    of them observable); candidates with nan score are never placed.
    """
    sci_r, cal_r = runs(sci_observable), runs(cal_observable)
    available = ~np.isnan(scores)
    ranked = np.where(available, scores, -np.inf)
    placements: list[Placement] = []
    s = first_slot
    while s + n_slots <= last_slot:
        ok = fits_mask(sci_r, cal_r, s, n_slots) & available
        if not ok.any():
            s += 1
            continue
        i = int(np.argmax(np.where(ok, ranked, -np.inf)))
        placements.append(Placement(i, s, s + n_slots))
        available[i] = False
        s += n_slots
    return placements


def retime(
    *,
    order: list[int],
    sci_observable: np.ndarray,
    cal_observable: np.ndarray,
    first_slot: int,
    last_slot: int,
    n_slots: int,
) -> tuple[list[Placement], list[int]]:
    """Place candidates in the given order, each at the earliest slot it fits after the previous one.

    Returns the placements and the candidates that could not be placed in the window.
    """
    sci_r, cal_r = runs(sci_observable), runs(cal_observable)
    placements, missing = [], []
    s = first_slot
    for i in order:
        t = s
        while t + n_slots <= last_slot and not (sci_r[i, t] >= n_slots + 1 and cal_r[i, t] >= n_slots + 1):
            t += 1
        if t + n_slots > last_slot:
            missing.append(i)
            continue
        placements.append(Placement(i, t, t + n_slots))
        s = t + n_slots
    return placements, missing

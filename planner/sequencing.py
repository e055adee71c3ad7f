"""CAL-SCI-CAL blocks placed in a program's share of the night.

Pure domain module (no Django). Time is counted in grid slots of the
visibility grid (`step_minutes`). A block lasts cal + sci + cal minutes,
rounded up to whole slots, and may start at slot s only if the science
target and its calibrators are observable at every sample from s to the
block's end. Blocks never overlap and never leave the share window, so
the plan's total time always fits the allocation.

Filling the share (`schedule`): a greedy sweep first (from the start of the
share, at each free slot the best-scored block that fits), then a repair pass:
an unplaced candidate whose window is taken by one block goes in when that
block can move to a free place where it still fits (a one-move insertion, the
local search of classic greedy-plus-repair schedulers), repeated until no
insertion is found. Every step keeps blocks observable and inside the share; no
solver is needed for the few dozen blocks of a night.

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


def fit_matrix(sci_observable: np.ndarray, cal_observable: np.ndarray, first_slot: int, last_slot: int,
               n_slots: int) -> np.ndarray:
    """fit[i, s]: a block of candidate i may start at slot s (inside the share, all its samples observable)."""
    sci_r, cal_r = runs(sci_observable), runs(cal_observable)
    fit = (sci_r >= n_slots + 1) & (cal_r >= n_slots + 1)
    fit[:, :first_slot] = False
    fit[:, max(last_slot - n_slots + 1, 0):] = False
    return fit


def _occupancy(placements: list[Placement], m: int) -> np.ndarray:
    occ = np.full(m, -1, dtype=int)
    for p in placements:
        occ[p.start_slot:p.end_slot] = p.key
    return occ


def _insert_one(fit: np.ndarray, scores: np.ndarray, placements: list[Placement], n_slots: int) -> bool:
    """Place the best unplaced candidate that fits a free place, or after moving the one block in its way."""
    m = fit.shape[1]
    if m < n_slots:
        return False
    occ = _occupancy(placements, m)
    windows = np.lib.stride_tricks.sliding_window_view(occ, n_slots)  # (m - n + 1, n)
    free = (windows == -1).all(axis=1)
    key_hi = windows.max(axis=1)
    key_lo = np.where(windows == -1, np.iinfo(int).max, windows).min(axis=1)
    single = ~free & (key_hi == key_lo)
    starts = fit[:, : m - n_slots + 1]
    by_key = {p.key: p for p in placements}
    for j in np.argsort(np.where(np.isnan(scores), np.inf, -scores), kind="stable"):
        j = int(j)
        if np.isnan(scores[j]) or j in by_key or not starts[j].any():
            continue
        open_now = np.flatnonzero(starts[j] & free)
        if len(open_now):
            placements.append(Placement(j, int(open_now[0]), int(open_now[0]) + n_slots))
            return True
        for s in np.flatnonzero(starts[j] & single):
            k = int(key_hi[s])
            trial = occ.copy()
            trial[trial == k] = -1
            trial[s:s + n_slots] = j
            room = np.lib.stride_tricks.sliding_window_view(trial == -1, n_slots).all(axis=1)
            moves = np.flatnonzero(starts[k] & room)
            if len(moves):
                t = int(moves[0])
                placements.remove(by_key[k])
                placements += [Placement(k, t, t + n_slots), Placement(j, int(s), int(s) + n_slots)]
                return True
    return False


def schedule(
    *,
    scores: np.ndarray,
    sci_observable: np.ndarray,
    cal_observable: np.ndarray,
    first_slot: int,
    last_slot: int,
    n_slots: int,
    max_insertions: int = 500,
) -> list[Placement]:
    """Greedy sweep, then one-move insertions until none is found; blocks in time order."""
    placements = greedy(scores=scores, sci_observable=sci_observable, cal_observable=cal_observable,
                        first_slot=first_slot, last_slot=last_slot, n_slots=n_slots)
    fit = fit_matrix(sci_observable, cal_observable, first_slot, last_slot, n_slots)
    for _ in range(max_insertions):
        if not _insert_one(fit, scores, placements, n_slots):
            break
    return sorted(placements, key=lambda p: p.start_slot)

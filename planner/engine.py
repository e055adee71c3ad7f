"""Plan one program's share of one night: observability -> score -> calibrators -> sequence.

Pure domain module (no Django): this is what services.plan_create calls and what
bench/bench_planner.py times. Inputs are plain arrays; outputs are dataclasses.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from planner import pairing, scoring, sequencing
from planner.observability import CHARA, Constraints, Site, time_grid, visibility

PAIRING_POOL = 300  # calibrators are searched for the best-ranked observable candidates only


@dataclass
class Candidates:
    """Incomplete goals of one program for one instrument, aligned arrays."""

    ids: np.ndarray
    names: list[str]
    ra_deg: np.ndarray
    dec_deg: np.ndarray
    mag_sci: np.ndarray
    mag_ft: np.ndarray
    done: np.ndarray
    required: np.ndarray
    target_priority: np.ndarray
    days_since_last: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Request:
    instrument: str
    mode: str
    program_priority: int
    night_start: dt.datetime
    night_end: dt.datetime
    share_start: dt.datetime
    share_end: dt.datetime
    constraints: Constraints = field(default_factory=Constraints)
    durations: sequencing.Durations = field(default_factory=sequencing.Durations)
    max_calibrator_distance_deg: float = 10.0
    calibrators_per_target: int = 2
    min_calibrator_v2: float = pairing.DEFAULT_MIN_V2
    baseline_m: float = pairing.LONGEST_BASELINE_M
    excluded: dict[int, str] = field(default_factory=dict)  # candidate index -> reason (e.g. duplicate)
    site: Site = CHARA


@dataclass
class CandidateRow:
    index: int
    score: float
    components: dict[str, float]
    hours_observable: float
    max_altitude: float
    reason: str  # "" when placed; otherwise why not (ineligible, or why the scheduler left it out)
    placed: bool = False


@dataclass
class PlannedBlock:
    index: int
    start: dt.datetime
    end: dt.datetime
    calibrators: list[pairing.CalibratorChoice]


@dataclass
class PlanResult:
    times: list[dt.datetime]
    rows: list[CandidateRow]  # every candidate, best first (excluded ones last)
    blocks: list[PlannedBlock]
    uncalibratable: list[int]
    calibrators: dict[int, list[pairing.CalibratorChoice]]


def calibrator_observable(choices: list[list[pairing.CalibratorChoice]], cal_obs: np.ndarray,
                          m: int) -> np.ndarray:
    """Per candidate: all its chosen calibrators observable (False where none chosen)."""
    out = np.zeros((len(choices), m), bool)
    for i, row in enumerate(choices):
        if row:
            out[i] = np.logical_and.reduce([cal_obs[c.index] for c in row])
    return out


def plan(cands: Candidates, catalog: pairing.Catalog, req: Request) -> PlanResult:
    band, _, ft_band, _ = scoring.mode_limits(req.instrument, req.mode)
    times = time_grid(req.night_start, req.night_end, req.constraints.step_minutes)
    vis = visibility(cands.ra_deg, cands.dec_deg, times, req.constraints, req.site)
    first, last = sequencing.slot_range(times, req.share_start, req.share_end)
    in_share = np.zeros(len(times), bool)
    in_share[first:last + 1] = True
    share_obs = vis.observable & in_share[None, :]
    hours = share_obs.sum(axis=1) * req.constraints.step_minutes / 60.0
    s = scoring.score(done=cands.done, required=cands.required, program_priority=req.program_priority,
                      target_priority=cands.target_priority, days_since_last=cands.days_since_last,
                      mag_sci=cands.mag_sci, mag_ft=cands.mag_ft, instrument=req.instrument, mode=req.mode)
    n_slots = req.durations.slots(req.constraints.step_minutes)
    longest_run = sequencing.runs(share_obs).max(axis=1) if len(times) else np.zeros(len(cands), int)
    reasons = [req.excluded.get(i) or r for i, r in enumerate(s.reasons)]
    max_alt = vis.max_altitude()
    for i in range(len(cands)):
        if reasons[i]:
            continue
        if not share_obs[i].any():
            limit = req.constraints.min_altitude_deg
            reasons[i] = (f"never observable in the share (max altitude {max_alt[i]:.0f}°, limit {limit:.0f}°)"
                          if max_alt[i] < limit else "never observable in the share (hour angle / airmass / Moon)")
        elif longest_run[i] < n_slots + 1:
            reasons[i] = f"observable less than one {req.durations.block_minutes}-min block"
    ok = np.array([not r for r in reasons], bool)
    score = np.where(ok, s.total, np.nan)
    order = np.argsort(np.where(ok, -np.nan_to_num(s.total, nan=0), np.inf), kind="stable")
    pool = [int(i) for i in order[: PAIRING_POOL] if ok[i]]
    choices_pool = pairing.choose(
        ra_deg=cands.ra_deg[pool], dec_deg=cands.dec_deg[pool], mag_sci=cands.mag_sci[pool],
        mag_ft=cands.mag_ft[pool], catalog=catalog, band=band, ft_band=ft_band,
        max_distance_deg=req.max_calibrator_distance_deg, per_target=req.calibrators_per_target,
        baseline_m=req.baseline_m, min_v2=req.min_calibrator_v2,
    )
    calibrators = {i: c for i, c in zip(pool, choices_pool, strict=True)}
    uncal = [i for i in pool if not calibrators[i]]
    for i in uncal:
        reasons[i] = pairing.uncalibratable_reason(
            max_distance_deg=req.max_calibrator_distance_deg, ra_deg=cands.ra_deg[i], dec_deg=cands.dec_deg[i],
            catalog=catalog, band=band, baseline_m=req.baseline_m, min_v2=req.min_calibrator_v2)
    for i in order[PAIRING_POOL:]:
        if ok[i]:
            reasons[i] = f"not searched: below the {PAIRING_POOL} best-scored observable candidates"
    used = sorted({c.index for row in choices_pool for c in row})
    cal_vis = visibility(catalog.ra_deg[used], catalog.dec_deg[used], times, req.constraints, req.site)
    cal_obs_full = np.zeros((len(catalog), len(times)), bool)
    if used:
        cal_obs_full[used] = cal_vis.observable
    placeable = np.full(len(cands), np.nan)
    sci_obs = np.zeros((len(cands), len(times)), bool)
    cal_obs = np.zeros((len(cands), len(times)), bool)
    for i in pool:
        if calibrators[i]:
            placeable[i] = score[i]
            sci_obs[i] = share_obs[i]
            cal_obs[i] = calibrator_observable([calibrators[i]], cal_obs_full, len(times))[0]
    placements = sequencing.schedule(scores=placeable, sci_observable=sci_obs, cal_observable=cal_obs,
                                     first_slot=first, last_slot=last, n_slots=n_slots)
    blocks = [PlannedBlock(p.key, times[p.start_slot], times[p.end_slot], calibrators[p.key]) for p in placements]
    placed = {p.key for p in placements}
    left_out = [i for i in pool if calibrators[i] and i not in placed]
    fit = sequencing.fit_matrix(sci_obs, cal_obs, first, last, n_slots) if left_out else None
    for i in left_out:
        reasons[i] = left_out_reason(i, fit=fit, sci_obs=sci_obs, placements=placements, times=times,
                                     names=cands.names, scores=score, first=first, last=last, n_slots=n_slots,
                                     block_minutes=req.durations.block_minutes)
    rows = [CandidateRow(int(i), float(score[i]) if ok[i] else float("nan"),
                         {k: float(v[i]) for k, v in s.components.items()}, float(hours[i]), float(max_alt[i]),
                         reasons[i], int(i) in placed) for i in order]
    return PlanResult(times, rows, blocks, uncal, calibrators)


def left_out_reason(i: int, *, fit: np.ndarray, sci_obs: np.ndarray, placements: list[sequencing.Placement],
                    times: list[dt.datetime], names: list[str], scores: np.ndarray, first: int, last: int,
                    n_slots: int, block_minutes: int) -> str:
    """Why the scheduler left an eligible, calibrated candidate out of the plan."""
    if not fit[i].any():
        return f"no calibrator observable with it for a whole {block_minutes}-min block"
    free = (last - first) - sum(p.end_slot - p.start_slot for p in placements)
    occ = np.full(len(times), -1, int)
    for p in placements:
        occ[p.start_slot:p.end_slot] = p.key
    starts = np.flatnonzero(fit[i])
    window = f"{times[starts[0]]:%H:%M}–{times[min(starts[-1] + n_slots, len(times) - 1)]:%H:%M} UT"
    if free < n_slots:
        return f"night share used: its window {window} is within a share with no {block_minutes}-min room left"
    in_way = sorted({int(k) for s in starts for k in occ[s:s + n_slots] if k >= 0}, key=lambda k: -scores[k])
    others = ", ".join(f"{names[k]} ({scores[k]:.0f})" for k in in_way[:3]) + (" …" if len(in_way) > 3 else "")
    return f"conflicts with planned blocks: its window {window} is taken by {others}"

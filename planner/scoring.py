"""A transparent candidate score: four components in [0, 1], weighted, shown as they are.

Pure domain module (no Django). Vectorised over candidates (numpy arrays).

- need: 1 - done / required (a goal with nothing done needs the most);
- priority: half program priority (1 = highest -> 1.0, 2 -> 0.5, ...), half the
  PI's target priority (same scale; the program's when the target has none);
- recency: days since the last executed observation / `RECENCY_FULL_DAYS`,
  capped at 1 (never observed = 1);
- brightness: the smaller of the science-band and fringe-tracking-band margins
  below the mode's limiting magnitude, / `BRIGHTNESS_FULL_MAG`, capped at 1.
  A target fainter than a limit is not a candidate (reason given).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# (planner instrument, Aspro2 mode) -> (science band, limit, fringe-tracking band, limit).
# Planning defaults for good seeing, to be tuned by the instrument teams; the
# fringe tracker of SPICA and MYSTIC is MIRC-X in H.
LIMITING_MAGNITUDES: dict[tuple[str, str], tuple[str, float, str, float]] = {
    ("SPICA", "LR"): ("R", 8.0, "H", 6.5),
    ("SPICA", "MR640"): ("R", 7.0, "H", 6.5),
    ("SPICA", "MR720"): ("R", 7.0, "H", 6.5),
    ("SPICA", "MR800"): ("R", 7.0, "H", 6.5),
    ("SPICA", "MR855"): ("R", 7.0, "H", 6.5),
    ("SPICA", "HR"): ("R", 5.0, "H", 6.5),
    ("MIRC-X", "Low_J"): ("J", 5.5, "H", 6.5),
    ("MIRC-X", "Med_J"): ("J", 4.5, "H", 6.5),
    ("MIRC-X", "High_J"): ("J", 3.0, "H", 6.5),
    ("MIRC-X", "Low_H"): ("H", 6.5, "H", 6.5),
    ("MIRC-X", "Medium_H"): ("H", 5.5, "H", 6.5),
    ("MIRC-X", "High_H"): ("H", 4.0, "H", 6.5),
    ("MYSTIC", "Low_K"): ("K", 6.5, "H", 6.5),
    ("MYSTIC", "Med_K"): ("K", 5.5, "H", 6.5),
    ("MYSTIC", "High_K"): ("K", 4.0, "H", 6.5),
}
# Aspro2's instrument name for each planner instrument.
ASPRO2_INSTRUMENT = {"SPICA": "SPICA", "MIRC-X": "MIRCX-MYSTIC", "MYSTIC": "MIRCX-MYSTIC"}
DEFAULT_MODE = {"SPICA": "MR720", "MIRC-X": "Low_H", "MYSTIC": "Low_K"}

WEIGHTS = {"need": 0.35, "priority": 0.25, "recency": 0.20, "brightness": 0.20}
RECENCY_FULL_DAYS = 60.0
BRIGHTNESS_FULL_MAG = 3.0
COMPONENTS = tuple(WEIGHTS)


def mode_limits(instrument: str, mode: str) -> tuple[str, float, str, float]:
    try:
        return LIMITING_MAGNITUDES[(instrument, mode)]
    except KeyError:
        raise ValueError(f"unknown instrument mode {instrument} {mode}") from None


@dataclass
class Scores:
    total: np.ndarray  # 0-100, nan when excluded
    components: dict[str, np.ndarray]  # each in [0, 1]
    eligible: np.ndarray  # bool
    reasons: list[str]  # why a target is excluded ("" when eligible)
    margin_sci: np.ndarray
    margin_ft: np.ndarray


def score(
    *,
    done: np.ndarray,
    required: np.ndarray,
    program_priority: int,
    target_priority: np.ndarray,
    days_since_last: np.ndarray,
    mag_sci: np.ndarray,
    mag_ft: np.ndarray,
    instrument: str,
    mode: str,
) -> Scores:
    """Score every candidate; arrays are aligned, nan = unknown (target priority, last obs, magnitude)."""
    band, limit, ft_band, ft_limit = mode_limits(instrument, mode)
    done = np.asarray(done, float)
    required = np.maximum(np.asarray(required, float), 1.0)
    need = np.clip(1.0 - done / required, 0.0, 1.0)
    tprio = np.asarray(target_priority, float)
    tprio = np.where(np.isnan(tprio), program_priority, np.maximum(tprio, 1.0))
    priority = 0.5 / max(program_priority, 1) + 0.5 / tprio
    days = np.asarray(days_since_last, float)
    recency = np.where(np.isnan(days), 1.0, np.clip(days / RECENCY_FULL_DAYS, 0.0, 1.0))
    margin_sci = limit - np.asarray(mag_sci, float)
    margin_ft = ft_limit - np.asarray(mag_ft, float)
    margin = np.fmin(margin_sci, margin_ft)  # fmin ignores one nan
    brightness = np.where(np.isnan(margin), 0.5, np.clip(margin / BRIGHTNESS_FULL_MAG, 0.0, 1.0))
    components = {"need": need, "priority": priority, "recency": recency, "brightness": brightness}
    total = 100.0 * sum(WEIGHTS[k] * components[k] for k in COMPONENTS)
    too_faint_sci = margin_sci < 0
    too_faint_ft = margin_ft < 0
    eligible = ~(too_faint_sci | too_faint_ft) & (need > 0)
    reasons = []
    for i in range(len(total)):
        if too_faint_sci[i]:
            reasons.append(f"too faint for {mode}: {band}={mag_sci[i]:.2f} > {limit:.1f}")
        elif too_faint_ft[i]:
            reasons.append(f"too faint for the fringe tracker: {ft_band}={mag_ft[i]:.2f} > {ft_limit:.1f}")
        elif need[i] <= 0:
            reasons.append("goal complete")
        else:
            reasons.append("")
    return Scores(np.where(eligible, total, np.nan), components, eligible, reasons, margin_sci, margin_ft)

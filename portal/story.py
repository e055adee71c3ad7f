"""The survey's facts, each defined once so every page tells the same story. No Django import.

- a target's status comes from its goals *and* its data: a target with L2/L3 products is never
  "not started", even when no observation of it was recorded in the portal;
- a program's headline percentage is the share of goals done (done / total); the mean completion,
  where a half-done goal counts one half, is shown under its own name;
- a night's outcome comes from what was recorded: a past night still "scheduled" is "not recorded"
  (never "8 h lost"), hours lost count only on nights recorded as lost or partly lost, and a night
  with data but no program allocated says so.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from surveys.progress import DONE, IN_PROGRESS, NO_GOAL, NOT_STARTED

# Night.Status values (kept as strings: this module has no Django import).
OBSERVED, PARTIAL, LOST_WEATHER, LOST_TECHNICAL, SCHEDULED = (
    "observed", "partial", "lost_weather", "lost_technical", "scheduled")
LOST = {LOST_WEATHER, LOST_TECHNICAL}


def target_status(completions: list[float], *, has_data: bool = False) -> str:
    """done when every goal is met; in progress when any goal advanced or data exist; else not started."""
    if not completions:
        return NO_GOAL
    if all(c >= 1.0 for c in completions):
        return DONE
    if has_data or any(c > 0 for c in completions):
        return IN_PROGRESS
    return NOT_STARTED


def goals_done_fraction(n_done: int, n_goals: int) -> float:
    """The headline percentage of a program: goals done over goals."""
    return n_done / n_goals if n_goals else 0.0


@dataclass(frozen=True)
class NightOutcome:
    label: str          # what every page prints
    tone: str           # badge class: ok, warn, bad or ""
    hours_lost: float | None  # None when nothing was recorded (future or unrecorded night)
    note: str = ""      # e.g. data without a program


def night_outcome(*, status: str, date: dt.date, today: dt.date, hours_lost: float, n_observations: int,
                  has_program: bool, n_data_files: int = 0) -> NightOutcome:
    """The outcome of one night, from its recorded status, its date relative to `today` and its data."""
    note = ""
    if not has_program and (n_data_files or n_observations):
        note = "data but no program allocated"
    if status == SCHEDULED or status == "":
        if date > today:
            return NightOutcome("scheduled", "", None, note)
        if date == today:
            return NightOutcome("tonight", "warn", None, note)
        if n_observations or n_data_files:
            return NightOutcome("observed (outcome not recorded)", "ok", None, note)
        return NightOutcome("not recorded", "", None, note)
    if status == OBSERVED:
        return NightOutcome("observed", "ok", 0.0, note)
    if status == PARTIAL:
        return NightOutcome(f"partly lost ({hours_lost:g} h)", "warn", hours_lost, note)
    if status in LOST:
        why = "weather" if status == LOST_WEATHER else "technical"
        return NightOutcome(f"lost ({why})", "bad", hours_lost, note)
    return NightOutcome(status, "", hours_lost, note)

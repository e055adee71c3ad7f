"""Survey-goal arithmetic: completion, progress over time. No Django import (target status: portal.story).

A goal is complete when it has `required` valid observations (executed, same
program and instrument, same mode when the goal names one) or, when it asks for
a quality level, an L2 product reaching it. Completion = min(1, valid / required).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

NOT_STARTED, IN_PROGRESS, DONE, NO_GOAL = "not started", "in progress", "done", "no goal"
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, NO_GOAL)


def goal_completion(*, n_valid: int, required: int, l2_ok: bool = False) -> float:
    if l2_ok:
        return 1.0
    return min(1.0, n_valid / max(required, 1))


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class GoalRow:
    id: int
    target_id: int
    program_id: int
    instrument: str
    mode: str
    required: int
    n_valid: int = 0
    l2_ok: bool = False

    @property
    def completion(self) -> float:
        return goal_completion(n_valid=self.n_valid, required=self.required, l2_ok=self.l2_ok)


@dataclass
class Breakdown:
    """Completion grouped by a key: mean over goals, plus counts."""

    key: tuple
    completions: list[float] = field(default_factory=list)

    @property
    def completion(self) -> float:
        return mean(self.completions) or 0.0

    @property
    def n_goals(self) -> int:
        return len(self.completions)

    @property
    def n_done(self) -> int:
        return sum(1 for c in self.completions if c >= 1.0)


def breakdown(goals: list[GoalRow], key) -> dict[tuple, Breakdown]:
    groups: dict[tuple, Breakdown] = {}
    for goal in goals:
        k = key(goal)
        groups.setdefault(k, Breakdown(key=k)).completions.append(goal.completion)
    return groups


def progress_series(goals: list[GoalRow], counts: list[tuple[int, int, str, str, dt.date, int]]
                    ) -> dict[int, list[tuple[dt.date, float]]]:
    """Completion per program after each observing date.

    `counts` rows are (target_id, program_id, instrument, mode, date, n_executed),
    one per group, in date order. Returns program_id -> [(date, completion)].
    """
    by_key: dict[tuple, list[GoalRow]] = defaultdict(list)
    per_program: dict[int, list[GoalRow]] = defaultdict(list)
    for goal in goals:
        by_key[(goal.target_id, goal.program_id, goal.instrument)].append(goal)
        per_program[goal.program_id].append(goal)
    cumulative: dict[int, int] = defaultdict(int)
    sums: dict[int, float] = defaultdict(float)
    series: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    for target_id, program_id, instrument, mode, date, n in sorted(counts, key=lambda r: r[4]):
        for goal in by_key.get((target_id, program_id, instrument), ()):
            if goal.mode and goal.mode != mode:
                continue
            before = goal_completion(n_valid=cumulative[goal.id], required=goal.required)
            cumulative[goal.id] += n
            after = goal_completion(n_valid=cumulative[goal.id], required=goal.required)
            sums[goal.program_id] += after - before
            points = series[goal.program_id]
            value = sums[goal.program_id] / len(per_program[goal.program_id])
            if points and points[-1][0] == date:
                points[-1] = (date, value)
            else:
                points.append((date, value))
    return dict(series)

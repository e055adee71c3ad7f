"""The dashboard's numbers, from a fixed number of aggregated queries whatever the survey size."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from portal import selectors as page_selectors
from portal.story import LOST, OBSERVED, PARTIAL, goals_done_fraction, target_status
from surveys import selectors
from surveys.naming import natural_key
from surveys.progress import NO_GOAL, breakdown, mean, progress_series

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from surveys.models import Program, Target

USED = {OBSERVED, PARTIAL}


@dataclass
class ProgramSummary:
    program: Program
    completion: float
    n_goals: int
    n_done: int
    per_instrument: list[tuple[str, float, int, int]]
    nights_allocated: float
    nights_used: float
    nights_lost: float
    nights_scheduled: float

    @property
    def done_fraction(self) -> float:
        """The headline percentage: goals done over goals (portal.story)."""
        return goals_done_fraction(self.n_done, self.n_goals)


def target_status_rows(*, targets: QuerySet[Target], programs: QuerySet[Program]) -> list[dict]:
    """One row per target: identity, goals' completion, status, observation count (3 queries)."""
    goals = page_selectors.goal_rows(programs=programs, targets=targets)
    by_target: dict[int, list] = defaultdict(list)
    for goal in goals:
        by_target[goal.target_id].append(goal)
    codes = dict(programs.values_list("id", "code"))
    rows = []
    for row in selectors.target_rows(targets=targets, programs=programs):
        own = by_target.get(row["id"], [])
        completions = [g.completion for g in own]
        row["completion"] = mean(completions) or 0.0
        row["status"] = target_status(completions, has_data=bool(row.get("n_products")))
        row["goals"] = [
            {"program": codes.get(g.program_id, "?"), "instrument": g.instrument, "mode": g.mode,
             "valid": g.n_valid, "required": g.required, "completion": round(g.completion, 3)}
            for g in own
        ]
        row["programs"] = sorted({g["program"] for g in row["goals"]})
        rows.append(row)
    return rows


def sort_rows(rows: list[dict], sort: str | None) -> list[dict]:
    sort = sort or "name"
    key = sort.lstrip("-")
    reverse = sort.startswith("-")
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    present.sort(key=lambda r: (natural_key(r[key]), natural_key(r["name"])), reverse=reverse)  # HD 9 < HD 10
    return present + missing


def summary(*, programs: QuerySet[Program]) -> dict:
    """Per program: completion overall / per instrument / per semester, nights, progress series."""
    goals = page_selectors.goal_rows(programs=programs)
    counts = selectors.observation_counts(programs=programs)
    usage = selectors.night_usage(programs=programs)
    program_list = list(programs.order_by("priority", "code"))
    overall = breakdown(goals, lambda g: (g.program_id,))
    instruments = breakdown(goals, lambda g: (g.program_id, g.instrument))
    nights: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    semesters: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in usage:
        bucket = ("used" if row["night__status"] in USED else "lost" if row["night__status"] in LOST
                  else "scheduled")
        for target in (nights[row["program_id"]], semesters[(row["program_id"], row["night__semester__code"])]):
            target["allocated"] += row["nights"] or 0
            target[bucket] += row["nights"] or 0
    series = progress_series(goals, [(t, p, i, m, d, n) for t, p, i, m, d, _s, n in counts])
    observations: dict[tuple, int] = defaultdict(int)
    for _t, p, _i, _m, _d, semester, n in counts:
        observations[(p, semester)] += n
    summaries = []
    for program in program_list:
        ov = overall.get((program.pk,))
        per_instrument = sorted(
            (key[1], b.completion, b.n_done, b.n_goals) for key, b in instruments.items() if key[0] == program.pk
        )
        used = nights[program.pk]
        summaries.append(ProgramSummary(
            program=program, completion=ov.completion if ov else 0.0, n_goals=ov.n_goals if ov else 0,
            n_done=ov.n_done if ov else 0, per_instrument=per_instrument, nights_allocated=used["allocated"],
            nights_used=used["used"], nights_lost=used["lost"], nights_scheduled=used["scheduled"],
        ))
    codes = {p.pk: p.code for p in program_list}
    semester_rows = []
    for (program_id, code), values in sorted(semesters.items(), key=lambda kv: (str(kv[0][1]), kv[0][0])):
        semester_rows.append({
            "program": codes[program_id], "semester": code or "-", "allocated": values["allocated"],
            "used": values["used"], "lost": values["lost"], "scheduled": values["scheduled"],
            "observations": observations.get((program_id, code), 0),
            "completion_end": _completion_at_end(series.get(program_id, []), code, counts),
        })
    return {
        "programs": summaries,
        "semesters": semester_rows,
        "series": {codes[pid]: pts for pid, pts in series.items() if pid in codes},
    }


def _completion_at_end(points: list, semester: str | None, counts: list[tuple]) -> float:
    """Completion reached by the last observing date of `semester` (cumulative)."""
    last_dates = [row[4] for row in counts if row[5] == semester]
    if not last_dates:
        return 0.0
    end = max(last_dates)
    value = 0.0
    for date, completion in points:
        if date <= end:
            value = completion
    return value


def status_counts(rows: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if row["status"] != NO_GOAL:
            counts[row["status"]] += 1
    return dict(counts)

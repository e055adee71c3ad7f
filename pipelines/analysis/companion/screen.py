"""Survey settings of the companion search: the same scheme on a coarser setting, cheap enough for every target.

Pure (no Django). `SURVEY`: one LM start per local map peak (8 of each map), formal errors instead of
a bootstrap, map step = the resolution λ/B_max (the fits refine the position), a 12 × 12 × 9
detection-limit grid. The calibrators of every night use their own detection-only setting
(`pipelines.calibration.companion_check.SETTING`). The interactive `manage.py companion_search` keeps the
full defaults.
"""
from __future__ import annotations

from .data import BinaryData
from .search import SearchResult, companion_search

SURVEY = {"n_starts": 8, "n_boot": 0, "step_factor": 1.0, "threshold": 5.0,
          "limit_grid": {"n_radii": 12, "n_angles": 12, "n_flux": 9}}


def screen(data: BinaryData, options: dict = SURVEY, seed: int = 0) -> SearchResult:
    """The companion search of one target with a screen setting (a dict like `SURVEY`)."""
    step = options["step_factor"] * data.smallest_scale_mas
    return companion_search(data, threshold=options["threshold"], n_starts=options["n_starts"],
                            n_boot=options["n_boot"], step=step, limit_grid=options["limit_grid"], seed=seed)

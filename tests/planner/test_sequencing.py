"""CAL-SCI-CAL placement: share windows, observability, no overlap, total time within the share."""
from __future__ import annotations

import datetime as dt

import numpy as np

from planner import sequencing

T0 = dt.datetime(2024, 6, 16, 5, tzinfo=dt.UTC)


def test_split_night_gives_consecutive_disjoint_shares():
    end = T0 + dt.timedelta(hours=6)
    shares = [("issp", 0.5), ("ext", 0.5)]
    a = sequencing.share_window(T0, end, shares, "issp")
    b = sequencing.share_window(T0, end, shares, "ext")
    assert a == (T0, T0 + dt.timedelta(hours=3)) and b == (T0 + dt.timedelta(hours=3), end)


def test_greedy_places_blocks_only_when_observable_and_inside_the_window():
    m = 37  # 6 h at 10 min
    obs = np.zeros((3, m), bool)
    obs[0, :] = True
    obs[1, 20:] = True  # rises late
    obs[2, 4:9] = True  # observable for exactly one 4-slot block starting at slot 4
    scores = np.array([50.0, 90.0, 10.0])
    placements = sequencing.greedy(scores=scores, sci_observable=obs, cal_observable=np.ones_like(obs),
                                   first_slot=0, last_slot=18, n_slots=4)
    keys = [p.key for p in placements]
    assert keys == [0, 2]  # the best (1) rises after the share ends; 2 fits right after 0
    for p in placements:
        assert obs[p.key, p.start_slot:p.end_slot + 1].all()
        assert p.end_slot <= 18
    ends = [p.end_slot for p in placements]
    starts = [p.start_slot for p in placements]
    assert all(s >= e for s, e in zip(starts[1:], ends[:-1], strict=False))


def test_retime_keeps_the_order_and_reports_what_no_longer_fits():
    m = 37
    obs = np.ones((3, m), bool)
    obs[2, :] = False
    placements, missing = sequencing.retime(order=[1, 0, 2], sci_observable=obs, cal_observable=np.ones_like(obs),
                                            first_slot=0, last_slot=36, n_slots=4)
    assert [p.key for p in placements] == [1, 0] and missing == [2]
    assert (placements[0].start_slot, placements[1].start_slot) == (0, 4)


def test_runs_counts_consecutive_observable_samples():
    r = sequencing.runs(np.array([[True, True, False, True]]))
    assert r.tolist() == [[2, 1, 0, 1]]


def test_repair_inserts_the_block_the_greedy_sweep_left_out():
    # Two blocks of 4 slots fit the share [0, 8]. A (best) is observable all night; B only at the start.
    # The sweep takes A at slot 0 and B no longer fits; the repair moves A later and puts B first.
    m = 10
    sci = np.zeros((2, m), bool)
    sci[0, :] = True
    sci[1, :5] = True
    cal = np.ones((2, m), bool)
    scores = np.array([90.0, 50.0])
    args = dict(scores=scores, sci_observable=sci, cal_observable=cal, first_slot=0, last_slot=8, n_slots=4)
    assert [p.key for p in sequencing.greedy(**args)] == [0]
    placed = sequencing.schedule(**args)
    assert [(p.key, p.start_slot, p.end_slot) for p in placed] == [(1, 0, 4), (0, 4, 8)]
    # every block still observable at all its samples
    assert all(sci[p.key, p.start_slot:p.end_slot + 1].all() for p in placed)

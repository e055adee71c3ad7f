"""Planner fixtures: the demo survey plus a split night shared by ISSP and an external program."""
from __future__ import annotations

import datetime as dt

import pytest

SPLIT_DATE = dt.date(2024, 9, 10)
WIDE = 40.0  # the demo catalogue is sparse: search calibrators far enough to fill a plan
DEMO_V2 = 0.2  # its diameters (0.2-0.6 mas) are larger than real SPICA calibrators': accept more resolved ones


@pytest.fixture
def split_night(demo):
    from surveys.models import Night, NightAllocation, Program

    night = Night.objects.create(date=SPLIT_DATE, instruments=["SPICA"])
    NightAllocation.objects.create(night=night, program=Program.objects.get(code="issp"), fraction=0.5,
                                   instruments=["SPICA"])
    NightAllocation.objects.create(night=night, program=Program.objects.get(code="ext-spica-binaries"),
                                   fraction=0.5, instruments=["SPICA"])
    return night


@pytest.fixture
def issp_plan(split_night, demo):
    from planner import services
    from surveys.models import Program

    return services.plan_create(night=split_night, program=Program.objects.get(code="issp"), instrument="SPICA",
                                mode="MR720", user=demo["pi_issp"], max_calibrator_distance_deg=WIDE,
                                min_calibrator_v2=DEMO_V2)

"""Demo step: a saved draft plan for the next scheduled demo night (one per program share)."""
from __future__ import annotations

from django.contrib.auth import get_user_model

from planner import selectors, services
from planner.models import NightPlan
from planner.scoring import DEFAULT_MODE
from surveys.models import NightAllocation

# The demo catalogue has few calibrators spread over the whole sky: search wider than the default.
DEMO_MAX_CALIBRATOR_DISTANCE_DEG = 25.0
# Its diameters (0.2-0.6 mas) are larger than real SPICA calibrators': accept more resolved ones than the default.
DEMO_MIN_CALIBRATOR_V2 = 0.2


def load() -> dict:
    night = selectors.next_scheduled_night()
    if night is None:
        return {"plans": 0, "reason": "no scheduled night"}
    admin = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
    created = []
    for alloc in NightAllocation.objects.filter(night=night).select_related("program"):
        program = alloc.program
        if NightPlan.objects.filter(night=night, program=program).exists() or program.paused:
            continue
        instrument = next((i for i in (alloc.instruments or program.instruments) if i in DEFAULT_MODE), "SPICA")
        plan = services.plan_create(night=night, program=program, instrument=instrument,
                                    mode=DEFAULT_MODE[instrument], user=admin,
                                    max_calibrator_distance_deg=DEMO_MAX_CALIBRATOR_DISTANCE_DEG,
                                    min_calibrator_v2=DEMO_MIN_CALIBRATOR_V2)
        created.append(f"{program.code}: {plan.items.count()} blocks")
    return {"night": night.date.isoformat(), "plans": created}

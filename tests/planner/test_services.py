"""plan_create / edits / send against the demo survey (database)."""
from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import ConflictError, PermissionRefused, ValidationFailed
from planner import selectors, services
from planner.models import NightPlan
from surveys.models import CalibratorFlag, Observation, Program, SurveyGoal, Target
from tests.planner.conftest import DEMO_V2, WIDE

pytestmark = pytest.mark.django_db


def test_plan_uses_only_the_programs_goals_and_fits_its_share(issp_plan, split_night, demo):
    issp = Program.objects.get(code="issp")
    items = selectors.plan_items(plan=issp_plan)
    assert items
    goal_targets = set(SurveyGoal.objects.filter(program=issp).values_list("target_id", flat=True))
    assert {i.target_id for i in items} <= goal_targets
    assert issp_plan.fraction == pytest.approx(0.5, abs=0.01)
    assert sum((i.end - i.start).total_seconds() for i in items) <= (
        issp_plan.share_end - issp_plan.share_start).total_seconds()
    assert all(issp_plan.share_start <= i.start and i.end <= issp_plan.share_end for i in items)
    flagged = set(CalibratorFlag.objects.filter(active=True).values_list("calibrator_id", flat=True))
    assert not flagged & {c for i in items for c in (i.calibrator_id, i.calibrator_2_id)}
    assert all(i.calibrator_reasons for i in items)


def test_split_night_plans_each_share_separately(issp_plan, split_night, demo):
    ext = Program.objects.get(code="ext-spica-binaries")
    ext_plan = services.plan_create(night=split_night, program=ext, instrument="SPICA", mode="MR720",
                                    user=demo["pi_ext2"], max_calibrator_distance_deg=WIDE,
                                    min_calibrator_v2=DEMO_V2)
    assert ext_plan.share_start == issp_plan.share_end  # ISSP (priority 1) first
    ext_goals = set(SurveyGoal.objects.filter(program=ext).values_list("target_id", flat=True))
    assert {i.target_id for i in ext_plan.items.all()} <= ext_goals
    assert {r["target_id"] for r in ext_plan.candidates} <= ext_goals


def test_completion_is_counted_in_one_query_and_complete_goals_are_not_candidates(demo, django_assert_num_queries):
    issp = Program.objects.get(code="issp")
    goal = SurveyGoal.objects.filter(program=issp).first()
    night = Observation.objects.filter(program=issp).first().night
    for k in range(goal.required_observations):
        Observation.objects.create(program=issp, night=night, target=goal.target, instrument="SPICA",
                                   start=dt.datetime(2024, 3, 20, 5, k, tzinfo=dt.UTC))
    with django_assert_num_queries(1):
        cands = selectors.goal_candidates(program=issp, instrument="SPICA", mode="MR720")
    assert goal.target_id not in set(cands.ids.tolist())
    expected = {g.target_id for g in SurveyGoal.objects.filter(program=issp)
                if Observation.objects.filter(program=issp, target=g.target, instrument="SPICA",
                                              status="executed").count() < g.required_observations}
    assert set(cands.ids.tolist()) == expected


def test_refusals_are_clear(split_night, demo):
    issp = Program.objects.get(code="issp")
    with pytest.raises(PermissionRefused):
        services.plan_create(night=split_night, program=issp, instrument="SPICA", mode="MR720", user=demo["pi_ext"])
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(night=split_night, program=issp, instrument="SPICA", mode="Low_K", user=demo["admin"])
    assert "mode" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(night=split_night, program=Program.objects.get(code="ext-mystic-yso"),
                             instrument="MYSTIC", mode="Low_K", user=demo["admin"])
    assert "no share" in exc.value.errors["program"]
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(night=split_night, program=issp, instrument="SPICA", mode="MR720", user=demo["admin"],
                             fraction=0.8)
    assert "fraction" in exc.value.errors
    issp.paused = True
    issp.save()
    with pytest.raises(ValidationFailed) as exc:
        services.plan_create(night=split_night, program=issp, instrument="SPICA", mode="MR720", user=demo["admin"])
    assert "paused" in exc.value.errors["program"]
    assert NightPlan.objects.count() == 0


def test_drop_move_add_retime_and_keep_the_share(issp_plan, demo):
    user = demo["pi_issp"]
    items = selectors.plan_items(plan=issp_plan)
    n = len(items)
    services.plan_item_drop(plan=issp_plan, position=0, user=user)
    after = selectors.plan_items(plan=issp_plan)
    assert [i.target_id for i in after] == [i.target_id for i in items[1:]]
    assert after[0].start == issp_plan.share_start or after[0].start >= issp_plan.share_start
    # Re-adding the dropped target appends it: accepted if it still fits, else refused with the plan unchanged.
    try:
        services.plan_item_add(plan=issp_plan, target=items[0].target, user=user)
    except ConflictError as exc:
        assert items[0].target.name in exc.message
        assert [i.target_id for i in selectors.plan_items(plan=issp_plan)] == [i.target_id for i in after]
    else:
        assert selectors.plan_items(plan=issp_plan)[-1].target_id == items[0].target_id
    if n >= 3:
        before = [i.target_id for i in selectors.plan_items(plan=issp_plan)]
        try:
            services.plan_item_move(plan=issp_plan, position=1, offset=-1, user=user)
        except ConflictError:
            pass  # a refused move leaves the plan unchanged
        else:
            now = [i.target_id for i in selectors.plan_items(plan=issp_plan)]
            assert now[:2] == before[:2][::-1]
    for i in selectors.plan_items(plan=issp_plan):
        assert issp_plan.share_start <= i.start and i.end <= issp_plan.share_end


def test_adding_a_target_of_another_program_is_refused(issp_plan, demo):
    other = Target.objects.filter(goals__program__code="ext-spica-binaries").first()
    with pytest.raises(ValidationFailed) as exc:
        services.plan_item_add(plan=issp_plan, target=other, user=demo["pi_issp"])
    assert "no incomplete SPICA goal in issp" in exc.value.errors["target"]
    with pytest.raises(PermissionRefused):
        services.plan_item_drop(plan=issp_plan, position=0, user=demo["coi_issp"])


def test_send_queues_one_ob_per_block_for_that_night_and_locks_the_plan(issp_plan, split_night, demo):
    obs = services.plan_send(plan=issp_plan, user=demo["operator"])
    items = selectors.plan_items(plan=issp_plan)
    assert len(obs) == len(items) and all(i.ob_id for i in items)
    assert {ob.night_id for ob in obs} == {split_night.pk}
    assert {ob.state for ob in obs} == {"queued"}
    assert [ob.target_id for ob in obs] == [i.target_id for i in items]
    issp_plan.refresh_from_db()
    assert issp_plan.status == "sent"
    with pytest.raises(ConflictError):
        services.plan_send(plan=issp_plan, user=demo["operator"])

"""Target/calibrator upsert, calibrator flags and the one-query goal completion."""
import datetime as dt

import pytest

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from domain.errors import PermissionRefused, ValidationFailed
from portal import selectors
from surveys import services
from surveys.models import (
    CalibratorFlag,
    Night,
    Observation,
    Program,
    ProgramRole,
    SurveyGoal,
    Target,
)
from tests.factories import CalibratorFactory, ObservationFactory, ProgramFactory, StaffFactory, member

pytestmark = pytest.mark.django_db


def test_target_upsert_creates_then_updates_by_name():
    issp = Program.objects.create(code="issp", title="ISSP")
    target, created = services.target_upsert(name="HD 219080", ra_deg="23:12:33.0015", dec_deg="+57:10:05.924",
                                             fluxes={"V": "4.52", "K": 3.64}, identifiers=["HIP 114570", "7 And"],
                                             programs=["issp"], parallax="47.30", pm_ra="N/A")
    assert created and target.ra_deg == pytest.approx(348.1375062) and target.mag_v == 4.52
    assert target.mag_k == 3.64 and target.identifiers == "HIP 114570,7 And" and target.pm_ra is None
    assert list(target.programs.all()) == [issp]
    again, created = services.target_upsert(name="HD 219080", ra_deg=348.14, dec_deg=57.17, spectral_type="F1V")
    assert not created and again.pk == target.pk and again.spectral_type == "F1V" and again.mag_v == 4.52
    assert Target.objects.count() == 1


def test_target_upsert_lists_every_bad_field_and_stores_nothing():
    with pytest.raises(ValidationFailed) as err:
        services.target_upsert(name="", ra_deg="25:00:00", dec_deg="+95:00:00", mag_v="bright", colour="red")
    assert set(err.value.errors) == {"name", "ra_deg", "dec_deg", "mag_v", "colour"}
    with pytest.raises(ValidationFailed) as err:
        services.target_upsert(name="HD 1", ra_deg=1, dec_deg=1, programs=["nope"])
    assert "programs" in err.value.errors
    assert not Target.objects.exists()


def test_calibrator_upsert_refuses_negative_diameters():
    cal, _ = services.calibrator_upsert(name="HD 218470", ra_deg="23:07:20.0573", dec_deg="+49:17:35.436",
                                        udd_r=0.551, e_udd_r="0.014", ldd=0.578)
    assert cal.udd_r == 0.551 and cal.e_udd_r == 0.014 and cal.source == "JSDC"
    with pytest.raises(ValidationFailed) as err:
        services.calibrator_upsert(name="HD 1", ra_deg=1, dec_deg=1, udd_h=-0.2)
    assert err.value.errors == {"udd_h": "a diameter cannot be negative"}


def test_calibrator_flag_rules():
    issp = ProgramFactory(code="issp")
    coi, manager = member(issp, "member", username="coi_issp"), member(issp, "data_manager")
    admin = StaffFactory(username="admin")
    cal = CalibratorFactory()
    obs = ObservationFactory(program=issp, calibrators=[cal])
    with pytest.raises(PermissionRefused):
        services.calibrator_flag_create(calibrator=cal, kind="be", declared_by=coi, comment="Be")
    with pytest.raises(ValidationFailed) as err:
        services.calibrator_flag_create(calibrator=cal, kind="bad_binary", declared_by=manager, comment=" ")
    assert set(err.value.errors) == {"observation", "comment"}
    flag = services.calibrator_flag_create(calibrator=cal, kind="bad_binary", declared_by=manager,
                                           comment="closure phase 8 deg", observation=obs)
    assert flag.active and flag.declared_by == manager and flag.observation == obs
    services.calibrator_flag_withdraw(flag=flag, by=admin)
    flag.refresh_from_db()
    assert not flag.active and flag.evidence["withdrawn_by"] == "admin"
    assert CalibratorFlag.objects.filter(calibrator=cal).count() == 1


def _survey(n_targets: int) -> Program:
    program = Program.objects.create(code="p", title="P", instruments=["SPICA"])
    night = Night.objects.create(date=dt.date(2024, 3, 2), status="observed")
    user = get_user_model().objects.create(username="u")
    ProgramRole.objects.create(user=user, program=program, role="member")
    other = Program.objects.create(code="o", title="O")
    for i in range(n_targets):
        t = Target.objects.create(name=f"T{i}", ra_deg=i % 360, dec_deg=10)
        SurveyGoal.objects.create(target=t, program=program, instrument="SPICA", mode="MR720" if i % 2 else "",
                                  required_observations=2)
        start = dt.datetime(2024, 3, 3, 4, tzinfo=dt.UTC)
        for k in range(i % 4):
            Observation.objects.create(program=program, night=night, target=t, instrument="SPICA",
                                       mode="MR720" if k else "LR", start=start)
        Observation.objects.create(program=program, night=night, target=t, instrument="SPICA", mode="MR720",
                                   start=start, status="failed")
        Observation.objects.create(program=other, night=night, target=t, instrument="SPICA", mode="MR720",
                                   start=start)
        Observation.objects.create(program=program, night=night, target=t, instrument="MYSTIC", mode="MR720",
                                   start=start)
    return program


def test_goal_completion_counts_only_valid_observations_in_one_query():
    program = _survey(8)
    with CaptureQueriesContext(connection) as ctx:
        rows = selectors.goal_rows(programs=Program.objects.filter(pk=program.pk))
    assert len(ctx.captured_queries) == 1
    by_name = {Target.objects.get(pk=r.target_id).name: r for r in rows}
    # i % 4 executed SPICA observations; the first has mode LR (only counts when the goal sets no mode).
    expected = {"T0": 0, "T1": 0, "T2": 2, "T3": 2, "T4": 0, "T5": 0, "T6": 2, "T7": 2}
    assert {name: r.n_valid for name, r in by_name.items()} == expected
    assert by_name["T2"].completion == 1.0 and by_name["T0"].completion == 0.0

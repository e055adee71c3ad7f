"""Operators (not staff), data managers and staff re-run L2 in the portal, ticking exclusions."""
from __future__ import annotations

import pytest

from django.contrib.auth import get_user_model
from django.urls import reverse

from domain.errors import ValidationFailed
from pipelines.calibration import services
from pipelines.calibration.exclusions import match_exclusions, name_key
from pipelines.calibration.forms import RerunForm
from pipelines.models import PipelineRun
from surveys.models import Program, ProgramRole

OBSERVED = ["HD_200001", "HD_200002", "HD_200003"]


def test_name_key_and_matching_are_spelling_blind():
    assert name_key("HD 141577") == name_key("hd_141577") == name_key("HD141577") == "HD141577"
    assert match_exclusions(["HD 200002", "hd200003"], OBSERVED) == (["HD_200002", "HD_200003"], [])
    assert match_exclusions(["HD 141577", "HD_200001"], OBSERVED) == (["HD_200001"], ["HD 141577"])


def test_admin_form_keeps_a_name_with_a_space_whole():
    form = RerunForm({"scheme": "weighted", "time_scale_h": "2", "excluded_calibrators": "HD 141577, HD_2"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["excluded_calibrators"] == ["HD 141577", "HD_2"]


def _user(username: str, program: Program | None = None, role: str | None = None, **extra):
    user = get_user_model().objects.create_user(username, password="pw", **extra)
    if role:
        ProgramRole.objects.create(user=user, program=program, role=role)
    return user


@pytest.mark.django_db
def test_service_maps_spellings_and_refuses_an_exclusion_matching_nothing(l1_night):
    night, _, _ = l1_night
    with pytest.raises(ValidationFailed) as err:
        services.calibration_runs_start(night=night, parameters={"excluded_calibrators": ["HD 141577"]})
    assert "HD 141577 matches no calibrator observed" in err.value.errors["excluded_calibrators"]
    assert "HD_200001, HD_200002, HD_200003" in err.value.errors["excluded_calibrators"]
    assert not PipelineRun.objects.filter(kind="l2").exists()
    run = services.calibration_runs_start(night=night, parameters={"excluded_calibrators": ["HD 200002"]})[0]
    assert run.parameters["excluded_calibrators"] == ["HD_200002"]


@pytest.mark.django_db
@pytest.mark.parametrize("role,status", [("operator", 200), ("data_manager", 200), ("pi", 403),
                                         ("member", 403), ("staff", 200), ("outsider", 403)])
def test_rerun_page_permission_matrix(client, l1_night, role, status):
    night, _, _ = l1_night
    program = Program.objects.get()
    if role == "staff":
        user = _user("u", is_staff=True)
    elif role == "outsider":
        other = Program.objects.create(code="other", title="Other")
        user = _user("u", other, "operator")
    else:
        user = _user("u", program, role)
    client.force_login(user)
    page = client.get(reverse("calibration:night-rerun", args=[night.date.isoformat()]))
    assert page.status_code == status
    if status == 200:
        body = page.content.decode()
        for name in OBSERVED:
            assert f'value="{name}"' in body  # one checkbox per calibrator observed that night
        assert "HD_100001" not in body.split('id="excluded-calibrators"')[1].split("</fieldset>")[0]


@pytest.mark.django_db
def test_operator_reruns_with_a_ticked_calibrator(client, l1_night, django_capture_on_commit_callbacks):
    night, _, _ = l1_night
    operator = _user("ops", Program.objects.get(), "operator")
    assert not operator.is_staff
    client.force_login(operator)
    url = reverse("calibration:night-rerun", args=[night.date.isoformat()])
    refused = client.post(url, {"scheme": "weighted", "time_scale_h": "2", "excluded_calibrators": ["HD 141577"]})
    assert refused.status_code == 400 and b"was not observed this night" in refused.content
    assert not PipelineRun.objects.filter(kind="l2").exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"scheme": "weighted", "time_scale_h": "2", "excluded_calibrators": ["HD_200002"]})
    run = PipelineRun.objects.get(kind="l2")
    assert done.status_code == 302 and done["Location"] == reverse("calibration:run-detail", args=[run.pk])
    assert run.processing == "manual" and run.requested_by == operator and run.phase == "completed"
    assert run.parameters["excluded_calibrators"] == ["HD_200002"]
    assert [e["name"] for e in run.report["excluded"]] == ["HD_200002"]
    assert run.report["excluded"][0]["reason"] == "excluded by the operator"
    assert all("HD_200002" not in s["calibrators"] for s in run.report["science"])
    page = client.get(done["Location"]).content.decode()
    excluded_table = page.split('id="run-excluded"')[1].split("</table>")[0]
    assert "HD_200002" in excluded_table and "excluded by the operator" in excluded_table

"""Pipeline pages: access, progress while running, consolidation issues on the night page."""
from __future__ import annotations

import pytest

from django.contrib.auth import get_user_model
from django.urls import reverse

from pipelines import services
from pipelines.models import PipelineRun
from tests.pipelines.helpers import make_survey_night, write_landing

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_user("ops", password="x", is_staff=True)
    client.force_login(user)
    return client


def test_outsiders_are_refused_and_anonymous_sent_to_login(client):
    assert client.get(reverse("pipelines:run-list")).status_code == 302
    client.force_login(get_user_model().objects.create_user("nobody", password="x"))
    assert client.get(reverse("pipelines:run-list")).status_code == 403


def test_run_list_shows_progress_and_json_progress(staff):
    run = PipelineRun.objects.create(kind="l1", phase="running", total=8, done=3)
    page = staff.get(reverse("pipelines:run-list")).content.decode()
    assert "3 / 8 files" in page and "width:38%" in page and "pipelines/progress/" in page
    data = staff.get(reverse("pipelines:run-progress"), {"ids": str(run.pk)}).json()
    assert data["runs"] == [{"id": str(run.pk), "phase": "running", "done": 3, "total": 8, "percent": 38}]
    assert staff.get(reverse("pipelines:run-progress"), {"ids": "not-a-uuid"}).status_code == 400


def test_night_page_and_run_detail_show_quarantine_and_inconsistencies(staff, tmp_path):
    setup = make_survey_night()
    write_landing(tmp_path, setup["visits"])
    run = services.ingest_run_execute(run=services.ingest_run_create(paths=[tmp_path], reduce=False, enqueue=False))
    detail = staff.get(reverse("pipelines:run-detail", args=[run.pk])).content.decode()
    assert "SPICA_truncated.fits" in detail and "truncated: " in detail
    night = staff.get(reverse("pipelines:night-raw-files", args=["2024-03-02"])).content.decode()
    assert "arcsec from the catalogue position of HD 1001" in night
    assert "MJD-OBS" in night and "Observation" in night  # derived keywords with their origin
    assert staff.get(reverse("pipelines:night-raw-files", args=["2024-13-45"])).status_code == 404

"""The run list and the night page as a user sees them (Chromium)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from django.contrib.auth import get_user_model

from pipelines import services
from pipelines.models import PipelineRun
from tests.pipelines.helpers import make_survey_night, write_landing


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_run_list_progress_and_night_page(browser_login, live_server, page, artifacts_dir, tmp_path):
    get_user_model().objects.create_user("ops", password="issp-demo-2024", is_staff=True)
    setup = make_survey_night()
    write_landing(tmp_path, setup["visits"])
    services.ingest_run_execute(run=services.ingest_run_create(paths=[tmp_path], reduce=False, enqueue=False))
    running = PipelineRun.objects.create(kind="l1", phase="running", night=setup["night"], total=6, done=2)
    browser_login("ops")
    page.goto(f"{live_server.url}/pipelines/")
    assert "2 / 6 files" in page.inner_text("#run-list")
    PipelineRun.objects.filter(pk=running.pk).update(done=5)
    # The page's own script (allowed by the CSP nonce) polls the progress endpoint and updates the bar.
    expect(page.locator("#run-list")).to_contain_text("5 / 6 files", timeout=10000)
    page.screenshot(path=str(artifacts_dir / "pipelines-run-list.png"), full_page=True)
    page.goto(f"{live_server.url}/pipelines/nights/2024-03-02/")
    assert "arcsec from the catalogue position" in page.inner_text("#consolidation-issues")
    page.screenshot(path=str(artifacts_dir / "pipelines-night.png"), full_page=True)

"""List pages through the policy: dashboard rows, raw files and L1 keys under /pipelines/ (finding 2)."""
from __future__ import annotations

import datetime as dt

import pytest

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from pipelines import services
from surveys.models import Delegation, Program
from tests.pipelines.helpers import ingested_night_with_l1_run

pytestmark = pytest.mark.django_db


def _dashboard_names(client, user) -> set[str]:
    client.force_login(user)
    data = client.get(reverse("surveys:dashboard") + "?format=json").json()
    return {t["name"] for t in data["targets"]}


def test_dashboard_rows_follow_delegation_end_and_target(client, demo):
    issp = Program.objects.get(code="issp")
    issp_names = set(issp.targets.values_list("name", flat=True))
    users = get_user_model().objects
    live, ended, per_target = (users.create_user(n, password="x-delegate-pw-1") for n in ("live", "ended", "one"))
    Delegation.objects.create(program=issp, grantee=live, granted_by=demo["pi_issp"])
    Delegation.objects.create(program=issp, grantee=ended, granted_by=demo["pi_issp"],
                              ends=timezone.now() - dt.timedelta(days=1))
    Delegation.objects.create(program=issp, grantee=per_target, granted_by=demo["pi_issp"],
                              target=issp.targets.order_by("pk").first())
    assert _dashboard_names(client, live) & issp_names  # positive control: a live delegate follows the program
    assert not _dashboard_names(client, ended) & issp_names, "an ended delegation still lists the program"
    assert not _dashboard_names(client, per_target) & issp_names, "a per-target delegate gets the program's rows"


def test_another_programs_pi_sees_no_raw_headers_or_l1_keys(client, demo):
    setup, l1 = ingested_night_with_l1_run()
    l1 = services.l1_run_execute(run=l1)
    keys = [o.product_version.product.key for o in l1.outputs.filter(product_version__isnull=False)]
    assert keys
    night_url = reverse("pipelines:night-raw-files", args=[setup["night"].date.isoformat()])
    run_url = reverse("pipelines:run-detail", args=[l1.pk])
    client.force_login(demo["pi_issp"])
    assert "SPICA" in client.get(night_url).content.decode()
    assert keys[0] in client.get(run_url).content.decode()
    client.force_login(demo["pi_ext"])
    night_page, run_page = client.get(night_url).content.decode(), client.get(run_url).content.decode()
    assert "HD 1000" not in night_page and "No raw file for this night" in night_page
    assert not [k for k in keys if k in run_page] and "HD 1000" not in run_page

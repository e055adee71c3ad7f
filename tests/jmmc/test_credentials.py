"""Credentials come from settings only: never logged, never stored, checked when the sync is on."""
from __future__ import annotations

import base64
import logging

import pytest

from django.core.exceptions import ImproperlyConfigured

from domain.errors import PermissionRefused
from surveys.jmmc.apps import check_settings
from surveys.jmmc.delegations import catalog_full_sync, delegations_push
from surveys.jmmc.models import CatalogRow, SyncRun
from surveys.jmmc.services import catalog_sync, priority_write_back
from surveys.models import Delegation, Target

from .conftest import SERVICE_LOGIN, SERVICE_PASSWORD


@pytest.mark.django_db
def test_credentials_never_appear_in_logs_or_the_database(jmmc, people, caplog, settings):
    token = base64.b64encode(f"{SERVICE_LOGIN}:{SERVICE_PASSWORD}".encode()).decode()
    caplog.set_level(logging.DEBUG)  # urllib3, requests, pyvo, astropy and ours, at their most talkative
    jmmc.delegations = [{"pi": "Mourard", "coi": ["alice@uni.example"], "catalogs": ["spica"]}]
    catalog_full_sync()
    target = Target.objects.get(name="HD 219080")
    priority_write_back(target=target, user=people["pi_issp"], priority=2, expected_remote=1)
    Delegation.objects.create(program=people["program"], target=Target.objects.get(name="HD 10476"),
                              grantee=people["coi_b"], granted_by=people["nardetto"])
    delegations_push()
    settings.JMMC_PASSWORD = SERVICE_PASSWORD + "-wrong"  # a refused login must not echo it either
    with pytest.raises(PermissionRefused):
        catalog_sync()
    assert "JMMC catalogs API" in caplog.text and "JMMC TAP" in caplog.text  # we did log the calls
    for secret in (SERVICE_PASSWORD, token, "Authorization"):
        assert secret not in caplog.text
    stored = [str(r.values) for r in CatalogRow.objects.all()]
    stored += [f"{r.report} {r.error_summary} {r.counts}" for r in SyncRun.objects.all()]
    assert stored and not any(SERVICE_PASSWORD in s or token in s for s in stored)
    failed = SyncRun.objects.filter(phase=SyncRun.Phase.FAILED).get()
    assert "authentication" in failed.error_summary or "401" in failed.error_summary


def test_enabled_sync_requires_urls_and_credentials(settings):
    settings.JMMC_SYNC_ENABLED = False
    settings.JMMC_PASSWORD = ""
    check_settings()  # off: nothing required
    settings.JMMC_SYNC_ENABLED = True
    settings.JMMC_CATALOG_URL, settings.JMMC_TAP_URL = "http://127.0.0.1:9/catalogs", "http://127.0.0.1:9/tap"
    settings.JMMC_USER = "svc"
    with pytest.raises(ImproperlyConfigured, match="JMMC_PASSWORD"):
        check_settings()
    settings.JMMC_PASSWORD = "x"
    check_settings()

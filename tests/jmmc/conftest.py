"""Fixtures: the JMMC stand-ins (TAP + catalogs API on loopback) with a small `spica` catalog."""
from __future__ import annotations

import pytest

from surveys.jmmc.standins import CatalogStore, start_standins

SERVICE_LOGIN, SERVICE_PASSWORD = "issp-portal@jmmc.example", "Zq7-not-a-real-secret-4411"

ROWS = [
    {"name": "HD 219080", "ra": 348.3725, "dec": 57.1683, "vmag": 4.55, "sptype": "F1V", "priority_pi": 1,
     "pi": "Mourard", "instrument": "SPICA", "mode": "MR720", "nb_obs": 2},
    {"name": "HD 3651", "ra": 9.8417, "dec": 21.2503, "vmag": 5.88, "sptype": "K0V", "priority_pi": 2,
     "pi": "Mourard", "instrument": "SPICA", "mode": "MR720", "nb_obs": 1},
    {"name": "HD 10476", "ra": 25.6221, "dec": 20.2685, "vmag": 5.24, "sptype": "K1V", "priority_pi": 3,
     "pi": "Nardetto", "instrument": "SPICA", "mode": "LR", "nb_obs": 1},
    {"name": "HD 4614", "ra": 12.2764, "dec": 57.8152, "vmag": 3.46, "sptype": "F9V", "priority_pi": None,
     "pi": "Nardetto", "instrument": "SPICA", "mode": "", "nb_obs": None},
]


@pytest.fixture
def jmmc_store():
    store = CatalogStore(catalog="spica", users={
        SERVICE_LOGIN: {"password": SERVICE_PASSWORD, "admin": True, "pi": None},
        "mourard@oca.example": {"password": "pi-pass", "admin": False, "pi": "Mourard"},
    })
    for row in ROWS:
        store.insert(row)
    store.accounts = [{"name": "Mourard", "login": "mourard@oca.example"},
                      {"name": "Nardetto", "login": "nardetto@oca.example"}]
    return store


@pytest.fixture
def jmmc(jmmc_store, settings):
    """Stand-ins running, portal settings pointing at them, and the ISSP program with its people."""
    tap, api = start_standins(jmmc_store)
    settings.JMMC_TAP_URL, settings.JMMC_CATALOG_URL = tap.url, api.url
    settings.JMMC_CATALOG_NAME = "spica"
    settings.JMMC_USER, settings.JMMC_PASSWORD = SERVICE_LOGIN, SERVICE_PASSWORD
    settings.JMMC_PROGRAM_CODE = "issp"
    settings.JMMC_TAP_PAGE_SIZE = 3  # 4 rows: two TAP pages
    yield jmmc_store
    tap.stop()
    api.stop()


@pytest.fixture
def people(db, settings):
    from django.contrib.auth import get_user_model

    from surveys.models import Program, ProgramRole

    User = get_user_model()
    users = {
        name: User.objects.create_user(name, email=email, password="issp-demo-2024")
        for name, email in [("pi_issp", "mourard@oca.example"), ("nardetto", "nardetto@oca.example"),
                            ("coi_a", "alice@uni.example"), ("coi_b", "bob@uni.example"), ("outsider", "x@y.example")]
    }
    users["admin"] = User.objects.create_user("admin", email="admin@issp.example", password="issp-demo-2024",
                                              is_staff=True)
    program = Program.objects.create(code="issp", title="ISSP", kind="survey", pi=users["pi_issp"])
    ProgramRole.objects.create(user=users["pi_issp"], program=program, role="pi")
    return {"program": program, **users}

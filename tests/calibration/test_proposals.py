"""An automatic suspect is a proposal: excluded on its own night, everywhere only once a person confirms."""
from __future__ import annotations

import datetime as dt

import pytest

from django.contrib.auth import get_user_model

from domain.errors import PermissionRefused
from pipelines.calibration import selectors
from surveys.models import CalibratorFlag
from surveys.services import calibrator_flag_confirm, calibrator_flag_create, calibrator_upsert

pytestmark = pytest.mark.django_db
NIGHT, OTHER = dt.date(2024, 5, 12), dt.date(2024, 5, 20)


def _proposal():
    cal, _ = calibrator_upsert(name="HD_200004", ra_deg=10.0, dec_deg=20.0, udd_r=0.2, e_udd_r=0.012)
    flag = calibrator_flag_create(calibrator=cal, kind=CalibratorFlag.Kind.SUSPECT, declared_by=None,
                                  proposed_on=NIGHT, comment="bad (binarity?): non-zero closure phases",
                                  evidence={"closure_chi2": 650.0})
    return cal, flag


def test_proposal_excludes_the_star_on_its_night_only():
    cal, flag = _proposal()
    assert flag.state == "proposed" and flag.night == NIGHT and flag.declared_by is None
    assert selectors.active_flags(calibrator=cal, night=NIGHT) == [flag]
    assert selectors.active_flags(calibrator=cal, night=OTHER) == []
    # proposing again on the same night does not pile up flags
    again = calibrator_flag_create(calibrator=cal, kind="suspect", declared_by=None, proposed_on=NIGHT, comment="x")
    assert again.pk == flag.pk and CalibratorFlag.objects.count() == 1


def test_confirmed_proposal_excludes_the_star_everywhere():
    cal, flag = _proposal()
    staff = get_user_model().objects.create_user("dm", password="x", is_staff=True)
    nobody = get_user_model().objects.create_user("guest", password="x")
    with pytest.raises(PermissionRefused):
        calibrator_flag_confirm(flag=flag, by=nobody)
    assert selectors.active_flags(calibrator=cal, night=OTHER) == []
    confirmed = calibrator_flag_confirm(flag=flag, by=staff)
    assert confirmed.state == "confirmed" and confirmed.confirmed_by == staff and confirmed.confirmed_at
    assert selectors.active_flags(calibrator=cal, night=OTHER) == [flag]


def test_a_person_still_needs_the_right_to_declare_a_flag():
    cal, _ = calibrator_upsert(name="HD_1", ra_deg=1.0, dec_deg=2.0, udd_r=0.2)
    nobody = get_user_model().objects.create_user("guest2", password="x")
    with pytest.raises(PermissionRefused):
        calibrator_flag_create(calibrator=cal, kind="be", declared_by=nobody, comment="emission")


def test_a_person_confirms_a_proposal_on_the_calibrator_page(client):
    from django.urls import reverse

    cal, flag = _proposal()
    url = reverse("surveys:calibrator-detail", args=[cal.pk])
    staff = get_user_model().objects.create_user("dm2", password="x", is_staff=True)
    guest = get_user_model().objects.create_user("guest3", password="x")
    client.force_login(guest)
    assert client.post(url, {"confirm": flag.pk}).status_code == 403
    client.force_login(staff)
    page = client.get(url).content.decode()
    assert "proposed" in page and "excluded that night only" in page and 'name="confirm"' in page
    assert client.post(url, {"confirm": flag.pk}).status_code == 302
    flag.refresh_from_db()
    assert flag.state == "confirmed" and flag.confirmed_by == staff
    assert "confirmed by dm2" in client.get(url).content.decode()

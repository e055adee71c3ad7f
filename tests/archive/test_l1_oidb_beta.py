"""Each registered L1 reaches the OiDB-beta collection once, through the outbox, and is updated after a re-reduction."""
from __future__ import annotations

import pytest
from astropy.time import Time

from django.urls import reverse

from archive.oifits_write import synthetic_oifits2, to_bytes
from archive.services import product_version_create
from archive.standins.oidb import OidbStandin
from surveys.embargo import embargo_ends


@pytest.fixture
def oidb_beta(settings, oidb):
    """A second stand-in OiDB for L1 (OiDB-beta); the main one (`oidb`) must receive no L1."""
    server = OidbStandin(users={"issp-beta": "b3ta"}).start()
    settings.ARCHIVE_L1_PUSH_ENABLED = True
    settings.ARCHIVE_OIDB_BETA_URL = server.url
    settings.ARCHIVE_OIDB_BETA_USER, settings.ARCHIVE_OIDB_BETA_PASSWORD = "issp-beta", "b3ta"
    settings.ARCHIVE_OIDB_BETA_TAP_URL = server.tap_url
    settings.ARCHIVE_OIDB_BETA_COLLECTION = "CHARA_ISSP_L1"
    yield server
    server.stop()


def _reduce(program, target, *, software: str, seed: int, mjd: float, catg: str = "TARGET_RAW_INT"):
    """What pipelines.reduction.l1 registers for one raw file (same key for a re-reduction)."""
    content = to_bytes(synthetic_oifits2(target=target.name.replace(" ", "_"), mjd=mjd, n_wave=6, seed=seed,
                                         extra_header={"HIERARCH PRO CATG": catg}))
    return product_version_create(
        calib_level=1, kind="oifits", program=program, target=target, instrument="SPICA", setup="MR720-S1-S2",
        key=f"L1/SPICA/{target.pk}/raw-{catg[:5]}", filename="raw_L1.fits", content=content, software=software,
        t_min=mjd, t_max=mjd + 0.01, check=True)[0]


@pytest.mark.django_db(transaction=True)
def test_new_l1_appears_once_in_oidb_beta_and_is_updated_after_re_reduction(client, demo, oidb, oidb_beta):
    from surveys.models import Program

    program = Program.objects.get(code="issp")
    target = program.targets.order_by("name").first()
    mjd = round(Time.now().mjd - 5, 3)
    v1 = _reduce(program, target, software="spica-drs 2.3", seed=1, mjd=mjd)
    assert oidb_beta.store.count() == 1 and oidb.store.count() == 0  # L1 only to OiDB-beta
    granule = next(iter(oidb_beta.store.granules.values()))
    release = embargo_ends(t_max_mjd=mjd + 0.01, embargo_months=program.embargo_months)
    assert {k: granule[k] for k in ("calib_level", "obs_collection", "quality_level", "dataproduct_category",
                                    "obs_id", "progid", "data_rights")} == {
        "calib_level": "1", "obs_collection": "CHARA_ISSP_L1", "quality_level": "0",
        "dataproduct_category": "SCIENCE", "obs_id": v1.product.key, "progid": "issp", "data_rights": "secure"}
    assert granule["obs_release_date"] == release.strftime("%Y-%m-%dT%H:%M:%S")  # embargo as for L2
    assert granule["access_url"].endswith(f"/archive/versions/{v1.pk}/download/")

    again = _reduce(program, target, software="spica-drs 2.3", seed=1, mjd=mjd)  # same file registered again
    assert again.pk == v1.pk and [m for m, _ in oidb_beta.store.requests] == ["POST"]

    v2 = _reduce(program, target, software="spica-drs 2.4", seed=2, mjd=mjd)  # re-reduction: new version
    assert v2.number == 2 and oidb_beta.store.count() == 1
    assert [m for m, _ in oidb_beta.store.requests] == ["POST", "PUT"]
    updated = next(iter(oidb_beta.store.granules.values()))
    assert updated["id"] == granule["id"] and updated["access_url"].endswith(f"/archive/versions/{v2.pk}/download/")

    calibrator = _reduce(program, target, software="spica-drs 2.4", seed=3, mjd=mjd, catg="CALIB_RAW_INT")
    assert oidb_beta.store.count() == 2
    assert oidb_beta.store.count(obs_id=calibrator.product.key, dataproduct_category="CALIB") == 1

    client.force_login(demo["coi_issp"])  # a member reads the product page: the granule's state is shown
    page = client.get(reverse("archive:product-detail", args=[v2.product_id])).content.decode()
    assert 'data-destination="oidb_beta"' in page and "OiDB-beta" in page
    assert "Sent" in page and f"granule {granule['id']}" in page and "CHARA_ISSP_L1" in page


@pytest.mark.django_db
def test_l1_push_has_its_own_switch(demo, settings):
    from archive.models import OutboxMessage
    from surveys.models import Program

    settings.ARCHIVE_PUSH_ENABLED, settings.ARCHIVE_OIDB_URL = True, "http://127.0.0.1:9"  # L2 push on
    settings.ARCHIVE_OIDB_BETA_URL = "http://127.0.0.1:9"
    settings.ARCHIVE_L1_PUSH_ENABLED = False
    program = Program.objects.get(code="issp")
    _reduce(program, program.targets.first(), software="spica-drs 2.3", seed=1, mjd=60400.3)
    assert OutboxMessage.objects.count() == 0

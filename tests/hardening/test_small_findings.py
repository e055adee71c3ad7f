"""Smaller findings of the second security pass (finding 7): landing scan and cache headers."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from astropy.time import Time

from django.conf import settings
from django.urls import reverse

from demo.synthetic import raw as synthetic
from pipelines.ingest import landing_files
from tests.hardening.badcorpus import _spec


def test_the_landing_scan_never_follows_links_out_of_its_folder(tmp_path):
    landing = Path(settings.RAW_ROOT) / f"links-{uuid.uuid4().hex[:8]}"
    (landing / "night").mkdir(parents=True)
    good = synthetic.write_raw(landing / "night" / "good.fits", _spec(seed=31))
    outside = tmp_path / "secret"
    outside.mkdir()
    synthetic.write_raw(outside / "elsewhere.fits", _spec(seed=32))
    os.symlink(outside, landing / "night" / "linked_folder")
    os.symlink(outside / "elsewhere.fits", landing / "night" / "linked_file.fits")
    os.symlink(good, landing / "night" / "alias.fits")  # inside the landing folder: fine
    found = landing_files([landing])
    assert sorted(p.name for p in found) == ["alias.fits", "good.fits"]


@pytest.mark.django_db
def test_proprietary_pages_and_downloads_are_not_stored_by_caches(client, demo):
    from archive.services import product_version_create
    from surveys.models import Program

    issp = Program.objects.get(code="issp")
    recent = Time.now().mjd - 10  # under embargo
    version, _ = product_version_create(calib_level=2, kind="oifits", program=issp, target=issp.targets.first(),
                                        instrument="SPICA", filename="p.fits", content=b"SIMPLE  = T private",
                                        t_min=recent, t_max=recent)
    client.force_login(demo["pi_issp"])
    for url in (reverse("archive:version-download", args=[version.pk]), reverse("surveys:dashboard"),
                reverse("archive:version-detail", args=[version.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url

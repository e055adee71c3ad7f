"""Downloads through the access policy, product pages, the validation workflow and its FITS stamp."""
from __future__ import annotations

import io

import pytest
from astropy.io import fits

from django.urls import reverse

from archive.models import OutboxMessage, ProductVersion, QualityReview
from archive.validation import version_validate
from domain.errors import ConflictError, PermissionRefused, ValidationFailed
from surveys.models import Delegation


def _login(client, user):
    client.force_login(user)
    return client


MATRIX = {"admin": 200, "pi_issp": 200, "datamanager": 200, "coi_issp": 200, "operator": 200, "pi_ext": 403,
          "pi_ext2": 403}


@pytest.mark.django_db
def test_download_permission_matrix(client, demo, l2_version):
    url = reverse("archive:version-download", args=[l2_version.pk])
    seen = {}
    for username in MATRIX:
        response = _login(client, demo[username]).get(url)
        seen[username] = response.status_code
        if response.status_code == 200:
            body = b"".join(response.streaming_content)
            assert body[:6] == b"SIMPLE" and len(body) == l2_version.size
            assert 'filename="l2.fits"' in response["Content-Disposition"]
    assert seen == MATRIX


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_and_delegation_is_checked_at_download_time(client, demo, l2_version):
    url = reverse("archive:version-download", args=[l2_version.pk])
    assert client.get(url)["Location"].startswith("/accounts/login/")
    ext = demo["pi_ext"]
    _login(client, ext)
    assert client.get(url).status_code == 403
    grant = Delegation.objects.create(program=l2_version.product.program, target=l2_version.product.target,
                                      grantee=ext, granted_by=demo["pi_issp"])
    assert client.get(url).status_code == 200
    grant.delete()  # revocation takes effect at the next request: nothing cached
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_product_pages_show_versions_report_and_older_versions_stay_downloadable(client, demo, l2_version):
    _login(client, demo["datamanager"])
    new = version_validate(version=l2_version, reviewer=demo["datamanager"], flag=3, comment="fine")
    page = client.get(reverse("archive:product-detail", args=[new.product_id])).content.decode()
    assert "v2" in page and "v1" in page and "Quick look (risky to publish)" in page and "fine" in page
    old = client.get(reverse("archive:version-download", args=[l2_version.pk]))
    assert old.status_code == 200 and b"ISSP QC" not in b"".join(old.streaming_content)
    report = client.get(reverse("archive:version-detail", args=[l2_version.pk])).content.decode()
    assert "The checker found nothing to report." in report and 'id="review-plot-data"' in report
    assert "tf_scatter" in report  # calibration report from provenance
    listing = client.get(reverse("archive:product-list") + "?level=2").content.decode()
    assert l2_version.product.target.name in listing
    data = client.get(reverse("archive:version-report-json", args=[l2_version.pk])).json()
    assert data["ok"] is True and data["version"] == 2


@pytest.mark.django_db
def test_validation_writes_header_database_and_audit_trail(client, demo, l2_version):
    _login(client, demo["datamanager"])
    response = client.post(reverse("archive:version-validate", args=[l2_version.pk]),
                           {"flag": "4", "comment": "TF stable; closure phases flat."})
    assert response.status_code == 302
    product = l2_version.product
    product.refresh_from_db()
    new = product.current_version
    assert new.number == 2 and new.quality_flag == 4 and new.inputs.get() == l2_version
    assert new.provenance["validation"]["reviewer"] == "datamanager"
    review = QualityReview.objects.get(version=new)
    assert (review.flag, review.comment, review.reviewer) == (4, "TF stable; closure phases flat.", demo["datamanager"])
    body = b"".join(client.get(reverse("archive:version-download", args=[new.pk])).streaming_content)
    header = fits.getheader(io.BytesIO(body))
    assert header["HIERARCH ISSP QC FLAG"] == 4 and header["HIERARCH ISSP QC LABEL"] == "Science ready"
    assert header["HIERARCH ISSP QC REVIEWER"] == "datamanager"
    assert header["HIERARCH ISSP QC PROCESSING"] == "automatic"
    assert "TF stable; closure phases flat." in " ".join(str(c) for c in header["COMMENT"])
    assert OutboxMessage.objects.count() == 0  # publishing is off by default


@pytest.mark.django_db
def test_validation_refusals(demo, l2_version):
    with pytest.raises(PermissionRefused):
        version_validate(version=l2_version, reviewer=demo["coi_issp"], flag=3, comment="x")
    with pytest.raises(ValidationFailed) as exc:
        version_validate(version=l2_version, reviewer=demo["datamanager"], flag=7, comment="")
    assert set(exc.value.errors) == {"flag", "comment"}
    with pytest.raises(ValidationFailed) as exc:  # 0 is OiDB's "Unknown": what "not reviewed" already says
        version_validate(version=l2_version, reviewer=demo["datamanager"], flag=0, comment="x")
    assert "1 (Trash)" in exc.value.errors["flag"] and "5 (Outstanding quality)" in exc.value.errors["flag"]
    version_validate(version=l2_version, reviewer=demo["datamanager"], flag=2, comment="re-reduce")
    with pytest.raises(ConflictError):
        version_validate(version=l2_version, reviewer=demo["datamanager"], flag=3, comment="stale")
    assert ProductVersion.objects.filter(product=l2_version.product).count() == 2


@pytest.mark.django_db
def test_member_cannot_post_a_review(client, demo, l2_version):
    _login(client, demo["coi_issp"])
    response = client.post(reverse("archive:version-validate", args=[l2_version.pk]), {"flag": "3", "comment": "x"})
    assert response.status_code == 403
    assert not QualityReview.objects.exists()


@pytest.mark.django_db
def test_demo_step_builds_checked_products_some_validated(demo):
    from archive.models import Product
    from demo import products as archive_demo

    assert archive_demo.load() == {"archive_products": 10}
    l2 = Product.objects.filter(calib_level=2)
    assert l2.count() == 5 and Product.objects.filter(calib_level=1).count() == 5
    flags = sorted(p.current_version.quality_flag for p in l2 if p.current_version.quality_flag is not None)
    assert flags == [3, 4] and QualityReview.objects.count() == 2
    assert all(p.current_version.validation_report["ok"] for p in Product.objects.all())
    assert archive_demo.load() == {"archive_products": 10}  # idempotent

"""Bulk download: the selection through the access policy, the zip, the curl script, signed links."""
from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from django.contrib.auth.models import AnonymousUser
from django.test import Client
from rest_framework.authtoken.models import Token

from archive.bulk import bulk_plan, selection_filters
from archive.models import ProductVersion
from domain import bulk as fmt
from domain.errors import ValidationFailed


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_plan_outsider_gets_public_only_and_a_count(target_products, demo):
    target = target_products["target"]
    plan = bulk_plan(user=demo["pi_ext"], filters={"target": str(target.pk)})
    assert [i.version_id for i in plan.items] == [target_products["versions"]["old"].pk]
    assert plan.withheld == 2 and plan.missing == 0
    assert plan.public == {target_products["versions"]["old"].pk}
    anonymous = bulk_plan(user=AnonymousUser(), filters={"target": str(target.pk)})
    assert len(anonymous.items) == 1 and anonymous.withheld == 2


def test_plan_pi_gets_all_with_unique_names(target_products, demo):
    plan = bulk_plan(user=demo["pi_issp"], filters={"target": str(target_products["target"].pk)})
    assert plan.withheld == 0 and len(plan.items) == 3
    assert len({i.arcname for i in plan.items}) == 3  # same filename, three nights: three paths
    assert all(i.arcname.endswith("/l2.fits") for i in plan.items)


def test_plan_counts_a_missing_file(target_products, demo, settings):
    version = target_products["versions"]["new1"]
    (settings.ARCHIVE_ROOT / version.path).unlink()
    plan = bulk_plan(user=demo["pi_issp"], filters={"target": str(target_products["target"].pk)})
    assert len(plan.items) == 2 and plan.missing == 1


def test_selection_filters_name_the_bad_field():
    with pytest.raises(ValidationFailed) as info:
        selection_filters({"night": "yesterday", "target": "12a"})
    assert set(info.value.errors) == {"night", "target"}
    assert selection_filters({"night": " 2026-05-01 ", "q": ""}) == {"night": "2026-05-01"}


def test_zip_for_outsider_withholds_without_names(target_products, demo):
    client = Client()
    client.force_login(demo["pi_ext"])
    response = client.get("/archive/bulk.zip", {"target": target_products["target"].pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = _zip(response)
    files = [n for n in archive.namelist() if n.endswith(".fits")]
    old = target_products["versions"]["old"]
    assert len(files) == 1 and archive.read(files[0]) == _abs(old).read_bytes()
    readme = archive.read("README.txt").decode()
    assert "2 files withheld (embargo)" in readme
    for hidden in ("new1", "new2"):  # nothing of the withheld products appears
        assert target_products["versions"][hidden].sha256 not in readme
    assert archive.testzip() is None


def _abs(version: ProductVersion):
    from archive.storage import absolute_path

    return absolute_path(version.path)


def test_zip_for_pi_has_everything_and_checks(target_products, demo):
    client = Client()
    client.force_login(demo["pi_issp"])
    archive = _zip(client.get("/archive/bulk.zip", {"target": target_products["target"].pk}))
    sums = archive.read("SHA256SUMS").decode().splitlines()
    assert len(sums) == 3
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert "Nothing was left out." in archive.read("README.txt").decode()


def test_zip_over_the_limit_points_to_the_script(target_products, demo, settings):
    settings.BULK_ZIP_MAX_FILES = 2
    client = Client()
    client.force_login(demo["pi_issp"])
    response = client.get("/archive/bulk.zip", {"target": target_products["target"].pk})
    assert response.status_code == 400
    text = response.content.decode()
    assert "3 files" in text and "at most 2 files" in text and "/archive/bulk.sh?target=" in text


def test_bad_selection_is_refused_by_field(db):
    response = Client().get("/archive/bulk.zip", {"night": "31/12/2026"})
    assert response.status_code == 400 and "night" in response.json()["errors"]
    assert Client().get("/archive/bulk.zip", {"night": "1999-01-01"}).status_code == 404


def test_script_lists_each_download_url_and_checksum(target_products, demo):
    client = Client()
    client.force_login(demo["pi_issp"])
    response = client.get("/archive/bulk.sh", {"target": target_products["target"].pk})
    assert response["Content-Type"].startswith("text/x-shellscript")
    text = response.content.decode()
    for key in ("new1", "new2", "old"):
        version = target_products["versions"][key]
        assert f"/archive/versions/{version.pk}/download/" in text
        assert version.sha256 in text
    assert ': "${ISSP_TOKEN:?' in text  # proprietary files: the script asks for the token first


def test_download_with_token_applies_the_policy(target_products, demo):
    new = target_products["versions"]["new1"]
    outsider = Token.objects.create(user=demo["pi_ext"])
    pi = Token.objects.create(user=demo["pi_issp"])
    url = f"/archive/versions/{new.pk}/download/"
    assert Client(HTTP_AUTHORIZATION=f"Token {outsider.key}").get(url).status_code == 403
    response = Client(HTTP_AUTHORIZATION=f"Token {pi.key}").get(url)
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == new.sha256
    assert Client(HTTP_AUTHORIZATION="Token nope").get(url).status_code == 401


def test_signed_link_opens_only_its_file_and_expires(target_products, demo, settings):
    new, other = target_products["versions"]["new1"], target_products["versions"]["new2"]
    client = Client()
    client.force_login(demo["pi_issp"])
    link = client.get("/links/sign", {"path": f"/archive/versions/{new.pk}/download/"}).json()["url"]
    hub = Client()  # no session: what a SAMP hub is
    response = hub.get(link)
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == new.sha256
    moved = link.replace(f"/versions/{new.pk}/", f"/versions/{other.pk}/")
    assert hub.get(moved).status_code == 403
    assert hub.get(link[:-3] + "xyz").status_code == 403
    settings.SIGNED_LINK_MAX_AGE = -1
    assert "expired" in hub.get(link).content.decode()
    assert client.get("/links/sign", {"path": "/admin/"}).status_code == 400


def test_signed_link_of_an_outsider_still_meets_the_embargo(target_products, demo):
    client = Client()
    client.force_login(demo["pi_ext"])
    new = target_products["versions"]["new1"]
    link = client.get("/links/sign", {"path": f"/archive/versions/{new.pk}/download/"}).json()["url"]
    assert Client().get(link).status_code == 403


def test_unique_arcnames_and_safe_part():
    assert fmt.unique_arcnames(["a/x.fits", "a/x.fits", "b"]) == ["a/x.fits", "a/x-2.fits", "b"]
    assert fmt.safe_part("HD 1234/../$(rm)") == "HD_1234_.._rm"


def test_same_selection_same_bytes(target_products, demo):
    """No clock in the zip: a leak sweep comparing two answers sees only what the policy lets through."""
    client = Client()
    client.force_login(demo["pi_ext"])
    url = f"/archive/bulk.zip?target={target_products['target'].pk}"
    first = b"".join(client.get(url).streaming_content)
    assert b"".join(client.get(url).streaming_content) == first


def test_csp_lets_the_page_reach_only_the_local_samp_hub(target_products, demo):
    client = Client()
    client.force_login(demo["pi_issp"])
    response = client.get(f"/archive/products/{target_products['versions']['new1'].product_id}/")
    directives = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";") if d.strip())
    assert directives["connect-src"] == "'self' http://localhost:21012"
    assert "'unsafe-eval'" not in directives["script-src"]
    html = response.content.decode()
    assert 'data-samp-mtype="table.load.fits"' in html and "/static/js/samp.js" in html
    # served disabled, enabled by portal-samp.js when it runs (the browser tests click them): under load a click
    # before the script had run was lost, and the page said nothing
    assert html.count("disabled data-samp-mtype=") == html.count("data-samp-mtype=") == 4


def test_signed_link_to_a_login_only_votable_export(demo):
    """The noise-law VOTable needs a login; the hub has none: the signed link stands for the user."""
    from django.urls import reverse

    path = reverse("performance:export", args=["parameters", "vot"])
    assert Client().get(path).status_code == 302  # no session, no link: the login page
    client = Client()
    client.force_login(demo["coi_issp"])
    assert 'data-samp-mtype="table.load.votable"' in client.get(reverse("performance:overview")).content.decode()
    link = client.get("/links/sign", {"path": path}).json()["url"]
    response = Client().get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/x-votable+xml"
    assert b"<VOTABLE" in response.content


def test_script_title_cannot_inject_a_command():
    text = fmt.curl_script(title="q HD\ntouch /tmp/pwned\r\n#", items=[], withheld=0, missing=0, when="now",
                           token_required=False, token_page="http://x/ob/upload/")
    assert not any(line.startswith("touch") for line in text.splitlines())
    assert text.splitlines()[1] == "# ISSP portal bulk download: q HD touch /tmp/pwned #"


def test_night_and_program_pages_link_their_selection(target_products, demo):
    client = Client()
    client.force_login(demo["pi_issp"])
    day = target_products["nights"][0].date.isoformat()
    assert f'href="/archive/bulk.zip?night={day}"' in client.get(f"/nights/{day}/").content.decode()
    dashboard = client.get("/dashboard/").content.decode()
    assert 'href="/archive/bulk.zip?program=issp"' in dashboard
    archive = _zip(client.get("/archive/bulk.zip", {"program": "issp", "night": day}))
    assert len([n for n in archive.namelist() if n.endswith(".fits")]) == 2  # the two targets of that night

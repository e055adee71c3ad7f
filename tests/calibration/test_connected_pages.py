"""Connected pages: OB page for people, the L2 run reached from /pipelines/ by the PI whose data it is, links."""
from __future__ import annotations

from pathlib import Path

import pytest

from django.contrib.auth import get_user_model
from django.urls import reverse

from archive.models import Product
from domain.ob_format import obxml_to_dict
from obs_server.services import ob_receive
from pipelines.calibration import services
from surveys.models import Calibrator, Observation, Program, ProgramRole, Target

pytestmark = pytest.mark.django_db
OBXML = Path(__file__).resolve().parents[1] / "data" / "obxml" / "issp-spica-hd219080.obxml"


@pytest.fixture
def calibrated(l1_night, django_capture_on_commit_callbacks):
    night, _, _ = l1_night
    program = Program.objects.get()
    users = get_user_model().objects
    pi, outsider = users.create_user("pi", password="pw"), users.create_user("outsider", password="pw")
    program.pi = pi
    program.save()
    ProgramRole.objects.create(user=outsider, program=Program.objects.create(code="other", title="o"),
                               role="operator")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.calibration_runs_start(night=night)[0]
    return {"night": night, "program": program, "pi": pi, "outsider": outsider, "run": run}


def test_l2_run_from_pipelines_opens_its_calibration_page_for_the_pi(client, calibrated):
    run = calibrated["run"]
    assert calibrated["night"].allocations.count() == 0  # the night has data but no allocation
    client.force_login(calibrated["pi"])
    response = client.get(reverse("pipelines:run-detail", args=[run.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("calibration:run-detail", args=[run.pk])
    body = response.content.decode()
    assert response.status_code == 200 and "HD_100001" in body
    products = body.split('id="run-products"')[1].split("</table>")[0]
    l2 = Product.objects.filter(calib_level=2).first()
    assert reverse("archive:product-detail", args=[l2.pk]) in products
    assert reverse("archive:version-detail", args=[l2.current_version_id]) in products
    cal = Calibrator.objects.get(name="HD_200001")
    assert reverse("surveys:calibrator-detail", args=[cal.pk]) in body.split('id="run-calibrators"')[1]
    client.force_login(calibrated["outsider"])
    assert client.get(reverse("calibration:run-detail", args=[run.pk])).status_code == 404


def test_product_page_links_back_to_run_target_night_and_inputs(client, calibrated):
    client.force_login(calibrated["pi"])
    l2 = Product.objects.filter(calib_level=2).first()
    body = client.get(reverse("archive:product-detail", args=[l2.pk])).content.decode()
    assert reverse("calibration:run-detail", args=[calibrated["run"].pk]) in body
    assert reverse("surveys:target-detail", args=[l2.target_id]) in body
    assert reverse("surveys:night-detail", args=[calibrated["night"].date.isoformat()]) in body
    l1 = l2.current_version.inputs.filter(product__calib_level=1).first()
    assert reverse("archive:product-detail", args=[l1.product_id]) in body


def test_night_page_links_its_runs_products_and_rerun(client, calibrated):
    client.force_login(calibrated["pi"])
    date = calibrated["night"].date.isoformat()
    links = client.get(reverse("surveys:night-detail", args=[date])).content.decode().split(
        'id="night-links"')[1].split("</nav>")[0]
    assert reverse("calibration:night-runs", args=[date]) in links and "L2 calibration runs (1)" in links
    assert "products (18)" in links  # 12 L1 + 6 L2
    assert "rerun" not in links  # a PI reads, operators re-run
    listing = client.get(reverse("archive:product-list"), {"night": date, "level": "2"}).content.decode()
    assert listing.count("HD_100001") >= 6


def test_ob_page_for_people_with_its_observations_and_products(client, calibrated):
    program, pi = calibrated["program"], calibrated["pi"]
    ob, _, _ = ob_receive(payload=obxml_to_dict(OBXML.read_text()), program=program, submitted_by=pi)
    l1 = Product.objects.filter(calib_level=1).first()
    obs = Observation.objects.create(program=program, night=calibrated["night"], target=l1.target, ob=ob,
                                     instrument="SPICA", start="2023-05-13T05:00:00Z")
    Product.objects.filter(pk=l1.pk).update(observation=obs)
    client.force_login(pi)
    body = client.get(reverse("obs_server:ob-page", args=[ob.pk])).content.decode()
    assert ob.name in body and reverse("obs_server:ob-detail", args=[ob.pk]) in body  # JSON API stays
    assert reverse("archive:product-detail", args=[l1.pk]) in body.split('id="ob-products"')[1]
    assert reverse("surveys:night-detail", args=[calibrated["night"].date.isoformat()]) in body
    assert "HD 219080" in body.split('id="ob-visits"')[1] or "HD219080" in body.split('id="ob-visits"')[1]
    target = Target.objects.get(pk=l1.target_id)
    page = client.get(reverse("surveys:target-detail", args=[target.pk])).content.decode()
    assert reverse("obs_server:ob-page", args=[ob.pk]) in page
    client.force_login(calibrated["outsider"])
    assert client.get(reverse("obs_server:ob-page", args=[ob.pk])).status_code == 404


def test_archive_and_run_lists_sort_on_the_server(client, calibrated):
    client.force_login(calibrated["pi"])
    url = reverse("archive:product-list")
    for sort, first in (("level", "<td>L1</td>"), ("-level", "<td>L2</td>")):
        rows = client.get(url, {"sort": sort}).content.decode().split("<tbody>")[1]
        assert rows.index(first) < rows.index("<td>L2</td>" if first == "<td>L1</td>" else "<td>L1</td>")
    again = client.get(url, {"sort": "level", "level": "2"}).content.decode()
    assert 'href="?sort=-level&amp;level=2"' in again  # the header keeps the filters and flips the order
    runs = client.get(reverse("calibration:run-list"), {"sort": "-night"}).content.decode()
    assert 'aria-sort="descending"' in runs and calibrated["night"].date.isoformat() in runs

"""Survey pages with the demo survey: what each kind of user sees."""
import csv
import io

import pytest

from django.urls import reverse

from surveys.models import Calibrator, Night, Observation, Program, Target

pytestmark = pytest.mark.django_db


def test_dashboard_requires_login(client, demo):
    response = client.get(reverse("surveys:dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dashboard_shows_completion_of_the_pis_programs_only(client, demo):
    client.force_login(demo["pi_issp"])
    response = client.get(reverse("surveys:dashboard"))
    assert response.status_code == 200
    codes = [s.program.code for s in response.context["summary"]["programs"]]
    assert codes == ["issp"]
    issp = response.context["summary"]["programs"][0]
    assert issp.nights_allocated == 25
    assert 0 < issp.completion < 1
    assert b"plotly.min.js" in response.content and b"plot-progress" in response.content
    names = {r["name"] for r in response.context["page"]}
    assert names and all(Target.objects.get(name=n).programs.filter(code="issp").exists() for n in names)


def test_staff_sees_every_program(client, demo):
    client.force_login(demo["admin"])
    response = client.get(reverse("surveys:dashboard"))
    codes = {s.program.code for s in response.context["summary"]["programs"]}
    assert codes == {"issp", "ext-mystic-yso", "ext-spica-binaries"}


def test_dashboard_filters_sorts_and_exports(client, demo):
    client.force_login(demo["pi_issp"])
    response = client.get(reverse("surveys:dashboard"), {"status": "not started", "sort": "-completion"})
    rows = list(response.context["page"])
    assert rows and all(r["status"] == "not started" for r in rows)
    name = Target.objects.filter(programs__code="issp").order_by("name").first().name
    response = client.get(reverse("surveys:dashboard"), {"q": name})
    assert [r["name"] for r in response.context["page"]] == [name]
    response = client.get(reverse("surveys:dashboard"), {"format": "csv", "sort": "-completion"})
    assert response["Content-Type"].startswith("text/csv")
    records = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(records) == Target.objects.filter(goals__program__code="issp").distinct().count()
    completions = [float(r["completion"]) for r in records]
    assert completions == sorted(completions, reverse=True)
    data = client.get(reverse("surveys:dashboard"), {"format": "json"}).json()
    assert data["count"] == len(records) and {"name", "ra", "dec", "goals"} <= set(data["targets"][0])
    assert client.get(reverse("surveys:dashboard"), {"format": "xml"}).status_code == 400


def test_target_list_and_page_are_public_metadata(client, demo):
    response = client.get(reverse("surveys:target-list"))
    assert response.status_code == 200
    target = Observation.objects.first().target
    response = client.get(reverse("surveys:target-detail", args=[target.pk]))
    assert response.status_code == 200
    assert response.context["ra"].count(":") == 2 and response.context["dec"][0] in "+-"
    assert b"Notes are visible to the program" in response.content


def test_night_pages(client, demo):
    night = Observation.objects.first().night
    assert client.get(reverse("surveys:night-list")).status_code == 200
    url = reverse("surveys:night-detail", args=[night.date.isoformat()])
    anonymous = client.get(url)
    assert anonymous.status_code == 200 and "observations" not in anonymous.context
    client.force_login(demo["admin"])  # staff see every program's observations of the night
    response = client.get(url)
    assert list(response.context["observations"]) == list(night.observations.order_by("start"))
    client.force_login(demo["operator"])  # an ISSP operator sees ISSP's only (the access policy)
    mine = list(client.get(url).context["observations"])
    assert mine == list(night.observations.filter(program__code="issp").order_by("start"))
    assert client.get(reverse("surveys:night-detail", args=["2024-13-45"])).status_code == 404
    assert client.get(reverse("surveys:night-detail", args=["1999-01-01"])).status_code == 404
    assert Night.objects.count() == 37


def test_calibrator_list_shows_flags(client, demo):
    response = client.get(reverse("surveys:calibrator-list"), {"flagged": "yes"})
    names = [c.name for c in response.context["page"]]
    assert len(names) == 3
    assert all(Calibrator.objects.get(name=n).flags.filter(active=True).exists() for n in names)
    assert b"Be star" in response.content


def test_night_page_shows_queue_and_ingest_inconsistencies(client, demo):
    from obs_server.models import ObservingBlock
    from pipelines.models import RawFile

    night = Observation.objects.first().night
    target = Observation.objects.first().target
    issp = Program.objects.get(code="issp")  # the night's OB list shows the OBs of the viewer's programs
    ObservingBlock.objects.create(program=issp, target=target, night=night, name="ISSP_QUEUED",
                                  instrument="SPICA", mode="MR720", payload={}, content_hash="a" * 64)
    RawFile.objects.create(sha256="b" * 64, size=10, original_name="SPICA_0042.fits", path="x", night=night,
                           consolidation_report={"inconsistent": [{"keyword": "OBJECT",
                                                                   "message": "'HD 1' but the log says 'HD 2'"}]})
    RawFile.objects.create(sha256="c" * 64, size=10, original_name="SPICA_0043.fits", path="y", night=night,
                           consolidation_report={"inconsistent": [], "missing": [], "derived": []})
    RawFile.objects.create(sha256="d" * 64, size=10, original_name="SPICA_0044.fits", path="z", night=night,
                           status="quarantined", quarantine_reason="truncated FITS")
    client.force_login(demo["admin"])  # staff: files with no observation are listed to staff only
    html = client.get(reverse("surveys:night-detail", args=[night.date.isoformat()])).content.decode()
    assert "ISSP_QUEUED" in html
    assert "SPICA_0042.fits" in html and "<b>OBJECT</b>: &#x27;HD 1&#x27; but the log says" in html
    assert "SPICA_0043.fits" not in html and "truncated FITS" in html


@pytest.mark.parametrize("who, status", [(None, 403), ("coi_issp", 403), ("datamanager", 302), ("admin", 302)])
def test_calibrator_flag_form(client, demo, who, status):
    calibrator = Calibrator.objects.filter(flags__isnull=True, observations__isnull=False).order_by("name").first()
    observation = Observation.objects.filter(calibrators=calibrator).first()
    url = reverse("surveys:calibrator-detail", args=[calibrator.pk])
    if who:
        client.force_login(demo[who])
    page = client.get(url)
    assert (b'id="flag-form"' in page.content) is (status == 302)
    data = {"kind": "bad_binary", "comment": "Closure phases up to 8 deg", "evidence_url": "https://example.org/cp.png"}
    if status == 302:  # a binarity flag without the observation that shows it is refused, with the reason
        response = client.post(url, {**data, "evidence_url": ""})
        assert response.status_code == 400 and b"needs the observation" in response.content
    response = client.post(url, {**data, "observation": observation.pk})
    if status == 403:
        assert response.status_code == 403 and not calibrator.flags.exists()
        return
    assert response.status_code == 302
    flag = calibrator.flags.get()
    assert flag.declared_by == demo[who] and flag.evidence == {"url": "https://example.org/cp.png"}
    assert flag.observation == observation
    listing = client.get(reverse("surveys:calibrator-list"), {"flagged": "yes"})
    assert calibrator in list(listing.context["page"])


def test_calibrator_flag_form_errors(client, demo):
    calibrator = Calibrator.objects.filter(flags__isnull=True).order_by("name").first()
    client.force_login(demo["datamanager"])
    response = client.post(reverse("surveys:calibrator-detail", args=[calibrator.pk]),
                           {"kind": "nonsense", "comment": ""})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"kind", "comment"}
    assert not calibrator.flags.exists()

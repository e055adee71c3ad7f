"""Survey pages with the demo survey: what each kind of user sees."""
import csv
import io

import pytest

from django.urls import reverse

from surveys.models import Calibrator, Night, Observation, Target

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
    client.force_login(demo["operator"])
    response = client.get(url)
    assert list(response.context["observations"]) == list(night.observations.order_by("start"))
    assert client.get(reverse("surveys:night-detail", args=["2024-13-45"])).status_code == 404
    assert client.get(reverse("surveys:night-detail", args=["1999-01-01"])).status_code == 404
    assert Night.objects.count() == 37


def test_calibrator_list_shows_flags(client, demo):
    response = client.get(reverse("surveys:calibrator-list"), {"flagged": "yes"})
    names = [c.name for c in response.context["page"]]
    assert len(names) == 3
    assert all(Calibrator.objects.get(name=n).flags.filter(active=True).exists() for n in names)
    assert b"Be star" in response.content

"""Target search blind to spelling, cone search (astropy), SIMBAD links, server-side sorting with HD numbers."""
from __future__ import annotations

import math

import pytest

from django.db import models
from django.urls import reverse

from surveys.coords import CoordinateError, cone_separations, parse_cone
from surveys.models import Calibrator, Target
from surveys.naming import natural_key, simbad_url, sort_rows


def test_natural_key_sorts_catalogue_numbers_numerically():
    names = ["HD 219080", "HD 9", "HD_10", "HIP 5", "HD 1000"]
    assert sorted(names, key=natural_key) == ["HD 9", "HD_10", "HD 1000", "HD 219080", "HIP 5"]
    rows, key, desc = sort_rows([{"v": 3.1}, {"v": None}, {"v": -1.0}], "-v", {"v": lambda r: r["v"]}, "v")
    assert [r["v"] for r in rows] == [3.1, -1.0, None] and key == "v" and desc  # empty values last
    assert sort_rows([], "nonsense", {"v": lambda r: r}, "-v")[1:] == ("v", True)


def test_simbad_url_resolves_header_spellings():
    assert simbad_url("HD_219080") == "https://simbad.cds.unistra.fr/simbad/sim-id?Ident=HD%20219080"
    assert simbad_url("del Cep") == "https://simbad.cds.unistra.fr/simbad/sim-id?Ident=del%20Cep"


def test_cone_uses_great_circle_distance():
    # at Dec +80 a 15 deg step in RA is about 2.6 deg on the sky; truth from the haversine formula by hand:
    # 2 asin(cos 80 sin 7.5) = 2.5975 deg
    sep = cone_separations(0.0, 80.0, [15.0, 0.0], [80.0, 79.0])
    truth = math.degrees(2 * math.asin(math.cos(math.radians(80)) * math.sin(math.radians(7.5))))
    assert sep[0] == pytest.approx(truth, abs=1e-9) and sep[1] == pytest.approx(1.0)
    assert parse_cone("23:12:33", "+57:10:06", "30") == pytest.approx((348.1375, 57.168333, 0.5), abs=1e-5)
    for bad, field in ((("25:00:00", "0", ""), "ra"), (("1", "+95", ""), "dec"), (("1", "2", "-3"), "radius")):
        with pytest.raises(CoordinateError, match=f"^{field}:"):
            parse_cone(*bad)


@pytest.fixture
def stars(db):
    for name, ra, dec in [("HD 219080", 348.1375, 57.1683), ("HD 9", 1.0, 10.0), ("HD 10", 1.1, 10.0),
                          ("HD 1000", 2.0, 10.0), ("HIP 5", 348.2, 57.3)]:
        Target.objects.create(name=name, ra_deg=ra, dec_deg=dec, identifiers="")
    Target.objects.create(name="gam Cep", ra_deg=354.8, dec_deg=77.6, identifiers="HD 222404,HIP 116727")
    Calibrator.objects.create(name="HD_141577", ra_deg=237.0, dec_deg=25.0)


def _names(response) -> list[str]:
    table = response.content.decode().split('id="target-list"')[1].split("</table>")[0]
    return [row.split("</a>")[0].rsplit(">", 1)[1] for row in table.split("<tr>")[2:] if "</a>" in row]


@pytest.mark.parametrize("q", ["HD219080", "HD 219080", "hd 219080", "hd_219080"])
def test_target_search_finds_every_spelling(client, stars, q):
    assert _names(client.get(reverse("surveys:target-list"), {"q": q})) == ["HD 219080"]


def test_search_by_other_name_and_calibrator_search(client, stars):
    assert _names(client.get(reverse("surveys:target-list"), {"q": "hd222404"})) == ["gam Cep"]
    body = client.get(reverse("surveys:calibrator-list"), {"q": "HD 141577"}).content.decode()
    assert "HD_141577" in body and simbad_url("HD_141577") in body


def test_target_list_sorts_hd_numbers_numerically_both_ways(client, stars):
    url = reverse("surveys:target-list")
    hd = [n for n in _names(client.get(url, {"sort": "name"})) if n.startswith("HD")]
    assert hd == ["HD 9", "HD 10", "HD 1000", "HD 219080"]
    hd = [n for n in _names(client.get(url, {"sort": "-name"})) if n.startswith("HD")]
    assert hd == ["HD 219080", "HD 1000", "HD 10", "HD 9"]
    header = client.get(url, {"sort": "name"}).content.decode()
    assert 'href="?sort=-name"' in header and 'aria-sort="ascending"' in header


def test_cone_search_lists_targets_by_distance_and_refuses_bad_input(client, stars):
    url = reverse("surveys:target-list")
    response = client.get(url, {"ra": "23:12:33", "dec": "+57:10:06", "radius": "15"})
    assert _names(response) == ["HD 219080", "HIP 5"]  # HIP 5 is 8.4' away; gam Cep and the HD 9.. group far
    bad = client.get(url, {"ra": "23:12:33", "dec": "+95"})
    assert bad.status_code == 400 and "dec: declination" in bad.content.decode()


def test_target_and_calibrator_pages_link_to_simbad(client, stars):
    target = Target.objects.get(name="HD 219080")
    body = client.get(reverse("surveys:target-detail", args=[target.pk])).content.decode()
    assert f'href="{simbad_url("HD 219080")}"' in body
    cal = Calibrator.objects.get()
    assert simbad_url("HD_141577") in client.get(reverse("surveys:calibrator-detail", args=[cal.pk])).content.decode()


def test_night_list_sorts(client, demo):
    from surveys.models import Night

    body = client.get(reverse("surveys:night-list"), {"sort": "date"}).content.decode()
    dates = sorted(n.date.isoformat() for n in Night.objects.all())
    table = body.split("<tbody>")[1]
    assert table.index(dates[0]) < table.index(dates[-1])


def test_dashboard_headers_sort_hd_numbers_numerically(client, demo):
    from surveys.models import Program, SurveyGoal

    issp = Program.objects.get(code="issp")
    for name in ("HD 9", "HD 10", "HD 1000"):
        t, _ = Target.objects.get_or_create(name=name, defaults={"ra_deg": 10.0, "dec_deg": 20.0})
        t.programs.add(issp)
        SurveyGoal.objects.get_or_create(target=t, program=issp, instrument="SPICA", mode="")
    client.force_login(demo["pi_issp"])
    for sort, expected in (("name", ["HD 9", "HD 10", "HD 1000"]), ("-name", ["HD 1000", "HD 10", "HD 9"])):
        rows = client.get(reverse("surveys:dashboard"), {"sort": sort, "q": "HD", "format": "json"}).json()["targets"]
        names = [r["name"] for r in rows if r["name"] in expected]
        assert names == expected
    page = client.get(reverse("surveys:dashboard"), {"sort": "-dec_deg"}).content.decode()
    assert 'aria-sort="descending"' in page and 'href="?sort=dec_deg"' in page


def test_target_observations_sort_by_seeing(client, demo):
    from surveys.models import Observation

    obs = (Observation.objects.exclude(r0=None).values("target").annotate(n=models.Count("id"))
           .filter(n__gte=2).order_by("-n"))
    target_id = obs.first()["target"]
    client.force_login(demo["pi_issp"])
    r0s = [o.r0 for o in Observation.objects.filter(target_id=target_id).exclude(r0=None)]
    body = client.get(reverse("surveys:target-detail", args=[target_id]), {"osort": "-r0"}).content.decode()
    table = body.split('id="observations"')[1].split("</table>")[0]
    shown = [float(c.split("<")[0]) for c in table.split('<td class="num">')[1::2] if c.split("<")[0]]
    assert shown[:len(r0s)] == sorted(r0s, reverse=True)

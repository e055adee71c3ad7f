"""Who sees which product on the target page: the permission matrix, and the query count of the dashboard."""
import datetime as dt
from pathlib import Path

import pytest
from astropy.time import Time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from archive.services import product_version_create
from surveys.models import Delegation, Night, Observation, Program, ProgramRole, SurveyGoal, Target

DATA = Path(__file__).resolve().parent.parent / "data"
SPICA_FILE = DATA / "oifits" / "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-12.fits"
pytestmark = pytest.mark.django_db


def _mjd(when: dt.datetime) -> float:
    return float(Time(when).mjd)


@pytest.fixture
def embargoed(demo):
    """One ISSP target with an L2 product observed last month (embargoed) and an L1 from 2021 (public now)."""
    User = get_user_model()
    issp = Program.objects.get(code="issp")
    target = Target.objects.filter(programs=issp).order_by("name").first()
    now = timezone.now()
    fresh, _ = product_version_create(
        calib_level=2, kind="oifits", program=issp, target=target, instrument="SPICA", setup="MR720",
        filename="fresh_L2.fits", source_path=SPICA_FILE, t_min=_mjd(now - dt.timedelta(days=31)),
        t_max=_mjd(now - dt.timedelta(days=30)), quality_flag=2, key="test/fresh",
    )
    old, _ = product_version_create(
        calib_level=1, kind="oifits", program=issp, target=target, instrument="SPICA", setup="MR720",
        filename="old_L1.fits", content=b"SIMPLE  =                    T", t_min=_mjd(dt.datetime(2021, 5, 1)),
        t_max=_mjd(dt.datetime(2021, 5, 2)), key="test/old",
    )
    users = dict(demo)
    users["delegate_live"] = User.objects.create(username="delegate_live")
    users["delegate_over"] = User.objects.create(username="delegate_over")
    Delegation.objects.create(program=issp, grantee=users["delegate_live"], ends=now + dt.timedelta(days=30))
    Delegation.objects.create(program=issp, grantee=users["delegate_over"], ends=now - dt.timedelta(days=1))
    return {"target": target, "fresh": fresh, "old": old, "users": users}


# user -> (may read the embargoed L2, may read the L1 whose embargo ended)
MATRIX = {
    None: (False, True),  # anonymous
    "coi_issp": (True, True),  # member
    "pi_issp": (True, True),  # PI
    "pi_ext": (False, True),  # member of another program
    "delegate_live": (True, True),
    "delegate_over": (False, True),  # delegation ended yesterday
    "admin": (True, True),  # staff
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_target_page_products_follow_the_access_policy(client, embargoed, who):
    if who:
        client.force_login(embargoed["users"][who])
    response = client.get(reverse("surveys:target-detail", args=[embargoed["target"].pk]))
    assert response.status_code == 200
    rows = {row["product"].key: row for rows in response.context["levels"].values() for row in rows}
    fresh_ok, old_ok = MATRIX[who]
    assert bool(rows["test/fresh"]["decision"]) is fresh_ok
    assert bool(rows["test/old"]["decision"]) is old_ok
    html = response.content.decode()
    assert ("fresh_L2.fits" in html) is fresh_ok
    assert "old_L1.fits" in html and "embargo ended 2022-11-02" in html
    if not fresh_ok:
        assert "embargoed</span> proprietary until" in html
        assert ("log in" if who is None else "not a member") in rows["test/fresh"]["decision"].reason
    # The uv plot is drawn from readable L2 files only.
    assert ('id="plot-uv"' in html) is fresh_ok


@pytest.mark.parametrize("who", list(MATRIX))
def test_product_file_url_follows_the_access_policy(client, embargoed, who):
    try:
        url = reverse("archive:version-download", kwargs={"pk": embargoed["fresh"].pk})
    except NoReverseMatch:
        pytest.skip("archive:version-download is not installed yet (archive engineer)")
    if who:
        client.force_login(embargoed["users"][who])
    response = client.get(url)
    assert (response.status_code == 200) is MATRIX[who][0]
    if not MATRIX[who][0]:
        assert response.status_code in (302, 403, 404)


def _grow(n: int) -> Program:
    program = Program.objects.get(code="issp")
    night = Night.objects.filter(allocations__program=program, status="observed").first()
    start = dt.datetime.combine(night.date, dt.time(5), tzinfo=dt.UTC)
    existing = Target.objects.count()
    for i in range(n):
        target = Target.objects.create(name=f"QC {existing + i}", ra_deg=(i * 7) % 360, dec_deg=20)
        target.programs.add(program)
        SurveyGoal.objects.create(target=target, program=program, instrument="SPICA", required_observations=2)
        Observation.objects.create(program=program, night=night, target=target, instrument="SPICA",
                                   mode="MR720", start=start)
    return program


def _dashboard_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("surveys:dashboard"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_does_not_grow_with_targets(client, demo):
    client.force_login(demo["pi_issp"])
    _grow(10)
    small = _dashboard_queries(client), _dashboard_queries(client, sort="-completion", status="in progress")
    _grow(190)
    large = _dashboard_queries(client), _dashboard_queries(client, sort="-completion", status="in progress")
    assert large == small
    assert small[0] <= 15


def test_target_page_query_count_does_not_grow_with_observations(client, demo, django_assert_max_num_queries):
    client.force_login(demo["pi_issp"])
    target = Observation.objects.first().target
    with django_assert_max_num_queries(25):
        client.get(reverse("surveys:target-detail", args=[target.pk]))
    issp = Program.objects.get(code="issp")
    ProgramRole.objects.get_or_create(user=demo["pi_issp"], program=issp, role="pi")
    night = Night.objects.filter(status="observed").first()
    for k in range(30):
        Observation.objects.create(program=issp, night=night, target=target, instrument="SPICA", mode="MR720",
                                   start=dt.datetime.combine(night.date, dt.time(3), tzinfo=dt.UTC)
                                   + dt.timedelta(minutes=k))
    with django_assert_max_num_queries(25):
        client.get(reverse("surveys:target-detail", args=[target.pk]))

"""Diameters table (sorting, access, constant query count), exports, target and survey plots, buttons."""
from __future__ import annotations

import io
import re

import pytest
from astropy.io.votable import parse_single_table
from astropy.table import Table

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pipelines.analysis import services
from pipelines.analysis.models import DiameterResult
from surveys.models import Program, Target

pytestmark = pytest.mark.django_db


def _rows(n: int, program: Program, t_max: float = 59000.0) -> None:
    targets = Target.objects.bulk_create([Target(name=f"QC {i:04d}", ra_deg=i * 0.1, dec_deg=10.0, mag_v=5 + i % 3,
                                                 mag_k=3.0, spectral_type="G2V") for i in range(n)])
    DiameterResult.objects.bulk_create([DiameterResult(
        target=t, program=program, instrument="SPICA", band="R", input_fingerprint="x", ud_mas=0.5 + i * 0.01,
        ud_err_formal=0.01, ud_err_boot=0.02, ud_chi2=1.1, ld_mas=0.55 + i * 0.01, n_v2=100, t_max=t_max,
        flags="not_single_disk" if i % 5 == 0 else "") for i, t in enumerate(targets)])


def _query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_table_query_count_is_constant(client, demo, issp):
    client.force_login(demo["pi_ext"])  # not an ISSP member: the access policy runs on every row
    _rows(10, issp, t_max=61000.0)
    small = _query_count(client, reverse("analysis:diameter-table") + "?per_page=200")
    Target.objects.filter(name__startswith="QC").delete()
    _rows(200, issp, t_max=61000.0)
    large = _query_count(client, reverse("analysis:diameter-table") + "?per_page=200")
    assert small == large


def test_table_sorts_filters_and_masks_proprietary_rows(client, demo, issp):
    _rows(12, issp, t_max=61500.0)  # observed late 2027: still under embargo
    url = reverse("analysis:diameter-table")
    anonymous = client.get(url).content.decode()
    assert "proprietary" in anonymous and "0.5000" not in anonymous
    client.force_login(demo["coi_issp"])
    page = client.get(url + "?sort=ud&dir=desc").content.decode()
    values = [float(v) for v in re.findall(r"<strong>([0-9.]+)</strong>", page)]
    assert values == sorted(values, reverse=True) and values[0] == pytest.approx(0.61)
    flagged = client.get(url + "?flag=not_single_disk").content.decode()
    assert flagged.count("badge bad\">not_single_disk") == 3


def test_csv_and_votable_exports_hold_the_readable_rows(client, demo, issp):
    _rows(5, issp, t_max=59000.0)  # embargo over: public
    csv = client.get(reverse("analysis:diameter-export", args=["csv"]))
    assert csv["Content-Disposition"].endswith('issp_diameters.csv"')
    table = Table.read(csv.content.decode(), format="ascii.csv")
    assert len(table) == 5 and list(table["ud"]) == pytest.approx([0.5, 0.51, 0.52, 0.53, 0.54])
    vot = client.get(reverse("analysis:diameter-export", args=["vot"]))
    vt = parse_single_table(io.BytesIO(vot.content)).to_table()
    assert len(vt) == 5 and str(vt["ud"].unit) == "mas" and vt["target"][0] == "QC 0000"
    assert client.get(reverse("analysis:diameter-export", args=["xls"])).status_code == 404


def test_exports_leave_out_rows_the_user_may_not_read(client, demo, issp):
    _rows(4, issp, t_max=61500.0)
    assert "QC 0000" not in client.get(reverse("analysis:diameter-export", args=["csv"])).content.decode()


def test_target_page_shows_fit_and_plot_data(client, demo, l2_target):
    target, _ = l2_target
    services.target_l3_refresh(target=target)
    client.force_login(demo["pi_issp"])
    page = client.get(reverse("analysis:target-detail", args=[target.pk])).content.decode()
    assert "vs spatial frequency" in page and "UD 1.3" in page and "plotly.min.js" in page
    assert 'name="engine"' in page  # the PI may refit
    plots = client.get(reverse("analysis:survey-plots")).content.decode()
    assert "Kervella" in plots and target.name in plots


def test_buttons_need_a_role_and_refit_works(client, demo, l2_target, django_capture_on_commit_callbacks):
    target, _ = l2_target
    [row] = services.target_l3_refresh(target=target)
    client.force_login(demo["operator"])
    assert client.post(reverse("analysis:survey-run")).status_code == 403
    assert client.post(reverse("analysis:target-fit", args=[target.pk]),
                       {"result": row.pk, "engine": "scipy:survey"}).status_code == 403
    client.force_login(demo["datamanager"])
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("analysis:survey-run"))
    run_url = resp["Location"]
    progress = client.get(run_url + "progress/").json()
    assert progress["phase"] == "completed" and progress["done"] == progress["total"] == 1
    bad = client.post(reverse("analysis:target-fit", args=[target.pk]), {"result": row.pk, "engine": "nope:x"},
                      follow=True)
    assert "Unknown engine" in bad.content.decode()

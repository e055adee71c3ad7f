"""The chain raw file -> L1 product -> L1 run is walkable in the pages (links both ways)."""
from __future__ import annotations

import pytest

from django.contrib.auth import get_user_model
from django.urls import reverse

from pipelines import services
from pipelines.models import ReductionOutput
from tests.pipelines.helpers import ingested_night_with_l1_run

pytestmark = pytest.mark.django_db


def test_raw_files_link_their_l1_and_the_l1_links_its_reduction_run(client):
    setup, run = ingested_night_with_l1_run()
    run = services.l1_run_execute(run=run)
    output = ReductionOutput.objects.filter(product_version__isnull=False).select_related(
        "product_version", "raw_file").first()
    assert output is not None
    client.force_login(get_user_model().objects.create_user("ops", password="x", is_staff=True))
    date = setup["night"].date.isoformat()
    raw_page = client.get(reverse("pipelines:night-raw-files", args=[date])).content.decode()
    product_url = reverse("archive:product-detail", args=[output.product_version.product_id])
    assert product_url in raw_page.split('id="raw-files"')[1]
    product_page = client.get(product_url).content.decode()
    assert reverse("pipelines:run-detail", args=[run.pk]) in product_page
    assert output.raw_file.original_name in product_page
    run_page = client.get(reverse("pipelines:run-detail", args=[run.pk])).content.decode()
    assert product_url in run_page

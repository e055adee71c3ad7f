"""One quality scale (OiDB's quality_level): every page shows the same label for the same level."""
from __future__ import annotations

import html
import re

import pytest

from django.urls import reverse

from archive.models import ProductVersion
from domain import quality

BADGE = re.compile(r'data-quality-level="(-?\d*)"[^>]*>([^<]*)<')
OIDB_NAMES = {0: "Unknown", 1: "Trash", 2: "To be reduced again", 3: "Quick look (risky to publish)",
              4: "Science ready", 5: "Outstanding quality"}  # JMMC-OpenDev/oidb modules/app.xql


def test_the_scale_is_oidbs():
    assert {f: quality.label(f) for f in OIDB_NAMES} == OIDB_NAMES
    assert quality.label(None) == "Unknown (not reviewed)" and quality.oidb_level(None) == 0
    assert [f for f, _ in quality.REVIEW_CHOICES] == [1, 2, 3, 4, 5]
    assert [quality.from_legacy(f) for f in (-1, 0, 1, 2, 3)] == [None, 1, 2, 3, 4]


@pytest.mark.django_db
@pytest.mark.parametrize("level", [None, 1, 2, 3, 4, 5])
def test_every_page_shows_the_same_label_for_the_same_level(client, demo, l2_version, level):
    ProductVersion.objects.filter(pk=l2_version.pk).update(quality_flag=level)
    product = l2_version.product
    client.force_login(demo["datamanager"])
    pages = {
        "target": reverse("surveys:target-detail", args=[product.target_id]),
        "archive list": reverse("archive:product-list") + "?level=2",
        "product": reverse("archive:product-detail", args=[product.pk]),
        "version": reverse("archive:version-detail", args=[l2_version.pk]),
    }
    expected = quality.label(level)
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        shown = {(flag, html.unescape(text).strip()) for flag, text in BADGE.findall(response.content.decode())}
        assert ("" if level is None else str(level), expected) in shown, (name, shown)
        assert all(text == quality.label(int(flag) if flag else None) for flag, text in shown), (name, shown)

"""The data migrations move stored 0-3 flags onto OiDB's scale once, each row exactly one step."""
from __future__ import annotations

import importlib

import pytest

from django.apps import apps

from archive.models import ProductVersion, QualityReview
from domain import quality

archive_0004 = importlib.import_module("archive.migrations.0004_quality_oidb_scale")
surveys_0002 = importlib.import_module("surveys.migrations.0002_goal_min_quality_oidb_scale")


@pytest.mark.django_db
def test_stored_flags_and_goal_minimums_move_to_oidb_levels(demo, l2_version):
    from surveys.models import SurveyGoal

    product = l2_version.product
    old_flags = [-1, 0, 1, 2, 3, None]
    versions = [ProductVersion.objects.create(product=product, number=10 + i, sha256=f"{i:064x}", size=1, path="x",
                                              filename="x.fits", quality_flag=flag) for i, flag in enumerate(old_flags)]
    reviews = [QualityReview.objects.create(version=versions[i], flag=flag, comment="old scale")
               for i, flag in enumerate(old_flags) if flag is not None and flag >= 0]
    goals = list(SurveyGoal.objects.order_by("pk")[:5])
    for goal, old in zip(goals, [-1, 0, 1, 2, 3], strict=True):
        SurveyGoal.objects.filter(pk=goal.pk).update(min_quality_flag=old)

    archive_0004.forward(apps, None)
    surveys_0002.forward(apps, None)

    assert [ProductVersion.objects.get(pk=v.pk).quality_flag for v in versions] == [None, 1, 2, 3, 4, None]
    assert [quality.from_legacy(f) for f in old_flags] == [None, 1, 2, 3, 4, None]
    assert [QualityReview.objects.get(pk=r.pk).flag for r in reviews] == [1, 2, 3, 4]
    assert [SurveyGoal.objects.get(pk=g.pk).min_quality_flag for g in goals] == [0, 1, 2, 3, 4]

    archive_0004.backward(apps, None)
    assert [ProductVersion.objects.get(pk=v.pk).quality_flag for v in versions][1:5] == [0, 1, 2, 3]

"""A night whose L1 reduction completes is handed to L2 calibration automatically."""
import pytest

from archive.models import ProductVersion
from pipelines.models import PipelineRun


@pytest.mark.django_db
def test_completed_l1_night_starts_automatic_l2(demo, django_capture_on_commit_callbacks, settings):
    from demo import ingest as pipelines_demo

    with django_capture_on_commit_callbacks(execute=True):
        summary = pipelines_demo.load()
    l2_runs = PipelineRun.objects.filter(kind=PipelineRun.Kind.L2, night__date=summary["night"])
    assert l2_runs.exists()
    assert set(l2_runs.values_list("processing", flat=True)) == {"automatic"}
    assert ProductVersion.objects.filter(product__calib_level=2, product__night__date=summary["night"]).exists()


@pytest.mark.django_db
def test_auto_l2_can_be_switched_off(demo, django_capture_on_commit_callbacks, settings):
    from demo import ingest as pipelines_demo

    settings.PIPELINES_AUTO_L2 = False
    with django_capture_on_commit_callbacks(execute=True):
        pipelines_demo.load()
    assert not PipelineRun.objects.filter(kind=PipelineRun.Kind.L2).exists()


@pytest.mark.django_db
def test_new_l2_versions_refit_their_targets_l3(demo, django_capture_on_commit_callbacks):
    """Night reduced -> L2 calibrated automatically -> each target with a new current L2 is refitted (L3)."""
    from demo import ingest as pipelines_demo
    from pipelines.analysis.models import DiameterResult

    with django_capture_on_commit_callbacks(execute=True):
        summary = pipelines_demo.load()
    l2_targets = set(ProductVersion.objects.filter(product__calib_level=2, product__night__date=summary["night"])
                     .values_list("product__target_id", flat=True))
    assert l2_targets
    assert l2_targets <= set(DiameterResult.objects.values_list("target_id", flat=True))

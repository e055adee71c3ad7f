"""Crash safety of the write paths that store files: a write killed after the file is stored and
before its transaction commits leaves an orphan; `archive_check` reports it and the periodic
sweep deletes it once older than the grace period (never a referenced file, never a young one).

The kill is a BaseException raised right after the real store (what SIGTERM/SIGINT turn into in a
worker): `except Exception` handlers do not catch it and the transaction rolls back.
"""
from __future__ import annotations

import io
import os
import time

import pytest
from astropy.time import Time

from django.core.management import call_command

from archive import services as archive_services
from archive.integrity import archive_orphans, archive_orphans_sweep
from archive.models import ProductVersion
from archive.storage import archive_root
from archive.tasks import orphans_sweep_task

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    pass


@pytest.fixture
def archive(settings, tmp_path):
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    settings.ARCHIVE_ROOT.mkdir()
    return settings.ARCHIVE_ROOT


@pytest.fixture
def killed_after_store(monkeypatch):
    def arm():
        for name in ("store_bytes", "store_file"):
            real = getattr(archive_services, name)

            def dying(*args, _real=real, **kwargs):
                _real(*args, **kwargs)
                raise Killed("process killed after the file write, before the commit")

            monkeypatch.setattr(archive_services, name, dying)
    return arm


def _l2_version(demo):
    from archive.oifits_write import synthetic_oifits2, to_bytes
    from surveys.models import Program

    program = Program.objects.get(code="issp")
    target = program.targets.order_by("name").first()
    mjd = round(Time.now().mjd - 10, 3)
    version, _ = archive_services.product_version_create(
        calib_level=2, kind="oifits", program=program, target=target, instrument="SPICA", filename="l2.fits",
        content=to_bytes(synthetic_oifits2(target=target.name.replace(" ", "_"), mjd=mjd, n_wave=6)),
        t_min=mjd, t_max=mjd)
    return version


def _write_validation(demo):
    """Prepare, then return the write to kill."""
    from archive.validation import version_validate

    version = _l2_version(demo)
    return lambda: version_validate(version=version, reviewer=demo["datamanager"], flag=2, comment="killed")


def _write_l1(demo):
    from pipelines import services
    from tests.pipelines.helpers import ingested_night_with_l1_run

    _setup, run = ingested_night_with_l1_run()
    return lambda: services.l1_run_execute(run=run)


@pytest.mark.parametrize("write", [_write_validation, _write_l1], ids=["validation", "l1"])
def test_an_orphan_is_reported_then_swept_after_the_grace_period(archive, demo, killed_after_store, write):
    act = write(demo)
    before = set(ProductVersion.objects.values_list("path", flat=True))
    killed_after_store()
    with pytest.raises(Killed):
        act()
    assert set(ProductVersion.objects.values_list("path", flat=True)) == before  # nothing committed
    orphans = archive_orphans()
    assert len(orphans) == 1 and orphans[0].path not in before

    out = io.StringIO()
    call_command("archive_check", stdout=out)
    assert f"ORPHAN   {orphans[0].path}" in out.getvalue() and "1 orphan file(s)" in out.getvalue()

    assert archive_orphans_sweep(grace_s=3600) == []  # young: may still be committing
    old = time.time() - 2 * 86400
    os.utime(archive_root() / orphans[0].path, (old, old))
    assert orphans_sweep_task.delay().get() == 1
    assert archive_orphans() == [] and not (archive_root() / orphans[0].path).exists()
    for path in before:  # referenced files survive the sweep
        assert (archive_root() / path).is_file()

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


def _write_validation(demo, tmp_path):
    """Prepare, then return the write to kill."""
    from archive.validation import version_validate

    version = _l2_version(demo)
    return lambda: version_validate(version=version, reviewer=demo["datamanager"], flag=2, comment="killed")


def _write_l1(demo, tmp_path):
    from pipelines import services
    from tests.pipelines.helpers import ingested_night_with_l1_run

    _setup, run = ingested_night_with_l1_run()
    return lambda: services.l1_run_execute(run=run)


def _write_l2(demo, tmp_path):
    from pipelines.calibration import services
    from tests.calibration.conftest import register_night

    night, _, _ = register_night(tmp_path)
    run = services.calibration_runs_start(night=night)[0]  # queued on commit: never sent in this test
    return lambda: services.calibration_run_execute(run_id=run.pk)


def _write_l3(demo, tmp_path):
    from demo.analysis import l2_synthetic_create
    from pipelines.analysis import services
    from surveys.models import Program

    program = Program.objects.get(code="issp")
    target = program.targets.order_by("name").first()
    l2_synthetic_create(target=target, program=program, theta_mas=1.3, mjd=59000.3, seed=11)
    return lambda: services.target_l3_refresh(target=target)


@pytest.mark.parametrize("write", [_write_validation, _write_l1, _write_l2, _write_l3],
                         ids=["validation", "l1", "l2", "l3"])
def test_an_orphan_is_reported_then_swept_after_the_grace_period(archive, demo, killed_after_store, write,
                                                                  tmp_path):
    act = write(demo, tmp_path)
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


RESTORE_KILLED_BEFORE_COMMIT = """
import os, signal
from issp_portal import backup
real = backup.call_command
def dying(name, *args, **kwargs):
    if name == "loaddata":  # the archive files are copied; the rows are not committed yet
        os.kill(os.getpid(), signal.SIGKILL)
    return real(name, *args, **kwargs)
backup.call_command = dying
backup.backup_restore(source=%r)
"""

SWEEP = """
import os, time
from archive.storage import archive_root
from archive.tasks import orphans_sweep_task
print("young", orphans_sweep_task())
old = time.time() - 2 * 86400
for path in archive_root().rglob("*"):
    if path.is_file():
        os.utime(path, (old, old))
print("old", orphans_sweep_task())
"""


@pytest.mark.slow
def test_a_restore_killed_before_its_commit_leaves_orphans_that_are_reported_then_swept(tmp_path):
    """The backup path: `restore` copies the archive files, then loads the rows in one transaction.
    SIGKILL in between (a real one, in the restoring process) leaves files no row refers to."""
    from tests.hardening.services import manage
    from tests.hardening.test_backup_restore import SEED, _instance

    source = _instance(tmp_path, "source")
    manage("shell", "-c", SEED, env=source)
    manage("backup", str(tmp_path / "backup"), env=source)
    target = _instance(tmp_path, "restored")
    killed = manage("shell", "-c", RESTORE_KILLED_BEFORE_COMMIT % str(tmp_path / "backup"), env=target, check=False)
    assert killed.returncode == -9, killed.stderr
    copied = sorted(p for p in (tmp_path / "restored" / "archive").rglob("*") if p.is_file())
    assert len(copied) == 10

    check = manage("archive_check", env=target).stdout
    assert "0 versions checked, 0 problem(s), 10 orphan file(s)" in check
    assert all(f"ORPHAN   {p.relative_to(tmp_path / 'restored' / 'archive').as_posix()}" in check for p in copied)

    swept = manage("shell", "-c", SWEEP, env=target).stdout.split()
    assert swept[-4:] == ["young", "0", "old", "10"]  # young orphans may still be committing: kept
    assert not any(p.is_file() for p in (tmp_path / "restored" / "archive").rglob("*"))
    manage("restore", str(tmp_path / "backup"), env=target)  # nothing was committed: the restore runs again
    assert "10 versions checked, 0 problem(s), 0 orphan file(s)" in manage("archive_check", env=target).stdout

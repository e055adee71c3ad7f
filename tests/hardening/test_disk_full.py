"""A full disk on every write path that stores files: a clear answer, never a 500, nothing half-stored.

The disk fills at the write itself: the store's file object writes half of what it is given, then
raises OSError(ENOSPC) (or EDQUOT, EROFS), as the kernel does. The web answers 507 with the reason,
a run is FAILED with it, backup/restore say it, and no row and no file (partial or whole) is left.
"""
from __future__ import annotations

import errno
import os
import shutil

import pytest

from django.core.management import CommandError, call_command
from django.test import Client

from archive.models import ProductVersion, QualityReview
from domain.storage import MESSAGE, DiskFull
from issp_portal import files
from pipelines.models import PipelineRun, RawFile

pytestmark = pytest.mark.django_db
FULL = [errno.ENOSPC, errno.EDQUOT, errno.EROFS]


class _FullDisk:
    """A file object on a disk that fills up: half of the first write lands, then the kernel refuses."""

    def __init__(self, fh, code: int):
        self._fh, self._code = fh, code

    def write(self, data) -> int:
        data = bytes(data)
        self._fh.write(data[: len(data) // 2])
        raise OSError(self._code, os.strerror(self._code))

    def __getattr__(self, name):
        return getattr(self._fh, name)


@pytest.fixture
def fill_disk(monkeypatch):
    """Call with an errno: from then on every store write (archive, raw copies) hits a full disk."""
    def arm(code: int = errno.ENOSPC) -> None:
        real = files._write_then_rename
        monkeypatch.setattr(files, "_write_then_rename",
                            lambda target, writer: real(target, lambda fh: writer(_FullDisk(fh, code))))
    return arm


@pytest.fixture
def archive(settings, tmp_path):
    settings.ARCHIVE_ROOT = tmp_path / "archive"
    settings.ARCHIVE_ROOT.mkdir()
    return settings.ARCHIVE_ROOT


def _tree(root) -> set[str]:
    """Every file under root, hidden temporary ones included."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _l2_version():
    from tests.hardening.test_crash_safety import _l2_version

    return _l2_version(None)


@pytest.mark.parametrize("code", FULL, ids=["ENOSPC", "EDQUOT", "EROFS"])
def test_validation_on_a_full_disk_answers_507_and_stores_nothing(archive, demo, fill_disk, code):
    version = _l2_version()
    client = Client()
    client.force_login(demo["datamanager"])
    versions, reviews, stored = ProductVersion.objects.count(), QualityReview.objects.count(), _tree(archive)
    fill_disk(code)
    response = client.post(f"/archive/versions/{version.pk}/validate/", {"flag": 2, "comment": "looks fine"})
    assert response.status_code == 507, response.content[:300]
    assert response.content.decode() == MESSAGE == "The archive disk is full; nothing was stored."
    as_json = client.post(f"/archive/versions/{version.pk}/validate/", {"flag": 2, "comment": "looks fine"},
                          headers={"Accept": "application/json"})
    assert as_json.status_code == 507 and as_json.json()["detail"] == MESSAGE
    assert (ProductVersion.objects.count(), QualityReview.objects.count()) == (versions, reviews)
    assert _tree(archive) == stored  # no stamped file, no `.incoming-*.part` left
    version.product.refresh_from_db()
    assert version.product.current_version_id == version.pk


def test_an_upload_spooled_to_a_full_disk_answers_507(demo, monkeypatch, settings):
    """Uploads (obxml, CSV imports) larger than FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to a temporary file."""
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    from obs_server.models import ObservingBlock

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0

    def full(self, raw_data, start):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", full)
    client = Client()
    client.force_login(demo["datamanager"])
    obs = ObservingBlock.objects.count()
    response = client.post("/ob/upload/", {"obxml": _upload(b"<observationSetting/>" * 100)})
    assert response.status_code == 507 and response.content.decode() == MESSAGE
    assert ObservingBlock.objects.count() == obs


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("queue.obxml", content, content_type="application/xml")


def _failed_with_disk_full(run: PipelineRun) -> None:
    run.refresh_from_db()
    assert run.phase == PipelineRun.Phase.FAILED, (run.phase, run.error_summary)
    assert run.error_summary.startswith(f"DiskFull: {MESSAGE}"), run.error_summary


def test_l1_run_on_a_full_disk_fails_with_the_reason_and_registers_nothing(archive, fill_disk):
    from pipelines.tasks import l1_run_task
    from tests.pipelines.helpers import ingested_night_with_l1_run

    _setup, run = ingested_night_with_l1_run()
    stored = _tree(archive)
    fill_disk()
    with pytest.raises(DiskFull):  # the task fails (eager mode propagates)
        l1_run_task.apply(args=[str(run.pk)])
    _failed_with_disk_full(run)
    assert ProductVersion.objects.filter(product__calib_level=1).count() == 0
    assert _tree(archive) == stored


def test_l2_run_on_a_full_disk_fails_with_the_reason_and_stores_nothing(archive, fill_disk, tmp_path):
    from pipelines.calibration import services
    from pipelines.calibration.tasks import calibrate_setup_task
    from tests.calibration.conftest import register_night

    night, _, _ = register_night(tmp_path)
    run = services.calibration_runs_start(night=night)[0]
    versions, stored = ProductVersion.objects.count(), _tree(archive)
    fill_disk()
    with pytest.raises(DiskFull):  # the task fails (eager mode propagates)
        calibrate_setup_task.apply(args=[str(run.pk)])
    _failed_with_disk_full(run)
    assert ProductVersion.objects.count() == versions and _tree(archive) == stored


def test_l3_survey_run_on_a_full_disk_fails_with_the_reason_and_stores_nothing(archive, demo, fill_disk):
    from demo.analysis import l2_synthetic_create
    from pipelines import runs
    from pipelines.analysis.models import DiameterResult
    from pipelines.analysis.tasks import analysis_target_fit_task
    from surveys.models import Program

    program = Program.objects.get(code="issp")
    target = program.targets.order_by("name").first()
    l2_synthetic_create(target=target, program=program, theta_mas=1.3, mjd=59000.3, seed=11)
    run = PipelineRun.objects.create(kind=PipelineRun.Kind.L3, total=1, parameters={"target_ids": [target.pk]})
    runs.run_start(run_id=run.pk)
    versions, stored = ProductVersion.objects.count(), _tree(archive)
    fill_disk()
    with pytest.raises(DiskFull):  # the task fails (eager mode propagates)
        analysis_target_fit_task.apply(args=[target.pk], kwargs={"run_id": str(run.pk)})
    _failed_with_disk_full(run)  # and its last target done did not turn it into "completed"
    assert not DiameterResult.objects.filter(target=target, status="ok").exists()
    assert ProductVersion.objects.count() == versions and _tree(archive) == stored


def test_ingest_on_a_full_disk_fails_with_the_reason_and_quarantines_nothing(settings, tmp_path, fill_disk):
    from pipelines import services
    from pipelines.ingest import internal_root
    from pipelines.tasks import ingest_run_task
    from tests.pipelines.helpers import make_survey_night, write_landing

    settings.RAW_ROOT = tmp_path / "raw"
    setup = make_survey_night()
    write_landing(settings.RAW_ROOT / "landing", setup["visits"])
    landing = _tree(settings.RAW_ROOT / "landing")
    run = services.ingest_run_create(paths=[str(settings.RAW_ROOT / "landing")], reduce=False, enqueue=False)
    fill_disk()
    with pytest.raises(DiskFull):  # the task fails (eager mode propagates)
        ingest_run_task.apply(args=[str(run.pk)])
    _failed_with_disk_full(run)  # not "completed" with every file quarantined as unreadable
    assert RawFile.objects.count() == 0
    assert _tree(internal_root()) == set()
    assert _tree(settings.RAW_ROOT / "landing") == landing  # the files wait in the landing folder


def test_backup_on_a_full_disk_says_so_and_leaves_no_half_backup(archive, demo, monkeypatch, tmp_path):
    for i in range(3):
        (archive / f"f{i}.fits").write_bytes(b"x" * 2880)
    real, calls = shutil.copy2, []

    def copy_until_full(src, dst, **kwargs):
        calls.append(src)
        if len(calls) == 2:
            with open(dst, "wb") as fh:
                fh.write(b"half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real(src, dst, **kwargs)

    monkeypatch.setattr("issp_portal.backup.shutil.copy2", copy_until_full)
    destination = tmp_path / "backup"
    with pytest.raises(CommandError, match="The archive disk is full; nothing was stored."):
        call_command("backup", str(destination))
    assert list(destination.iterdir()) == []


RESTORE_ON_A_FULL_DISK = """
import errno, os, shutil
from django.core.management import call_command, CommandError
real, calls = shutil.copy2, []
def copy_until_full(src, dst, **kwargs):
    calls.append(src)
    if len(calls) == 4:
        open(dst, "wb").write(b"half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
    return real(src, dst, **kwargs)
shutil.copy2 = copy_until_full
try:
    call_command("restore", %r)
except CommandError as exc:
    print("REFUSED", exc)
"""


@pytest.mark.slow
def test_restore_on_a_full_disk_says_so_and_leaves_nothing(tmp_path):
    from tests.hardening.services import manage
    from tests.hardening.test_backup_restore import SEED, _instance

    source = _instance(tmp_path, "source")
    manage("shell", "-c", SEED, env=source)
    manage("backup", str(tmp_path / "backup"), env=source)
    target = _instance(tmp_path, "restored")
    out = manage("shell", "-c", RESTORE_ON_A_FULL_DISK % str(tmp_path / "backup"), env=target).stdout
    assert "REFUSED The archive disk is full; nothing was stored." in out
    assert _tree(tmp_path / "restored" / "archive") == set()  # the three copied files and the half one: gone
    assert "0 versions checked, 0 problem(s), 0 orphan file(s)" in manage("archive_check", env=target).stdout

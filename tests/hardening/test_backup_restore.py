"""Backup of one instance restored into an empty one gives the same products and checksums."""
import json
import os

import pytest

from tests.hardening.services import manage, migrate

pytestmark = [pytest.mark.slow]

SEED = """
from demo import survey as demo
from archive.services import product_version_create
from surveys.models import Program, Night
demo.load(n_targets=8, n_calibrators=4)
program = Program.objects.get(code="issp")
night = Night.objects.first()
for i, target in enumerate(program.targets.all()[:5]):
    for content in (b"first %d" % i, b"second %d" % i):
        product_version_create(calib_level=2, kind="oifits", program=program, target=target, night=night,
                               instrument="SPICA", setup="MR720", filename="t.fits", content=content)
"""

LIST = """
import json
from archive.models import ProductVersion
from archive.storage import absolute_path, sha256_of
print(json.dumps(sorted([v.product.key, v.number, v.sha256, sha256_of(absolute_path(v.path)),
                         v.product.current_version_id == v.pk] for v in ProductVersion.objects.all())))
"""


def _instance(tmp_path, name):
    env = {**os.environ, "DEBUG": "true", "CELERY_BROKER_URL": "",
           "DATABASE_URL": f"sqlite:///{tmp_path / name}.sqlite3", "ARCHIVE_ROOT": str(tmp_path / name / "archive")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    migrate(env)
    return env


def test_backup_restored_into_an_empty_instance_gives_same_products(tmp_path):
    source = _instance(tmp_path, "source")
    manage("shell", "-c", SEED, env=source)
    before = json.loads(manage("shell", "-c", LIST, env=source).stdout.splitlines()[-1])
    assert len(before) == 10 and all(row[2] == row[3] for row in before)

    manage("backup", str(tmp_path / "backup"), env=source)
    empty = _instance(tmp_path, "restored")
    manage("restore", str(tmp_path / "backup"), env=empty)
    after = json.loads(manage("shell", "-c", LIST, env=empty).stdout.splitlines()[-1])
    assert after == before

    # A second restore into the now non-empty instance is refused.
    again = manage("restore", str(tmp_path / "backup"), env=empty, check=False)
    assert again.returncode != 0 and "empty instance" in again.stderr


def test_corrupt_backup_is_refused(tmp_path):
    source = _instance(tmp_path, "source")
    manage("shell", "-c", SEED, env=source)
    manage("backup", str(tmp_path / "backup"), env=source)
    stored = next((tmp_path / "backup" / "archive").rglob("*.fits"))
    stored.write_bytes(b"damaged")
    empty = _instance(tmp_path, "restored")
    proc = manage("restore", str(tmp_path / "backup"), env=empty, check=False)
    assert proc.returncode != 0 and "corrupt" in proc.stderr

"""Backup and restore of a whole instance: database content plus the archive folder.

The database goes through Django's serializers (works the same on SQLite and
PostgreSQL, and restores into an empty instance of either); archive files are
copied with a manifest of their SHA-256, verified again on restore.
"""
from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from domain.errors import ValidationFailed
from issp_portal.files import sha256_of

MANIFEST = "manifest.json"
DUMP = "database.json.gz"
# Rows rebuilt by migrations or meaningless elsewhere are left out.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]


def backup_create(*, destination: Path) -> dict:
    """Write DUMP, archive/ and MANIFEST under `destination` (which must be empty or absent)."""
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise ValidationFailed("Backup folder is not empty.", {"destination": str(destination)})
    destination.mkdir(parents=True, exist_ok=True)
    with gzip.open(destination / DUMP, "wt", encoding="utf-8") as out, transaction.atomic():
        call_command("dumpdata", "--natural-foreign", "--natural-primary", exclude=EXCLUDED, stdout=out)
    files = {}
    root = Path(settings.ARCHIVE_ROOT)
    if root.exists():
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".incoming-")):
            rel = path.relative_to(root).as_posix()
            target = destination / "archive" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            files[rel] = sha256_of(target)
    manifest = {"database": DUMP, "database_sha256": sha256_of(destination / DUMP), "vendor": connection.vendor,
                "archive_files": files}
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return {"files": len(files), "destination": str(destination)}


def backup_restore(*, source: Path) -> dict:
    """Restore a backup into this (migrated, empty) instance; refuses a damaged backup."""
    source = Path(source)
    manifest = json.loads((source / MANIFEST).read_text())
    if sha256_of(source / DUMP) != manifest["database_sha256"]:
        raise ValidationFailed("Backup database dump is corrupt.", {"database": "checksum mismatch"})
    bad = [rel for rel, sha in manifest["archive_files"].items() if sha256_of(source / "archive" / rel) != sha]
    if bad:
        raise ValidationFailed("Backup archive files are corrupt.", {"archive_files": bad[:20]})
    from django.contrib.auth import get_user_model

    if get_user_model().objects.exists():
        raise ValidationFailed("Restore needs an empty instance (users exist).", {"database": "not empty"})
    root = Path(settings.ARCHIVE_ROOT)
    for rel in manifest["archive_files"]:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / "archive" / rel, target)
    fixture = source / "restore-fixture.json"
    with gzip.open(source / DUMP, "rt", encoding="utf-8") as src, open(fixture, "w", encoding="utf-8") as out:
        shutil.copyfileobj(src, out)
    try:
        with transaction.atomic():
            call_command("loaddata", str(fixture), verbosity=0)
    finally:
        fixture.unlink(missing_ok=True)
    return {"files": len(manifest["archive_files"])}

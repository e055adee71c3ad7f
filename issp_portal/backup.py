"""Backup and restore of a whole instance: database content plus the archive folder.

The database goes through Django's serializers (works the same on SQLite and
PostgreSQL, and restores into an empty instance of either); archive files are
copied with a manifest of their SHA-256, verified again on restore.
"""
from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from domain.errors import ServiceUnavailable, ValidationFailed
from domain.storage import MESSAGE as DISK_FULL_MESSAGE
from domain.storage import disk_full
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
    try:
        return _backup_write(destination)
    except BaseException as exc:  # a half-written backup is worse than none: it would restore wrong
        for path in destination.iterdir():
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        _raise_if_disk_full(exc, destination)
        raise


def _raise_if_disk_full(exc: BaseException, where: Path) -> None:
    full = disk_full(exc) if isinstance(exc, Exception) else None
    if full is not None:
        raise ServiceUnavailable(DISK_FULL_MESSAGE, {"storage": f"{os.strerror(full.errno)} under {where}"}) from exc


def _backup_write(destination: Path) -> dict:
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
    copied: list[Path] = []
    fixture = source / "restore-fixture.json"
    try:
        for rel in manifest["archive_files"]:
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                copied.append(target)
            shutil.copy2(source / "archive" / rel, target)
        with gzip.open(source / DUMP, "rt", encoding="utf-8") as src, open(fixture, "w", encoding="utf-8") as out:
            shutil.copyfileobj(src, out)
        with transaction.atomic():
            call_command("loaddata", str(fixture), verbosity=0)
    except Exception as exc:  # the rows were rolled back: so go the files (a killed restore leaves orphans)
        for target in copied:
            target.unlink(missing_ok=True)
        _raise_if_disk_full(exc, root)
        raise
    finally:
        fixture.unlink(missing_ok=True)
    return {"files": len(manifest["archive_files"])}

"""Archive integrity: every stored version's file exists and still has its checksum."""
from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from archive.models import ProductVersion
from archive.storage import absolute_path, archive_root, sha256_of


@dataclass(frozen=True)
class FileProblem:
    version_id: int
    label: str
    path: str
    problem: str  # missing | corrupt | outside


def archive_verify() -> tuple[int, list[FileProblem]]:
    """(number of versions checked, problems). Reads every file once, streamed."""
    problems, checked = [], 0
    for version in ProductVersion.objects.select_related("product").order_by("pk").iterator():
        checked += 1
        label = f"{version.product.key} v{version.number}"
        try:
            path = absolute_path(version.path)
        except ValueError:
            problems.append(FileProblem(version.pk, label, version.path, "outside"))
            continue
        if not path.exists():
            problems.append(FileProblem(version.pk, label, version.path, "missing"))
        elif path.stat().st_size != version.size or sha256_of(path) != version.sha256:
            problems.append(FileProblem(version.pk, label, version.path, "corrupt"))
    return checked, problems


@dataclass(frozen=True)
class Orphan:
    path: str  # relative to ARCHIVE_ROOT
    age_s: float


def archive_orphans(*, older_than_s: float = 0.0) -> list[Orphan]:
    """Files in the archive no version refers to: a write killed between storing the file and
    committing its row (validation, L1, L2, L3) leaves one. Temporary `.incoming-*` files too."""
    root = archive_root()
    if not root.exists():
        return []
    known = set(ProductVersion.objects.values_list("path", flat=True))
    now, out = time.time(), []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(root).as_posix()
        age = now - path.stat().st_mtime
        if rel not in known and age >= older_than_s:
            out.append(Orphan(rel, age))
    return out


def archive_orphans_sweep(*, grace_s: float | None = None) -> list[str]:
    """Delete orphans older than the grace period (ARCHIVE_ORPHAN_GRACE_S): younger ones may belong
    to a write whose transaction has not committed yet. A file referenced meanwhile is kept."""
    grace = settings.ARCHIVE_ORPHAN_GRACE_S if grace_s is None else grace_s
    removed = []
    for orphan in archive_orphans(older_than_s=grace):
        if ProductVersion.objects.filter(path=orphan.path).exists():
            continue
        (archive_root() / orphan.path).unlink(missing_ok=True)
        removed.append(orphan.path)
    return removed

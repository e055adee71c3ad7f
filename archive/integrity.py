"""Archive integrity: every stored version's file exists and still has its checksum."""
from __future__ import annotations

from dataclasses import dataclass

from archive.models import ProductVersion
from archive.storage import absolute_path, sha256_of


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

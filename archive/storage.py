"""Content-addressed file store under ARCHIVE_ROOT: atomic writes, never partial files."""
from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings

from issp_portal.files import CHUNK, atomic_write, sha256_of

__all__ = ["sha256_of", "store_bytes", "store_file", "absolute_path", "archive_root", "relative_path_for"]


def archive_root() -> Path:
    return Path(settings.ARCHIVE_ROOT)


def relative_path_for(sha256: str, suffix: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"


def store_bytes(content: bytes, suffix: str) -> tuple[str, str, int]:
    """Store content; returns (relative path, sha256, size). Idempotent on content."""
    sha = hashlib.sha256(content).hexdigest()
    rel = relative_path_for(sha, suffix)
    target = archive_root() / rel
    if not target.exists():
        atomic_write(target, lambda fh: fh.write(content))
    return rel, sha, len(content)


def store_file(source: Path, suffix: str | None = None) -> tuple[str, str, int]:
    """Copy a file into the store (streamed); returns (relative path, sha256, size)."""
    source = Path(source)
    sha = sha256_of(source)
    rel = relative_path_for(sha, suffix if suffix is not None else "".join(source.suffixes))
    target = archive_root() / rel
    if not target.exists():
        def copy(fh):
            with open(source, "rb") as src:
                for block in iter(lambda: src.read(CHUNK), b""):
                    fh.write(block)
        atomic_write(target, copy)
        if sha256_of(target) != sha:  # checksum again after storing
            target.unlink()
            raise OSError(f"checksum mismatch while storing {source}")
    return rel, sha, source.stat().st_size


def absolute_path(relative: str) -> Path:
    """Resolve a stored relative path, refusing anything outside ARCHIVE_ROOT."""
    root = archive_root().resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError(f"path {relative!r} is outside the archive")
    return path

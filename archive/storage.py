"""Content-addressed file store under ARCHIVE_ROOT: atomic writes, never partial files."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

CHUNK = 1024 * 1024


def archive_root() -> Path:
    return Path(settings.ARCHIVE_ROOT)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def relative_path_for(sha256: str, suffix: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"


def store_bytes(content: bytes, suffix: str) -> tuple[str, str, int]:
    """Store content; returns (relative path, sha256, size). Idempotent on content."""
    sha = hashlib.sha256(content).hexdigest()
    rel = relative_path_for(sha, suffix)
    target = archive_root() / rel
    if not target.exists():
        _atomic_write(target, lambda fh: fh.write(content))
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
        _atomic_write(target, copy)
        if sha256_of(target) != sha:  # checksum again after storing
            target.unlink()
            raise OSError(f"checksum mismatch while storing {source}")
    return rel, sha, source.stat().st_size


def _atomic_write(target: Path, writer) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def absolute_path(relative: str) -> Path:
    """Resolve a stored relative path, refusing anything outside ARCHIVE_ROOT."""
    root = archive_root().resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError(f"path {relative!r} is outside the archive")
    return path

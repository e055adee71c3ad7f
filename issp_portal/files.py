"""File primitives shared by every app (no Django import): checksums and atomic writes."""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from domain.storage import disk_full

CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, streamed (large FITS files never sit in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write(target: Path, writer: Callable) -> None:
    """Write through a hidden temporary file in the same folder, fsync, then rename: never a partial file.

    A full disk (domain.storage) raises DiskFull, with the temporary file removed."""
    target = Path(target)
    try:
        _write_then_rename(target, writer)
    except OSError as exc:
        full = disk_full(exc)
        if full is None or full is exc:
            raise
        full.where = full.where or str(target.parent)
        raise full from exc


def _write_then_rename(target: Path, writer: Callable) -> None:
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

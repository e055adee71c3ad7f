"""A full disk (or quota, or a read-only mount): the one storage failure every write path names.

Any write that stores files (archive versions, raw copies, backups, uploads) turns an OSError
with one of these errno values into `DiskFull`; the web answers 507 with `MESSAGE`, a run fails
with it, and the writer has removed what it had written, so nothing is half-stored.
"""
from __future__ import annotations

import errno
import os

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
MESSAGE = "The archive disk is full; nothing was stored."


class DiskFull(OSError):
    """The storage refused a write (no space, over quota, read-only): nothing was stored."""

    def __init__(self, code: int, where: str = ""):
        super().__init__(code, MESSAGE)
        self.where = where

    def __str__(self) -> str:
        reason = os.strerror(self.errno) if self.errno else "write refused"
        return f"{MESSAGE} ({reason}{' under ' + self.where if self.where else ''})"


def disk_full(exc: BaseException | None) -> DiskFull | None:
    """The disk-full error in `exc` or its causes (as a DiskFull), else None."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DiskFull):
            return exc
        if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
            return DiskFull(exc.errno, str(exc.filename or ""))
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None

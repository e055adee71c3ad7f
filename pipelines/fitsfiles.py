"""File-level work on raw FITS files: checksums, readability, atomic copies, consolidated copies.

No Django import: the callers pass the folders.
"""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

from astropy.io import fits
from astropy.io.fits.verify import VerifyWarning

from issp_portal.files import atomic_write, sha256_of

__all__ = ["UnreadableFile", "atomic_write", "check_readable", "sha256_of", "store_copy"]

CHUNK = 1024 * 1024
BLOCK = 2880


class UnreadableFile(Exception):
    """The file cannot be used at all (empty, not FITS, truncated); the message is the quarantine reason."""


def check_readable(path: Path) -> None:
    """Raise UnreadableFile with the reason if the file is empty, not FITS, or truncated."""
    size = Path(path).stat().st_size
    if size == 0:
        raise UnreadableFile("empty file (0 bytes)")
    with open(path, "rb") as fh:
        start = fh.read(30)
    if not start.startswith(b"SIMPLE  =") or b"T" not in start[9:30]:
        raise UnreadableFile("not a FITS file (no SIMPLE = T card at the start)")
    if size % BLOCK:
        raise UnreadableFile(f"truncated: {size} bytes is not a whole number of 2880-byte FITS blocks")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with fits.open(path, memmap=False) as hdul:
                for hdu in hdul:
                    _ = hdu.data  # noqa: F841 (forces the data to be read completely)
    except (OSError, ValueError, TypeError, IndexError, Warning) as exc:
        raise UnreadableFile(f"truncated or corrupt FITS: {exc}")


def store_copy(source: Path, target: Path, sha256: str) -> Path:
    """Copy a file to `target` atomically (unless already there) and check its checksum again."""
    if target.exists() and sha256_of(target) == sha256:
        return target
    def copy(fh) -> None:
        with open(source, "rb") as src:
            shutil.copyfileobj(src, fh, CHUNK)

    atomic_write(target, copy)
    if sha256_of(target) != sha256:
        target.unlink()
        raise OSError(f"checksum changed while copying {source}")
    return target


def write_consolidated(source: Path, target: Path, header: dict, history: list[str], original_sha256: str) -> Path:
    """A copy of `source` with the consolidated header; the original is opened read-only and never touched."""
    with fits.open(source, mode="readonly", memmap=False) as hdul:
        hdul = fits.HDUList([h.copy() for h in hdul])
    primary = hdul[0].header
    for key, value in header.items():
        card_key = key if len(key) <= 8 and " " not in key else f"HIERARCH {key}"
        if primary.get(key) != value or key not in primary:
            primary[card_key] = value
    primary["ORIG_SHA"] = (original_sha256, "SHA-256 of the original raw file")
    for line in history:
        primary.add_history(line)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VerifyWarning)
        atomic_write(target, lambda fh: hdul.writeto(fh, output_verify="silentfix"))
    return target

"""Ingest of one raw file: checksum -> dedupe -> readability -> consolidation -> store -> register -> L0.

Each step is idempotent, so a run killed at any point and started again ends in
the same rows and files (a raw file is registered once per content hash).
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from astropy.io.fits.verify import VerifyError
from astropy.time import Time

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction

from archive.publishing import l0_publish
from domain import site
from domain.instruments import UnknownInstrument, get_instrument
from domain.storage import DiskFull
from pipelines import consolidation, fitsfiles, l0
from pipelines.models import L0Record, PipelineRun, RawFile
from surveys.selectors import night_on, observations_overlapping, star_position

if TYPE_CHECKING:
    from surveys.models import Night, Observation

log = logging.getLogger(__name__)
FITS_SUFFIXES = {".fits", ".fit", ".fts"}
OB_MARGIN = dt.timedelta(minutes=10)
NIGHT_OFFSET = dt.timedelta(hours=20)  # a CHARA night's local date is the UT date 20 h earlier


def internal_root() -> Path:
    """Where the portal keeps its copies (hidden inside RAW_ROOT, never scanned as landing files)."""
    return Path(settings.RAW_ROOT) / ".issp"


def landing_files(paths: list[str | Path]) -> list[Path]:
    """FITS files under the given files/folders, skipping hidden entries and partial downloads."""
    found: list[Path] = []
    for base in map(Path, paths):
        candidates = [base] if base.is_file() else _files_under(base)
        for path in candidates:
            rel = path.relative_to(base) if path != base else Path(path.name)
            if any(part.startswith(".") for part in rel.parts) or path.suffix.lower() not in FITS_SUFFIXES:
                continue
            found.append(path)
    return found


class ImplausibleDate(ValueError):
    """A header date that parses but cannot be a CHARA observation (before first light, years ahead)."""


def _files_under(base: Path) -> list[Path]:
    """Regular files under `base`, never following a link out of it (a symlinked folder is not
    entered; a symlinked file counts only when it points inside `base`)."""
    root = base.resolve()
    out = []
    for folder, _dirs, names in os.walk(base, followlinks=False):
        for name in names:
            path = Path(folder) / name
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                log.warning("landing scan: %s points outside %s, skipped", path, base)
                continue
            if path.is_file():
                out.append(path)
    return sorted(out)


def _when(header: dict, spec) -> dt.datetime | None:
    """Start of the exposure from MJD-OBS, DATE-OBS or the instrument's start keyword.

    An unreadable value is skipped (the consolidation report names it); a readable one outside
    `domain.site.observation_mjd_range` raises ImplausibleDate, so the file is quarantined.
    """
    low, high = site.observation_mjd_range()
    for key, fmt in (("MJD-OBS", "mjd"), ("DATE-OBS", None), (spec.start_keyword, None)):
        value = header.get(key)
        if value in (None, "") or isinstance(value, bool):
            continue
        try:
            mjd = float(value) if fmt else float(Time(str(value), scale="utc").mjd)
        except (ValueError, TypeError, OverflowError):
            continue
        if not (math.isfinite(mjd) and low <= mjd <= high):
            raise ImplausibleDate(f"implausible observation date {key} = {value!r} "
                                  f"(outside {site.FIRST_LIGHT.year} to one year from now)")
        return Time(mjd, format="mjd", scale="utc").to_datetime(timezone=dt.UTC)
    return None


def _position_of(name: str) -> tuple[float, float] | None:
    return star_position(names={name, name.replace("_", " ")})


def ob_context_for(instrument: str, when: dt.datetime | None, object_name: str = ""
                   ) -> tuple[consolidation.ObContext | None, Observation | None]:
    """The OB that was executing at `when` on `instrument` (from the executed Observations)."""
    positions: dict[str, tuple[float, float]] = {}
    if object_name and (pos := _position_of(str(object_name))):
        positions[str(object_name)] = pos
    if when is None:
        return (consolidation.ObContext("", "", "", positions=positions) if positions else None), None
    candidates = observations_overlapping(instrument=instrument, start=when - OB_MARGIN, end=when + OB_MARGIN)
    obs = next((o for o in candidates[:5] if o.end is not None or o.start >= when - dt.timedelta(hours=2)), None)
    if obs is None:
        return (consolidation.ObContext("", "", "", positions=positions) if positions else None), None
    cals = list(obs.calibrators.all())
    positions[obs.target.name] = (obs.target.ra_deg, obs.target.dec_deg)
    positions.update({c.name: (c.ra_deg, c.dec_deg) for c in cals})
    source = f"Observation {obs.pk}" + (f" (OB {obs.ob_id})" if obs.ob_id else "")
    ctx = consolidation.ObContext(source=source, target=obs.target.name, program=obs.program.code, mode=obs.mode,
                                  stations=obs.stations, r0=obs.r0, tau0=obs.tau0,
                                  calibrators=tuple(c.name for c in cals), positions=positions)
    return ctx, obs


def _night_for(obs: Observation | None, when: dt.datetime | None) -> Night | None:
    if obs is not None:
        return obs.night
    if when is None:
        return None
    return night_on(date=(when - NIGHT_OFFSET).date())


def _register(**fields) -> tuple[RawFile, bool]:
    """Create the RawFile row, or return the one a concurrent worker registered first."""
    try:
        with transaction.atomic():
            return RawFile.objects.create(**fields), True
    except IntegrityError:
        return RawFile.objects.get(sha256=fields["sha256"]), False


def _quarantine(path: Path, sha: str, size: int, reason: str, run: PipelineRun | None) -> tuple[RawFile, str]:
    stored = fitsfiles.store_copy(path, internal_root() / "quarantine" / sha[:2] / f"{sha}{path.suffix}", sha)
    raw, created = _register(sha256=sha, size=size, original_name=path.name, path=str(stored),
                             status=RawFile.Status.QUARANTINED, quarantine_reason=reason, ingest_run=run)
    return raw, "quarantined" if created else "known"


def raw_file_ingest(path: Path, *, run: PipelineRun | None = None) -> tuple[RawFile, str]:
    """Ingest one landing file; returns (RawFile, outcome) with outcome new | known | quarantined."""
    path = Path(path)
    sha = fitsfiles.sha256_of(path)
    existing = RawFile.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing, "known"
    size = path.stat().st_size
    try:
        fitsfiles.check_readable(path)
        header = l0.json_safe(l0.read_primary_header(path))
        spec = get_instrument(header.get("INSTRUME"))
    except fitsfiles.UnreadableFile as exc:
        return _quarantine(path, sha, size, str(exc), run)
    except UnknownInstrument as exc:
        return _quarantine(path, sha, size, f"cannot consolidate: {exc.args[0]}", run)
    except (VerifyError, ValueError) as exc:  # unparsable card, non-ASCII bytes in the header
        return _quarantine(path, sha, size, f"unreadable primary header: {exc}", run)
    try:
        return _consolidate_and_register(path, sha, size, header, spec, run)
    except ImplausibleDate as exc:
        return _quarantine(path, sha, size, str(exc), run)
    except (OperationalError, InterfaceError):
        raise  # the database is away: nothing to say about the file, the run fails and is retried
    except DiskFull:  # nothing wrong with the file: the run fails with the reason, no copy is left
        _remove_copies(sha, path)
        raise
    except Exception as exc:  # noqa: BLE001 - one file's unforeseen fault must never stop the run
        log.exception("ingest of %s failed", path)
        _remove_copies(sha, path)
        return _quarantine(path, sha, size, f"cannot ingest: {type(exc).__name__}: {exc}", run)


def _copies(sha: str, path: Path) -> tuple[Path, Path]:
    return (internal_root() / "raw" / sha[:2] / f"{sha}{path.suffix}",
            internal_root() / "consolidated" / sha[:2] / f"{sha}.fits")


def _remove_copies(sha: str, path: Path) -> None:
    """Delete our copies of a file that is not registered (never a registered file's copies)."""
    if not RawFile.objects.filter(sha256=sha).exists():
        for copy in _copies(sha, path):
            copy.unlink(missing_ok=True)


def _consolidate_and_register(path: Path, sha: str, size: int, header: dict, spec,
                              run: PipelineRun | None) -> tuple[RawFile, str]:
    when = _when(header, spec)
    ctx, obs = ob_context_for(spec.name, when, header.get("OBJECT") or header.get(spec.target_keyword) or "")
    result = consolidation.consolidate(header, spec, ctx)
    raw_copy, cons_path = _copies(sha, path)
    stored = fitsfiles.store_copy(path, raw_copy, sha)
    try:
        if not cons_path.exists():
            fitsfiles.write_consolidated(stored, cons_path, result.header, result.history, sha)
        fields = l0.extract(result.header)
    except (VerifyError, ValueError, TypeError) as exc:  # a header astropy cannot write back: keep nothing half-made
        cons_path.unlink(missing_ok=True)
        stored.unlink(missing_ok=True)
        return _quarantine(path, sha, size, f"cannot write the consolidated copy: {exc}", run)
    with transaction.atomic():
        raw, created = _register(
            sha256=sha, size=size, original_name=path.name, path=str(stored), consolidated_path=str(cons_path),
            instrument=spec.name, night=_night_for(obs, when), observation=obs,
            status=RawFile.Status.CONSOLIDATED, consolidation_report=result.report, ingest_run=run)
        if created:
            record = L0Record.objects.create(raw_file=raw, header=l0.json_safe(result.header), **fields)
            # Served at once by the L0 feed OiDB harvests; pushed as granules too when ARCHIVE_PUSH_L0 is on.
            l0_publish(records=[record])
    return raw, "new" if created else "known"

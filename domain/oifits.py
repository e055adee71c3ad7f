"""Read OIFITS v1 and v2 files into numpy arrays: the joins and conventions every reader needs, once.

Pure (astropy + numpy, no Django). `read(path)` gives each data table (OI_VIS2, OI_T3, OI_VIS) with
its records as arrays, per-channel columns shaped (records, channels) even with one channel, and the
facts a table only names resolved here, as the standard defines them (Pauls et al. 2005; Duvert et
al. 2017, A&A 597, A8):

- INSNAME names the table's OI_WAVELENGTH (EFF_WAVE, EFF_BAND in m); a file may hold several
  (GRAVITY's SC and FT). A non-empty table whose INSNAME has none is listed in `OiFile.orphans`.
- ARRNAME names the OI_ARRAY whose STA_INDEX -> STA_NAME; v1 makes ARRNAME optional, so a table
  without one uses the file's only OI_ARRAY. An unknown index keeps its number as its name.
- TARGET_ID -> OI_TARGET TARGET.
- MJD is the time of a record. TIME is not read: v2 keeps it for v1 compatibility only and writers
  fill it differently (PIONIER writes 0).
- OI_T3: (U1COORD, V1COORD) is baseline AB and (U2COORD, V2COORD) baseline BC of the triangle whose
  stations STA_INDEX lists as (A, B, C); the closing side AC is their sum.
- FLAG true marks a bad point. `OiTable.usable` is the one rule the science readers apply: unflagged,
  value and error finite, error > 0 (a zero or negative error bar breaks every weighted fit).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

DATA_TABLES = ("OI_VIS", "OI_VIS2", "OI_T3")


class OifitsError(ValueError):
    """Not a FITS file, or a data table that contradicts its own reference tables."""


@dataclass(frozen=True)
class Wavelengths:
    insname: str
    eff_wave: np.ndarray  # m
    eff_band: np.ndarray  # m (NaN when the column is missing)


@dataclass(frozen=True)
class Target:
    target_id: int
    name: str
    ra: float  # deg (RAEP0)
    dec: float  # deg (DECEP0)
    spectyp: str  # '' when the column is missing (v1 makes it optional)


@dataclass(frozen=True, eq=False)
class OiTable:
    """One data table: per-record arrays (n,), per-channel arrays (n, channels), with its joins made."""

    extname: str  # OI_VIS2 / OI_T3 / OI_VIS
    insname: str
    arrname: str
    wave: np.ndarray  # (channels,) EFF_WAVE, m
    band: np.ndarray  # (channels,) EFF_BAND, m
    mjd: np.ndarray  # (n,)
    flag: np.ndarray  # (n, channels) FLAG as written
    sta_index: np.ndarray  # (n, 2 or 3) STA_INDEX
    target_id: np.ndarray  # (n,) TARGET_ID
    data: Any = field(repr=False)  # the table's FITS_rec (in memory), for any other column
    array: dict[int, str] = field(default_factory=dict, repr=False)  # STA_INDEX -> STA_NAME (its OI_ARRAY)
    target_names: dict[int, str] = field(default_factory=dict, repr=False)  # TARGET_ID -> TARGET

    def __len__(self) -> int:
        return int(self.mjd.size)

    @cached_property
    def stations(self) -> tuple[tuple[str, ...], ...]:
        """Station names of each record in STA_INDEX order (an index with no OI_ARRAY row keeps its number)."""
        return tuple(tuple(self.array.get(int(i), str(int(i))) for i in row) for row in self.sta_index)

    @cached_property
    def target(self) -> np.ndarray:
        """(n,) OI_TARGET name of each record ('' when its TARGET_ID is not in OI_TARGET)."""
        return np.array([self.target_names.get(int(i), "") for i in self.target_id], dtype=str)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.data.columns.names)

    def record(self, name: str) -> np.ndarray:
        """A per-record column as floats, (n,) (a copy)."""
        return np.array(self.data[name], dtype=float).reshape(len(self))

    def channels(self, name: str) -> np.ndarray:
        """A per-channel column as floats, (n, channels) (a copy)."""
        return _per_row(np.array(self.data[name], dtype=float))

    def masked(self, name: str) -> np.ndarray:
        """A per-channel column with flagged points set to NaN (the L1 convention: rows keep their place)."""
        return np.where(self.flag, np.nan, self.channels(name))

    def usable(self, value: str, error: str) -> np.ndarray:
        """(n, channels): unflagged, value and error finite, error > 0."""
        y, e = self.channels(value), self.channels(error)
        return ~self.flag & np.isfinite(y) & np.isfinite(e) & (e > 0)

    def per_point(self, values: np.ndarray) -> np.ndarray:
        """Per-record values repeated over the channels, flattened like `channels(...).ravel()`."""
        return np.repeat(np.asarray(values, dtype=float), self.wave.size)

    @property
    def wave_per_point(self) -> np.ndarray:
        return np.tile(self.wave, len(self))

    @property
    def u(self) -> np.ndarray:
        return self.record("UCOORD")

    @property
    def v(self) -> np.ndarray:
        return self.record("VCOORD")

    @property
    def uv_triangle(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(u1, v1, u2, v2) in m: baselines AB and BC of each OI_T3 record."""
        return tuple(self.record(c) for c in ("U1COORD", "V1COORD", "U2COORD", "V2COORD"))

    @property
    def baseline_length(self) -> np.ndarray:
        """(n,) m: the baseline, or for a triangle its longest side (AB, BC or AC = AB + BC)."""
        if self.extname != "OI_T3":
            return np.hypot(self.u, self.v)
        u1, v1, u2, v2 = self.uv_triangle
        return np.maximum(np.maximum(np.hypot(u1, v1), np.hypot(u2, v2)), np.hypot(u1 + u2, v1 + v2))

    @property
    def spatial_frequency(self) -> np.ndarray:
        """(n, channels) B/λ in cycles per radian (longest side for a triangle)."""
        return self.baseline_length[:, None] / self.wave[None, :]

    def labels(self, *, sort: bool = False) -> list[str]:
        """"S1-E1"-like name of each record's baseline or triangle (stations sorted when `sort`)."""
        return ["-".join(sorted(s) if sort else s) for s in self.stations]


@dataclass(frozen=True)
class OiFile:
    path: str
    header: fits.Header  # primary header
    wavelengths: dict[str, Wavelengths]
    arrays: dict[str, dict[int, str]]  # ARRNAME -> STA_INDEX -> STA_NAME
    targets: tuple[Target, ...]
    tables: tuple[OiTable, ...]  # the data tables read (with a wavelength table), in file order
    orphans: tuple[tuple[str, str], ...] = ()  # (EXTNAME, INSNAME) of non-empty tables with no wavelength table

    def _of(self, extname: str) -> tuple[OiTable, ...]:
        return tuple(t for t in self.tables if t.extname == extname)

    @property
    def vis2(self) -> tuple[OiTable, ...]:
        return self._of("OI_VIS2")

    @property
    def t3(self) -> tuple[OiTable, ...]:
        return self._of("OI_T3")

    @property
    def vis(self) -> tuple[OiTable, ...]:
        return self._of("OI_VIS")

    def orphan_error(self, extnames: tuple[str, ...] = DATA_TABLES) -> str | None:
        """The message for the first of these tables that names no wavelength table, if any."""
        for ext, ins in self.orphans:
            if ext in extnames:
                return f"{Path(self.path).name}: {ext} refers to unknown INSNAME {ins!r}"
        return None

    @property
    def calibrators(self) -> dict[int, str]:
        """k -> star of the `PRO CALk NAME` cards the portal writes in its L2 files (VIS2ERR_CALk columns)."""
        out = {}
        for key in self.header:  # keywords only: parsing every card's value is the slow part of a read
            parts = key.split()
            if len(parts) == 3 and parts[0] == "PRO" and parts[1].startswith("CAL") and parts[2] == "NAME":
                try:
                    out[int(parts[1][3:])] = str(self.header[key]).strip()
                except ValueError:
                    continue
        return out


def read(source: str | Path | fits.HDUList, tables: tuple[str, ...] = DATA_TABLES) -> OiFile:
    """The data tables named in `tables` (all by default) of a file (path or opened HDU list), joined."""
    if isinstance(source, fits.HDUList):
        return _read(source, str(source.filename() or "<memory>"), tables)
    path = Path(source)
    try:
        hdul = fits.open(path, memmap=False)
    except (OSError, ValueError) as exc:
        raise OifitsError(f"{path.name}: not a FITS file ({exc})")
    with hdul:
        return _read(hdul, str(path), tables)


def _per_row(values: np.ndarray) -> np.ndarray:
    """(rows, entries): astropy gives a one-entry column as (rows,), a k-entry one as (rows, k)."""
    return values.reshape(values.shape[0], int(np.prod(values.shape[1:])))


def _text(header, key: str) -> str:
    return str(header.get(key, "")).strip()


def _read(hdul: fits.HDUList, path: str, extnames: tuple[str, ...]) -> OiFile:
    waves: dict[str, Wavelengths] = {}
    arrays: dict[str, dict[int, str]] = {}
    targets: list[Target] = []
    for h in hdul:
        if h.name == "OI_WAVELENGTH" and h.data is not None:
            band = (h.data["EFF_BAND"] if "EFF_BAND" in h.columns.names else np.full(len(h.data), np.nan))
            waves[_text(h.header, "INSNAME")] = Wavelengths(_text(h.header, "INSNAME"),
                                                            np.asarray(h.data["EFF_WAVE"], dtype=float),
                                                            np.asarray(band, dtype=float))
        elif h.name == "OI_ARRAY" and h.data is not None:
            arrays.setdefault(_text(h.header, "ARRNAME"), {}).update(
                {int(i): str(n).strip() for i, n in zip(h.data["STA_INDEX"], h.data["STA_NAME"], strict=False)})
        elif h.name == "OI_TARGET" and h.data is not None:
            names = h.columns.names
            targets += [Target(int(r["TARGET_ID"]), str(r["TARGET"]).strip(), float(r["RAEP0"]), float(r["DECEP0"]),
                               str(r["SPECTYP"]).strip() if "SPECTYP" in names else "") for r in h.data]
    by_id = {t.target_id: t.name for t in targets}
    tables, orphans = [], []
    for h in hdul:
        if h.name not in extnames or h.data is None:
            continue
        ins = _text(h.header, "INSNAME")
        if ins not in waves:
            if len(h.data):
                orphans.append((h.name, ins))
            continue
        tables.append(_table(h, waves[ins], arrays, by_id, path))
    return OiFile(path=path, header=hdul[0].header, wavelengths=waves, arrays=arrays,
                  targets=tuple(targets), tables=tuple(tables), orphans=tuple(orphans))


def _table(h, wl: Wavelengths, arrays: dict[str, dict[int, str]], targets: dict[int, str], path: str) -> OiTable:
    data, n = h.data, len(h.data)
    names = data.columns.names
    arr = _text(h.header, "ARRNAME")
    stations = arrays.get(arr) or (next(iter(arrays.values())) if not arr and len(arrays) == 1 else {})
    index = _per_row(np.asarray(data["STA_INDEX"])) if "STA_INDEX" in names else np.zeros((n, 0), int)
    flag = _per_row(np.asarray(data["FLAG"], dtype=bool))
    if flag.shape[1] != wl.eff_wave.size:
        raise OifitsError(f"{Path(path).name}: {h.name} has {flag.shape[1]} channels but OI_WAVELENGTH "
                          f"{wl.insname!r} has {wl.eff_wave.size}")
    ids = np.asarray(data["TARGET_ID"]) if "TARGET_ID" in names else np.zeros(n, int)
    return OiTable(extname=h.name, insname=wl.insname, arrname=arr, wave=wl.eff_wave, band=wl.eff_band,
                   mjd=np.array(data["MJD"], dtype=float), flag=flag, sta_index=index, target_id=ids, data=data,
                   array=stations, target_names=targets)

"""Synthetic SPICA L1 OIFITS2 files with known answers (tests, demo, bench). No Django.

Each file carries the SPICA keywords genoca and the portal read (`PRO CATG`,
`PRO SCIENCE`, `OBS TARG NAME`, `TPL START`, `INS RESOL`, `INS CENTRAL WL`,
`DET DIT`, `DET GAIN`, `INS STS ST`, `JSDC DIAMETER` for calibrators) and the
tables OI_TARGET, OI_ARRAY, OI_WAVELENGTH, OI_VIS2, OI_VIS, OI_T3, OI_FLUX.
Visibilities are those of uniform disks (optionally a binary) multiplied by a
known transfer function, plus gaussian noise.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.time import Time

from pipelines.calibration.transfer import MAS, ud_t3, ud_vis2

STATIONS = ("S1", "S2", "E1", "E2", "W1", "W2")
# Approximate CHARA station positions (east, north) in metres.
STATION_EN = {"S1": (0.0, 0.0), "S2": (-5.75, 33.58), "E1": (125.33, 305.93), "E2": (70.39, 269.71),
              "W1": (-175.07, 216.32), "W2": (-69.08, 199.33)}
LATITUDE = np.deg2rad(34.2244)


@dataclass(frozen=True)
class Geometry:
    stations: tuple[str, ...] = STATIONS
    wave: np.ndarray = field(default_factory=lambda: np.linspace(0.60249e-6, 0.89749e-6, 60))
    band: float = 5.0e-9

    @property
    def baselines(self) -> list[tuple[int, int]]:
        return list(itertools.combinations(range(len(self.stations)), 2))

    @property
    def triangles(self) -> list[tuple[int, int, int]]:
        return list(itertools.combinations(range(len(self.stations)), 3))


def uv_coords(geom: Geometry, pairs: list[tuple[int, int]], ha_h: float, dec_deg: float) -> tuple[np.ndarray, ...]:
    """(u, v) in metres of station pairs at hour angle ha_h for a star at dec_deg."""
    h, d = np.deg2rad(15.0 * ha_h), np.deg2rad(dec_deg)
    out_u, out_v = [], []
    for i, j in pairs:
        e = STATION_EN[geom.stations[j]][0] - STATION_EN[geom.stations[i]][0]
        n = STATION_EN[geom.stations[j]][1] - STATION_EN[geom.stations[i]][1]
        x, y, z = -np.sin(LATITUDE) * n, e, np.cos(LATITUDE) * n
        out_u.append(np.sin(h) * x + np.cos(h) * y)
        out_v.append(-np.sin(d) * np.cos(h) * x + np.sin(d) * np.sin(h) * y + np.cos(d) * z)
    return np.array(out_u), np.array(out_v)


def binary_vis(u, v, wave, diam1, diam2, flux_ratio, sep_mas, pa_deg):
    """Complex visibility of two uniform disks (u, v per row; wave per channel)."""
    from pipelines.calibration.transfer import ud_visibility

    fu, fv = np.asarray(u)[:, None] / wave[None, :], np.asarray(v)[:, None] / wave[None, :]
    f = np.hypot(fu, fv)
    pa = np.deg2rad(pa_deg)
    dx, dy = sep_mas * MAS * np.sin(pa), sep_mas * MAS * np.cos(pa)
    v1, v2 = ud_visibility(f, diam1), ud_visibility(f, diam2) * flux_ratio
    return (v1 + v2 * np.exp(-2j * np.pi * (fu * dx + fv * dy))) / (1.0 + flux_ratio)


@dataclass
class Star:
    name: str
    diameter: float
    science: bool
    ra: float = 250.0
    dec: float = 20.0
    diameter_err: float = 0.0
    header_diameter: bool = True  # write JSDC DIAMETER for calibrators
    binary: tuple[float, float, float] | None = None  # (flux ratio, separation mas, PA deg)


def default_tf(t_mjd: float, wave: np.ndarray, nbl: int, t0: float) -> np.ndarray:
    """A smoothly drifting TF²: 0.75 → 0.6 over 8 h, chromatic and per-baseline."""
    hours = (t_mjd - t0) * 24.0
    base = 0.75 - 0.15 * hours / 8.0
    chrom = 1.0 - 0.15 * (wave - wave.mean()) / (wave.max() - wave.min())
    bl = 1.0 - 0.02 * np.arange(nbl)
    return base * bl[:, None] * chrom[None, :]


def observe(star: Star, mjd: float, ha_h: float, geom: Geometry, rng: np.random.Generator,
            tf_fn: Callable[[float], np.ndarray], noise: float = 0.02, t3_noise_deg: float = 0.5,
            t3_instr_deg: float = 2.0) -> dict:
    """True and measured quantities of one visit."""
    u, v = uv_coords(geom, geom.baselines, ha_h, star.dec)
    wave = geom.wave
    f = np.hypot(u, v)[:, None] / wave[None, :]
    if star.binary:
        vis = binary_vis(u, v, wave, star.diameter, star.diameter * 0.5, *star.binary)
        true_v2 = np.abs(vis) ** 2
    else:
        true_v2 = ud_vis2(f, star.diameter)
    tf2 = tf_fn(mjd)
    err = noise * np.maximum(true_v2 * tf2, 0.02)
    meas = true_v2 * tf2 + rng.normal(0, 1, true_v2.shape) * err
    tri = geom.triangles
    u1, v1 = uv_coords(geom, [(a, b) for a, b, _ in tri], ha_h, star.dec)
    u2, v2 = uv_coords(geom, [(b, c) for _, b, c in tri], ha_h, star.dec)
    if star.binary:
        c1 = binary_vis(u1, v1, wave, star.diameter, star.diameter * 0.5, *star.binary)
        c2 = binary_vis(u2, v2, wave, star.diameter, star.diameter * 0.5, *star.binary)
        c3 = binary_vis(-(u1 + u2), -(v1 + v2), wave, star.diameter, star.diameter * 0.5, *star.binary)
        bis = c1 * c2 * c3
        t3amp_true, t3phi_true = np.abs(bis), np.rad2deg(np.angle(bis))
    else:
        t3amp_true, t3phi_true = ud_t3(u1, v1, u2, v2, wave, star.diameter)
    instr = t3_instr_deg * np.sin(np.linspace(0, np.pi, len(tri)))[:, None] * np.ones_like(wave)[None, :]
    t3phi = ((t3phi_true + instr + rng.normal(0, t3_noise_deg, t3phi_true.shape)) + 180) % 360 - 180
    return dict(u=u, v=v, u1=u1, v1=v1, u2=u2, v2=v2, true_v2=true_v2, vis2=meas, vis2_err=err, tf2=tf2,
                t3phi=t3phi, t3phi_err=np.full_like(t3phi, t3_noise_deg), t3amp=t3amp_true,
                t3amp_err=np.full_like(t3phi, 0.05), true_t3phi=t3phi_true)


def write_l1(path: Path, star: Star, mjd: float, data: dict, geom: Geometry, *, mode: str = "MR720",
             central_wl: float = 720.0, program: str = "ISSP", insname: str | None = None) -> Path:
    """Write one SPICA-keyworded L1 OIFITS2 file."""
    t = Time(mjd, format="mjd")
    iso = t.isot.split(".")[0]
    insname = insname or f"SPICA_{mode}"
    nbl, nch = data["vis2"].shape
    hdr = fits.Header()
    for key, val in [
        ("ORIGIN", "CHARA"), ("DATE", iso), ("DATE-OBS", iso), ("MJD-OBS", mjd), ("CONTENT", "OIFITS2"),
        ("TELESCOP", "CHARA"), ("INSTRUME", "SPICA"), ("OBSERVER", "ISSP"), ("OBJECT", star.name),
        ("INSMODE", mode), ("REFERENC", "synthetic"), ("PROG_ID", program), ("PROCSOFT", "spica-drs synthetic"),
        ("OBSTECH", "SCANNING"), ("RA", star.ra), ("DEC", star.dec), ("SCOPES", "-".join(geom.stations)),
    ]:
        hdr[key] = val
    cards = {"PRO CATG": "TARGET_RAW_INT" if star.science else "CALIB_RAW_INT", "PRO SCIENCE": star.science,
             "OBS TARG NAME": star.name, "TPL START": iso, "INS STS ST": False, "INS RESOL": mode,
             "INS CENTRAL WL": central_wl, "DET DIT": 0.02, "DET GAIN": 1.0}
    if not star.science and star.header_diameter:
        cards["JSDC DIAMETER"] = star.diameter
        cards["JSDC DIAMETER ERROR"] = star.diameter_err
    for key, val in cards.items():
        hdr[f"HIERARCH {key}"] = val
    prim = fits.PrimaryHDU(header=hdr)
    tables = [prim, _target(star), _array(geom), _wavelength(geom, insname)]
    common = dict(iso=iso, insname=insname)
    sta = np.array(geom.baselines) + 1
    tables.append(_table("OI_VIS2", [
        ("TARGET_ID", "I", None, np.ones(nbl)), ("TIME", "D", "s", np.zeros(nbl)),
        ("MJD", "D", "d", np.full(nbl, mjd)), ("INT_TIME", "D", "s", np.full(nbl, 60.0)),
        ("VIS2DATA", f"{nch}D", None, data["vis2"]), ("VIS2ERR", f"{nch}D", None, data["vis2_err"]),
        ("UCOORD", "D", "m", data["u"]), ("VCOORD", "D", "m", data["v"]), ("STA_INDEX", "2I", None, sta),
        ("FLAG", f"{nch}L", None, np.zeros((nbl, nch), bool)),
    ], **common))
    amp = np.sqrt(np.clip(data["vis2"], 0, None))
    tables.append(_table("OI_VIS", [
        ("TARGET_ID", "I", None, np.ones(nbl)), ("TIME", "D", "s", np.zeros(nbl)),
        ("MJD", "D", "d", np.full(nbl, mjd)), ("INT_TIME", "D", "s", np.full(nbl, 60.0)),
        ("VISAMP", f"{nch}D", None, amp), ("VISAMPERR", f"{nch}D", None, np.full_like(amp, 0.02)),
        ("VISPHI", f"{nch}D", "deg", np.zeros_like(amp)), ("VISPHIERR", f"{nch}D", "deg", np.ones_like(amp)),
        ("UCOORD", "D", "m", data["u"]), ("VCOORD", "D", "m", data["v"]), ("STA_INDEX", "2I", None, sta),
        ("FLAG", f"{nch}L", None, np.zeros((nbl, nch), bool)),
    ], **common))
    ntri = data["t3phi"].shape[0]
    tables.append(_table("OI_T3", [
        ("TARGET_ID", "I", None, np.ones(ntri)), ("TIME", "D", "s", np.zeros(ntri)),
        ("MJD", "D", "d", np.full(ntri, mjd)), ("INT_TIME", "D", "s", np.full(ntri, 60.0)),
        ("T3AMP", f"{nch}D", None, data["t3amp"]), ("T3AMPERR", f"{nch}D", None, data["t3amp_err"]),
        ("T3PHI", f"{nch}D", "deg", data["t3phi"]), ("T3PHIERR", f"{nch}D", "deg", data["t3phi_err"]),
        ("U1COORD", "D", "m", data["u1"]), ("V1COORD", "D", "m", data["v1"]),
        ("U2COORD", "D", "m", data["u2"]), ("V2COORD", "D", "m", data["v2"]),
        ("STA_INDEX", "3I", None, np.array(geom.triangles) + 1),
        ("FLAG", f"{nch}L", None, np.zeros((ntri, nch), bool)),
    ], **common))
    ntel = len(geom.stations)
    flux = _table("OI_FLUX", [
        ("TARGET_ID", "I", None, np.ones(ntel)), ("MJD", "D", "d", np.full(ntel, mjd)),
        ("INT_TIME", "D", "s", np.full(ntel, 60.0)), ("FLUXDATA", f"{nch}D", None, np.ones((ntel, nch))),
        ("FLUXERR", f"{nch}D", None, np.full((ntel, nch), 0.01)),
        ("STA_INDEX", "I", None, np.arange(1, ntel + 1)), ("FLAG", f"{nch}L", None, np.zeros((ntel, nch), bool)),
    ], **common)
    flux.header["CALSTAT"] = "U"
    tables.append(flux)
    path = Path(path)
    fits.HDUList(tables).writeto(path, overwrite=True)
    return path


def _table(name: str, cols: list, *, iso: str, insname: str) -> fits.BinTableHDU:
    hdu = fits.BinTableHDU.from_columns([fits.Column(name=n, format=f, unit=u, array=a) for n, f, u, a in cols])
    hdu.header["EXTNAME"] = name
    hdu.header["OI_REVN"] = 2
    hdu.header["DATE-OBS"] = iso
    hdu.header["ARRNAME"] = "CHARA"
    hdu.header["INSNAME"] = insname
    return hdu


def _target(star: Star) -> fits.BinTableHDU:
    cols = [("TARGET_ID", "I", None, [1]), ("TARGET", "16A", None, [star.name]),
            ("RAEP0", "D", "deg", [star.ra]), ("DECEP0", "D", "deg", [star.dec]), ("EQUINOX", "E", "yr", [2000.0]),
            ("RA_ERR", "D", "deg", [0.0]), ("DEC_ERR", "D", "deg", [0.0]), ("SYSVEL", "D", "m/s", [0.0]),
            ("VELTYP", "8A", None, ["LSR"]), ("VELDEF", "8A", None, ["OPTICAL"]), ("PMRA", "D", "deg/yr", [0.0]),
            ("PMDEC", "D", "deg/yr", [0.0]), ("PMRA_ERR", "D", "deg/yr", [0.0]), ("PMDEC_ERR", "D", "deg/yr", [0.0]),
            ("PARALLAX", "E", "deg", [0.0]), ("PARA_ERR", "E", "deg", [0.0]), ("SPECTYP", "16A", None, ["K0III"]),
            ("CATEGORY", "3A", None, ["SCI" if star.science else "CAL"])]
    hdu = fits.BinTableHDU.from_columns([fits.Column(name=n, format=f, unit=u, array=a) for n, f, u, a in cols])
    hdu.header["EXTNAME"] = "OI_TARGET"
    hdu.header["OI_REVN"] = 2
    return hdu


def _array(geom: Geometry) -> fits.BinTableHDU:
    n = len(geom.stations)
    xyz = np.array([[STATION_EN[s][0], STATION_EN[s][1], 0.0] for s in geom.stations])
    hdu = fits.BinTableHDU.from_columns([
        fits.Column(name="TEL_NAME", format="16A", array=list(geom.stations)),
        fits.Column(name="STA_NAME", format="16A", array=list(geom.stations)),
        fits.Column(name="STA_INDEX", format="I", array=np.arange(1, n + 1)),
        fits.Column(name="DIAMETER", format="E", unit="m", array=np.ones(n)),
        fits.Column(name="STAXYZ", format="3D", unit="m", array=xyz),
        fits.Column(name="FOV", format="D", unit="arcsec", array=np.ones(n)),
        fits.Column(name="FOVTYPE", format="6A", array=["FWHM"] * n),
    ])
    h = hdu.header
    h["EXTNAME"], h["OI_REVN"], h["ARRNAME"], h["FRAME"] = "OI_ARRAY", 2, "CHARA", "GEOCENTRIC"
    h["ARRAYX"], h["ARRAYY"], h["ARRAYZ"] = -2476998.0, -4647390.0, 3582029.0
    return hdu


def _wavelength(geom: Geometry, insname: str) -> fits.BinTableHDU:
    hdu = fits.BinTableHDU.from_columns([
        fits.Column(name="EFF_WAVE", format="E", unit="m", array=geom.wave),
        fits.Column(name="EFF_BAND", format="E", unit="m", array=np.full(geom.wave.size, geom.band)),
    ])
    hdu.header["EXTNAME"], hdu.header["OI_REVN"], hdu.header["INSNAME"] = "OI_WAVELENGTH", 2, insname
    return hdu


@dataclass
class Night:
    """What a simulated night contains: file paths and the truth of every visit."""

    files: list[Path]
    truth: dict[str, dict]  # file name -> {star, science, true_v2, tf2, mjd, ...}
    stars: dict[str, Star]


def simulate_night(outdir: Path, *, n_files: int = 20, science: list[Star] | None = None,
                   calibrators: list[Star] | None = None, mjd0: float = 60076.15, span_h: float = 8.0,
                   noise: float = 0.02, seed: int = 1, geom: Geometry | None = None,
                   tf: Callable[[float, np.ndarray, int, float], np.ndarray] = default_tf) -> Night:
    """A night alternating CAL-SCI-CAL-SCI... over span_h hours."""
    geom = geom or Geometry()
    science = science or [Star("HD_100001", 0.60, True, ra=250.0, dec=22.0)]
    calibrators = calibrators or [Star("HD_200001", 0.25, False, ra=248.0, dec=18.0, diameter_err=0.01),
                                  Star("HD_200002", 0.30, False, ra=252.0, dec=25.0, diameter_err=0.012),
                                  Star("HD_200003", 0.20, False, ra=247.0, dec=21.0, diameter_err=0.01)]
    rng = np.random.default_rng(seed)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    files, truth = [], {}
    nbl = len(geom.baselines)
    for k in range(n_files):
        mjd = mjd0 + span_h / 24.0 * k / max(1, n_files - 1)
        star = calibrators[(k // 2) % len(calibrators)] if k % 2 == 0 else science[(k // 2) % len(science)]
        ha = -3.0 + 6.0 * k / max(1, n_files - 1)
        data = observe(star, mjd, ha, geom, rng, lambda t: tf(t, geom.wave, nbl, mjd0), noise=noise)
        path = write_l1(outdir / f"SPICA_{k:04d}_{star.name}.fits", star, mjd, data, geom)
        files.append(path)
        truth[path.name] = dict(star=star.name, science=star.science, mjd=mjd, **data)
    return Night(files, truth, {s.name: s for s in [*science, *calibrators]})

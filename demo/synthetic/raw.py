"""Realistic synthetic raw files and nights, for tests, the bench and the demo.

No Django import. A synthetic raw file is a FITS file whose primary header
carries the instrument's keywords (domain.instruments) and whose data are
per-frame squared-visibility estimators (frames x baselines x channels) of a
uniform disk seen through a transfer function, with noise; two binary tables
give the baselines (stations, u, v in m) and the spectral channels. The L1
stand-in (demo.standin_cli) reduces exactly this format.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.time import Time

from domain import site
from domain.instruments import CALIBRATION, SCIENCE, get_instrument
from issp_portal.visibility import ud_vis2
from pipelines.performance.noise_model import NoiseLaw

# CHARA station positions (east, north) in metres, relative to S1 (domain.site).
STATIONS = {name: (east, north) for name, (east, north, _up) in site.STATIONS.items()}
MODE_OF = {"SPICA": "MR720", "MIRC-X": "Low_H", "MYSTIC": "Low_K"}


@dataclass
class RawSpec:
    """Everything that defines one synthetic raw file."""

    instrument: str
    object: str
    ra_deg: float
    dec_deg: float
    start: dt.datetime
    role: str = SCIENCE
    program: str = "issp"
    mode: str = ""
    stations: str = "S1-S2-E1-E2-W1-W2"
    diameter_mas: float = 1.0
    r0_cm: float = 10.0
    tau0_ms: float = 5.0
    n_frames: int = 8
    n_channels: int = 12
    exptime_s: float = 300.0
    seed: int = 0
    drop: tuple[str, ...] = ()
    overrides: dict = field(default_factory=dict)
    mag: float | None = None  # magnitude in the science band: noise follows SYNTHETIC_NOISE_LAW; None = 2 %


# Noise of synthetic raw files when their star's magnitude is known (photon + read noise + coherence loss),
# so the performance pages measure a law like a real instrument's. Per-frame noise is scaled so the
# whole exposure (EXPTIME / DET DIT frames) reaches the law's SNR.
SYNTHETIC_NOISE_LAW = NoiseLaw(zp=13.6, sigma_read=6.0, beta=12.0)
SYNTHETIC_DIT_S = 0.005


def uniform_disk_v2(baseline_m: np.ndarray, wavelength_m: np.ndarray, diameter_mas: float) -> np.ndarray:
    """V^2 of a uniform disk: (2 J1(x) / x)^2 with x = pi theta B / lambda."""
    return ud_vis2(np.outer(baseline_m, 1 / wavelength_m), diameter_mas)


def header_for(spec: RawSpec) -> fits.Header:
    """The primary header of a raw file (keywords in `spec.drop` left out)."""
    inst = get_instrument(spec.instrument)
    t = Time(spec.start)
    iso = t.isot[:19]
    mode = spec.mode or MODE_OF[inst.name]
    cards: list[tuple[str, object, str]] = [
        ("INSTRUME", inst.name, "beam combiner"),
        ("OBJECT", spec.object, "observed star"),
        ("RA", round(spec.ra_deg, 6), "[deg] ICRS"),
        ("DEC", round(spec.dec_deg, 6), "[deg] ICRS"),
        ("MJD-OBS", round(float(t.mjd), 8), "[d] start of exposure"),
        ("DATE-OBS", t.isot[:23], "UTC start of exposure"),
        ("EXPTIME", spec.exptime_s, "[s]"),
        ("PROG_ID", spec.program, "program code"),
        ("SCOPES", spec.stations, "stations"),
        ("R0", spec.r0_cm, "[cm] Fried parameter"),
        ("T0", spec.tau0_ms, "[ms] coherence time"),
    ]
    if inst.name == "SPICA":
        cards += [
            ("HIERARCH OBS TARG NAME", spec.object, ""),
            ("HIERARCH TPL START", iso, ""),
            ("HIERARCH INS RESOL", mode, ""),
            ("HIERARCH INS CENTRAL WL", 720.0, "[nm]"),
            ("HIERARCH DET DIT", SYNTHETIC_DIT_S, "[s]"),
            ("HIERARCH DET GAIN", 100.0, ""),
            ("HIERARCH PRO SCIENCE", spec.role == SCIENCE, "science (T) or calibrator (F)"),
        ]
    else:
        cards += [
            ("OBJTYPE", inst.role_value(spec.role), "TARGET or REFERENCE"),
            ("HIERARCH MIRC SEQ START TIME", iso, ""),
            ("CONF_NA", mode, "configuration"),
            ("WAVELEN", 2.2 if inst.name == "MYSTIC" else 1.65, "[um]"),
            ("EXPOSURE", 10.0, "[ms]"),
        ]
    header = fits.Header()
    dropped = {d.upper() for d in spec.drop}
    for key, value, comment in cards:
        short = key.removeprefix("HIERARCH ")
        if short.upper() in dropped:
            continue
        value = spec.overrides.get(short, value)
        header[key] = (value, comment)
    header["ORIGIN"] = ("ISSP synthetic", "not real data: demo.synthetic.raw")
    return header


def raw_hdulist(spec: RawSpec) -> fits.HDUList:
    """The whole raw file: header, V^2 frames, baselines and channels."""
    inst = get_instrument(spec.instrument)
    rng = np.random.default_rng(spec.seed)
    stations = spec.stations.split("-")
    pairs = list(combinations(stations, 2))
    lo, hi = inst.wavelength_range_m
    wl = np.linspace(lo, hi, spec.n_channels)
    ha = (spec.start.hour + spec.start.minute / 60) / 24 * 2 * np.pi
    u, v = [], []
    for a, b in pairs:
        de, dn = np.subtract(STATIONS[b], STATIONS[a])
        u.append(de * np.cos(ha) - dn * np.sin(ha) * 0.3)
        v.append(dn * np.cos(ha) + de * np.sin(ha) * 0.3)
    u, v = np.array(u), np.array(v)
    v2 = uniform_disk_v2(np.hypot(u, v), wl, spec.diameter_mas)
    tf = 0.55 + 0.3 * np.exp(-(spec.r0_cm / 10.0 - 1) ** 2)
    frames = v2[None] * tf * (1 + _frame_noise(spec, v2 * tf) * rng.standard_normal((spec.n_frames, *v2.shape)))
    primary = fits.PrimaryHDU(frames.astype(np.float32), header=header_for(spec))
    geo = fits.BinTableHDU.from_columns([
        fits.Column("STA1", "2A", array=[a for a, _ in pairs]),
        fits.Column("STA2", "2A", array=[b for _, b in pairs]),
        fits.Column("UCOORD", "D", unit="m", array=u),
        fits.Column("VCOORD", "D", unit="m", array=v),
    ], name="ISSP_BASELINES")
    wave = fits.BinTableHDU.from_columns([
        fits.Column("EFF_WAVE", "E", unit="m", array=wl),
        fits.Column("EFF_BAND", "E", unit="m", array=np.full_like(wl, (hi - lo) / spec.n_channels)),
    ], name="ISSP_CHANNELS")
    return fits.HDUList([primary, geo, wave])


def _frame_noise(spec: RawSpec, v2_measured: np.ndarray) -> np.ndarray | float:
    """Relative noise of one stored frame: 2 % without a magnitude, else from SYNTHETIC_NOISE_LAW."""
    if spec.mag is None:
        return 0.02
    n_exposure = spec.exptime_s / SYNTHETIC_DIT_S
    snr = SYNTHETIC_NOISE_LAW.snr(spec.mag, SYNTHETIC_DIT_S, spec.tau0_ms / 1000, n_exposure,
                                  np.clip(v2_measured, 1e-4, 1))
    return np.clip(np.sqrt(spec.n_frames) / snr, 1e-4, 1.0)


def write_raw(path: Path, spec: RawSpec) -> Path:
    """Write one synthetic raw file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw_hdulist(spec).writeto(path, overwrite=True, output_verify="silentfix")
    return path


def raw_filename(spec: RawSpec, index: int) -> str:
    stamp = spec.start.strftime("%Y%m%dT%H%M%S")
    return f"{get_instrument(spec.instrument).name.replace('-', '')}_{stamp}_{index:04d}.fits"


def truncate(path: Path, keep_fraction: float = 0.6) -> Path:
    """Cut a file short, as an interrupted transfer does."""
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: int(len(data) * keep_fraction)])
    return Path(path)


@dataclass
class VisitPlan:
    """One OB's science target and calibrator, observed CAL-SCI-CAL from `start`."""

    instrument: str
    program: str
    target: tuple[str, float, float, float]  # name, ra, dec, diameter (mas)
    calibrator: tuple[str, float, float, float]
    start: dt.datetime
    mode: str = ""
    stations: str = "S1-S2-E1-E2-W1-W2"
    magnitudes: tuple[float | None, float | None] = (None, None)  # target, calibrator (science band)


def night_specs(visits: list[VisitPlan], *, files_per_visit: int = 1, seed: int = 1) -> list[RawSpec]:
    """File specs for a night: for each visit CAL, SCI, CAL, files 6 minutes apart."""
    specs = []
    rng = np.random.default_rng(seed)
    for k, visit in enumerate(visits):
        t = visit.start
        mag_sci, mag_cal = visit.magnitudes
        for role, (name, ra, dec, diam), mag in [(CALIBRATION, visit.calibrator, mag_cal),
                                                 (SCIENCE, visit.target, mag_sci),
                                                 (CALIBRATION, visit.calibrator, mag_cal)]:
            for _ in range(files_per_visit):
                specs.append(RawSpec(
                    instrument=visit.instrument, object=name, ra_deg=ra, dec_deg=dec, start=t, role=role,
                    program=visit.program, mode=visit.mode, stations=visit.stations, diameter_mas=diam,
                    r0_cm=round(float(rng.uniform(7, 13)), 1), tau0_ms=round(float(rng.uniform(3, 8)), 1),
                    seed=seed * 1000 + len(specs) + k, mag=mag,
                ))
                t += dt.timedelta(minutes=6)
    return specs


def write_night(folder: Path, specs: list[RawSpec]) -> list[Path]:
    """Write every spec of a night into `folder`; returns the paths in order."""
    return [write_raw(Path(folder) / raw_filename(s, i), s) for i, s in enumerate(specs)]

"""Simulated survey nights: plan visits, write L1 files, calibrate them with the portal's engine, write L2.

A night alternates calibrators and science stars (CAL–SCI–CAL–SCI–…, the survey's sequence). The
calibrator pool is drawn once: a star's catalogue diameter is off by a draw within its quoted error
(6 %), and the same star keeps the same catalogue error on every night it is used.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.sim import geometry as geo
from tests.sim.observe import Instrument, Star, Visit, observe
from tests.sim.oifits import write_l1

NIGHT0 = 60100.17  # 04:05 UT = 21:05 local (PDT) on the first night


def science_stars(rng: np.random.Generator, diameters, *, ld_u: float = 0.0, mjd: float = NIGHT0,
                  cadence_min: float = 22.0) -> list[Star]:
    """Science stars that transit around the time they are observed on the first night."""
    out = []
    for j, theta in enumerate(diameters):
        t = mjd + (2 * j + 1) * cadence_min / 1440.0
        ra = float((geo.gmst_deg(t) + geo.LON_DEG - rng.uniform(-20, 20)) % 360.0)
        out.append(Star(f"HD_{100001 + j}", ra, float(rng.uniform(5, 55)), float(theta), True, ld_u=ld_u))
    return out


def calibrator_pool(rng: np.random.Generator, n: int, *, rel_err: float = 0.06, near: list[Star],
                    offset_sigma: float | None = None) -> list[Star]:
    """Calibrators of 0.15–0.25 mas; catalogue = truth × (1 + rel_err · N(0,1)) unless offset_sigma is given."""
    out = []
    for k in range(n):
        ref = near[k % len(near)]
        theta = float(rng.uniform(0.15, 0.25))
        z = float(rng.normal()) if offset_sigma is None else offset_sigma * (1 if k % 2 == 0 else -1)
        cat = theta * (1.0 + rel_err * z)
        out.append(Star(f"HD_{200001 + k}", (ref.ra + rng.uniform(-5, 5)) % 360.0,
                        float(np.clip(ref.dec + rng.uniform(-5, 5), -20, 80)), theta, False, cat, rel_err * cat))
    return out


@dataclass
class NightResult:
    visits: list[Visit]
    l1: list[Path]
    l2: dict[str, Path] = field(default_factory=dict)  # science name -> L2 file
    result: object = None


def plan(science: list[Star], cals: list[Star], night: int, *, cadence_min: float = 22.0) -> list[tuple[Star, float]]:
    """CAL sci CAL sci CAL …: calibrators taken in turn from `cals`, one between every two science visits."""
    mjd = NIGHT0 + night
    seq: list[Star] = []
    for j, sci in enumerate(science):
        seq += [cals[j % len(cals)], sci]
    seq.append(cals[len(science) % len(cals)])
    return [(s, mjd + i * cadence_min / 1440.0) for i, s in enumerate(seq)]


def observe_night(schedule: list[tuple[Star, float]], inst: Instrument, folder: Path, *, nrec: int = 1,
                  header_diameter: bool = True) -> NightResult:
    folder.mkdir(parents=True, exist_ok=True)
    visits, paths = [], []
    for i, (star, mjd) in enumerate(schedule):
        vis = observe(star, mjd, inst, nrec=nrec)
        visits.append(vis)
        paths.append(write_l1(vis, folder / f"{i:02d}_{star.name}.fits", header_diameter=header_diameter))
    return NightResult(visits, paths)


def calibrate_l1(files: list, params: dict | None = None, flagged: dict | None = None):
    """The portal's calibration engine on one setup's L1File objects (diameters from the headers)."""
    from pipelines.calibration.engine import CalParams, Diameter, calibrate_setup
    from pipelines.calibration.grouping import group_by_setup

    (key, setup), = group_by_setup(files).items()
    diameters = {}
    for f in setup:
        if f.role == "CALIBRATION":
            d, e = f.header_diameter
            diameters[f.target] = Diameter(d, e or 0.0, "header") if d else None
    return calibrate_setup(setup, diameters, flagged or {}, CalParams.from_dict(params))


def calibrate(night: NightResult, out: Path, params: dict | None = None, flagged: dict | None = None) -> NightResult:
    """Read the night's L1 files, calibrate them, write the L2 files to `out`."""
    from pipelines.calibration.engine import SOFTWARE
    from pipelines.calibration.oifits_io import read_l1, write_l2

    out.mkdir(parents=True, exist_ok=True)
    res = calibrate_l1([read_l1(p) for p in night.l1], params, flagged)
    for sr in res.science:
        night.l2[sr.l1.target] = write_l2(sr.l1.path, out / f"{sr.l1.path.stem}_L2.fits", sr.content, SOFTWARE)
    night.result = res
    return night


def night_in_memory(schedule: list[tuple[Star, float]], inst: Instrument, params: dict | None = None, *,
                    nrec: int = 1, flagged: dict | None = None):
    """Observe and calibrate a night without files: (visits, SetupResult)."""
    from tests.sim.memory import l1file

    visits = [observe(star, mjd, inst, nrec=nrec) for star, mjd in schedule]
    files = [l1file(v, f"{i:02d}_{v.star.name}.fits") for i, v in enumerate(visits)]
    return visits, calibrate_l1(files, params, flagged)


def instrument_for(night: int, rng: np.random.Generator, **kw) -> Instrument:
    """A night's TF: smooth drift of a few per cent with random slope and curvature."""
    drift = kw.pop("drift", (float(rng.uniform(-0.08, 0.08)), float(rng.uniform(-0.04, 0.04))))
    schedule_mid = NIGHT0 + night + 5 * 22.0 / 1440.0
    return Instrument(drift=drift, t_mid=schedule_mid, seed=int(rng.integers(2**31)), **kw)


SIZES = (0.3, 0.6, 1.0, 1.8, 3.0)


def survey_pulls(*, model: str = "ud", realisations: int = 20, nights: int = 8, pool: int = 4, seed: int = 100,
                 ld_u: float = 0.6, sizes=SIZES, jitter: float = 0.0) -> dict[float, dict[str, list[float]]]:
    """(θ_fit − θ_true)/σ_θ per science-star size over independent survey realisations.

    Each realisation: `nights` nights of CAL–SCI–CAL with two calibrators drawn from a pool of
    `pool` (catalogue diameters off by a draw within their 6 % error, shared across nights), a
    smoothly drifting TF, 2 % noise. "split" is the portal's fit (statistical errors + one nuisance
    per calibrator); "total" fits VIS2ERR as independent errors (what the survey did before).
    """
    from pipelines.analysis import fitting
    from tests.sim.memory import oidata

    out = {s: {"split": [], "total": []} for s in sizes}
    for r in range(realisations):
        rng = np.random.default_rng(seed + r)
        sci = science_stars(rng, sizes, ld_u=ld_u if model == "ld" else 0.0)
        cals = calibrator_pool(rng, pool, near=sci)
        results: dict[str, list] = {s.name: [] for s in sci}
        for n in range(nights):
            pair = [cals[i] for i in rng.choice(pool, 2, replace=False)]
            inst = instrument_for(n, rng, jitter=jitter)
            _, res = night_in_memory(plan(sci, pair, n), inst, {"detect_suspects": False})
            for sr in res.science:
                results[sr.l1.target].append(sr)
        for s in sci:
            data = oidata(results[s.name])
            v2 = data.v2
            kw = {"model": "ld", "law": "linear", "coeff": ld_u} if model == "ld" else {"model": "ud"}
            fit = fitting.fit_disk(v2.spatial_frequency, v2.vis2, v2.err_stat, cal_terms=v2.cal_terms,
                                   visit_rel=v2.visit_rel, record=v2.record, **kw)
            naive = fitting.fit_disk(v2.spatial_frequency, v2.vis2, v2.vis2_err, **kw)
            out[s.theta]["split"].append((fit.theta - s.theta) / fit.err_formal)
            out[s.theta]["total"].append((naive.theta - s.theta) / naive.err_formal)
    return out


def calibrator_screen_night(seed: int, kind: str = "survey", companion=None):
    """One two-calibrator night for the calibrator companion screen: "survey" (0.15–0.25 mas, 2 % noise) or
    "null" (0.25–0.46 mas calibrators near their first null, 0.5 % noise); `companion` = (flux ratio,
    separation mas, PA deg) on the first calibrator. Returns (calibrators, checks by name, result)."""
    rng = np.random.default_rng(seed)
    sci = science_stars(rng, SIZES)
    cals = calibrator_pool(rng, 2, near=sci)
    noise = 0.02
    if kind == "null":
        noise = 0.005
        for c in cals:
            c.theta, c.catalog_err = float(rng.uniform(0.25, 0.46)), 0.015
            c.catalog = c.theta + c.catalog_err * float(rng.normal())
    cals[0].companion = companion
    _, res = night_in_memory(plan(sci, cals, 0), instrument_for(0, rng, noise_rel=noise),
                             {"detect_suspects": True, "companion_screen": True})
    return cals, {c["name"]: c for c in res.checks}, res

"""Calibrate one (night, setup): L1 arrays in, L2 arrays + report out. Pure (no Django).

The service layer loads files and calibrator diameters, this module does the maths
with transfer.py and returns everything the L2 files, the run report and the TF
diagnostic plot need.
"""
from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from domain.instruments import CALIBRATION, SCIENCE
from pipelines.calibration import companion_check as cc
from pipelines.calibration import transfer as tfm
from pipelines.calibration import verdicts as vd
from pipelines.calibration.oifits_io import L1File, L2Content
from pipelines.calibration.records import align, split_records

SOFTWARE = "issp-portal-calibration 1.0"


@dataclass(frozen=True)
class CalParams:
    """Operator-visible parameters; stored on every product version (idempotency key)."""

    scheme: str = "local"
    time_scale_h: float = 2.0
    sky_scale_deg: float | None = None
    err_floor: float = 0.02
    excluded_calibrators: tuple[str, ...] = ()
    excluded_baselines: tuple[str, ...] = ()
    excluded_channels: tuple[int, ...] = ()
    detect_suspects: bool = True
    exclude_suspects: bool = True
    chi2_threshold: float = 5.0
    bias_correction: str = "none"  # "genoca": Winzer ratio mean with genoca's TF error, for side-by-side checks
    # the companion screen of each calibrator by the others (companion_check.py) as suspect evidence; needs
    # closure phases (V² alone cannot tell a companion from a diameter error)
    companion_screen: bool = True

    def __post_init__(self) -> None:
        if self.scheme not in tfm.SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(tfm.SCHEMES)}")
        if self.bias_correction not in ("none", "genoca"):
            raise ValueError("bias_correction must be none or genoca")
        if not self.time_scale_h > 0:
            raise ValueError("time_scale_h must be > 0")

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CalParams:
        data = dict(data or {})
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown parameters: {', '.join(sorted(unknown))}")
        for key in ("excluded_calibrators", "excluded_baselines"):
            if key in data:
                data[key] = tuple(sorted({str(x).strip() for x in data[key] if str(x).strip()}))
        if "excluded_channels" in data:
            data["excluded_channels"] = tuple(sorted({int(x) for x in data["excluded_channels"]}))
        for key in ("time_scale_h", "err_floor", "chi2_threshold"):
            if key in data:
                data[key] = float(data[key])
        if data.get("sky_scale_deg") in ("", None):
            data["sky_scale_deg"] = None
        elif "sky_scale_deg" in data:
            data["sky_scale_deg"] = float(data["sky_scale_deg"])
        return cls(**data)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key, val in d.items():
            if isinstance(val, tuple):
                d[key] = list(val)
        return d


@dataclass(frozen=True)
class Diameter:
    value: float
    error: float
    source: str  # catalog / header / ob


@dataclass
class ScienceResult:
    l1: L1File
    content: L2Content
    calibrators: list[str]


@dataclass
class SetupResult:
    science: list[ScienceResult] = field(default_factory=list)
    calibrators: list[dict] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)
    tf_plot: dict = field(default_factory=dict)


def _sky_distance(ra1, dec1, ra2, dec2) -> np.ndarray:
    r1, d1, r2, d2 = map(np.deg2rad, (ra1, dec1, ra2, dec2))
    c = np.sin(d1) * np.sin(d2) + np.cos(d1) * np.cos(d2) * np.cos(r1 - r2)
    return np.rad2deg(np.arccos(np.clip(c, -1, 1)))


def calibrate_setup(files: list[L1File], diameters: dict[str, Diameter | None], flagged: dict[str, str],
                    params: CalParams, science_paths: set | None = None) -> SetupResult:
    """Calibrate every science file of one setup with the usable calibrator visits.

    `diameters` maps calibrator name -> Diameter (None = no diameter anywhere: an error);
    `flagged` maps calibrator name -> why it is excluded by default (catalog flags);
    `science_paths` restricts which science files get an L2 (None = all).
    """
    res = SetupResult()
    bl_keys = sorted({k for f in files for k in f.bl_keys})
    tri_keys = list(dict.fromkeys(k for f in files for k in f.tri_keys))
    nch = files[0].wave.size
    chan_mask = np.zeros(nch, bool)
    chan_mask[[c for c in params.excluded_channels if 0 <= c < nch]] = True
    bl_mask = np.array([k in params.excluded_baselines for k in bl_keys])
    cal_files, skipped = [], {}
    for f in files:
        if f.role != CALIBRATION:
            continue
        if f.target in params.excluded_calibrators:
            skipped[f.target] = "excluded by the operator"
        elif f.target in flagged:
            skipped[f.target] = flagged[f.target]
        elif diameters.get(f.target) is None:
            skipped[f.target] = "no diameter (catalog, header JSDC DIAMETER, OB DIAMETER)"
            msg = f"calibrator {f.target}: no diameter in the catalog, the header (JSDC DIAMETER) or the OB"
            if msg not in res.errors:
                res.errors.append(msg)
        else:
            cal_files.append(f)
    res.excluded = [{"name": n, "reason": r, "visits": sum(1 for f in files if f.target == n)}
                    for n, r in sorted(skipped.items())]
    cal_files = [v for f in cal_files for v in split_records(f)]
    names = [f.target for f in cal_files]
    star_names = sorted(set(names))
    star_index = np.array([star_names.index(n) for n in names], dtype=int)
    if cal_files:
        A = align(cal_files, bl_keys, "bl_keys", ["mjd", "u", "v", "vis2", "vis2_err"])
        wave = cal_files[0].wave
        spf = np.hypot(A["u"], A["v"])[:, :, None] / wave[None, None, :]
        t_cal = A["mjd"]
        diam = np.array([diameters[n].value for n in names])
        derr = np.array([diameters[n].error for n in names])
        pts = [tfm.transfer_function(A["vis2"][i], A["vis2_err"][i], spf[i], diam[i], derr[i])
               for i in range(len(cal_files))]
        points = tfm.TFPoints(*(np.array([getattr(p, a) for p in pts]) for a in ("tf2", "err_meas", "err_diam")))
        excl = bl_mask[None, :, None] | chan_mask[None, None, :]
        raw_points = points  # the plot shows operator-excluded baselines as excluded points
        points = tfm.TFPoints(*(np.where(excl, np.nan, getattr(points, a)) for a in ("tf2", "err_meas", "err_diam")))
        t3 = None
        if tri_keys and all(f.t3phi is not None for f in cal_files):
            t3 = align(cal_files, tri_keys, "tri_keys", ["t3_mjd", "t3phi", "t3phi_err", "u1", "v1", "u2", "v2"])
            model_phi = np.array([tfm.ud_t3(t3["u1"][i], t3["v1"][i], t3["u2"][i], t3["v2"][i], wave, diam[i])[1]
                                  for i in range(len(cal_files))])
            near_null = np.array([tfm.ud_t3_undetermined(t3["u1"][i], t3["v1"][i], t3["u2"][i], t3["v2"][i], wave,
                                                         diam[i], derr[i]) for i in range(len(cal_files))])
            t3["inst"] = np.where(chan_mask[None, None, :] | near_null, np.nan,
                                  tfm.wrap_deg(t3["t3phi"] - model_phi))
        suspects: set[str] = set()
        unresolved: list = []
        if params.detect_suspects:
            verdict = _detect(names, star_index, A, spf, points, diam, derr, wave, t3, params)
            res.checks, suspects, unresolved = verdict.checks, verdict.suspects, verdict.unresolved
            if params.companion_screen and t3 is not None:  # V² alone cannot tell a companion from a diameter error
                suspects |= _companion_evidence(res.checks, names, star_index, t_cal, A, points, wave, t3, params)
            for a, b, chi2, tension in unresolved:
                res.errors.append(f"calibrators {a} and {b}: pair inconsistent (chi2r={chi2:.1f}, diameter tension "
                                  f"{tension:.0f}), cannot tell which; not calibrated: check both and exclude the "
                                  "bad one (excluded_calibrators)")
        use = np.array([not (params.exclude_suspects and n in suspects) for n in names])
        for i, n in enumerate(names):
            if not use[i] and not any(e["name"] == n for e in res.excluded):
                reason = "; ".join(next(c["reasons"] for c in res.checks if c["name"] == n))
                res.excluded.append({"name": n, "reason": f"suspect (automatic): {reason}",
                                     "visits": names.count(n)})
        for n in star_names:
            d = diameters[n]
            res.calibrators.append({"name": n, "diameter": d.value, "error": d.error, "source": d.source,
                                    "visits": names.count(n), "used": bool(use[[m == n for m in names]].any()),
                                    "suspect": n in suspects})
        u_points = tfm.TFPoints(points.tf2[use], points.err_meas[use], points.err_diam[use])
        jitter = tfm.tf_jitter(t_cal[use], u_points, scheme=params.scheme, time_scale_h=params.time_scale_h,
                               err_floor=params.err_floor)
        params_j = (params, jitter)
        res.tf_plot = _tf_plot(bl_keys, t_cal, raw_points, names, use, u_points, star_index, params_j,
                               [f for f in files if f.role == SCIENCE])
    for f in files:
        if f.role != SCIENCE:
            continue
        if science_paths is not None and f.path not in science_paths:
            continue
        if not cal_files or not use.any():
            res.errors.append(f"science {f.target} ({f.start}): no usable calibrator in this setup")
            continue
        if unresolved:  # never calibrate silently with a TF that one of the pair may have spoiled
            continue
        res.science.append(_calibrate_science(f, bl_keys, tri_keys, t_cal[use], u_points, star_index[use],
                                              [n for n, k in zip(names, use, strict=True) if k],
                                              {k: v[use] for k, v in t3.items()} if t3 else None,
                                              cal_files, use, diameters, params_j, bl_mask, chan_mask,
                                              _tf_var(u_points, params)))
    return res


def _tf_var(points: tfm.TFPoints, params: CalParams) -> np.ndarray | None:
    if params.bias_correction != "genoca":
        return None
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanvar(points.tf2, axis=0)


def _detect(names, star_index, A, spf, points, diam, derr, wave, t3, params: CalParams) -> vd.Verdict:
    """Own closure phases and pair consistency of the calibrator stars (verdicts.py)."""
    return vd.judge(names=names, star_index=star_index, vis2=A["vis2"], vis2_err=A["vis2_err"],
                    spfreq=spf, points=points, diam=diam, derr=derr, wave=wave,
                    t3phi=t3["inst"] if t3 else None, t3phi_err=t3["t3phi_err"] if t3 else None,
                    chi2_threshold=params.chi2_threshold)


def _companion_evidence(checks, names, star_index, t_cal, A, points, wave, t3, params: CalParams) -> set[str]:
    """The companion screen of each calibrator (companion_check.py) added to its check; names the detected."""
    found = cc.screen_calibrators(names=names, star_index=star_index, t_cal=t_cal, A=A, points=points, wave=wave,
                                  t3=t3, time_scale_h=params.time_scale_h)
    named = set()
    for check in checks:
        summary = found.get(check["name"])
        check["companion"] = summary
        if summary and summary["detected"]:
            check["reasons"].append(cc.companion_reason(summary))
            check["suspect"] = True
            named.add(check["name"])
    return named


def _interp(params_j: tuple[CalParams, float], t_cal, points, t_sci, star_index, sky):
    params, jitter = params_j
    return tfm.interpolate_tf(t_cal, points, t_sci, scheme=params.scheme, time_scale_h=params.time_scale_h,
                              star_index=star_index, sky_dist_deg=sky, sky_scale_deg=params.sky_scale_deg,
                              err_floor=params.err_floor, jitter=jitter)


def _calibrate_science(f: L1File, bl_keys, tri_keys, t_cal, points, star_index, names, t3, cal_files, use,
                       diameters, params_j: tuple[CalParams, float], bl_mask, chan_mask, tf_var) -> ScienceResult:
    params = params_j[0]
    order = [bl_keys.index(k) for k in f.bl_keys]  # file row -> canonical index
    t_sci = np.full(len(bl_keys), np.nanmean(f.mjd))
    t_sci[order] = f.mjd
    sky = None
    if params.sky_scale_deg and f.ra is not None:
        used_files = [c for c, k in zip(cal_files, use, strict=True) if k]
        sky = np.array([_sky_distance(f.ra, f.dec, c.ra or f.ra, c.dec or f.dec) for c in used_files])
    tf = _interp(params_j, t_cal, points, t_sci, star_index, sky)
    rows = tfm.Interpolated(*(getattr(tf, a)[order] for a in ("value", "err_meas", "err_diam", "dispersion")),
                            weights=tf.weights[:, order], diam_terms=tf.diam_terms[:, order], stars=tf.stars)
    vis2, vis2_err = tfm.calibrate_vis2(f.vis2, f.vis2_err, rows)
    # error budget kept apart: statistical, and one signed term per calibrator star (its diameter error)
    err_stat = np.sqrt((f.vis2_err / rows.value) ** 2 + (vis2 * rows.err_meas / rows.value) ** 2)
    err_visit = np.abs(vis2) * rows.dispersion / rows.value  # TF jitter: common to the record's channels
    name_of = {int(k): n for k, n in zip(star_index, names, strict=True)}
    cal_terms = {name_of[int(s)]: -vis2 * rows.diam_terms[j] / rows.value for j, s in enumerate(rows.stars)}
    if params.bias_correction == "genoca":  # E(X/Y) ≈ X/Y (1 + (σY/Y)²), σY² = Σa² var(TF) as genoca 1.0.5
        rel2 = (rows.weights**2 * tf_var[order][None]).sum(axis=0) / rows.value**2
        vis2 = vis2 * (1.0 + rel2)
    flag = f.vis2_flag | bl_mask[order][:, None] | chan_mask[None, :] | ~np.isfinite(vis2)
    t3phi = t3phi_err = t3amp = t3amp_err = t3flag = None
    if t3 is not None and f.t3phi is not None:
        torder = [tri_keys.index(k) for k in f.tri_keys]
        t_tri = np.full(len(tri_keys), np.nanmean(f.t3_mjd))
        t_tri[torder] = f.t3_mjd
        t3phi, t3phi_err = tfm.calibrate_closure_phase(
            f.t3phi, f.t3phi_err, t3["t3_mjd"][:, torder],
            t3["inst"][:, torder], t3["t3phi_err"][:, torder], t_tri[torder], scheme=params.scheme,
            time_scale_h=params.time_scale_h)
        # T3 amplitude: divided by the geometric mean of the three baselines' TF
        tf_bl = dict(zip(f.bl_keys, rows.value, strict=True))
        rel_bl = dict(zip(f.bl_keys, rows.err / rows.value, strict=True))
        tf3, rel3 = [], []
        for key in f.tri_keys:
            a, b, c = key.split("-")
            trio = ["-".join(sorted(p)) for p in ((a, b), (b, c), (a, c))]
            vals = [tf_bl.get(k, np.full(f.wave.size, np.nan)) for k in trio]
            rels = [rel_bl.get(k, np.full(f.wave.size, np.nan)) for k in trio]
            tf3.append(np.sqrt(np.abs(vals[0] * vals[1] * vals[2])))
            rel3.append(0.5 * np.sqrt(rels[0] ** 2 + rels[1] ** 2 + rels[2] ** 2))
            if any(k in params.excluded_baselines for k in trio):
                tf3[-1] = np.full(f.wave.size, np.nan)
        tf3, rel3 = np.array(tf3), np.array(rel3)
        t3amp = f.t3amp / tf3
        t3amp_err = np.sqrt((f.t3amp_err / tf3) ** 2 + (t3amp * rel3) ** 2)
        t3flag = f.t3_flag | chan_mask[None, :] | ~np.isfinite(t3phi) | ~np.isfinite(t3amp)
    used = sorted({names[i] for i in np.flatnonzero(np.abs(tf.weights).max(axis=(1, 2)) > 1e-3)})
    cal_info = [{"name": n, "diameter": diameters[n].value, "error": diameters[n].error,
                 "source": diameters[n].source.upper()} for n in used]
    cards = {"PRO TF METHOD": params.scheme, "PRO TF TIMESCALE": params.time_scale_h,
             "PRO TF SKYSCALE": params.sky_scale_deg if params.sky_scale_deg else "none",
             "PRO TF ERRFLOOR": params.err_floor, "PRO NCAL": len(used)}
    content = L2Content(vis2, vis2_err, flag, t3phi, t3phi_err, t3amp, t3amp_err, t3flag, cards, cal_info,
                        vis2_err_stat=err_stat, vis2_err_cal=[cal_terms[n] for n in used], vis2_err_visit=err_visit)
    return ScienceResult(f, content, used)


def _tf_plot(bl_keys, t_cal, points, names, use, u_points, star_index, params_j, sci_files) -> dict:
    """Channel-averaged TF per baseline and visit, plus the interpolated curve, for Plotly."""
    params = params_j[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an excluded baseline has no finite channel
        tf_mean = np.nanmean(points.tf2, axis=2)
    n_ok = np.maximum(1, np.isfinite(points.tf2).sum(axis=2))
    err_mean = np.sqrt(np.nansum(points.err**2, axis=2)) / n_ok
    pts = []
    for i, n in enumerate(names):
        for j, k in enumerate(bl_keys):
            if not np.isfinite(tf_mean[i, j]):
                pts.append({"t": float(t_cal[i, j]), "bl": k, "tf2": None, "err": None, "cal": n, "used": False})
                continue
            pts.append({"t": float(t_cal[i, j]), "bl": k, "tf2": round(float(tf_mean[i, j]), 5),
                        "err": round(float(err_mean[i, j]), 5), "cal": n,
                        "used": bool(use[i]) and k not in params.excluded_baselines})
    grid = np.linspace(np.nanmin(t_cal) - 0.02, np.nanmax(t_cal) + 0.02, 60)
    curve = {k: [] for k in bl_keys}
    if u_points.tf2.shape[0]:
        for t in grid:
            itp = _interp(params_j, t_cal[use], u_points, np.full(len(bl_keys), t), star_index[use], None)
            for j, k in enumerate(bl_keys):
                v = np.nanmean(itp.value[j]) if np.isfinite(itp.value[j]).any() else None
                curve[k].append(None if v is None else round(float(v), 5))
    return {"baselines": bl_keys, "points": pts, "grid": [round(float(t), 6) for t in grid], "curve": curve,
            "science": [{"t": float(np.nanmean(f.mjd)), "target": f.target} for f in sci_files]}

"""Read side of performance/: fits per instrument mode, limiting magnitudes, TF levels, exports."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from astropy.time import Time

from pipelines.performance.models import SnrSample
from pipelines.performance.noise_model import NoiseFit, bin_measurements, fit_noise_law

SNR_LIMIT = 3.0
MIN_POINTS = 12
FIELDS = ("id", "observation_id", "instrument", "mode", "role", "mjd", "mag", "tau0_ms", "dit_s", "n_frames",
          "snr_v2", "v2", "tf2", "synthetic")


@dataclass
class ModeSummary:
    instrument: str
    mode: str
    samples: dict[str, np.ndarray]
    fit: NoiseFit | None
    error: str = ""

    @property
    def key(self) -> str:
        return f"{self.instrument} {self.mode}"

    def typical(self) -> dict[str, float]:
        s = self.samples
        return {"t_exp": float(np.nanmedian(s["dit_s"])), "tau0": float(np.nanmedian(s["tau0_ms"])) / 1000,
                "n_frames": float(np.nanmedian(s["n_frames"]))}

    def limiting_magnitude(self) -> float | None:
        if self.fit is None:
            return None
        t = self.typical()
        return self.fit.law.limiting_magnitude(t_exp=t["t_exp"], tau0=t["tau0"], n_frames=t["n_frames"],
                                               snr_min=SNR_LIMIT)


def _columns(rows: list[dict]) -> dict[str, np.ndarray]:
    out = {}
    for name in FIELDS:
        values = [r[name] for r in rows]
        if name in ("instrument", "mode", "role"):
            out[name] = np.array(values, dtype=object)
        else:
            out[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
    return out


def _fit(s: dict[str, np.ndarray]) -> tuple[NoiseFit | None, str]:
    usable = np.isfinite(s["mag"]) & np.isfinite(s["tau0_ms"]) & np.isfinite(s["dit_s"]) & np.isfinite(s["n_frames"])
    if usable.sum() < MIN_POINTS:
        return None, f"{int(usable.sum())} usable samples (need {MIN_POINTS})"
    try:
        fit = fit_noise_law(snr=s["snr_v2"][usable], mag=s["mag"][usable], t_exp=s["dit_s"][usable],
                            tau0=s["tau0_ms"][usable] / 1000, n_frames=s["n_frames"][usable],
                            v2_obj=np.clip(np.nan_to_num(s["v2"][usable], nan=1.0), 0.05, 1.0))
    except ValueError as exc:
        return None, str(exc)
    return fit, ""


def mode_summaries(*, instrument: str | None = None) -> list[ModeSummary]:
    """Every instrument mode with samples, each with its fitted noise law (one query)."""
    qs = SnrSample.objects.all()
    if instrument:
        qs = qs.filter(instrument=instrument)
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in qs.values(*FIELDS):
        groups[(row["instrument"], row["mode"])].append(row)
    summaries = []
    for (inst, mode), rows in sorted(groups.items()):
        s = _columns(rows)
        fit, error = _fit(s)
        summaries.append(ModeSummary(inst, mode, s, fit, error))
    return summaries


def limiting_magnitude_history(summary: ModeSummary) -> list[dict]:
    """Limiting magnitude per calendar month (a fit per month with enough points)."""
    s = summary.samples
    months = np.array([Time(m, format="mjd").to_datetime().strftime("%Y-%m") for m in s["mjd"]])
    rows = []
    for month in sorted(set(months)):
        sel = months == month
        sub = {k: v[sel] for k, v in s.items()}
        fit, _ = _fit(sub)
        if fit is None:
            continue
        t = summary.typical()
        m_lim = fit.law.limiting_magnitude(t_exp=t["t_exp"], tau0=t["tau0"], n_frames=t["n_frames"],
                                           snr_min=SNR_LIMIT)
        rows.append({"month": month, "limiting_mag": m_lim, "n": int(sel.sum())})
    return rows


def semester_of(mjd: float) -> str:
    date = Time(mjd, format="mjd").to_datetime()
    # CHARA semesters: A = February-July, B = August-January (B belongs to the year it starts).
    if 2 <= date.month <= 7:
        return f"{date.year}A"
    return f"{date.year if date.month >= 8 else date.year - 1}B"


def tf_levels(summary: ModeSummary) -> dict[str, list[float]]:
    s = summary.samples
    out: dict[str, list[float]] = defaultdict(list)
    for mjd, tf2 in zip(s["mjd"], s["tf2"], strict=True):
        if np.isfinite(tf2):
            out[semester_of(mjd)].append(float(tf2))
    return dict(sorted(out.items()))


def _finite(x: float) -> float | None:
    """None for an unconstrained (NaN) error, so tables and exports say so instead of printing nan."""
    return float(x) if np.isfinite(x) else None


def parameter_rows(summaries: list[ModeSummary]) -> list[dict]:
    rows = []
    for m in summaries:
        row = {"instrument": m.instrument, "mode": m.mode, "n_points": int(m.samples["snr_v2"].size)}
        if m.fit:
            law, err = m.fit.law, m.fit.errors
            row.update(zp=law.zp, zp_err=_finite(err.zp), sigma_read=law.sigma_read,
                       sigma_read_err=_finite(err.sigma_read), beta=law.beta, beta_err=_finite(err.beta),
                       chi2_reduced=m.fit.chi2_reduced, scatter_dex=m.fit.scatter_dex,
                       limiting_mag=m.limiting_magnitude(), **m.typical())
        rows.append(row)
    return rows


def bin_rows(summaries: list[ModeSummary], width: float = 0.5) -> list[dict]:
    rows = []
    for m in summaries:
        s = m.samples
        ok = np.isfinite(s["mag"])
        ids = s["id"][ok].astype(int)
        obs = s["observation_id"][ok]
        for b in bin_measurements(s["mag"][ok], s["snr_v2"][ok], width=width):
            members = b.pop("members")
            b.update(instrument=m.instrument, mode=m.mode, sample_ids=" ".join(str(ids[i]) for i in members),
                     observation_ids=" ".join(sorted({str(int(obs[i])) for i in members if np.isfinite(obs[i])})))
            rows.append(b)
    return rows


def snr_predictor(*, instrument: str, mode: str):
    """A function mag -> expected V² SNR tonight for this mode (fitted once), or None without a fit."""
    summary = next((m for m in mode_summaries(instrument=instrument) if m.mode == mode and m.fit), None)
    if summary is None:
        return None
    typical, law = summary.typical(), summary.fit.law

    def predict(mag: float | None, tau0_ms: float | None = None) -> float | None:
        if mag is None:
            return None
        tau0 = (tau0_ms / 1000) if tau0_ms else typical["tau0"]
        return float(law.snr(mag, typical["t_exp"], tau0, typical["n_frames"]))

    return predict


def expected_snr(*, instrument: str, mode: str, mag: float | None, tau0_ms: float | None = None) -> float | None:
    """The V² SNR a target of this magnitude should reach tonight (for the planner), or None."""
    predict = snr_predictor(instrument=instrument, mode=mode)
    return predict(mag, tau0_ms) if predict else None

"""Demo step: performance samples from the demo L1 products, plus a labelled synthetic history.

The demo night has only a few L1 files, too few to fit a law; so the demo also
adds 2024A samples generated from a known law (flagged `synthetic`, shown as
such on the page), with a throughput gain in May 2024 to show the trend plot.
"""
from __future__ import annotations

import numpy as np
from astropy.time import Time

from demo.synthetic.raw import SYNTHETIC_NOISE_LAW
from pipelines.performance.models import SnrSample
from pipelines.performance.noise_model import NoiseLaw
from pipelines.performance.services import samples_refresh

BEFORE = SYNTHETIC_NOISE_LAW  # the law the synthetic raw files of the demo night follow
AFTER = NoiseLaw(zp=14.3, sigma_read=6.0, beta=12.0)  # after the May 2024 intervention


def synthetic_history(n: int = 480, seed: int = 2024) -> list[SnrSample]:
    rng = np.random.default_rng(seed)
    start, end = Time("2024-03-01").mjd, Time("2024-07-31").mjd
    mjd = np.sort(rng.uniform(start, end, n))
    mag = rng.uniform(2.5, 8.5, n)
    tau0_ms = rng.uniform(2.0, 10.0, n)
    dit = rng.choice([0.005, 0.01], n)
    frames = rng.choice([1000, 2000], n)
    v2 = rng.uniform(0.3, 1.0, n)
    modes = rng.choice(["MR720", "LR"], n, p=[0.7, 0.3])
    samples = []
    for i in range(n):
        law = AFTER if mjd[i] >= Time("2024-05-15").mjd else BEFORE
        zp_shift = 0.6 if modes[i] == "LR" else 0.0  # lower resolution: more photons per channel
        law = NoiseLaw(law.zp + zp_shift, law.sigma_read, law.beta)
        snr = float(law.snr(mag[i], dit[i], tau0_ms[i] / 1000, frames[i], v2[i])) * 10 ** rng.normal(0, 0.06)
        tf2 = float(np.clip(0.55 * np.exp(-dit[i] / (0.012 * tau0_ms[i])) + rng.normal(0, 0.03), 0.05, 1))
        samples.append(SnrSample(instrument="SPICA", mode=str(modes[i]), role="CALIBRATION" if i % 3 == 0 else
                                 "SCIENCE", baseline="S1-E1", mjd=float(mjd[i]), mag=float(mag[i]),
                                 tau0_ms=float(tau0_ms[i]), dit_s=float(dit[i]), n_frames=float(frames[i]),
                                 snr_v2=snr, v2=float(v2[i]), tf2=tf2 if i % 3 == 0 else None, synthetic=True))
    return samples


def load() -> dict:
    measured = samples_refresh()
    added = 0
    if not SnrSample.objects.filter(synthetic=True).exists():
        added = len(SnrSample.objects.bulk_create(synthetic_history()))
    return {"measured_samples": measured["samples"], "synthetic_samples": added}

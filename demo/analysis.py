"""Demo step for L3 analyses: synthetic L2 for the demo targets (diameters from the surface-brightness
relation, a few binaries), then the survey fit. Deterministic (seeded)."""
from __future__ import annotations

import random

from django.utils import timezone

from archive.models import Product
from archive.services import product_version_create
from demo.synthetic.l2 import MIRCX_H_WAVELENGTHS, SPICA_WAVELENGTHS, Companion, synthetic_oifits
from domain.site import mjd_of_night, night_date
from pipelines.analysis.plots import sbcr_diameter


def l2_synthetic_create(*, target, program, theta_mas: float, instrument: str = "SPICA", mjd: float = 60400.3,
                        companion: Companion | None = None, seed: int = 0, noise: float = 0.02, n_times: int = 4):
    """Store a synthetic calibrated OIFITS as the target's current L2 (archive service, with t_min/t_max)."""
    waves = MIRCX_H_WAVELENGTHS if instrument in ("MIRC-X", "MYSTIC") else SPICA_WAVELENGTHS
    content = synthetic_oifits(theta_mas=theta_mas, target=target.name, mjd=mjd, companion=companion, seed=seed,
                               wavelengths=waves, noise=noise, n_times=n_times, insname=f"{instrument}_SYNTH")
    version, _ = product_version_create(
        calib_level=2, kind="oifits", program=program, target=target, instrument=instrument,
        setup="demo-synthetic", filename=f"{target.name.replace(' ', '_')}_{instrument}_L2.fits", content=content,
        software="issp-portal synthetic L2", parameters={"theta_true": theta_mas, "binary": companion is not None},
        t_min=mjd, t_max=mjd + 0.1)
    return version


def load(*, max_targets: int = 40, seed: int = 8) -> dict:
    from pipelines.analysis.companion_services import target_companion_refresh
    from pipelines.analysis.services import target_l3_refresh
    from surveys.models import Target

    rng = random.Random(seed)
    today_mjd = mjd_of_night(night_date(timezone.now()))
    created = 0
    with_l2 = set(Product.objects.filter(calib_level=2).values_list("target_id", flat=True))
    targets = list(Target.objects.prefetch_related("programs").order_by("name")[:max_targets])
    for i, target in enumerate(targets):
        program = target.programs.order_by("priority", "code").first()
        if program is None or target.pk in with_l2:
            continue
        instrument = "MIRC-X" if "MIRC-X" in (program.instruments or []) and "SPICA" not in program.instruments \
            else "SPICA"
        theta = sbcr_diameter(target.mag_v, target.mag_k) or rng.uniform(0.4, 2.0)
        theta *= rng.uniform(0.95, 1.05)
        companion = Companion(flux_ratio=0.35, dra_mas=2.5, ddec_mas=-1.2) if i % 9 == 4 else None
        # Observed 20 days to 2.5 years before today: the recent ones are still under embargo.
        mjd = today_mjd - rng.uniform(20, 900)
        l2_synthetic_create(target=target, program=program, theta_mas=round(theta, 4), instrument=instrument,
                            mjd=mjd, companion=companion, seed=i)
        created += 1
    fitted = 0
    for target in targets:
        fitted += len(target_l3_refresh(target=target))
    # the companion screen costs seconds per target: the demo screens its binaries and a few single stars
    showcase = [t for i, t in enumerate(targets) if i % 9 == 4] + [t for i, t in enumerate(targets) if i % 9 != 4][:4]
    screened = sum(len(target_companion_refresh(target=t)) for t in showcase)
    return {"l2_created": created, "l3_fitted": fitted, "companion_screened": screened}

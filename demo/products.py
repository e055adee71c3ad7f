"""Demo step for archive/: L1 and L2 SPICA products for demo targets, some validated, some not."""
from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from archive.models import Product
from archive.oifits_write import synthetic_oifits2, to_bytes
from archive.services import product_version_create
from archive.validation import version_validate
from domain import quality

DEMO_DATA = Path(__file__).resolve().parent / "data"
ASPRO2 = DEMO_DATA / "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-12.fits"


def load() -> dict:
    from surveys.models import Night, Program

    program = Program.objects.filter(code="issp").first()
    if program is None:
        return {"archive_products": 0}
    if Product.objects.filter(program=program).exists():
        return {"archive_products": Product.objects.count()}
    manager = get_user_model().objects.filter(username="datamanager").first()
    nights = list(Night.objects.order_by("date")[:4])
    targets = list(program.targets.order_by("name")[:5])
    created = 0
    with transaction.atomic():
        for i, target in enumerate(targets):
            night = nights[i % len(nights)] if nights else None
            mjd = 60400.3 + i
            common = dict(program=program, target=target, night=night, instrument="SPICA", setup="MR720",
                          kind="oifits", t_min=mjd, t_max=mjd + 0.01, check=True)
            diameter = 0.6 + 0.25 * i
            l1 = to_bytes(synthetic_oifits2(target=target.name.replace(" ", "_"), ra_deg=target.ra_deg,
                                            dec_deg=target.dec_deg, mjd=mjd, diameter_mas=diameter, n_wave=20,
                                            noise=0.05, seed=i, extra_header={"HIERARCH PRO CATG": "TARGET_RAW_INT"}))
            v1, _ = product_version_create(calib_level=1, filename=f"SPICA_L1_{target.pk}.fits", content=l1,
                                           software="spica-drs 2.3 (stand-in)", **common)
            if i == 0:
                l2_kwargs = {"source_path": ASPRO2}
            else:
                l2_kwargs = {"content": to_bytes(synthetic_oifits2(
                    target=target.name.replace(" ", "_"), ra_deg=target.ra_deg, dec_deg=target.dec_deg, mjd=mjd,
                    diameter_mas=diameter, n_wave=20, noise=0.02, seed=100 + i))}
            v2, _ = product_version_create(
                calib_level=2, filename=f"SPICA_L2_{target.pk}.fits", software="genoca 1.0.5", inputs=[v1],
                provenance={"calibration_report": {"calibrators": "HD_CAL1, HD_CAL2", "tf_scatter": "2.1 %",
                                                   "tf_timescale": "2 h"}}, **common, **l2_kwargs)
            created += 2
            if manager is not None and i in (1, 2):
                level = quality.SCIENCE_READY if i == 1 else quality.QUICK_LOOK
                version_validate(version=v2, reviewer=manager, flag=level,
                                 comment="Demo: transfer function stable, closure phases flat.")
    return {"archive_products": created}

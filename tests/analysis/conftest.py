"""Fixtures of the L3 analysis tests: shared OIFITS paths and targets with synthetic L2."""
from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "oifits"
ASPRO_1MAS = DATA / "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-12.fits"
ASPRO_2MAS = DATA / "Aspro2_Zeta_Oph_CHARA_SPICA_0.60249-0.89749-60ch_S1-S2-E1-E2-W1-W2_2023-05-13.fits"
ASPRO_ROTATOR = DATA / "Aspro2_zet_Oph_CHARA_SPICA_0.60249-0.80749-42ch_S1-S2-E1-E2-W1-W2_2023-05-19.fits"
BET_ARI = DATA / "MIRCX_L2.2023Oct14._bet_Ari.MIRCX_IDL.nn.AVG10m.fits"


@pytest.fixture
def issp(demo):
    from surveys.models import Program

    return Program.objects.get(code="issp")


@pytest.fixture
def l2_target(issp):
    """An ISSP target with one synthetic L2 of a 1.3 mas uniform disk observed long ago (public)."""
    from demo.analysis import l2_synthetic_create

    target = issp.targets.order_by("name").first()
    version = l2_synthetic_create(target=target, program=issp, theta_mas=1.3, mjd=59000.3, seed=11)
    return target, version

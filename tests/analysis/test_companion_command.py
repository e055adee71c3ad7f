"""`manage.py companion_search`: β Ari's companion found in the real MIRC-X file, text and JSON, and clear errors."""
from __future__ import annotations

import io
import json

import pytest

from django.core.management import CommandError, call_command

from tests.analysis.conftest import BET_ARI


def _run(*args) -> str:
    out = io.StringIO()
    call_command("companion_search", *args, stdout=out)
    return out.getvalue()


def test_json_reports_beta_ari_companion_and_limits():
    data = json.loads(_run(str(BET_ARI), "--json", "--rmax", "60"))
    comp = data["companion"]
    assert data["detected"] and comp["nsigma"] > 20
    # β Ari B on 2023-10-14: ~42 mas East (PA ~84°), ~10 % of the primary in H
    assert comp["separation_mas"] == pytest.approx(42.1, abs=0.5)
    assert comp["position_angle_deg"] == pytest.approx(84.3, abs=2.0)
    assert 5.0 < comp["flux_ratio_percent"] < 15.0 and comp["flux_ratio_err_percent"] > 0
    assert data["single_star"]["diameter_mas"] == pytest.approx(1.229, abs=0.02)  # PMOIRED UD fit: 1.229 ± 0.013
    assert data["n_vis2"] == 300 and data["n_closure_phases"] == 300
    lim = data["limits"]
    assert len(lim["separation_mas"]) == len(lim["flux_ratio_5sigma_percent"]) > 5
    assert all(f5 is None or f5 >= f3 for f3, f5 in zip(lim["flux_ratio_3sigma_percent"],
                                                         lim["flux_ratio_5sigma_percent"], strict=True))


def test_text_output_names_companion_diameter_and_limit_curve():
    text = _run(str(BET_ARI), "--rmax", "60", "--no-limits", "--vis2-systematic", "0.02")
    assert "companion: DETECTED" in text and "flux ratio =" in text and "primary diameter (UD)" in text
    assert "separation 42." in text


@pytest.mark.parametrize("args, message", [
    (["/no/such/file.fits"], "no such file"),
    ([str(BET_ARI), "--vis2-systematic", "-1"], "--vis2-systematic must be"),
    ([str(BET_ARI), "--rmax", "0"], "--rmax must be > 0"),
])
def test_bad_input_is_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)


def test_not_a_fits_file_names_the_file(tmp_path):
    bad = tmp_path / "notes.fits"
    bad.write_text("not fits")
    with pytest.raises(CommandError, match="notes.fits"):
        _run(str(bad))

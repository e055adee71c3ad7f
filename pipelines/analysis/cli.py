"""The survey's UD/LD fit on OIFITS files named on the command line (`manage.py fit`). Pure (no Django).

Files are grouped by their first OI_TARGET name (one fit per star, as the portal fits per target);
the limb-darkening coefficients are per spectral channel from the spectral type given, else the
file's OI_TARGET SPECTYP, else the documented default (`limb_darkening.py`), and the result says which.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from domain import oifits
from pipelines.analysis.fitting import analyse
from pipelines.analysis.limb_darkening import band_of, bands_of, coefficients_for
from pipelines.analysis.oifits_io import OifitsReadError, read_oifits


def target_of(path: Path) -> tuple[str, str]:
    """(name, SPECTYP) of the file's first OI_TARGET row ('' when absent)."""
    try:
        targets = oifits.read(path, tables=()).targets
    except oifits.OifitsError as exc:
        raise OifitsReadError(str(exc))
    if not targets:
        raise OifitsReadError(f"{path.name}: no OI_TARGET table")
    return targets[0].name, targets[0].spectyp


def fit_files(paths: list[Path], *, spectral_type: str | None = None, law: str = "power",
              fit_coeff: bool = False, n_boot: int = 100, cp_threshold: float = 3.0, poor_fit_chi2: float = 5.0
              ) -> tuple[list[dict], list[dict]]:
    """(one result per target, one error per file or target that could not be fitted)."""
    groups: dict[str, list[Path]] = defaultdict(list)
    types: dict[str, str] = {}
    errors: list[dict] = []
    for path in paths:
        try:
            name, spectyp = target_of(path)
        except (OSError, OifitsReadError, KeyError, IndexError) as exc:
            errors.append({"file": str(path), "error": f"{type(exc).__name__}: {exc}"})
            continue
        groups[name].append(path)
        types.setdefault(name, spectyp)
    results = []
    for name, files in groups.items():
        try:
            data = read_oifits(files)
            st = spectral_type if spectral_type is not None else types.get(name, "")
            coeff, source = (None, "fitted") if fit_coeff else coefficients_for(law, st, data.v2.wavelength)
            result = analyse(data, ld_law=law, ld_coeff=coeff, n_boot=n_boot, cp_threshold=cp_threshold,
                             poor_fit_chi2=poor_fit_chi2)
        except (OifitsReadError, OSError, ValueError, np.linalg.LinAlgError) as exc:
            errors.append({"target": name, "files": [str(p) for p in files], "error": f"{type(exc).__name__}: {exc}"})
            continue
        results.append({"target": name, "files": [str(p) for p in files], "spectral_type": st,
                        "band": band_of(data.mean_wavelength), "bands": bands_of(data.v2.wavelength),
                        "wavelength_um": data.mean_wavelength * 1e6, "n_v2": len(data.v2), "n_t3": len(data.t3),
                        "n_nights": data.n_nights, "ld_law": law, "ld_coeff_source": source, **result.as_dict()})
    return results, errors


def text_lines(result: dict) -> list[str]:
    """A human summary of one target's fit."""
    ud, ld, cp = result["ud"], result["ld"], result["closure"]

    def err(fit: dict) -> str:
        boot = f" ± {fit['err_bootstrap']:.5f} (bootstrap over {fit['bootstrap_over']})" if fit["err_bootstrap"] else ""
        return f"{fit['theta']:.5f} ± {fit['err_formal']:.5f} (formal){boot} mas, chi2r {fit['chi2_red']:.2f}"

    coeff = f"{ld['coeff']:.3f}" + (f" [{ld['coeff_range'][0]:.3f}-{ld['coeff_range'][1]:.3f}]"
                                    if ld.get("coeff_range") else "")
    lines = [f"{result['target']} ({result['spectral_type'] or 'no spectral type'}): {result['n_v2']} V2, "
             f"{result['n_t3']} T3, {result['n_nights']} night(s), {'+'.join(result['bands'])} band "
             f"({result['wavelength_um']:.3f} um)",
             f"  UD {err(ud)}",
             f"  LD {err(ld)}; {result['ld_law']} coefficient {coeff} ({result['ld_coeff_source']})"]
    if cp:
        lines.append(f"  closure phases: chi2r {cp['chi2_red']:.2f} vs 0/180 deg, "
                     f"{'single disk' if cp['single_disk'] else 'NOT a single disk'}")
    lines.append(f"  flags: {', '.join(result['flags']) or 'none'}")
    return lines

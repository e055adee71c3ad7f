"""Group a night's L1 files by instrumental setup. Pure (no Django)."""
from __future__ import annotations

from collections import defaultdict

from pipelines.calibration.oifits_io import L1File


def setup_key(f: L1File) -> str:
    """instrument / mode / central wavelength (nm, 1 decimal) / number of channels / stations."""
    cwl = f"{f.central_wl:.1f}" if f.central_wl is not None else f"{f.wave.mean() * 1e9:.1f}"
    return "/".join([f.instrument, f.mode or "-", cwl, f"{f.wave.size}ch", f.stations])


def group_by_setup(files: list[L1File]) -> dict[str, list[L1File]]:
    """Setups in a stable order, files inside each setup sorted by time."""
    groups: dict[str, list[L1File]] = defaultdict(list)
    for f in files:
        groups[setup_key(f)].append(f)
    return {k: sorted(v, key=lambda f: (float(f.mjd.mean()), f.path.name)) for k, v in sorted(groups.items())}

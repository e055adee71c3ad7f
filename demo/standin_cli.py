"""STAND-IN reduction program (not a real pipeline): synthetic raw files -> L1 OIFITS2.

Usage: python -m demo.standin_cli --outdir DIR RAW.fits [...]

For each raw file written by demo.synthetic.raw it averages the V^2 frames per
baseline and channel (error = scatter / sqrt(frames)) and writes one OIFITS2
file with OI_TARGET, OI_ARRAY, OI_WAVELENGTH and OI_VIS2, and the L1 keywords
(`PRO CATG` for SPICA, `OBJTYPE` for MIRC-X/MYSTIC). Output is deterministic
(no timestamps), so reducing the same input twice gives the same bytes.
Exit status: 0 done, 2 bad input, 75 (EX_TEMPFAIL) if asked to simulate a
transient failure via ISSP_STANDIN_FAIL_ONCE=<marker file>.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
from astropy.io import fits

from demo.synthetic.raw import STATIONS
from domain.instruments import get_instrument

VERSION = "0.1"
COPIED = ("INSTRUME", "OBJECT", "RA", "DEC", "MJD-OBS", "DATE-OBS", "EXPTIME", "PROG_ID", "SCOPES", "R0", "T0",
          "ORIG_SHA", "OBS TARG NAME", "TPL START", "INS RESOL", "INS CENTRAL WL", "DET DIT", "DET GAIN",
          "PRO SCIENCE", "OBJTYPE", "MIRC SEQ START TIME", "CONF_NA", "WAVELEN", "EXPOSURE")


def _key(name: str) -> str:
    return name if len(name) <= 8 and " " not in name else f"HIERARCH {name}"


def reduce_file(raw_path: Path, outdir: Path) -> Path:
    with fits.open(raw_path, memmap=False) as hdul:
        head = hdul[0].header
        frames = np.asarray(hdul[0].data, dtype=float)
        base = hdul["ISSP_BASELINES"].data
        chan = hdul["ISSP_CHANNELS"].data
        sta1, sta2 = list(base["STA1"]), list(base["STA2"])
        ucoord, vcoord = np.asarray(base["UCOORD"]), np.asarray(base["VCOORD"])
        eff_wave, eff_band = np.asarray(chan["EFF_WAVE"]), np.asarray(chan["EFF_BAND"])
    spec = get_instrument(head["INSTRUME"])
    role = spec.role_of(dict(head))
    if role is None:
        raise ValueError(f"{raw_path.name}: {spec.role_keyword} missing: science or calibrator unknown")
    vis2 = frames.mean(axis=0)
    err = frames.std(axis=0, ddof=1) / np.sqrt(frames.shape[0])
    stations = list(dict.fromkeys(sta1 + sta2))
    index = {s: i + 1 for i, s in enumerate(stations)}
    insname = f"{spec.name}_{head.get(spec.mode_keyword, 'NA')}"
    mjd = float(head["MJD-OBS"])
    date_obs = str(head["DATE-OBS"])[:10]

    primary = fits.PrimaryHDU()
    ph = primary.header
    ph["CONTENT"] = "OIFITS2"
    ph["TELESCOP"] = "CHARA"
    ph["ORIGIN"] = "ISSP stand-in reduction (not a real pipeline)"
    for name in COPIED:
        if name in head:
            ph[_key(name)] = head[name]
    ph[_key(spec.l1_role_keyword)] = spec.l1_role_values[role]
    ph["PROCSOFT"] = f"issp-standin-reduction {VERSION}"
    ph["OBSERVER"] = "CHARA"
    ph["INSMODE"] = str(head.get(spec.mode_keyword, ""))
    ph["OBSTECH"] = "SPECTRO_INTERFEROMETRY"
    ph["REFERENC"] = "-"

    target = fits.BinTableHDU.from_columns([
        fits.Column("TARGET_ID", "I", array=[1]), fits.Column("TARGET", "16A", array=[head["OBJECT"]]),
        fits.Column("RAEP0", "D", unit="deg", array=[head["RA"]]),
        fits.Column("DECEP0", "D", unit="deg", array=[head["DEC"]]),
        fits.Column("EQUINOX", "E", unit="yr", array=[2000.0]),
        fits.Column("RA_ERR", "D", unit="deg", array=[0.0]), fits.Column("DEC_ERR", "D", unit="deg", array=[0.0]),
        fits.Column("SYSVEL", "D", unit="m/s", array=[0.0]), fits.Column("VELTYP", "8A", array=["LSR"]),
        fits.Column("VELDEF", "8A", array=["OPTICAL"]), fits.Column("PMRA", "D", unit="deg/yr", array=[0.0]),
        fits.Column("PMDEC", "D", unit="deg/yr", array=[0.0]),
        fits.Column("PMRA_ERR", "D", unit="deg/yr", array=[0.0]),
        fits.Column("PMDEC_ERR", "D", unit="deg/yr", array=[0.0]),
        fits.Column("PARALLAX", "E", unit="deg", array=[0.0]), fits.Column("PARA_ERR", "E", unit="deg", array=[0.0]),
        fits.Column("SPECTYP", "16A", array=["UNKNOWN"]),
        fits.Column("CATEGORY", "3A", array=["SCI" if role == "SCIENCE" else "CAL"]),
    ], name="OI_TARGET")
    target.header["OI_REVN"] = 2
    xyz = [[STATIONS[s][0], STATIONS[s][1], 0.0] for s in stations]
    array = fits.BinTableHDU.from_columns([
        fits.Column("TEL_NAME", "16A", array=stations), fits.Column("STA_NAME", "16A", array=stations),
        fits.Column("STA_INDEX", "I", array=[index[s] for s in stations]),
        fits.Column("DIAMETER", "E", unit="m", array=[1.0] * len(stations)),
        fits.Column("STAXYZ", "3D", unit="m", array=xyz),
        fits.Column("FOV", "D", unit="arcsec", array=[1.0] * len(stations)),
        fits.Column("FOVTYPE", "6A", array=["FWHM"] * len(stations)),
    ], name="OI_ARRAY")
    array.header.update({"OI_REVN": 2, "ARRNAME": "CHARA", "FRAME": "GEOCENTRIC", "ARRAYX": -2476998.0,
                         "ARRAYY": -4647390.0, "ARRAYZ": 3582025.0})
    wave = fits.BinTableHDU.from_columns([
        fits.Column("EFF_WAVE", "E", unit="m", array=eff_wave), fits.Column("EFF_BAND", "E", unit="m", array=eff_band),
    ], name="OI_WAVELENGTH")
    wave.header.update({"OI_REVN": 2, "INSNAME": insname})
    nb, nc = vis2.shape
    v2 = fits.BinTableHDU.from_columns([
        fits.Column("TARGET_ID", "I", array=[1] * nb), fits.Column("TIME", "D", unit="s", array=[0.0] * nb),
        fits.Column("MJD", "D", unit="d", array=[mjd] * nb),
        fits.Column("INT_TIME", "D", unit="s", array=[float(head.get("EXPTIME", 0.0))] * nb),
        fits.Column("VIS2DATA", f"{nc}D", array=vis2), fits.Column("VIS2ERR", f"{nc}D", array=err),
        fits.Column("UCOORD", "D", unit="m", array=ucoord), fits.Column("VCOORD", "D", unit="m", array=vcoord),
        fits.Column("STA_INDEX", "2I", array=[[index[a], index[b]] for a, b in zip(sta1, sta2, strict=True)]),
        fits.Column("FLAG", f"{nc}L", array=np.zeros((nb, nc), dtype=bool)),
    ], name="OI_VIS2")
    v2.header.update({"OI_REVN": 2, "DATE-OBS": date_obs, "ARRNAME": "CHARA", "INSNAME": insname})
    out = outdir / f"{raw_path.stem}_L1_oidata.fits"
    tmp = outdir / f".{out.name}.part"
    fits.HDUList([primary, target, array, wave, v2]).writeto(tmp, overwrite=True, output_verify="silentfix")
    os.replace(tmp, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", required=True, type=Path)
    parser.add_argument("inputs", nargs="+", type=Path)
    args = parser.parse_args(argv)
    marker = os.environ.get("ISSP_STANDIN_FAIL_ONCE")
    if marker and not Path(marker).exists():
        Path(marker).write_text("failed once\n")
        print("simulated transient failure (resource busy)", file=sys.stderr)
        return 75
    args.outdir.mkdir(parents=True, exist_ok=True)
    status = 0
    for raw in args.inputs:
        try:
            out = reduce_file(raw, args.outdir)
        except (OSError, KeyError, ValueError) as exc:
            print(f"ERROR {raw}: {exc}", file=sys.stderr)
            status = 2
            continue
        print(f"reduced {raw.name} -> {out.name}")
    return status


if __name__ == "__main__":
    sys.exit(main())

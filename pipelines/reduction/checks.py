"""Checks on an L1 output before it is registered: valid OIFITS, L1 role keyword, right target."""
from __future__ import annotations

from pathlib import Path

from astropy.io import fits

from domain.instruments import InstrumentSpec
from pipelines.consolidation import same_name


def oifits_check(path: Path) -> tuple[list[str], dict]:
    """(errors, report) from the archive's OIFITS validator (archive.oifits_checks, the one checker)."""
    from archive.oifits_checks import check_oifits

    report = check_oifits(path)
    return [f"{p.code}: {p.message}" for p in report.errors], report.as_dict()


def check_l1(path: Path, spec: InstrumentSpec, *, expected_object: str, expected_role: str | None
             ) -> tuple[list[str], dict]:
    """Every reason not to register this L1 file (empty list = good), and the OIFITS validation report."""
    try:
        problems, report = oifits_check(path)
        with fits.open(path, memmap=False) as hdul:
            header = dict(hdul[0].header)
            targets = list(hdul["OI_TARGET"].data["TARGET"]) if "OI_TARGET" in hdul else []
    except (OSError, ValueError, KeyError) as exc:
        return [f"unreadable output: {exc}"], {}
    role = spec.l1_role_of(header)
    if role is None:
        problems.append(f"{spec.l1_role_keyword} missing or not one of {sorted(spec.l1_role_values.values())}")
    elif expected_role and role != expected_role:
        problems.append(f"{spec.l1_role_keyword} says {role} but the raw file is {expected_role}")
    if expected_object and not any(same_name(t, expected_object) for t in targets):
        problems.append(f"OI_TARGET has {targets} but the raw file observed {expected_object!r}")
    return problems, report

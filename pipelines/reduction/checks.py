"""Checks on an L1 output before it is registered: valid OIFITS, L1 role keyword, right target."""
from __future__ import annotations

from pathlib import Path

from astropy.io import fits

from pipelines.consolidation import same_name
from pipelines.instruments import InstrumentSpec


def oifits_problems(path: Path) -> list[str]:
    """The archive's OIFITS validator when available (archive.oifits_checks), else a minimal structural check."""
    try:
        from archive.oifits_checks import check_oifits
    except ImportError:
        check_oifits = None
    if check_oifits is not None:
        report = check_oifits(path)
        return [] if report.ok else [str(e) for e in report.errors]
    problems = []
    with fits.open(path, memmap=False) as hdul:
        names = {h.name for h in hdul}
        for table in ("OI_TARGET", "OI_ARRAY", "OI_WAVELENGTH"):
            if table not in names:
                problems.append(f"missing table {table}")
        if not names & {"OI_VIS2", "OI_VIS", "OI_T3"}:
            problems.append("no OI_VIS2, OI_VIS or OI_T3 table")
    return problems


def check_l1(path: Path, spec: InstrumentSpec, *, expected_object: str, expected_role: str | None) -> list[str]:
    """Every reason not to register this L1 file (empty list = good)."""
    try:
        problems = oifits_problems(path)
        with fits.open(path, memmap=False) as hdul:
            header = dict(hdul[0].header)
            targets = list(hdul["OI_TARGET"].data["TARGET"]) if "OI_TARGET" in hdul else []
    except (OSError, ValueError, KeyError) as exc:
        return [f"unreadable output: {exc}"]
    role = spec.l1_role_of(header)
    if role is None:
        problems.append(f"{spec.l1_role_keyword} missing or not one of {sorted(spec.l1_role_values.values())}")
    elif expected_role and role != expected_role:
        problems.append(f"{spec.l1_role_keyword} says {role} but the raw file is {expected_role}")
    if expected_object and not any(same_name(t, expected_object) for t in targets):
        problems.append(f"OI_TARGET has {targets} but the raw file observed {expected_object!r}")
    return problems

"""The quality flag scale of ISSP products (pure, no Django).

-1  automatic, unreviewed: what a pipeline writes; nobody has looked yet
 0  unusable: do not use (instrumental problem, wrong target, bad calibration)
 1  poor: usable with care (few points, unstable transfer function)
 2  fair: usable, minor problems noted in the comment
 3  good: validated for science and OiDB
A version with no flag at all (None) is treated as automatic, unreviewed.
Whether the data were processed automatically or by hand is recorded next to
the flag (ProductVersion.processing) and written into the FITS header.
"""
from __future__ import annotations

AUTOMATIC = -1
UNUSABLE, POOR, FAIR, GOOD = 0, 1, 2, 3

SCALE: dict[int, tuple[str, str]] = {
    AUTOMATIC: ("automatic, unreviewed", ""),
    UNUSABLE: ("unusable", "bad"),
    POOR: ("poor", "warn"),
    FAIR: ("fair", "ok"),
    GOOD: ("good", "ok"),
}
REVIEW_CHOICES = [(flag, f"{flag} - {label}") for flag, (label, _) in SCALE.items() if flag != AUTOMATIC]


class InvalidFlag(ValueError):
    pass


def normalise(flag: int | None) -> int:
    return AUTOMATIC if flag is None else int(flag)


def label(flag: int | None) -> str:
    return SCALE.get(normalise(flag), (f"unknown ({flag})", ""))[0]


def badge(flag: int | None) -> str:
    """CSS badge class of portal.css for this flag."""
    return SCALE.get(normalise(flag), ("", ""))[1]


def is_reviewed(flag: int | None) -> bool:
    return normalise(flag) in (UNUSABLE, POOR, FAIR, GOOD)


def review_flag(value) -> int:
    """A flag a person may set (0-3); anything else is refused with the reason."""
    try:
        flag = int(value)
    except (TypeError, ValueError):
        raise InvalidFlag(f"quality flag must be an integer 0-3, got {value!r}") from None
    if not is_reviewed(flag):
        raise InvalidFlag(f"quality flag must be one of 0 (unusable) .. 3 (good), got {flag}")
    return flag

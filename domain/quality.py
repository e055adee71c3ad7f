"""The quality scale of data products: OiDB's `quality_level`, the only one the portal uses (pure, no Django).

OiDB (JMMC-OpenDev/oidb, modules/app.xql) shows 0 Unknown, 1 Trash, 2 To be
reduced again, 3 Quick look (risky to publish), 4 Science ready, 5 Outstanding
quality, and an empty value as Unknown. The portal stores the same integer in
ProductVersion.quality_flag, writes it into the file as `HIERARCH QUALITY
LEVEL` and pushes it as the granule's `quality_level`: there is no mapping at
any boundary. A version nobody has reviewed has no flag (None): OiDB's
"Unknown". Whether the product was processed automatically or by hand is kept
beside the flag (ProductVersion.processing, `HIERARCH ISSP QC PROCESSING`).

The portal's former 0-3 scale is converted once by `from_legacy` (data migration
archive 0004): -1 automatic -> None, 0 unusable -> 1 Trash, 1 poor -> 2 To be
reduced again, 2 fair -> 3 Quick look, 3 good -> 4 Science ready. Nothing a
reviewer had not called "good" becomes science ready.
"""
from __future__ import annotations

UNKNOWN, TRASH, REDUCE_AGAIN, QUICK_LOOK, SCIENCE_READY, OUTSTANDING = 0, 1, 2, 3, 4, 5

#: flag -> (OiDB's label, CSS badge class of portal.css)
SCALE: dict[int, tuple[str, str]] = {
    UNKNOWN: ("Unknown", ""),
    TRASH: ("Trash", "bad"),
    REDUCE_AGAIN: ("To be reduced again", "bad"),
    QUICK_LOOK: ("Quick look (risky to publish)", "warn"),
    SCIENCE_READY: ("Science ready", "ok"),
    OUTSTANDING: ("Outstanding quality", "ok"),
}
UNREVIEWED_LABEL = "Unknown (not reviewed)"
#: the levels a reviewer chooses from (Unknown is what "not reviewed" already means)
REVIEW_LEVELS = (TRASH, REDUCE_AGAIN, QUICK_LOOK, SCIENCE_READY, OUTSTANDING)
REVIEW_CHOICES: list[tuple[int, str]] = [(flag, f"{flag} - {SCALE[flag][0]}") for flag in REVIEW_LEVELS]
LEGACY: dict[int, int | None] = {-1: None, 0: TRASH, 1: REDUCE_AGAIN, 2: QUICK_LOOK, 3: SCIENCE_READY}


class InvalidFlag(ValueError):
    pass


def label(flag: int | None) -> str:
    """OiDB's name of a level; None (never reviewed) reads "Unknown (not reviewed)"."""
    if flag is None:
        return UNREVIEWED_LABEL
    return SCALE.get(int(flag), (f"invalid level {flag}", ""))[0]


def badge(flag: int | None) -> str:
    """CSS badge class of portal.css for this level."""
    return "" if flag is None else SCALE.get(int(flag), ("", ""))[1]


def is_reviewed(flag: int | None) -> bool:
    return flag is not None and int(flag) in REVIEW_LEVELS


def normalise(flag: int | None) -> int:
    """Sort key of a level: not reviewed (None) sorts below every level."""
    return -1 if flag is None else int(flag)


def oidb_level(flag: int | None) -> int:
    """The granule's quality_level (0 = Unknown when nobody has reviewed the product)."""
    return UNKNOWN if flag is None else int(flag)


def review_flag(value) -> int:
    """A level a person may set (1-5); anything else is refused with the reason."""
    names = ", ".join(f"{f} ({SCALE[f][0]})" for f in REVIEW_LEVELS)
    try:
        flag = int(value)
    except (TypeError, ValueError):
        raise InvalidFlag(f"quality level must be an integer 1-5, one of {names}; got {value!r}") from None
    if flag not in REVIEW_LEVELS:
        raise InvalidFlag(f"quality level must be one of {names}; got {flag}")
    return flag


def from_legacy(old: int | None) -> int | None:
    """The OiDB level of a flag stored on the portal's former 0-3 scale (see module docstring)."""
    return None if old is None else LEGACY.get(int(old))

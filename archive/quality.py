"""The quality scale lives in `domain.quality` (OiDB's quality_level); re-exported for archive's callers."""
from domain.quality import (  # noqa: F401
    OUTSTANDING,
    QUICK_LOOK,
    REDUCE_AGAIN,
    REVIEW_CHOICES,
    REVIEW_LEVELS,
    SCALE,
    SCIENCE_READY,
    TRASH,
    UNKNOWN,
    UNREVIEWED_LABEL,
    InvalidFlag,
    badge,
    is_reviewed,
    label,
    oidb_level,
    review_flag,
)

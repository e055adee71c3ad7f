"""Which observed calibrators an operator's exclusion list names (pure, no Django).

Names in L1 headers are written several ways ("HD_141577", "HD 141577",
"HD141577"); an exclusion is matched on the name with spaces, underscores and
case removed. An exclusion that names no calibrator of the night is refused by
the caller, never silently ignored.
"""
from __future__ import annotations

from surveys.naming import name_key


def match_exclusions(requested: list[str] | tuple[str, ...], observed: list[str] | tuple[str, ...]
                     ) -> tuple[list[str], list[str]]:
    """(observed names excluded, requested names matching no observed calibrator), both sorted."""
    by_key = {name_key(n): n for n in observed}
    matched, unmatched = set(), set()
    for item in requested:
        item = str(item).strip()
        if not item:
            continue
        hit = by_key.get(name_key(item))
        if hit is None:
            unmatched.add(item)
        else:
            matched.add(hit)
    return sorted(matched), sorted(unmatched)

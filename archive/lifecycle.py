"""What changed between the version a person reviewed and the newer current one (pure, no Django).

A re-run of the L2 calibration may make a new current version after a PI's
review; the review stays on the older version, and the product page and the
reviewer's desk say so with the differences listed here.
"""
from __future__ import annotations

from typing import Any

IGNORED_PARAMETERS = {"only_target_ids"}
LABELS = {"excluded_calibrators": "excluded calibrators", "excluded_baselines": "excluded baselines",
          "excluded_channels": "excluded channels", "time_scale_h": "time scale (h)",
          "sky_scale_deg": "sky scale (deg)", "scheme": "TF scheme"}


def _show(value: Any) -> str:
    if value in (None, "", [], ()):
        return "none"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def version_changes(reviewed: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Human-readable differences; each side is {parameters, calibrators, software, processing, processed_by}."""
    out: list[str] = []
    old_p, new_p = reviewed.get("parameters") or {}, current.get("parameters") or {}
    for key in sorted((set(old_p) | set(new_p)) - IGNORED_PARAMETERS):
        if old_p.get(key) != new_p.get(key):
            out.append(f"{LABELS.get(key, key.replace('_', ' '))}: {_show(old_p.get(key))} → {_show(new_p.get(key))}")
    old_c, new_c = sorted(reviewed.get("calibrators") or []), sorted(current.get("calibrators") or [])
    if old_c != new_c:
        out.append(f"calibrators used: {_show(old_c)} → {_show(new_c)}")
    if (reviewed.get("software") or "") != (current.get("software") or ""):
        out.append(f"software: {_show(reviewed.get('software'))} → {_show(current.get('software'))}")
    old_proc = (reviewed.get("processing"), reviewed.get("processed_by"))
    new_proc = (current.get("processing"), current.get("processed_by"))
    if old_proc != new_proc:
        who = f" by {new_proc[1]}" if new_proc[1] else ""
        out.append(f"processing: {_show(old_proc[0])} → {_show(new_proc[0])}{who}")
    if not out:
        out.append("new file content with the same parameters and calibrators (new L1 input?)")
    return out

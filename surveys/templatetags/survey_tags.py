"""Template filters: coordinates through astropy, percentages, quality flags."""
from django import template

from surveys.coords import format_dec, format_ra

register = template.Library()
QUALITY = {0: ("bad", "bad"), 1: ("warn", "poor"), 2: ("ok", "good"), 3: ("ok", "excellent")}


@register.filter
def ra(value):
    return format_ra(value) if value is not None else ""


@register.filter
def dec(value):
    return format_dec(value) if value is not None else ""


@register.filter
def pct(value):
    """0.456 -> '46 %'."""
    if value is None:
        return "–"
    return f"{100 * float(value):.0f} %"


@register.filter
def pct_width(value):
    return f"{max(0.0, min(1.0, float(value or 0))) * 100:.1f}"


@register.filter
def status_badge(status: str) -> str:
    return {"done": "ok", "in progress": "warn", "not started": "", "no goal": ""}.get(status, "")


@register.filter
def quality_class(flag):
    return QUALITY.get(flag, ("", ""))[0]


@register.filter
def quality_label(flag):
    if flag is None:
        return "not reviewed"
    return QUALITY.get(flag, ("", f"flag {flag}"))[1]


@register.filter
def names(value: str) -> str:
    """'HD 1,HIP 2' -> 'HD 1, HIP 2' (identifiers are stored comma-separated)."""
    return ", ".join(part.strip() for part in (value or "").split(",") if part.strip())

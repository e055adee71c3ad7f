"""Template filters: coordinates through astropy, percentages, quality levels (domain.quality)."""
from django import template

from domain import quality
from surveys.coords import format_dec, format_ra

register = template.Library()


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
    """Badge class of a quality level (domain.quality, OiDB's scale)."""
    return quality.badge(flag)


@register.filter
def quality_label(flag):
    """OiDB's name of a quality level, the same on every page."""
    return quality.label(flag)


@register.filter
def names(value: str) -> str:
    """'HD 1,HIP 2' -> 'HD 1, HIP 2' (identifiers are stored comma-separated)."""
    return ", ".join(part.strip() for part in (value or "").split(",") if part.strip())


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label: str, css: str = "", param: str = "sort"):
    """A sortable column header: a link that sorts the table on the server by `key` (click again: reverse).

    Pages with several tables give each its own query parameter (`param`)."""
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    request = context["request"]
    current = request.GET.get(param, (context.get("default_sorts") or {}).get(param, context.get("default_sort", "")))
    active = current.lstrip("-") == key
    descending = current.startswith("-")
    query = request.GET.copy()
    query[param] = f"-{key}" if active and not descending else key
    query.pop("page", None)
    arrow = (" ▼" if descending else " ▲") if active else ""
    aria = (' aria-sort="descending"' if descending else ' aria-sort="ascending"') if active else ""
    return format_html('<th class="sortable {}"{}><a href="?{}">{}{}</a></th>', css, mark_safe(aria),
                       query.urlencode(), label, arrow)


@register.simple_tag(takes_context=True)
def sort_table(context, rows, param: str, columns: str, default: str, hidden: str = "", readable: str = "",
               name: str = ""):
    """`rows` sorted on the server by the column the query parameter `param` names (headers: `sort_th`).

    `columns` reads "key=path key2=path2", each path a template lookup on a row ("night.date",
    "get_state_display", "problems|length"). Keys listed in `hidden` hold values the access policy may hide: rows whose
    `readable` path is false then follow the others ordered by the `name` path (surveys.naming.sort_rows).
    Usage: {% sort_table desk.past "psort" "night=date lost=outcome.hours_lost" "-night" as past %}
    """
    from django.template import Variable, VariableDoesNotExist

    from surveys.naming import sort_rows

    def getter(path: str):
        path, _, count = path.partition("|")  # "problems|length": the number of items
        variable = Variable(f"row.{path}")

        def get(row):
            try:
                value = variable.resolve({"row": row})
            except VariableDoesNotExist:
                return None
            return len(value or ()) if count == "length" else value
        return get

    spec = {key: getter(path) for key, _, path in (part.partition("=") for part in columns.split())}
    context["default_sorts"] = {**(context.get("default_sorts") or {}), param: default}
    ordered, _, _ = sort_rows(list(rows or []), context["request"].GET.get(param), spec, default,
                              hidden=set(hidden.split()), readable=getter(readable) if readable else None,
                              name=getter(name) if name else None)
    return ordered


@register.filter
def simbad(name: str) -> str:
    """SIMBAD page of a star name (HD_123 and HD 123 resolve alike)."""
    from surveys.naming import simbad_url

    return simbad_url(name)


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return (mapping or {}).get(key)

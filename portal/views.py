"""The pages that gather several apps: the desk, the dashboard, a target's page and the night pages.

Thin views over the apps' selectors (portal.selectors for the reads that cross apps); URL names stay in
the "surveys" namespace (portal.urls).
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from domain.site import night_date
from issp_portal import csvsafe
from obs_server.selectors import obs_of_night
from pipelines import selectors as pipeline_selectors
from portal import dashboard as dash
from portal import plots
from portal import selectors as page_selectors
from portal.desk import desk_for
from portal.story import NightOutcome, night_outcome
from surveys import naming, selectors
from surveys.coords import format_dec, format_dec_many, format_ra, format_ra_many, galactic
from surveys.filters import TargetStatusFilter

PAGE_SIZE = 25
EXPORT_COLUMNS = ["name", "ra", "dec", "mag_v", "spectral_type", "priority", "programs", "status", "completion",
                  "n_obs", "last_obs"]


@login_required
def desk(request):
    """The person's desk: home after login, the same page for every role with the blocks that role acts on."""
    return render(request, "surveys/desk.html", {"desk": desk_for(user=request.user)})


def _export(rows: list[dict], fmt: str) -> HttpResponse:
    ras = format_ra_many([r["ra_deg"] for r in rows])
    decs = format_dec_many([r["dec_deg"] for r in rows])
    records = [
        {"name": r["name"], "ra": ra, "dec": dec, "ra_deg": r["ra_deg"],
         "dec_deg": r["dec_deg"], "mag_v": r["mag_v"], "spectral_type": r["spectral_type"],
         "priority": r["priority"], "programs": ",".join(r["programs"]), "status": r["status"],
         "completion": round(r["completion"], 3), "n_obs": r["n_obs"],
         "last_obs": r["last_obs"].isoformat() if r["last_obs"] else None, "goals": r["goals"]}
        for r, ra, dec in zip(rows, ras, decs, strict=True)
    ]
    if fmt == "json":
        return JsonResponse({"count": len(records), "targets": records})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="issp-target-status.csv"'
    writer = csv.DictWriter(response, fieldnames=EXPORT_COLUMNS + ["ra_deg", "dec_deg"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows(csvsafe.row(r) for r in records)  # a name like "=HYPERLINK(...)" is not run
    return response


@login_required
def dashboard(request):
    """Completion per program, nights, progress plot and the per-target status table."""
    programs = selectors.programs_visible_to(user=request.user)
    base = selectors.targets_with_goals(programs=programs)
    filterset = TargetStatusFilter(request.GET or None, queryset=base, programs=programs)
    targets = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    cleaned = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    rows = dash.target_status_rows(targets=targets, programs=programs)
    if cleaned.get("status"):
        rows = [r for r in rows if r["status"] == cleaned["status"]]
    rows = dash.sort_rows(rows, cleaned.get("sort"))
    fmt = request.GET.get("format")
    if fmt in ("csv", "json"):
        return _export(rows, fmt)
    if fmt:
        return HttpResponse(f"Unknown export format {fmt!r}: use csv or json.", status=400)
    summary = dash.summary(programs=programs)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset, "page": page, "query": query.urlencode(), "n_rows": len(rows),
        "summary": summary, "status_counts": dash.status_counts(rows),
        "progress_plot": plots.completion_over_time(summary["series"]),
        "nights_plot": plots.nights_bar(summary["programs"]),
        "sky_plot": plots.sky_map(rows),
    }
    return render(request, "surveys/dashboard.html", context)


def _download_url(version) -> str | None:
    for kwargs in ({"pk": version.pk}, {"version_id": version.pk}):
        try:
            return reverse("archive:version-download", kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def _uv_files(product_rows: list[dict]) -> list[tuple[str, Path]]:
    """Readable current L2 (else L1) OIFITS files among the products this user may read."""
    root = Path(settings.ARCHIVE_ROOT)
    for level in (2, 1):
        files = [
            (f"L{level} {row['product'].night or row['version'].filename}", root / row["version"].path)
            for row in product_rows
            if row["decision"] and row["version"] is not None and row["product"].calib_level == level
            and row["product"].kind == "oifits" and (root / row["version"].path).is_file()
        ]
        if files:
            return files
    return []


def target_detail(request, pk: int):
    """Identity, sky position, observations, products by level (through the access policy), calibrators."""
    target = selectors.target_for_page(pk=pk)
    if target is None:
        raise Http404("no such target")
    observations = selectors.target_observations(target=target)
    products = page_selectors.target_products(user=request.user, target=target)
    for row in products:
        row["download_url"] = _download_url(row["version"]) if row["decision"] and row["version"] else None
    levels = {}
    for row in products:
        levels.setdefault(row["product"].get_calib_level_display(), []).append(row)
    calibrators = {c.pk: c for o in observations for c in o.calibrators.all()}
    goals = dash.target_status_rows(targets=selectors.targets_by_pk(pks=[target.pk]),
                                    programs=selectors.programs_with_goals_on(target=target))
    viewer = selectors.viewer_for(request.user)
    sees_notes = viewer.staff or bool(viewer.program_ids & {p.pk for p in target.programs.all()})
    lon, lat = galactic(target.ra_deg, target.dec_deg)
    context = {
        "target": target, "ra": format_ra(target.ra_deg), "dec": format_dec(target.dec_deg),
        "gal_l": lon, "gal_b": lat, "observations": observations, "levels": levels,
        "calibrators": sorted(calibrators.values(), key=lambda c: c.name), "goal_row": goals[0] if goals else None,
        "sees_notes": sees_notes, "timeline_plot": plots.observations_timeline(observations),
        "uv_plot": plots.uv_coverage(_uv_files(products)),
        "target_obs": page_selectors.target_obs_visible(user=request.user, target=target),
        "observation_rows": naming.sort_rows(list(observations), request.GET.get("osort"), {
            "night": lambda o: o.night.date.toordinal(), "program": lambda o: o.program.code,
            "instrument": lambda o: o.instrument, "mode": lambda o: o.mode, "stations": lambda o: o.stations,
            "outcome": lambda o: o.status, "r0": lambda o: o.r0, "tau0": lambda o: o.tau0}, "night")[0],
        "default_sorts": {"osort": "night"},
    }
    return render(request, "surveys/target_detail.html", context)


def _outcome(night, today, *, n_obs: int, has_program: bool, n_raw: int) -> NightOutcome:
    return night_outcome(status=night.status, date=night.date, today=today, hours_lost=night.hours_lost,
                         n_observations=n_obs, has_program=has_program, n_data_files=n_raw)


def night_list(request):
    nights = selectors.night_list().order_by("-date")
    semester = request.GET.get("semester")
    if semester:
        nights = nights.filter(semester__code=semester)
    today = night_date(timezone.now())
    nights = list(nights)
    for n in nights:
        n.outcome = _outcome(n, today, n_obs=n.n_obs, has_program=n.n_allocations > 0, n_raw=n.n_raw)
    columns = {"date": lambda n: n.date.toordinal(), "semester": lambda n: n.semester.code if n.semester else None,
               "status": lambda n: n.outcome.label, "hours_lost": lambda n: n.outcome.hours_lost,
               "n_obs": lambda n: n.n_obs, "instruments": lambda n: ", ".join(n.instruments or [])}
    rows, _, _ = naming.sort_rows(nights, request.GET.get("sort"), columns, "-date")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "surveys/night_list.html", {"page": page, "semesters": selectors.semester_codes_of_nights(),
                                                       "semester": semester, "default_sort": "-date"})


def night_detail(request, date: str):
    """Allocations (public); OB queue, executed observations and ingest problems (logged-in users)."""
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise Http404("not a date (YYYY-MM-DD)")
    night = get_object_or_404(selectors.night_list(), date=day)
    context = {"night": night, "allocations": night.allocations.select_related("program", "program__pi"),
               "outcome": _outcome(night, night_date(timezone.now()), n_obs=night.n_obs,
                                   has_program=night.n_allocations > 0, n_raw=night.n_raw)}
    if request.user.is_authenticated:
        visible = selectors.visible_rows_q(user=request.user)  # members, live delegations (program or target)
        obs = obs_of_night(night=night, visible=visible)
        context["obs"], _, _ = naming.sort_rows(list(obs), request.GET.get("obsort"), {
            "name": lambda o: o.name, "program": lambda o: o.program.code,
            "target": lambda o: o.target.name if o.target else None, "state": lambda o: o.state,
            "priority": lambda o: o.priority, "instrument": lambda o: f"{o.instrument} {o.mode}"}, "-priority")
        observations = (night.observations.filter(visible).select_related("program", "target", "ob")
                        .prefetch_related("calibrators").order_by("start"))
        context["observations"], _, _ = naming.sort_rows(list(observations), request.GET.get("osort"), {
            "start": lambda o: o.start.timestamp(), "program": lambda o: o.program.code,
            "target": lambda o: o.target.name, "outcome": lambda o: o.status, "r0": lambda o: o.r0,
            "tau0": lambda o: o.tau0, "instrument": lambda o: f"{o.instrument} {o.mode}"}, "start")
        context["default_sorts"] = {"obsort": "-priority", "osort": "start"}
        files = selectors.visible_rows_q(user=request.user, program="observation__program",
                                         target="observation__target")
        context["ingest_issues"] = pipeline_selectors.night_consolidation_issues(night=night, visible=files)
        context["links"] = page_selectors.night_links(user=request.user, night=night)
        context["quarantined"] = pipeline_selectors.raw_files_quarantined(night=night, visible=files)
    return render(request, "surveys/night_detail.html", context)

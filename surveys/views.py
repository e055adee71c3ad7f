"""Survey pages: thin views over selectors (reads), services (writes) and plots."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from domain.errors import ApplicationError
from domain.site import night_date
from issp_portal import csvsafe
from surveys import dashboard as dash
from surveys import naming, plots, selectors, services
from surveys.coords import (
    CoordinateError,
    cone_separations,
    format_dec,
    format_dec_many,
    format_ra,
    format_ra_many,
    galactic,
    parse_cone,
)
from surveys.filters import CalibratorFilter, TargetListFilter, TargetStatusFilter
from surveys.forms import CalibratorFlagForm
from surveys.models import Calibrator, CalibratorFlag, Night, Observation, Program, Target
from surveys.story import NightOutcome, night_outcome

PAGE_SIZE = 25
EXPORT_COLUMNS = ["name", "ra", "dec", "mag_v", "spectral_type", "priority", "programs", "status", "completion",
                  "n_obs", "last_obs"]


def home(request):
    """Landing page: public metadata of the programs (no proprietary data); a logged-in person's home is the desk."""
    if request.user.is_authenticated:
        return redirect("surveys:desk")
    programs = Program.objects.annotate(n_targets=Count("targets", distinct=True)).order_by("priority", "code")
    context = {"programs": programs, "n_targets": Target.objects.count(), "n_nights": Night.objects.count()}
    return render(request, "surveys/home.html", context)


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
    base = Target.objects.filter(pk__in=selectors.SurveyGoal.objects.filter(program__in=programs).values("target"))
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


STAR_COLUMNS = {"name": lambda s: s.name, "ra": lambda s: s.ra_deg, "dec": lambda s: s.dec_deg,
                "mag_v": lambda s: s.mag_v, "mag_h": lambda s: s.mag_h, "mag_k": lambda s: s.mag_k,
                "spectral_type": lambda s: s.spectral_type}


def _cone(request, stars: list) -> tuple[list, dict]:
    """Keep the stars inside the cone of ?ra=&dec=&radius= (arcmin); the distance is kept for the table."""
    g = request.GET
    cone = {"ra": g.get("ra", "").strip(), "dec": g.get("dec", "").strip(), "radius": g.get("radius", "").strip()}
    if not (cone["ra"] or cone["dec"]):
        return stars, cone
    ra0, dec0, radius = parse_cone(cone["ra"], cone["dec"], cone["radius"])  # CoordinateError: the caller says 400
    seps = cone_separations(ra0, dec0, [s.ra_deg for s in stars], [s.dec_deg for s in stars])
    inside = []
    for star, sep in zip(stars, seps, strict=True):
        if sep <= radius:
            star.distance_arcmin = float(sep) * 60
            inside.append(star)
    cone["active"] = True
    return inside, cone


def target_list(request):
    """Public target metadata: names, positions, photometry, programs; name and cone search, sortable columns."""
    qs = Target.objects.prefetch_related("programs").order_by("name")
    filterset = TargetListFilter(request.GET or None, queryset=qs)
    targets = list(filterset.qs if filterset.is_valid() else qs)
    status, error = 200, ""
    try:
        targets, cone = _cone(request, targets)
    except CoordinateError as exc:
        targets, cone, status, error = [], {k: request.GET.get(k, "") for k in ("ra", "dec", "radius")}, 400, str(exc)
    columns = {**STAR_COLUMNS, "distance": lambda s: getattr(s, "distance_arcmin", None)}
    targets, _, _ = naming.sort_rows(targets, request.GET.get("sort"), columns,
                                     "distance" if cone.get("active") else "name")
    page = Paginator(targets, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "surveys/target_list.html", {
        "filter": filterset, "page": page, "query": query.urlencode(), "cone": cone, "cone_error": error,
        "default_sort": "distance" if cone.get("active") else "name"}, status=status)


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
    target = get_object_or_404(Target.objects.prefetch_related("programs", "goals__program"), pk=pk)
    observations = list(
        Observation.objects.filter(target=target).select_related("program", "night", "ob")
        .prefetch_related(Prefetch("calibrators", queryset=Calibrator.objects.prefetch_related(
            Prefetch("flags", queryset=CalibratorFlag.objects.filter(active=True), to_attr="active_flags"))))
        .order_by("start")
    )
    products = selectors.target_products(user=request.user, target=target)
    for row in products:
        row["download_url"] = _download_url(row["version"]) if row["decision"] and row["version"] else None
    levels = {}
    for row in products:
        levels.setdefault(row["product"].get_calib_level_display(), []).append(row)
    calibrators = {c.pk: c for o in observations for c in o.calibrators.all()}
    goals = dash.target_status_rows(targets=Target.objects.filter(pk=target.pk),
                                    programs=Program.objects.filter(goals__target=target).distinct())
    viewer = selectors.viewer_for(request.user)
    sees_notes = viewer.staff or bool(viewer.program_ids & {p.pk for p in target.programs.all()})
    lon, lat = galactic(target.ra_deg, target.dec_deg)
    context = {
        "target": target, "ra": format_ra(target.ra_deg), "dec": format_dec(target.dec_deg),
        "gal_l": lon, "gal_b": lat, "observations": observations, "levels": levels,
        "calibrators": sorted(calibrators.values(), key=lambda c: c.name), "goal_row": goals[0] if goals else None,
        "sees_notes": sees_notes, "timeline_plot": plots.observations_timeline(observations),
        "uv_plot": plots.uv_coverage(_uv_files(products)),
        "target_obs": selectors.target_obs_visible(user=request.user, target=target),
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
    semesters = Night.objects.exclude(semester=None).values_list("semester__code", flat=True).distinct()
    return render(request, "surveys/night_list.html", {"page": page, "semesters": sorted(set(semesters)),
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
        from obs_server.selectors import obs_of_night
        from pipelines import selectors as pipeline_selectors

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
        context["links"] = selectors.night_links(user=request.user, night=night)
        context["quarantined"] = pipeline_selectors.raw_files_quarantined(night=night, visible=files)
    return render(request, "surveys/night_detail.html", context)


def calibrator_list(request):
    active = Prefetch("flags", queryset=CalibratorFlag.objects.filter(active=True).select_related("declared_by"),
                      to_attr="active_flags")
    qs = Calibrator.objects.prefetch_related(active).annotate(
        n_obs=Count("observations", distinct=True)).order_by("name")
    filterset = CalibratorFilter(request.GET or None, queryset=qs)
    columns = {**STAR_COLUMNS, "udd_r": lambda c: c.udd_r, "udd_h": lambda c: c.udd_h, "udd_k": lambda c: c.udd_k,
               "ldd": lambda c: c.ldd, "n_obs": lambda c: c.n_obs, "flags": lambda c: len(c.active_flags)}
    rows, _, _ = naming.sort_rows(list(filterset.qs if filterset.is_valid() else qs), request.GET.get("sort"),
                                  columns, "name")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "surveys/calibrator_list.html",
                  {"filter": filterset, "page": page, "query": query.urlencode()})


def calibrator_detail(request, pk: int):
    """JSDC values, every flag with its evidence, observations using it; the flag form for staff/DMs."""
    calibrator = get_object_or_404(Calibrator, pk=pk)
    can_flag = services.user_can_flag_calibrators(request.user)
    form = CalibratorFlagForm(request.POST or None, calibrator=calibrator) if can_flag else None
    if request.method == "POST":
        if not can_flag:
            return HttpResponse("Only staff and data managers may flag calibrators.", status=403)
        if "confirm" in request.POST:  # a person confirms an automatic proposal
            flag = get_object_or_404(calibrator.flags, pk=request.POST.get("confirm"))
            try:
                services.calibrator_flag_confirm(flag=flag, by=request.user)
            except ApplicationError as exc:
                return HttpResponse("; ".join(str(r) for r in exc.errors.values()) or str(exc), status=400)
            messages.success(request, f"{calibrator.name}: proposal confirmed, the star is excluded on every night.")
            return redirect("surveys:calibrator-detail", pk=calibrator.pk)
        if form.is_valid():
            evidence = {"url": form.cleaned_data["evidence_url"]} if form.cleaned_data["evidence_url"] else {}
            try:
                services.calibrator_flag_create(
                    calibrator=calibrator, kind=form.cleaned_data["kind"], declared_by=request.user,
                    comment=form.cleaned_data["comment"], observation=form.cleaned_data["observation"],
                    evidence=evidence,
                )
            except ApplicationError as exc:
                for field, reason in exc.errors.items():
                    form.add_error(field if field in form.fields else None, reason)
            else:
                messages.success(request, f"{calibrator.name} flagged: {form.cleaned_data['kind']}.")
                return redirect("surveys:calibrator-detail", pk=calibrator.pk)
    flags = calibrator.flags.select_related("declared_by", "confirmed_by", "observation__target",
                                            "observation__night")
    observations = (calibrator.observations.select_related("target", "night", "program").order_by("-start")[:50])
    context = {"calibrator": calibrator, "ra": format_ra(calibrator.ra_deg), "dec": format_dec(calibrator.dec_deg),
               "flags": flags, "observations": observations, "form": form,
               "status": 400 if form is not None and form.errors else 200}
    return render(request, "surveys/calibrator_detail.html", context, status=context["status"])

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

from issp_portal import csvsafe
from issp_portal.exceptions import ApplicationError
from surveys import dashboard as dash
from surveys import plots, selectors, services
from surveys.coords import format_dec, format_dec_many, format_ra, format_ra_many, galactic
from surveys.filters import CalibratorFilter, TargetListFilter, TargetStatusFilter
from surveys.forms import CalibratorFlagForm
from surveys.models import Calibrator, CalibratorFlag, Night, Observation, Program, Target

PAGE_SIZE = 25
EXPORT_COLUMNS = ["name", "ra", "dec", "mag_v", "spectral_type", "priority", "programs", "status", "completion",
                  "n_obs", "last_obs"]


def home(request):
    """Landing page: public metadata of the programs (no proprietary data)."""
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


def target_list(request):
    """Public target metadata: names, positions, photometry, programs."""
    qs = Target.objects.prefetch_related("programs").order_by("name")
    filterset = TargetListFilter(request.GET or None, queryset=qs)
    page = Paginator(filterset.qs if filterset.is_valid() else qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "surveys/target_list.html",
                  {"filter": filterset, "page": page, "query": query.urlencode()})


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
    }
    return render(request, "surveys/target_detail.html", context)


def night_list(request):
    nights = selectors.night_list().order_by("-date")
    semester = request.GET.get("semester")
    if semester:
        nights = nights.filter(semester__code=semester)
    page = Paginator(nights, 50).get_page(request.GET.get("page"))
    semesters = Night.objects.exclude(semester=None).values_list("semester__code", flat=True).distinct()
    return render(request, "surveys/night_list.html",
                  {"page": page, "semesters": sorted(set(semesters)), "semester": semester})


def night_detail(request, date: str):
    """Allocations (public); OB queue, executed observations and ingest problems (logged-in users)."""
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise Http404("not a date (YYYY-MM-DD)")
    night = get_object_or_404(Night.objects.select_related("semester"), date=day)
    context = {"night": night, "allocations": night.allocations.select_related("program", "program__pi")}
    if request.user.is_authenticated:
        from obs_server.models import ObservingBlock
        from pipelines import selectors as pipeline_selectors
        from pipelines.models import RawFile

        visible = selectors.visible_rows_q(user=request.user)
        context["obs"] = (ObservingBlock.objects.filter(visible, night=night).select_related("program", "target")
                          .order_by("-priority", "submitted_at"))
        context["observations"] = (night.observations.filter(visible).select_related("program", "target", "ob")
                                   .prefetch_related("calibrators").order_by("start"))
        files = selectors.visible_rows_q(user=request.user, program="observation__program",
                                         target="observation__target")
        context["ingest_issues"] = pipeline_selectors.night_consolidation_issues(night=night, visible=files)
        context["quarantined"] = RawFile.objects.filter(files, night=night, status=RawFile.Status.QUARANTINED)
    return render(request, "surveys/night_detail.html", context)


def calibrator_list(request):
    active = Prefetch("flags", queryset=CalibratorFlag.objects.filter(active=True).select_related("declared_by"),
                      to_attr="active_flags")
    qs = Calibrator.objects.prefetch_related(active).annotate(
        n_obs=Count("observations", distinct=True)).order_by("name")
    filterset = CalibratorFilter(request.GET or None, queryset=qs)
    page = Paginator(filterset.qs if filterset.is_valid() else qs, 50).get_page(request.GET.get("page"))
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
    flags = calibrator.flags.select_related("declared_by", "observation__target", "observation__night")
    observations = (calibrator.observations.select_related("target", "night", "program").order_by("-start")[:50])
    context = {"calibrator": calibrator, "ra": format_ra(calibrator.ra_deg), "dec": format_dec(calibrator.dec_deg),
               "flags": flags, "observations": observations, "form": form,
               "status": 400 if form is not None and form.errors else 200}
    return render(request, "surveys/calibrator_detail.html", context, status=context["status"])

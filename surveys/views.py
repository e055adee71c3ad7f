"""Survey pages of surveys' own data (home, targets, calibrators): thin views over its models and services.

The pages that gather several apps (desk, dashboard, a target's page, the nights) are in portal/."""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from domain.errors import ApplicationError
from surveys import naming, services
from surveys.coords import CoordinateError, cone_separations, format_dec, format_ra, parse_cone
from surveys.filters import CalibratorFilter, TargetListFilter
from surveys.forms import CalibratorFlagForm
from surveys.models import Calibrator, CalibratorFlag, Night, Program, Target


def home(request):
    """Landing page: public metadata of the programs (no proprietary data); a logged-in person's home is the desk."""
    if request.user.is_authenticated:
        return redirect("surveys:desk")
    programs = Program.objects.annotate(n_targets=Count("targets", distinct=True)).order_by("priority", "code")
    context = {"programs": programs, "n_targets": Target.objects.count(), "n_nights": Night.objects.count()}
    return render(request, "surveys/home.html", context)


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

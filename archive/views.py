"""Pages of archive/: thin views over selectors (read) and services (write)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from archive import selectors
from archive.forms import ReviewForm
from archive.models import OutboxMessage, Product, ProductVersion
from archive.plots import review_plot_data
from archive.publishing import outbox_retry_rejected
from archive.storage import absolute_path
from archive.validation import version_validate as validate_service
from domain import quality
from domain.errors import ApplicationError
from issp_portal.signed_links import download_auth
from surveys.naming import sort_rows

PRODUCT_COLUMNS = {
    "created": lambda p: p.created.timestamp(), "level": lambda p: p.calib_level, "target": lambda p: p.target.name,
    "instrument": lambda p: p.instrument, "setup": lambda p: p.setup, "program": lambda p: p.program.code,
    "night": lambda p: p.night.date.toordinal() if p.night else None,
    "versions": lambda p: p.current_version.number if p.current_version else None,
    "quality": lambda p: quality.normalise(p.current_version.quality_flag) if p.current_version else None}


def _version_or_404(pk: int) -> ProductVersion:
    return get_object_or_404(ProductVersion.objects.select_related("product__program", "product__target",
                                                                   "processed_by"), pk=pk)


def _refuse(request, decision):
    if "Authorization" in request.headers or "signed" in request.GET:  # curl, a SAMP hub: no login page
        return HttpResponse(f"Access refused: {decision.reason}", status=403, content_type="text/plain")
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    # the portal's refusal page: the reason (embargo date, program) inside the layout and its navigation
    return render(request, "403.html", {"exception": f"Access refused: {decision.reason}"}, status=403)


def product_list(request):
    g = request.GET
    products = selectors.product_list(user=request.user, level=g.get("level", ""), instrument=g.get("instrument", ""),
                                      q=g.get("q", "").strip(), flag=g.get("flag", ""),
                                      night=g.get("night", "").strip(), target_id=g.get("target", "").strip(),
                                      program=g.get("program", "").strip())
    products, _, _ = sort_rows(products, g.get("sort"), PRODUCT_COLUMNS, "-created")
    page = Paginator(products, 50).get_page(g.get("page"))
    selection = g.copy()
    for key in ("sort", "page"):
        selection.pop(key, None)
    rows = [{"product": p, "flag": quality.label(p.current_version.quality_flag if p.current_version else None),
             "badge": quality.badge(p.current_version.quality_flag if p.current_version else None)} for p in page]
    return render(request, "archive/product_list.html", {
        "page": page, "rows": rows, "instruments": selectors.product_instruments(), "filters": g,
        "flag_choices": quality.REVIEW_CHOICES, "default_sort": "-created", "bulk_query": selection.urlencode()})


def product_detail(request, pk: int):
    product = get_object_or_404(Product.objects.select_related("program", "target", "night", "current_version"), pk=pk)
    decision = selectors.product_access(user=request.user, product=product)
    if not decision:
        return _refuse(request, decision)
    versions = product.versions.select_related("processed_by").prefetch_related("reviews__reviewer", "inputs")
    reviews = [r for v in versions for r in v.reviews.all()]
    reviewer = selectors.can_review(user=request.user, program=product.program)
    return render(request, "archive/product_detail.html", {
        "product": product, "versions": [(v, quality.label(v.quality_flag), quality.badge(v.quality_flag))
                                         for v in versions],
        "current": product.current_version, "reviews": sorted(reviews, key=lambda r: r.at, reverse=True),
        "can_review": reviewer, "outbox": selectors.product_outbox(product=product) if reviewer else [],
        "granules": selectors.product_granules(product=product),
        "flag_label": quality.label, "decision": decision,
        "supersession": selectors.review_supersession(product=product),
        "run_links": selectors.product_runs(product=product)})


def version_detail(request, pk: int):
    version = _version_or_404(pk)
    decision = selectors.version_access(user=request.user, version=version)
    if not decision:
        return _refuse(request, decision)
    reviewer = selectors.can_review(user=request.user, program=version.product.program)
    path = absolute_path(version.path)
    report = version.validation_report or {}
    return render(request, "archive/version_detail.html", {
        "version": version, "product": version.product, "report": report,
        "problems": report.get("problems", []), "summary": report.get("summary", {}),
        "wave_um": [report["summary"][k] * 1e6 for k in ("wave_min", "wave_max")]
        if "wave_min" in report.get("summary", {}) else None,
        "plot_data": review_plot_data(path) if path.exists() and version.product.kind == "oifits" else None,
        "calibration": (version.provenance or {}).get("calibration_report") or (version.provenance or {}).get(
            "calibration"),
        "provenance": version.provenance or {}, "flag": quality.label(version.quality_flag),
        "badge": quality.badge(version.quality_flag), "reviews": version.reviews.select_related("reviewer"),
        "can_review": reviewer and version.product.current_version_id == version.pk,
        "form": ReviewForm()})


def version_report_json(request, pk: int):
    version = _version_or_404(pk)
    decision = selectors.version_access(user=request.user, version=version)
    if not decision:
        return JsonResponse({"detail": f"Access refused: {decision.reason}"}, status=403)
    return JsonResponse(version.validation_report or {})


@download_auth
def version_download(request, pk: int):
    """Stream the file after asking the access policy now (never a cached answer). Session, API token or
    a short-lived signed link (issp_portal.signed_links) say who asks; none of them skips the policy."""
    version = _version_or_404(pk)
    decision = selectors.version_access(user=request.user, version=version)
    if not decision:
        return _refuse(request, decision)
    try:
        path = absolute_path(version.path)
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except (ValueError, OSError):
        raise Http404("The archived file is missing; the archive check will report it.") from None
    return FileResponse(handle, as_attachment=True, filename=version.filename,
                        content_type="application/fits")


@login_required
@require_POST
def version_validate(request, pk: int):
    version = _version_or_404(pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        for field, errs in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errs)}")
        return redirect("archive:version-detail", pk=pk)
    try:
        new = validate_service(version=version, reviewer=request.user, flag=form.cleaned_data["flag"],
                               comment=form.cleaned_data["comment"])
    except ApplicationError as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in exc.errors.items()) if isinstance(exc.errors, dict) else ""
        messages.error(request, f"{exc.message} {detail}".strip())
        if exc.http_status == 403:
            return HttpResponseForbidden(exc.message)
        return redirect("archive:version-detail", pk=pk)
    messages.success(request, f"Validated: flag {new.quality_flag} ({quality.label(new.quality_flag)}); "
                              f"version {new.number} carries it in its FITS header.")
    return redirect("archive:product-detail", pk=new.product_id)


@login_required
@require_POST
def outbox_retry(request, pk: int):
    message = get_object_or_404(OutboxMessage.objects.select_related("product__program"), pk=pk)
    if message.product is None or not selectors.can_review(user=request.user, program=message.product.program):
        return HttpResponseForbidden("Only the program's data managers or staff may re-send.")
    outbox_retry_rejected(message_id=message.pk)
    messages.success(request, f"Queued again for {message.destination}.")
    return redirect("archive:product-detail", pk=message.product_id)

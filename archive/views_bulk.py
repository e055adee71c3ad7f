"""Bulk download of a selection: a streamed zip, or a curl script for large sets (archive/bulk.py decides)."""
from __future__ import annotations

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from archive.bulk import bulk_plan, selection_filters
from domain import bulk as fmt
from domain.errors import ValidationFailed
from issp_portal.signed_links import download_auth


def _plan_or_error(request):
    try:
        filters = selection_filters(request.GET)
    except ValidationFailed as exc:
        return None, JsonResponse({"detail": exc.message, "errors": exc.errors}, status=400)
    plan = bulk_plan(user=request.user, filters=filters)
    if not plan.items and not plan.withheld and not plan.missing:
        return None, HttpResponse("No product matches this selection.", status=404, content_type="text/plain")
    return plan, None


def _made_for(request) -> str:
    return request.user.get_username() if request.user.is_authenticated else "an anonymous visitor"


@require_GET
@download_auth
def bulk_zip(request):
    """The selection as one zip (README.txt, SHA256SUMS, the files), streamed as it is written."""
    plan, error = _plan_or_error(request)
    if error:
        return error
    refusal = plan.zip_refusal()
    if refusal:
        script = reverse("archive:bulk-script") + "?" + request.GET.urlencode()
        return HttpResponse(f"{refusal}\nCurl script: {request.build_absolute_uri(script)}\n", status=400,
                            content_type="text/plain; charset=utf-8")
    readme = fmt.readme(title=plan.title, items=plan.items, withheld=plan.withheld, missing=plan.missing,
                        made_for=_made_for(request), source_url=request.build_absolute_uri())
    response = StreamingHttpResponse(
        fmt.zip_chunks(plan.items, extra=[("README.txt", readme), ("SHA256SUMS", fmt.sha256sums(plan.items))]),
        content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="issp-{fmt.safe_part(plan.title)[:80]}.zip"'
    response["X-Files-Withheld"] = str(plan.withheld)
    return response


@require_GET
@download_auth
def bulk_script(request):
    """A bash script with each file's own download URL (the policy is asked again per file) and checksums."""
    plan, error = _plan_or_error(request)
    if error:
        return error
    items = [(item, request.build_absolute_uri(reverse("archive:version-download", args=[item.version_id])))
             for item in plan.items]
    text = fmt.curl_script(title=plan.title, items=items, withheld=plan.withheld, missing=plan.missing,
                           when=timezone.now().isoformat(timespec="seconds"),
                           token_required=any(i.version_id not in plan.public for i in plan.items),
                           token_page=request.build_absolute_uri(reverse("obs_server:ob-upload-page")))
    response = HttpResponse(text, content_type="text/x-shellscript; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="issp-{fmt.safe_part(plan.title)[:80]}.sh"'
    return response

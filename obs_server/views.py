"""Portal pages of the OB server: the operators' queue, the .obxml upload form, a2p2 keys."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from domain.errors import ApplicationError
from domain.ob_format import ObFormatError, ObXmlError, obxml_to_dict
from issp_portal.dates import day_or_none
from obs_server import key_services, observability, queue_services, selectors, services
from obs_server.models import ObservingBlock, ObSubmitKey
from surveys import selectors as survey_selectors


def _plot_data(entries: list[selectors.QueueEntry], night_date) -> tuple[list[dict], dict]:
    """Altitude vs time over the night for every OB, split inside / outside its HA window."""
    start, end = observability.night_bounds(night_date)
    obs = [e.ob for e in entries if e.ob.ra_deg is not None]
    times, alt, ha = observability.altitude_curves([o.ra_deg for o in obs], [o.dec_deg for o in obs],
                                                   start, end, step_minutes=10)
    labels = [t.strftime("%Y-%m-%dT%H:%M") for t in times]
    plots = []
    for i, o in enumerate(obs):
        low, high = (o.ha_min, o.ha_max) if o.ha_min is not None else observability.DEFAULT_HA_WINDOW
        inside = [round(float(a), 1) if low <= h <= high else None for a, h in zip(alt[i], ha[i], strict=True)]
        plots.append({"id": o.pk, "all": [round(float(a), 1) for a in alt[i]], "inside": inside})
    now = timezone.now()
    meta = {"times": labels, "now": now.strftime("%Y-%m-%dT%H:%M") if start <= now <= end else None,
            "min_alt": selectors.settings.OBS_SERVER_MIN_ALTITUDE_DEG}
    return plots, meta


def _back(request: HttpRequest) -> str:
    """Where a form returns: its `next` when it is a path of this site, else the queue page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("obs_server:ob-queue-page")


@login_required
def queue_page(request: HttpRequest) -> HttpResponse:
    night_date = day_or_none(request.GET.get("night", "")) or observability.night_date(timezone.now())
    queue_services.ob_leases_expire()
    qs = selectors.queue_scope(user=request.user, night_date=night_date,
                               instrument=request.GET.get("instrument", ""), program=request.GET.get("program", ""))
    entries = selectors.queue_ranked(qs, now=timezone.now())
    plots, meta = _plot_data(entries, night_date)
    operator_programs = set(selectors.programs_for(user=request.user, roles=selectors.OPERATOR_ROLES)
                            .values_list("pk", flat=True))
    programs = selectors.programs_for(user=request.user, roles=selectors.ALL_ROLES).order_by("priority", "code")
    next_nights = survey_selectors.nights_from(date=night_date)[:6]
    return render(request, "obs_server/queue.html", {
        "entries": entries, "night_date": night_date, "plots_json": plots, "meta_json": meta,
        "operator_programs": operator_programs, "programs": programs, "next_nights": next_nights,
        "instrument": request.GET.get("instrument", ""), "program_filter": request.GET.get("program", ""),
    })


@login_required
@require_POST
def priority_change(request: HttpRequest, pk: int) -> HttpResponse:
    ob = get_object_or_404(ObservingBlock, pk=pk)
    try:
        queue_services.ob_priority_change(ob=ob, delta=1 if request.POST.get("direction") == "up" else -1,
                                          actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(_back(request))


@login_required
@require_POST
def program_pause(request: HttpRequest, code: str) -> HttpResponse:
    program = survey_selectors.program_by_code(code=code)
    if program is None:
        raise Http404(f"no program {code[:40]!r}")
    paused = request.POST.get("paused") == "1"
    try:
        queue_services.program_pause_set(program=program, paused=paused, actor=request.user)
        messages.success(request, f"Program {code} {'paused' if paused else 'resumed'}.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(_back(request))


class UploadForm(forms.Form):
    obxml = forms.FileField(label="Aspro2 .obxml file")
    program = forms.ModelChoiceField(queryset=None)  # the user's programs, set in __init__
    night = forms.ModelChoiceField(queryset=None, required=False, empty_label="any night")
    validate_only = forms.BooleanField(required=False, label="Validate only (store nothing)")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        programs = selectors.programs_for(user=user, roles=selectors.SUBMIT_ROLES)
        self.fields["program"].queryset = programs
        if programs.count() == 1:
            self.fields["program"].initial = programs.first()
        self.fields["night"].queryset = survey_selectors.nights_from(
            date=observability.night_date(timezone.now()))


@login_required
def upload_page(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    result, errors = None, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payload = obxml_to_dict(data["obxml"].read())
            if data["validate_only"]:
                definition, warnings = services.ob_validate(payload=payload, program=data["program"])
                result = {"detail": "Valid, nothing stored: " + definition.summary(), "warnings": warnings}
            else:
                ob, created, warnings = services.ob_receive(payload=payload, program=data["program"],
                                                            submitted_by=request.user, night=data["night"],
                                                            client="upload form")
                verb = "accepted and queued" if created else "already received (same content)"
                result = {"detail": f"OB {ob.pk} {verb}: {ob.summary}", "warnings": warnings, "ob": ob}
        except ObXmlError as exc:
            errors = {"xml": str(exc)}
        except ObFormatError as exc:
            errors = exc.errors
        except ApplicationError as exc:
            errors = exc.errors or {"": exc.message}
    keys = selectors.submit_keys_live(user=request.user)
    token = selectors.api_token_of(user=request.user)
    return render(request, "obs_server/upload.html", {
        "form": form, "result": result, "errors": errors, "keys": keys, "token": token,
        "new_key_url": request.session.pop("ob_new_key_url", None),
        "submit_url": request.build_absolute_uri(reverse("obs_server:ob-submit")),
    }, status=400 if errors or (request.method == "POST" and form.errors) else 200)


@login_required
@require_POST
def keys_action(request: HttpRequest) -> HttpResponse:
    """Create/revoke a2p2 secret URLs and the API token (shown once / on this page only)."""
    action = request.POST.get("action")
    try:
        if action == "create":
            program = survey_selectors.program_by_code(code=request.POST.get("program", ""))
            _, raw = key_services.submit_key_create(user=request.user, program=program)
            request.session["ob_new_key_url"] = request.build_absolute_uri(
                reverse("obs_server:ob-submit-key", kwargs={"key": raw}))
            messages.success(request, "New a2p2 URL created: copy it now, it is shown only once.")
        elif action == "revoke":
            key = get_object_or_404(ObSubmitKey, pk=request.POST.get("key"), user=request.user)
            key_services.submit_key_revoke(key=key, by=request.user)
            messages.success(request, f"Key {key.hint}... revoked.")
        elif action == "token":
            key_services.api_token_rotate(user=request.user)
            messages.success(request, "New API token created (the old one no longer works).")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("obs_server:ob-upload-page")


@login_required
def ob_page(request: HttpRequest, pk: int) -> HttpResponse:
    """An OB for people: what it asks for, its history, what it observed and the products made from it."""
    ob = selectors.ob_visible(user=request.user, pk=pk)
    if ob is None:
        return render(request, "obs_server/ob_missing.html", {"pk": pk}, status=404)
    return render(request, "obs_server/ob_detail.html", {
        "ob": ob, "transitions": selectors.transitions_of(ob), "visits": selectors.ob_visits(ob=ob),
        "observations": selectors.ob_observations(ob=ob),
        "products": selectors.ob_products(ob=ob, user=request.user)})

"""Pages of notifications/: the settings page (logged in) and the signed one-click unsubscribe (no login)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications import selectors, services
from notifications.events import WHO, kinds_concerning
from notifications.models import EventKind


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    user = request.user
    if request.method == "POST":
        services.preferences_set(user=user, enabled={k: f"kind_{k}" in request.POST for k in EventKind.values},
                                 daily_digest=request.POST.get("daily_digest") == "on")
        messages.success(request, "Your notification settings are saved.")
        return redirect("notifications:settings")
    prefs, concerning = selectors.preferences_for(user=user), kinds_concerning(user=user)
    rows = [{"kind": k, "label": EventKind(k).label, "who": WHO[k], "enabled": prefs[k], "concerns": k in concerning}
            for k in EventKind.values]
    return render(request, "notifications/settings.html", {
        "rows": rows, "daily_digest": selectors.daily_digest_on(user=user),
        "recent": selectors.deliveries_recent(user=user), "has_email": bool(user.email)})


@csrf_exempt  # the signed token is the credential (mail clients POST it, RFC 8058); no session is used
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET asks (link scanners and previews follow GET links: they must not switch anything off);
    POST, from the page's button or the mail client's one-click, switches the kind off."""
    try:
        if request.method == "POST":
            user, kind = services.unsubscribe(token=token)
        else:
            user, kind = selectors.unsubscribe_subject(token=token)
    except signing.BadSignature:
        return render(request, "notifications/unsubscribed.html",
                      {"error": "This unsubscribe link is not valid (altered or not from this portal). "
                                "Log in and use the notification settings page instead."}, status=400)
    return render(request, "notifications/unsubscribed.html",
                  {"label": EventKind(kind).label, "who": user, "done": request.method == "POST"})

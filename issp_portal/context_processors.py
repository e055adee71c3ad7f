"""Navigation shared by every page; links whose route is not installed are skipped."""
from importlib import import_module

from django.urls import NoReverseMatch, reverse

import issp_portal

NAV = [
    ("Dashboard", "surveys:dashboard"),
    ("Targets", "surveys:target-list"),
    ("Nights", "surveys:night-list"),
    ("Calibrators", "surveys:calibrator-list"),
    ("OB queue", "obs_server:ob-queue-page"),
    ("Planner", "planning:planner"),
    ("Pipelines", "pipelines:run-list"),
    ("Archive", "archive:product-list"),
    ("Calibration", "calibration:run-list"),
    ("Diameters", "analysis:diameter-table"),
    ("Performance", "performance:overview"),
    ("JMMC", "jmmc:sync-status"),
    ("API", "api-docs"),
]


# Pages refused to some signed-in users: route name -> "module:predicate(user) -> bool" of the owning app.
RESTRICTED = {"jmmc:sync-status": "surveys.jmmc.views:may_see_sync_status",
              "pipelines:run-list": "pipelines.views:may_see_runs"}


def _hidden(name: str, user) -> bool:
    """Links the signed-in user would only meet as a refusal page (anonymous users are sent to log in)."""
    if name not in RESTRICTED or not user.is_authenticated:
        return False
    module, func = RESTRICTED[name].split(":")
    return not getattr(import_module(module), func)(user)


def portal(request) -> dict:
    links = []
    user = getattr(request, "user", None)
    for label, name in NAV:
        if user is not None and _hidden(name, user):
            continue
        try:
            links.append({"label": label, "url": reverse(name)})
        except NoReverseMatch:
            continue
    return {"nav_links": links, "portal_version": issp_portal.__version__}

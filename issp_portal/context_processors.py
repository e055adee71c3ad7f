"""Navigation shared by every page; links whose route is not installed are skipped."""
from importlib import import_module

from django.urls import NoReverseMatch, reverse

import issp_portal

NAV = [
    ("Desk", "surveys:desk"),
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


# Pages refused to signed-in users without one of these program roles (staff see all): route name ->
# "module:CONSTANT" naming the roles in the owning app, which checks the same constant in its view.
RESTRICTED = {"jmmc:sync-status": "surveys.jmmc.views:SYNC_VIEWER_ROLES",
              "pipelines:run-list": "pipelines.views:STAFF_ROLES"}


def _user_roles(user) -> set[str] | None:
    """The signed-in user's program roles (one query), None when nothing is hidden (anonymous or staff)."""
    if not user.is_authenticated or user.is_staff:
        return None
    return set(user.program_roles.values_list("role", flat=True))


def _hidden(name: str, roles: set[str] | None) -> bool:
    """Links the signed-in user would only meet as a refusal page (anonymous users are sent to log in)."""
    if roles is None or name not in RESTRICTED:
        return False
    module, constant = RESTRICTED[name].split(":")
    return not roles & set(getattr(import_module(module), constant))


def portal(request) -> dict:
    links = []
    user = getattr(request, "user", None)
    roles = _user_roles(user) if user is not None else None
    for label, name in NAV:
        if _hidden(name, roles):
            continue
        try:
            links.append({"label": label, "url": reverse(name)})
        except NoReverseMatch:
            continue
    return {"nav_links": links, "portal_version": issp_portal.__version__}

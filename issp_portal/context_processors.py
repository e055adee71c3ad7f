"""Navigation shared by every page; links whose route is not installed are skipped."""
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


def portal(request) -> dict:
    links = []
    for label, name in NAV:
        try:
            links.append({"label": label, "url": reverse(name)})
        except NoReverseMatch:
            continue
    return {"nav_links": links, "portal_version": issp_portal.__version__}

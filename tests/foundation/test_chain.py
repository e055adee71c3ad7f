"""The chain table (issp_portal.chain) matches the code: services, tasks, beat entries, hand-offs, README."""
from __future__ import annotations

import inspect
import re

from django.utils.module_loading import import_string

from issp_portal.chain import STEPS
from tests.conftest import ROOT


def test_every_service_task_beat_entry_and_handoff_of_the_chain_exists(settings):
    from issp_portal.celery import app

    app.loader.import_default_modules()
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for step in STEPS:
        for path in step.services:
            assert callable(import_string(path)), (step.name, path)
        assert step.task is None or step.task in app.tasks, (step.name, step.task)
        assert step.beat is None or (step.beat in beat and step.beat in app.tasks), (step.name, step.beat)
        if step.handoff:
            caller, callee = step.handoff
            assert re.search(rf"\b{callee}\(", inspect.getsource(import_string(caller))), (step.name, step.handoff)


def test_readme_and_module_docstring_show_every_step():
    import issp_portal.chain as chain

    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## The data chain"):]
    for step in STEPS:
        assert step.name in chain.__doc__, step.name
        row = next((line for line in table.splitlines() if line.startswith(f"| {step.name} |")), None)
        assert row is not None, f"README has no row for {step.name}"
        for name in (*[p.rsplit(".", 1)[1] for p in step.services], step.task or "none"):
            assert name in row, (step.name, name)

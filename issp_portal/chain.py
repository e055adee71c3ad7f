"""The data chain in one place: each step, the service that does it, the task that runs it, what starts it.

OB execution -> Observation
    service  obs_server.queue_services.ob_transition -> surveys.services.observation_record
    task     none (the OB API, in the web request)
    trigger  the CHARA-side client reports DONE/FAILED
raw -> ingest, L0
    service  pipelines.services.ingest_run_execute (pipelines.ingest.raw_file_ingest per file)
    task     pipelines.ingest_run (queue ingest)
    trigger  beat pipelines.ingest_landing (SFTP pull, then the landing folder); manage.py ingest
L0 -> outbox
    service  archive.publishing.l0_publish (called by pipelines.ingest when ARCHIVE_PUSH_ENABLED)
    task     archive.outbox_deliver (queue archive), on commit; beat archive.outbox_flush re-queues
ingest -> L1
    service  pipelines.services.l1_run_execute (pipelines.reduction.l1.raw_file_reduce per file)
    task     pipelines.l1_run (queue reduce)
    trigger  end of an ingest run: one L1 run per night with new consolidated raw files
L1 -> noise model
    service  pipelines.performance.services.samples_refresh
    task     performance.samples_refresh (queue default)
    trigger  end of an L1 run (samples_refresh_later, on commit); beat safety net
L1 -> L2
    service  pipelines.calibration.services.calibration_run_execute (one run per night and setup)
    task     calibration.calibrate_setup (queue calibrate)
    trigger  end of an L1 run once the night is complete (PIPELINES_AUTO_L2); admin action
L2 -> L3
    service  pipelines.analysis.services.target_l3_refresh
    task     analysis.target_fit (queue analysis)
    trigger  new current L2 versions: once per target per L2 run (target_l3_refresh_later, on commit);
             beat analysis.sweep_stale; the survey button (analysis.survey_dispatch)
L2 -> L3 companion
    service  pipelines.analysis.companion_services.target_companion_refresh
    task     analysis.companion_target (queue analysis)
    trigger  queued with the diameter fit by target_l3_refresh_later (on commit); beat analysis.sweep_stale;
             the survey-screen button (analysis.companion_dispatch)
validation -> OiDB
    service  archive.validation.version_validate -> archive.publishing.version_publish
    task     archive.outbox_deliver (queue archive)
    trigger  a reviewer validates a version on the archive page
L2 -> e-mail to reviewers, night reduced -> e-mail, OB outcome -> e-mail, suspect calibrator -> e-mail
    service  notifications.services.event_notify (notifications.services.digest_send for the digest)
    task     notifications.send (queue default), on commit; beat notifications.digest (daily)
    trigger  a new L2 version (_store); the last L1 run of a night ends (_notify_when_reduced);
             an OB reported DONE/FAILED (_observation_for); a suspect calibrator proposed (_flag_suspects)
every run -> stale sweep
    service  pipelines.runs.runs_sweep_stale (and surveys.jmmc.services.sync_runs_sweep_stale)
    task     pipelines.runs_sweep (queue default)
    trigger  beat (RUNS_SWEEP_INTERVAL_S)

Every run (ingest, L1, L2, L3) follows one lifecycle (pipelines.runs); queues are set
in CELERY_TASK_ROUTES; periodic triggers in CELERY_BEAT_SCHEDULE. `STEPS` below is the
same table as data: tests/foundation/test_chain.py checks that every service, task, beat
entry and hand-off it names exists in the code, and that the README shows the same steps.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    name: str
    services: tuple[str, ...]  # dotted paths of the functions doing the work
    task: str | None  # Celery task name (None: done inside a web request)
    beat: str | None  # beat task that also triggers (or re-triggers) the step
    trigger: str
    handoff: tuple[str, str] | None = None  # (function, name it calls) that starts the next step


STEPS: tuple[Step, ...] = (
    Step("OB execution -> Observation",
         ("obs_server.queue_services.ob_transition", "surveys.services.observation_record"), None, None,
         "the CHARA-side client reports DONE/FAILED through the OB API",
         ("obs_server.queue_services._observation_for", "observation_record")),
    Step("raw -> ingest, L0", ("pipelines.services.ingest_run_execute", "pipelines.ingest.raw_file_ingest"),
         "pipelines.ingest_run", "pipelines.ingest_landing", "beat (SFTP pull + landing folder); manage.py ingest"),
    Step("L0 -> outbox", ("archive.publishing.l0_publish",), "archive.outbox_deliver", "archive.outbox_flush",
         "each new L0 record when ARCHIVE_PUSH_ENABLED, on commit",
         ("pipelines.ingest._consolidate_and_register", "l0_publish")),
    Step("ingest -> L1", ("pipelines.services.l1_run_execute", "pipelines.reduction.l1.raw_file_reduce"),
         "pipelines.l1_run", None, "end of an ingest run: one L1 run per night with new consolidated files",
         ("pipelines.services._l1_runs_for_ingest", "l1_run_create")),
    Step("L1 -> noise model", ("pipelines.performance.services.samples_refresh",), "performance.samples_refresh",
         "performance.samples_refresh", "end of an L1 run, on commit",
         ("pipelines.services.l1_run_execute", "samples_refresh_later")),
    Step("L1 -> L2", ("pipelines.calibration.services.calibration_run_execute",), "calibration.calibrate_setup",
         None, "end of an L1 run once the night is complete (PIPELINES_AUTO_L2); admin action",
         ("pipelines.services._calibrate_when_complete", "night_calibrate_if_complete")),
    Step("L2 -> L3", ("pipelines.analysis.services.target_l3_refresh",), "analysis.target_fit",
         "analysis.sweep_stale", "a new current L2 version, on commit; survey button",
         ("pipelines.calibration.services._store", "target_l3_refresh_later")),
    Step("L2 -> L3 companion", ("pipelines.analysis.companion_services.target_companion_refresh",),
         "analysis.companion_target", "analysis.sweep_stale",
         "queued with the diameter fit on a new current L2; survey-screen button",
         ("pipelines.analysis.services.target_l3_refresh_later", "companion_target_task.delay")),
    Step("validation -> OiDB", ("archive.validation.version_validate", "archive.publishing.version_publish"),
         "archive.outbox_deliver", None, "a reviewer validates a version",
         ("archive.validation.version_validate", "version_publish")),
    Step("L2 -> e-mail to reviewers", ("notifications.services.event_notify",), "notifications.send",
         "notifications.digest", "a new L2 version, on commit (PI and data managers); daily digest",
         ("pipelines.calibration.services._store", "notify_later")),
    Step("night reduced -> e-mail", ("notifications.services.event_notify",), "notifications.send",
         "notifications.digest", "the last L1 run of a night ends, on commit (PI, co-Is, data managers)",
         ("pipelines.services._notify_when_reduced", "notify_later")),
    Step("OB outcome -> e-mail", ("notifications.services.event_notify",), "notifications.send",
         "notifications.digest", "an OB reported DONE/FAILED, on commit (PI and co-Is)",
         ("obs_server.queue_services._observation_for", "notify_later")),
    Step("suspect calibrator -> e-mail", ("notifications.services.event_notify",), "notifications.send",
         "notifications.digest", "an automatic suspect flag proposed, on commit (staff and data managers)",
         ("pipelines.calibration.services._flag_suspects", "notify_later")),
    Step("every run -> stale sweep", ("pipelines.runs.runs_sweep_stale",), "pipelines.runs_sweep",
         "pipelines.runs_sweep", "beat (RUNS_SWEEP_INTERVAL_S)"),
)

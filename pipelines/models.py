"""Raw files, their consolidated headers and L0 records, and pipeline runs."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class PipelineRun(models.Model):
    """One run of a pipeline step (ingest, L1 reduction, L2 calibration, L3 fit)."""

    class Kind(models.TextChoices):
        INGEST = "ingest", "Ingest"
        L1 = "l1", "L1 reduction"
        L2 = "l2", "L2 calibration"
        L3 = "l3", "L3 analysis"

    class Phase(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.PENDING, db_index=True)
    night = models.ForeignKey(
        "surveys.Night", null=True, blank=True, on_delete=models.SET_NULL, related_name="pipeline_runs"
    )
    setup = models.CharField(max_length=200, blank=True, help_text="Instrument setup key, for L2")
    parameters = models.JSONField(default=dict, blank=True)
    processing = models.CharField(max_length=10, default="automatic", help_text="automatic | manual")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True,
                                     help_text="Last sign of life of the task running it (pipelines.runs)")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error_summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.kind} {self.night or ''} {self.phase}"


class RawFile(models.Model):
    """A raw file, registered once by content hash whatever its name."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "Registered"
        CONSOLIDATED = "consolidated", "Consolidated"
        QUARANTINED = "quarantined", "Quarantined"

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    original_name = models.CharField(max_length=300)
    path = models.CharField(max_length=500, help_text="Where the raw file is stored")
    consolidated_path = models.CharField(max_length=500, blank=True)
    instrument = models.CharField(max_length=20, blank=True)
    night = models.ForeignKey(
        "surveys.Night", null=True, blank=True, on_delete=models.SET_NULL, related_name="raw_files"
    )
    observation = models.ForeignKey(
        "surveys.Observation", null=True, blank=True, on_delete=models.SET_NULL, related_name="raw_files"
    )
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.REGISTERED)
    quarantine_reason = models.TextField(blank=True)
    consolidation_report = models.JSONField(default=dict, blank=True)
    ingest_run = models.ForeignKey(PipelineRun, null=True, blank=True, on_delete=models.SET_NULL)
    registered = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-registered"]

    def __str__(self) -> str:
        return self.original_name


class L0Record(models.Model):
    """Header metadata of one raw file: what CHARA's logs carry to OiDB and ObsPortal."""

    raw_file = models.OneToOneField(RawFile, on_delete=models.CASCADE, related_name="l0")
    target_name = models.CharField(max_length=80, blank=True)
    program_code = models.CharField(max_length=40, blank=True)
    instrument = models.CharField(max_length=20)
    mode = models.CharField(max_length=20, blank=True)
    obs_type = models.CharField(max_length=20, blank=True, help_text="SCIENCE / CALIBRATION")
    mjd_start = models.FloatField(null=True, blank=True)
    mjd_end = models.FloatField(null=True, blank=True)
    stations = models.CharField(max_length=60, blank=True)
    r0 = models.FloatField(null=True, blank=True)
    tau0 = models.FloatField(null=True, blank=True)
    ra_deg = models.FloatField(null=True, blank=True)
    dec_deg = models.FloatField(null=True, blank=True)
    header = models.JSONField(default=dict, blank=True)
    updated = models.DateTimeField(auto_now=True, db_index=True,
                                   help_text="Last change: exp_date_updated of the ObsPortal-shaped L0 feed")

    def __str__(self) -> str:
        return f"L0 {self.raw_file}"


class ReductionOutput(models.Model):
    """The L1 product made from one raw file by one runner version: the link raw input -> L1 version."""

    raw_file = models.ForeignKey(RawFile, on_delete=models.CASCADE, related_name="reduction_outputs")
    software = models.CharField(max_length=100)
    product_version = models.ForeignKey(
        "archive.ProductVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="reduced_from"
    )
    run = models.ForeignKey(PipelineRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="outputs")
    role = models.CharField(max_length=12, blank=True, help_text="SCIENCE / CALIBRATION")
    object_name = models.CharField(max_length=80, blank=True)
    exit_status = models.IntegerField(null=True, blank=True)
    log = models.TextField(blank=True)
    problems = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [models.UniqueConstraint(fields=["raw_file", "software"], name="uniq_reduction_output")]

    def __str__(self) -> str:
        return f"L1 of {self.raw_file} by {self.software}"

"""Models of L2 calibration: a proxy of pipelines.PipelineRun for the admin (no table of its own)."""
from __future__ import annotations

from django.db import models

from pipelines.models import PipelineRun


class CalibrationRunManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=PipelineRun.Kind.L2)


class CalibrationRun(PipelineRun):
    """An L2 run (one night and setup), shown in the admin with its progress and report."""

    objects = CalibrationRunManager()

    class Meta:
        proxy = True
        verbose_name = "L2 calibration run"
        verbose_name_plural = "L2 calibration runs"

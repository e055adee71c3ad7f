"""Models of L3 survey analyses.

The L3 product (archive ProductVersion, JSON, with provenance) is the record of
each fit; DiameterResult is its flat, indexed copy so the survey table can sort
and filter 2,000 targets in one query.
"""
from __future__ import annotations

from django.db import models


class DiameterResult(models.Model):
    """Current UD/LD fit of one target's L2 data of one program and instrument."""

    class Status(models.TextChoices):
        OK = "ok", "Fitted"
        FAILED = "failed", "Failed"

    target = models.ForeignKey("surveys.Target", on_delete=models.CASCADE, related_name="diameter_results")
    program = models.ForeignKey("surveys.Program", on_delete=models.CASCADE, related_name="diameter_results")
    instrument = models.CharField(max_length=20)
    band = models.CharField(max_length=2, blank=True)
    wavelength_um = models.FloatField(null=True, blank=True, help_text="mean wavelength of the V² used")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OK, db_index=True)
    error = models.TextField(blank=True)
    version = models.ForeignKey("archive.ProductVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="the L3 product version holding this fit")
    input_fingerprint = models.CharField(max_length=64, help_text="hash of the L2 version ids and fit settings")
    engine = models.CharField(max_length=60, blank=True)
    ud_mas = models.FloatField(null=True, blank=True, db_index=True)
    ud_err_formal = models.FloatField(null=True, blank=True)
    ud_err_boot = models.FloatField(null=True, blank=True)
    ud_chi2 = models.FloatField(null=True, blank=True)
    ld_mas = models.FloatField(null=True, blank=True)
    ld_err_formal = models.FloatField(null=True, blank=True)
    ld_err_boot = models.FloatField(null=True, blank=True)
    ld_chi2 = models.FloatField(null=True, blank=True)
    ld_law = models.CharField(max_length=10, blank=True)
    ld_coeff = models.FloatField(null=True, blank=True)
    ld_coeff_source = models.CharField(max_length=120, blank=True)
    n_v2 = models.PositiveIntegerField(default=0)
    n_t3 = models.PositiveIntegerField(default=0)
    n_nights = models.PositiveIntegerField(default=0)
    bootstrap_over = models.CharField(max_length=10, blank=True)
    cp_chi2 = models.FloatField(null=True, blank=True, help_text="χ²_red of closure phases vs 0/180°")
    single_disk = models.BooleanField(null=True, blank=True)
    flags = models.CharField(max_length=200, blank=True, help_text="comma-separated")
    t_max = models.FloatField(null=True, blank=True, help_text="MJD of the last L2 point (embargo)")
    run = models.ForeignKey("pipelines.PipelineRun", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    fitted_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["target__name", "instrument"]
        constraints = [models.UniqueConstraint(fields=["target", "program", "instrument"],
                                               name="uniq_diameter_target_program_instrument")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.instrument} UD={self.ud_mas}"

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]

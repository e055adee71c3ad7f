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


class CompanionResult(models.Model):
    """Current companion screen (L3 product kind "companion") of one target's L2 of one program and instrument."""

    class Status(models.TextChoices):
        OK = "ok", "Screened"
        FAILED = "failed", "Failed"

    target = models.ForeignKey("surveys.Target", on_delete=models.CASCADE, related_name="companion_results")
    program = models.ForeignKey("surveys.Program", on_delete=models.CASCADE, related_name="companion_results")
    instrument = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OK, db_index=True)
    error = models.TextField(blank=True)
    version = models.ForeignKey("archive.ProductVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="the L3 product version holding this screen")
    input_fingerprint = models.CharField(max_length=64, help_text="hash of the L2 version ids and screen settings")
    detected = models.BooleanField(null=True, blank=True, help_text="best companion at or above the threshold")
    threshold = models.FloatField(default=5.0, help_text="detection threshold (sigma)")
    nsigma = models.FloatField(null=True, blank=True, help_text="significance of the best binary vs the single star")
    separation_mas = models.FloatField(null=True, blank=True)
    position_angle_deg = models.FloatField(null=True, blank=True, help_text="East of North")
    flux_ratio_percent = models.FloatField(null=True, blank=True)
    flux_ratio_err_percent = models.FloatField(null=True, blank=True)
    limit5_5mas = models.FloatField(null=True, blank=True, help_text="5σ flux-ratio limit (%) at 5 mas")
    limit5_20mas = models.FloatField(null=True, blank=True, help_text="5σ flux-ratio limit (%) at 20 mas")
    rmax_mas = models.FloatField(null=True, blank=True, help_text="outer radius searched (smearing field of view)")
    n_points = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    t_max = models.FloatField(null=True, blank=True, help_text="MJD of the last L2 point (embargo)")
    run = models.ForeignKey("pipelines.PipelineRun", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    screened_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["target__name", "instrument"]
        constraints = [models.UniqueConstraint(fields=["target", "program", "instrument"],
                                               name="uniq_companion_target_program_instrument")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.instrument} companion nσ={self.nsigma}"

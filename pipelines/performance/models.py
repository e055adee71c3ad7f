"""Per-baseline performance samples taken from L1 products."""
from __future__ import annotations

from django.db import models


class SnrSample(models.Model):
    """The achieved V² SNR on one baseline of one L1 file, with the conditions it was taken in."""

    version = models.ForeignKey("archive.ProductVersion", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="snr_samples")
    observation = models.ForeignKey("surveys.Observation", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="snr_samples")
    target = models.ForeignKey("surveys.Target", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="snr_samples")
    instrument = models.CharField(max_length=20)
    mode = models.CharField(max_length=20, blank=True)
    role = models.CharField(max_length=12, blank=True)
    baseline = models.CharField(max_length=20)
    mjd = models.FloatField()
    mag = models.FloatField(null=True, blank=True, help_text="Target magnitude in the instrument's band")
    tau0_ms = models.FloatField(null=True, blank=True)
    r0_cm = models.FloatField(null=True, blank=True)
    dit_s = models.FloatField(null=True, blank=True)
    n_frames = models.FloatField(null=True, blank=True)
    snr_v2 = models.FloatField()
    v2 = models.FloatField(null=True, blank=True)
    tf2 = models.FloatField(null=True, blank=True, help_text="Transfer function² (calibrators only)")
    synthetic = models.BooleanField(default=False, help_text="Generated demo data, not a measurement")

    class Meta:
        ordering = ["mjd"]
        indexes = [models.Index(fields=["instrument", "mode"])]
        constraints = [models.UniqueConstraint(fields=["version", "baseline"], name="uniq_sample_version_baseline")]

    def __str__(self) -> str:
        return f"{self.instrument} {self.mode} {self.baseline} SNR {self.snr_v2:.1f}"

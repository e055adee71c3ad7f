"""Products by level, their immutable versions, quality flags and the push outbox."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from domain import quality


class Product(models.Model):
    """(level, target, night, instrument setup, kind); content lives in its versions."""

    class Level(models.IntegerChoices):
        L0 = 0, "L0"
        L1 = 1, "L1"
        L2 = 2, "L2"
        L3 = 3, "L3"

    calib_level = models.PositiveSmallIntegerField(choices=Level.choices)
    kind = models.CharField(max_length=40, default="oifits", help_text="oifits, diameter, report, ...")
    program = models.ForeignKey("surveys.Program", on_delete=models.PROTECT, related_name="products")
    target = models.ForeignKey("surveys.Target", on_delete=models.PROTECT, related_name="products")
    night = models.ForeignKey(
        "surveys.Night", null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    observation = models.ForeignKey(
        "surveys.Observation", null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    instrument = models.CharField(max_length=20)
    setup = models.CharField(max_length=200, blank=True, help_text="mode / wavelength / stations key")
    key = models.CharField(max_length=300, unique=True, help_text="Stable identity of the product")
    current_version = models.ForeignKey(
        "ProductVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    t_min = models.FloatField(null=True, blank=True, help_text="MJD")
    t_max = models.FloatField(null=True, blank=True, help_text="MJD")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["target", "calib_level"])]

    def __str__(self) -> str:
        return f"L{self.calib_level} {self.key}"


class ProductVersion(models.Model):
    """One immutable content of a product: a content-addressed file plus provenance."""

    class Processing(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic"
        MANUAL = "manual", "Manual"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField()
    path = models.CharField(max_length=500, help_text="Relative to ARCHIVE_ROOT")
    filename = models.CharField(max_length=300, help_text="Name offered on download")
    created = models.DateTimeField(auto_now_add=True)
    processing = models.CharField(max_length=10, choices=Processing.choices, default=Processing.AUTOMATIC)
    processed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    software = models.CharField(max_length=100, blank=True, help_text="name and version")
    parameters = models.JSONField(default=dict, blank=True)
    inputs = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="derived")
    calibrators = models.ManyToManyField("surveys.Calibrator", blank=True, related_name="product_versions")
    provenance = models.JSONField(default=dict, blank=True)
    quality_flag = models.SmallIntegerField(
        null=True, blank=True, help_text="OiDB quality_level (domain.quality): 1 Trash .. 5 Outstanding; empty = not "
                                         "reviewed")
    validation_report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["product", "-number"]
        constraints = [models.UniqueConstraint(fields=["product", "number"], name="uniq_product_version")]

    def __str__(self) -> str:
        return f"{self.product.key} v{self.number}"


class QualityReview(models.Model):
    """Audit trail: every quality flag set on a version, by whom, with the comment."""

    version = models.ForeignKey(ProductVersion, on_delete=models.CASCADE, related_name="reviews")
    flag = models.SmallIntegerField()
    comment = models.TextField(blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.version} flag {self.flag}"

    @property
    def label(self) -> str:
        return quality.label(self.flag)


class OutboxMessage(models.Model):
    """A push to OiDB or ObsPortal, written in the same transaction as the change it reports."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        REJECTED = "rejected", "Rejected (4xx)"

    destination = models.CharField(max_length=20, help_text="oidb | obsportal")
    action = models.CharField(max_length=10, default="upsert")
    endpoint = models.CharField(max_length=300, blank=True, help_text="Remote base URL the message is addressed to")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox_messages"
    )
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    dedup_key = models.CharField(max_length=300, db_index=True)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    remote_id = models.CharField(max_length=60, blank=True)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created"]

    def __str__(self) -> str:
        return f"{self.destination} {self.action} {self.dedup_key} ({self.state})"


class RemoteRecord(models.Model):
    """The id a remote system gave to one of our records: re-sends become updates, never duplicates."""

    destination = models.CharField(max_length=20)
    dedup_key = models.CharField(max_length=300)
    remote_id = models.CharField(max_length=60)
    payload_sha256 = models.CharField(max_length=64, blank=True, help_text="What was last accepted")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["destination", "dedup_key"], name="uniq_remote_record")]

    def __str__(self) -> str:
        return f"{self.destination} {self.dedup_key} -> {self.remote_id}"

"""Programs, semesters, nights, targets, calibrators and observations.

Coordinates are stored in degrees (ICRS, J2000) and always converted with
astropy (see surveys/coords.py), never by hand.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models


class Semester(models.Model):
    code = models.CharField(max_length=8, unique=True, help_text="e.g. 2024A")
    start = models.DateField()
    end = models.DateField()

    class Meta:
        ordering = ["start"]

    def __str__(self) -> str:
        return self.code


class Program(models.Model):
    class Kind(models.TextChoices):
        SURVEY = "survey", "Survey"
        EXTERNAL = "external", "External"
        PHD = "phd", "PhD"
        LARGE = "large", "Large program"

    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=300)
    pi = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="pi_programs"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EXTERNAL)
    semesters = models.ManyToManyField(Semester, blank=True, related_name="programs")
    instruments = models.JSONField(default=list, blank=True, help_text='e.g. ["SPICA", "MIRC-X"]')
    embargo_months = models.PositiveSmallIntegerField(default=18)
    priority = models.PositiveSmallIntegerField(default=2, help_text="1 = highest")
    paused = models.BooleanField(default=False, help_text="Paused programs get no OB from the queue")
    refuse_flagged_calibrators = models.BooleanField(
        default=False, help_text="Refuse OBs with flagged calibrators instead of warning"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return self.code


class ProgramRole(models.Model):
    """A user's role in one program; staff users see everything without one."""

    class Role(models.TextChoices):
        PI = "pi", "PI"
        MEMBER = "member", "Co-I / member"
        OPERATOR = "operator", "Operator"
        DATA_MANAGER = "data_manager", "Data manager"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="program_roles")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "program", "role"], name="uniq_program_role")]

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.program}"


class Night(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        OBSERVED = "observed", "Observed"
        PARTIAL = "partial", "Partly lost"
        LOST_WEATHER = "lost_weather", "Lost (weather)"
        LOST_TECHNICAL = "lost_technical", "Lost (technical)"

    date = models.DateField(unique=True, help_text="Local date at the start of the night")
    semester = models.ForeignKey(Semester, null=True, blank=True, on_delete=models.SET_NULL, related_name="nights")
    instruments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    hours_lost = models.FloatField(default=0)
    weather_notes = models.TextField(blank=True)
    programs = models.ManyToManyField(Program, through="NightAllocation", related_name="nights")

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return self.date.isoformat()


class NightAllocation(models.Model):
    """The share of a night given to one program (a night can be split)."""

    night = models.ForeignKey(Night, on_delete=models.CASCADE, related_name="allocations")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="allocations")
    fraction = models.FloatField(default=1.0, help_text="Share of the night, 0-1")
    instruments = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["night", "program"], name="uniq_night_program")]

    def __str__(self) -> str:
        return f"{self.night} {self.program} {self.fraction:.2f}"


class _Star(models.Model):
    """Identity, position and photometry common to targets and calibrators."""

    name = models.CharField(max_length=80, unique=True)
    identifiers = models.TextField(blank=True, help_text="Comma-separated other names")
    ra_deg = models.FloatField(help_text="ICRS right ascension, degrees")
    dec_deg = models.FloatField(help_text="ICRS declination, degrees")
    pm_ra = models.FloatField(null=True, blank=True, help_text="mas/yr")
    pm_dec = models.FloatField(null=True, blank=True, help_text="mas/yr")
    parallax = models.FloatField(null=True, blank=True, help_text="mas")
    mag_v = models.FloatField(null=True, blank=True)
    mag_r = models.FloatField(null=True, blank=True)
    mag_i = models.FloatField(null=True, blank=True)
    mag_j = models.FloatField(null=True, blank=True)
    mag_h = models.FloatField(null=True, blank=True)
    mag_k = models.FloatField(null=True, blank=True)
    spectral_type = models.CharField(max_length=40, blank=True)
    object_types = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Target(_Star):
    programs = models.ManyToManyField(Program, blank=True, related_name="targets")
    priority = models.PositiveSmallIntegerField(null=True, blank=True, help_text="PI priority (1 = highest)")
    catalog_row_id = models.CharField(max_length=40, null=True, blank=True, unique=True)
    notes = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta(_Star.Meta):
        pass


class SurveyGoal(models.Model):
    """What "done" means for one target in one program and instrument."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="goals")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="goals")
    instrument = models.CharField(max_length=20)
    mode = models.CharField(max_length=20, blank=True)
    required_observations = models.PositiveSmallIntegerField(default=1)
    required_configurations = models.JSONField(
        default=list, blank=True, help_text='Station sets that must each be observed, e.g. ["S1-S2-E1-E2-W1-W2"]'
    )
    min_quality_flag = models.SmallIntegerField(
        null=True, blank=True,
        help_text="If set, an L2 product reaching at least this OiDB quality level is required (4 = Science ready)"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "program", "instrument", "mode"], name="uniq_goal")
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.program} {self.instrument}"


class Calibrator(_Star):
    """A JSDC calibrator; UD diameters per band in mas."""

    udd_r = models.FloatField(null=True, blank=True)
    udd_h = models.FloatField(null=True, blank=True)
    udd_k = models.FloatField(null=True, blank=True)
    e_udd_r = models.FloatField(null=True, blank=True)
    e_udd_h = models.FloatField(null=True, blank=True)
    e_udd_k = models.FloatField(null=True, blank=True)
    ldd = models.FloatField(null=True, blank=True)
    e_ldd = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=40, default="JSDC")

    class Meta(_Star.Meta):
        pass


class CalibratorFlag(models.Model):
    """Why a calibrator should not be used, with the evidence."""

    class Kind(models.TextChoices):
        BE_STAR = "be", "Be star"
        BADCAL = "badcal", "In JMMC badcal"
        BAD_BINARY = "bad_binary", "Bad (binarity signal)"
        SUSPECT = "suspect", "Suspect (automatic, to confirm)"

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed (automatic, excludes the star only on its night until confirmed)"
        CONFIRMED = "confirmed", "Confirmed"

    calibrator = models.ForeignKey(Calibrator, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    active = models.BooleanField(default=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CONFIRMED)
    night = models.DateField(null=True, blank=True, help_text="Night whose data gave the evidence (proposals).")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    declared_at = models.DateTimeField(auto_now_add=True)
    observation = models.ForeignKey(
        "Observation", null=True, blank=True, on_delete=models.SET_NULL, related_name="calibrator_flags"
    )
    comment = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-declared_at"]

    def __str__(self) -> str:
        return f"{self.calibrator} {self.kind}"


class Observation(models.Model):
    """One executed (or attempted) OB on one night."""

    class Status(models.TextChoices):
        EXECUTED = "executed", "Executed"
        FAILED = "failed", "Failed"
        ABORTED = "aborted", "Aborted"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="observations")
    night = models.ForeignKey(Night, on_delete=models.PROTECT, related_name="observations")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="observations")
    ob = models.ForeignKey(
        "obs_server.ObservingBlock", null=True, blank=True, on_delete=models.SET_NULL, related_name="observations"
    )
    instrument = models.CharField(max_length=20)
    mode = models.CharField(max_length=20, blank=True)
    stations = models.CharField(max_length=60, blank=True, help_text="e.g. S1-S2-E1-E2-W1-W2")
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.EXECUTED)
    r0 = models.FloatField(null=True, blank=True, help_text="cm")
    tau0 = models.FloatField(null=True, blank=True, help_text="ms")
    calibrators = models.ManyToManyField(Calibrator, blank=True, related_name="observations")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-start"]
        indexes = [models.Index(fields=["target", "program", "instrument"])]

    def __str__(self) -> str:
        return f"{self.target} {self.instrument} {self.start:%Y-%m-%d %H:%M}"


class Delegation(models.Model):
    """A PI grants a user access to a program's (or one target's) proprietary data."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="delegations")
    target = models.ForeignKey(Target, null=True, blank=True, on_delete=models.CASCADE, related_name="delegations")
    grantee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ends = models.DateTimeField(null=True, blank=True, help_text="Empty = no end")
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        scope = self.target or "all targets"
        return f"{self.grantee} on {self.program} ({scope})"

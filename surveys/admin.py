from collections import defaultdict

from django.contrib import admin, messages

from surveys import models

# Admin actions other apps list on surveys' pages (e.g. calibration's "Re-run L2 calibration" on nights,
# observations and targets): the app that owns the action adds it here, so surveys imports none of them.
_added_actions: dict[str, list] = defaultdict(list)


def add_action(model_label: str, action) -> None:
    """List `action` (an admin action function) on the admin page of the surveys model `model_label`."""
    if action not in _added_actions[model_label]:
        _added_actions[model_label].append(action)


class ExtendableAdmin(admin.ModelAdmin):
    """A ModelAdmin whose actions are those other apps added with `add_action`, read when the page is built."""

    @property
    def actions(self):
        return list(_added_actions[self.model._meta.label])


@admin.register(models.Semester)
class SemesterAdmin(admin.ModelAdmin):
    list_display = ["code", "start", "end"]
    search_fields = ["code"]


class ProgramRoleInline(admin.TabularInline):
    model = models.ProgramRole
    extra = 0


@admin.register(models.Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "kind", "pi", "priority", "embargo_months", "paused"]
    list_filter = ["kind", "paused", "semesters"]
    search_fields = ["code", "title", "pi__username"]
    inlines = [ProgramRoleInline]


@admin.register(models.ProgramRole)
class ProgramRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "program", "role"]
    list_filter = ["role", "program"]
    search_fields = ["user__username", "program__code"]


class NightAllocationInline(admin.TabularInline):
    model = models.NightAllocation
    extra = 0


@admin.register(models.Night)
class NightAdmin(ExtendableAdmin):
    list_display = ["date", "semester", "status", "hours_lost"]
    list_filter = ["status", "semester"]
    search_fields = ["date", "weather_notes"]
    date_hierarchy = "date"
    inlines = [NightAllocationInline]


@admin.register(models.Target)
class TargetAdmin(ExtendableAdmin):
    list_display = ["name", "ra_deg", "dec_deg", "mag_v", "spectral_type", "priority"]
    list_filter = ["programs"]
    search_fields = ["name", "identifiers", "catalog_row_id"]


@admin.register(models.SurveyGoal)
class SurveyGoalAdmin(admin.ModelAdmin):
    list_display = ["target", "program", "instrument", "mode", "required_observations"]
    list_filter = ["program", "instrument"]
    search_fields = ["target__name"]


class CalibratorFlagInline(admin.TabularInline):
    model = models.CalibratorFlag
    extra = 0
    raw_id_fields = ["observation"]


@admin.register(models.Calibrator)
class CalibratorAdmin(admin.ModelAdmin):
    list_display = ["name", "spectral_type", "mag_v", "udd_r", "udd_h", "udd_k"]
    search_fields = ["name", "identifiers"]
    list_filter = ["flags__kind"]
    inlines = [CalibratorFlagInline]


@admin.register(models.CalibratorFlag)
class CalibratorFlagAdmin(admin.ModelAdmin):
    list_display = ["calibrator", "kind", "state", "night", "active", "declared_by", "declared_at", "confirmed_by"]
    list_filter = ["kind", "state", "active"]
    search_fields = ["calibrator__name", "comment"]
    raw_id_fields = ["observation"]
    actions = ["confirm"]

    @admin.action(description="Confirm the selected proposals (exclude the star on every night)")
    def confirm(self, request, queryset):
        from domain.errors import PermissionRefused, ValidationFailed
        from surveys.services import calibrator_flag_confirm

        done = 0
        for flag in queryset.filter(state=models.CalibratorFlag.State.PROPOSED):
            try:
                calibrator_flag_confirm(flag=flag, by=request.user)
                done += 1
            except (PermissionRefused, ValidationFailed) as exc:
                self.message_user(request, f"{flag}: {exc}", level=messages.ERROR)
        self.message_user(request, f"{done} proposal(s) confirmed.")


@admin.register(models.Observation)
class ObservationAdmin(ExtendableAdmin):
    list_display = ["target", "program", "night", "instrument", "mode", "stations", "start", "status"]
    list_filter = ["status", "instrument", "program"]
    search_fields = ["target__name", "program__code"]
    raw_id_fields = ["ob", "target", "night"]
    date_hierarchy = "start"


@admin.register(models.Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["grantee", "program", "target", "ends", "granted_by"]
    list_filter = ["program"]
    search_fields = ["grantee__username", "program__code", "target__name"]

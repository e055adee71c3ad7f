from django.contrib import admin

from obs_server import models


class ObTransitionInline(admin.TabularInline):
    model = models.ObTransition
    extra = 0
    readonly_fields = ["from_state", "to_state", "actor", "client", "at", "reason", "comment"]


@admin.register(models.ObservingBlock)
class ObservingBlockAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "program", "instrument", "mode", "state", "night", "priority", "submitted_at"]
    list_filter = ["state", "instrument", "program"]
    search_fields = ["name", "content_hash", "target__name"]
    raw_id_fields = ["target", "night"]
    inlines = [ObTransitionInline]


@admin.register(models.ObTransition)
class ObTransitionAdmin(admin.ModelAdmin):
    list_display = ["ob", "from_state", "to_state", "actor", "client", "at"]
    list_filter = ["to_state"]
    search_fields = ["ob__name", "client", "reason"]

"""Staff can see what was sent to whom (read-only: the record is what keeps mails from going out twice)."""
from django.contrib import admin

from notifications.models import Delivery, Preference


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created", "user", "kind", "subject", "sent_at", "dropped")
    list_filter = ("kind",)
    search_fields = ("user__username", "subject", "key")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "enabled", "updated")
    list_filter = ("kind", "enabled")

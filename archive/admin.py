from django.contrib import admin

from archive import models


class ProductVersionInline(admin.TabularInline):
    model = models.ProductVersion
    extra = 0
    fields = ["number", "sha256", "size", "processing", "processed_by", "quality_flag", "created"]
    readonly_fields = fields


@admin.register(models.Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["key", "calib_level", "kind", "target", "night", "instrument", "program"]
    list_filter = ["calib_level", "kind", "instrument", "program"]
    search_fields = ["key", "target__name"]
    raw_id_fields = ["target", "night", "observation", "current_version"]
    inlines = [ProductVersionInline]


@admin.register(models.ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin):
    list_display = ["product", "number", "processing", "processed_by", "quality_flag", "created"]
    list_filter = ["processing", "quality_flag"]
    search_fields = ["product__key", "sha256"]
    raw_id_fields = ["product", "inputs"]


@admin.register(models.QualityReview)
class QualityReviewAdmin(admin.ModelAdmin):
    list_display = ["version", "flag", "reviewer", "at"]
    list_filter = ["flag"]
    search_fields = ["comment", "version__product__key"]


@admin.register(models.OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["destination", "action", "dedup_key", "state", "attempts", "remote_id", "created"]
    list_filter = ["destination", "state"]
    search_fields = ["dedup_key", "last_error"]

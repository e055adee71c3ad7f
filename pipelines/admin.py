from django.contrib import admin

from pipelines import models


@admin.register(models.PipelineRun)
class PipelineRunAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "phase", "night", "setup", "processing", "done", "total", "created"]
    list_filter = ["kind", "phase", "processing"]
    search_fields = ["setup", "error_summary"]


@admin.register(models.RawFile)
class RawFileAdmin(admin.ModelAdmin):
    list_display = ["original_name", "instrument", "night", "status", "size", "registered"]
    list_filter = ["status", "instrument"]
    search_fields = ["original_name", "sha256"]
    raw_id_fields = ["observation", "ingest_run"]


@admin.register(models.L0Record)
class L0RecordAdmin(admin.ModelAdmin):
    list_display = ["raw_file", "target_name", "program_code", "instrument", "mode", "mjd_start"]
    list_filter = ["instrument"]
    search_fields = ["target_name", "program_code"]
    raw_id_fields = ["raw_file"]

from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "pipelines.analysis"
    label = "analysis"
    verbose_name = "L3 survey analyses"

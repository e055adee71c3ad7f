from django.apps import AppConfig


class CalibrationConfig(AppConfig):
    name = "pipelines.calibration"
    label = "calibration"
    verbose_name = "L2 calibration"

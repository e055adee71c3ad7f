from django.apps import AppConfig


class JmmcConfig(AppConfig):
    name = "surveys.jmmc"
    label = "jmmc"
    verbose_name = "JMMC catalog sync"

app_name = "calibration"
urlpatterns: list = []

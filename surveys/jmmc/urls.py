app_name = "jmmc"
urlpatterns: list = []

"""OB server routes: a2p2 submission, the client API under api/v1/ob/, the operators' pages."""
from django.urls import path

from obs_server import apis, client_apis, views

app_name = "obs_server"
urlpatterns = [
    # a2p2 "CHARA queue server" URLs (token header, or secret key in the path)
    path("api/v1/ob/submit/", apis.ObSubmitApi.as_view(), name="ob-submit"),
    path("ob/submit/<str:key>/", apis.ObSubmitKeyApi.as_view(), name="ob-submit-key"),
    path("api/v1/ob/validate/", apis.ObValidateApi.as_view(), name="ob-validate"),
    # acquisition client
    path("api/v1/ob/queue/", client_apis.ob_queue_view, name="ob-queue"),
    path("api/v1/ob/claim/", client_apis.ObClaimNextApi.as_view(), name="ob-claim"),
    path("api/v1/ob/<int:pk>/", client_apis.ObDetailApi.as_view(), name="ob-detail"),
    path("api/v1/ob/<int:pk>/obxml", client_apis.ObObxmlApi.as_view(), name="ob-obxml"),
    path("api/v1/ob/<int:pk>/status/", client_apis.ObStatusUpdateApi.as_view(), name="ob-status"),
    path("api/v1/ob/<int:pk>/heartbeat/", client_apis.ObHeartbeatApi.as_view(), name="ob-heartbeat"),
    # portal pages
    path("ob/queue/", views.queue_page, name="ob-queue-page"),
    path("ob/upload/", views.upload_page, name="ob-upload-page"),
    path("ob/<int:pk>/", views.ob_page, name="ob-page"),
    path("ob/<int:pk>/priority/", views.priority_change, name="ob-priority"),
    path("ob/program/<slug:code>/pause/", views.program_pause, name="program-pause"),
    path("ob/keys/", views.keys_action, name="ob-keys"),
]

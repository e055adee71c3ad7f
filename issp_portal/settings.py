"""One settings module, read from the environment (12-factor).

Defaults give the embedded setup: SQLite under var/, tasks run in-process
(no broker), DEBUG on. Production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and CELERY_BROKER_URL.
"""
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.orcid",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "csp",
    "issp_portal",
    "surveys",
    "obs_server",
    "pipelines",
    "archive",
    "planner",
    "portal",
    "surveys.jmmc",
    "pipelines.calibration",
    "pipelines.analysis",
    "pipelines.performance",
    "notifications",
]
# The demo package (demo survey, synthetic files, stand-in reduction program) is not production code:
# installed with DEBUG unless DEMO=false; a production instance (DEBUG=false) does without it.
DEMO = env.bool("DEMO", default=DEBUG)
if DEMO:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "issp_portal.orcid.OrcidFormActionMiddleware",
    "issp_portal.middleware.UploadSizeLimitMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "issp_portal.middleware.PrivateNoStoreMiddleware",
    "issp_portal.middleware.DatabaseUnavailableMiddleware",
    "issp_portal.middleware.DiskFullMiddleware",
]

ROOT_URLCONF = "issp_portal.urls"
WSGI_APPLICATION = "issp_portal.wsgi.application"
ASGI_APPLICATION = "issp_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "issp_portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'issp.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

# --- security (production) ---------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp): scripts only from our origin or with the per-request
# nonce (templates write <script nonce="{{ request.csp_nonce }}">); no CDN anywhere. Enforced;
# CSP_REPORT_ONLY=true only reports (to debug a page).
_CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, "'unsafe-inline'"],
    "img-src": [SELF, "data:", "blob:"],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF, "http://localhost:21012"],  # the SAMP Web Profile hub on the user's machine
    "object-src": [NONE],
    "base-uri": [SELF],
    "frame-ancestors": [NONE],
    "form-action": [SELF],
}
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
    CONTENT_SECURITY_POLICY = None
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}
# Request bodies above this size are refused with 413 before Django reads them.
PORTAL_MAX_UPLOAD_BYTES = env.int("PORTAL_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)

# --- storage roots -------------------------------------------------------------
ARCHIVE_ROOT = Path(env.str("ARCHIVE_ROOT", default=str(VAR_DIR / "archive")))
RAW_ROOT = Path(env.str("RAW_ROOT", default=str(VAR_DIR / "raw")))

# --- authentication (django-allauth) -------------------------------------------
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/desk/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="none")
ACCOUNT_ADAPTER = "issp_portal.accounts.AccountAdapter"
ACCOUNT_ALLOW_SIGNUP = env.bool("ACCOUNT_ALLOW_SIGNUP", default=False)
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# ORCID sign-in (issp_portal/orcid.py): only into existing accounts, by a verified e-mail or an explicit link.
ORCID_BASE_URL = env.str("ORCID_BASE_URL", default="https://orcid.org")  # sandbox: https://sandbox.orcid.org
ORCID_API_URL = env.str("ORCID_API_URL", default="https://pub.orcid.org")  # sandbox: https://pub.sandbox.orcid.org
ORCID_CLIENT_ID = env.str("ORCID_CLIENT_ID", default="")
ORCID_SECRET = env.str("ORCID_SECRET", default="")
SOCIALACCOUNT_ADAPTER = "issp_portal.orcid.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {"orcid": {"APPS": [{"client_id": ORCID_CLIENT_ID, "secret": ORCID_SECRET}]
                                     if ORCID_CLIENT_ID else []}}
SOCIALACCOUNT_STORE_TOKENS = False
# E-mail (password resets): SMTP from the environment. With DEBUG off, `check --deploy` fails unless
# EMAIL_HOST is set or EMAIL_DISABLED=true says the portal sends no mail (issp_portal/checks.py).
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=not env.bool("EMAIL_USE_SSL", default=False))
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
EMAIL_DISABLED = env.bool("EMAIL_DISABLED", default=False)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=(
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST or not DEBUG and not EMAIL_DISABLED
    else "django.core.mail.backends.dummy.EmailBackend" if EMAIL_DISABLED
    else "django.core.mail.backends.console.EmailBackend"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="issp-portal@localhost")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))  # only with the filebased backend

# --- cache -----------------------------------------------------------------------
# Shared by every worker (login throttling counts failures here): CACHE_URL when set, else Redis
# (REDIS_URL, or the broker's Redis), else the database (`manage.py createcachetable`, also run by
# the issp_portal migration). Never a per-process cache: 5 tries would become 5 per worker.
_broker = env.str("CELERY_BROKER_URL", default="")
_REDIS_URL = env.str("REDIS_URL", default="") or (_broker if _broker.startswith(("redis://", "rediss://")) else "")
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}
elif _REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "issp_cache"}}
CACHES["default"].setdefault("KEY_PREFIX", env.str("CACHE_KEY_PREFIX", default="issp"))

# --- REST API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "issp_portal.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ISSP portal API",
    "DESCRIPTION": "OB server (a2p2 submission, SPICA acquisition client queue) and survey data.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery ---------------------------------------------------------------------------
# No broker configured: tasks run in-process (eager), so the embedded default needs no service.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or None
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL else None
)
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=3600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=3300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Task names are `<app label>.<verb>`; their queues are set here, never at call sites.
CELERY_TASK_ROUTES = {
    "pipelines.ingest_run": {"queue": "ingest"},
    "pipelines.ingest_landing": {"queue": "ingest"},
    "pipelines.l1_run": {"queue": "reduce"},
    "calibration.*": {"queue": "calibrate"},
    "analysis.*": {"queue": "analysis"},
    "celery.starmap": {"queue": "analysis"},  # the chunks of an L3 survey run (analysis.survey_dispatch)
    "archive.*": {"queue": "archive"},
    "notifications.*": {"queue": "default"},  # e-mails: light, never behind a reduction
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}
# Every kind of run (ingest, L1, L2, L3, catalog sync) silent for longer than this lost its worker:
# the beat sweep marks it failed (domain.runs). Longer than any single step of a run.
RUNS_STALE_S = env.int("RUNS_STALE_S", default=1800)
CELERY_BEAT_SCHEDULE["pipelines-runs-sweep"] = {
    "task": "pipelines.runs_sweep", "schedule": float(env.int("RUNS_SWEEP_INTERVAL_S", default=300)),
}

# --- app settings (prefixed per app) ----------------------------------------------------
OBS_SERVER_SERVICE_NAME = "ISSP OB server"
OBS_SERVER_CLAIM_LEASE_SECONDS = env.int("OBS_SERVER_CLAIM_LEASE_SECONDS", default=1800)
OBS_SERVER_QUEUE_REFRESH_SECONDS = env.int("OBS_SERVER_QUEUE_REFRESH_SECONDS", default=60)  # ETag time bucket
OBS_SERVER_POLL_CACHE_SECONDS = env.float("OBS_SERVER_POLL_CACHE_SECONDS", default=1.0)  # per-process ETag cache
OBS_SERVER_MIN_ALTITUDE_DEG = env.float("OBS_SERVER_MIN_ALTITUDE_DEG", default=30.0)
OBS_SERVER_MAX_AIRMASS = env.float("OBS_SERVER_MAX_AIRMASS", default=2.0)
OBS_SERVER_MIN_MOON_DEG = env.float("OBS_SERVER_MIN_MOON_DEG", default=15.0)
# Sun altitude above which nothing is "observable now" (end of nautical twilight); 90 switches the rule off
OBS_SERVER_MAX_SUN_ALT_DEG = env.float("OBS_SERVER_MAX_SUN_ALT_DEG", default=-12.0)
OBS_SERVER_EXTRA_MODES = env.json("OBS_SERVER_EXTRA_MODES", default={})  # {"INSTRUMENT": ["MODE", ...]}

# The instrument teams' L1 pipelines; with DEMO the stand-in (it reduces only the demo's synthetic raw files).
_L1_RUNNER_DEFAULT = "demo.standin.StandInRunner" if DEMO else ""
PIPELINES_REDUCTION_RUNNERS = {
    "SPICA": env.str("PIPELINES_RUNNER_SPICA", default=_L1_RUNNER_DEFAULT),
    "MIRC-X": env.str("PIPELINES_RUNNER_MIRCX", default=_L1_RUNNER_DEFAULT),
    "MYSTIC": env.str("PIPELINES_RUNNER_MYSTIC", default=_L1_RUNNER_DEFAULT),
}
PIPELINES_L1_TIMEOUT_S = env.int("PIPELINES_L1_TIMEOUT_S", default=1800)  # per reduction subprocess
PIPELINES_INGEST_INTERVAL_S = env.int("PIPELINES_INGEST_INTERVAL_S", default=600)  # beat: landing folder scan
PIPELINES_SFTP_HOST = env.str("PIPELINES_SFTP_HOST", default="")  # remote data centre; empty = no pull
PIPELINES_SFTP_PORT = env.int("PIPELINES_SFTP_PORT", default=22)
PIPELINES_SFTP_USER = env.str("PIPELINES_SFTP_USER", default="")
PIPELINES_SFTP_KEY_FILE = env.str("PIPELINES_SFTP_KEY_FILE", default="")
PIPELINES_SFTP_KNOWN_HOSTS = env.str("PIPELINES_SFTP_KNOWN_HOSTS", default="")
PIPELINES_SFTP_REMOTE_DIR = env.str("PIPELINES_SFTP_REMOTE_DIR", default=".")
CELERY_BEAT_SCHEDULE["pipelines-ingest-landing"] = {
    "task": "pipelines.ingest_landing", "schedule": float(PIPELINES_INGEST_INTERVAL_S),
}

CELERY_BEAT_SCHEDULE["performance-samples-refresh"] = {  # safety net: L1 versions whose samples were missed
    "task": "performance.samples_refresh", "schedule": float(env.int("PERFORMANCE_REFRESH_INTERVAL_S", default=3600)),
}

# L2 calibration starts by itself when a night's L1 reduction is complete.
PIPELINES_AUTO_L2 = env.bool("PIPELINES_AUTO_L2", default=True)

# A file stored by a write killed before its commit is an orphan: reported by `archive_check`, deleted
# by the beat task once older than this (younger ones may still be committing).
ARCHIVE_ORPHAN_GRACE_S = env.int("ARCHIVE_ORPHAN_GRACE_S", default=24 * 3600)
CELERY_BEAT_SCHEDULE["archive-orphans-sweep"] = {
    "task": "archive.orphans_sweep", "schedule": 3600.0, "options": {"queue": "archive"},
}
ARCHIVE_PUSH_ENABLED = env.bool("ARCHIVE_PUSH_ENABLED", default=False)
ARCHIVE_OIDB_URL = env.str("ARCHIVE_OIDB_URL", default="")
ARCHIVE_OIDB_USER = env.str("ARCHIVE_OIDB_USER", default="")
ARCHIVE_OIDB_PASSWORD = env.str("ARCHIVE_OIDB_PASSWORD", default="")
# L0 reaches OiDB by OiDB harvesting the portal's ObsPortal-shaped feed (/archive/l0/search.votable) into issp_l0;
# pushing L0 granules to ARCHIVE_OIDB_COLLECTION as well is only for a collection nobody harvests.
ARCHIVE_PUSH_L0 = env.bool("ARCHIVE_PUSH_L0", default=False)
ARCHIVE_OIDB_TAP_URL = env.str("ARCHIVE_OIDB_TAP_URL", default="")
ARCHIVE_OIDB_COLLECTION = env.str("ARCHIVE_OIDB_COLLECTION", default="CHARA_ISSP")
ARCHIVE_OIDB_TIMEOUT = env.float("ARCHIVE_OIDB_TIMEOUT", default=10.0)
# Bulk download (archive/bulk.py): a zip larger than this is refused with a pointer to the curl script.
BULK_ZIP_MAX_FILES = env.int("BULK_ZIP_MAX_FILES", default=500)
BULK_ZIP_MAX_BYTES = env.int("BULK_ZIP_MAX_BYTES", default=2 * 1024**3)
# Lifetime of the signed download links sent to a SAMP hub (issp_portal/signed_links.py), seconds.
SIGNED_LINK_MAX_AGE = env.int("SIGNED_LINK_MAX_AGE", default=900)
ARCHIVE_PUBLIC_BASE_URL = env.str("ARCHIVE_PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
ARCHIVE_PUSH_MAX_ATTEMPTS = env.int("ARCHIVE_PUSH_MAX_ATTEMPTS", default=12)
ARCHIVE_PUSH_BACKOFF_SECONDS = env.float("ARCHIVE_PUSH_BACKOFF_SECONDS", default=2.0)
# L1 products go to a second OiDB (OiDB-beta) collection, automatically, with their own switch.
ARCHIVE_L1_PUSH_ENABLED = env.bool("ARCHIVE_L1_PUSH_ENABLED", default=False)
ARCHIVE_OIDB_BETA_URL = env.str("ARCHIVE_OIDB_BETA_URL", default="")
ARCHIVE_OIDB_BETA_USER = env.str("ARCHIVE_OIDB_BETA_USER", default="")
ARCHIVE_OIDB_BETA_PASSWORD = env.str("ARCHIVE_OIDB_BETA_PASSWORD", default="")
ARCHIVE_OIDB_BETA_TAP_URL = env.str("ARCHIVE_OIDB_BETA_TAP_URL", default="")
ARCHIVE_OIDB_BETA_COLLECTION = env.str("ARCHIVE_OIDB_BETA_COLLECTION", default="CHARA_ISSP_L1")
ARCHIVE_EXPORTERS = {
    "oidb": env.str("ARCHIVE_EXPORTER_OIDB", default="archive.exporters.oidb.OidbExporter"),
    "oidb_beta": env.str("ARCHIVE_EXPORTER_OIDB_BETA", default="archive.exporters.oidb.OidbBetaExporter"),
}
CELERY_BEAT_SCHEDULE["archive-outbox-flush"] = {  # re-queue outbox messages whose retry time has come
    "task": "archive.outbox_flush", "schedule": float(env.int("ARCHIVE_OUTBOX_FLUSH_S", default=300)),
}

# JMMC catalog sync (surveys.jmmc): the `spica` catalog read by TAP, written by the catalogs API.
JMMC_SYNC_ENABLED = env.bool("JMMC_SYNC_ENABLED", default=False)
JMMC_CATALOG_URL = env.str("JMMC_CATALOG_URL", default="")  # e.g. https://oidb.jmmc.fr/restxq/catalogs
JMMC_TAP_URL = env.str("JMMC_TAP_URL", default="")  # e.g. https://tap.jmmc.fr/vollt/tap
JMMC_CATALOG_NAME = env.str("JMMC_CATALOG_NAME", default="spica")
JMMC_USER = env.str("JMMC_USER", default="")
JMMC_PASSWORD = env.str("JMMC_PASSWORD", default="")
JMMC_PROGRAM_CODE = env.str("JMMC_PROGRAM_CODE", default="issp")
JMMC_TAP_PAGE_SIZE = env.int("JMMC_TAP_PAGE_SIZE", default=1000)
if JMMC_SYNC_ENABLED:
    CELERY_BEAT_SCHEDULE["jmmc-catalog-sync"] = {
        "task": "jmmc.catalog_sync",
        "schedule": env.int("JMMC_SYNC_INTERVAL_SECONDS", default=3600),
    }

# Night planner (planner): observability limits, block durations, calibrator search.
PLANNING_MIN_ALTITUDE_DEG = env.float("PLANNING_MIN_ALTITUDE_DEG", default=30.0)
PLANNING_MAX_AIRMASS = env.float("PLANNING_MAX_AIRMASS", default=2.0)
PLANNING_MAX_HOUR_ANGLE_H = env.float("PLANNING_MAX_HOUR_ANGLE_H", default=4.0)
PLANNING_MIN_MOON_DISTANCE_DEG = env.float("PLANNING_MIN_MOON_DISTANCE_DEG", default=20.0)
PLANNING_STEP_MINUTES = env.int("PLANNING_STEP_MINUTES", default=10)
PLANNING_SCIENCE_MINUTES = env.int("PLANNING_SCIENCE_MINUTES", default=20)
PLANNING_CALIBRATOR_MINUTES = env.int("PLANNING_CALIBRATOR_MINUTES", default=10)
PLANNING_MAX_CALIBRATOR_DISTANCE_DEG = env.float("PLANNING_MAX_CALIBRATOR_DISTANCE_DEG", default=10.0)
PLANNING_CALIBRATORS_PER_TARGET = env.int("PLANNING_CALIBRATORS_PER_TARGET", default=2)
# A calibrator resolved at the longest baseline is a poor one: its diameter error reaches the calibrated V²
# multiplied by |dln V²/dln θ| (1.5 at V² = 0.5, 0.6 at 0.8). Calibrators whose uniform-disk V² at the
# longest baseline of the array, in the mode's band, falls below this are never chosen (the plan page says so).
PLANNING_MIN_CALIBRATOR_V2 = env.float("PLANNING_MIN_CALIBRATOR_V2", default=0.5)

# L3 analyses (pipelines.analysis): fit engines by name, LD law, bootstrap size, closure-phase test.
ANALYSIS_ENGINES = {
    "scipy": "pipelines.analysis.engines.ScipyEngine",
    "oimodeler": "pipelines.analysis.engines_oimodeler.OimodelerEngine",
}
ANALYSIS_LD_LAW = env.str("ANALYSIS_LD_LAW", default="power")  # power | linear
ANALYSIS_BOOTSTRAP = env.int("ANALYSIS_BOOTSTRAP", default=100)  # resamplings over nights/baselines
ANALYSIS_CP_THRESHOLD = env.float("ANALYSIS_CP_THRESHOLD", default=3.0)  # χ²_red of CP vs 0/180° above = not a disk
ANALYSIS_POOR_FIT_CHI2 = env.float("ANALYSIS_POOR_FIT_CHI2", default=5.0)
ANALYSIS_CHUNK_SIZE = env.int("ANALYSIS_CHUNK_SIZE", default=25)  # targets per Celery message
# a new current L2 also queues the target's companion screen (seconds per target; tests and the demo turn it off)
ANALYSIS_COMPANION_AUTO = env.bool("ANALYSIS_COMPANION_AUTO", default=True)
CELERY_BEAT_SCHEDULE["analysis-sweep-stale"] = {
    "task": "analysis.sweep_stale", "schedule": float(env.int("ANALYSIS_SWEEP_INTERVAL_S", default=3600)),
}

# E-mail notifications (notifications/): links point at ARCHIVE_PUBLIC_BASE_URL (the portal's public address);
# users who chose the daily digest get it at this UTC hour.
NOTIFICATIONS_DIGEST_HOUR_UTC = env.int("NOTIFICATIONS_DIGEST_HOUR_UTC", default=8)
CELERY_BEAT_SCHEDULE["notifications-digest"] = {
    "task": "notifications.digest", "schedule": crontab(minute=0, hour=NOTIFICATIONS_DIGEST_HOUR_UTC),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"redact": {"()": "issp_portal.logredact.RedactSecrets"}},  # a2p2 keys / API tokens never logged
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                "django.request": {"filters": ["redact"]}, "django.server": {"filters": ["redact"]}},
}

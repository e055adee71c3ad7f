import os
import sys

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "issp_portal.settings")
application = get_wsgi_application()

if os.environ.get("PORTAL_WARM_UP", "true").lower() not in ("0", "false", "no"):
    from issp_portal.warmup import warm_up

    print(f"ISSP portal ready: warmed up in {warm_up():.2f} s", file=sys.stderr, flush=True)

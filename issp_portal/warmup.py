"""Do at process start what the first request would otherwise do, so a fresh server answers at once.

a2p2 gives the OB server 3 s for its health check and 3 s for the POST (a2p2/chara/facility.py);
a gunicorn worker that imports every view, astropy's coordinate frames and the bundled IERS
tables on its first request misses that window after each restart. `wsgi.py` calls `warm_up()`
once per process (in the master with `gunicorn --preload`, else in each worker before it
serves); IERS stays offline (obs_server.observability sets it process-wide).
"""
from __future__ import annotations

import datetime as dt
import time


def warm_up() -> float:
    """Import the URLconf (every app's views) and run the astropy paths of OB intake and the queue; seconds spent."""
    start = time.perf_counter()
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - importing the URLconf imports every view module
    from domain import ob_format  # noqa: F401
    from obs_server import observability  # sets IERS offline

    observability.observability_now([10.0], [20.0], [None], dt.datetime.now(dt.UTC))
    from astropy.coordinates import Angle

    Angle("01:02:03.4", unit="hourangle"), Angle("+04:05:06.7", unit="deg")
    return time.perf_counter() - start

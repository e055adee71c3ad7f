"""CHARA's place for astropy, and the one IERS policy of the process (no Django import).

The portal has no route to the internet: astropy must never try to download IERS
tables (the predictions it ships are good to arcseconds). The setting is made once,
process-wide, when this module is imported: `iers.conf.set_temp` is not thread-safe,
and threads (gunicorn threads, concurrent web requests) restoring it under each other
made astropy try the network. Every observability computation (the OB queue, the night
planner) imports its location and `offline_iers` from here.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import astropy.units as u
from astropy.coordinates import EarthLocation
from astropy.utils import iers

from domain.site import HEIGHT_M, LAT_DEG, LON_DEG

iers.conf.auto_download = False
iers.conf.auto_max_age = None


def location() -> EarthLocation:
    """CHARA on Mount Wilson (domain.site)."""
    return EarthLocation.from_geodetic(LON_DEG * u.deg, LAT_DEG * u.deg, HEIGHT_M * u.m)


@contextmanager
def offline_iers() -> Iterator[None]:
    """The context-manager form callers use around astropy transforms: re-asserts the process-wide
    offline setting (never `set_temp`, which is not thread-safe)."""
    iers.conf.auto_download = False
    iers.conf.auto_max_age = None
    yield

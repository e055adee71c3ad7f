"""The portal's L0 records served as ObsPortal's feed, so OiDB's own harvester fills `issp_l0` unchanged.

`GET /archive/l0/search.votable?instrument=SPICA&date_updated_from=...+00:00&date_updated_to=...+00:00`
answers the VOTable OiDB's `modules/obsportal.xqm` reads (domain.obsportal): one row
per raw exposure whose L0 record changed in the interval (both ends included, whole
seconds), `exp_date_release` = end of exposure + the program's embargo (the date
the portal's access policy opens the data), `obs_type` science / calibrator.

Access: the feed carries exposure metadata only (who observed which star, when,
where, in which mode: what ObsPortal publishes for every CHARA and VLTI
exposure and OiDB shows in `issp_l0`); no file, no link to a file, no
visibility. OiDB's harvester sends no credentials, so the feed is anonymous;
exposures of programs the portal does not know are left out, because the portal
cannot give their embargo.
"""
from __future__ import annotations

import re

from domain import obsportal
from domain.instruments import UnknownInstrument, get_instrument
from domain.site import NAME as FACILITY
from pipelines.selectors import l0_records_updated
from surveys.embargo import embargo_ends
from surveys.selectors import programs_by_code

OBS_TYPES = {"SCIENCE": "science", "CALIBRATION": "calibrator"}


def _stations(text: str) -> str:
    return "-".join(s for s in re.split(r"[^A-Za-z0-9]+", text or "") if s)


def _pi(program) -> str:
    pi = program.pi
    return (pi.get_full_name() or pi.username) if pi else ""


def _wavelengths(instrument: str) -> tuple[float | None, float | None]:
    try:
        return get_instrument(instrument).wavelength_range_m
    except UnknownInstrument:
        return None, None


def feed_rows(*, instrument: str = "", interferometer: str = "", since=None, until=None) -> list[dict]:
    """The feed's rows (dicts keyed by domain.obsportal.FIELD_NAMES), oldest change first."""
    if interferometer and interferometer.upper() != FACILITY:
        return []
    records = list(l0_records_updated(instrument=instrument, since=since, until=until))
    programs = programs_by_code(codes=[r.program_code for r in records])
    rows = []
    for record in records:
        program = programs.get(record.program_code)
        if program is None:
            continue
        mode, submode = obsportal.split_mode(record.mode)
        em_min, em_max = _wavelengths(record.instrument)
        release = embargo_ends(t_max_mjd=record.mjd_end, embargo_months=program.embargo_months)
        rows.append({
            "exp_id": record.raw_file.original_name.rsplit(".fits", 1)[0],
            "exp_date_release": obsportal.iso_utc(release), "exp_date_updated": obsportal.iso_utc(record.updated),
            "exp_header_id": record.raw_file.sha256, "exp_mjd_start": record.mjd_start,
            "exp_mjd_end": record.mjd_end, "target_name": record.target_name, "target_ra": record.ra_deg,
            "target_dec": record.dec_deg, "instrument_name": record.instrument, "instrument_mode": mode,
            "instrument_submode": submode, "instrument_em_min": em_min, "instrument_em_max": em_max,
            "instrument_em_res_power": None, "interferometer_name": FACILITY,
            "interferometer_stations": _stations(record.stations), "obs_program": program.code,
            "obs_program_pi_coi": _pi(program), "obs_type": OBS_TYPES.get(record.obs_type.upper(), ""),
        })
    return rows

"""OiDB granules (ObsCore + OiDB columns) from product versions and L0 records."""
from __future__ import annotations

import hashlib

from astropy.io import fits

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from archive.clients.oidb import OidbClient, RemoteUnavailable
from archive.exporters.base import BaseArchiveExporter
from archive.storage import absolute_path
from domain import quality
from domain.oidb import (
    ARCFILE_KEY,
    PROG_KEY,
    QUALITY_KEY,
    SCIENCE_KEY,
    SUBID_KEY,
    dataproduct_category,
    obs_id_for,
)
from surveys.embargo import embargo_ends

DATAPRODUCT_TYPE = "vis"  # OIFITS: visibilities, closure phases


def _md5(path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def release(program, t_max: float | None) -> tuple[str, str]:
    """(obs_release_date ISO, data_rights): public after t_max + the program's embargo."""
    ends = embargo_ends(t_max_mjd=t_max, embargo_months=program.embargo_months)
    if ends is None:
        return "", "secure"
    return ends.strftime("%Y-%m-%dT%H:%M:%S"), ("public" if ends <= timezone.now() else "secure")


def _from_header(path) -> dict:
    """The columns OiDB itself fills from the file's header (domain.oidb): the granule says the same."""
    if not path.exists():
        return {}
    try:
        header = fits.getheader(path, 0)
    except (OSError, ValueError):
        return {}
    read = {"quality_level": header.get(QUALITY_KEY), "progid": header.get(PROG_KEY),
            "proposal_subid": header.get(SUBID_KEY),
            "dataproduct_category": dataproduct_category(header[SCIENCE_KEY]) if SCIENCE_KEY in header else None,
            "obs_id": str(header.get(ARCFILE_KEY, "")).removesuffix(".fits") or None}
    return {k: v for k, v in read.items() if v is not None}


def _pi_name(program) -> str:
    pi = program.pi
    return (pi.get_full_name() or pi.username) if pi else ""


class OidbExporter(BaseArchiveExporter):
    destination = "oidb"
    label = "OiDB"

    @classmethod
    def configured_endpoint(cls) -> str:
        return settings.ARCHIVE_OIDB_URL

    def collection(self) -> str:
        return settings.ARCHIVE_OIDB_COLLECTION

    def tap_url(self) -> str:
        return settings.ARCHIVE_OIDB_TAP_URL

    def client(self) -> OidbClient:
        return OidbClient(self.endpoint, settings.ARCHIVE_OIDB_USER, settings.ARCHIVE_OIDB_PASSWORD,
                          timeout=settings.ARCHIVE_OIDB_TIMEOUT)

    def serialize_version(self, version) -> dict:
        product, program = version.product, version.product.program
        summary = (version.validation_report or {}).get("summary", {})
        release_date, rights = release(program, product.t_max)
        path = absolute_path(version.path)
        stations = product.observation.stations if product.observation_id else ""
        return {
            "dataproduct_type": DATAPRODUCT_TYPE, "dataproduct_category": "SCIENCE",
            "calib_level": product.calib_level, "target_name": product.target.name,
            "obs_id": obs_id_for(product.key), "obs_collection": self.collection(),
            "obs_creator_name": _pi_name(program), "datapi": _pi_name(program),
            "obs_release_date": release_date, "data_rights": rights,
            "access_url": settings.ARCHIVE_PUBLIC_BASE_URL.rstrip("/")
            + reverse("archive:version-download", args=[version.pk]),
            "access_format": "application/fits", "access_estsize": max(1, version.size // 1024),
            "access_md5": _md5(path) if path.exists() else "",
            "s_ra": product.target.ra_deg, "s_dec": product.target.dec_deg,
            "t_min": product.t_min if product.t_min is not None else summary.get("mjd_min"),
            "t_max": product.t_max if product.t_max is not None else summary.get("mjd_max"),
            "em_min": summary.get("wave_min"), "em_max": summary.get("wave_max"),
            "nb_channels": summary.get("nb_channels"), "nb_vis": summary.get("nb_vis"),
            "nb_vis2": summary.get("nb_vis2"), "nb_t3": summary.get("nb_t3"),
            "facility_name": "CHARA", "instrument_name": product.instrument, "instrument_mode": product.setup,
            "interferometer_stations": stations, "quality_level": quality.oidb_level(version.quality_flag),
            "progid": program.code, "proposal_subid": product.target.catalog_row_id or "",
            "procsoft": version.software, "note": f"version {version.number}; processing {version.processing}",
            **_from_header(path),
        }

    def serialize_l0(self, record) -> dict:
        raw = record.raw_file
        return {
            "dataproduct_type": DATAPRODUCT_TYPE, "calib_level": 0, "target_name": record.target_name,
            "obs_id": raw.original_name.rsplit(".fits", 1)[0], "obs_collection": settings.ARCHIVE_OIDB_COLLECTION,
            "obs_release_date": "", "data_rights": "secure", "s_ra": record.ra_deg, "s_dec": record.dec_deg,
            "t_min": record.mjd_start, "t_max": record.mjd_end, "facility_name": "CHARA",
            "instrument_name": record.instrument, "instrument_mode": record.mode,
            "interferometer_stations": record.stations, "progid": record.program_code,
            "dataproduct_category": record.obs_type.lower(), "note": f"raw sha256 {raw.sha256[:16]}",
        }

    def dedup_key(self, payload: dict) -> str:
        if int(payload.get("calib_level", -1)) == 0:  # OiDB's L0 uniqueness
            return f"L0|{payload['obs_id']}|{payload['obs_collection']}|{payload.get('instrument_mode', '')}"
        return f"L{payload['calib_level']}|{payload['obs_id']}|{payload['obs_collection']}"

    def push(self, payload: dict, *, remote_id: str | None) -> str:
        client = self.client()
        if remote_id:
            client.put_granule(remote_id, payload)
            return remote_id
        return client.post_granules([payload])[0]

    def find_remote(self, payload: dict) -> str | None:
        tap = self.tap_url()
        if not tap:
            return None
        from archive.clients.tap import granule_ids

        try:
            found = granule_ids(tap, obs_id=payload["obs_id"], collection=payload["obs_collection"],
                                calib_level=int(payload["calib_level"]))
        except Exception as exc:  # noqa: BLE001 - a failed look-up means "retry later"
            raise RemoteUnavailable(f"OiDB TAP look-up failed: {exc}") from exc
        return found[0] if found else None


class OidbBetaExporter(OidbExporter):
    """OiDB-beta: where the team indexes L1 products (calib_level 1, quality unknown, embargo as for L2)."""

    destination = "oidb_beta"
    label = "OiDB-beta"

    @classmethod
    def configured_endpoint(cls) -> str:
        return settings.ARCHIVE_OIDB_BETA_URL

    def collection(self) -> str:
        return settings.ARCHIVE_OIDB_BETA_COLLECTION

    def tap_url(self) -> str:
        return settings.ARCHIVE_OIDB_BETA_TAP_URL

    def client(self) -> OidbClient:
        return OidbClient(self.endpoint, settings.ARCHIVE_OIDB_BETA_USER, settings.ARCHIVE_OIDB_BETA_PASSWORD,
                          timeout=settings.ARCHIVE_OIDB_TIMEOUT)

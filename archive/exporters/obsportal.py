"""ObsPortal (JMMC) L0 feed: the same L0 records as OiDB, as JSON on their endpoint."""
from __future__ import annotations

from django.conf import settings

from archive.clients.obsportal import ObsPortalClient
from archive.exporters.base import BaseArchiveExporter
from archive.exporters.oidb import OidbExporter


class ObsPortalExporter(BaseArchiveExporter):
    destination = "obsportal"

    @classmethod
    def configured_endpoint(cls) -> str:
        return settings.ARCHIVE_OBSPORTAL_URL

    def serialize_version(self, version) -> dict:
        raise NotImplementedError("ObsPortal receives L0 records only")

    def serialize_l0(self, record) -> dict:
        granule = OidbExporter(endpoint="").serialize_l0(record)
        granule.update({"r0": record.r0, "tau0": record.tau0, "raw_file": record.raw_file.original_name})
        return granule

    def dedup_key(self, payload: dict) -> str:
        return f"L0|{payload['obs_id']}|{payload.get('instrument_mode', '')}"

    def push(self, payload: dict, *, remote_id: str | None) -> str:
        ids = ObsPortalClient(self.endpoint, timeout=settings.ARCHIVE_OIDB_TIMEOUT).post_records([payload])
        return ids[0] if ids else (remote_id or payload["obs_id"])

"""One base class for the systems products are pushed to (OiDB's granule API), chosen in settings.

`ARCHIVE_EXPORTERS = {"oidb": "archive.exporters.oidb.OidbExporter"}`;
load one with `exporter_for(destination)`. An exporter turns a product version
or an L0 record into a payload (`serialize_*`, run when the outbox message is
written) and delivers a payload (`push`, run by the Celery task).
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from django.conf import settings

from issp_portal.plugins import load_plugin


class BaseArchiveExporter(ABC):
    destination: str = ""
    label: str = ""  # shown on the product page

    def __init__(self, endpoint: str | None = None):
        self.endpoint = endpoint if endpoint is not None else self.configured_endpoint()

    @classmethod
    @abstractmethod
    def configured_endpoint(cls) -> str:
        """The base URL from settings ("" when not configured)."""

    @abstractmethod
    def serialize_version(self, version) -> dict:
        """The remote record describing one product version."""

    @abstractmethod
    def serialize_l0(self, record) -> dict:
        """The remote record describing one L0 record (raw file headers)."""

    @abstractmethod
    def dedup_key(self, payload: dict) -> str:
        """The identity of a payload on the remote side: the same key is updated, never duplicated."""

    @abstractmethod
    def push(self, payload: dict, *, remote_id: str | None) -> str:
        """Create (remote_id None) or update the remote record; returns its remote id.

        Raises `archive.clients.oidb.RemoteRejected` (4xx) or `RemoteUnavailable` (retry)."""

    def find_remote(self, payload: dict) -> str | None:
        """Look the record up remotely (after an unknown outcome); None when not found or not possible."""
        return None


def exporter_class(destination: str) -> type[BaseArchiveExporter] | None:
    """The configured exporter class of a destination, None when it is no longer configured."""
    if destination not in settings.ARCHIVE_EXPORTERS:
        return None
    return load_plugin("ARCHIVE_EXPORTERS", destination)


def exporter_for(destination: str, endpoint: str | None = None) -> BaseArchiveExporter:
    cls = load_plugin("ARCHIVE_EXPORTERS", destination)
    return cls(endpoint=endpoint)


def enabled_destinations(kind: str) -> list[str]:
    """Destinations that receive `kind` ("version" = validated L2, "l1", "l0") when enabled and configured."""
    if kind == "l1":  # OiDB-beta, its own switch
        wanted = ["oidb_beta"] if settings.ARCHIVE_L1_PUSH_ENABLED else []
    elif not settings.ARCHIVE_PUSH_ENABLED or (kind == "l0" and not settings.ARCHIVE_PUSH_L0):
        return []  # L0: OiDB harvests the L0 feed (pipelines.l0_feed) unless ARCHIVE_PUSH_L0
    else:
        wanted = ["oidb"]
    return [d for d in wanted if d in settings.ARCHIVE_EXPORTERS
            and load_plugin("ARCHIVE_EXPORTERS", d).configured_endpoint()]

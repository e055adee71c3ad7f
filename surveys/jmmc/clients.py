"""HTTP clients of JMMC: the catalogs REST API (requests) and the TAP service (pyvo).

Endpoints, payloads and HTTP basic auth follow a2p2's reference client
(`a2p2/jmmc/catalogs.py`, `a2p2/jmmc/utils.py`). Credentials come from settings
(JMMC_USER / JMMC_PASSWORD) through one helper, are only handed to requests as
an auth object, and never appear in a log line, an error message or the database.
"""
from __future__ import annotations

import logging
from typing import Any

import requests

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from domain.errors import NotFoundError, PermissionRefused, ServiceUnavailable, ValidationFailed
from surveys.jmmc.sync import page_query

logger = logging.getLogger(__name__)
TIMEOUT = (5, 60)


def jmmc_settings() -> dict[str, Any]:
    """The JMMC settings, read when needed (never at import time)."""
    return {
        "catalog_url": (getattr(settings, "JMMC_CATALOG_URL", "") or "").rstrip("/"),
        "tap_url": (getattr(settings, "JMMC_TAP_URL", "") or "").rstrip("/"),
        "catalog": getattr(settings, "JMMC_CATALOG_NAME", "spica") or "spica",
        "page_size": int(getattr(settings, "JMMC_TAP_PAGE_SIZE", 1000)),
    }


def missing_settings() -> list[str]:
    """Names of the settings a sync needs and that are empty."""
    names = ("JMMC_CATALOG_URL", "JMMC_TAP_URL", "JMMC_USER", "JMMC_PASSWORD")
    return [n for n in names if not getattr(settings, n, "")]


def _auth() -> requests.auth.HTTPBasicAuth:
    missing = missing_settings()
    if missing:
        raise ImproperlyConfigured(f"JMMC catalog sync needs settings: {', '.join(missing)}")
    return requests.auth.HTTPBasicAuth(settings.JMMC_USER, settings.JMMC_PASSWORD)


def _session() -> requests.Session:
    session = requests.Session()
    session.auth = _auth()
    session.trust_env = False  # no .netrc / proxy surprises: settings are the only source
    return session


class CatalogApiClient:
    """The JMMC catalogs REST API for one catalog (GET/PUT rows, accounts, delegations)."""

    def __init__(self, *, base_url: str | None = None, catalog: str | None = None):
        conf = jmmc_settings()
        self.base_url = (base_url or conf["catalog_url"]).rstrip("/")
        self.catalog = catalog or conf["catalog"]
        self.session = _session()

    def _request(self, method: str, path: str, **kwargs) -> Any:
        url = self.base_url + path
        logger.info("JMMC catalogs API: %s %s", method, url)
        try:
            answer = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise ServiceUnavailable(f"JMMC catalogs API unreachable ({method} {path}): {type(exc).__name__}")
        if answer.status_code == 204:
            return None
        if 200 <= answer.status_code < 300:
            if "application/json" in answer.headers.get("Content-Type", ""):
                return answer.json()
            return answer.content
        reason = answer.headers.get("X-Http-Error-Description") or answer.reason or ""
        message = f"JMMC catalogs API answered {answer.status_code} to {method} {path}: {reason}"
        if answer.status_code in (401, 403):
            raise PermissionRefused(message)
        if answer.status_code == 404:
            raise NotFoundError(message)
        if 400 <= answer.status_code < 500:
            raise ValidationFailed(message, {"remote": reason})
        raise ServiceUnavailable(message)

    def metadata(self) -> dict:
        return self._request("GET", f"/meta/{self.catalog}")

    def pis(self) -> list[dict]:
        """PI names of the catalog with their JMMC login when known: [{"name", "login"}]."""
        return (self._request("GET", f"/accounts/{self.catalog}") or {}).get("pi", [])

    def get_row(self, row_id: str | int) -> dict:
        return self._request("GET", f"/{self.catalog}/{row_id}")

    def update_row(self, row_id: str | int, values: dict) -> Any:
        return self._request("PUT", f"/{self.catalog}/{row_id}", json=values)

    def update_rows(self, rows: list[dict]) -> Any:
        return self._request("PUT", f"/{self.catalog}", json=rows)

    def add_rows(self, rows: list[dict]) -> Any:
        return self._request("POST", f"/{self.catalog}", json=rows)

    def delegations(self, pi: str | None = None) -> dict:
        path = "/delegations" + (f"?pi={requests.utils.quote(pi)}" if pi else "")
        return self._request("GET", path) or {}

    def update_delegations(self, delegations: list[dict]) -> Any:
        """Each item: {"pi", "catalogs", "coi": [...], "action": "add"|"remove"}."""
        return self._request("PUT", "/delegations", json=delegations)


class TapCatalogReader:
    """Reads the whole catalog through TAP, one keyset page (TOP n ... WHERE id > last) at a time."""

    def __init__(self, *, tap_url: str | None = None, table: str | None = None, page_size: int | None = None):
        import pyvo

        conf = jmmc_settings()
        self.tap_url = tap_url or conf["tap_url"]
        self.table = table or conf["catalog"]
        self.page_size = page_size or conf["page_size"]
        self.service = pyvo.dal.TAPService(self.tap_url, session=_session())

    def rows(self) -> list[dict[str, Any]]:
        import pyvo

        rows: list[dict[str, Any]] = []
        after: int | None = None
        while True:
            query = page_query(table=self.table, after_id=after, page_size=self.page_size)
            logger.info("JMMC TAP %s: %s", self.tap_url, query)
            try:
                table = self.service.search(query, maxrec=self.page_size).to_table()
            except pyvo.dal.DALServiceError as exc:
                if getattr(exc, "code", None) in (401, 403):
                    raise PermissionRefused(f"JMMC TAP refused the credentials (HTTP {exc.code})")
                raise ServiceUnavailable(f"JMMC TAP service failed: {_no_secrets(str(exc))}")
            except pyvo.dal.DALQueryError as exc:
                raise ValidationFailed("JMMC TAP refused the query", {"query": _no_secrets(str(exc))})
            columns = {col: table[col].tolist() for col in table.colnames}  # masked cells -> None
            page = [{col: columns[col][i] for col in table.colnames} for i in range(len(table))]
            rows.extend(page)
            if len(page) < self.page_size:
                return rows
            after = int(page[-1]["id"])


def _no_secrets(text: str) -> str:
    """Error texts from libraries may echo request details: strip the password if present."""
    password = getattr(settings, "JMMC_PASSWORD", "")
    return text.replace(password, "***") if password else text

"""HTTP client of the ObsPortal L0 feed: JSON records POSTed to the configured endpoint."""
from __future__ import annotations

import requests

from archive.clients.oidb import RemoteRejected, RemoteUnavailable


class ObsPortalClient:
    def __init__(self, url: str, timeout: float = 10.0):
        self.url, self.timeout = url, timeout

    def post_records(self, records: list[dict]) -> list[str]:
        """Upsert L0 records (keyed by obs_id + instrument_mode on the remote side); returns their ids."""
        try:
            response = requests.post(self.url, json={"records": records}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RemoteUnavailable(f"ObsPortal unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise RemoteUnavailable(f"ObsPortal answered {response.status_code}", response.status_code)
        if response.status_code >= 400:
            raise RemoteRejected(response.status_code, response.text[:500])
        return [str(x) for x in response.json().get("ids", [])]

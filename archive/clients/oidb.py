"""HTTP client of the OiDB submission API (JMMC-OpenDev/oidb modules/rest).

POST /oidb/granule with <granules><granule><col>v</col>...</granule></granules>,
answer <response><id>N</id>...</response>; PUT/GET/DELETE /oidb/granule/{id}.
4xx answers raise `RemoteRejected` (the server's message kept for the data
manager), network failures and 5xx raise `RemoteUnavailable` (retry later).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import requests


class RemoteRejected(Exception):
    """The remote refused the request (4xx): retrying the same payload will not help."""

    def __init__(self, status: int, message: str):
        super().__init__(f"HTTP {status}: {message}")
        self.status, self.message = status, message


class RemoteUnavailable(Exception):
    """The remote could not be reached or failed (5xx): retry later."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def granules_to_xml(granules: list[dict]) -> bytes:
    root = ET.Element("granules")
    for granule in granules:
        node = ET.SubElement(root, "granule")
        for column, value in granule.items():
            if value is None or value == "":
                continue
            ET.SubElement(node, column).text = str(value)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def xml_to_granules(body: bytes) -> list[dict]:
    root = ET.fromstring(body)
    nodes = [root] if root.tag == "granule" else root.findall("granule")
    return [{child.tag: (child.text or "") for child in node} for node in nodes]


def _message(response: requests.Response) -> str:
    try:
        root = ET.fromstring(response.content)
        texts = [e.text.strip() for e in root.iter() if e.tag in ("error", "message") and e.text]
        if texts:
            return "; ".join(texts)
    except ET.ParseError:
        pass
    return response.text.strip()[:500] or response.reason


class OidbClient:
    def __init__(self, base_url: str, user: str = "", password: str = "", timeout: float = 10.0):
        self.base = base_url.rstrip("/")
        self.auth = (user, password) if user else None
        self.timeout = timeout

    def _call(self, method: str, path: str, body: bytes | None = None) -> requests.Response:
        try:
            response = requests.request(method, f"{self.base}{path}", data=body, auth=self.auth, timeout=self.timeout,
                                        headers={"Content-Type": "application/xml", "Accept": "application/xml"})
        except requests.RequestException as exc:
            raise RemoteUnavailable(f"OiDB unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise RemoteUnavailable(f"OiDB answered {response.status_code}: {_message(response)}",
                                    response.status_code)
        if response.status_code >= 400:
            raise RemoteRejected(response.status_code, _message(response))
        return response

    def post_granules(self, granules: list[dict]) -> list[str]:
        """Create granules (one transaction on the server); returns their ids in order."""
        response = self._call("POST", "/oidb/granule", granules_to_xml(granules))
        try:
            ids = [e.text.strip() for e in ET.fromstring(response.content).iter("id") if e.text]
        except ET.ParseError as exc:
            raise RemoteUnavailable(f"OiDB answer is not XML: {response.text[:200]}") from exc
        if len(ids) != len(granules):
            raise RemoteUnavailable(f"OiDB returned {len(ids)} ids for {len(granules)} granules")
        return ids

    def put_granule(self, granule_id: str, granule: dict) -> None:
        self._call("PUT", f"/oidb/granule/{granule_id}", granules_to_xml([granule]))

    def get_granule(self, granule_id: str) -> dict:
        granules = xml_to_granules(self._call("GET", f"/oidb/granule/{granule_id}").content)
        return granules[0] if granules else {}

    def delete_granule(self, granule_id: str) -> None:
        self._call("DELETE", f"/oidb/granule/{granule_id}")

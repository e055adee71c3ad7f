"""A stand-in OiDB on loopback, written from the documented API, for tests and the demo.

POST /oidb/granule (XML granules, one transaction) -> <response><id>..</id></response>;
GET/PUT/DELETE /oidb/granule/{id}; 400 with <error> for a bad granule, 401 without
write permission (HTTP basic, when users are configured). L0 granules are unique
on (obs_id, obs_collection, instrument_mode): re-posting one updates it. Also
serves the ObsCore table over TAP (`/tap/sync`, VOTable written with astropy).
L0 collections harvested from an ObsPortal feed (`issp_l0`) are filled by
`archive.standins.obsportal_harvest`, which keeps each collection's
last-modification date in the store. The store outlives stop()/start(), so a
test can take the server down and bring it back.
"""
from __future__ import annotations

import base64
import io
import re
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import numpy as np
from astropy.io.votable import from_table
from astropy.table import Table

from archive.clients.oidb import granules_to_xml, xml_to_granules

REQUIRED = ("obs_id", "obs_collection", "calib_level", "target_name", "instrument_name")
NUMERIC = ("calib_level", "s_ra", "s_dec", "t_min", "t_max", "em_min", "em_max", "nb_channels", "nb_vis",
           "nb_vis2", "nb_t3", "access_estsize", "quality_level")


class GranuleStore:
    """In-memory granules plus a log of every accepted write (to count duplicates)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.granules: dict[int, dict] = {}
        self.next_id = 1
        self.requests: list[tuple[str, str]] = []
        self.last_mod_dates: dict = {}  # collection -> largest exp_date_updated harvested (obsportal.xqm)

    def validate(self, granule: dict) -> str | None:
        missing = [c for c in REQUIRED if not granule.get(c)]
        if missing:
            return f"granule {granule.get('obs_id', '?')}: missing {', '.join(missing)}"
        for column in NUMERIC:
            if granule.get(column) not in (None, ""):
                try:
                    float(granule[column])
                except ValueError:
                    return f"granule {granule['obs_id']}: {column} is not a number: {granule[column]!r}"
        if not 0 <= int(float(granule["calib_level"])) <= 3:
            return f"granule {granule['obs_id']}: calib_level must be 0-3"
        if granule.get("data_rights") not in (None, "", "public", "secure", "proprietary"):
            return f"granule {granule['obs_id']}: data_rights must be public, secure or proprietary"
        return None

    def insert(self, granules: list[dict]) -> list[int]:
        with self.lock:
            ids = []
            for granule in granules:
                existing = self._l0_match(granule)
                if existing is not None:
                    self.granules[existing] = {**granule, "id": str(existing)}
                    ids.append(existing)
                    continue
                gid, self.next_id = self.next_id, self.next_id + 1
                self.granules[gid] = {**granule, "id": str(gid)}
                ids.append(gid)
            return ids

    def _l0_match(self, granule: dict) -> int | None:
        if str(granule.get("calib_level")) != "0":
            return None
        key = (granule.get("obs_id"), granule.get("obs_collection"), granule.get("instrument_mode", ""))
        for gid, g in self.granules.items():
            if str(g.get("calib_level")) == "0" and (
                    g.get("obs_id"), g.get("obs_collection"), g.get("instrument_mode", "")) == key:
                return gid
        return None

    def count(self, **where) -> int:
        with self.lock:
            return sum(all(str(g.get(k)) == str(v) for k, v in where.items()) for g in self.granules.values())


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args):  # quiet: tests read the store, not the log
        pass

    def _send(self, status: int, body: bytes = b"", ctype: str = "application/xml") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        root = ET.Element("error")
        root.text = message
        self._send(status, ET.tostring(root, encoding="utf-8"))

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorized(self) -> bool:
        users = self.server.users
        if users is None:
            return True
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return users.get(user) == password

    def _granule_id(self) -> int | None:
        match = re.fullmatch(r"/oidb/granule/(\d+)/?", self.path)
        return int(match.group(1)) if match else None

    def do_GET(self):  # noqa: N802
        gid, store = self._granule_id(), self.server.store
        if gid is None:
            return self._error(404, "not found")
        with store.lock:
            granule = store.granules.get(gid)
        if granule is None:
            return self._error(404, f"no granule {gid}")
        self._send(200, granules_to_xml([granule]))

    def do_DELETE(self):  # noqa: N802
        if not self._authorized():
            return self._error(401, "no write permission on this collection")
        gid, store = self._granule_id(), self.server.store
        with store.lock:
            if gid is None or store.granules.pop(gid, None) is None:
                return self._error(404, f"no granule {gid}")
            store.requests.append(("DELETE", str(gid)))
        self._send(204)

    def do_PUT(self):  # noqa: N802
        if not self._authorized():
            return self._error(401, "no write permission on this collection")
        gid, store, body = self._granule_id(), self.server.store, self._body()
        try:
            granules = xml_to_granules(body)
        except ET.ParseError as exc:
            return self._error(400, f"malformed XML: {exc}")
        if gid is None or len(granules) != 1:
            return self._error(400, "PUT /oidb/granule/{id} takes exactly one granule")
        problem = store.validate(granules[0])
        if problem:
            return self._error(400, problem)
        with store.lock:
            if gid not in store.granules:
                return self._error(404, f"no granule {gid}")
            store.granules[gid] = {**granules[0], "id": str(gid)}
            store.requests.append(("PUT", str(gid)))
        self._send(204)

    def do_POST(self):  # noqa: N802
        if self.path.startswith("/tap/sync"):
            return self._tap(self._body())
        if self.path.rstrip("/") != "/oidb/granule":
            return self._error(404, "not found")
        if not self._authorized():
            return self._error(401, "no write permission on this collection")
        store, body = self.server.store, self._body()
        try:
            granules = xml_to_granules(body)
        except ET.ParseError as exc:
            return self._error(400, f"malformed XML: {exc}")
        if not granules:
            return self._error(400, "no granule in request")
        for granule in granules:  # one transaction: all or nothing
            problem = store.validate(granule)
            if problem:
                return self._error(400, problem)
        if self.server.fail_next:
            self.server.fail_next -= 1
            return self._error(500, "stand-in: simulated failure")
        ids = store.insert(granules)
        with store.lock:
            store.requests += [("POST", str(i)) for i in ids]
        root = ET.Element("response")
        for i in ids:
            ET.SubElement(root, "id").text = str(i)
        ET.SubElement(root, "success").text = f"{len(ids)} granule(s) saved"
        self._send(200, ET.tostring(root, encoding="utf-8"))

    def _tap(self, body: bytes) -> None:
        query = " ".join(parse_qs(body.decode()).get("QUERY", [""])[0].split())
        match = re.match(r"SELECT (.+?) FROM oidb(?: WHERE (.+))?$", query, re.IGNORECASE)
        if not match:
            return self._send(400, b"unsupported query", "text/plain")
        columns = [c.strip() for c in match.group(1).split(",")]
        where = dict(re.findall(r"(\w+) = ('(?:[^']|'')*'|[\d.]+)", match.group(2) or ""))
        where = {k: v[1:-1].replace("''", "'") if v.startswith("'") else v for k, v in where.items()}
        with self.server.store.lock:
            rows = [g for g in self.server.store.granules.values()
                    if all(str(g.get(k, "")) == v for k, v in where.items())]
        table = Table()
        for c in columns:
            kind = float if c in NUMERIC else str
            table[c] = np.array([_tap_value(r.get(c), c) for r in rows] if rows else [], dtype=kind)
        buffer = io.BytesIO()
        from_table(table).to_xml(buffer)
        self._send(200, buffer.getvalue(), "application/x-votable+xml")


def _tap_value(value, column: str):
    if column in NUMERIC:
        return float(value) if value not in (None, "") else float("nan")
    return "" if value is None else str(value)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class OidbStandin:
    """Start/stop a stand-in on 127.0.0.1; `url` is the OiDB base URL, `tap_url` its TAP service."""

    def __init__(self, users: dict[str, str] | None = None, store: GranuleStore | None = None):
        self.users, self.store = users, store or GranuleStore()
        self.port: int | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, port: int | None = None) -> OidbStandin:
        server = _Server(("127.0.0.1", port if port is not None else (self.port or 0)), _Handler)
        server.store, server.users, server.fail_next = self.store, self.users, 0
        self._server, self.port = server, server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="oidb-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def fail_next(self, n: int) -> None:
        self._server.fail_next = n

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def tap_url(self) -> str:
        return f"{self.url}/tap"

    def __enter__(self) -> OidbStandin:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

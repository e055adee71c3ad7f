"""Stand-ins for JMMC: a TAP service and the catalogs REST API, real HTTP servers on loopback.

Both serve one shared store (an in-memory SQLite table per catalog), so a row
updated through the API is what the next TAP query reads. The TAP stand-in runs
the ADQL subset the sync sends (``SELECT TOP n cols FROM t WHERE ... ORDER BY ...``)
on SQLite and answers a VOTable written by astropy; the API stand-in implements
what a2p2's `Catalog` calls, with HTTP basic auth. Used by tests and for demos.
"""
from __future__ import annotations

import base64
import io
import json
import re
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import numpy as np
from astropy.io.votable import from_table
from astropy.io.votable.tree import Info
from astropy.table import MaskedColumn, Table

# column, SQLite type, numpy dtype of the VOTable column
SCHEMA = [
    ("id", "INTEGER PRIMARY KEY", "i8"), ("name", "TEXT", "U80"), ("ra", "REAL", "f8"), ("dec", "REAL", "f8"),
    ("vmag", "REAL", "f8"), ("sptype", "TEXT", "U40"), ("priority_pi", "INTEGER", "i4"), ("pi", "TEXT", "U80"),
    ("instrument", "TEXT", "U20"), ("mode", "TEXT", "U20"), ("nb_obs", "INTEGER", "i4"),
]
COLUMNS = [c for c, _, _ in SCHEMA]


class CatalogStore:
    """The remote state: catalog rows, PI accounts, delegations and API users."""

    def __init__(self, *, catalog: str = "spica", users: dict[str, dict] | None = None):
        self.catalog = catalog
        self.lock = threading.Lock()
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute(f"CREATE TABLE {catalog} ({', '.join(f'{c} {t}' for c, t, _ in SCHEMA)})")
        self.users = users or {}  # login -> {"password", "admin": bool, "pi": name or None}
        self.accounts: list[dict] = []  # [{"name": PI name, "login": JMMC login}]
        self.delegations: list[dict] = []  # [{"pi", "coi": [...], "catalogs": [...]}]
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, login): no passwords

    def insert(self, row: dict[str, Any]) -> int:
        row = {k: v for k, v in row.items() if k in COLUMNS}
        with self.lock:
            cur = self.db.execute(
                f"INSERT INTO {self.catalog} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                list(row.values()),
            )
            return int(cur.lastrowid)

    def update(self, row_id: int, values: dict[str, Any]) -> bool:
        bad = [k for k in values if k not in COLUMNS or k == "id"]
        if bad:
            raise KeyError(", ".join(bad))
        with self.lock:
            cur = self.db.execute(
                f"UPDATE {self.catalog} SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                [*values.values(), int(row_id)],
            )
            return cur.rowcount == 1

    def delete(self, row_id: int) -> None:
        with self.lock:
            self.db.execute(f"DELETE FROM {self.catalog} WHERE id = ?", [int(row_id)])

    def get(self, row_id: int) -> dict | None:
        with self.lock:
            found = self.db.execute(f"SELECT * FROM {self.catalog} WHERE id = ?", [int(row_id)]).fetchone()
        return dict(found) if found else None

    def query(self, adql: str, maxrec: int | None) -> tuple[list[str], list[tuple], bool]:
        """Run the ADQL subset on SQLite: `TOP n` becomes `LIMIT n`. Returns (columns, rows, overflow)."""
        match = re.match(r"^\s*SELECT\s+(?:TOP\s+(\d+)\s+)?(.+?)\s+FROM\s+(\w+)(.*)$", adql, re.I | re.S)
        if not match:
            raise ValueError("only SELECT [TOP n] ... FROM table ... is supported")
        top, cols, table, rest = match.groups()
        if table.lower() != self.catalog.lower():
            raise ValueError(f"unknown table {table}")
        if ";" in adql:
            raise ValueError("one statement only")
        top = int(top) if top is not None else None
        fetch = [x for x in (top, None if maxrec is None else maxrec + 1) if x is not None]
        sql = f"SELECT {cols} FROM {self.catalog}{rest}" + (f" LIMIT {min(fetch)}" if fetch else "")
        with self.lock:
            cur = self.db.execute(sql)
            names = [d[0] for d in cur.description]
            rows = [tuple(r) for r in cur.fetchall()]
        overflow = maxrec is not None and len(rows) > maxrec
        return names, rows[:maxrec] if overflow else rows, overflow


def votable_bytes(names: list[str], rows: list[tuple], *, status: str = "OK") -> bytes:
    """A TAP answer: the rows as a VOTable (masked where NULL) with its QUERY_STATUS info."""
    dtypes = {c: d for c, _, d in SCHEMA}
    table = Table()
    for i, name in enumerate(names):
        values = [r[i] for r in rows]
        mask = [v is None for v in values]
        dtype = dtypes.get(name, "U80")
        fill = "" if dtype.startswith("U") else 0
        table[name] = MaskedColumn(np.array([fill if v is None else v for v in values], dtype=dtype), mask=mask)
    vot = from_table(table)
    vot.resources[0].infos.append(Info(name="QUERY_STATUS", value=status))
    out = io.BytesIO()
    vot.to_xml(out)
    return out.getvalue()


def error_votable(message: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><VOTABLE version="1.3" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">'
        f'<RESOURCE type="results"><INFO name="QUERY_STATUS" value="ERROR">{_xml_escape(message)}</INFO>'
        "</RESOURCE></VOTABLE>"
    ).encode()


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Handler(BaseHTTPRequestHandler):
    store: CatalogStore
    prefix = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: tests read the store log
        return

    def _login(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            login, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        user = self.store.users.get(login)
        return login if user and user["password"] == password else None

    def _send(self, status: int, body: bytes = b"", ctype: str = "application/json", reason: str = "") -> None:
        self.send_response(status)
        if reason:
            self.send_header("X-Http-Error-Description", reason)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="jmmc"')
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data).encode())

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


class TapHandler(_Handler):
    """POST/GET {prefix}/sync with REQUEST=doQuery, LANG=ADQL, QUERY, MAXREC."""

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self._tap(url.path, parse_qs(url.query))

    def do_POST(self) -> None:
        self._tap(urlparse(self.path).path, parse_qs(self._body().decode()))

    def _tap(self, path: str, params: dict[str, list[str]]) -> None:
        login = self._login()
        self.store.requests.append(("TAP", path, login))
        if path.rstrip("/") != f"{self.prefix}/sync":
            return self._send(404, b"not found", "text/plain")
        if login is None:
            return self._send(401, b"authentication required", "text/plain")
        params = {k.upper(): v[-1] for k, v in params.items()}
        if params.get("LANG", "ADQL").upper() != "ADQL":
            return self._send(400, error_votable("LANG must be ADQL"), "application/x-votable+xml")
        try:
            maxrec = int(params["MAXREC"]) if params.get("MAXREC") else None
            names, rows, overflow = self.store.query(params.get("QUERY", ""), maxrec)
        except (ValueError, sqlite3.Error) as exc:
            return self._send(400, error_votable(f"query refused: {exc}"), "application/x-votable+xml")
        body = votable_bytes(names, rows, status="OVERFLOW" if overflow else "OK")
        self._send(200, body, "application/x-votable+xml")


class CatalogApiHandler(_Handler):
    """The JMMC catalogs REST API subset a2p2 calls, under {prefix} (e.g. /catalogs)."""

    def do_GET(self) -> None:
        self._route("GET")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        path = unquote(url.path)[len(self.prefix):].strip("/")
        login = self._login()
        self.store.requests.append((method, "/" + path, login))
        if login is None:
            return self._send(401, b"{}", reason="authentication required")
        user = self.store.users[login]
        parts = path.split("/") if path else []
        try:
            body = json.loads(self._body() or b"null") if method != "GET" else None
        except json.JSONDecodeError:
            return self._send(400, b"{}", reason="body is not JSON")
        cat = self.store.catalog
        if method == "GET" and not parts:
            return self._json(200, [cat])
        if method == "GET" and parts[0] == "meta" and parts[1:] == [cat]:
            return self._json(200, {"name": cat, "primary_key": "id", "columns": COLUMNS})
        if method == "GET" and parts[0] == "accounts" and parts[1:] == [cat]:
            return self._json(200, {"pi": self.store.accounts})
        if parts and parts[0] == "delegations":
            return self._delegations(method, user, login, parse_qs(url.query), body)
        if parts[:1] != [cat]:
            return self._send(404, b"{}", reason=f"no catalog {'/'.join(parts[:1])}")
        if len(parts) == 2 and method == "GET":
            row = self.store.get(int(parts[1])) if parts[1].isdigit() else None
            return self._json(200, row) if row else self._send(404, b"{}", reason="no such row")
        if len(parts) == 2 and method == "PUT":
            return self._update([{**(body or {}), "id": parts[1]}] if isinstance(body, dict) else None)
        if len(parts) == 1 and method == "PUT":
            return self._update(body if isinstance(body, list) else None)
        if len(parts) == 1 and method == "POST" and isinstance(body, list):
            ids = [self.store.insert({k: v for k, v in r.items() if k != "id"}) for r in body]
            return self._json(200, {"id": ids})
        return self._send(400, b"{}", reason="unsupported request")

    def _update(self, rows: list[dict] | None) -> None:
        if not rows:
            return self._send(400, b"{}", reason="expected a JSON object (or list of objects with id)")
        for row in rows:
            values = {k: v for k, v in row.items() if k != "id"}
            if len({k.lower() for k in values}) != len(values):
                return self._send(400, b"{}", reason="duplicated column")
            try:
                if not self.store.update(int(row["id"]), values):
                    return self._send(404, b"{}", reason=f"no row {row['id']}")
            except KeyError as exc:
                return self._send(400, b"{}", reason=f"unknown column {exc}")
            except (TypeError, ValueError, sqlite3.Error):
                return self._send(400, b"{}", reason="bad row id or value")
        self._send(204)

    def _delegations(self, method: str, user: dict, login: str, query: dict, body: Any) -> None:
        if method == "GET":
            pi = (query.get("pi") or [None])[-1]
            pi = None if pi in (None, "None", "") else pi
            if pi is None and not user.get("admin"):
                pi = user.get("pi")
            elif pi is not None and not user.get("admin") and pi != user.get("pi"):
                return self._send(403, b"{}", reason="admin privileges required for another pi")
            items = [d for d in self.store.delegations if pi is None or d["pi"] == pi]
            return self._json(200, {"delegations": items})
        if method != "PUT" or not isinstance(body, list):
            return self._send(400, b"{}", reason="expected a JSON list of delegations")
        for item in body:
            pi = item.get("pi") or user.get("pi")
            if not pi or (pi != user.get("pi") and not user.get("admin")):
                return self._send(403, b"{}", reason="admin privileges required for another pi")
            cois = item.get("coi") or []
            cois = [cois] if isinstance(cois, str) else list(cois)
            cats = item.get("catalogs") or [self.store.catalog]
            cats = [c.strip() for c in cats.split(",")] if isinstance(cats, str) else list(cats)
            self._apply(pi, cats, cois, item.get("action", "add"))
        self._send(204)

    def _apply(self, pi: str, catalogs: list[str], cois: list[str], action: str) -> None:
        with self.store.lock:
            entry = next((d for d in self.store.delegations if d["pi"] == pi and d["catalogs"] == catalogs), None)
            if entry is None:
                entry = {"pi": pi, "coi": [], "catalogs": catalogs}
                self.store.delegations.append(entry)
            if action == "remove":
                entry["coi"] = [c for c in entry["coi"] if c not in cois]
            else:
                entry["coi"] += [c for c in cois if c not in entry["coi"]]


class StandInServer:
    """One HTTP server on 127.0.0.1 (free port) in a daemon thread; `url` is its base URL."""

    def __init__(self, handler: type[_Handler], store: CatalogStore, prefix: str):
        attrs = {"store": store, "prefix": prefix}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), type(handler.__name__, (handler,), attrs))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{prefix}"
        # poll every 50 ms: stop() returns at once, not after the default 0.5 s (a test starts two of them)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> StandInServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def start_standins(store: CatalogStore) -> tuple[StandInServer, StandInServer]:
    """Start the TAP (…/tap) and catalogs API (…/catalogs) stand-ins on the same store."""
    tap = StandInServer(TapHandler, store, "/tap").start()
    api = StandInServer(CatalogApiHandler, store, "/catalogs").start()
    return tap, api

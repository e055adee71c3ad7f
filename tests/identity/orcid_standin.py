"""A loopback stand-in of ORCID's OAuth endpoints and public API (v3.0), for sign-in tests.

GET /oauth/authorize shows a consent page (button "Authorize") and redirects to the
client's redirect_uri with ?code&state; POST /oauth/token exchanges the code (checking
client id, secret and redirect_uri) for ORCID's token answer (access_token, orcid,
name); GET /v3.0/{orcid}/record answers the record (orcid-identifier, person.name,
person.emails.email[] with `verified`). `people` maps an ORCID iD to (given, family,
[(email, verified)]); `signing_in` chooses who is "logged in" at ORCID.
"""
from __future__ import annotations

import html
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse


class OrcidStandin:
    def __init__(self, client_id: str, secret: str):
        self.client_id, self.secret = client_id, secret
        self.people: dict[str, tuple[str, str, list[tuple[str, bool]]]] = {}
        self.signing_in = ""
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (orcid, redirect_uri)
        self.tokens: dict[str, str] = {}
        self.log: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    def record(self, orcid: str) -> dict:
        given, family, emails = self.people[orcid]
        return {"orcid-identifier": {"uri": f"https://orcid.org/{orcid}", "path": orcid, "host": "orcid.org"},
                "person": {"name": {"given-names": {"value": given}, "family-name": {"value": family}},
                           "emails": {"email": [{"email": e, "verified": v, "primary": i == 0}
                                                for i, (e, v) in enumerate(emails)]}}}

    def start(self) -> OrcidStandin:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, data: dict):
                self._send(status, json.dumps(data).encode(), "application/json")

            def do_GET(self):  # noqa: N802
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                standin.log.append(f"GET {url.path}")
                if url.path == "/oauth/authorize":
                    if q.get("client_id") != standin.client_id or q.get("scope") != "/authenticate":
                        return self._send(400, b"invalid client or scope", "text/plain")
                    code = secrets.token_urlsafe(8)
                    standin.codes[code] = (standin.signing_in, q["redirect_uri"])
                    target = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}"
                    page = (f"<html><body><h1>ORCID stand-in</h1><p>Signed in as {html.escape(standin.signing_in)}"
                            f"</p><a id='authorize' href='{html.escape(target)}'>Authorize</a></body></html>")
                    return self._send(200, page.encode(), "text/html")
                parts = url.path.strip("/").split("/")
                if len(parts) == 3 and parts[0] == "v3.0" and parts[2] == "record" and parts[1] in standin.people:
                    return self._json(200, standin.record(parts[1]))
                return self._send(404, b"not found", "text/plain")

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                standin.log.append(f"POST {self.path}")
                if urlparse(self.path).path != "/oauth/token":
                    return self._send(404, b"not found", "text/plain")
                code = standin.codes.pop(form.get("code", ""), None)
                if (form.get("client_id") != standin.client_id or form.get("client_secret") != standin.secret
                        or code is None or form.get("redirect_uri") != code[1]
                        or form.get("grant_type") != "authorization_code"):
                    return self._json(400, {"error": "invalid_grant"})
                orcid = code[0]
                token = secrets.token_hex(16)
                standin.tokens[token] = orcid
                given, family, _ = standin.people[orcid]
                return self._json(200, {"access_token": token, "token_type": "bearer", "refresh_token": "r",
                                        "expires_in": 631138518, "scope": "/authenticate",
                                        "name": f"{given} {family}", "orcid": orcid})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

"""a2p2 as users run it: the real package's sending code (a2p2/chara/facility.py) against gunicorn on loopback.

`CharaFacility.checkServer` GETs each URL of the `[chara] queueserver` preference (3 s
timeout) and keeps the first that answers JSON; `consumeOB` POSTs `ob.as_dict()` (3 s
timeout) and logs `OB sent to remote server queue : <Response [NNN]>`. The preferences
are a2p2's own (`A2P2ClientPreferences`, prefs.ini under XDG_CONFIG_HOME); only its Tk
window is replaced by a recorder. The server is a fresh gunicorn (no warm-up request,
empty astropy cache, no IERS download).
"""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from tests.conftest import free_port
from tests.hardening.services import WebServer, manage, migrate
from tests.obs_server.conftest import SPICA_OBXML

pytestmark = pytest.mark.slow
A2P2_TIMEOUT_S = 3.0


class ColdWebServer(WebServer):
    """gunicorn as deployed (`--preload`, Dockerfile): the port opens once the application is loaded; no request
    is made before a2p2's, so a2p2's first GET and POST are the server's first requests."""

    def __init__(self, env: dict) -> None:  # same as WebServer without the /healthz warm-up request
        import subprocess
        import sys
        import tempfile

        from tests.conftest import ROOT

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(tempfile.mkdtemp(prefix="issp-web-")) / "gunicorn.log", "w+")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "issp_portal.wsgi:application", "--preload", "--bind",
             f"127.0.0.1:{self.port}", "--workers", "1", "--timeout", "30"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if _listening(self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """A migrated SQLite portal with the demo survey and an a2p2 secret URL key for the ISSP program."""
    tmp = tmp_path_factory.mktemp("a2p2-portal")
    home = tmp / "home"
    (home / ".cache").mkdir(parents=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}", "CELERY_BROKER_URL": "",
           "DEBUG": "false", "SECRET_KEY": "a2p2-" + "x" * 50, "ALLOWED_HOSTS": "127.0.0.1",
           "SECURE_SSL_REDIRECT": "false", "ARCHIVE_ROOT": str(tmp / "archive"), "RAW_ROOT": str(tmp / "raw"),
           "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}  # empty astropy cache: no IERS tables
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    migrate(env)
    setup = ("from demo import survey as demo\nfrom surveys.models import Program\n"
             "from obs_server import key_services\nfrom django.contrib.auth import get_user_model\n"
             "demo.load(n_targets=5, n_calibrators=5)\n"
             "u = get_user_model().objects.get(username='pi_issp')\n"
             "_, raw = key_services.submit_key_create(user=u, program=Program.objects.get(code='issp'))\n"
             "print('KEY', raw)\n")
    out = manage("shell", "-c", setup, env=env).stdout
    key = next(line.split()[1] for line in out.splitlines() if line.startswith("KEY"))
    return {"env": env, "key": key}


def a2p2_send(urls: list[str], obxml: Path, prefs_home: Path, monkeypatch) -> SimpleNamespace:
    """Run a2p2's CHARA sending code on one .obxml; returns what a2p2 shows and the answers it received."""
    from a2p2.chara.facility import CharaFacility
    from a2p2.client import A2P2ClientPreferences
    from a2p2.ob import OB

    (prefs_home / "a2p2").mkdir(parents=True, exist_ok=True)
    (prefs_home / "a2p2" / "prefs.ini").write_text(f"[chara]\nqueueserver = {','.join(urls)}\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(prefs_home))
    shown: list[str] = []
    answers: list[requests.Response] = []
    real_post, real_get = requests.post, requests.get

    def post(*args, **kwargs):  # a2p2 does not keep the answer: record it for the test
        answers.append(real_post(*args, **kwargs))
        return answers[-1]

    def get(*args, **kwargs):
        kwargs.setdefault("timeout", None)
        assert kwargs["timeout"] == A2P2_TIMEOUT_S
        return real_get(*args, **kwargs)

    monkeypatch.setattr(requests, "post", post)
    monkeypatch.setattr(requests, "get", get)
    facility = CharaFacility.__new__(CharaFacility)  # a2p2's own methods; its Tk window is not built
    facility.a2p2client = SimpleNamespace(preferences=A2P2ClientPreferences(),
                                          ui=SimpleNamespace(addToLog=lambda msg, *a: shown.append(str(msg))))
    facility.charaUI = SimpleNamespace(display=lambda msg: None, displayOB=lambda ob: None)
    facility.validQueueServer, facility.connected2OB2 = None, False
    start = time.perf_counter()
    facility.consumeOB(OB(str(obxml)))
    return SimpleNamespace(shown="\n".join(shown), answers=answers, seconds=time.perf_counter() - start,
                           server=facility.validQueueServer)


def test_first_post_after_a_cold_start_answers_within_a2p2s_timeout(portal, tmp_path, monkeypatch):
    web = ColdWebServer(portal["env"])
    try:
        url = f"{web.url}/ob/submit/{portal['key']}/"
        sent = a2p2_send([url], SPICA_OBXML, tmp_path, monkeypatch)
    finally:
        web.stop()
    output = web.output()
    assert output.index("ISSP portal ready: warmed up") < output.index("Listening at"), output[-2000:]
    assert "Connection succeeded on OB server" in sent.shown, sent.shown
    assert "OB sent to remote server queue : <Response [201]>" in sent.shown, sent.shown
    assert sent.seconds < 2 * A2P2_TIMEOUT_S, f"GET + POST took {sent.seconds:.2f} s"
    print(f"a2p2 cold start: health check + first POST in {sent.seconds:.2f} s")


def test_refused_ob_answer_alone_says_what_to_fix_and_second_url_is_used(portal, tmp_path, monkeypatch):
    dead = f"http://127.0.0.1:{free_port()}/ob/submit/{portal['key']}/"  # nothing listens there
    web = WebServer(portal["env"])
    try:
        live = f"{web.url}/ob/submit/{portal['key']}/"
        bad = tmp_path / "bad.obxml"
        bad.write_text(SPICA_OBXML.read_text().replace("MR720", "MR999"))
        sent = a2p2_send([dead, live], bad, tmp_path, monkeypatch)
    finally:
        web.stop()
    assert f"Connection failed on {dead}" in sent.shown and sent.server == live
    assert "<Response [400]>" in sent.shown, sent.shown  # the status is the part a2p2 itself shows
    text = sent.answers[0].text
    assert "MR999" in text and "instrumentMode" in text and "MR720" in text, text  # the field, the value, the fix

"""Real Chromium: bulk download (target page, filtered archive list, curl script) and a SAMP send to a hub.

The hub is pyvo's (formerly astropy's) SAMPHubServer with the Web Profile (the one TOPCAT-like tools expose on
localhost:21012); a SAMPIntegratedClient named like OIFitsExplorer records what it receives.
"""
from __future__ import annotations

import hashlib
import io
import os
import queue
import subprocess
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from archive.storage import absolute_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture
def csp_page(page):
    page.add_init_script(CSP_LISTENER)
    page.set_default_timeout(30_000)
    yield page
    assert page.evaluate("window.__csp || []") == []


def _download_zip(page, locator) -> zipfile.ZipFile:
    with page.expect_download() as info:
        page.click(locator)
    return zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))


def _fits(archive: zipfile.ZipFile) -> dict[str, bytes]:
    return {name: archive.read(name) for name in archive.namelist() if name.endswith(".fits")}


def _content(version) -> bytes:
    return absolute_path(version.path).read_bytes()


def test_target_zip_outsider_and_pi(browser_login, csp_page, live_server, target_products, context, artifacts_dir):
    page, target, versions = csp_page, target_products["target"], target_products["versions"]
    browser_login("pi_ext", f"/targets/{target.pk}/")
    expect(page.locator("#bulk-zip")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts_dir / "archive-bulk-target.png"), full_page=True)
    archive = _download_zip(page, "#bulk-zip")
    assert list(_fits(archive).values()) == [_content(versions["old"])]
    readme = archive.read("README.txt").decode()
    assert "2 files withheld (embargo)" in readme and "for pi_ext" in readme
    assert versions["new1"].sha256 not in readme and versions["new2"].sha256 not in readme

    context.clear_cookies()
    browser_login("pi_issp", f"/targets/{target.pk}/")
    expect(page.locator("h1")).to_contain_text(target.name, timeout=30_000)
    archive = _download_zip(page, "#bulk-zip")
    got = sorted(_fits(archive).values())
    assert got == sorted(_content(versions[k]) for k in ("new1", "new2", "old"))
    assert "Nothing was left out." in archive.read("README.txt").decode()


def test_filtered_archive_list_zip_and_curl_script(browser_login, csp_page, live_server, target_products,
                                                   context, tmp_path):
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    page, target, versions = csp_page, target_products["target"], target_products["versions"]
    night = target_products["nights"][0].date.isoformat()
    # outsider: the list's filters (level 2, the target's name) give the public file; the zip says what is withheld
    browser_login("pi_ext", "/archive/")
    expect(page.locator("h1")).to_have_text("Archive: products", timeout=30_000)
    page.select_option("select[name=level]", "2")
    page.fill("input[name=q]", target.name)
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    archive = _download_zip(page, "#bulk-zip")
    assert list(_fits(archive).values()) == [_content(versions["old"])]
    assert "2 files withheld (embargo)" in archive.read("README.txt").decode()

    # the PI: the same list filtered by night as well keeps one file (the other target's file that night is out)
    context.clear_cookies()
    browser_login("pi_issp", "/archive/")
    expect(page.locator("h1")).to_have_text("Archive: products", timeout=30_000)
    page.select_option("select[name=level]", "2")
    page.fill("input[name=q]", target.name)
    page.fill("input[name=night]", night)
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    archive = _download_zip(page, "#bulk-zip")
    assert list(_fits(archive).values()) == [_content(versions["new1"])]

    # the curl script of the wider selection (level 2 + target name), run with curl against the live server
    page.fill("input[name=night]", "")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.data tbody tr")).to_have_count(3)
    zipped = _fits(_download_zip(page, "#bulk-zip"))
    with page.expect_download() as info:
        page.click("#bulk-script")
    script = tmp_path / "get.sh"
    script.write_bytes(Path(info.value.path()).read_bytes())
    token = Token.objects.create(user=get_user_model().objects.get(username="pi_issp"))
    env = {**os.environ, "ISSP_TOKEN": token.key}
    run = subprocess.run(["bash", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count(": OK") == 3  # sha256sum -c inside the script
    fetched = {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*.fits")}
    assert fetched == zipped
    # without the token the script stops before fetching anything, naming what is missing
    bare = {k: v for k, v in os.environ.items() if k != "ISSP_TOKEN"}
    empty = tmp_path / "no-token"
    empty.mkdir()
    run = subprocess.run(["bash", str(script)], cwd=empty, env=bare, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "ISSP_TOKEN" in run.stderr and not list(empty.rglob("*.fits"))


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the SAMP client received nothing"
        time.sleep(0.05)


class _AutoConsent:
    """Stands for the hub's "accept this web application?" dialog: says yes, and records who asked."""

    def __init__(self) -> None:
        self.asked: list = []
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                request = self.queue_request.get(timeout=0.1)
            except queue.Empty:
                continue
            self.asked.append(request)
            self.queue_result.put(True)

    def stop(self) -> None:
        self._stop.set()


def _recorder(into: list):
    """A SAMP notification handler (exactly the five arguments: the client inspects the signature)."""

    def record(private_key, sender_id, mtype, params, extra):
        into.append((mtype, params))

    return record


@pytest.fixture
def samp_hub(tmp_path):
    from pyvo.samp import SAMPHubServer, SAMPIntegratedClient

    dialog = _AutoConsent()
    hub = SAMPHubServer(addr="127.0.0.1", web_profile=True, web_profile_dialog=dialog,
                        lockfile=str(tmp_path / "samp-hub"))
    hub.start()
    dialog.start()
    reads = {"OIFitsExplorer": "table.load.fits", "Aspro2": "table.load.fits", "topcat": "table.load.votable"}
    received: dict[str, list] = {name: [] for name in reads}
    clients = []
    for name, mtype in reads.items():
        client = SAMPIntegratedClient(name=name, addr="127.0.0.1")
        client.connect(hub=hub)
        client.bind_receive_notification(mtype, _recorder(received[name]))
        clients.append(client)
    yield {"received": received, "dialog": dialog}
    for client in clients:
        client.disconnect()
    dialog.stop()
    hub.stop()


def test_samp_send_from_product_page(browser_login, csp_page, live_server, target_products, samp_hub,
                                     artifacts_dir):
    page, version = csp_page, target_products["versions"]["new1"]
    browser_login("pi_issp", f"/archive/products/{version.product_id}/")
    expect(page.locator(".samp-send")).to_be_visible(timeout=30_000)
    page.click("button[data-samp-client=OIFitsExplorer]")
    expect(page.locator(".samp-status")).to_have_text("Sent to OIFitsExplorer (table.load.fits).", timeout=15_000)
    received = samp_hub["received"]
    _wait_for(lambda: received["OIFitsExplorer"])  # the hub delivers a notification asynchronously
    time.sleep(0.5)  # time for a wrong delivery to the other client to show too
    assert len(received["OIFitsExplorer"]) == 1 and received["Aspro2"] == []  # sent to the one chosen
    mtype, params = received["OIFitsExplorer"][0]
    assert mtype == "table.load.fits" and params["name"] == version.filename
    assert params["url"].startswith(live_server.url + f"/archive/versions/{version.pk}/download/?signed=")
    with urllib.request.urlopen(params["url"], timeout=30) as response:  # no cookie: what the hub does
        assert hashlib.sha256(response.read()).hexdigest() == version.sha256
    assert samp_hub["dialog"].asked[0][0]["samp.name"] == "ISSP portal"
    page.screenshot(path=str(artifacts_dir / "archive-samp-send.png"), full_page=True)

    page.click("button[data-samp-client=topcat]")  # this TOPCAT reads no FITS: a clear message, nothing sent
    expect(page.locator(".samp-status")).to_contain_text("topcat is not connected to the SAMP hub")
    assert len(received["OIFitsExplorer"]) == 1 and received["topcat"] == []


def test_samp_send_votable_to_topcat(browser_login, csp_page, live_server, target_products, samp_hub):
    from astropy.io.votable import parse_single_table

    from pipelines.analysis.models import DiameterResult

    page, target = csp_page, target_products["target"]
    DiameterResult.objects.create(target=target, program=target_products["versions"]["old"].product.program,
                                  instrument="SPICA", input_fingerprint="x", ud_mas=0.812, ud_err_formal=0.01,
                                  ud_chi2=1.0, ld_mas=0.85, n_v2=120, t_max=40000.0)  # long public
    browser_login("pi_ext", "/analysis/?q=" + target.name.replace(" ", "+"))
    expect(page.locator("h1")).to_have_text("Survey diameters (L3)", timeout=30_000)
    page.click("button[data-samp-client=topcat]")
    expect(page.locator(".samp-status")).to_have_text("Sent to topcat (table.load.votable).", timeout=15_000)
    _wait_for(lambda: samp_hub["received"]["topcat"])
    mtype, params = samp_hub["received"]["topcat"][0]
    assert mtype == "table.load.votable" and "/analysis/diameters.vot?" in params["url"] and "signed=" in params["url"]
    with urllib.request.urlopen(params["url"], timeout=30) as response:
        table = parse_single_table(io.BytesIO(response.read())).to_table()
    assert list(table["target"]) == [target.name] and abs(float(table["ud"][0]) - 0.812) < 1e-9

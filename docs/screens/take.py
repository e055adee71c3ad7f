"""The README's "A day with the portal" screenshots: each demo role's pages at 1440 px, PNG under 150 KB.

Run against a portal serving the demo (`make run`, or `manage.py load_demo` then `runserver 127.0.0.1:PORT`):
    .venv/bin/python docs/screens/take.py http://127.0.0.1:PORT
Chromium is Debian's (/usr/bin/chromium); the screenshots land next to this file.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
PASSWORD = "issp-demo-2024"
MAX_BYTES = 150_000
# role -> [(file name, path or a callable finding it from the page, what to wait for)]
SHOTS = {
    "pi_issp": [("pi-desk", "/desk/", "#desk-awaiting"), ("pi-version-review", "review", "#plot-vis2")],
    "coi_issp": [("coi-dashboard", "/dashboard/", "#semester-table"), ("coi-target", "target", "#observations")],
    "operator": [("operator-desk", "/desk/", "#desk-failed-obs"), ("operator-queue", "/ob/queue/", "table.data")],
    "datamanager": [("datamanager-desk", "/desk/", "#desk-suspects"),
                    ("datamanager-calibration", "/calibration/", "table.data")],
    "admin": [("admin-desk", "/desk/", "#desk-failed-runs"), ("admin-pipelines", "/pipelines/", "table.data")],
    "pi_ext": [("external-desk", "/desk/", "#desk-past"), ("external-archive", "/archive/", "table.data")],
}


def _resolve(page, base: str, path: str) -> str:
    """Pages whose address depends on the demo's keys: found by following the portal's own links."""
    if path == "review":
        page.goto(f"{base}/desk/")
        return page.locator("#desk-awaiting a", has_text="review").first.get_attribute("href")
    if path == "target":
        page.goto(f"{base}/targets/?q=HD+1000")
        return page.locator("#target-list a", has_text="HD 1000").first.get_attribute("href")
    return path


def _save(png: bytes, target: Path) -> int:
    """A palette PNG (256 colours: the portal's flat colours survive), downscaled only if still too heavy."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    for scale in (1.0, 0.85, 0.7, 0.6):
        small = image if scale == 1.0 else image.resize((int(image.width * scale), int(image.height * scale)))
        buffer = io.BytesIO()
        small.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(buffer, "PNG", optimize=True)
        if buffer.tell() < MAX_BYTES:
            break
    target.write_bytes(buffer.getvalue())
    return buffer.tell()


def main(base: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--disable-gpu"])
        for role, shots in SHOTS.items():
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=login]", role)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            for name, path, ready in shots:
                page.goto(base + _resolve(page, base, path))
                page.wait_for_selector(ready, timeout=30_000)
                page.wait_for_timeout(800)  # plots finish drawing
                size = _save(page.screenshot(), HERE / f"{name}.png")
                print(f"{name}.png {size / 1000:.0f} kB")
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")

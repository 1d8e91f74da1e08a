"""Round-trip time of the web app's interactions, measured in headless Chromium.

Run: ``python benchmarks/app_browser.py [--chromium /usr/bin/chromium]`` from the
repository root.  Starts ``mirprog app --no-browser`` on a free port, uploads
survival::rotterdam (2,982 patients), and times, from the click to the new KM image and
numbers in the page, each change of marker, cut rule and confidence bands; then the
screen of every numeric column.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "app" / "rotterdam_app.csv"


def _changed(page: Any, action: Any) -> float:
    """Seconds from ``action()`` to a new KM image in the page."""
    before = page.locator("#km_plot img").get_attribute("src")
    start = time.perf_counter()
    action()
    page.wait_for_function("(b) => { const i = document.querySelector('#km_plot img');"
                           " return i && i.getAttribute('src') !== b && i.complete; }",
                           arg=before)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "mirprog.cli", "app", "--no-browser",
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True,
                                         args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(url)
            page.set_input_files("#upload", str(DATA))
            page.wait_for_function("[...document.querySelector('#event').options]"
                                   ".some(o => o.value === 'recurrence')")
            page.select_option("#time", "rfs_days")
            page.select_option("#event", "recurrence")
            page.wait_for_function("[...document.querySelector('#event_value').options]"
                                   ".some(o => o.value === 'relapse')")
            page.select_option("#event_value", "relapse")
            page.get_by_role("tab", name="One marker").click()
            page.select_option("#marker", "pgr")
            page.wait_for_selector("#km_plot img")
            rows = [
                ("marker pgr -> er", _changed(page, lambda: page.select_option("#marker", "er"))),
                ("marker er -> pgr", _changed(page, lambda: page.select_option("#marker", "pgr"))),
            ]
            for rule in ("Tertiles", "Quartiles", "Median"):
                rows.append((f"rule -> {rule.lower()}", _changed(
                    page, lambda rule=rule: page.get_by_label(rule, exact=True).check())))
            rows.append(("rule -> optimal (maxstat + 5-fold CV)", _changed(
                page, lambda: page.get_by_label("Optimal (corrected p, out-of-fold HR)")
                .check())))
            rows.append(("confidence bands on", _changed(
                page, lambda: page.get_by_label("Confidence bands").check())))
            page.get_by_role("tab", name="Screen").click()
            start = time.perf_counter()
            page.click("#run_screen")
            page.wait_for_selector("#volcano img")
            rows.append(("screen of every numeric column + volcano",
                         time.perf_counter() - start))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    load = os.getloadavg()[0]
    print(f"mirprog app in Chromium, rotterdam (2,982 patients); load average {load:.1f} "
          f"on {os.cpu_count()} CPUs")
    for label, seconds in rows:
        print(f"  {label:<44} {seconds * 1000:8.0f} ms")


if __name__ == "__main__":
    main()

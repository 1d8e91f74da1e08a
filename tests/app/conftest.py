"""The web app as a user starts it (``mirprog app --no-browser``), on a free port, and a
headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Skipped when shiny, playwright or chromium is missing (they come with the ``app`` and
``dev`` extras; CI installs Debian's chromium).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("shiny")
pytest.importorskip("playwright")

CHROMIUM = os.environ.get("MIRPROG_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="package")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a running ``mirprog app --no-browser`` (stopped after the session)."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("app") / "server.log"
    log = log_path.open("wb")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "mirprog.cli", "app", "--no-browser",
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = log_path.read_text(errors="replace")
                    pytest.fail(f"mirprog app did not start: {out}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("no chromium to drive")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                               args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="package")
def shots() -> Path:
    """Where screenshots go (MIRPROG_APP_SHOTS, else a temporary folder)."""
    where = Path(os.environ.get("MIRPROG_APP_SHOTS") or
                 Path(os.environ.get("TMPDIR", "/tmp")) / "mirprog-app-shots")
    where.mkdir(parents=True, exist_ok=True)
    return where

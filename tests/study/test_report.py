"""The HTML report: self-contained, key sections present, opens in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import mirprog as mp
from mirprog.study.reproduce import StudyColumns, run_study

GBSG_COLUMNS = StudyColumns(time="time", event="cens", marker="progrec",
                            other_markers=("estrec",), age="age", size="tsize",
                            nodes="pnodes", grade=None, er=None, pr=None, her2=None,
                            size_cut=20, marker_adverse=0,
                            time_unit="days")
SECTIONS = ("cohort", "table3", "figures", "ph-check", "model-comparison", "methods")


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    res = run_study(mp.datasets.load_gbsg2(), GBSG_COLUMNS)
    out = mp.report(res, title="GBSG2 <PgR>", path=tmp_path_factory.mktemp("rep") / "report.html")
    assert out.path is not None
    return out.path


def test_report_is_self_contained_with_key_sections(report_file: Path) -> None:
    text = report_file.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'<section id="{section}">' in text
    assert "<title>GBSG2 &lt;PgR&gt;</title>" in text
    n_ph = len(re.findall(r'<figure id="fig-ph-', text))   # a smooth per PH-violating term
    assert len(re.findall(r'src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', text)) \
        == 3 + n_ph
    assert not re.search(r'(src|href)="https?://', text)  # nothing fetched from a network
    assert f"mirprog {mp.__version__}" in text
    assert "strictly above the median" in text
    assert "Breslow" in text
    assert "686" in text


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_opens_in_headless_chromium(report_file: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs the Debian package")
        pytest.skip("chromium not installed (apt-get install chromium)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([browser, *flags, "--dump-dom", report_file.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    for section in SECTIONS:
        assert f'id="{section}"' in dom
    shot = tmp_path / "report.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=1200,2400",
                    report_file.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 20_000


def test_legacy_positional_path_still_writes(tmp_path: Path) -> None:
    res = run_study(mp.datasets.load_reference_cohort())
    out = mp.report(res, tmp_path / "r.html", synthetic=True)
    assert out.path == tmp_path / "r.html"
    assert "Table 3" in out.path.read_text(encoding="utf-8")


def test_report_names_the_ph_violation_and_shows_its_smooth(report_file: Path) -> None:
    text = report_file.read_text(encoding="utf-8")
    assert ('<p class="note">PH rejected for progrec_high (p &lt; 0.001) at alpha 0.05: '
            "consider strata, a time-split HR") in text
    assert '<figure id="fig-ph-0">' in text
    assert "Smoothed beta(t) of progrec_high" in text

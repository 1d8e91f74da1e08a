"""``mp.report(*results)``: a report of any results, in the order given (issue 19, item 4)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

import mirprog as mp


@pytest.fixture(scope="module")
def gbsg() -> mp.Cohort:
    c = mp.datasets.load_gbsg2()
    return mp.Cutpoints.fit(c, ["progrec"]).apply(c)


def test_sections_follow_the_results_in_order(gbsg: mp.Cohort, tmp_path: Path) -> None:
    km = mp.km(gbsg, by="progrec_high")
    lr = mp.logrank(gbsg, by="progrec_high")
    fit = mp.cox(gbsg, ["progrec_high", "pnodes", "tgrade"])
    ph = mp.ph_test(fit, gbsg)
    rep = mp.report(km, lr, ("Multivariable model", fit), ph, "A closing note <b>.",
                    title="My study", path=tmp_path / "r.html", time_unit="days")
    assert rep.sections == ("Kaplan–Meier curves: progrec_high", "Log-rank test: progrec_high",
                            "Multivariable model", "Proportional-hazards check", "Note")
    page = rep.path.read_text(encoding="utf-8") if rep.path else ""
    assert page == rep.html
    # two figures (KM, forest), all inline; nothing fetched from a network
    assert len(re.findall(r'src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', page)) == 2
    assert not re.search(r'(src|href)="https?://', page)
    assert "686 rows used; 299 events" in page
    assert "A closing note &lt;b&gt;." in page           # strings are escaped
    assert f"mirprog {mp.__version__}" in page
    assert f"{fit.concordance:.3f}" in page


def test_small_models_are_flagged_for_events_per_variable() -> None:
    ref = mp.datasets.load_reference_cohort()       # 65 patients, 10 relapses
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = mp.cox(ref, ["mir125b", "age", "nodes"])
        one = mp.cox(ref, ["mir125b"])
    assert "Only 3.3 events per variable (10 events, 3 coefficients)" in mp.report(fit).html
    assert "events per variable" not in mp.report(one).html


def test_ph_violations_are_named() -> None:
    gbsg = mp.datasets.load_gbsg2()
    fit = mp.cox(gbsg, ["progrec", "pnodes", "horTh"])
    ph = mp.ph_test(fit, gbsg)
    bad = [t for t, p in ph.table["p"].items() if t != "GLOBAL" and p < 0.05]
    rep = mp.report(ph)
    assert bool(bad) == ("PH rejected for" in rep.html)
    for term in bad:
        assert term in rep.html


def test_results_without_a_special_section_use_their_own_table(gbsg: mp.Cohort) -> None:
    uni = mp.univariate(gbsg, ["progrec_high", "pnodes"])
    rep = mp.report(uni)
    assert rep.sections == ("Univariate",)
    assert uni.to_html() in rep.html

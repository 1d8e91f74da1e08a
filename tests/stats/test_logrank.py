"""The log-rank test (``mp.logrank``, ``mp.pairwise_logrank``, mirprog/stats/logrank.py).

Sections (each tagged with its marker):

* R reference (``r_reference``): chi2/df/p, observed, expected and variance, and the trend
  test, against R ``survdiff``; pairwise log-rank with Holm and BH adjustment against
  ``survdiff`` + ``p.adjust`` (R 4.2.2, survival 3.5.3;
  ``logrank_survdiff_{gbsg2,lung,ties}.json`` and ``pairwise_survdiff_gbsg2.json`` from
  ``tests/reference/survival_reference.R``).
* Cross-checks (``crosscheck``): two-group and three-group log-rank on GBSG2 against
  lifelines (``logrank_test``, ``multivariate_logrank_test``) and scikit-survival
  (``compare_survival``).
* Edge cases: fewer than two groups, bad trend scores, a two-group test by hand.
* Properties (``property``): without tied times the log-rank chi2 equals the Cox score
  statistic (Breslow and Efron coincide then); and the edge case hypothesis found, a
  log-rank test with zero variance.
* The bad-input catalogue (``tests/_cohorts.py``): fewer than two groups, a group of one
  patient, and the exclusion ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from lifelines.statistics import logrank_test, multivariate_logrank_test
from numpy.testing import assert_allclose
from sksurv.compare import compare_survival

import mirprog as mp
from tests._cohorts import check_refused, cohort, frame, hand_cohort
from tests._reference import cases, close, labels, r_cohort
from tests._strategies import SETTINGS, assert_cox_equal, cohort_frames, make

LOGRANK_RTOL = 1e-8

# --------------------------------------------------------------------------- R reference (survdiff)

LR_CASES = (
    cases("logrank_survdiff_gbsg2")
    + cases("logrank_survdiff_lung")
    + cases("logrank_survdiff_ties")
)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", LR_CASES)
def test_logrank(case: dict[str, Any]) -> None:
    lr = mp.logrank(r_cohort(case["dataset"]), by=case["by"], trend=False)
    close(lr.chi2, case["chi2"], "chi2")
    assert lr.df == case["df"]
    close(lr.p, case["p"], "p")
    assert labels(lr.table.index) == labels(case["groups"])
    close(lr.table["n"], case["n"], "n")
    close(lr.table["observed"], case["observed"], "observed")
    close(lr.table["expected"], case["expected"], "expected")
    close(lr.variance, np.array(case["variance"], dtype=float), "variance")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", [c for c in LR_CASES if "trend" in c.values[0]])
def test_logrank_trend(case: dict[str, Any]) -> None:
    lr = mp.logrank(r_cohort(case["dataset"]), by=case["by"], trend=True)
    exp = case["trend"]
    close(lr.chi2, exp["chi2"], "trend chi2")
    assert lr.df == 1
    close(lr.p, exp["p"], "trend p")
    explicit = mp.logrank(
        r_cohort(case["dataset"]), by=case["by"], trend=True, scores=list(exp["scores"])
    )
    close(explicit.chi2, exp["chi2"], "trend chi2 with explicit scores")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", cases("pairwise_survdiff_gbsg2"))
@pytest.mark.parametrize("adjust", ["holm", "bh"])
def test_pairwise_logrank(case: dict[str, Any], adjust: Any) -> None:
    pw = mp.pairwise_logrank(r_cohort(case["dataset"]), by=case["by"], adjust=adjust)
    tab = pw.table
    pairs = zip(labels(tab["group1"]), labels(tab["group2"]), strict=True)
    got = {pair: i for i, pair in enumerate(pairs)}
    want = list(zip(labels(case["group1"]), labels(case["group2"]), strict=True))
    assert sorted(got) == sorted(want), "pairs"
    rows = tab.iloc[[got[p] for p in want]]
    close(rows["n"], case["n"], "n")
    close(rows["chi2"], case["chi2"], "chi2")
    close(rows["p"], case["p"], "p")
    close(rows["p_adj"], case["p_holm" if adjust == "holm" else "p_bh"], "p_adj")


# -------------------------------------------------------- cross-checks (lifelines, scikit-survival)


@pytest.mark.crosscheck
@pytest.mark.parametrize("by", ["progrec_high", "estrec_high", "pnodes_high", "horTh"])
def test_two_group_logrank_matches_lifelines_and_sksurv(gbsg_split: mp.Cohort,
                                                        split_frame: pd.DataFrame,
                                                        by: str) -> None:
    res = mp.logrank(gbsg_split, by=by)
    a, b = res.groups
    in_a = (split_frame[by] == a).to_numpy(bool)
    in_b = (split_frame[by] == b).to_numpy(bool)
    t, e = split_frame["time"].to_numpy(float), split_frame["cens"].to_numpy(int)
    ll = logrank_test(t[in_a], t[in_b], e[in_a], e[in_b])
    assert_allclose(res.chi2, ll.test_statistic, rtol=LOGRANK_RTOL)
    assert_allclose(res.p, ll.p_value, rtol=LOGRANK_RTOL)
    assert res.df == 1

    y = np.array(list(zip(e.astype(bool), t, strict=True)),
                 dtype=[("event", bool), ("time", float)])
    chi2, p = compare_survival(y, split_frame[by].astype(str).to_numpy())
    assert_allclose(res.chi2, chi2, rtol=LOGRANK_RTOL)
    assert_allclose(res.p, p, rtol=LOGRANK_RTOL)


@pytest.mark.crosscheck
def test_three_group_logrank_matches_lifelines(gbsg_split: mp.Cohort,
                                               split_frame: pd.DataFrame) -> None:
    res = mp.logrank(gbsg_split, by="tgrade")
    ll = multivariate_logrank_test(split_frame["time"], split_frame["tgrade"].astype(str),
                                   split_frame["cens"])
    assert res.groups == ("I", "II", "III")
    assert res.df == 2
    assert ll.degrees_of_freedom == 2
    assert_allclose(res.chi2, ll.test_statistic, rtol=LOGRANK_RTOL)
    assert_allclose(res.p, ll.p_value, rtol=LOGRANK_RTOL)


# --------------------------------------------------------------------------- edge cases


def test_logrank_needs_two_groups_and_valid_scores(small: mp.Cohort) -> None:
    one = small.assign(g=1)
    with pytest.raises(mp.CohortError, match="has 1 group"):
        mp.logrank(one, by="g")
    with pytest.raises(mp.CohortError, match="scores must give one number per group"):
        mp.logrank(small, by="grade", trend=True, scores=[1, 2])


def test_logrank_two_groups_by_hand() -> None:
    # group A: events at 1, 3; group B: event at 2, censored 4.  Risk sets by hand.
    c = hand_cohort([1, 3, 2, 4], [1, 1, 1, 0], g=["A", "A", "B", "B"])
    res = mp.logrank(c, by="g")
    e_a = 2 / 4 + 1 / 3 + 1 / 2   # t=1: 2 of 4; t=2: 1 of 3; t=3: 1 of 2
    v = (2 / 4) * (2 / 4) + (1 / 3) * (2 / 3) + (1 / 2) * (1 / 2)
    assert res.table.loc["A", "expected"] == pytest.approx(e_a)
    assert res.chi2 == pytest.approx((2 - e_a) ** 2 / v)
    assert res.groups == ("A", "B")


# --------------------------------------------------------------------------- properties


@pytest.mark.property
@SETTINGS
@given(df=cohort_frames(distinct_times=True))
def test_logrank_equals_cox_score_without_ties(df: pd.DataFrame) -> None:
    assert df["time"].is_unique
    cohort = make(df)
    lr = mp.logrank(cohort, by="x")
    breslow = mp.cox(cohort, "x", ties="breslow")
    efron = mp.cox(cohort, "x", ties="efron")
    assert_allclose(breslow.score_chi2, lr.chi2, rtol=1e-8)
    assert_allclose(efron.score_chi2, lr.chi2, rtol=1e-8)
    assert_allclose(breslow.score_p, lr.p, rtol=1e-8, atol=1e-300)
    # without ties Efron's and Breslow's likelihoods are the same function
    assert_cox_equal(breslow, efron)


# ---------------------------------------------------------- regressions found by the property tests


def test_logrank_with_zero_variance_raises_a_mirprog_error() -> None:
    """Found by hypothesis: every patient has the event at the same time.

    The log-rank variance is then 0 (no one outlives the only event time), so
    the statistic is undefined; R's ``survdiff`` stops ("system is exactly
    singular").  mirprog must stop with its own error, not numpy's LinAlgError.
    """
    df = pd.DataFrame({"time": [1.0] * 8, "event": [1] * 8, "x": [0, 1] * 4})
    cohort = make(df)
    with pytest.raises(mp.MirprogError):
        mp.logrank(cohort, by="x")


# ----------------------------------------- bad-input catalogue: refused, accepted, exclusion ledger

REFUSED = [
    pytest.param(lambda: mp.logrank(cohort(frame(g=[1] * 8)), by="g"), mp.CohortError,
                 r"Column 'g' has 1 group\(s\) \(1\) among the 8 usable rows; a comparison "
                 r"needs at least 2\. Check the cutpoint", "g", (), id="fewer-than-2-groups"),
]


@pytest.mark.parametrize(("action", "error", "match", "column", "rows"), REFUSED)
def test_refused(action: Callable[[], object], error: type[mp.MirprogError], match: str,
                 column: str | None, rows: tuple[object, ...]) -> None:
    check_refused(action, error, match, column, rows)


def _group_with_one_patient() -> None:
    c = cohort(frame(g=[0, 0, 0, 1, 0, 0, 0, 0]))
    lr = mp.logrank(c, by="g")
    assert lr.table["n"].tolist() == [7, 1]
    assert np.isfinite(lr.chi2)
    fit = mp.km(c, by="g")
    assert fit.median.loc[1, "n"] == 1
    assert fit.table[fit.table["group"] == 1]["n_at_risk"].tolist() == [1]


ACCEPTED = [
    pytest.param(_group_with_one_patient, id="group-with-one-patient"),
]


@pytest.mark.parametrize("check", ACCEPTED)
def test_accepted(check: Callable[[], None]) -> None:
    check()


def _ledger_logrank(c: mp.Cohort) -> None:
    lr = mp.logrank(c, by="horTh")
    assert (lr.n, lr.excluded.rows) == (685, (10,))
    assert lr.table["n"].sum() == 685


LEDGERS = [
    pytest.param(_ledger_logrank, id="logrank"),
]


@pytest.mark.parametrize("check", LEDGERS)
def test_every_result_accounts_for_every_row(check: Callable[[mp.Cohort], None],
                                             gappy: mp.Cohort) -> None:
    check(gappy)

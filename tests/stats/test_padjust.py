"""p_adjust is R's p.adjust, missing values included; it refuses values that are not p-values.

R fixture: tests/reference/padjust_reference.R -> padjust_padjust.json.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

import mirprog as mp
from tests._reference import close, ref

CASES = ref("padjust_padjust")["cases"]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_matches_r_p_adjust(case: dict[str, Any]) -> None:
    p = np.array(case["p"], dtype=float)
    out = mp.p_adjust(p, case["method"], n=case["n"])
    assert out.shape == p.shape
    close(out, case["adjusted"], case["id"])
    assert_array_equal(np.isnan(out), np.isnan(p))


def _slow_holm_bh(p: list[float], method: str) -> list[float]:
    """Textbook definitions over the non-missing values, independent of the vectorised code."""
    idx = [i for i, v in enumerate(p) if not np.isnan(v)]
    m = len(idx)
    ranked = sorted(idx, key=lambda i: p[i])
    out = [float("nan")] * len(p)
    for r, i in enumerate(ranked):
        if method == "holm":
            out[i] = min(1.0, max((m - s) * p[ranked[s]] for s in range(r + 1)))
        else:
            out[i] = min(1.0, min(m / (s + 1) * p[ranked[s]] for s in range(r, m)))
    return out


@pytest.mark.parametrize("method", ["holm", "bh"])
def test_agrees_with_a_slow_reference(method: str) -> None:
    rng = np.random.default_rng(14)
    for _ in range(20):
        p = rng.uniform(size=9).round(2)
        p[rng.uniform(size=9) < 0.3] = np.nan
        close(mp.p_adjust(p, method), _slow_holm_bh(p.tolist(), method), method)


@pytest.mark.parametrize(("p", "match"), [
    ([0.2, 1.5], r"\[0, 1\].*1\.5 at position\(s\) 1"),
    ([-0.01, 0.3], r"-0\.01"),
    ([0.1, np.inf], r"inf"),
    ([0.1, -np.inf, 2.0], r"2 do not"),
])
def test_refuses_values_that_are_not_p_values(p: list[float], match: str) -> None:
    with pytest.raises(mp.ArgumentError, match=match) as err:
        mp.p_adjust(p, "holm")
    assert err.value.argument == "p"


def test_refuses_bad_method_and_n() -> None:
    with pytest.raises(mp.ArgumentError, match="'holm', 'bh'") as err:
        mp.p_adjust([0.1], "fdr")  # type: ignore[arg-type]
    assert err.value.argument == "method"
    with pytest.raises(mp.ArgumentError, match="at least the number of non-missing p-values "
                       r"\(2\), got 1"):
        mp.p_adjust([0.1, np.nan, 0.2], "holm", n=1)
    assert isinstance(err.value, ValueError)            # still a ValueError, as before


def test_does_not_change_its_input() -> None:
    p = np.array([0.01, np.nan, 0.02])
    mp.p_adjust(p, "none")[0] = 9.0
    mp.p_adjust(p, "holm")
    assert_array_equal(p, [0.01, np.nan, 0.02])


def _cohort_with_an_untestable_pair() -> mp.Cohort:
    """Groups a, b, c, d: c and d have no events, so the c-d log-rank p-value is missing."""
    rng = np.random.default_rng(3)
    n = 20
    frame = pd.DataFrame({
        "id": [f"p{i}" for i in range(4 * n)],
        "time": rng.uniform(1, 10, 4 * n).round(2),
        "event": np.r_[rng.integers(0, 2, 2 * n), np.zeros(2 * n, int)],
        "g": np.repeat(["a", "b", "c", "d"], n),
    })
    return mp.Cohort(frame, time="time", event="event", id="id")


@pytest.mark.parametrize("adjust", ["holm", "bh", "bonferroni"])
def test_pairwise_logrank_adjusts_the_pairs_that_could_be_tested(adjust: str) -> None:
    pw = mp.pairwise_logrank(_cohort_with_an_untestable_pair(), by="g", adjust=adjust)
    tab = pw.table
    missing = tab["p"].isna().to_numpy()
    assert missing.tolist() == [False] * 5 + [True]
    assert tab["p_adj"].isna().tolist() == missing.tolist()
    close(tab["p_adj"], mp.p_adjust(tab["p"].to_numpy(), adjust), "pairwise p_adj")
    n5 = mp.p_adjust(tab["p"].to_numpy()[~missing], adjust)   # a family of 5, not 6
    close(tab["p_adj"].to_numpy()[~missing], n5, "family of the tested pairs")


def test_screen_q_values_are_p_adjust_of_the_p_values() -> None:
    cohort = _cohort_with_an_untestable_pair()
    rng = np.random.default_rng(5)
    cohort = cohort.assign(m1=rng.lognormal(size=cohort.n), m2=rng.lognormal(size=cohort.n),
                           m3=np.where(np.arange(cohort.n) < 40, np.nan, 1.0))
    res = mp.screen(cohort, ["m1", "m2", "m3"], fdr="bh")
    tab = res.table
    for q, p in (("q_logrank", "logrank_p"), ("q", "p")):
        close(tab[q], mp.p_adjust(tab[p].to_numpy(), "bh"), q)


# ------------------------------------------------------------------- R reference (values R printed)


@pytest.mark.r_reference
def test_p_adjust_matches_r() -> None:
    # p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") and "BH" in R
    p = [0.01, 0.02, 0.03, 0.04, 0.05]
    np.testing.assert_allclose(mp.p_adjust(p, "holm"), [0.05, 0.08, 0.09, 0.09, 0.09])
    np.testing.assert_allclose(mp.p_adjust(p, "bh"), [0.05] * 5)
    np.testing.assert_allclose(mp.p_adjust(p, "bonferroni"), [0.05, 0.1, 0.15, 0.2, 0.25])
    with pytest.raises(ValueError, match="method"):
        mp.p_adjust(p, "fdr")  # type: ignore[arg-type]

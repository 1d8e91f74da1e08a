"""mirprog's study-level API against R ``survival`` reference numbers.

Expected values come from R 4.2.2 with survival 3.5.3 (jsonlite 1.8.4), computed by
``tests/reference/study_reference.R`` and committed as ``tests/reference/study_*.json``;
R is never needed to run this module.  Data: GBSG2 (``mirprog/datasets/gbsg2.csv``),
and a copy with ``tsize`` missing for five ids.

Covered: backward elimination (``mp.backward_select``: log-rank entry, LR removal as
R ``drop1(test="Chisq")`` and Wald removal b' V^-1 b, Breslow and Efron, a run where
every entered factor is removed, one where nothing enters, and one with missing
values), the per-factor removal tests of every step (``factor_test``), risk groups
(``mp.risk_groups``: log-rank and trend test), nested-model comparison
(``mp.compare_models``, ``mp.compare_combined``: -2LL, AIC, concordance, LR test),
Table 3 (``mp.table3``) and Table 4 (``mp.table4``), including that the tables equal
the individual ``mp.logrank``/``mp.cox`` calls they are made of.  To regenerate the
fixtures, run ``Rscript tests/reference/study_reference.R`` from the repository root.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import mirprog as mp
from mirprog.stats.cox.selection import factor_test
from tests._reference import arr, close, ref

GBSG2_CSV = Path(__file__).resolve().parents[2] / "mirprog" / "datasets" / "gbsg2.csv"
ALL8 = [
    "progrec_high",
    "estrec_high",
    "pnodes_high",
    "age_gt50",
    "tsize_gt20",
    "tgrade",
    "horTh",
    "menostat",
]
CLINICAL = ALL8[2:]

# --------------------------------------------------------------------------- helpers


def strs(x: Any) -> list[Any]:
    """A JSON string or list of strings (R unboxes length-1 vectors) as a list."""
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


def cases(name: str) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in ref(name)["cases"]]


def case_by_id(name: str, case_id: str) -> dict[str, Any]:
    return next(c for c in ref(name)["cases"] if c["id"] == case_id)


# --------------------------------------------------------------------------- cohorts


@cache
def base_cohort(na_ids: tuple[int, ...] = ()) -> mp.Cohort:
    """GBSG2 as read, with ``tsize`` set missing for ``na_ids``."""
    df = pd.read_csv(GBSG2_CSV)
    if na_ids:
        df["tsize"] = df["tsize"].astype(float).where(~df["id"].isin(na_ids))
    return mp.Cohort(df, time="time", event="cens", id="id")


def _gt(values: pd.Series, threshold: float) -> pd.Series:
    """0/1 for ``values > threshold``, <NA> where ``values`` is missing (as R)."""
    return (values > threshold).astype("Int64").where(values.notna(), pd.NA)


@cache
def cohort(na_ids: tuple[int, ...] = ()) -> mp.Cohort:
    """The base cohort with the derived factors of study_reference.R."""
    c = base_cohort(na_ids)
    c = mp.Cutpoints.fit(c, ["progrec", "estrec"], rule="median").apply(c)
    c = mp.Cutpoints.fit(c, ["pnodes"], rule="fixed", thresholds={"pnodes": 3}).apply(c)
    d = c.data
    return c.assign(age_gt50=_gt(d["age"], 50), tsize_gt20=_gt(d["tsize"], 20))


@cache
def _clinical(na_ids: tuple[int, ...]) -> mp.Cohort:
    """Base cohort plus the clinical factors only: table3 splits the markers itself."""
    c = base_cohort(na_ids)
    c = mp.Cutpoints.fit(c, ["pnodes"], rule="fixed", thresholds={"pnodes": 3}).apply(c)
    d = c.data
    return c.assign(age_gt50=_gt(d["age"], 50), tsize_gt20=_gt(d["tsize"], 20))


def case_na_ids(case: dict[str, Any]) -> tuple[int, ...]:
    return tuple(int(i) for i in arr(case["na_ids"])) if case["na_ids"] is not None else ()


def test_derived_factors_match_r_formulas() -> None:
    """The fixed-threshold split equals the R formula, and NA stays NA."""
    na = (3, 10, 50, 200, 600)
    c = cohort(na)
    cut = mp.Cutpoints.fit(c, ["tsize"], rule="fixed", thresholds={"tsize": 20}).apply(c)
    assert_array_equal(cut.data["tsize_high"].isna(), c.data["tsize_gt20"].isna())
    assert c.data["tsize_gt20"].isna().sum() == 5
    assert list(c.data.index[c.data["tsize_gt20"].isna()]) == list(na)
    assert (cut.data["tsize_high"].dropna() == c.data["tsize_gt20"].dropna()).all()
    assert c.data["progrec_high"].sum() == 343


# --------------------------------------------------------------------------- selection

SEL_CASES = cases("selection_coxph_gbsg2")


@cache
def selection(case_id: str) -> mp.SelectionResult:
    case = case_by_id("selection_coxph_gbsg2", case_id)
    return mp.backward_select(
        cohort(case_na_ids(case)),
        strs(case["candidates"]),
        p_enter=case["p_enter"],
        p_remove=case["p_remove"],
        method=case["method"],
        ties=case["ties"],
    )


@pytest.mark.r_reference
@pytest.mark.parametrize("case", SEL_CASES)
def test_selection_screening(case: dict[str, Any]) -> None:
    sel = selection(case["id"])
    exp = case["screening"]
    scr = sel.screening
    assert list(scr.index) == strs(exp["factor"])
    close(scr["n"], exp["n"], "n")
    close(scr["events"], exp["events"], "events")
    close(scr["statistic"], exp["statistic"], "log-rank chi2")
    close(scr["df"], exp["df"], "df")
    close(scr["p"], exp["p"], "log-rank p")
    assert scr["entered"].tolist() == list(np.atleast_1d(exp["entered"]))
    assert list(sel.entered) == strs(case["entered"])
    assert sel.method == case["method"]
    assert (sel.p_enter, sel.p_remove) == (case["p_enter"], case["p_remove"])


@pytest.mark.r_reference
@pytest.mark.parametrize("case", SEL_CASES)
def test_selection_steps(case: dict[str, Any]) -> None:
    steps = selection(case["id"]).steps
    exp = case["steps"]
    assert steps["step"].tolist() == arr(exp["step"]).astype(int).tolist()
    assert steps["action"].tolist() == strs(exp["action"])
    want_factor = (
        [None] * len(steps)
        if exp["factor"] is None
        else list(np.atleast_1d(np.array(exp["factor"], dtype=object)))
    )
    assert steps["factor"].tolist() == want_factor
    close(steps["statistic"], exp["statistic"], "removal statistic")
    close(steps["df"], exp["df"], "removal df")
    close(steps["p"], exp["p"], "removal p")
    close(steps["n_factors"], exp["n_factors"], "n_factors")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", SEL_CASES)
def test_selection_final_model(case: dict[str, Any]) -> None:
    sel = selection(case["id"])
    assert list(sel.selected) == strs(case["selected"])
    exp = case["final"]
    if exp is None:
        assert sel.final is None
        return
    fit = sel.final
    assert fit is not None
    assert list(fit.summary.index) == strs(exp["term"])
    for col in ["coef", "se", "hr", "ci_lower", "ci_upper", "z", "p"]:
        close(fit.summary[col], exp[col], col)
    for attr in ["loglik", "loglik_null", "neg2loglik", "aic", "lr_chi2", "lr_p", "concordance"]:
        close(getattr(fit, attr), exp[attr], attr)
    assert (fit.n, fit.events) == (exp["n"], exp["events"])


@pytest.mark.r_reference
@pytest.mark.parametrize("case", SEL_CASES)
def test_selection_rows(case: dict[str, Any]) -> None:
    sel = selection(case["id"])
    assert (sel.n, sel.events) == (case["n"], case["events"])
    excluded = [int(i) for i in arr(case["excluded_ids"])] if case["excluded_ids"] else []
    assert [int(r) for r in sel.excluded.rows] == excluded
    assert sel.excluded.n_used == case["n"]
    if sel.final is not None:
        assert [int(r) for r in sel.final.excluded.rows] == excluded


def test_selection_missing_values_report() -> None:
    case = case_by_id("selection_coxph_gbsg2", "missing_tsize|lr|breslow")
    sel = selection(case["id"])
    assert sel.n == 681
    assert set(sel.excluded.rows) == {3, 10, 50, 200, 600}
    assert set(sel.excluded.to_frame()["column"]) == {"tsize_gt20"}
    # tsize_gt20 is screened on its own 681 complete cases, the others on all 686
    assert sel.screening.loc["tsize_gt20", "n"] == 681
    assert (sel.screening.drop(index="tsize_gt20")["n"] == 686).all()


@pytest.mark.r_reference
@pytest.mark.parametrize("case", [c for c in SEL_CASES if c.values[0]["step_tests"]])
def test_selection_every_step_factor_tests(case: dict[str, Any]) -> None:
    """factor_test() of every factor at every step equals R (drop1 LRT or b' V^-1 b)."""
    c = cohort(case_na_ids(case))
    entered = strs(case["entered"])
    rows = c.subset(c.data[entered].notna().all(axis=1).to_numpy())
    assert rows.n == case["n"]
    for st in case["step_tests"]:
        current = strs(st["factor"])
        fit = mp.cox(rows, current, ties=case["ties"])
        got = np.array([factor_test(fit, f, rows, case["method"]) for f in current])
        what = f"step {st['step']}"
        close(got[:, 0], st["statistic"], f"{what} statistic")
        close(got[:, 1], st["df"], f"{what} df")
        close(got[:, 2], st["p"], f"{what} p")


def test_factor_test_rejects_unknown_factor() -> None:
    fit = mp.cox(cohort(), ["progrec_high", "horTh"])
    with pytest.raises(mp.CohortError):
        factor_test(fit, "tgrade", cohort())


# --------------------------------------------------------------------------- risk groups

RISK_CASES = cases("riskgroups_coxph_gbsg2")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", RISK_CASES)
def test_risk_groups(case: dict[str, Any]) -> None:
    res = mp.risk_groups(cohort(), case["adverse"])
    groups = strs(case["groups"])
    assert list(res.labels) == groups
    assert list(res.counts.index) == groups
    close(res.counts["n_adverse"], case["n_adverse"], "n_adverse")
    close(res.counts["n"], case["n"], "n")
    close(res.counts["events"], case["events"], "events")
    lr = res.logrank
    close(lr.chi2, case["chi2"], "chi2")
    assert lr.df == case["df"]
    close(lr.p, case["p"], "p")
    close(lr.table["observed"], case["observed"], "observed")
    close(lr.table["expected"], case["expected"], "expected")
    close(lr.variance, np.array(case["variance"], dtype=float), "variance")
    tr = case["trend"]
    close(res.trend.chi2, tr["chi2"], "trend chi2")
    assert res.trend.df == 1
    close(res.trend.p, tr["p"], "trend p")
    got = res.cohort.data[res.column].astype(str).tolist()
    assert got == strs(case["group_of_id"]), "group of each patient"


# --------------------------------------------------------------------------- model comparison

CMP_CASES = cases("compare_coxph_gbsg2")


def check_row(row: Any, exp: dict[str, Any], what: str) -> None:
    for col in ["neg2loglik", "aic", "concordance", "n", "events"]:
        close(row[col], exp[col], f"{what} {col}")
    assert row["terms"] == " + ".join(strs(exp["term"])), what


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CMP_CASES)
def test_compare_models(case: dict[str, Any]) -> None:
    big = mp.cox(cohort(), strs(case["big_covariates"]), ties=case["ties"])
    for comp in case["comparisons"]:
        small = mp.cox(cohort(), strs(comp["small_covariates"]), ties=case["ties"])
        cmp = mp.compare_models(big, small)
        close(cmp.lr_chi2, comp["lr_chi2"], "LR chi2")
        assert cmp.df == comp["df"]
        close(cmp.p, comp["p"], "LR p")
        check_row(cmp.table.loc["big"], case["big"], "big")
        check_row(cmp.table.loc["small"], comp["small"], "small")


@pytest.mark.r_reference
@pytest.mark.parametrize("case", CMP_CASES)
def test_compare_combined(case: dict[str, Any]) -> None:
    factors = strs(case["big_covariates"])
    res = mp.compare_combined(cohort(), factors, ties=case["ties"])
    tab = res.table
    check_row(tab.loc["combined"], case["big"], "combined")
    assert bool(tab["lr_chi2"].isna()["combined"])
    by_small = {tuple(strs(c["small_covariates"])): c for c in case["comparisons"]}
    checked = 0
    for f in factors:
        comp = by_small.get(tuple(x for x in factors if x != f))
        if comp is None:
            continue
        row = tab.loc[f"without {f}"]
        check_row(row, comp["small"], f"without {f}")
        close(row["lr_chi2"], comp["lr_chi2"], "LR chi2")
        close(row["df"], comp["df"], "df")
        close(row["p"], comp["p"], "p")
        checked += 1
    assert checked == len(case["comparisons"])
    assert len(res.excluded) == 0


def test_compare_models_refuses_different_rows() -> None:
    c = cohort((3, 10, 50, 200, 600))
    with pytest.raises(mp.MirprogError):
        mp.compare_models(mp.cox(c, ["progrec_high", "tsize_gt20"]), mp.cox(c, "progrec_high"))


# --------------------------------------------------------------------------- Table 4

T4_CASES = cases("table4_coxph_gbsg2")
T4_COLS = [
    "n",
    "events",
    "n_low",
    "n_high",
    "events_low",
    "events_high",
    "logrank_chi2",
    "logrank_p",
    "hr",
    "ci_lower",
    "ci_upper",
    "p",
]


def subgroup_masks(c: mp.Cohort) -> dict[str, pd.Series]:
    return {"Post-menopausal": c.data["menostat"] == "Post", "Grade I": c.data["tgrade"] == "I"}


def check_t4(frame: pd.DataFrame, case: dict[str, Any]) -> None:
    assert list(frame.index) == strs(case["subgroup"])
    for col in T4_COLS:
        close(frame[col], case[col], col)
    assert (frame["note"] == "").all()


@pytest.mark.r_reference
@pytest.mark.parametrize("case", T4_CASES)
def test_table4_marker_rule(case: dict[str, Any]) -> None:
    base = base_cohort()
    t4 = mp.table4(base, "progrec", subgroup_masks(base), marker_rule="median", ties=case["ties"])
    assert t4.factor == case["factor"]
    assert t4.cutpoints is not None
    close(t4.cutpoints.cutpoints[0].thresholds, case["progrec_median"], "whole-cohort median")
    check_t4(t4.frame, case)


@pytest.mark.r_reference
@pytest.mark.parametrize("case", T4_CASES)
def test_table4_binary_factor_and_column_subgroups(case: dict[str, Any]) -> None:
    c = cohort()
    c = c.assign(post=c.data["menostat"] == "Post", grade1=c.data["tgrade"] == "I")
    t4 = mp.table4(
        c, "progrec_high", {"Post-menopausal": "post", "Grade I": "grade1"}, ties=case["ties"]
    )
    check_t4(t4.frame, case)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_table4_equals_subgroup_calls(ties: Any) -> None:
    c = cohort()
    t4 = mp.table4(c, "progrec_high", subgroup_masks(c), ties=ties)
    masks = {"All": np.ones(c.n, dtype=bool)} | {
        k: v.to_numpy() for k, v in subgroup_masks(c).items()
    }
    for label, mask in masks.items():
        sub = c.subset(mask)
        lr = mp.logrank(sub, by="progrec_high")
        s = mp.cox(sub, "progrec_high", ties=ties).summary.iloc[0]
        row = t4.frame.loc[label]
        assert row["n"] == sub.n
        assert row["events"] == sub.n_events
        assert_allclose([row["logrank_chi2"], row["logrank_p"]], [lr.chi2, lr.p], rtol=1e-12)
        assert_allclose(
            row[["hr", "ci_lower", "ci_upper", "p"]].to_numpy(dtype=float),
            s[["hr", "ci_lower", "ci_upper", "p"]].to_numpy(dtype=float),
            rtol=1e-12,
        )


# --------------------------------------------------------------------------- Table 3

# table3 reruns the whole selection: one case per removal test and ties method, plus NA
T3_IDS = ("lr|breslow", "wald|efron", "missing_tsize|lr|breslow")
T3_CASES = [c for c in SEL_CASES if c.values[0]["id"] in T3_IDS]


@cache
def table3(case_id: str) -> mp.Table3Result:
    case = case_by_id("selection_coxph_gbsg2", case_id)
    return mp.table3(
        _clinical(case_na_ids(case)),
        markers=["progrec", "estrec"],
        clinical=CLINICAL,
        ties=case["ties"],
        method=case["method"],
        p_enter=case["p_enter"],
        p_remove=case["p_remove"],
    )


@pytest.mark.r_reference
@pytest.mark.parametrize("case", T3_CASES)
def test_table3_against_r(case: dict[str, Any]) -> None:
    t3 = table3(case["id"])
    fr = t3.frame
    scr = case["screening"]
    final = case["final"]
    final_terms = strs(final["term"])
    want_terms = []
    for i, f in enumerate(strs(scr["factor"])):
        uni = case["univariate_cox"][f]
        terms = strs(uni["term"])
        want_terms += terms
        rows = fr.loc[terms]
        assert (rows["factor"] == f).all()
        per_factor = {
            "n": uni["n"],
            "events": uni["events"],
            "logrank_chi2": scr["statistic"][i],
            "logrank_df": scr["df"][i],
            "logrank_p": scr["p"][i],
        }
        for col, value in per_factor.items():
            close(rows[col], np.full(len(rows), float(value)), f"{f} {col}")
        for col in ["hr", "ci_lower", "ci_upper", "p"]:
            close(rows[col], uni[col], f"{f} {col}")
        assert (rows["entered"] == (f in strs(case["entered"]))).all(), f
        assert (rows["selected"] == (f in strs(case["selected"]))).all(), f
        for t in terms:
            if t in final_terms:
                j = final_terms.index(t)
                for col in ["hr", "ci_lower", "ci_upper", "p"]:
                    close(fr.loc[t, f"multi_{col}"], final[col][j], f"{t} multi_{col}")
            else:
                assert fr.loc[t, ["multi_hr", "multi_p"]].isna().all(), t
    assert list(fr.index) == want_terms
    assert list(t3.selection.selected) == strs(case["selected"])


@pytest.mark.parametrize("case", T3_CASES)
def test_table3_equals_individual_calls(case: dict[str, Any]) -> None:
    t3 = table3(case["id"])
    c = cohort(case_na_ids(case))
    fr = t3.frame
    for f in ALL8:
        rows = fr[fr["factor"] == f]
        lr = mp.logrank(c, by=f)
        fit = mp.cox(c, f, ties=case["ties"])
        assert list(rows.index) == list(fit.summary.index)
        assert (rows["n"] == fit.n).all()
        assert (rows["events"] == fit.events).all()
        assert_allclose(
            rows[["logrank_chi2", "logrank_df", "logrank_p"]].to_numpy(dtype=float),
            np.tile([lr.chi2, lr.df, lr.p], (len(rows), 1)),
            rtol=1e-12,
        )
        assert_allclose(
            rows[["hr", "ci_lower", "ci_upper", "p"]].to_numpy(dtype=float),
            fit.summary[["hr", "ci_lower", "ci_upper", "p"]].to_numpy(dtype=float),
            rtol=1e-12,
        )
    selected = list(t3.selection.selected)
    rows_used = c.subset(c.data[list(t3.selection.entered)].notna().all(axis=1).to_numpy())
    multi = mp.cox(rows_used, selected, ties=case["ties"]).summary
    sel_rows = fr[fr["selected"]]
    assert list(sel_rows.index) == sorted(multi.index, key=list(fr.index).index)
    assert_allclose(
        sel_rows[["multi_hr", "multi_ci_lower", "multi_ci_upper", "multi_p"]].to_numpy(dtype=float),
        multi.loc[sel_rows.index, ["hr", "ci_lower", "ci_upper", "p"]].to_numpy(dtype=float),
        rtol=1e-12,
    )


def test_table3_labels_from_mapping() -> None:
    t3 = mp.table3(
        _clinical(()),
        markers=["progrec"],
        clinical={"Nodes >3": "pnodes_high", "Hormone therapy": "horTh"},
    )
    assert t3.frame["label"].tolist() == ["progrec_high", "Nodes >3", "Hormone therapy"]
    assert list(t3.frame.index) == ["progrec_high", "pnodes_high", "horTh[yes]"]

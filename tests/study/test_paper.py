"""Backward selection, risk groups, model comparison, St Gallen subtypes, Table 3/4: edge cases
and layout.  (Agreement with R is in tests/study/test_reference_study.py.)"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mirprog as mp


@pytest.fixture(scope="module")
def gb() -> mp.Cohort:
    g = mp.datasets.load_gbsg2()
    g = mp.Cutpoints.fit(g, ["progrec", "estrec"]).apply(g)
    return mp.Cutpoints.fit(g, ["pnodes"], rule="fixed", thresholds={"pnodes": 3}).apply(g)


def test_backward_no_factor_enters(gb: mp.Cohort) -> None:
    sel = mp.backward_select(gb, ["menostat"])
    assert sel.final is None
    assert sel.entered == ()
    assert sel.steps["action"].tolist() == ["stop"]
    t3 = mp.table3(gb, clinical=["menostat"])
    assert t3.formatted()["Multivariate HR (95% CI)"].tolist() == ["ND"]


def test_backward_all_factors_removed(gb: mp.Cohort) -> None:
    # menostat: univariate LR p 0.59597 < Wald p 0.59672; thresholds between them make it
    # enter (LR entry test) and then leave (Wald removal test)
    opts = {"p_enter": 0.5963, "p_remove": 0.5963, "entry_test": "lr", "method": "wald"}
    sel = mp.backward_select(gb, ["menostat"], **opts)  # type: ignore[arg-type]
    assert sel.entered == ("menostat",)
    assert sel.final is None
    assert sel.selected == ()
    assert sel.steps["action"].tolist() == ["start", "remove"]
    t3 = mp.table3(gb, clinical=["menostat"], **opts)  # type: ignore[arg-type]
    assert t3.formatted()["Multivariate HR (95% CI)"].tolist() == ["removed"]


def test_backward_uses_the_same_rows_and_reports_missing(gb: mp.Cohort) -> None:
    size = gb.data["tsize"].astype(float)
    size.iloc[[2, 9]] = np.nan
    c = gb.assign(tsize_gt20=(size > 20).where(size.notna()))
    sel = mp.backward_select(c, ["pnodes_high", "tsize_gt20", "progrec_high"])
    assert sel.n == 684
    assert sel.excluded.rows == (3, 10)
    assert sel.final is not None
    assert sel.final.n == 684
    assert sel.final.excluded.rows == (3, 10)
    assert sel.screening.loc["pnodes_high", "n"] == 686  # univariate: own complete cases


def test_backward_validates_thresholds(gb: mp.Cohort) -> None:
    with pytest.raises(ValueError, match="p_enter <= p_remove"):
        mp.backward_select(gb, ["horTh"], p_enter=0.2, p_remove=0.1)
    with pytest.raises(mp.CohortError, match="at least one candidate"):
        mp.backward_select(gb, [])


def test_wald_and_lr_removal_agree_on_clear_cases(gb: mp.Cohort) -> None:
    lr = mp.backward_select(gb, ["progrec_high", "estrec_high", "pnodes_high", "horTh"])
    wald = mp.backward_select(gb, ["progrec_high", "estrec_high", "pnodes_high", "horTh"],
                              method="wald")
    assert lr.selected == wald.selected
    assert lr.steps.loc[1, "statistic"] != wald.steps.loc[1, "statistic"]


def test_risk_groups_generalise_and_validate(gb: mp.Cohort) -> None:
    c = gb.assign(grade3=(gb.data["tgrade"] == "III").astype(int))
    res = mp.risk_groups(c, {"progrec_high": 0, "pnodes_high": 1, "grade3": 1})
    assert res.labels == ("A", "B", "C", "D")
    assert res.logrank.df == 3
    assert res.counts["n"].sum() == 686
    assert res.cohort.data["risk_group"].cat.ordered
    with pytest.raises(mp.CohortError, match="give 3 distinct labels"):
        mp.risk_groups(gb, {"progrec_high": 0, "pnodes_high": 1}, labels=("low", "high"))
    with pytest.raises(mp.CohortError, match="No patient has the adverse value 7"):
        mp.risk_groups(gb, {"pnodes_high": 7})
    with pytest.raises(mp.CohortError, match="adverse factor column 'nodes'"):
        mp.risk_groups(gb, {"nodes": 1})


def test_risk_group_missing_factor_is_excluded(gb: mp.Cohort) -> None:
    hi = gb.data["progrec_high"].astype("Float64")
    hi.iloc[0] = pd.NA
    res = mp.risk_groups(gb.assign(p_hi=hi), {"p_hi": 0, "pnodes_high": 1})
    assert res.logrank.n == 685
    assert res.logrank.excluded.rows == (1,)


def test_compare_models_refuses_non_nested_or_other_rows(gb: mp.Cohort) -> None:
    a = mp.cox(gb, ["horTh", "progrec_high"])
    with pytest.raises(mp.MirprogError, match="not nested"):
        mp.compare_models(a, mp.cox(gb, "pnodes_high"))
    sub = gb.subset(gb.data["age"] > 40)
    with pytest.raises(mp.MirprogError, match="different patients"):
        mp.compare_models(a, mp.cox(sub, "horTh"))
    with pytest.raises(mp.MirprogError, match="different ties"):
        mp.compare_models(a, mp.cox(gb, "horTh", ties="efron"))


def test_compare_combined_is_the_paper_comparison(gb: mp.Cohort) -> None:
    res = mp.compare_combined(gb, ["progrec_high", "pnodes_high"])
    both = mp.cox(gb, ["progrec_high", "pnodes_high"])
    only_nodes = mp.cox(gb, "pnodes_high")
    assert res.table.loc["combined", "neg2loglik"] == pytest.approx(both.neg2loglik)
    assert res.table.loc["without progrec_high", "lr_chi2"] == pytest.approx(
        only_nodes.neg2loglik - both.neg2loglik)
    assert list(res.table.index) == ["combined", "without progrec_high", "without pnodes_high"]


def test_st_gallen_definitions() -> None:
    df = pd.DataFrame({
        "t": np.arange(1.0, 9), "e": [1, 0, 1, 0, 1, 0, 1, 1],
        "er": ["pos", "neg", "neg", "+", None, "positive", 1, 0],
        "pr": [0, "pos", 0, 0, 1, None, 0, None],
        "her2": [0, 0, 0, 1, 0, 0, None, 0],
        "sbr": ["SBR1", "II", 3, 2, "I", 3, 1, 2],
    })
    c = mp.st_gallen(mp.Cohort(df, time="t", event="e"), er="er", pr="pr", her2="her2",
                     grade="sbr")
    d = c.data

    def values(col: str) -> list[bool | None]:
        return [None if pd.isna(v) else bool(v) for v in d[col]]

    assert values("hr_pos") == [True, True, False, True, True, True, True, None]
    assert values("luminal_a") == [True, True, False, False, True, False, None, None]
    # row 8: HR status unknown, but HER2- and grade 2, so certainly not luminal B
    assert values("luminal_b") == [False, False, False, True, False, True, None, False]
    # every HR+ patient with known HER2 and grade is luminal A or B, never both
    known = d["luminal_a"].notna() & d["hr_pos"].fillna(False)
    assert ((d.loc[known, "luminal_a"] ^ d.loc[known, "luminal_b"]).all())


def test_st_gallen_rejects_unknown_codes() -> None:
    df = pd.DataFrame({"t": [1.0, 2], "e": [1, 0], "er": ["pos", "maybe"], "pr": [0, 0],
                       "her2": [0, 0], "g": [1, 2]})
    with pytest.raises(mp.CohortError, match=r"'er' must be a receptor status .*'maybe'"):
        mp.st_gallen(mp.Cohort(df, time="t", event="e"), er="er", pr="pr", her2="her2",
                     grade="g")
    df2 = df.assign(er="pos", g=[1, 5])
    with pytest.raises(mp.CohortError, match="must be a grade 1/2/3"):
        mp.st_gallen(mp.Cohort(df2, time="t", event="e"), er="er", pr="pr", her2="her2",
                     grade="g")


def test_table4_explains_rows_without_an_hr(gb: mp.Cohort) -> None:
    d = gb.data
    # a subgroup where the low-progrec arm has no event, one with a single patient, one with
    # no events at all
    no_low_event = (d["progrec_high"] == 1) | ((d["progrec_high"] == 0) & (d["cens"] == 0))
    single = pd.Series(False, index=d.index)
    single.iloc[0] = True
    censored_only = d["cens"] == 0
    t4 = mp.table4(gb, "progrec_high", {"no low events": no_low_event.to_numpy(),
                                        "one patient": single.to_numpy(),
                                        "no events": censored_only.to_numpy()})
    f = t4.frame
    assert f.loc["no low events", "note"] == "not estimable: no events in the low group"
    assert np.isfinite(f.loc["no low events", "logrank_chi2"])
    assert f.loc["one patient", "note"] == "only one group present"
    assert f.loc["no events", "note"] == "no events in this subgroup"
    text = t4.formatted()
    assert text.loc[1, "Cox HR (95% CI)"] == "not estimable: no events in the low group"
    with pytest.raises(mp.CohortError, match="needs a binary 0/1 factor"):
        mp.table4(gb, "tgrade", {})


def test_table_rendering(gb: mp.Cohort) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t3 = mp.table3(gb, markers=["age"], clinical={"Nodes >3": "pnodes_high",
                                                     "Grade": "tgrade"})
    md = t3.to_markdown()
    assert md.splitlines()[0].startswith("| Factor ")
    assert "| Log-rank χ² |" in md.splitlines()[0].replace("  ", " ") or "Log-rank χ²" in md
    assert len(md.strip().splitlines()) == 2 + len(t3.frame)
    html = t3.to_html(caption="Table 3 <GBSG2>")
    assert "<caption>Table 3 &lt;GBSG2&gt;</caption>" in html
    assert html.count("<tr") == 1 + len(t3.frame)
    tex = t3.to_latex()
    assert tex.startswith("\\begin{tabular}{lrrrrrrrrr}")  # + the factor p of tgrade
    assert "Log-rank $\\chi$$^2$" in tex
    assert "tgrade[II]" not in tex
    assert "tgrade\\_high" not in tex
    assert t3.frame.loc["tgrade[III]", "logrank_df"] == 2

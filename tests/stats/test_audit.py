"""Tests of ``mirprog.audit``: the reference study's printed tables, clean Cox rows, edge cases.

Provenance: ``mirprog/datasets/published_tables.csv`` transcribes Table 3 (univariate and
multivariate) and Table 4 of ``shared/papers/mir125b_aromatase_inhibitor_resistance.txt``;
the expected verdicts (univariate "HR" column = log-rank χ², age CI needs ≥ 35 events,
luminal B "1.69" fits neither reading, multivariate rows are true HRs) are those of
``shared/reference_study_feasibility.md``, recomputed here.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import mirprog as mp
from mirprog.errors import DataFileError, MirprogError
from mirprog.present.format import format_p
from mirprog.stats import audit

Z95 = float(stats.norm.ppf(0.975))
AGE = "Age (≤50 yr; >50 yr)"
LUMINAL_B = "Luminal B subclass (HR+, HER2+ and/or SBR3)"


@pytest.fixture(scope="module")
def published() -> audit.AuditResult:
    return audit.check_table(audit.load_published_tables())


def rows_of(res: audit.AuditResult, table: str) -> pd.DataFrame:
    return res.table[res.table["table"] == table]


def row_of(res: audit.AuditResult, label: str, table: str = "Table 3 univariate") -> pd.Series:
    t = rows_of(res, table)
    return t[t["label"] == label].iloc[0]


def one(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"label": "x", "value": "2.00", "ci_lower": "1.00",
                            "ci_upper": "4.00", "p": "0.05"}
    return base | fields


# --------------------------------------------------------------------------- the paper


def test_transcription() -> None:
    t = audit.load_published_tables()
    assert list(t.columns) == ["table", "label", "value", "ci_lower", "ci_upper", "p", "n",
                               "events", "note"]
    assert t["table"].value_counts().to_dict() == {"Table 3 univariate": 13,
                                                   "Table 4": 4, "Table 3 multivariate": 2}
    assert list(t.iloc[0][["value", "ci_lower", "ci_upper", "p"]]) == ["6.80", "1.35", "35.26",
                                                                        "0.009"]
    assert t.loc[t["label"].str.startswith("Macroscopic"), "n"].item() == "64"
    assert t["events"].isna().all()
    assert t.loc[t["label"] == "HR+/HER2− subclass", ["ci_lower", "ci_upper"]].isna().all(axis=None)


def test_univariate_column_is_chi2_every_row(published: audit.AuditResult) -> None:
    uni = rows_of(published, "Table 3 univariate")
    assert uni["value_is_chi2"].all()
    assert not uni["value_impossible"].any()
    # every printed p is chi2.sf(value, 1) within the rounding of both
    half = 0.005 + 1e-12
    assert ((uni["p"] - half <= uni["p_if_chi2_hi"]) & (uni["p_if_chi2_lo"] <= uni["p"] + half)
            ).all()


def test_mir125b_value_is_chi2_and_ci_gives_hr_690(published: audit.AuditResult) -> None:
    r = row_of(published, "miR-125b-5p expression levels")
    assert r["hr_from_ci"] == pytest.approx(math.sqrt(1.35 * 35.26))
    assert round(r["hr_from_ci"], 2) == pytest.approx(6.90)
    assert r["p_if_chi2"] == pytest.approx(stats.chi2.sf(6.80, 1))
    assert r["p_wald"] == pytest.approx(0.0203, abs=5e-4)
    assert r["hr_not_centered"]
    assert r["p_inconsistent_with_ci"]
    assert r["value_is_chi2"]
    assert any(f.startswith("Table 3 univariate · miR-125b") and "6.80 is a χ² statistic" in f
               and "HR 6.90" in f for f in published.findings)


def test_ambiguous_grade_row_is_chi2_by_its_column(published: audit.AuditResult) -> None:
    # 0.48 with CI 0.06-4.00 (geometric mean 0.49) fits both readings on its own
    r = row_of(published, "Histological grade (SBR1; SBR3)")
    assert not r["hr_not_centered"]
    assert not r["p_inconsistent_with_ci"]
    assert r["value_is_chi2"]
    assert any("SBR1; SBR3" in f and "fits either reading on its own" in f
               for f in published.findings)


def test_age_ci_needs_35_events(published: audit.AuditResult) -> None:
    r = row_of(published, AGE)
    assert r["min_events"] == 35
    assert not r["ci_needs_more_events"]  # 35 < n = 65: only the event count can refute it
    assert any(f.startswith("Table 3 univariate: events not given") and AGE in f
               and "at least 35 events" in f for f in published.findings)


def test_age_flagged_with_the_plausible_event_count() -> None:
    res = audit.check_table(audit.load_published_tables(), events=10)
    assert res.table.loc[res.table["ci_needs_more_events"], "label"].tolist() == [AGE]
    assert any(AGE in f and "needs at least 35 events" in f and "than the 10 events given" in f
               for f in res.findings)
    assert not any("events not given" in f for f in res.findings)


def test_events_column_and_n_are_upper_bounds() -> None:
    base = one(label="age", value="1.05", ci_lower="0.54", ci_upper="2.03", p="0.89")
    assert audit.check_table([base | {"events": 9}]).table.loc[0, "ci_needs_more_events"]
    assert audit.check_table([base | {"n": "30"}]).table.loc[0, "ci_needs_more_events"]
    assert not audit.check_table([base | {"n": 65}]).table.loc[0, "ci_needs_more_events"]
    res = audit.check_table([base | {"n": 30}])
    assert "more than the 30 patients given" in res.findings[0]


def test_luminal_b_value_is_impossible(published: audit.AuditResult) -> None:
    r = row_of(published, LUMINAL_B, "Table 4")
    assert r["value_impossible"]
    assert not r["value_is_chi2"]
    assert (r["hr_from_ci_lo"], r["hr_from_ci_hi"]) == pytest.approx((1.055, 1.133), abs=1e-3)
    assert not r["p_inconsistent_with_ci"]  # p 0.96 is attainable from the CI
    assert r["chi2_from_ci_hi"] < 0.011
    assert any("Luminal B" in f and "fits neither reading" in f and "1.055–1.133" in f
               for f in published.findings)


def test_multivariate_rows_are_consistent_hazard_ratios(published: audit.AuditResult) -> None:
    mv = rows_of(published, "Table 3 multivariate")
    assert not mv[list(audit.FLAGS)].any(axis=None)
    assert mv["reading"].tolist() == ["hr", "hr"]
    assert mv["p_wald"].tolist() == pytest.approx([0.0288, 0.0243], abs=3e-4)
    assert not any("multivariate ·" in f for f in published.findings)


def test_table4_rows_without_ci(published: audit.AuditResult) -> None:
    t4 = rows_of(published, "Table 4").set_index("label")
    assert t4["value_is_chi2"].tolist() == [True, True, True, False]
    assert t4[["hr_from_ci", "min_events"]].iloc[1:3].isna().all(axis=None)


def test_report_lists_findings_and_rows(published: audit.AuditResult) -> None:
    text = audit.main_report(str(audit.published_path()))
    assert text == published.summary()
    first = text.splitlines()[0]
    assert first.startswith("Audit of 19 published row(s)")
    assert f"{len(published.findings)} finding(s)" in first
    assert "impossible" in text
    assert "Luminal B" in text


# --------------------------------------------------------------------------- clean rows


@pytest.mark.parametrize("covariate", ["horTh", "menostat", "tgrade"])
def test_rounded_cox_rows_on_gbsg2_are_not_flagged(gbsg: mp.Cohort, covariate: str) -> None:
    fit = mp.cox(gbsg, covariate)
    rows = [{"label": term, "value": f"{s['hr']:.2f}", "ci_lower": f"{s['ci_lower']:.2f}",
             "ci_upper": f"{s['ci_upper']:.2f}", "p": format_p(s["p"]), "n": fit.n,
             "events": fit.events} for term, s in fit.summary.iterrows()]
    res = audit.check_table(rows)
    assert not res.table[list(audit.FLAGS)].any(axis=None)
    assert set(res.table["reading"]) == {"hr"}
    assert res.findings == ()


@pytest.mark.parametrize("seed", range(6))
def test_bounds_hold_on_untied_binary_cohorts(seed: int) -> None:
    """min_events <= events and the log-rank chi2 inside the CI's bound (untied times)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, 60)
    t = rng.exponential(1 / np.exp(rng.uniform(-1.5, 1.5) * x))
    c = rng.exponential(1.5, 60)
    df = pd.DataFrame({"id": range(60), "time": np.minimum(t, c), "event": (t <= c).astype(int),
                       "x": x})
    cohort = mp.Cohort(df, time="time", event="event", id="id")
    fit, lr = mp.cox(cohort, "x"), mp.logrank(cohort, by="x")
    s = fit.summary.loc["x"]
    row = {"label": "x", "value": s["hr"], "ci_lower": s["ci_lower"], "ci_upper": s["ci_upper"],
           "p": s["p"], "events": fit.events}
    r = audit.check_table([row], decimals=12).table.iloc[0]
    assert r["min_events"] <= fit.events
    assert r["chi2_from_ci_lo"] <= lr.chi2 <= r["chi2_from_ci_hi"]
    assert r["reading"] in {"hr", "either"}
    assert not r["p_inconsistent_with_ci"]


@pytest.mark.property
@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(beta=st.floats(-2, 2), se=st.floats(0.1, 1.2))
def test_any_true_hr_rounded_to_print_fits(beta: float, se: float) -> None:
    row = {"label": "x", "value": f"{math.exp(beta):.2f}",
           "ci_lower": f"{math.exp(beta - Z95 * se):.2f}",
           "ci_upper": f"{math.exp(beta + Z95 * se):.2f}",
           "p": format_p(2 * stats.norm.sf(abs(beta) / se))}
    r = audit.check_table([row]).table.iloc[0]
    assert not r[list(audit.FLAGS)].any()


# --------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(("value", "flagged"), [
    ("1.99", False), ("2.01", False), ("1.98", True), ("2.02", True), ("2.0", False),
])
def test_centering_allows_rounding_of_every_printed_number(value: str, flagged: bool) -> None:
    # CI 1.00-4.00 allows geometric means 1.9937-2.0062
    r = audit.check_table([one(value=value, p="0.050")]).table.iloc[0]
    assert bool(r["hr_not_centered"]) is flagged


@pytest.mark.parametrize(("decimals", "flagged"), [(2, False), (1, False), (3, True)])
def test_numeric_entries_use_decimals(decimals: int, flagged: bool) -> None:
    r = audit.check_table([one(value=1.99, ci_lower=1.0, ci_upper=4.0, p=0.05)],
                          decimals=decimals).table.iloc[0]
    assert bool(r["hr_not_centered"]) is flagged


@pytest.mark.parametrize(("p", "matches"), [("0.05", True), ("0.050", False), (0.05, True),
                                            ("NS (0.05)", True), ("0.06", False)])
def test_p_precision_comes_from_its_own_digits(p: object, matches: bool) -> None:
    # chi2.sf(3.75, 1) = 0.0528: printed "0.05" fits, "0.050" (±0.0005) does not
    r = audit.check_table([{"label": "lumA", "value": "3.75", "ci_lower": "N/A",
                            "ci_upper": "", "p": p}]).table.iloc[0]
    assert (r["reading"] == "either") is matches


def test_p_below_a_threshold_and_ci_across_one() -> None:
    t = audit.check_table([one(label="big", value="20.00", ci_lower=None, ci_upper=None,
                               p="<0.001"),
                           one(label="null", value="1.00", ci_lower="0.50", ci_upper="2.00",
                               p="1.00")]).table
    assert t.loc[0, "reading"] == "either"
    assert t.loc[0, "p"] == 0.001
    assert t.loc[1, "p_wald_hi"] == 1.0
    assert not t.loc[1, "p_inconsistent_with_ci"]


def test_p_from_another_test_is_flagged_but_value_is_hr() -> None:
    res = audit.check_table([one(p="0.01")])  # Wald p of 2.00 (1.00-4.00) is about 0.05
    r = res.table.iloc[0]
    assert r["p_inconsistent_with_ci"]
    assert r["reading"] == "hr"
    assert not r["value_impossible"]
    assert "cannot come from the Wald test" in res.findings[0]


# --------------------------------------------------------------------------- results, errors


def test_result_object(published: audit.AuditResult) -> None:
    assert published.to_frame() is published.table
    assert "<table" in published._repr_html_()
    assert repr(published) == f"AuditResult(19 rows, {len(published.findings)} findings)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        published.findings = ()  # type: ignore[misc]
    frame = pd.DataFrame([one()])
    assert audit.check_table(frame).table.equals(audit.check_table([one()]).table)


@pytest.mark.parametrize(("rows", "match"), [
    ([{"label": "a", "value": "1", "ci_lower": "1", "ci_upper": "2"}], r"no column\(s\) 'p'"),
    (pd.DataFrame(columns=["label", "value", "ci_lower", "ci_upper", "p"]), "no rows"),
    ([one(label="Age", ci_lower="2.03", ci_upper="0.54")], r"Row 'Age'.*swap them"),
    ([one(label="Age", ci_lower="0.00")], r"Row 'Age'.*must be positive.*exponentiate"),
    ([one(label="Age", ci_lower="-0.5")], r"Row 'Age'.*must be positive"),
    ([one(label="Age", ci_upper="")], r"Row 'Age'.*only one CI bound"),
    ([one(label="Age", ci_upper="abc")], r"Row 'Age': ci_upper 'abc' is not a number"),
    ([one(label="Age", p="12")], r"Row 'Age'.*outside \[0, 1\]"),
    ([one(label="Age", value="N/A")], r"Row 'Age': value must be"),
])
def test_bad_input_raises_with_row_and_fix(rows: Any, match: str) -> None:
    with pytest.raises(audit.AuditInputError, match=match) as info:
        audit.check_table(rows)
    assert isinstance(info.value, MirprogError)
    assert isinstance(info.value, ValueError)


def test_bad_decimals_and_missing_file(tmp_path: Any) -> None:
    with pytest.raises(audit.AuditInputError, match="decimals"):
        audit.check_table([one()], decimals=-1)
    with pytest.raises(DataFileError, match="No table file"):
        audit.main_report(tmp_path / "missing.csv")
    (tmp_path / "t.csv").write_text("label,value,ci_lower,ci_upper,p\nx,6.80,1.35,35.26,0.009\n")
    assert "χ² statistic" in audit.main_report(tmp_path / "t.csv")

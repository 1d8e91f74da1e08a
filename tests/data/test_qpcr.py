"""qPCR relative expression, QC ledger, cohort join and the Table 1 fold-change rule (issue 10)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mirprog as mp
from mirprog.data.qpcr import (
    QPCRResult,
    fold_change_filter,
    load_table1,
    relative_expression,
    signed_fold_change,
    to_cohort,
)
from mirprog.errors import CohortError


def tidy(rows: Sequence[tuple[Any, ...]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["sample", "target", "ct"])


# --- worked examples, by hand ----------------------------------------------------------------

def worked_table() -> pd.DataFrame:
    # Triplicates.  cal: miR-125b 30.1/29.9/30.0 -> 30.0, U6 20.2/19.8/20.0 -> 20.0, ΔCt 10.0
    #               p1: miR-125b 27.9/28.1/28.0 -> 28.0, U6 19.5 x3        -> 19.5, ΔCt  8.5
    #               p2: miR-125b 31.1/30.9/31.0 -> 31.0, U6 19.9/20.1/20.0 -> 20.0, ΔCt 11.0
    rows = []
    for s, t, u in [("cal", (30.1, 29.9, 30.0), (20.2, 19.8, 20.0)),
                    ("p1", (27.9, 28.1, 28.0), (19.5, 19.5, 19.5)),
                    ("p2", (31.1, 30.9, 31.0), (19.9, 20.1, 20.0))]:
        rows += [(s, "miR-125b", c) for c in t] + [(s, "U6", c) for c in u]
    return tidy(rows)


def test_worked_delta_delta_ct() -> None:
    res = relative_expression(worked_table(), ["miR-125b"], calibrator="cal")
    assert isinstance(res, QPCRResult)
    np.testing.assert_allclose(res.ct.loc[["cal", "p1", "p2"], "U6"], [20.0, 19.5, 20.0])
    np.testing.assert_allclose(res.delta_ct["miR-125b"], [10.0, 8.5, 11.0], atol=1e-12)
    assert res.calibrator_delta_ct is not None
    assert res.calibrator_delta_ct["miR-125b"] == pytest.approx(10.0)
    # ΔΔCt: cal 0 -> 1; p1 8.5 - 10 = -1.5 -> 2^1.5 = 2.8284271; p2 11 - 10 = 1 -> 0.5
    np.testing.assert_allclose(res.values["miR-125b"], [1.0, 2.8284271247, 0.5], rtol=1e-9)
    assert res.flags.empty
    assert len(res.excluded) == 0
    assert "2^-ΔΔCt" in res.method


def test_without_calibrator_is_two_to_minus_delta_ct() -> None:
    res = relative_expression(worked_table(), "miR-125b")
    # p1: ΔCt 8.5 -> 2^-8.5 = 0.0027621358
    assert res.values.loc["p1", "miR-125b"] == pytest.approx(2 ** -8.5, rel=1e-9)
    assert res.calibrator_delta_ct is None
    assert res.to_frame() is res.values
    assert "<table" in res._repr_html_()


def test_calibrator_group_uses_mean_delta_ct() -> None:
    # group {cal, p2}: mean ΔCt (10 + 11) / 2 = 10.5; p1: 8.5 - 10.5 = -2 -> 4
    res = relative_expression(worked_table(), "miR-125b", calibrator=["cal", "p2"])
    assert res.values.loc["p1", "miR-125b"] == pytest.approx(4.0)
    assert res.values.loc["cal", "miR-125b"] == pytest.approx(2 ** 0.5)


def test_multi_reference_geometric_mean() -> None:
    # s: target 30, U6 20, RNU48 24 -> mean ref Ct 22 -> ΔCt 8.
    #    As quantities: 2^-30 / sqrt(2^-20 * 2^-24) = 2^-30 / 2^-22 = 2^-8.
    # c: target 31, U6 21, RNU48 23 -> ΔCt 9;  s vs c: ΔΔCt = -1 -> 2.
    ct = tidy([("s", "miR-205", 30.0), ("s", "U6", 20.0), ("s", "RNU48", 24.0),
               ("c", "miR-205", 31.0), ("c", "U6", 21.0), ("c", "RNU48", 23.0)])
    res = relative_expression(ct, "miR-205", reference=["U6", "RNU48"])
    geo = np.sqrt(2.0 ** -20 * 2.0 ** -24)
    assert res.values.loc["s", "miR-205"] == pytest.approx(2.0 ** -30 / geo, rel=1e-12)
    assert res.delta_ct.loc["s", "miR-205"] == pytest.approx(8.0)
    cal = relative_expression(ct, "miR-205", reference=["U6", "RNU48"], calibrator="c")
    assert cal.values.loc["s", "miR-205"] == pytest.approx(2.0)


def test_pfaffl_efficiency_correction() -> None:
    # E_target = 1.9, E_U6 = 2.1.  Calibrator: target 25.0, U6 18.0; sample: target 23.0, U6 18.5.
    # ΔCt_target = 25.0 - 23.0 = 2.0;  ΔCt_U6 = 18.0 - 18.5 = -0.5
    # ratio = 1.9^2.0 / 2.1^-0.5 = 3.61 * 1.4491377 = 5.2313871
    ct = tidy([("cal", "miR-424", 25.0), ("cal", "U6", 18.0),
               ("x", "miR-424", 23.0), ("x", "U6", 18.5)])
    res = relative_expression(ct, "miR-424", calibrator="cal",
                              efficiency={"miR-424": 1.9, "U6": 2.1})
    assert res.values.loc["x", "miR-424"] == pytest.approx(1.9 ** 2.0 / 2.1 ** -0.5, rel=1e-12)
    assert res.values.loc["x", "miR-424"] == pytest.approx(5.2313871, rel=1e-7)
    assert "Pfaffl" in res.method
    # with E = 2 everywhere Pfaffl is Livak: ΔΔCt = (23 - 18.5) - (25 - 18) = -2.5 -> 2^2.5
    livak = relative_expression(ct, "miR-424", calibrator="cal", efficiency={"miR-424": 2.0,
                                                                              "U6": 2.0})
    assert livak.values.loc["x", "miR-424"] == pytest.approx(2 ** 2.5)


def test_pfaffl_two_references_use_geometric_mean() -> None:
    # E: t 1.9, U6 2.1, R2 1.95.  cal: t 25, U6 18, R2 22; x: t 23, U6 18.5, R2 21.
    # ratio = 1.9^2 / sqrt(2.1^-0.5 * 1.95^1)
    ct = tidy([("cal", "t", 25.0), ("cal", "U6", 18.0), ("cal", "R2", 22.0),
               ("x", "t", 23.0), ("x", "U6", 18.5), ("x", "R2", 21.0)])
    res = relative_expression(ct, "t", reference=["U6", "R2"], calibrator="cal",
                              efficiency={"t": 1.9, "U6": 2.1, "R2": 1.95})
    expected = 1.9 ** 2 / np.sqrt(2.1 ** -0.5 * 1.95 ** 1.0)
    assert res.values.loc["x", "t"] == pytest.approx(expected, rel=1e-12)


# --- layouts ---------------------------------------------------------------------------------

def test_wide_and_tidy_layouts_agree() -> None:
    wide = pd.DataFrame({"miR-125b": [30.1, 29.9, 27.9, 28.1], "U6": [20.2, 19.8, 19.5, 19.5]},
                        index=pd.Index(["cal", "cal", "p1", "p1"]))
    long = tidy([("cal", "miR-125b", 30.1), ("cal", "U6", 20.2), ("cal", "miR-125b", 29.9),
                 ("cal", "U6", 19.8), ("p1", "miR-125b", 27.9), ("p1", "U6", 19.5),
                 ("p1", "miR-125b", 28.1), ("p1", "U6", 19.5)])
    a = relative_expression(wide, "miR-125b", calibrator="cal")
    b = relative_expression(long, "miR-125b", calibrator="cal")
    pd.testing.assert_frame_equal(a.values, b.values)
    # p1: ΔCt 28.0 - 19.5 = 8.5; cal: 30.0 - 20.0 = 10.0 -> 2^1.5
    assert a.values.loc["p1", "miR-125b"] == pytest.approx(2 ** 1.5)
    with_cols = wide.rename_axis("sample").reset_index().assign(replicate=[1, 2, 1, 2])
    c = relative_expression(with_cols, "miR-125b", calibrator="cal", layout="wide")
    pd.testing.assert_frame_equal(a.values, c.values)


def test_tidy_with_replicate_column_and_median() -> None:
    ct = tidy([("a", "t", 20.0), ("a", "t", 20.2), ("a", "t", 20.9), ("a", "U6", 15.0)])
    ct["replicate"] = [1, 2, 3, 1]
    res = relative_expression(ct, "t", replicate_agg="median", max_replicate_sd=None)
    assert res.ct.loc["a", "t"] == pytest.approx(20.2)


# --- QC flags and the exclusion ledger --------------------------------------------------------

def qc_table() -> pd.DataFrame:
    rows = [("s1", "t", 25.0), ("s1", "t", 25.1), ("s1", "t", "Undetermined"), ("s1", "U6", 20.0),
            ("s2", "t", "Undetermined"), ("s2", "t", np.nan), ("s2", "U6", 20.1),
            ("s3", "t", 36.2), ("s3", "t", 25.0), ("s3", "U6", 19.9),
            ("s4", "t", 24.0), ("s4", "t", 24.1), ("s4", "t", 25.5), ("s4", "U6", 20.0),
            ("s5", "t", 25.0), ("s5", "U6", 25.0),
            ("s6", "t", 25.0), ("s6", "U6", "Undetermined"),
            ("s7", "U6", 20.0)]
    return tidy(rows)


def test_qc_flags_and_exclusions_are_reported() -> None:
    res = relative_expression(qc_table(), "t")
    flags = {(r.sample, r.flag) for r in res.flags.itertuples()}
    assert ("s1", "undetermined") in flags          # one replicate dropped, value kept
    assert res.values["t"].notna()["s1"]
    assert res.ct.loc["s1", "t"] == pytest.approx(25.05)
    assert ("s3", "above_ct_limit") in flags        # 36.2 > 35 dropped, 25.0 kept
    assert res.ct.loc["s3", "t"] == pytest.approx(25.0)
    assert ("s4", "replicate_sd") in flags          # 24.0, 24.1, 25.5: SD 0.84 > 0.5
    assert ("s5", "reference_out_of_range") in flags  # U6 25.0 vs median 20.0: +5 cycles
    assert ("s6", "undetermined") in flags
    assert ("s7", "not_measured") in flags
    reasons = dict(zip(res.excluded.rows, [e.reason for e in res.excluded.entries], strict=True))
    assert reasons == {
        "s2": "no valid Ct (undetermined or > 35)",
        "s4": "replicate SD > 0.5",
        "s5": "reference U6 out of range",
        "s6": "reference U6 unusable",
        "s7": "not measured",
    }
    assert res.values.loc[list(reasons), "t"].isna().all()
    assert (res.excluded.n_total, res.excluded.n_used) == (7, 2)
    assert list(res.flags.columns) == ["sample", "target", "replicate", "flag", "reason"]
    sd = res.flags[res.flags["flag"] == "replicate_sd"]["reason"].iloc[0]
    assert "SD 0.84" in sd
    assert "excluded" in res.excluded.summary()


def test_qc_thresholds_are_parameters() -> None:
    res = relative_expression(qc_table(), "t", ct_limit=40, max_replicate_sd=None,
                              max_reference_shift=None)
    assert res.ct.loc["s3", "t"] == pytest.approx(30.6)   # (36.2 + 25.0) / 2
    assert np.isfinite(res.values.loc[["s4", "s5"], "t"]).all()
    strict = relative_expression(qc_table(), "t", min_replicates=2)   # U6 was run once: all out
    assert strict.values["t"].isna().all()
    assert {e.reason for e in strict.excluded.entries} >= {"fewer than 2 valid replicates",
                                                            "reference U6 unusable"}
    assert "too_few_replicates" in set(strict.flags["flag"])


def test_calibrator_without_value_excludes_the_target_for_everyone() -> None:
    ct = tidy([("cal", "t", "Undetermined"), ("cal", "U6", 20.0),
               ("a", "t", 25.0), ("a", "U6", 20.0)])
    res = relative_expression(ct, "t", calibrator="cal")
    assert res.values["t"].isna().all()
    assert res.delta_ct.loc["a", "t"] == pytest.approx(5.0)  # ΔCt itself is still valid
    assert {e.reason for e in res.excluded.entries} == {
        "no valid Ct (undetermined or > 35)", "calibrator has no valid value"}
    assert "calibrator_unavailable" in set(res.flags["flag"])


def test_partial_calibrator_group_is_flagged() -> None:
    ct = tidy([("c1", "t", "Undetermined"), ("c1", "U6", 20.0), ("c2", "t", 24.0),
               ("c2", "U6", 20.0), ("a", "t", 23.0), ("a", "U6", 20.0)])
    res = relative_expression(ct, "t", calibrator=["c1", "c2"])
    assert res.values.loc["a", "t"] == pytest.approx(2.0)   # ΔCt 3 vs calibrator mean 4
    assert "calibrator_partial" in set(res.flags["flag"])


@pytest.mark.parametrize(("kwargs", "table", "match"), [
    ({"targets": "miR-125"}, None, r"'miR-125' is not in the Ct table. Did you mean 'miR-125b'"),
    ({"targets": "miR-125b", "reference": "U6b"}, None, "'U6b' is not in the Ct table"),
    ({"targets": "U6"}, None, "must be non-empty and disjoint"),
    ({"targets": "miR-125b", "calibrator": "cak"}, None, "Did you mean 'cal'"),
    ({"targets": "miR-125b", "efficiency": {"miR-125b": 1.9}}, None, "no value for U6"),
    ({"targets": "miR-125b", "efficiency": {"miR-125b": 0.95, "U6": 2.0}}, None, "1.95"),
    ({"targets": "t"}, tidy([("a", "t", "32,5"), ("a", "U6", 20.0)]), "decimal commas"),
    ({"targets": "t"}, tidy([("a", "t", -1.0), ("a", "U6", 20.0)]), "negative"),
    ({"targets": "t", "layout": "tidy"}, pd.DataFrame({"t": [1.0]}), "needs columns sample"),
    ({"targets": "t"}, pd.DataFrame({"sample": ["a", "a"], "target": ["t", "t"], "ct": [1.0, 2.0],
                                     "replicate": [1, 1]}), "Number the replicates"),
])
def test_relative_expression_errors(kwargs: dict[str, object], table: pd.DataFrame | None,
                                    match: str) -> None:
    with pytest.raises(CohortError, match=match):
        relative_expression(worked_table() if table is None else table, **kwargs)  # type: ignore[arg-type]


# --- joining onto a cohort --------------------------------------------------------------------

def small_cohort() -> mp.Cohort:
    df = pd.DataFrame({"pid": ["p1", "p2", "p3"], "months": [10.0, 20.0, 30.0],
                       "relapse": [1, 0, 1]})
    return mp.Cohort(df, time="months", event="relapse", id="pid")


def test_to_cohort_joins_by_id() -> None:
    rows = []
    for s, t in [("p3", 26.0), ("p1", 24.0), ("p2", 25.0), ("pool", 25.0)]:
        rows += [(s, "miR-125b", t), (s, "U6", 20.0)]
    res = relative_expression(tidy(rows), "miR-125b", calibrator="pool")
    out = to_cohort(res, small_cohort(), prefix="rel_", drop=["pool"])
    # p1: ΔΔCt -1 -> 2; p2: 0 -> 1; p3: +1 -> 0.5 (cohort order, not sample order)
    assert out.data["rel_miR-125b"].tolist() == [2.0, 1.0, 0.5]
    mapped = to_cohort(res.values.drop(index="pool").set_axis(["S3", "S1", "S2"]), small_cohort(),
                       id_map={"S1": "p1", "S2": "p2", "S3": "p3"})
    assert mapped.data["miR-125b"].tolist() == [2.0, 1.0, 0.5]


def test_to_cohort_allow_missing() -> None:
    values = pd.DataFrame({"m": [1.0, 2.0]}, index=["p1", "p2"])
    with pytest.raises(CohortError, match=r"1 patient\(s\) have no qPCR sample \(p3\).*allow_miss"):
        to_cohort(values, small_cohort())
    out = to_cohort(values, small_cohort(), allow_missing=True)
    assert out.data["m"].isna().tolist() == [False, False, True]


@pytest.mark.parametrize(("values", "kwargs", "match"), [
    (pd.DataFrame({"m": [1.0, 2.0, 3.0, 4.0]}, index=["p1", "p2", "p3", "x9"]), {},
     r"1 qPCR sample\(s\) match no patient id in the cohort \(x9\).*id_map"),
    (pd.DataFrame({"m": [1.0, 2.0]}, index=["p1", "x9"]), {},
     r"\(x9\); 2 patient\(s\) have no qPCR sample \(p2, p3\)"),
    (pd.DataFrame({"m": [1.0]}, index=[1]), {"allow_missing": True}, "no patient id"),
    (pd.DataFrame({"m": [1.0]}, index=["p1"]), {"id_map": {"zz": "p1"}}, "no patient id for"),
    (pd.DataFrame({"m": [1.0, 2.0]}, index=["a", "b"]), {"id_map": {"a": "p1", "b": "p1"}},
     "same patient: p1"),
    (pd.DataFrame({"months": [1.0]}, index=["p1"]), {}, "already has column"),
    (pd.DataFrame({"m": [1.0]}, index=["p1"]), {"drop": ["pool"]}, "drop names samples"),
])
def test_to_cohort_errors(values: pd.DataFrame, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(CohortError, match=match):
        to_cohort(values, small_cohort(), **kwargs)  # type: ignore[arg-type]


def test_to_cohort_type_mismatch_hint() -> None:
    df = pd.DataFrame({"pid": [1, 2], "t": [1.0, 2.0], "e": [1, 0]})
    cohort = mp.Cohort(df, time="t", event="e", id="pid")
    with pytest.raises(CohortError, match="differ in type"):
        to_cohort(pd.DataFrame({"m": [1.0, 2.0]}, index=["1", "2"]), cohort)


# --- fold changes and the paper's Table 1 ----------------------------------------------------

def table1_directions() -> dict[str, pd.Series]:
    t1 = load_table1()
    out = {}
    for line in ("Res-Let", "Res-Ana"):
        fc = t1[t1["line"] == line].pivot(index="probe", columns="replicate", values="fold_change")
        out[line] = fold_change_filter(fc, cutoff=1.7)["direction"]
    return out


def test_table1_transcription() -> None:
    t1 = load_table1()
    assert list(t1.columns) == ["probe", "line", "replicate", "fold_change"]
    assert t1["probe"].nunique() == 45   # "45 miRNAs" in the Results
    assert len(t1) == 180
    assert t1.query("probe == 'miR-424' and line == 'Res-Let' and replicate == 1")[
        "fold_change"].item() == pytest.approx(-2.33)


def test_table1_rule_reproduces_the_papers_lists() -> None:
    d = table1_directions()
    let, ana = d["Res-Let"].value_counts(), d["Res-Ana"].value_counts()
    assert (let["up"], let["down"]) == (15, 18)      # 33 in Res-Let
    assert (ana["up"], ana["down"]) == (8, 10)       # 18 in Res-Ana
    # "common": deregulated in the same direction in both lines (Figure 3A, Results)
    both = d["Res-Let"].to_frame("let").join(d["Res-Ana"].to_frame("ana"))
    common = both[(both["let"] != "none") & (both["let"] == both["ana"])]
    assert sorted(common.index) == sorted(["miR-125b", "miR-205", "miR-30a", "miR-424",
                                           "miR-1292", "miR-4492"])
    assert not ((both["let"] != "none") & (both["ana"] != "none")
                & (both["let"] != both["ana"])).any()          # no opposite-direction probe
    assert ((both["let"] != "none") | (both["ana"] != "none")).sum() == 45   # 33 + 18 - 6
    assert (both.loc["miR-125b"] == "up").all()
    assert (both.loc["miR-21", "let"], both.loc["miR-21", "ana"]) == ("up", "none")  # 1.73, 1.70
    assert (both.loc["miR-4745"] == ["none", "down"]).all()    # Res-Let NC, -1.80: not both reps


def test_fold_change_filter_rule_and_errors() -> None:
    fc = pd.DataFrame({"r1": [1.70, -1.70, 1.69, np.nan], "r2": [2.0, -5.0, 3.0, 2.0]},
                      index=list("abcd"))
    out = fold_change_filter(fc)
    assert out["direction"].tolist() == ["up", "down", "none", "none"]
    assert list(out.columns) == ["direction", "r1", "r2"]
    assert fold_change_filter(fc, cutoff=2.0)["direction"].tolist() == ["none"] * 4
    with pytest.raises(CohortError, match=r"values in \(−1, 1\)"):
        fold_change_filter(pd.DataFrame({"r1": [0.5]}, index=["a"]))
    with pytest.raises(ValueError, match="cutoff must be > 1"):
        fold_change_filter(fc, cutoff=0.58)
    with pytest.raises(CohortError, match="probes × replicates"):
        fold_change_filter(pd.DataFrame(index=["a"]))


def test_signed_fold_change() -> None:
    a = pd.DataFrame({"r1": [4.0, 1.0], "r2": [3.0, 2.0]}, index=["x", "y"])
    b = pd.DataFrame({"r1": [2.0, 2.33], "r2": [3.0, 8.0]}, index=["x", "y"])
    s = signed_fold_change(a, b)
    assert isinstance(s, pd.DataFrame)
    np.testing.assert_allclose(s.to_numpy(), [[2.0, 1.0], [-2.33, -4.0]])
    log2 = signed_fold_change(np.log2(a.to_numpy()), np.log2(b.to_numpy()), scale="log2")
    np.testing.assert_allclose(log2, s.to_numpy())
    assert fold_change_filter(s)["direction"].tolist() == ["none", "down"]
    with pytest.raises(CohortError, match="different labels"):
        signed_fold_change(a, b.set_axis(["y", "x"]))
    with pytest.raises(CohortError, match="must be positive"):
        signed_fold_change(a, b - 10)


def test_wide_table_with_extra_text_column_and_integer_ids() -> None:
    wide = pd.DataFrame({"group": ["res", "sens", "res"], "miR-21": [25.0, "Undetermined", 26.0],
                         "U6": [20.0, 20.0, 21.0]}, index=[10, 20, 30])
    res = relative_expression(wide, "miR-21", calibrator=[10, 30])
    # ΔCt: 10 -> 5.0, 30 -> 5.0 (calibrator mean 5.0); 20 undetermined -> excluded, reported
    assert res.values["miR-21"].tolist()[::2] == [1.0, 1.0]
    assert res.excluded.rows == (20,)

"""One result protocol (issue 15, items 4 and 8): every result names the same things the same way.

Static: every :class:`mirprog._result.Result` subclass in the package is a frozen
dataclass with a main frame ``.table`` (``.summary`` for coefficient tables).
Dynamic: results of the verbs give ``to_frame()`` = that frame, safe Markdown / HTML /
LaTeX exports and a notebook display, and ``.excluded`` on every result that can drop rows.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import mirprog as mp
from mirprog._result import Result
from mirprog.data.cohort import Exclusions

COEFFICIENT_TABLES = {"CoxResult", "FineGrayResult", "PrognosticModel"}


def _result_classes() -> list[type]:
    found = {}
    for info in pkgutil.walk_packages(mp.__path__, "mirprog."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Result) and cls is not Result and cls.__module__.startswith(
                    "mirprog."):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


@pytest.mark.parametrize("cls", _result_classes(), ids=lambda c: c.__name__)
def test_every_result_is_frozen_and_names_its_main_frame(cls: type) -> None:
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    main = "summary" if cls.__name__ in COEFFICIENT_TABLES else "table"
    assert hasattr(cls, main) or main in {f.name for f in dataclasses.fields(cls)}


def _cases(g: mp.Cohort) -> dict[str, Callable[[], Any]]:
    cut = mp.Cutpoints.fit(g, ["progrec"]).apply(g)
    cut = cut.assign(horTh_yes=(cut.data["horTh"] == "yes").to_numpy())
    fit = mp.cox(cut, ["progrec_high", "pnodes"])
    small = mp.cox(cut, ["pnodes"])
    return {
        "km": lambda: mp.km(g, by="horTh"),
        "rmst": lambda: mp.rmst(g, by="horTh", tau=1825),
        "logrank": lambda: mp.logrank(g, by="tgrade"),
        "pairwise": lambda: mp.pairwise_logrank(g, by="tgrade"),
        "cox": lambda: fit,
        "univariate": lambda: mp.univariate(cut, ["progrec_high", "horTh"]),
        "selection": lambda: mp.backward_select(cut, ["progrec_high", "pnodes", "age"]),
        "compare": lambda: mp.compare_models(fit, small),
        "risk_groups": lambda: mp.risk_groups(
            mp.Cutpoints.fit(cut, ["pnodes"], rule="fixed", thresholds={"pnodes": 3}).apply(cut),
            {"progrec_high": 0, "pnodes_high": 1}),
        "ph_test": lambda: mp.ph_test(fit, cut),
        "spline": lambda: mp.spline_cox(g, "progrec", transform="raw"),
        "screen": lambda: mp.screen(g, ["progrec", "age"], progress=False),
        "association": lambda: mp.associate(cut, "progrec_high", "horTh"),
        "optimal": lambda: mp.optimal_cutpoint(g, "progrec"),
        "cv_cutpoint": lambda: mp.cv_optimal_cutpoint(g, "progrec", folds=3, seed=1),
        "bootstrap": lambda: mp.bootstrap_validate(g, ["pnodes"], n_boot=3, seed=1,
                                                   progress=False),
        "factor_table": lambda: mp.factor_table(g, ["progrec"], ["pnodes", "horTh"]),
        "subgroup_table": lambda: mp.subgroup_table(cut, "progrec_high",
                                                    {"hormonal therapy": "horTh_yes"}),
        "cif": lambda: mp.cif(_causes(g), by="horTh"),
        "gray_test": lambda: mp.gray_test(_causes(g), by="horTh", cause="early"),
        "fine_gray": lambda: mp.fine_gray(_causes(g), ["pnodes"], cause="early"),
        "concordance": lambda: mp.concordance(fit),
        "compare_concordance": lambda: mp.compare_concordance(fit, small),
        "validate": lambda: mp.validate(fit, cut, horizons=[365, 1825]),
    }


def _causes(g: mp.Cohort) -> mp.Cohort:
    d = g.data
    d["status"] = (d["cens"] * (1 + (d["age"] > 65))).astype(int)
    return mp.Cohort(d, time="time", event="status", causes={1: "early", 2: "late"})


CASES = list(_cases(mp.datasets.load_gbsg2()))


@pytest.mark.parametrize("name", CASES)
def test_results_share_frame_exports_and_exclusions(name: str, gbsg: mp.Cohort) -> None:
    res = _cases(gbsg)[name]()
    assert isinstance(res, Result)
    main = "summary" if type(res).__name__ in COEFFICIENT_TABLES else "table"
    frame = res.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame is getattr(res, main) or frame.equals(getattr(res, main))
    md, html, tex = res.to_markdown(), res.to_html(caption="<b>x</b>"), res.to_latex()
    assert md.startswith("| ")
    assert "<table" in html
    assert "<b>x</b>" not in html
    assert r"\begin{tabular}" in tex
    assert "<table" in res._repr_html_()
    if name == "screen":      # per marker: the table's n and note are the ledger
        assert {"n", "events", "note"} <= set(res.table.columns)
    elif name == "univariate":  # each factor on its own complete cases
        assert all(isinstance(e, Exclusions) for e in res.excluded.values())
        assert list(res.excluded) == list(res.cox)
    else:
        assert isinstance(res.excluded, Exclusions)


def test_old_names_of_the_vocabulary_still_work(gbsg: mp.Cohort) -> None:
    curves = mp.km(gbsg, by="horTh").table
    assert curves["std_err"].equals(curves["se"])
    t3 = mp.factor_table(gbsg, ["progrec"], ["pnodes"])
    assert t3.frame is t3.table
    from mirprog._result import FrameReprMixin, TableRenderMixin

    assert FrameReprMixin is Result
    assert TableRenderMixin is Result

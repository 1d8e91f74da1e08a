"""The reference study's tables: Table 3 (univariate + backward-selected multivariate Cox)
and Table 4 (a marker within subgroups).  These orchestrate the core; they compute nothing
of their own, and formatting lives in :mod:`mirprog.tables`.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mirprog.cohort import Cohort, Exclusions
from mirprog.cutpoints import Cutpoints, Rule
from mirprog.errors import CohortError, MonotoneLikelihoodWarning
from mirprog.subtypes import subgroup_mask
from mirprog.survival._common import FrameReprMixin
from mirprog.survival._coxengine import Ties
from mirprog.survival.cox import cox
from mirprog.survival.logrank import logrank
from mirprog.survival.selection import EntryTest, Method, SelectionResult, backward_select
from mirprog.survival.univariate import UnivariateResult, univariate
from mirprog.tables import TableRenderMixin, format_ci, format_p

__all__ = ["Table3Result", "Table4Result", "table3", "table4"]


def _labels(factors: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    """Column -> display label."""
    if isinstance(factors, Mapping):
        return {col: label for label, col in factors.items()}
    return {f: f for f in factors}


@dataclass(frozen=True)
class Table3Result(FrameReprMixin, TableRenderMixin):
    """Table 3: univariate log-rank and Cox per factor, backward-selected multivariate Cox.

    Attributes
    ----------
    frame : pandas.DataFrame
        Full precision, indexed by term, with columns ``label, factor, n, events,
        logrank_chi2, logrank_df, logrank_p, hr, ci_lower, ci_upper, p, monotone,
        entered, selected, multi_hr, multi_ci_lower, multi_ci_upper, multi_p``.
    univariate : UnivariateResult
    selection : SelectionResult
    cutpoints : Cutpoints or None
        The marker splits used.
    """

    frame: pd.DataFrame
    univariate: UnivariateResult
    selection: SelectionResult
    cutpoints: Cutpoints | None

    def to_frame(self) -> pd.DataFrame:
        """The full-precision table."""
        return self.frame

    def formatted(self, digits: int = 2) -> pd.DataFrame:
        """Paper layout as strings, with log-rank and Cox statistics in separate columns.

        ``ND`` (not done) marks factors that did not enter the multivariate
        model; factors removed by backward selection say so with their p.
        """
        steps = self.selection.steps.set_index("factor", drop=False)
        rows = []
        for _term, r in self.frame.iterrows():
            if r["selected"]:
                multi = format_ci(r["multi_hr"], r["multi_ci_lower"], r["multi_ci_upper"], digits)
                multi_p = format_p(r["multi_p"])
            elif r["entered"]:
                p_out = steps.loc[r["factor"], "p"] if r["factor"] in steps.index else np.nan
                multi, multi_p = "removed", f"({format_p(float(p_out))})"
            else:
                multi, multi_p = "ND", "ND"
            level = _term_level(str(_term), r["factor"])
            rows.append({
                "Factor": r["label"] + (f" [{level}]" if level else ""),
                "n": int(r["n"]), "Events": int(r["events"]),
                "Log-rank χ²": f"{r['logrank_chi2']:.{digits}f}"
                if np.isfinite(r["logrank_chi2"]) else "NA",
                "Log-rank p": format_p(r["logrank_p"]),
                "Cox HR (95% CI)": "not estimable (no events in a group)" if r["monotone"]
                else format_ci(r["hr"], r["ci_lower"], r["ci_upper"], digits),
                "Cox p": "NA" if r["monotone"] else format_p(r["p"]),
                "Multivariate HR (95% CI)": multi, "Multivariate p": multi_p,
            })
        return pd.DataFrame(rows)


def _term_level(term: str, factor: str) -> str:
    """The level part of a categorical term: ("tgrade[II]", "tgrade") -> "II"."""
    prefix = f"{factor}["
    return term[len(prefix):-1] if term.startswith(prefix) and term.endswith("]") else ""


def table3(
    cohort: Cohort,
    markers: Sequence[str] = (),
    clinical: Sequence[str] | Mapping[str, str] | None = None,
    *,
    rule: Rule = "median",
    ties: Ties = "breslow",
    p_enter: float = 0.05,
    p_remove: float = 0.10,
    method: Method = "lr",
    entry_test: EntryTest = "logrank",
    categorical: Sequence[str] | None = None,
    reference: Mapping[str, Hashable] | None = None,
    candidates: Sequence[str] | None = None,
) -> Table3Result:
    """Univariate and multivariate analyses of markers and clinical factors (the paper's Table 3).

    Parameters
    ----------
    cohort : Cohort
    markers : sequence of str
        Continuous markers, split by ``rule`` (median: high = strictly above) into
        ``<marker>_high``.
    clinical : sequence of str or mapping label -> column, optional
        Factors used as they are (binary, or categorical with a reference level).
    rule : str, default "median"
        Cutpoint rule for the markers.
    ties, p_enter, p_remove, method, entry_test, categorical, reference :
        As in :func:`mirprog.backward_select` and :func:`mirprog.cox`.
    candidates : sequence of str, optional
        Factor columns eligible for the multivariate model (default: all).  Rows
        defined on a subset (e.g. grade 1 vs 2, missing for grade 3) belong in
        the univariate table but not in the backward selection, which would
        otherwise restrict every step to that subset.

    Returns
    -------
    Table3Result
        ``.frame`` (numbers), ``.formatted()``, ``.to_markdown()``,
        ``.to_html()``, ``.to_latex()``.

    Examples
    --------
    >>> import mirprog as mp
    >>> g = mp.datasets.load_gbsg2()
    >>> g = mp.Cutpoints.fit(g, ["pnodes"], rule="fixed", thresholds={"pnodes": 3}).apply(g)
    >>> t3 = mp.table3(g, markers=["progrec"], clinical={"Nodes >3": "pnodes_high",
    ...                                                  "Hormone therapy": "horTh"})
    >>> t3.formatted()[["Factor", "Log-rank χ²", "Cox HR (95% CI)", "Multivariate p"]]
                      Factor Log-rank χ²   Cox HR (95% CI) Multivariate p
    0           progrec_high       43.21  0.47 (0.37–0.59)         <0.001
    1               Nodes >3       67.91  2.57 (2.04–3.25)         <0.001
    2  Hormone therapy [yes]        8.56  0.69 (0.54–0.89)         <0.001
    """
    labels = _labels(clinical or [])
    cuts = None
    if markers:
        cuts = Cutpoints.fit(cohort, list(markers), rule=rule)
        cohort = cuts.apply(cohort)
        labels = {c.column: c.column for c in cuts.cutpoints} | labels
    factors = list(labels)
    if not factors:
        raise CohortError("table3() needs markers and/or clinical factors.")
    uni = univariate(cohort, factors, ties=ties, categorical=categorical, reference=reference)
    eligible = list(candidates) if candidates is not None else factors
    unknown = [c for c in eligible if c not in factors]
    if unknown:
        raise CohortError(f"candidates {unknown} are not among the table's factors {factors}.")
    sel = backward_select(cohort, eligible, p_enter=p_enter, p_remove=p_remove, method=method,
                          entry_test=entry_test, ties=ties, categorical=categorical,
                          reference=reference)
    frame = uni.table.copy()
    frame.insert(0, "label", [labels[f] for f in frame["factor"]])
    frame["entered"] = frame["factor"].isin(sel.entered)
    frame["selected"] = frame["factor"].isin(sel.selected)
    multi = sel.final.summary if sel.final is not None else pd.DataFrame(
        columns=["hr", "ci_lower", "ci_upper", "p"])
    for col in ("hr", "ci_lower", "ci_upper", "p"):
        frame[f"multi_{col}"] = [multi.loc[t, col] if t in multi.index else np.nan
                                 for t in frame.index]
    return Table3Result(frame=frame, univariate=uni, selection=sel, cutpoints=cuts)


@dataclass(frozen=True)
class Table4Result(FrameReprMixin, TableRenderMixin):
    """Table 4: one binary factor analysed within subgroups.

    Attributes
    ----------
    frame : pandas.DataFrame
        Indexed by subgroup label: ``n, events, n_low, n_high, events_low,
        events_high, logrank_chi2, logrank_p, hr, ci_lower, ci_upper, p, note``.
        ``note`` says why a statistic is missing (no events in an arm, too few
        patients, no events at all).
    factor : str
        The binary column analysed (e.g. ``"mir125b_high"``).
    cutpoints : Cutpoints or None
        The whole-cohort split used when a continuous marker was given.
    firth : bool
        Whether the Cox columns are Firth-penalised (profile CI, penalised LR p).
    excluded : Exclusions or None
        Rows of the cohort without a value of ``factor`` (left out of every row).
    """

    frame: pd.DataFrame
    factor: str
    cutpoints: Cutpoints | None
    firth: bool = False
    excluded: Exclusions | None = None

    def to_frame(self) -> pd.DataFrame:
        """The full-precision table."""
        return self.frame

    def formatted(self, digits: int = 2) -> pd.DataFrame:
        """Paper layout as strings; rows without an estimable HR state the reason."""
        rows = []
        for label, r in self.frame.iterrows():
            hr = format_ci(r["hr"], r["ci_lower"], r["ci_upper"], digits)
            rows.append({
                "Subgroup": label, "n": int(r["n"]), "Events (low/high)":
                f"{_int(r['events_low'])}/{_int(r['events_high'])}",
                "Log-rank χ²": f"{r['logrank_chi2']:.{digits}f}"
                if np.isfinite(r["logrank_chi2"]) else "NA",
                "Log-rank p": format_p(r["logrank_p"]),
                "Cox HR (95% CI)": r["note"] if r["note"] else hr,
                "Cox p": "NA" if r["note"] else format_p(r["p"]),
            })
        return pd.DataFrame(rows)


def _int(v: Any) -> str:
    return "NA" if pd.isna(v) else str(int(v))


def table4(
    cohort: Cohort,
    factor: str,
    subgroups: Mapping[str, str | np.ndarray | pd.Series],
    *,
    marker_rule: Rule | None = None,
    ties: Ties = "breslow",
    include_all: bool = True,
    firth: bool = False,
) -> Table4Result:
    """A binary factor's log-rank test and Cox HR within each subgroup (the paper's Table 4).

    Parameters
    ----------
    cohort : Cohort
    factor : str
        A binary 0/1 column (e.g. ``"mir125b_high"``), or a continuous marker
        when ``marker_rule`` is given: it is then split once on the whole
        cohort (``<marker>_high``) and that split is kept in every subgroup.
    subgroups : mapping label -> boolean column name or mask
        E.g. ``{"HR+/HER2-": "hr_pos_her2_neg", "Luminal A": "luminal_a"}``
        (columns from :func:`mirprog.st_gallen`); missing counts as not in it.
    marker_rule : str, optional
        Cutpoint rule when ``factor`` is a continuous marker.
    ties : {"breslow", "efron"}, default "breslow"
    include_all : bool, default True
        Start with a row for the whole cohort.
    firth : bool, default False
        Firth-penalised Cox in every row (``cox(..., firth=True)``): a subgroup
        where one arm has no events gets a finite HR with a profile-likelihood
        CI and penalised LR p instead of "not estimable".

    Returns
    -------
    Table4Result

    Examples
    --------
    >>> import mirprog as mp
    >>> g = mp.datasets.load_gbsg2()
    >>> t4 = mp.table4(g, "progrec", {"Post-menopausal": g.data["menostat"] == "Post",
    ...                               "Grade I": g.data["tgrade"] == "I"}, marker_rule="median")
    >>> t4.formatted()[["Subgroup", "n", "Events (low/high)", "Cox HR (95% CI)"]]
              Subgroup    n Events (low/high)   Cox HR (95% CI)
    0              All  686           183/116  0.47 (0.37–0.59)
    1  Post-menopausal  396            110/70  0.52 (0.38–0.70)
    2          Grade I   81              2/16  1.03 (0.24–4.47)
    """
    cuts = None
    if marker_rule is not None:
        cuts = Cutpoints.fit(cohort, factor, rule=marker_rule)
        cohort = cuts.apply(cohort)
        factor = cuts.cutpoints[0].column
    values = cohort.column(factor).dropna()
    if not set(pd.unique(values).tolist()) <= {0, 1}:
        raise CohortError(f"table4() needs a binary 0/1 factor; {factor!r} has values "
                          f"{sorted(pd.unique(values).tolist(), key=str)[:6]}. Give a marker with "
                          "marker_rule='median' or cut it first.", column=factor)
    groups: dict[str, np.ndarray] = {}
    if include_all:
        groups["All"] = np.ones(cohort.n, dtype=bool)
    for label, spec in subgroups.items():
        groups[label] = subgroup_mask(cohort, spec)
    rows = [_subgroup_row(cohort, factor, label, mask, ties, firth)
            for label, mask in groups.items()]
    frame = pd.DataFrame(rows).set_index("subgroup")
    return Table4Result(frame=frame, factor=factor, cutpoints=cuts, firth=firth,
                        excluded=cohort.complete_cases([factor]).exclusions)


def _subgroup_row(cohort: Cohort, factor: str, label: str, mask: np.ndarray,
                  ties: Ties, firth: bool = False) -> dict[str, Any]:
    row: dict[str, Any] = {"subgroup": label}
    data = cohort.data.loc[mask]
    known = data[factor].notna()
    ev = data[cohort.event_col]
    x = data[factor]
    row.update(n=int(known.sum()), events=int(ev[known].sum()),
               n_low=int((x == 0).sum()), n_high=int((x == 1).sum()),
               events_low=int(ev[x == 0].sum()), events_high=int(ev[x == 1].sum()))
    nan = float("nan")
    row.update(logrank_chi2=nan, logrank_p=nan, hr=nan, ci_lower=nan, ci_upper=nan, p=nan,
               note="")
    if row["events"] == 0:
        row["note"] = "no events in this subgroup"
        return row
    if row["n_low"] == 0 or row["n_high"] == 0:
        row["note"] = "only one group present"
        return row
    sub = cohort.subset(mask)
    lr = logrank(sub, by=factor)
    row.update(logrank_chi2=lr.chi2, logrank_p=lr.p)
    empty = [arm for arm, n_ev in (("low", row["events_low"]), ("high", row["events_high"]))
             if n_ev == 0]
    if empty and not firth:
        row["note"] = f"not estimable: no events in the {empty[0]} group"
        return row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonotoneLikelihoodWarning)
        fit = cox(sub, factor, ties=ties, firth=firth)
    s = fit.summary.iloc[0]
    row.update(hr=s["hr"], ci_lower=s["ci_lower"], ci_upper=s["ci_upper"], p=s["p"])
    if fit.monotone:
        row["note"] = "not estimable: monotone likelihood"
    return row

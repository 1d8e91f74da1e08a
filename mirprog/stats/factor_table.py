"""The factor table: univariate log-rank and Cox per factor beside a backward-selected
multivariate Cox (the reference paper's Table 3, :func:`mirprog.table3`).  It orchestrates
the statistics below it and computes nothing of its own.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mirprog._engine.coxph import Ties
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.errors import CohortError
from mirprog.factors.cutpoints import Cutpoints, Rule
from mirprog.output import format_ci, format_p
from mirprog.stats.cox.selection import EntryTest, Method, SelectionResult, backward_select
from mirprog.stats.univariate import UnivariateResult, univariate

__all__ = ["FactorTableResult", "Table3Result", "factor_table"]


def _labels(factors: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    """Column -> display label."""
    if isinstance(factors, Mapping):
        return {col: label for label, col in factors.items()}
    return {f: f for f in factors}


@dataclass(frozen=True)
class FactorTableResult(Result):
    """Table 3: univariate log-rank and Cox per factor, backward-selected multivariate Cox.

    Attributes
    ----------
    table : pandas.DataFrame
        Full precision, indexed by term, with columns ``label, factor, n, events,
        logrank_chi2, logrank_df, logrank_p, hr, ci_lower, ci_upper, p, monotone,
        entered, selected, multi_hr, multi_ci_lower, multi_ci_upper, multi_p`` and, for
        categorical factors, ``reference`` (the reference level), ``factor_lr_p`` (the
        univariate global LR p of a factor with several levels) and ``multi_factor_lr_p``
        (its drop1 LR p in the final multivariate model, R ``drop1(fit, test="Chisq")``).
    univariate : UnivariateResult
    selection : SelectionResult
    cutpoints : Cutpoints or None
        The marker splits used.
    ph_note : str or None
        With ``check_ph=True``: the terms whose proportional-hazards test rejects at
        ``ph_alpha`` (univariate fits and the final multivariate model), with the
        remedies; ``None`` when none does or without ``check_ph``.  ``table`` then has
        ``ph_p`` (the term's test in its univariate Cox fit) and ``multi_ph_p`` (in
        the final model, NaN for terms not in it).
    """

    table: pd.DataFrame
    univariate: UnivariateResult
    selection: SelectionResult
    cutpoints: Cutpoints | None
    ph_note: str | None = None

    @property
    def excluded(self) -> Exclusions:
        """Rows left out of the multivariate model (complete cases) and why."""
        return self.selection.excluded

    @property
    def frame(self) -> pd.DataFrame:
        """``table`` under its 0.1 name (kept for one release)."""
        return self.table

    def formatted(self, digits: int = 2) -> pd.DataFrame:
        """Paper layout as strings, with log-rank and Cox statistics in separate columns.

        ``ND`` (not done) marks factors that did not enter the multivariate
        model; factors removed by backward selection say so with their p.  A
        categorical term names its reference (``grade [2 vs 1]``), and a factor
        with several levels gets its global LR p, univariate and in the final
        model (``Factor p (univariate; multivariate)``).
        """
        steps = self.selection.steps.set_index("factor", drop=False)
        rows = []
        for _term, r in self.table.iterrows():
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
                "Factor": r["label"] + (f" [{level} vs {r['reference']}]" if level else ""),
                "n": int(r["n"]), "Events": int(r["events"]),
                "Log-rank χ²": f"{r['logrank_chi2']:.{digits}f}"
                if np.isfinite(r["logrank_chi2"]) else "NA",
                "Log-rank p": format_p(r["logrank_p"]),
                "Cox HR (95% CI)": "not estimable (no events in a group)" if r["monotone"]
                else format_ci(r["hr"], r["ci_lower"], r["ci_upper"], digits),
                "Cox p": "NA" if r["monotone"] else format_p(r["p"]),
                "Multivariate HR (95% CI)": multi, "Multivariate p": multi_p,
                "Factor p (univariate; multivariate)": _factor_p(r),
                **({"PH p (univariate; multivariate)": _ph_p(r)} if "ph_p" in r else {}),
            })
        out = pd.DataFrame(rows)
        factor_p = "Factor p (univariate; multivariate)"
        if out.empty or not out[factor_p].astype(bool).any():  # no factor with >2 levels
            out = out.drop(columns=factor_p, errors="ignore")
        return out


def _factor_p(r: pd.Series) -> str:
    """The global LR p of a factor with several levels, univariate and in the final model."""
    uni, multi = r.get("factor_lr_p", np.nan), r.get("multi_factor_lr_p", np.nan)
    if pd.isna(uni):
        return ""
    return format_p(float(uni)) + ("; " + format_p(float(multi)) if pd.notna(multi) else "")


def _ph_p(r: pd.Series) -> str:
    """The term's PH-test p, univariate and in the final model (when it is in it)."""
    multi = r.get("multi_ph_p", np.nan)
    return format_p(float(r["ph_p"])) + ("; " + format_p(float(multi)) if pd.notna(multi)
                                         else "")


def _with_ph(cohort: Cohort, frame: pd.DataFrame, uni: UnivariateResult,
             sel: SelectionResult, alpha: float) -> tuple[pd.DataFrame, str | None]:
    """``ph_p``/``multi_ph_p`` columns and the note (R cox.zph of each fit, KM scale)."""
    from mirprog.stats.cox.phtest import ph_test
    from mirprog.stats.cox.remedies import REMEDIES, check_alpha

    alpha = check_alpha(alpha)
    uni_p: dict[str, float] = {}
    for fit in uni.cox.values():
        ph = ph_test(fit, cohort.subset(np.isin(cohort.ids, fit.ids)))
        uni_p.update({str(k): float(v) for k, v in ph.table["p"].drop(index="GLOBAL").items()})
    multi_p: dict[str, float] = {}
    if sel.final is not None:
        final = sel.final
        ph = ph_test(final, cohort.subset(np.isin(cohort.ids, final.ids)))
        multi_p = {str(k): float(v) for k, v in ph.table["p"].drop(index="GLOBAL").items()}
    frame = frame.assign(ph_p=[uni_p.get(str(t), np.nan) for t in frame.index],
                         multi_ph_p=[multi_p.get(str(t), np.nan) for t in frame.index])
    parts = []
    for label, col in (("univariate", "ph_p"), ("multivariate", "multi_ph_p")):
        bad = frame[col][frame[col] < alpha]
        if not bad.empty:
            parts.append(f"{label}: " + ", ".join(
                f"{t} (p {_p_text(float(p))})" for t, p in bad.items()))
    note = (f"PH rejected at alpha {alpha:g} for " + "; ".join(parts) + f": {REMEDIES}."
            if parts else None)
    return frame, note


def _p_text(p: float) -> str:
    text = format_p(p)
    return f"< {text[1:]}" if text.startswith("<") else f"= {text}"


def _term_level(term: str, factor: str) -> str:
    """The level part of a categorical term: ("tgrade[II]", "tgrade") -> "II"."""
    prefix = f"{factor}["
    return term[len(prefix):-1] if term.startswith(prefix) and term.endswith("]") else ""


def factor_table(
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
    check_ph: bool = False,
    ph_alpha: float = 0.05,
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
    check_ph : bool, default False
        Also test proportional hazards (:func:`mirprog.ph_test`) in each univariate
        fit and in the final model: adds ``ph_p``/``multi_ph_p`` to ``table``, a
        ``PH p`` column to ``formatted()`` and ``ph_note``; the other numbers do not change.
    ph_alpha : float, default 0.05

    Returns
    -------
    Table3Result
        ``.table`` (numbers), ``.formatted()``, ``.to_markdown()``,
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
    0                 progrec_high       43.21  0.47 (0.37–0.59)         <0.001
    1                     Nodes >3       67.91  2.57 (2.04–3.25)         <0.001
    2  Hormone therapy [yes vs no]        8.56  0.69 (0.54–0.89)         <0.001
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
    tests = sel.final.factor_tests if sel.final is not None else pd.DataFrame()
    frame["multi_factor_lr_p"] = [
        tests.loc[f, "lr_p"] if f in tests.index and tests.loc[f, "df"] > 1 else np.nan
        for f in frame["factor"]]
    note = None
    if check_ph:
        frame, note = _with_ph(cohort, frame, uni, sel, ph_alpha)
    return Table3Result(table=frame, univariate=uni, selection=sel, cutpoints=cuts,
                        ph_note=note)


Table3Result = FactorTableResult
"""The reference paper's name for :class:`FactorTableResult`."""

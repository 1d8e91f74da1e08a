"""The subgroup table: one binary factor's log-rank and Cox within each subgroup (the
reference paper's Table 4, :func:`mirprog.table4`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mirprog._engine.coxph import Ties
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.errors import CohortError, MonotoneLikelihoodWarning
from mirprog.factors.cutpoints import Cutpoints, Rule
from mirprog.factors.subtypes import subgroup_mask
from mirprog.output import format_ci, format_p
from mirprog.stats.comparison import compare_models
from mirprog.stats.cox.coxph import cox
from mirprog.stats.logrank import logrank

__all__ = ["SubgroupTableResult", "Table4Result", "subgroup_table"]


@dataclass(frozen=True)
class SubgroupTableResult(Result):
    """Table 4: one binary factor analysed within subgroups.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by subgroup label: ``n, events, n_low, n_high, events_low,
        events_high, logrank_chi2, logrank_p, hr, ci_lower, ci_upper, p,
        interaction_p, note``.  ``interaction_p`` is the likelihood-ratio test,
        on the whole cohort, of ``factor x (in the subgroup)`` in a Cox model
        with both main effects (does the factor's HR differ inside and outside
        the subgroup? ``cox([factor + "*" + s])`` against ``cox([factor, s])``);
        NaN for "All" and where the model cannot be fitted.  ``note`` says why
        a statistic is missing (no events in an arm, too few patients, no
        events at all).
    factor : str
        The binary column analysed (e.g. ``"mir125b_high"``).
    cutpoints : Cutpoints or None
        The whole-cohort split used when a continuous marker was given.
    firth : bool
        Whether the Cox columns are Firth-penalised (profile CI, penalised LR p).
    excluded : Exclusions or None
        Rows of the cohort without a value of ``factor`` (left out of every row).
    """

    table: pd.DataFrame
    factor: str
    cutpoints: Cutpoints | None
    firth: bool = False
    excluded: Exclusions | None = None

    @property
    def frame(self) -> pd.DataFrame:
        """``table`` under its 0.1 name (kept for one release)."""
        return self.table

    def formatted(self, digits: int = 2) -> pd.DataFrame:
        """Paper layout as strings; rows without an estimable HR state the reason."""
        rows = []
        for label, r in self.table.iterrows():
            hr = format_ci(r["hr"], r["ci_lower"], r["ci_upper"], digits)
            rows.append({
                "Subgroup": label, "n": int(r["n"]), "Events (low/high)":
                f"{_int(r['events_low'])}/{_int(r['events_high'])}",
                "Log-rank χ²": f"{r['logrank_chi2']:.{digits}f}"
                if np.isfinite(r["logrank_chi2"]) else "NA",
                "Log-rank p": format_p(r["logrank_p"]),
                "Cox HR (95% CI)": r["note"] if r["note"] else hr,
                "Cox p": "NA" if r["note"] else format_p(r["p"]),
                "Interaction p": format_p(r["interaction_p"]) if np.isfinite(
                    r["interaction_p"]) else "",
            })
        return pd.DataFrame(rows)


def _int(v: Any) -> str:
    return "NA" if pd.isna(v) else str(int(v))


def subgroup_table(
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
    for row, (label, mask) in zip(rows, groups.items(), strict=True):
        whole = include_all and label == "All"
        row["interaction_p"] = float("nan") if whole else _interaction_p(
            cohort, factor, mask, ties)
    order = [c for c in rows[0] if c != "note"] + ["note"] if rows else []
    frame = pd.DataFrame(rows, columns=order or None).set_index("subgroup")
    return Table4Result(table=frame, factor=factor, cutpoints=cuts, firth=firth,
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


_IN = "_in_subgroup"


def _interaction_p(cohort: Cohort, factor: str, mask: np.ndarray, ties: Ties) -> float:
    """LR p of factor x subgroup membership on the whole cohort (NaN when not estimable)."""
    inside = mask.astype(int)
    if inside.min() == inside.max():
        return float("nan")
    whole = cohort.assign(**{_IN: inside})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            big = cox(whole, [f"{factor}*{_IN}"], ties=ties)
            small = cox(whole, [factor, _IN], ties=ties)
        except CohortError:
            return float("nan")
    if big.monotone or small.monotone:
        return float("nan")
    return compare_models(big, small).p


Table4Result = SubgroupTableResult
"""The reference paper's name for :class:`SubgroupTableResult`."""

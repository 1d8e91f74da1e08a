"""What a forest plot shows, apart from how it is drawn: its rows, their texts and the HR axis.

:func:`mirprog.plots.forest_plot` (matplotlib) and :func:`mirprog.present.forest_svg.forest_svg`
(the web app's live view) both draw these, so they show the same rows, labels, notes and limits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mirprog.present.format import format_ci, format_p
from mirprog.stats.cox.coxph import CoxResult
from mirprog.stats.factor_table import FactorTableResult as Table3Result
from mirprog.stats.univariate import UnivariateResult

__all__ = ["NE", "ci_text", "finite_pos", "forest_rows", "hr_ticks", "log_limits", "t3_label"]

NE = "not estimable"


def forest_rows(result: CoxResult | UnivariateResult | Table3Result
                 ) -> tuple[pd.DataFrame, list[str]]:
    """Rows ``label, n, events`` plus ``hr, lo, hi, p, note`` columns per series (prefix)."""
    if isinstance(result, CoxResult):  # n and events are the model's
        s = result.summary
        f = s.assign(n=result.n, events=result.events, monotone=s.index.isin(result.monotone))
        label = list(s.index.astype(str))
    elif isinstance(result, UnivariateResult):
        f, label = result.table, list(result.table.index.astype(str))
    elif isinstance(result, Table3Result):
        f = result.table
        label = [t3_label(str(term), r) for term, r in f.iterrows()]
    else:
        raise TypeError("A forest plot takes a CoxResult, UnivariateResult or Table3Result, "
                        f"got {type(result).__name__}.")
    rows = f.rename(columns={"ci_lower": "lo", "ci_upper": "hi", "multi_ci_lower": "multi_lo",
                             "multi_ci_upper": "multi_hi"}).reset_index(drop=True)
    rows["label"], rows["note"] = label, [NE if m else "" for m in f["monotone"]]
    if not isinstance(result, Table3Result):
        return rows, [""]
    rows["multi_note"] = ["" if s else "removed" if e else "ND"
                          for s, e in zip(f["selected"], f["entered"], strict=True)]
    return rows, ["", "multi_"]


def t3_label(term: str, r: pd.Series) -> str:
    """A Table 3 row's label: the factor's, with the level of a categorical term."""
    factor, label = str(r["factor"]), str(r["label"])
    level = term[len(factor) + 1:-1] if term.startswith(f"{factor}[") else ""
    return f"{label} [{level}]" if level else label


def finite_pos(v: float) -> bool:
    """Finite and above 0 (a drawable HR or limit)."""
    return bool(np.isfinite(v) and v > 0)


def log_limits(rows: pd.DataFrame, prefixes: list[str]) -> tuple[float, float]:
    """The HR axis: 1 and every drawable estimate and limit, with a margin."""
    vals = [1.0]
    for pre in prefixes:
        ok = rows[f"{pre}note"] == ""
        for col in ("hr", "lo", "hi"):
            vals += [v for v in rows.loc[ok, f"{pre}{col}"] if finite_pos(v)]
    lo, hi = min(vals), max(vals)
    return lo / 1.35, hi * 1.35


def ci_text(r: pd.Series, pre: str) -> tuple[str, str]:
    """A row's "HR (lo-hi)" and p texts for one series, or its note."""
    note = r[f"{pre}note"] or ("" if finite_pos(r[f"{pre}hr"]) else NE)
    if note:
        return note, "NA" if note == NE else ""
    return format_ci(r[f"{pre}hr"], r[f"{pre}lo"], r[f"{pre}hi"]), format_p(r[f"{pre}p"])


def hr_ticks(xlim: tuple[float, float]) -> np.ndarray:
    """The HR axis's 1-2-5 ticks within ``xlim``."""
    cands = np.array([b * 10.0 ** k for k in range(-3, 4) for b in (1, 2, 5)])
    return cands[(cands >= xlim[0]) & (cands <= xlim[1])]

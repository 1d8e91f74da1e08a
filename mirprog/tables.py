"""Presentation of results: rounding and p-value formatting live here, never in the core."""

from __future__ import annotations

import math

import pandas as pd

from mirprog.survival.univariate import UnivariateResult

__all__ = ["format_p", "univariate_table"]


def format_p(p: float, digits: int = 3) -> str:
    """Format a p-value for a table: ``"0.009"``, ``"<0.001"``, ``"NA"``.

    Examples
    --------
    >>> format_p(0.00912), format_p(2e-7), format_p(float("nan"))
    ('0.009', '<0.001', 'NA')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "NA"
    floor = 10.0 ** -digits
    return f"<{floor:.{digits}f}" if p < floor else f"{p:.{digits}f}"


def _fmt(v: float, digits: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NA"
    if math.isinf(v):
        return "inf"
    return f"{v:.{digits}f}"


def univariate_table(result: UnivariateResult, digits: int = 2) -> pd.DataFrame:
    """Paper-style univariate table (strings): n, events, log-rank chi2 and p, HR (95% CI), p.

    Terms with a monotone likelihood show ``"not estimable"`` instead of a
    meaningless HR.
    """
    rows = []
    for term, r in result.table.iterrows():
        if r["monotone"]:
            hr = "not estimable (no events in a group)"
        else:
            hr = (f"{_fmt(r['hr'], digits)} ({_fmt(r['ci_lower'], digits)}"
                  f"–{_fmt(r['ci_upper'], digits)})")
        rows.append({
            "term": term, "n": int(r["n"]), "events": int(r["events"]),
            "log-rank chi2": _fmt(r["logrank_chi2"], digits),
            "log-rank p": format_p(r["logrank_p"]),
            "HR (95% CI)": hr, "Cox p": "NA" if r["monotone"] else format_p(r["p"]),
        })
    return pd.DataFrame(rows).set_index("term")

"""Presentation of results: rounding and p-value formatting live here, never in the core."""

from __future__ import annotations

import pandas as pd

from mirprog._result import TableRenderMixin
from mirprog.output import (
    format_ci,
    format_number,
    format_p,
    render_html,
    render_latex,
    render_markdown,
)
from mirprog.stats.univariate import UnivariateResult

__all__ = ["TableRenderMixin", "format_ci", "format_p", "render_html", "render_latex",
           "render_markdown", "univariate_table"]


















def univariate_table(result: UnivariateResult, digits: int = 2) -> pd.DataFrame:
    """Paper-style univariate table (strings): n, events, log-rank chi2 and p, HR (95% CI), p.

    Terms with a monotone likelihood show ``"not estimable"`` instead of a
    meaningless HR.  When a factor is categorical the table also shows each
    term's reference level (``vs``) and the factor's global LR p (``factor p``,
    for factors with several levels).
    """
    rows = []
    table = result.table
    categorical = "reference" in table and bool((table["reference"] != "").any())
    for term, r in table.iterrows():
        if r["monotone"]:
            hr = "not estimable (no events in a group)"
        else:
            hr = format_ci(r["hr"], r["ci_lower"], r["ci_upper"], digits)
        rows.append({
            "term": term, "n": int(r["n"]), "events": int(r["events"]),
            "log-rank chi2": format_number(r["logrank_chi2"], digits),
            "log-rank p": format_p(r["logrank_p"]),
            "HR (95% CI)": hr, "Cox p": "NA" if r["monotone"] else format_p(r["p"]),
        })
        if categorical:
            rows[-1]["vs"] = r["reference"]
            fp = r["factor_lr_p"]
            rows[-1]["factor p"] = format_p(fp) if pd.notna(fp) else ""
    return pd.DataFrame(rows).set_index("term")

"""A self-contained HTML report of a study: cohort, tables, figures, methods, version.

Figures are embedded as base64 PNG and the style sheet is inline, so the file opens
anywhere without network access.  The report only reads result objects.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mirprog.present.format import format_p, render_html

if TYPE_CHECKING:
    from mirprog.stats.cox.phtest import PHTestResult
    from mirprog.study.reproduce import StudyResult

__all__ = ["report", "report_html"]

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; }
table.mirprog-table { border-collapse: collapse; margin: 1em 0; font-size: .92em; }
table.mirprog-table th, table.mirprog-table td { padding: .3em .7em; text-align: left;
       border-bottom: 1px solid #e3e3e3; }
table.mirprog-table caption { text-align: left; font-weight: bold; margin-bottom: .4em; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: .6em 1em; }
figure { margin: 1em 0; } figure img { max-width: 100%; } figcaption { font-size: .9em; }
footer { margin-top: 3em; font-size: .85em; color: #666; }
"""


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(fig: Any, caption: str, ident: str) -> str:
    return (f'<figure id="{ident}"><img alt="{html.escape(caption)}" '
            f'src="data:image/png;base64,{_png(fig)}"><figcaption>{html.escape(caption)}'
            "</figcaption></figure>")


def _cohort_section(res: StudyResult) -> str:
    c = res.cohort
    t = c.time
    followed = t[c.event == 0]
    sel = res.table3.selection
    rows = [
        ("Patients", f"{c.n}"), ("Events", f"{c.n_events}"),
        ("Follow-up of censored patients (median, range)",
         f"{np.median(followed):.2f} ({followed.min():.2f}–{followed.max():.2f})"
         if followed.size else "all patients had the event"),
        ("Rows used by the multivariate model", f"{sel.n} ({len(sel.excluded)} excluded)"),
    ]
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in rows)
    excl = []
    for name, fit in res.table3.univariate.cox.items():
        if len(fit.excluded):
            excl.append(f"<li>{html.escape(name)}: {html.escape(fit.excluded.summary())}</li>")
    if len(sel.excluded):
        excl.append(f"<li>multivariate model: {html.escape(sel.excluded.summary())}</li>")
    ledger = f"<p>Exclusions:</p><ul>{''.join(excl)}</ul>" if excl else (
        "<p>No patient was excluded from any analysis.</p>")
    return (f'<section id="cohort"><h2>Cohort</h2><table class="mirprog-table">{body}</table>'
            f"{ledger}</section>")


def _methods(res: StudyResult) -> str:
    sel = res.table3.selection
    cols = res.columns
    markers = ", ".join([cols.marker, *cols.other_markers])
    ties = res.table3.univariate.ties
    text = [
        f"Markers ({html.escape(markers)}) were split at the cohort median: a patient is "
        "<em>high</em> when the value is strictly above the median of the non-missing "
        "values (patients at the median are low).",
        "Survival curves are Kaplan–Meier estimates with Greenwood variance; groups were "
        "compared with the log-rank test (and the log-rank test for trend over the ordered "
        "risk groups).",
        f"Hazard ratios come from Cox proportional-hazards models with {ties.capitalize()} "
        "handling of tied event times and Wald 95% confidence intervals, fitted by the same "
        "Newton–Raphson rules as R's survival package.",
        f"Factors with a univariate {sel.entry_test.replace('logrank', 'log-rank')} p below "
        f"{sel.p_enter:g} entered a multivariate Cox model; the least significant factor "
        f"was removed while its {sel.method.upper()} p was at least {sel.p_remove:g} "
        "(backward elimination, as SPSS's Backward LR/Wald with PIN/POUT).",
        "The combined signature compares the model with the marker and nodes against each "
        "alone by likelihood-ratio tests on the same patients; risk groups A/B/C count the "
        "adverse factors (none, one, both).",
        "Each analysis used the patients with the values it needs; excluded patients are "
        "listed above.",
    ]
    return '<section id="methods"><h2>Methods</h2>' + "".join(
        f"<p>{t}</p>" for t in text) + "</section>"


def report_html(res: StudyResult, *, title: str = "Prognostic value of a microRNA marker",
                synthetic: bool = False) -> str:
    """The report as an HTML string (see :func:`report`)."""
    from mirprog._version import __version__

    parts = [f"<h1>{html.escape(title)}</h1>"]
    if synthetic:
        parts.append('<p class="note">This cohort is <strong>synthetic</strong>: it was '
                     "reconstructed from a paper's published summary statistics and contains "
                     "no patient data.</p>")
    parts.append(_cohort_section(res))
    parts.append('<section id="table3"><h2>Table 3 — univariate and multivariate analyses'
                 "</h2><p>Log-rank χ² and p, and the Cox hazard ratio with its 95% CI and "
                 "Wald p, in separate columns.</p>"
                 + res.table3.to_html() + "</section>")
    parts.append(_figures_section(res))
    parts += _model_sections(res)
    if res.table4 is not None:
        parts.append('<section id="table4"><h2>Table 4 — marker within subgroups</h2>'
                     + res.table4.to_html() + "</section>")
    if res.association is not None:
        a = res.association
        parts.append('<section id="association"><h2>Association with grade</h2>'
                     + render_html(a.table.reset_index().astype(str))
                     + f"<p>{html.escape(a.test)} test: p = {format_p(a.p)}.</p></section>")
    parts.append(_methods(res))
    parts.append(f"<footer>Generated by mirprog {__version__} on {date.today().isoformat()}."
                 "</footer>")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>")


def _figures_section(res: StudyResult) -> str:
    """The KM curves by marker and by risk group, and the forest plot, as inline PNGs."""
    from mirprog.present import plots
    from mirprog.study.reproduce import marker_labels, risk_labels

    cols = res.columns
    marker = cols.marker
    lr = res.marker_logrank
    return ('<section id="figures"><h2>Figures</h2>'
                 + _figure(plots.km_plot(res.marker_km, test=lr,
                                         labels=marker_labels(res),
                                         time_unit=cols.time_unit),
                           f"Relapse-free survival by {marker} (log-rank p {format_p(lr.p)})",
                           "fig-marker")
                 + _figure(plots.km_plot(res.risk.km, test=[res.risk.logrank, res.risk.trend],
                                         labels=risk_labels(res), time_unit=cols.time_unit),
                           f"Risk groups A/B/C (log-rank p {format_p(res.risk.logrank.p)})",
                           "fig-risk-groups")
                 + _figure(plots.forest_plot(res.table3, title="Hazard ratios"),
                           "Univariate and multivariate hazard ratios", "fig-forest")
                 + "</section>")


def _ph_remedy(ph: PHTestResult) -> str:
    """The note naming the terms that violate PH at 0.05, and their smoothed beta(t)."""
    from mirprog.present import plots
    from mirprog.stats.cox.remedies import ph_note, ph_violations

    note = ph_note(ph)
    if note is None:
        return "<p>No term violates proportional hazards at alpha 0.05.</p>"
    figures = "".join(
        _figure(plots.ph_plot(ph, str(term)),
                f"Smoothed beta(t) of {term} with a ±2 SE band (R plot(cox.zph(fit)))",
                f"fig-ph-{i}")
        for i, term in enumerate(ph_violations(ph).index))
    return f'<p class="note">{html.escape(note)}</p>' + figures


def _model_sections(res: StudyResult) -> list[str]:
    """The proportional-hazards check (when run) and the nested-model comparison."""
    parts = []
    if res.ph is not None:
        ph = res.ph.table.reset_index().astype(object)
        ph["chi2"] = [f"{v:.2f}" for v in res.ph.table["chi2"]]
        ph["p"] = [format_p(v) for v in res.ph.table["p"]]
        parts.append('<section id="ph-check"><h2>Proportional-hazards check</h2>'
                     + render_html(ph, caption="Scaled Schoenfeld residual tests of the "
                                               "multivariate model (KM time transform, as R "
                                               "cox.zph)") + _ph_remedy(res.ph) + "</section>")
    cmp = res.comparison.table[["terms", "n", "events", "neg2loglik", "aic", "concordance",
                                "lr_chi2", "p"]].copy()
    shown = cmp.reset_index().astype(object)
    for col in ("neg2loglik", "aic", "lr_chi2"):
        shown[col] = [f"{v:.2f}" if np.isfinite(v) else "" for v in cmp[col]]
    shown["concordance"] = [f"{v:.3f}" for v in cmp["concordance"]]
    shown["p"] = [format_p(v) if np.isfinite(v) else "" for v in cmp["p"]]
    parts.append('<section id="model-comparison"><h2>Model comparison</h2>'
                 + render_html(shown, caption="−2 log-likelihood of the combined model and "
                                              "of each reduced model") + "</section>")
    return parts


def report(res: StudyResult, path: str | Path, *, title: str | None = None,
           synthetic: bool = False) -> Path:
    """Write a self-contained HTML report of a study result.

    Parameters
    ----------
    res : StudyResult
        From :func:`mirprog.study.reproduce.run_study`.
    path : str or Path
        Output file (``.html``).
    title : str, optional
    synthetic : bool, default False
        Label the cohort as synthetic (the bundled reference cohort).

    Returns
    -------
    Path
        The file written.  Sections: cohort (n, events, follow-up, exclusions), Table 3,
        figures (KM by marker, A/B/C, forest plot), model comparison, Table 4, association,
        methods in plain words, and the package version.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import mirprog as mp
    >>> from mirprog.study.reproduce import run_study
    >>> res = run_study(mp.datasets.load_reference_cohort())
    >>> out = mp.report(res, pathlib.Path(tempfile.mkdtemp()) / "report.html", synthetic=True)
    >>> out.name, "Table 3" in out.read_text(encoding="utf-8")
    ('report.html', True)
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report_html(res, title=title or "Prognostic value of a microRNA marker",
                               synthetic=synthetic), encoding="utf-8")
    return out

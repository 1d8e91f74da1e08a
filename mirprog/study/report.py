"""``mp.report``: a self-contained HTML report of a study or of any results.

A study result contributes its own sections (cohort, Table 3, figures, model comparison,
Table 4, association, methods); every other result gets the generic section of
:mod:`mirprog.present.report`.  Figures are embedded as base64 PNG and the style sheet is
inline, so the file opens anywhere without network access.  The report only reads results.
"""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mirprog.present.format import format_p, render_html
from mirprog.present.report import Report, build_report, figure_html

if TYPE_CHECKING:
    from mirprog.stats.cox.phtest import PHTestResult
    from mirprog.study.reproduce import StudyResult

__all__ = ["report", "report_html"]

def _cohort_section(res: StudyResult) -> str:
    from mirprog.stats.follow_up import follow_up

    c = res.cohort
    sel = res.table3.selection
    fu = follow_up(c)
    unit = f" ({res.columns.time_unit})" if res.columns.time_unit else ""
    med = ("not reached" if not np.isfinite(fu.median) else
           f"{fu.median:.2f} (95% CI {fu.ci_lower:.2f}–{fu.ci_upper:.2f}; range "
           f"{fu.time_range[0]:.2f}–{fu.time_range[1]:.2f})")
    rows = [
        ("Patients", f"{c.n}"), ("Events", f"{c.n_events}"),
        (f"Median follow-up{unit}, reverse Kaplan–Meier", med),
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


def _study_sections(res: StudyResult, synthetic: bool) -> list[tuple[str, str]]:
    """The study's own sections, as (heading, ``<section>`` html)."""
    parts = []
    if synthetic:
        parts.append(("Note", '<p class="note">This cohort is <strong>synthetic</strong>: it '
                      "was reconstructed from a paper's published summary statistics and "
                      "contains no patient data.</p>"))
    parts.append(("Cohort", _cohort_section(res)))
    parts.append(("Table 3", '<section id="table3"><h2>Table 3 — univariate and multivariate '
                  "analyses</h2><p>Log-rank χ² and p, and the Cox hazard ratio with its 95% CI "
                  "and Wald p, in separate columns.</p>" + res.table3.to_html() + "</section>"))
    parts.append(("Figures", _figures_section(res)))
    parts += [(h, body) for h, body in _model_sections(res)]
    if res.table4 is not None:
        parts.append(("Table 4", '<section id="table4"><h2>Table 4 — marker within subgroups'
                      "</h2>" + res.table4.to_html() + "</section>"))
    if res.association is not None:
        a = res.association
        parts.append(("Association with grade",
                      '<section id="association"><h2>Association with grade</h2>'
                      + render_html(a.table.reset_index().astype(str))
                      + f"<p>{html.escape(a.test)} test: p = {format_p(a.p)}.</p></section>"))
    parts.append(("Methods", _methods(res)))
    return parts


def report_html(res: StudyResult, *, title: str = "Prognostic value of a microRNA marker",
                synthetic: bool = False) -> str:
    """The report of a study result as an HTML string (see :func:`report`)."""
    return report(res, title=title, synthetic=synthetic).html


def _figures_section(res: StudyResult) -> str:
    """The KM curves by marker and by risk group, and the forest plot, as inline PNGs."""
    from mirprog.present import plots
    from mirprog.study.reproduce import marker_labels, risk_labels

    cols = res.columns
    marker = cols.marker
    lr = res.marker_logrank
    first = (figure_html(plots.km_plot(res.marker_km, test=lr, labels=marker_labels(res),
                                       time_unit=cols.time_unit),
                         f"Relapse-free survival by {marker} (log-rank p {format_p(lr.p)})",
                         "fig-marker")
             if res.marker_cif is None else _cif_figure(res))
    risk = plots.km_plot(res.risk.km, test=[res.risk.logrank, res.risk.trend],
                         labels=risk_labels(res), time_unit=cols.time_unit)
    return ('<section id="figures"><h2>Figures</h2>' + first
            + figure_html(risk, f"Risk groups A/B/C (log-rank p {format_p(res.risk.logrank.p)})",
                          "fig-risk-groups")
            + figure_html(plots.forest_plot(res.table3, title="Hazard ratios"),
                          "Univariate and multivariate hazard ratios", "fig-forest")
            + "</section>")


def _cif_figure(res: StudyResult) -> str:
    """Competing causes: the marker's cumulative incidence (not 1 - KM), and why."""
    from mirprog.present import plots
    from mirprog.study.reproduce import marker_labels

    assert res.marker_cif is not None
    gray = res.marker_gray
    cause = str(res.cohort.cause)
    others = ", ".join(c for c in res.marker_cif.causes if c != cause)
    p = "" if gray is None else f" (Gray's test p {format_p(gray.p)})"
    note = (f"<p>The cohort has competing causes: {html.escape(cause)} competes with "
            f"{html.escape(others)}. The curves are cumulative incidences (Aalen–Johansen), "
            "not 1 − Kaplan–Meier, which would overstate the probability of "
            f"{html.escape(cause)}; log-rank and Cox analyses are cause-specific (the other "
            "causes censored at their time).</p>")
    fig = plots.cif_plot(res.marker_cif, tests=gray, labels=marker_labels(res),
                         time_unit=res.columns.time_unit)
    return note + figure_html(fig, f"Cumulative incidence by {res.columns.marker}{p}",
                              "fig-marker")


def _ph_remedy(ph: PHTestResult) -> str:
    """The note naming the terms that violate PH at 0.05, and their smoothed beta(t)."""
    from mirprog.present import plots
    from mirprog.stats.cox.remedies import ph_note, ph_violations

    note = ph_note(ph)
    if note is None:
        return "<p>No term violates proportional hazards at alpha 0.05.</p>"
    figures = "".join(
        figure_html(plots.ph_plot(ph, str(term)),
                    f"Smoothed beta(t) of {term} with a ±2 SE band (R plot(cox.zph(fit)))",
                    f"fig-ph-{i}")
        for i, term in enumerate(ph_violations(ph).index))
    return f'<p class="note">{html.escape(note)}</p>' + figures


def _model_sections(res: StudyResult) -> list[tuple[str, str]]:
    """The proportional-hazards check (when run) and the nested-model comparison."""
    parts = []
    if res.ph is not None:
        ph = res.ph.table.reset_index().astype(object)
        ph["chi2"] = [f"{v:.2f}" for v in res.ph.table["chi2"]]
        ph["p"] = [format_p(v) for v in res.ph.table["p"]]
        parts.append(("Proportional-hazards check",
                      '<section id="ph-check"><h2>Proportional-hazards check</h2>'
                      + render_html(ph, caption="Scaled Schoenfeld residual tests of the "
                                                "multivariate model (KM time transform, as R "
                                                "cox.zph)") + _ph_remedy(res.ph) + "</section>"))
    cmp = res.comparison.table[["terms", "n", "events", "neg2loglik", "aic", "concordance",
                                "lr_chi2", "p"]].copy()
    shown = cmp.reset_index().astype(object)
    for col in ("neg2loglik", "aic", "lr_chi2"):
        shown[col] = [f"{v:.2f}" if np.isfinite(v) else "" for v in cmp[col]]
    shown["concordance"] = [f"{v:.3f}" for v in cmp["concordance"]]
    shown["p"] = [format_p(v) if np.isfinite(v) else "" for v in cmp["p"]]
    parts.append(("Model comparison", '<section id="model-comparison"><h2>Model comparison</h2>'
                  + render_html(shown, caption="−2 log-likelihood of the combined model and "
                                               "of each reduced model") + "</section>"))
    return parts


def report(*results: Any, title: str | None = None, path: str | Path | None = None,
           synthetic: bool = False, time_unit: str | None = None,
           study_file: str | None = None) -> Report:
    """A self-contained HTML report of any mirprog results, in the order given.

    Parameters
    ----------
    *results
        Results of mirprog verbs (``km``, ``logrank``, ``cox``, ``ph_test``,
        ``factor_table``, ``subgroup_table``, ``screen``, validations, ...), a
        study result (:func:`mirprog.study.reproduce.run_study`: its cohort, Table 3,
        figures, model comparison, Table 4 and methods sections), matplotlib figures,
        strings (a paragraph) or ``(heading, result)`` pairs.  Each result becomes a
        section: its table, the rows it used and why others were excluded, and its
        figure (KM curves, with the log-rank test that follows it; a forest plot for a
        Cox model, with a warning below 10 events per variable; PH flags).  For one
        release a last positional ``str``/``Path`` ending in ``.html`` is taken as
        ``path`` (mirprog 0.1's ``report(res, path)``).
    title : str, optional
        The page title (default: the study's, or "mirprog report").
    path : str or Path, optional
        Also write the page there (``Report.path``).
    synthetic : bool, default False
        Label a study's cohort as synthetic (the bundled reference cohort).
    time_unit : str, optional
        Time unit for the axes of KM figures (e.g. ``"days"``).
    study_file : str, optional
        The study file's text, embedded at the end (escaped) so the report carries how
        it was made.

    Returns
    -------
    Report
        ``.html`` (the page), ``.sections`` (headings in order), ``.path`` and
        ``.save(path)``.

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> gbsg = mp.Cutpoints.fit(gbsg, ["progrec"]).apply(gbsg)
    >>> rep = mp.report(mp.km(gbsg, by="progrec_high"), mp.logrank(gbsg, by="progrec_high"),
    ...                 mp.cox(gbsg, ["progrec_high", "pnodes"]), title="GBSG2")
    >>> rep.sections[1:]
    ('Log-rank test: progrec_high', 'Cox model: progrec_high, pnodes')
    >>> "686 rows used" in rep.html
    True
    """
    from mirprog.study.reproduce import StudyResult

    items = list(results)
    if (path is None and len(items) >= 2 and isinstance(items[-1], str | Path)
            and str(items[-1]).lower().endswith((".html", ".htm"))):
        path = items.pop()
    pre: list[tuple[str, str]] = []
    rest = []
    for item in items:
        if isinstance(item, StudyResult):
            pre += _study_sections(item, synthetic)
            title = title or "Prognostic value of a microRNA marker"
            time_unit = time_unit or item.columns.time_unit
            if study_file is None and item.study is not None:   # how it was made
                study_file = item.study.text
        else:
            rest.append(item)
    rep = build_report(rest, title=title or "mirprog report", time_unit=time_unit, pre=pre,
                       embed=study_file)
    if path is not None:
        rep = replace(rep, path=rep.save(path))
    return rep

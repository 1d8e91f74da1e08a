"""The reference study's whole analysis on one cohort (Tables 3 and 4, Fig. 6, model comparison).

``run_study`` computes everything through the public core; ``compare_published`` sets the
results beside the numbers printed in the paper; ``write_outputs`` writes tables and figures.
Nothing here is stored: perturb the cohort and every number changes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mirprog.data.cohort import Cohort
from mirprog.data.missing import parse_numbers
from mirprog.errors import (
    CauseError,
    CohortError,
    format_ids,
)
from mirprog.factors.cutpoints import Cutpoints
from mirprog.output import write_csv
from mirprog.present.format import format_p, render_markdown
from mirprog.stats.association import AssociationResult
from mirprog.stats.comparison import (
    CombinedComparison,
    RiskGroupResult,
)
from mirprog.stats.competing import CIFResult, GrayTestResult
from mirprog.stats.cox.phtest import PHTestResult
from mirprog.stats.km import KMResult
from mirprog.stats.logrank import LogRankResult
from mirprog.study.paper import Table3Result, Table4Result
from mirprog.study.reference import StudyColumns, reference_spec, study_causes
from mirprog.study.run import EndpointRun, Study
from mirprog.study.spec import template

__all__ = ["PUBLISHED", "StudyColumns", "StudyResult", "compare_published", "reference_study",
           "run_study", "study_causes", "study_result", "write_outputs"]


@dataclass(frozen=True)
class StudyResult:
    """Everything the reference study reports, computed on one cohort."""

    cohort: Cohort
    columns: StudyColumns
    cutpoints: Cutpoints
    table3: Table3Result
    marker_km: KMResult
    marker_logrank: LogRankResult
    risk: RiskGroupResult
    comparison: CombinedComparison
    table4: Table4Result | None
    association: AssociationResult | None
    ph: PHTestResult | None = None
    labels: dict[str, str] = field(default_factory=dict)
    marker_cif: CIFResult | None = None
    """With competing causes: the marker's cumulative incidence of the study's event."""
    marker_gray: GrayTestResult | None = None
    study: Study | None = None
    """The study file that was run (:func:`reference_study`)."""


def study_numbers(values: pd.Series, column: str, role: str,
                  allowed: tuple[int, ...] | None = None) -> pd.Series:
    """A study column as floats; text or a value outside ``allowed`` is a :class:`CohortError`.

    Missing-value codes are missing (:mod:`mirprog.data.missing`); other text is never
    quietly read as missing (``3O`` is refused, not dropped).
    """
    numeric = parse_numbers(values, column, what=f"The study's {role} column").values
    if allowed is not None:
        odd = (numeric.notna() & ~numeric.isin(allowed)).to_numpy()
        if odd.any():
            rows = list(values.index[odd])
            found = sorted({float(v) for v in numeric[odd]})[:5]
            raise CohortError(
                f"The study's {role} column {column!r} must be coded "
                f"{'/'.join(map(str, allowed))} (NaN where unknown); found "
                f"{', '.join(f'{v:g}' for v in found)} in rows {format_ids(rows)}. Recode it, "
                f"or map the {role} role to another column (--map {role}=...).",
                column=column, rows=rows)
    return numeric


def _parsed_roles(cohort: Cohort, cols: StudyColumns) -> Cohort:
    """The role columns as numbers, checked: text is refused, grade 1/2/3, statuses 0/1."""
    cohort.require(cols.marker, *cols.other_markers, cols.nodes, role="study")
    data, new = cohort.data, {}
    allowed = {"grade": (1, 2, 3), "er": (0, 1), "pr": (0, 1), "her2": (0, 1)}
    for role in ("age", "size", "nodes", "grade", "er", "pr", "her2"):
        column = getattr(cols, role)
        if column:
            numbers = study_numbers(data[column], column, role, allowed.get(role))
            if not pd.api.types.is_numeric_dtype(data[column]):   # text read as numbers
                new[column] = numbers
    return cohort.assign(**new) if new else cohort


def reference_study(cols: StudyColumns | None = None, *, ties: str = "breslow",
                    cohort_file: str | None = None,
                    event_values: Mapping[Any, int] | None = None) -> Study:
    """The reference study for the roles ``cols`` as a :class:`~mirprog.Study`.

    On the default roles it is the bundled study file (``mirprog study --template
    reference``); :func:`run_study` runs it.
    """
    cols = cols or StudyColumns()
    if cols == StudyColumns() and ties == "breslow" and cohort_file is None and not event_values:
        return Study.from_toml(text=template("reference"))     # the bundled file itself
    return reference_spec(cols, ties=ties, cohort_file=cohort_file, event_values=event_values)


def run_study(cohort: Cohort, columns: StudyColumns | None = None, *,
              ties: str = "breslow", cohort_file: str | None = None,
              event_values: Mapping[Any, int] | None = None) -> StudyResult:
    """Run the reference study's analysis on ``cohort``.

    Table 3 (log-rank and Cox per factor, backward-selected multivariate Cox),
    the marker's KM curves and log-rank test (Fig. 6A), the A/B/C groups of
    marker x nodes (Fig. 6B), the -2 log-likelihood comparison of marker +
    nodes against each alone, Table 4 (marker within HR+/HER2-, luminal A and
    luminal B; needs ER, PR, HER2 and grade) and the Fisher association of the
    marker with grade.  It is the reference study file for ``columns``
    (:func:`reference_study`; ``result.study.text``) run by the study runner;
    ``cohort_file`` and ``event_values`` (the event column's coding) are written into
    that file so that ``mirprog study`` reruns it.

    Examples
    --------
    >>> import mirprog as mp
    >>> from mirprog.study.reproduce import StudyColumns, run_study
    >>> g = mp.datasets.load_gbsg2()
    >>> cols = StudyColumns(time="time", event="cens", marker="progrec", other_markers=(),
    ...                     age="age", size="tsize", nodes="pnodes", grade=None, er=None,
    ...                     pr=None, her2=None, size_cut=20, marker_adverse=0)
    >>> res = run_study(g, cols)
    >>> res.table3.selection.selected
    ('progrec_high', 'nodes_gt')
    >>> bool(res.risk.logrank.p < 1e-6)
    True
    """
    cols = columns or StudyColumns()
    if cohort.time_unit is not None and cols.time_unit != cohort.time_unit:
        cols = replace(cols, time_unit=cohort.time_unit)   # the cohort knows its unit best
    if cohort.causes is not None and cols.cause is None:
        raise CauseError(f"The cohort has competing causes {cohort.causes}: name the "
                         "study's event among them (--map cause=<name>, or "
                         "StudyColumns(cause=...)).", column=cohort.event_col)
    study = reference_study(cols, ties=ties, cohort_file=cohort_file,
                            event_values=event_values)
    run = study.run(cohort=_parsed_roles(cohort, cols))
    ep = next(iter(run.endpoints.values()))
    for category, message in ep.warned:
        warnings.warn(message, category, stacklevel=2)
    return study_result(ep, cols, study)


def study_result(ep: EndpointRun, cols: StudyColumns, study: Study) -> StudyResult:
    """The reference study's results, picked from the study runner's endpoint run."""
    marker_col = f"{cols.marker}_high"
    final = ep.find(Table3Result)
    assert final is not None
    assert ep.cutpoints is not None
    return StudyResult(
        ph=ep.find(PHTestResult), cohort=ep.cohort, columns=cols, cutpoints=ep.cutpoints,
        table3=final, marker_cif=ep.find(CIFResult, by=marker_col),
        marker_gray=ep.find(GrayTestResult, by=marker_col),
        marker_km=ep.find(KMResult, by=marker_col),
        marker_logrank=ep.find(LogRankResult, by=marker_col), risk=ep.find(RiskGroupResult),
        comparison=ep.find(CombinedComparison), table4=ep.find(Table4Result),
        association=ep.find(AssociationResult), labels=dict(ep.labels), study=study)


# ---------------------------------------------------------------------------------------------
# The paper's numbers.  Tables 3 and 4 are transcribed once, in the audit's
# datasets/published_tables.csv; here they are mapped onto this module's rows.  Only the
# numbers printed in the text (Fig. 6B and the -2LL comparison) are written out below.
# kind: "chi2" (log-rank), "p", "hr", "ci_lower", "ci_upper", "neg2ll", "n".
_PAPER_ROWS: dict[tuple[str, str], tuple[str, str]] = {
    ("Table 3 univariate", "miR-125b-5p expression levels"): ("Table 3", "mir125b_high"),
    ("Table 3 univariate", "miR-205-5p expression levels"): ("Table 3", "mir205_high"),
    ("Table 3 univariate", "miR-424-3p expression levels"): ("Table 3", "mir424_high"),
    ("Table 3 univariate", "Age (≤50 yr; >50 yr)"): ("Table 3", "age_gt"),
    ("Table 3 univariate", "Macroscopic tumor size (≤30 mm; >30 mm)"): ("Table 3", "size_gt"),
    ("Table 3 univariate", "Lymph node status (≤3; >3)"): ("Table 3", "nodes_gt"),
    ("Table 3 univariate", "Histological grade (SBR1 + SBR2; SBR3)"): ("Table 3", "grade3"),
    ("Table 3 univariate", "Histological grade (SBR1; SBR2)"): ("Table 3", "sbr1v2"),
    ("Table 3 univariate", "Histological grade (SBR1; SBR3)"): ("Table 3", "sbr1v3"),
    ("Table 3 univariate", "Histological grade (SBR2; SBR3)"): ("Table 3", "sbr2v3"),
    ("Table 3 univariate", "ER status (negative; positive)"): ("Table 3", "er_pos"),
    ("Table 3 univariate", "PR status (negative; positive)"): ("Table 3", "pr_pos"),
    ("Table 3 univariate", "HER2 status (negative; positive)"): ("Table 3", "her2_pos"),
    ("Table 3 multivariate", "miR-125b-5p expression levels"):
        ("Table 3 multivariate", "mir125b_high"),
    ("Table 3 multivariate", "Lymph node status (≤3; >3)"): ("Table 3 multivariate", "nodes_gt"),
    ("Table 4", "HR+/HER2− subclass"): ("Table 4", "HR+/HER2−"),
    ("Table 4", "Luminal A subclass (HR+, HER2−, SBR1 or SBR2)"): ("Table 4", "Luminal A"),
    ("Table 4", "Luminal B subclass (HR+, HER2+ and/or SBR3)"): ("Table 4", "Luminal B"),
}
_TEXT_NUMBERS: tuple[tuple[str, str, str, float], ...] = (
    ("Fig. 6B", "A/B/C", "p", 0.001),
    ("Model comparison", "combined", "neg2ll", 51.26),
    ("Model comparison", "without nodes_gt", "neg2ll", 59.05),
    ("Model comparison", "without nodes_gt", "p", 0.005),
    ("Model comparison", "without mir125b_high", "neg2ll", 58.51),
    ("Model comparison", "without mir125b_high", "p", 0.007),
)


def _published_numbers() -> tuple[tuple[str, str, str, float], ...]:
    """(table, row, statistic, printed value) for every number compared with the paper."""
    from mirprog.stats.audit import load_published_tables

    out: list[tuple[str, str, str, float]] = []
    for r in load_published_tables().itertuples(index=False):
        key = _PAPER_ROWS.get((str(r.table), str(r.label)))
        if key is None:
            continue
        table, row = key
        value_kind = "hr" if table == "Table 3 multivariate" else "chi2"
        fields = [("value", value_kind), ("p", "p"), ("ci_lower", "ci_lower"),
                  ("ci_upper", "ci_upper")]
        if table == "Table 4" or str(r.n) != "65":  # n is only printed where it differs
            fields.insert(0, ("n", "n"))
        for column, kind in fields:
            text = getattr(r, column)
            if isinstance(text, str) and text.strip():
                out.append((table, row, kind, float(text)))
    return (*out, *_TEXT_NUMBERS)


PUBLISHED: tuple[tuple[str, str, str, float], ...] = _published_numbers()

# Published values shown (by computation, see mirprog/datasets/reference_cohort.md and
# mirprog.audit) to be impossible or mutually inconsistent, with the reason.
INCONSISTENT: dict[tuple[str, str, str], str] = {
    ("Table 3", "age_gt", "ci_lower"): "CI 0.54–2.03 needs ≥ 35 relapses (SE ≥ 2/√d)",
    ("Table 3", "age_gt", "ci_upper"): "CI 0.54–2.03 needs ≥ 35 relapses (SE ≥ 2/√d)",
    ("Table 4", "Luminal B", "chi2"): "1.69 is neither a χ² with p 0.96 nor an HR in its CI",
}


# The paper does not say which group is the reference.  These rows' printed CIs fit only
# the reversed comparison (low vs high, negative vs positive): see the data card.
REVERSED = frozenset({"mir205_high", "pr_pos"})

# Explanations shown beside a number that is not reproduced, from the data card.
NOTES: dict[tuple[str, str, str], str] = {
    ("Table 3 multivariate", "mir125b_high", "p"): "follows from an HR within 5% of 6.35",
    ("Table 3 multivariate", "nodes_gt", "p"): "follows from an HR within 5% of 6.29",
    ("Model comparison", "combined", "neg2ll"): "stretch target; the −2LL values strain "
    "against the multivariate CIs (data card)",
    ("Model comparison", "without nodes_gt", "neg2ll"): "stretch target (data card)",
    ("Model comparison", "without nodes_gt", "p"): "stretch target (data card)",
    ("Model comparison", "without mir125b_high", "neg2ll"): "stretch target (data card)",
    ("Model comparison", "without mir125b_high", "p"): "stretch target (data card)",
}


def _reproduced(res: StudyResult, table: str, row: str, kind: str) -> float:
    """The computed counterpart of one published number (NaN when not computable)."""
    nan = float("nan")
    if table == "Table 3":
        f = res.table3.table
        if row not in f.index:
            return nan
        if row in REVERSED and kind in ("ci_lower", "ci_upper", "hr"):
            other = {"ci_lower": "ci_upper", "ci_upper": "ci_lower", "hr": "hr"}[kind]
            return 1.0 / _num(f.loc[row, other])
        col = {"chi2": "logrank_chi2", "p": "logrank_p"}.get(kind, kind)
        return _num(f.loc[row, col])
    if table == "Table 3 multivariate":
        fit = res.table3.selection.final
        if fit is None or row not in fit.summary.index:
            return nan
        return _num(fit.summary.loc[row, kind])
    if table == "Fig. 6B":
        return res.risk.logrank.p
    if table == "Model comparison":
        t = res.comparison.table
        name = row.replace("mir125b_high", f"{res.columns.marker}_high")
        return _num(t.loc[name, "neg2loglik" if kind == "neg2ll" else "p"])
    if table == "Table 4" and res.table4 is not None:
        f4 = res.table4.table
        if row not in f4.index:
            return nan
        col = {"chi2": "logrank_chi2", "p": "logrank_p", "n": "n"}.get(kind, kind)
        return _num(f4.loc[row, col])
    return nan


def _num(value: Any) -> float:
    return float(value)


def _decimals(value: float) -> int:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def compare_published(res: StudyResult) -> pd.DataFrame:
    """Every published number beside the reproduced one, with a status.

    Status: ``match`` (equal at the printed precision), ``within tolerance`` (10%, or
    ±0.10 for a χ²), ``differs``, ``published value inconsistent`` (shown impossible), or
    ``not computed``; ``note`` explains directions and best-effort targets.
    """
    rows = []
    for table, row, kind, published in PUBLISHED:
        got = _reproduced(res, table, row, kind)
        if (table, row, kind) in INCONSISTENT:
            status = "published value inconsistent: " + INCONSISTENT[(table, row, kind)]
        elif math.isnan(got):
            status = "not computed"
        elif round(got, _decimals(published)) == published or (
                kind == "p" and format_p(got, _decimals(published)) == f"{published}"):
            status = "match"
        elif abs(got - published) <= 0.10 * abs(published) or (
                kind == "chi2" and abs(got - published) <= 0.10):
            status = "within tolerance"
        else:
            status = "differs"
        note = NOTES.get((table, row, kind), "")
        if row in REVERSED and kind in ("ci_lower", "ci_upper") and table == "Table 3":
            note = "reversed comparison (low vs high), which the paper's CI fits"
        rows.append({"table": table, "row": row, "statistic": kind, "published": published,
                     "reproduced": got, "status": status, "note": note})
    return pd.DataFrame(rows)


def write_outputs(res: StudyResult, out: str | Path, *, compare: bool = True) -> list[Path]:
    """Write tables (CSV, Markdown, HTML), figures (PNG) and ``comparison.md`` into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(name: str, text: str) -> None:
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)

    t3 = res.table3
    write_csv(t3.table, out / "table3.csv")
    written.append(out / "table3.csv")
    save("table3.md", t3.to_markdown())
    save("table3.html", t3.to_html(caption="Table 3 — univariate and multivariate analyses"))
    if res.table4 is not None:
        write_csv(res.table4.table, out / "table4.csv")
        written.append(out / "table4.csv")
        save("table4.md", res.table4.to_markdown())
        save("table4.html", res.table4.to_html(caption="Table 4 — marker within subgroups"))
    write_csv(res.comparison.table, out / "model_comparison.csv")
    write_csv(res.risk.counts, out / "risk_groups.csv")
    written += [out / "model_comparison.csv", out / "risk_groups.csv"]
    if res.association is not None:
        write_csv(res.association.table, out / "association_marker_grade.csv")
        written.append(out / "association_marker_grade.csv")
    written += _figures(res, out)
    if compare:
        save("comparison.md", comparison_markdown(compare_published(res)))
    return written


def _figures(res: StudyResult, out: Path) -> list[Path]:
    try:
        from mirprog.present import plots
    except ImportError:  # pragma: no cover - plots ship with the package
        return []
    import matplotlib.pyplot as plt

    paths = []
    fig6a = ("fig6a_marker_km.png", plots.km_plot(res.marker_km, test=res.marker_logrank,
                                                  labels=marker_labels(res),
                                                  time_unit=res.columns.time_unit))
    if res.marker_cif is not None:   # competing causes: cumulative incidence, not 1 - KM
        plt.close(fig6a[1])
        fig6a = ("fig6a_marker_cif.png", plots.cif_plot(
            res.marker_cif, tests=res.marker_gray, labels=marker_labels(res),
            time_unit=res.columns.time_unit))
    for name, fig in (
        fig6a,
        ("fig6b_risk_groups_km.png", plots.km_plot(res.risk.km, test=[res.risk.logrank,
                                                                      res.risk.trend],
                                                   labels=risk_labels(res),
                                                   time_unit=res.columns.time_unit)),
    ):
        fig.savefig(out / name, dpi=150, bbox_inches="tight")
        plt.close(fig)
        paths.append(out / name)
    return paths


def marker_labels(res: StudyResult) -> dict[Hashable, str]:
    """Display labels of the marker's low (0) and high (1) groups."""
    return {0: f"{res.columns.marker} low", 1: f"{res.columns.marker} high"}


def risk_labels(res: StudyResult) -> dict[Hashable, str]:
    """Display labels of the A/B/C groups: how many adverse factors each carries."""
    words = {0: "neither adverse factor", 1: "one adverse factor", 2: "both adverse factors"}
    return {g: f"{g}: {words.get(i, f'{i} adverse factors')}"
            for i, g in enumerate(res.risk.labels)}


def comparison_markdown(table: pd.DataFrame) -> str:
    """``comparison.md``: published vs reproduced for every number, with status counts."""
    shown = table.assign(reproduced=[f"{v:.4g}" if np.isfinite(v) else "NA"
                                     for v in table["reproduced"]],
                         published=[f"{v:g}" for v in table["published"]])
    counts = table["status"].str.split(":").str[0].value_counts()
    head = ["# Published vs reproduced", "",
            "Every number the reference study prints, beside the same statistic computed by "
            "mirprog on this cohort (log-rank χ², Breslow Cox, median splits). The bundled "
            "cohort is SYNTHETIC, reconstructed from the published statistics; its data card "
            "(mirprog/datasets/reference_cohort.md) proves which published values are "
            "impossible and documents the search.", "",
            ", ".join(f"{k}: {v}" for k, v in counts.items()), ""]
    return "\n".join(head) + "\n" + render_markdown(shown)

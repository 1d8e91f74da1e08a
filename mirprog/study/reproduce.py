"""The reference study's whole analysis on one cohort (Tables 3 and 4, Fig. 6, model comparison).

``run_study`` computes everything through the public core; ``compare_published`` sets the
results beside the numbers printed in the paper; ``write_outputs`` writes tables and figures.
Nothing here is stored: perturb the cohort and every number changes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mirprog.data.cohort import Cohort
from mirprog.data.missing import parse_numbers
from mirprog.errors import (
    CauseError,
    CohortError,
    MirprogWarning,
    MonotoneLikelihoodWarning,
    format_ids,
)
from mirprog.factors.cutpoints import Cutpoints
from mirprog.factors.subtypes import st_gallen
from mirprog.output import write_csv
from mirprog.present.format import format_p, render_markdown
from mirprog.stats.association import AssociationResult, associate
from mirprog.stats.comparison import (
    CombinedComparison,
    RiskGroupResult,
    compare_combined,
    risk_groups,
)
from mirprog.stats.competing import CIFResult, GrayTestResult, cif, gray_test
from mirprog.stats.cox.phtest import PHTestResult, ph_test
from mirprog.stats.km import KMResult, km
from mirprog.stats.logrank import LogRankResult, logrank
from mirprog.study.paper import Table3Result, Table4Result, table3, table4

__all__ = ["PUBLISHED", "StudyColumns", "StudyResult", "compare_published", "run_study",
           "write_outputs"]


@dataclass(frozen=True)
class StudyColumns:
    """Which cohort columns play which role in the study (``None``: not available).

    Defaults are the bundled reference cohort's names.  Binary factors are
    derived as in the paper: age > ``age_cut``, size > ``size_cut`` mm,
    nodes > ``nodes_cut``, grade 3 vs 1-2; markers are split at the median.
    ``marker_adverse`` is the marker group counted as adverse in the A/B/C
    groups: 1 (high, as miR-125b in the paper) or 0 (low, e.g. progesterone
    receptor).  ``causes`` names the competing causes of the event column
    (``"1:recurrence,2:death"``, 0 = censored) and ``cause`` the study's event
    among them: the Cox and log-rank analyses are then cause-specific and the
    marker's curves are cumulative incidences, not 1 - Kaplan-Meier.
    """

    time: str = "rfs_years"
    event: str = "relapse"
    id: str | None = "id"
    marker: str = "mir125b"
    other_markers: tuple[str, ...] = ("mir205", "mir424")
    age: str | None = "age"
    size: str | None = "tumour_size_mm"
    nodes: str = "nodes"
    grade: str | None = "sbr_grade"
    er: str | None = "er"
    pr: str | None = "pr"
    her2: str | None = "her2"
    marker_adverse: int = 1
    time_unit: str | None = "years"
    age_cut: float = 50.0
    size_cut: float = 30.0
    nodes_cut: float = 3.0
    causes: str | None = None
    cause: str | None = None

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str]) -> StudyColumns:
        """Override roles by name, e.g. ``{"marker": "progrec", "time": "time"}``.

        ``"none"`` (any case) or an empty string marks a role as unavailable;
        ``other_markers`` takes a comma-separated list.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(mapping) - names)
        if unknown:
            raise CohortError(f"Unknown study roles {unknown}; known roles: {sorted(names)}.")
        values: dict[str, Any] = {}
        for key, value in mapping.items():
            text = str(value).strip()
            if key == "other_markers":
                values[key] = tuple(v for v in text.split(",") if v and v.lower() != "none")
            elif key.endswith("_cut"):
                values[key] = _number(key, text, float)
            elif key == "marker_adverse":
                values[key] = _number(key, text, int)
                if values[key] not in (0, 1):
                    raise CohortError(f"Study role marker_adverse must be 1 (high) or 0 "
                                      f"(low), got {text!r}.")
            elif key == "time_unit":
                values[key] = text or None
            else:
                values[key] = None if text.lower() in ("", "none") else text
        return replace(cls(), **values)


def study_causes(cols: StudyColumns) -> dict[int, str] | None:
    """The ``causes`` role (``"1:recurrence,2:death"``) as ``{1: "recurrence", 2: "death"}``."""
    if cols.causes is None:
        return None
    out: dict[int, str] = {}
    for part in cols.causes.split(","):
        code, sep, name = part.partition(":")
        if not sep or not code.strip().isdigit() or not name.strip():
            raise CohortError(f"Study role causes needs code:name pairs, e.g. "
                              f"causes=1:recurrence,2:death; got {cols.causes!r}.")
        out[int(code)] = name.strip()
    return out


def _number(role: str, text: str, kind: type) -> Any:
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        raise CohortError(f"Study role {role} needs a finite {kind.__name__} "
                          f"(e.g. {role}=3), got {text!r}.")
    return value


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


def _derive(cohort: Cohort, cols: StudyColumns) -> tuple[Cohort, Cutpoints, dict[str, str],
                                                         list[str]]:
    """Add the paper's binary factors; return the cohort, marker cutpoints, labels, candidates."""
    markers = [cols.marker, *cols.other_markers]
    cohort.require(*markers, cols.nodes, role="study")
    cuts = Cutpoints.fit(cohort, markers)
    cohort = cuts.apply(cohort)
    labels = {f"{m}_high": f"{m} (low; high)" for m in markers}
    candidates = list(labels)
    data = cohort.data
    new: dict[str, Any] = {}

    def binary(name: str, values: pd.Series, cut: float, label: str) -> None:
        numeric = study_numbers(values, str(values.name), name.removesuffix("_gt"))
        new[name] = (numeric > cut).astype("Float64").where(numeric.notna())
        labels[name] = label
        candidates.append(name)

    if cols.age:
        binary("age_gt", data[cols.age], cols.age_cut,
               f"Age (≤{cols.age_cut:g}; >{cols.age_cut:g})")
    if cols.size:
        binary("size_gt", data[cols.size], cols.size_cut,
               f"Tumour size (≤{cols.size_cut:g}; >{cols.size_cut:g} mm)")
    binary("nodes_gt", data[cols.nodes], cols.nodes_cut,
           f"Lymph nodes (≤{cols.nodes_cut:g}; >{cols.nodes_cut:g})")
    if cols.grade:
        g = study_numbers(data[cols.grade], cols.grade, "grade", (1, 2, 3))
        present = set(g.dropna().astype(int))
        if 3 in present and present - {3}:
            new["grade3"] = (g == 3).astype("Float64").where(g.notna())
            labels["grade3"] = "Grade (SBR1+2; SBR3)"
            candidates.append("grade3")
        for a, b in ((1, 2), (1, 3), (2, 3)):
            name = f"sbr{a}v{b}"
            if not {a, b} <= present:
                missing = sorted({a, b} - present)
                warnings.warn(f"Grade {' and '.join(f'SBR{m}' for m in missing)} does not occur "
                              f"in {cols.grade!r}: the contrast SBR{a} vs SBR{b} is left out of "
                              "Table 3.", MirprogWarning, stacklevel=3)
                continue
            new[name] = (g == b).astype("Float64").where(g.isin([a, b]))
            labels[name] = f"Grade (SBR{a}; SBR{b})"
    for role, label in (("er", "ER"), ("pr", "PR"), ("her2", "HER2")):
        column = getattr(cols, role)
        if column:
            new[f"{role}_pos"] = study_numbers(data[column], column, role, (0, 1)).astype(
                "Float64")
            labels[f"{role}_pos"] = f"{label} status (negative; positive)"
            candidates.append(f"{role}_pos")
    return cohort.assign(**new), cuts, labels, candidates


def run_study(cohort: Cohort, columns: StudyColumns | None = None, *,
              ties: str = "breslow") -> StudyResult:
    """Run the reference study's analysis on ``cohort``.

    Table 3 (log-rank and Cox per factor, backward-selected multivariate Cox),
    the marker's KM curves and log-rank test (Fig. 6A), the A/B/C groups of
    marker x nodes (Fig. 6B), the -2 log-likelihood comparison of marker +
    nodes against each alone, Table 4 (marker within HR+/HER2-, luminal A and
    luminal B; needs ER, PR, HER2 and grade) and the Fisher association of the
    marker with grade.

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
    competing = None
    if cohort.causes is not None:   # the study's event, cause-specific; CIF for its curves
        if cols.cause is None:
            raise CauseError(f"The cohort has competing causes {cohort.causes}: name the "
                             "study's event among them (--map cause=<name>, or "
                             "StudyColumns(cause=...)).", column=cohort.event_col)
        competing, cohort = cohort, cohort.for_cause(cols.cause)
    derived, cuts, labels, candidates = _derive(cohort, cols)
    factor_labels = {label: name for name, label in labels.items()}
    t3 = table3(derived, clinical=factor_labels, ties=ties,  # type: ignore[arg-type]
                candidates=candidates)
    marker_col = f"{cols.marker}_high"
    risk = risk_groups(derived, {marker_col: cols.marker_adverse, "nodes_gt": 1})
    comparison = compare_combined(derived, [marker_col, "nodes_gt"],
                                  ties=ties)  # type: ignore[arg-type]
    t4 = None
    if cols.er and cols.pr and cols.her2 and cols.grade:
        typed = st_gallen(derived, er=cols.er, pr=cols.pr, her2=cols.her2, grade=cols.grade)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MonotoneLikelihoodWarning)
            t4 = table4(typed, marker_col, {"HR+/HER2−": "hr_pos_her2_neg",
                                            "Luminal A": "luminal_a", "Luminal B": "luminal_b"},
                        ties=ties)  # type: ignore[arg-type]
        derived = typed
    assoc = associate(derived, marker_col, cols.grade) if cols.grade else None
    final = t3.selection.final
    ph = None
    if final is not None:  # scaled Schoenfeld test of the multivariate model, on its own rows
        ph = ph_test(final, derived.subset(np.isin(derived.ids, final.ids)))
    marker_cif = marker_gray = None
    if competing is not None:
        with_marker = competing.assign(**{marker_col: derived.data[marker_col]})
        marker_cif = cif(with_marker, by=marker_col)
        marker_gray = gray_test(with_marker, by=marker_col, cause=str(derived.cause))
    return StudyResult(ph=ph, cohort=derived, columns=cols, cutpoints=cuts, table3=t3,
                       marker_cif=marker_cif, marker_gray=marker_gray,
                       marker_km=km(derived, by=marker_col),
                       marker_logrank=logrank(derived, by=marker_col), risk=risk,
                       comparison=comparison, table4=t4, association=assoc, labels=labels)


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

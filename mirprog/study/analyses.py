"""The steps of a study run: each adds its results to one endpoint's :class:`Build`.

:func:`mirprog.study.run.run_study_file` calls them in order (markers, factors, the factor
table, model comparisons, validation cohorts, subgroups and associations, the signature);
each only calls mirprog's public verbs, so the numbers are the library's, and adds the
checks a study file needs (a continuous column where a binary factor is expected, absent
levels, subgroup columns, signature levels).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mirprog.data.cohort import Cohort
from mirprog.errors import CohortError, MirprogError, MirprogWarning, StudyFileError
from mirprog.factors.cutpoints import Cutpoints
from mirprog.study.spec import Factor, StudySpec, Subgroup, line_of

__all__ = ["Build", "add_comparisons", "add_factors", "add_markers", "add_signature",
           "add_subgroups", "add_tables", "add_validations", "endpoint_cohort", "read_frame"]


def read_frame(study: StudySpec, source: Any = None) -> pd.DataFrame:
    """The table of the study's cohort, or of ``source`` (a :class:`Validation`)."""
    src = source or study
    if source is None and study.cohort_file is None and study.dataset is None:
        raise StudyFileError("cohort: the study names no cohort: give file = \"...\" or "
                             "dataset = \"...\" in [cohort], or pass cohort= to run().")
    dataset = src.dataset
    if dataset is not None:
        from mirprog import datasets

        loader = {"gbsg2": datasets.load_gbsg2, "reference": datasets.load_reference_cohort}
        return loader[dataset]().data
    from mirprog.data.reading import read_table

    path = Path((source.file if source is not None else study.cohort_file) or "")
    if not path.is_absolute():
        path = study.base / path
    return read_table(path, sheet=src.sheet, id=src.id)


def add_validations(study: StudySpec, b: Build, ep: Any) -> None:
    """Each validation cohort of this endpoint: the multivariable model, frozen, on it."""
    from mirprog.stats.factor_table import Table3Result
    from mirprog.stats.validation import validate

    todo = [v for v in study.validations if (v.endpoint or study.endpoints[0].name) == ep.name]
    table = next((r for _, r in b.items if isinstance(r, Table3Result)), None)
    final = None if table is None else table.selection.final
    if todo and final is None:
        warnings.warn(f"endpoint {ep.name!r}: no multivariable model was selected, so there "
                      "is none to validate.", MirprogWarning, stacklevel=3)
        return
    for v in todo:
        unit = v.time_unit or study.time_unit
        try:
            cohort = Cohort(read_frame(study, v), time=v.time or ep.time, event=v.event or ep.event,
                            id=v.id, time_unit=unit)  # type: ignore[arg-type]
        except MirprogError as exc:
            raise type(exc)(f"validation {v.name!r}: {exc}") from exc
        if unit != b.cohort.time_unit:
            raise StudyFileError(f"validation {v.name!r}: its times are in {unit} but the "
                                 f"model's in {b.cohort.time_unit}; give both the same unit.")
        for cut in b.cuts:            # the development cohort's thresholds, frozen
            cohort = cut.apply(cohort)
        for i, f in enumerate(study.factors):
            if f.key in b.derived:
                cohort, _ = _factor_column(study, cohort, f, i)
        b.items.append((f"Validation on {v.name}", validate(final, cohort,
                                                             horizons=list(v.horizons))))


def _event_codes(frame: pd.DataFrame, ep: Any) -> Any:
    """``event_values`` with TOML's text keys read as numbers when the column holds numbers
    (``{ "2" = 1, "1" = 0 }`` for R's 1/2 coding: TOML keys are always text)."""
    codes = ep.event_values
    if codes is None or ep.event not in frame.columns or \
            not pd.api.types.is_numeric_dtype(frame[ep.event]):
        return codes
    out: dict[Any, int] = {}
    for key, value in codes.items():
        try:
            number = float(key)
        except (TypeError, ValueError):
            out[key] = value
            continue
        out[int(number) if number.is_integer() else number] = value
    return out


def endpoint_cohort(study: StudySpec, source: pd.DataFrame | Cohort, ep: Any
                     ) -> tuple[Cohort, Cohort | None]:
    """The endpoint's analysis cohort and, with competing causes, the cohort of every cause."""
    if isinstance(source, Cohort):
        cohort = source
    else:
        try:
            cohort = Cohort(source, time=ep.time, event=ep.event, id=study.id,
                            event_values=_event_codes(source, ep), causes=ep.causes,
                            time_unit=study.time_unit)  # type: ignore[arg-type]
        except MirprogError as exc:
            raise type(exc)(f"endpoint {ep.name!r}: {exc}") from exc
    if cohort.causes is None:
        return cohort, None
    if ep.cause is None:
        raise StudyFileError(f"endpoint {ep.name!r}: the cohort has competing causes "
                             f"{cohort.causes}; name the endpoint's event (cause = ...).")
    return cohort.for_cause(ep.cause), cohort


def _named(cohort: Cohort, f: Factor, values: pd.Series, derived: str) -> tuple[Cohort, str]:
    """The factor's analysis column under its ``name`` (numbers as nullable floats)."""
    if f.name is None or f.name == derived:
        return cohort, derived
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        values = values.astype("Float64")
    return cohort.assign(**{f.name: values}), f.name


def _left_out(f: Factor, why: str) -> None:
    warnings.warn(f"{f.label}: {why}; the factor is left out of the analyses.", MirprogWarning,
                  stacklevel=4)


def _contrast(cohort: Cohort, f: Factor) -> tuple[Cohort, str | None]:
    """``levels = [a, b]``: 1 at level b, 0 at level a, missing elsewhere."""
    a, b = f.levels
    values = cohort.column(f.column)
    if pd.api.types.is_numeric_dtype(values) and not all(
            isinstance(v, int | float) for v in f.levels):
        raise StudyFileError(f"{f.label}: levels {list(f.levels)} are text but {f.column!r} "
                             "holds numbers.")
    present = set(values.dropna())
    missing = [v for v in (a, b) if v not in present]
    if missing:
        _left_out(f, f"level {' and '.join(map(str, missing))} does not occur in "
                     f"{f.column!r}")
        return cohort, None
    out = (values == b).astype("Float64").where(values.isin([a, b]))
    name = f.name or f"{f.column}_{b}v{a}"
    return cohort.assign(**{name: out}), name


def _factor_column(study: StudySpec, cohort: Cohort, f: Factor, i: int
                   ) -> tuple[Cohort, str | None]:
    """The factor's analysis column: cut, a contrast, or checked binary/categorical/continuous.

    None (with a warning) when the column cannot be analysed in this cohort: a contrast
    whose level is absent, or a cut that leaves every patient on one side.
    """
    cohort.require(f.column, role=f"factor[{i}]")
    if f.levels:
        return _contrast(cohort, f)
    if f.cut is not None:
        cut = Cutpoints.fit(cohort, f.column, rule="fixed", thresholds={f.column: f.cut})
        cut_cohort = cut.apply(cohort)
        derived = cut.cutpoints[0].column
        split = cut_cohort.column(derived)
        if split.dropna().nunique() < 2:
            _left_out(f, f"every patient with a known {f.column!r} lies on one side of "
                         f"{f.cut:g}")
            return cohort, None
        return _named(cut_cohort, f, split, derived)
    values = cohort.column(f.column).dropna()
    if f.categorical:
        if f.reference is not None and f.reference not in set(values):
            line = line_of(study.text, "reference", "factor", i)
            raise StudyFileError(
                f"factor[{i}].reference (line {line}): {f.reference!r} is not a value of "
                f"{f.column!r}; its values are {sorted(map(str, set(values)))[:10]}.")
        return cohort, f.column
    if f.continuous:
        if not pd.api.types.is_numeric_dtype(values):
            raise StudyFileError(f"factor[{i}] {f.column!r} is continuous = true but holds "
                                 "text; use categorical = true.")
        return cohort, f.column
    if values.nunique() > 2:
        line = line_of(study.text, "column", "factor", i)
        raise StudyFileError(
            f"factor[{i}].column (line {line}): {f.column!r} has {values.nunique()} distinct "
            "values, so it is not a binary factor; say how to use it: cut = <value> (above "
            "it is high), categorical = true (with reference =), or continuous = true, or "
            "list it as a [[marker]].")
    return _named(cohort, f, cohort.column(f.column), f.column)


def _mask(cohort: Cohort, sub: Subgroup) -> np.ndarray:
    ops = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
           ">": np.greater, ">=": np.greater_equal}
    mask = np.ones(cohort.n, dtype=bool)
    for col, op, value in sub.conditions:
        try:
            cohort.require(col, role=f"subgroup {sub.name!r}")
        except CohortError as exc:
            raise StudyFileError(f"subgroups.{sub.name}: {exc}") from exc
        series = cohort.column(col)
        known = series.notna().to_numpy()
        if op in ("==", "!=") and not pd.api.types.is_numeric_dtype(series):
            hit = (series.astype(str) == str(value)).to_numpy()
            got = hit if op == "==" else ~hit
        else:
            try:
                got = ops[op](series.to_numpy(dtype=float), float(value))
            except (TypeError, ValueError) as exc:
                raise StudyFileError(f"subgroups.{sub.name}: {col} {op} {value!r} compares "
                                     "text with a number.") from exc
        mask &= got & known
    if not mask.any():
        raise StudyFileError(f"subgroups.{sub.name}: no patient meets "
                             f"{' and '.join(f'{c} {o} {v!r}' for c, o, v in sub.conditions)}.")
    return mask


def _indicator(cohort: Cohort, sub: Subgroup) -> None:
    """A subgroup given as a column: it must be 0/1 or True/False (missing allowed)."""
    assert sub.column is not None
    try:
        cohort.require(sub.column, role=f"subgroup {sub.name!r}")
    except CohortError as exc:
        raise StudyFileError(f"subgroups.{sub.name}: {exc}") from exc
    values = set(cohort.column(sub.column).dropna())
    if not values <= {0, 1}:
        raise StudyFileError(f"subgroups.{sub.name}: {sub.column!r} is not a 0/1 indicator "
                             f"(values {sorted(map(str, values))[:5]}); write a condition "
                             "such as \"column == 'level'\".")


def _adverse(study: StudySpec, cohort: Cohort, col: str, derived: str) -> Any:
    """The adverse level of a signature column (markers: their ``adverse`` side)."""
    for m in study.markers:
        if m.column == col:
            return 1 if m.adverse == "high" else 0
    for f in study.factors:
        if f.key == col:
            if f.adverse is not None:
                return 1 if f.adverse == "high" and f.cut is not None else f.adverse
            if f.cut is not None:
                return 1
            levels = sorted(cohort.column(derived).dropna().unique())
            if len(levels) == 2:
                return levels[1]
            raise StudyFileError(f"signature: say which level of {col!r} is adverse "
                                 "(adverse = ... in its [[factor]]).")
    raise StudyFileError(f"signature: {col!r} is not a marker or factor.")


def _power_note(cohort: Cohort, by: str, label: str) -> str:
    """REMARK: the power of the main comparison for its events, and the events for 80%."""
    from mirprog.stats.cox.coxph import cox
    from mirprog.stats.power import events_needed, power_cox

    values = cohort.column(by).dropna()
    if values.nunique() != 2:
        return f"{by} has {values.nunique()} groups: no two-group power is computed."
    fit = cox(cohort, [by])
    hr = float(fit.summary["hr"].iloc[0])
    share = float((values == values.max()).mean())
    text = (f"With {fit.events} events and {share:.0%} of patients in the {label} high "
            "group, a two-sided 5% test has")
    parts = []
    for target in (hr, 1.5, 2.0):
        if abs(np.log(target)) < 1e-9:
            continue
        p = power_cox(target, fit.events, alloc=share)
        parts.append(f"{p:.0%} power for HR {target:.2f}" + (" (the observed)" if
                                                            target == hr else ""))
    need = events_needed(1.5, alloc=share)
    return (text + " " + ", ".join(parts) + f"; {int(np.ceil(need))} events would give 80% "
            "power for HR 1.5 (Schoenfeld). A post-hoc power at the observed HR adds nothing "
            "to its p-value; the power for a clinically relevant HR is the number to report.")


@dataclass
class Build:
    """What one endpoint's run has built so far (the cohort grows derived columns)."""

    cohort: Cohort
    competing: Cohort | None = None
    items: list[tuple[str, Any]] = field(default_factory=list)
    derived: dict[str, str] = field(default_factory=dict)    # study key -> analysis column
    labels: dict[str, str] = field(default_factory=dict)     # label -> analysis column
    candidates: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    reference: dict[str, Any] = field(default_factory=dict)
    cuts: list[Cutpoints] = field(default_factory=list)


def add_markers(study: StudySpec, b: Build) -> None:
    from mirprog.stats.competing import cif, gray_test
    from mirprog.stats.km import km
    from mirprog.stats.logrank import logrank

    for m in study.markers:
        b.cohort.require(m.column, role="marker")
        cut = Cutpoints.fit(b.cohort, m.column, rule=m.rule,  # type: ignore[arg-type]
                            q=list(m.q) or None,
                            thresholds={m.column: list(m.threshold)} if m.threshold else None)
        b.cohort = cut.apply(b.cohort)
        b.cuts.append(cut)
        if m.rule == "optimal":
            b.items += _optimal(study, b.cohort, m)
        by = b.derived[m.column] = cut.cutpoints[0].column
        b.labels[m.label] = by
        b.candidates.append(by)
        if len(cut.cutpoints[0].thresholds) > 1:   # groups 1..k: a HR per group against 1
            b.categorical.append(by)
            b.reference[by] = 1
        if not study.analyses["km"]:
            continue
        a = study.analyses
        test = logrank(b.cohort, by=by, strata=list(a["strata"]) or None,
                       weighting=a["weighting"], p=a["fh_p"], q=a["fh_q"])
        name = "Log-rank" if test.method == "log-rank" else f"Log-rank ({test.method})"
        b.items += [(f"KM by {m.label}", km(b.cohort, by=by)),
                    (f"{name} by {m.label}", test)]
        if b.competing is not None:     # the marker's curves as cumulative incidences
            with_marker = b.competing.assign(**{by: b.cohort.data[by]})
            b.items += [(f"Cumulative incidence by {m.label}", cif(with_marker, by=by)),
                        (f"Gray's test by {m.label}",
                         gray_test(with_marker, by=by, cause=str(b.cohort.cause)))]
        if m is study.markers[0]:
            b.items.append((f"Power of the {m.label} comparison",
                            _power_note(b.cohort, by, m.label)))


def _optimal(study: StudySpec, cohort: Cohort, m: Any) -> list[tuple[str, Any]]:
    """An optimal cutpoint's search-corrected p and its out-of-fold hazard ratio."""
    from mirprog.factors.cutpoints import optimal_cutpoint
    from mirprog.stats.cutpoint_cv import cv_optimal_cutpoint

    a = study.analyses
    return [(f"Optimal cutpoint of {m.label} (p corrected for the search)",
             optimal_cutpoint(cohort, m.column)),
            (f"Cross-validated cutpoint of {m.label} (out-of-fold HR)",
             cv_optimal_cutpoint(cohort, m.column, seed=a["seed"], ties=a["ties"]))]


def _firth(study: StudySpec, b: Build, table: Any) -> None:
    """Firth-penalised Cox for each univariate row whose likelihood is monotone."""
    from mirprog.stats.cox.coxph import cox

    rows = table.table
    monotone = rows["monotone"].fillna(False).astype(bool)
    for _, row in rows[monotone].iterrows():
        col = str(row["factor"])
        b.items.append((f"Firth-penalised Cox: {row['label']} (a group without events)",
                        cox(b.cohort, [col], ties=study.analyses["ties"], firth=True,
                            **_levels(b, [col]))))


def _levels(b: Build, cols: list[str]) -> dict[str, Any]:
    """``categorical=`` and ``reference=`` of :func:`mirprog.cox` for these columns."""
    cat = [c for c in cols if c in b.categorical]
    ref = {c: v for c, v in b.reference.items() if c in cols}
    return {"categorical": cat or None, "reference": ref or None}


def add_comparisons(study: StudySpec, b: Build) -> None:
    """Each [[comparison]]: both models on the full model's patients, LR test."""
    from mirprog.stats.comparison import compare_models
    from mirprog.stats.cox.coxph import cox

    for c in study.comparisons:
        missing = [k for k in c.full if k not in b.derived]
        if missing:
            warnings.warn(f"comparison {c.name!r}: {missing[0]!r} was left out of this cohort, "
                          "so the comparison is not made.", MirprogWarning, stacklevel=3)
            continue
        ties = study.analyses["ties"]
        full = [b.derived[k] for k in c.full]
        big = cox(b.cohort, full, ties=ties, **_levels(b, full))
        same = b.cohort.subset(np.isin(b.cohort.ids, big.ids))
        red = [b.derived[k] for k in c.reduced]
        small = cox(same, red, ties=ties, **_levels(b, red))
        b.items.append((f"Model comparison: {c.name}", compare_models(big, small)))


def add_factors(study: StudySpec, b: Build) -> None:
    for i, f in enumerate(study.factors):
        cohort, col = _factor_column(study, b.cohort, f, i)
        if col is None:
            continue
        b.cohort = cohort
        b.derived[f.key] = col
        b.labels[f.label] = col
        if f.multivariate:
            b.candidates.append(col)
        if f.categorical:
            b.categorical.append(col)
            if f.reference is not None:
                b.reference[col] = f.reference


def add_tables(study: StudySpec, b: Build) -> None:
    from mirprog.stats.cox.phtest import ph_test
    from mirprog.stats.factor_table import factor_table

    a = study.analyses
    if not (a["univariate"] or a["multivariate"]) or not b.labels:
        return
    table = factor_table(b.cohort, clinical=b.labels, ties=a["ties"], p_enter=a["p_enter"],
                         p_remove=a["p_remove"], method=a["selection"],
                         categorical=b.categorical or None, reference=b.reference or None,
                         candidates=b.candidates)
    b.items.append(("Univariate and multivariate analyses", table))
    _firth(study, b, table)
    final = table.selection.final
    if a["ph_test"] and final is not None:   # on the model's own rows
        rows = b.cohort.subset(np.isin(b.cohort.ids, final.ids))
        b.items.append(("Proportional hazards of the multivariate model", ph_test(final, rows)))


def add_subgroups(study: StudySpec, b: Build) -> None:
    from mirprog.factors.subtypes import st_gallen
    from mirprog.stats.association import associate
    from mirprog.stats.subgroup_table import subgroup_table

    if study.subtypes is not None:
        t = study.subtypes
        b.cohort.require(t.er, t.pr, t.her2, t.grade, role="subtypes")
        b.cohort = st_gallen(b.cohort, er=t.er, pr=t.pr, her2=t.her2, grade=t.grade,
                             high_grade=t.high_grade)
    if study.analyses["subgroups"] and study.subgroups and study.markers:
        groups: dict[str, Any] = {s.name: s.column if s.column is not None
                                  else _mask(b.cohort, s) for s in study.subgroups}
        for s in study.subgroups:
            if s.column is not None:
                _indicator(b.cohort, s)
        first = study.markers[0]
        table = subgroup_table(b.cohort, b.derived[first.column], groups,
                               ties=study.analyses["ties"])
        b.items.append((f"{first.label} within subgroups", table))
        if table.table["note"].astype(str).str.startswith("not estimable").any():
            b.items.append((f"{first.label} within subgroups, Firth-penalised",
                            subgroup_table(b.cohort, b.derived[first.column], groups,
                                           ties=study.analyses["ties"], firth=True)))
    for col in study.associations:
        b.cohort.require(col, role="association")
        first = study.markers[0]
        b.items.append((f"Association of {first.label} with {col}",
                        associate(b.cohort, b.derived[first.column], col)))


def add_signature(study: StudySpec, b: Build) -> None:
    from mirprog.stats.comparison import compare_combined, risk_groups

    if not (study.analyses["signature"] and study.signature):
        return
    missing = [c for c in study.signature if c not in b.derived]
    if missing:
        raise StudyFileError(f"signature: {missing[0]!r} was left out of this cohort (see the "
                             "notes), so the combined signature cannot be formed.")
    cols = [b.derived[c] for c in study.signature]
    adverse = {b.derived[c]: _adverse(study, b.cohort, c, b.derived[c])
               for c in study.signature}
    groups = risk_groups(b.cohort, adverse)
    b.items += [("Combined signature: risk groups", groups),
                ("Combined signature: KM by risk group", groups.km),
                ("Combined signature: model comparison",
                 compare_combined(b.cohort, cols, ties=study.analyses["ties"]))]



"""Run a study file: every analysis it asks for, per endpoint, through the public verbs.

The runner only calls mirprog's own functions (``Cutpoints``, ``km``, ``logrank``,
``factor_table``, ``ph_test``, ``subgroup_table``, ``risk_groups``,
``compare_combined``), so its numbers are the library's; it adds the checks a study
file needs (a continuous column where a binary factor is expected, subgroup columns,
signature levels) and keeps every result, in order, for the report and the files.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mirprog.data.cohort import Cohort
from mirprog.errors import CohortError, MirprogError, StudyFileError
from mirprog.factors.cutpoints import Cutpoints
from mirprog.study.spec import Factor, StudySpec, Subgroup, line_of

if TYPE_CHECKING:
    from mirprog.present.report import Report


@dataclass(frozen=True)
class Study(StudySpec):
    """A whole study written down once: read it with :meth:`from_toml`, run it with :meth:`run`.

    The file (TOML; ``mirprog study --template`` prints a commented one) names the cohort
    and its roles, one or more endpoints, markers with their cut rule, clinical factors
    (cut, categorical with a reference level, or continuous), subgroups, a combined
    signature and which analyses to run.

    Examples
    --------
    >>> import mirprog as mp
    >>> study = mp.Study.from_toml(text=mp.Study.template())
    >>> [e.name for e in study.endpoints], [m.column for m in study.markers]
    (['RFS'], ['progrec', 'estrec'])
    >>> run = study.run()
    >>> run.endpoints["RFS"].cohort.n
    686
    """

    def run(self, *, progress: bool = False) -> StudyRun:
        """Run every analysis the file asks for, per endpoint (:func:`run_study_file`)."""
        return run_study_file(self, progress=progress)

__all__ = ["EndpointRun", "Study", "StudyRun", "run_study_file"]


@dataclass(frozen=True)
class EndpointRun:
    """Everything computed for one endpoint, as (heading, result) pairs in report order."""

    name: str
    cohort: Cohort
    items: tuple[tuple[str, Any], ...]
    notes: tuple[str, ...] = ()

    def get(self, heading: str) -> Any:
        """The result under ``heading`` (KeyError when the study did not ask for it)."""
        for h, r in self.items:
            if h == heading:
                return r
        raise KeyError(heading)


@dataclass(frozen=True)
class StudyRun:
    """The results of a study file, per endpoint.

    Attributes
    ----------
    study : Study
    endpoints : dict of str to EndpointRun
    """

    study: StudySpec
    endpoints: dict[str, EndpointRun] = field(default_factory=dict)

    def report(self, path: str | Path | None = None) -> Report:
        """The HTML report of every endpoint (the study file embedded), via ``mp.report``."""
        from mirprog.study.report import report

        items: list[Any] = [("Methods", _methods(self.study))]
        for ep in self.endpoints.values():
            c = ep.cohort
            items.append((f"{ep.name}: cohort",
                          f"{c.n} patients, {c.n_events} events ({ep.name}); time in "
                          f"{c.time_unit or 'the file’s unit'}."))
            items += [(f"{ep.name}: note", n) for n in ep.notes]
            items += [(f"{ep.name}: {h}", r) for h, r in ep.items]
        return report(*items, title=self.study.title, path=path,
                      time_unit=self.study.time_unit, study_file=self.study.text)

    def save(self, out: str | Path) -> list[Path]:
        """Write report.html, tables.xlsx, one CSV per table and PNG/SVG/PDF figures to ``out``."""
        from mirprog.output import write_csv, write_xlsx
        from mirprog.present.plots import km_plot

        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        written = [self.report(folder / "report.html").path]
        sheets: dict[str, pd.DataFrame] = {}
        for ep in self.endpoints.values():
            logrank = {getattr(r, "by", None): r for h, r in ep.items
                       if type(r).__name__ == "LogRankResult"}
            for heading, res in ep.items:
                if not hasattr(res, "to_frame"):
                    continue
                stem = _stem(f"{ep.name}_{heading}")
                frame = res.to_frame()
                sheets[stem] = frame
                path = folder / f"{stem}.csv"
                write_csv(frame, path)
                written.append(path)
                if type(res).__name__ == "KMResult":
                    fig = km_plot(res, test=logrank.get(res.by), time_unit=ep.cohort.time_unit)
                    for ext in ("png", "svg", "pdf"):
                        fig.savefig(folder / f"{stem}.{ext}", bbox_inches="tight")
                        written.append(folder / f"{stem}.{ext}")
                    import matplotlib.pyplot as plt

                    plt.close(fig)
        written.append(write_xlsx(sheets, folder / "tables.xlsx"))
        return [p for p in written if p is not None]


def _stem(text: str) -> str:
    keep = "".join(ch if ch.isalnum() else "_" for ch in text.lower())
    return "_".join(p for p in keep.split("_") if p)[:60]


def _frame(study: StudySpec) -> pd.DataFrame:
    if study.dataset is not None:
        from mirprog import datasets

        loader = {"gbsg2": datasets.load_gbsg2, "reference": datasets.load_reference_cohort}
        return loader[study.dataset]().data
    from mirprog.data.reading import read_table

    path = Path(study.cohort_file or "")
    if not path.is_absolute():
        path = study.base / path
    return read_table(path, sheet=study.sheet, id=study.id)


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


def _endpoint_cohort(study: StudySpec, frame: pd.DataFrame, ep: Any) -> Cohort:
    try:
        return Cohort(frame, time=ep.time, event=ep.event, id=study.id,
                      event_values=_event_codes(frame, ep),
                      time_unit=study.time_unit)  # type: ignore
    except MirprogError as exc:
        raise type(exc)(f"endpoint {ep.name!r}: {exc}") from exc


def _factor_column(study: StudySpec, cohort: Cohort, f: Factor, i: int) -> tuple[Cohort, str]:
    """The factor's analysis column: cut, or checked to be binary, categorical or continuous."""
    cohort.require(f.column, role=f"factor[{i}]")
    if f.cut is not None:
        cut = Cutpoints.fit(cohort, f.column, rule="fixed", thresholds={f.column: f.cut})
        return cut.apply(cohort), cut.cutpoints[0].column
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
    return cohort, f.column


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


def _adverse(study: StudySpec, cohort: Cohort, col: str, derived: str) -> Any:
    """The adverse level of a signature column (markers: their ``adverse`` side)."""
    for m in study.markers:
        if m.column == col:
            return 1 if m.adverse == "high" else 0
    for f in study.factors:
        if f.column == col:
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


def _power_note(cohort: Cohort, by: str) -> str:
    """REMARK: the power of the main comparison for its events, and the events for 80%."""
    from mirprog.stats.cox.coxph import cox
    from mirprog.stats.power import events_needed, power_cox

    values = cohort.column(by).dropna()
    if values.nunique() != 2:
        return f"{by} has {values.nunique()} groups: no two-group power is computed."
    fit = cox(cohort, [by])
    hr = float(fit.summary["hr"].iloc[0])
    share = float((values == values.max()).mean())
    text = (f"With {fit.events} events and {share:.0%} of patients in the {by} = "
            f"{values.max()} group, a two-sided 5% test has")
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


def _methods(study: StudySpec) -> str:
    a = study.analyses
    rules = ", ".join(f"{m.label} ({m.rule})" for m in study.markers) or "none"
    text = (f"Markers were split by the rule named in the study file: {rules}; a median split "
            "puts values strictly above the median in the high group. Survival curves are "
            "Kaplan–Meier estimates with Greenwood variance and log CIs, compared with the "
            f"log-rank test. Hazard ratios come from Cox models with {a['ties']} ties and Wald "
            "95% CIs. Factors with a univariate p below "
            f"{a['p_enter']:g} entered a multivariable model reduced by backward elimination "
            f"({a['selection'].upper()} p to remove >= {a['p_remove']:g}). Proportional "
            "hazards were checked with scaled Schoenfeld residuals (KM time transform, as R "
            "cox.zph). Follow-up is the reverse Kaplan–Meier median.")
    if len(study.markers) > 1:
        text += (f" {len(study.markers)} markers were tested: their p-values are not adjusted "
                 "for multiplicity here; mp.screen gives FDR q-values.")
    return text


def _one_endpoint(study: StudySpec, frame: pd.DataFrame, ep: Any) -> EndpointRun:
    from mirprog.stats.comparison import compare_combined, risk_groups
    from mirprog.stats.cox.phtest import ph_test
    from mirprog.stats.factor_table import factor_table
    from mirprog.stats.follow_up import follow_up
    from mirprog.stats.km import km
    from mirprog.stats.logrank import logrank
    from mirprog.stats.subgroup_table import subgroup_table

    a = study.analyses
    cohort = _endpoint_cohort(study, frame, ep)
    items: list[tuple[str, Any]] = [("Follow-up (reverse Kaplan–Meier)", follow_up(cohort))]
    notes: list[str] = []
    derived: dict[str, str] = {}
    labels: dict[str, str] = {}
    for m in study.markers:
        cohort.require(m.column, role="marker")
        cut = Cutpoints.fit(cohort, m.column, rule=m.rule,  # type: ignore[arg-type]
                            q=list(m.q) or None,
                            thresholds={m.column: list(m.threshold)} if m.threshold else None)
        cohort = cut.apply(cohort)
        derived[m.column] = cut.cutpoints[0].column
        labels[m.label] = derived[m.column]
        if a["km"]:
            by = derived[m.column]
            items += [(f"KM by {m.label}", km(cohort, by=by)),
                      (f"Log-rank by {m.label}", logrank(cohort, by=by))]
            if m is study.markers[0]:
                items.append((f"Power of the {m.label} comparison", _power_note(cohort, by)))
    categorical, reference = [], {}
    for i, f in enumerate(study.factors):
        cohort, col = _factor_column(study, cohort, f, i)
        derived[f.column] = col
        labels[f.label] = col
        if f.categorical:
            categorical.append(col)
            if f.reference is not None:
                reference[col] = f.reference
    if a["univariate"] or a["multivariate"]:
        table = factor_table(cohort, clinical=labels, ties=a["ties"], p_enter=a["p_enter"],
                             p_remove=a["p_remove"], method=a["selection"],
                             categorical=categorical or None, reference=reference or None)
        items.append(("Univariate and multivariate analyses", table))
        final = table.selection.final
        if a["ph_test"] and final is not None:
            items.append(("Proportional hazards of the multivariate model",
                          ph_test(final, cohort)))
    if a["subgroups"] and study.subgroups and study.markers:
        masks = {s.name: _mask(cohort, s) for s in study.subgroups}
        items.append((f"{study.markers[0].label} within subgroups",
                      subgroup_table(cohort, derived[study.markers[0].column], masks,
                                     ties=a["ties"])))
    if a["signature"] and study.signature:
        cols = [derived[c] for c in study.signature]
        adverse = {derived[c]: _adverse(study, cohort, c, derived[c]) for c in study.signature}
        groups = risk_groups(cohort, adverse)
        items.append(("Combined signature: risk groups", groups))
        items.append(("Combined signature: KM by risk group", groups.km))
        items.append(("Combined signature: model comparison",
                      compare_combined(cohort, cols, ties=a["ties"])))
    return EndpointRun(name=ep.name, cohort=cohort, items=tuple(items), notes=tuple(notes))


def run_study_file(study: StudySpec, *, progress: bool = False) -> StudyRun:
    """Run ``study`` (see :class:`Study`): one :class:`EndpointRun` each.

    Warnings raised by the analyses (monotone likelihood, units, ...) are kept as
    notes of the endpoint and shown in the report.
    """
    frame = _frame(study)
    out = {}
    for ep in study.endpoints:
        if progress:
            print(f"endpoint {ep.name} ...", flush=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run = _one_endpoint(study, frame, ep)
        notes = tuple(dict.fromkeys(str(w.message) for w in caught))
        out[ep.name] = EndpointRun(run.name, run.cohort, run.items, run.notes + notes)
    return StudyRun(study=study, endpoints=out)

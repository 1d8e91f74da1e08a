"""Run a study file: every analysis it asks for, per endpoint, through the public verbs.

The runner only calls mirprog's own functions (``Cutpoints``, ``km``, ``logrank``,
``factor_table``, ``ph_test``, ``subgroup_table``, ``risk_groups``,
``compare_combined``), so its numbers are the library's; it adds the checks a study
file needs (a continuous column where a binary factor is expected, subgroup columns,
signature levels) and keeps every result, in order, for the report and the files.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mirprog.data.cohort import Cohort
from mirprog.errors import StudyFileError
from mirprog.factors.cutpoints import Cutpoints
from mirprog.study.analyses import (
    Build,
    add_comparisons,
    add_factors,
    add_markers,
    add_signature,
    add_subgroups,
    add_tables,
    add_validations,
    endpoint_cohort,
    read_frame,
)
from mirprog.study.spec import (
    Comparison,
    Endpoint,
    Factor,
    Marker,
    StudySpec,
    Subtypes,
    Validation,
)

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

    Or in Python (items as dicts or the spec's types), checked as a file is:

    >>> mine = mp.Study(title="PgR", dataset="gbsg2", time_unit="days",
    ...                 endpoints=[{"name": "RFS", "time": "time", "event": "cens"}],
    ...                 markers=[{"column": "progrec", "label": "PgR", "adverse": "low"}],
    ...                 factors=[{"column": "pnodes", "label": "Nodes > 3", "cut": 3}],
    ...                 subgroups={"Premenopausal": "menostat == 'Pre'"},
    ...                 signature=("progrec", "pnodes"))
    >>> mp.Study.from_toml(text=mine.to_toml()) == mine
    True
    >>> mine.run().endpoints["RFS"].get("Log-rank by PgR").p < 1e-6
    True
    """

    def __post_init__(self) -> None:
        """Built in Python (no file text): write its study file and check it as a file is."""
        if self.text:
            return
        from mirprog.study.writer import study_toml

        kinds = {"endpoints": Endpoint, "markers": Marker, "factors": Factor,
                 "comparisons": Comparison, "validations": Validation}
        for name, kind in kinds.items():     # dicts (Python users' form) as the spec's types
            items = tuple(kind(**i) if isinstance(i, Mapping) else i
                          for i in getattr(self, name))
            object.__setattr__(self, name, items)
        if isinstance(self.subtypes, Mapping):
            object.__setattr__(self, "subtypes", Subtypes(**self.subtypes))
        checked = StudySpec.from_toml(text=study_toml(self))
        for f in fields(StudySpec):
            if f.name != "base":
                object.__setattr__(self, f.name, getattr(checked, f.name))
        object.__setattr__(self, "text", study_toml(self))   # of the checked values

    def to_toml(self) -> str:
        """The study file of this study (``from_toml`` of it gives the same study)."""
        from mirprog.study.writer import study_toml

        return study_toml(self)

    def run(self, *, progress: bool = False, cohort: Cohort | None = None) -> StudyRun:
        """Run every analysis the file asks for, per endpoint (:func:`run_study_file`).

        ``cohort`` (optional) replaces the file's cohort, for a study of one endpoint.
        """
        return run_study_file(self, progress=progress, cohort=cohort)

__all__ = ["EndpointRun", "Study", "StudyRun", "run_study_file"]


@dataclass(frozen=True)
class EndpointRun:
    """Everything computed for one endpoint, as (heading, result) pairs in report order."""

    name: str
    cohort: Cohort
    items: tuple[tuple[str, Any], ...]
    notes: tuple[str, ...] = ()
    cutpoints: Cutpoints | None = None
    """The markers' frozen thresholds (all markers of the study)."""
    labels: dict[str, str] = field(default_factory=dict)
    """Analysis column -> its label in the tables."""
    competing: Cohort | None = None
    """With competing causes: the cohort with every cause (``cohort`` is cause-specific)."""
    warned: tuple[tuple[type[Warning], str], ...] = field(default=(), repr=False)
    """The warnings behind ``notes``, with their categories."""

    def find(self, kind: type, by: str | None = None) -> Any:
        """The first result of type ``kind`` (and, when given, with ``.by == by``), or None."""
        for _, r in self.items:
            if isinstance(r, kind) and (by is None or getattr(r, "by", None) == by):
                return r
        return None

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
        from mirprog.present.report import build_report

        items: list[Any] = [("Methods", _methods(self.study))]
        for ep in self.endpoints.values():
            c = ep.cohort
            items.append((f"{ep.name}: cohort",
                          f"{c.n} patients, {c.n_events} events ({ep.name}); time in "
                          f"{c.time_unit or 'the file’s unit'}."))
            items += [(f"{ep.name}: note", n) for n in ep.notes]
            items += [(f"{ep.name}: {h}", r) for h, r in ep.items]
        labels: dict[str, dict[Any, str]] = {}
        for ep in self.endpoints.values():
            labels.update(group_labels(self.study, ep))
        rep = build_report(items, title=self.study.title, time_unit=self.study.time_unit,
                           embed=self.study.text, group_labels=labels)
        return rep if path is None else replace(rep, path=rep.save(path))

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
                    fig = km_plot(res, test=logrank.get(res.by), time_unit=ep.cohort.time_unit,
                                  labels=group_labels(self.study, ep).get(res.by))
                    for ext in ("png", "svg", "pdf"):
                        fig.savefig(folder / f"{stem}.{ext}", bbox_inches="tight")
                        written.append(folder / f"{stem}.{ext}")
                    import matplotlib.pyplot as plt

                    plt.close(fig)
        written.append(write_xlsx(sheets, folder / "tables.xlsx"))
        return [p for p in written if p is not None]


def group_labels(study: StudySpec, ep: EndpointRun) -> dict[str, dict[Any, str]]:
    """Legend labels of the study's groupings: "PgR low"/"PgR high", "tertile 1" ... ."""
    out: dict[str, dict[Any, str]] = {}
    if ep.cutpoints is not None:
        label = {m.column: m.label for m in study.markers}
        for cut in ep.cutpoints.cutpoints:
            name = label.get(cut.marker, cut.marker)
            k = len(cut.thresholds)
            out[cut.column] = ({0: f"{name} low", 1: f"{name} high"} if k == 1 else
                               {g: f"{name} group {g} of {k + 1}" for g in range(1, k + 2)})
    return out


def _stem(text: str) -> str:
    keep = "".join(ch if ch.isalnum() else "_" for ch in text.lower())
    return "_".join(p for p in keep.split("_") if p)[:60]


def _test_words(a: Mapping[str, Any]) -> str:
    """The marker test in the methods text: "log-rank test" unless weighted or stratified."""
    names = {"gehan": "Gehan-Breslow", "tarone-ware": "Tarone-Ware", "peto-peto": "Peto-Peto",
             "modified-peto-peto": "modified Peto-Peto"}
    w = a.get("weighting", "logrank")
    text = ("log-rank test" if w == "logrank" else
            f"Fleming-Harrington weighted log-rank test (p = {a['fh_p']:g}, q = {a['fh_q']:g})"
            if w == "fleming-harrington" else f"{names[w]} weighted log-rank test")
    if a.get("strata"):
        text += f" stratified by {', '.join(a['strata'])} (the markers' tests; tables unstratified)"
    return text


def _methods(study: StudySpec) -> str:
    a = study.analyses
    rules = ", ".join(f"{m.label} ({m.rule})" for m in study.markers) or "none"
    text = (f"Markers were split by the rule named in the study file: {rules}; a median split "
            "puts values strictly above the median in the high group. Survival curves are "
            "Kaplan–Meier estimates with Greenwood variance and log CIs, compared with the "
            f"{_test_words(a)}. Hazard ratios come from Cox models with {a['ties']} ties and Wald "
            "95% CIs. Factors with a univariate p below "
            f"{a['p_enter']:g} entered a multivariable model reduced by backward elimination "
            f"({a['selection'].upper()} p to remove >= {a['p_remove']:g}). Proportional "
            "hazards were checked with scaled Schoenfeld residuals (KM time transform, as R "
            "cox.zph). Follow-up is the reverse Kaplan–Meier median.")
    if any(m.rule == "optimal" for m in study.markers):
        text += (" An optimal cutpoint is the split maximising the log-rank statistic between "
                 "the 10th and 90th percentiles; its p-value is corrected for that search "
                 "(Lausen & Schumacher 1992) and its hazard ratio is also given out of fold "
                 "(cross-validated); the log-rank p of the split itself is optimistic.")
    if len(study.markers) > 1:
        text += (f" {len(study.markers)} markers were tested: their p-values are not adjusted "
                 "for multiplicity here; mp.screen gives FDR q-values.")
    return text


def _one_endpoint(study: StudySpec, source: pd.DataFrame | Cohort, ep: Any) -> EndpointRun:
    from mirprog.stats.follow_up import follow_up

    cohort, competing = endpoint_cohort(study, source, ep)
    b = Build(cohort=cohort, competing=competing)
    b.items.append(("Follow-up (reverse Kaplan–Meier)", follow_up(cohort)))
    add_markers(study, b)
    add_factors(study, b)
    add_tables(study, b)
    add_comparisons(study, b)
    add_validations(study, b, ep)
    add_subgroups(study, b)
    add_signature(study, b)
    cuts = None
    if b.cuts:
        cuts = Cutpoints(tuple(c for cut in b.cuts for c in cut.cutpoints),
                         ranges={k: v for cut in b.cuts for k, v in cut.ranges.items()})
    return EndpointRun(name=ep.name, cohort=b.cohort, items=tuple(b.items), cutpoints=cuts,
                       labels={col: label for label, col in b.labels.items()},
                       competing=competing)


def run_study_file(study: StudySpec, *, progress: bool = False,
                   cohort: Cohort | None = None) -> StudyRun:
    """Run ``study`` (see :class:`Study`): one :class:`EndpointRun` each.

    Warnings raised by the analyses (monotone likelihood, units, ...) are kept as
    notes of the endpoint and shown in the report.  ``cohort`` replaces the file's
    cohort (its roles already set) for a study of one endpoint.
    """
    if cohort is not None and len(study.endpoints) != 1:
        raise StudyFileError("A cohort given to run() is one endpoint's: the study file "
                             f"has {len(study.endpoints)}.")
    frame: pd.DataFrame | Cohort = cohort if cohort is not None else read_frame(study)
    out = {}
    for ep in study.endpoints:
        if progress:
            print(f"endpoint {ep.name} ...", flush=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run = _one_endpoint(study, frame, ep)
        warned = tuple(dict.fromkeys((w.category, str(w.message)) for w in caught))
        out[ep.name] = replace(run, notes=run.notes + tuple(m for _, m in warned),
                               warned=warned)
    return StudyRun(study=study, endpoints=out)

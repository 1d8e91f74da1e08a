"""What every marker's model in a screen shares: the rows used, the strata, the covariates.

:func:`screen_model` checks the ``strata=`` and ``adjust=`` columns once for the
whole screen, excludes (and records) the rows missing one of them, codes the
strata as :func:`mirprog.cox` does (:func:`~mirprog.stats.cox._options.prepare_options`:
a stratum without events is an error) and builds the covariates' design as
:func:`mirprog.cox` does (:func:`~mirprog.stats.cox.coxph.build_design`:
categorical columns become indicator terms against a reference level).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mirprog._engine.coxph import SingularDesignError, fit_cox
from mirprog._engine.timefix import aeq_times
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.errors import CohortError
from mirprog.stats._common import as_columns
from mirprog.stats.cox._options import option_columns, prepare_options
from mirprog.stats.cox.coxph import Design, build_design, expand_covariates

__all__ = ["ScreenModel", "model_columns", "screen_model"]


@dataclass(frozen=True)
class ScreenModel:
    """The rows a screen uses and what its models share (arrays in the rows' cohort order)."""

    rows: np.ndarray | None              # positions of the rows used in the cohort (None: all)
    time: np.ndarray                     # follow-up of the rows used, near-ties merged
    event: np.ndarray
    excluded: Exclusions
    strata: tuple[str, ...] = ()
    strata_codes: np.ndarray | None = None
    strata_levels: tuple[tuple[object, ...], ...] = ()
    adjust: tuple[str, ...] = ()         # the covariates, as expanded (``a*b`` -> a, b, a:b)
    design: Design | None = None
    z: np.ndarray | None = None          # (n, k) the covariates' design matrix

    @property
    def terms(self) -> tuple[str, ...]:
        return () if self.design is None else self.design.terms


def model_columns(strata: str | Sequence[str] | None,
                  adjust: str | Sequence[str] | None) -> list[str]:
    """The columns the strata and the covariates (interactions split) need."""
    covs = expand_covariates(as_columns(adjust, "adjust"))
    return list(dict.fromkeys([*as_columns(strata, "strata"),
                               *(c for cov in covs for c in cov.split(":"))]))


def screen_model(cohort: Cohort, markers: Sequence[str], strata: str | Sequence[str] | None,
                 adjust: str | Sequence[str] | None, categorical: Sequence[str] | None,
                 reference: Mapping[str, Hashable] | None) -> ScreenModel:
    """Check the strata and adjustment columns and find the rows the whole screen uses.

    Raises
    ------
    CohortError
        A column is missing, is a marker or the time/event/id column, is both a
        stratum and a covariate; a stratum has no events among the rows used;
        the covariates are collinear or constant; no events remain.
    """
    strata_cols = as_columns(strata, "strata")
    covs = expand_covariates(as_columns(adjust, "adjust"))
    adjust_cols = list(dict.fromkeys(c for cov in covs for c in cov.split(":")))
    _check_columns(cohort, markers, strata_cols, adjust_cols, categorical, reference)
    if not strata_cols and not adjust_cols:
        return ScreenModel(None, aeq_times(cohort.time), cohort.event,
                           Exclusions(cohort.n, cohort.n))
    data = cohort.complete_cases(option_columns(adjust_cols, strata_cols, None, None))
    if int(data.event.sum()) == 0:
        raise CohortError(f"No events among the {len(data.time)} rows with complete "
                          f"{[*strata_cols, *adjust_cols]}. " + data.exclusions.summary(),
                          rows=list(data.exclusions.rows))
    opts = prepare_options(data, strata_cols, None, None, False)
    rows = np.flatnonzero(np.isin(np.asarray(cohort.ids), data.ids))
    time = aeq_times(data.time)
    design, z = None, None
    if covs:
        design = build_design(data.frame, covs, categorical or (), reference)
        z = design.matrix(data.frame)
        try:
            fit_cox(time, data.event, z, strata=opts.strata_codes)
        except SingularDesignError as exc:
            raise CohortError(
                f"The adjustment covariates {covs} are collinear or constant among the "
                f"{len(time)} rows used (their information matrix is singular). Remove "
                "redundant terms or merge sparse levels.", column=adjust_cols[0]) from exc
    return ScreenModel(rows, time, data.event, data.exclusions, strata_cols, opts.strata_codes,
                       opts.strata_levels, tuple(covs), design, z)


def _check_columns(cohort: Cohort, markers: Sequence[str], strata: tuple[str, ...],
                   adjust: list[str], categorical: Sequence[str] | None,
                   reference: Mapping[str, Hashable] | None) -> None:
    cohort.require(*strata, role="stratum")
    cohort.require(*adjust, role="adjustment covariate")
    roles = {cohort.time_col: "time", cohort.event_col: "event", cohort.id_col: "id"}
    marker_set = set(markers)
    for what, cols in (("a stratum", strata), ("an adjustment covariate", adjust)):
        for col in cols:
            if col in marker_set:
                raise CohortError(
                    f"Column {col!r} is both a marker and {what}: a marker cannot be adjusted "
                    f"for (or stratified by) itself. Leave {col!r} out of markers=, or out of "
                    f"{'strata' if what == 'a stratum' else 'adjust'}=.", column=col)
            if col in roles:
                raise CohortError(f"Column {col!r} is the cohort's {roles[col]} column, not "
                                  f"{what}.", column=col)
    for name, given in (("categorical", list(categorical or ())), ("reference",
                                                                    list(reference or {}))):
        unknown = [c for c in given if c not in adjust]
        if unknown:
            raise CohortError(f"{name}= names {unknown}, which are not among the adjustment "
                              f"covariates {adjust}.", column=unknown[0])

"""Frozen prognostic models: fit once, save as JSON, then score and validate new cohorts.

A :class:`PrognosticModel` freezes everything a published rule needs: the
markers' cutpoints learnt on the training cohort, the multivariate Cox fit
(coefficients, centring constants, ties method) with its baseline cumulative
hazard, the risk-group rule, and the training n/events.  Scoring a new cohort
re-applies exactly that -- no threshold or coefficient is ever refitted.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from mirprog._engine.coxph import Ties, baseline_cumhaz
from mirprog._engine.dist import zcrit
from mirprog._engine.timefix import aeq_times
from mirprog._result import Result
from mirprog.data._checks import native
from mirprog.data.cohort import Cohort, Exclusion, Exclusions, TimeUnit
from mirprog.data.missing import parse_numbers
from mirprog.data.scale import MarkerRange, ScaleWarning, check_scale
from mirprog.errors import CohortError, HorizonWarning, MirprogError, format_ids
from mirprog.factors.cutpoints import Cutpoints
from mirprog.factors.risk_groups import adverse_groups, default_labels
from mirprog.model import file as model_io
from mirprog.model.file import ModelFileError
from mirprog.model.groups import resolve_groups
from mirprog.model.strata import StratumBaseline, fit_baselines, stratum_label, stratum_rows
from mirprog.model.validation import risk_group_validation
from mirprog.stats.cox.coxph import Design, cox
from mirprog.stats.validation import Predictions, ValidationResult, validate

__all__ = ["HorizonWarning", "MarkerRange", "ModelFileError", "PrognosticModel", "ScaleWarning",
           "StratumBaseline", "ValidationResult", "baseline_cumhaz"]


UNITS_PER_YEAR: dict[str, float] = {"days": 365.25, "weeks": 365.25 / 7, "months": 12.0,
                                    "years": 1.0}
"""Time units per year, for the default horizons (3 and 5 years) of a model."""



def _coerce_numeric(values: pd.Series, name: str, ids: pd.Index) -> pd.Series:
    """A clinical covariate that entered the model as a number, as floats (NaN stays NaN)."""
    if values.dtype == bool:
        return values.astype(float)
    try:
        return parse_numbers(values, name, ids, what="Column").values
    except CohortError as exc:
        raise CohortError(f"Column {name!r} entered the model as a number (as in training). "
                          f"{exc}", column=name, rows=list(exc.rows)) from None


@dataclass(frozen=True)
class PrognosticModel(Result):
    """A frozen prognostic model: cutpoints + multivariate Cox fit + risk-group rule.

    Build with :meth:`fit`, share with :meth:`save` / :meth:`load`, apply with
    :meth:`score` and check on a new cohort with :meth:`validate`.

    Attributes
    ----------
    cutpoints : Cutpoints
        Frozen marker thresholds (``<marker>_high`` = value above the threshold).
    clinical : tuple of str
        Clinical covariates, used as given.
    design : Design
        Covariates, model terms and categorical levels (reference first).
    coef, se : tuple of float
        Per term: Cox coefficient and its standard error.
    center : tuple of float
        Per term: the value the linear predictor is centred at -- the training
        mean, except 0 for terms whose values are all -1, 0 or 1 (indicators),
        as R ``survival`` >= 3.0 (``fit$means``).
    ties : {"breslow", "efron"}
    baseline_time, baseline_cumhaz : tuple of float
        Baseline cumulative hazard at ``center`` (a right-continuous step
        function), at each distinct training event time; empty for a
        stratified model, whose baselines are in :attr:`stratum_baselines`.
    max_time : float
        Longest training follow-up; predictions beyond it are NaN.
    n, events, n_excluded : int
        Training rows used, their events, and rows left out for a missing value.
    marker_ranges : dict
        Marker -> :class:`MarkerRange` of its training values.
    adverse : dict or None
        Risk-group rule: factor -> adverse value (group = number of adverse factors).
    group_labels : tuple of str or None
        Risk-group labels, from no adverse factor to all of them.
    time_col, event_col, id_col : str or None
        Column roles of the training cohort.
    mirprog_version : str
        Version of mirprog that fitted the model.
    time_unit : {"days", "weeks", "months", "years"} or None
        Unit of the training follow-up times (the Cohort's ``time_unit``); None
        when unknown, and then :meth:`score` needs explicit horizons.
    strata : tuple of str
        Stratification columns (empty for an unstratified model).
    stratum_baselines : tuple of StratumBaseline
        Per stratum (in sorted order of the strata values): its values, baseline
        cumulative hazard, training follow-up, n and events.
    weights : str or None
        The case-weights column of the training fit (informational: scoring and
        validation do not use weights).
    """

    cutpoints: Cutpoints
    clinical: tuple[str, ...]
    design: Design
    coef: tuple[float, ...]
    se: tuple[float, ...]
    center: tuple[float, ...]
    ties: Ties
    baseline_time: tuple[float, ...] = field(repr=False)
    baseline_cumhaz: tuple[float, ...] = field(repr=False)
    max_time: float
    n: int
    events: int
    n_excluded: int
    marker_ranges: dict[str, MarkerRange] = field(repr=False)
    adverse: dict[str, Any] | None
    group_labels: tuple[str, ...] | None
    time_col: str | None
    event_col: str | None
    id_col: str | None
    mirprog_version: str
    time_unit: TimeUnit | None = None
    strata: tuple[str, ...] = ()
    stratum_baselines: tuple[StratumBaseline, ...] = field(default=(), repr=False)
    weights: str | None = None

    # -- fitting -------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        cohort: Cohort,
        markers: Sequence[str] = (),
        clinical: Sequence[str] = (),
        *,
        rule: Literal["median"] = "median",
        thresholds: Mapping[str, float] | None = None,
        groups: Mapping[str, Hashable] | str | None = None,
        ties: Ties = "breslow",
        categorical: Sequence[str] = (),
        reference: Mapping[str, Hashable] | None = None,
        strata: str | Sequence[str] | None = None,
        weights: str | None = None,
    ) -> PrognosticModel:
        """Freeze cutpoints, a multivariate Cox model and (optionally) risk groups.

        Parameters
        ----------
        cohort : Cohort
            The training cohort.
        markers : sequence of str
            Continuous markers, each split into ``<marker>_high`` (0/1).
        clinical : sequence of str
            Clinical covariates used as they are: numeric or 0/1 columns as
            numbers, text/categorical columns as indicators against a reference level.
        rule : {"median"}, default "median"
            Split rule of the markers (high = strictly above the training median).
        thresholds : mapping, optional
            Fixed thresholds for some markers instead of the rule, e.g. ``{"pnodes": 3}``.
        groups : None, "default" or mapping, optional
            Risk groups: ``None`` for none; a mapping covariate -> adverse value
            (e.g. ``{"progrec_high": 0, "pnodes_high": 1}``); or ``"default"``:
            every binary covariate, adverse = its level with the higher fitted
            hazard.  Group = number of adverse factors (labels A, B, C, ...).
        ties : {"breslow", "efron"}, default "breslow"
            Ties of the Cox fit, and of its baseline hazard estimator (Breslow, or
            the Efron-adjusted one: see :func:`baseline_cumhaz`).
        categorical, reference :
            Passed to :func:`mirprog.cox` (numeric columns to treat as
            categorical; reference level per categorical covariate).
        strata : str or sequence of str, optional
            Stratify the Cox model by these columns (R ``strata()``): each
            stratum gets its own baseline hazard (:attr:`stratum_baselines`) and
            no coefficient; scoring then needs the columns.  Risk groups do not
            depend on the strata.
        weights : str, optional
            Column of case weights of the Cox fit and its baseline hazards (R
            ``weights=``).  The markers' median cutpoints are not weighted.

        Returns
        -------
        PrognosticModel

        Raises
        ------
        CohortError
            No covariate, unknown rule, a missing column, a threshold for a
            non-marker, or an invalid risk-group rule.

        Notes
        -----
        Cutpoints are learnt on every non-missing value of each marker; the Cox
        model uses the rows complete for all covariates (the others are counted
        in ``n_excluded``).  The linear predictor is centred as in R
        ``survival`` >= 3.0 (see :attr:`center`), so the stored baseline hazard
        is R's ``basehaz(fit, centered = TRUE)``; predictions do not depend on
        the centring.

        Examples
        --------
        >>> import mirprog as mp
        >>> from mirprog.model import PrognosticModel
        >>> g = mp.datasets.load_gbsg2()
        >>> model = PrognosticModel.fit(g, markers=["progrec"], clinical=["horTh"],
        ...                                thresholds=None, groups="default")
        >>> model
        PrognosticModel(terms=('progrec_high', 'horTh[yes]'), n=686, events=299, ties='breslow',
                        thresholds={'progrec': 32.5}, risk groups A-C)
        >>> model.adverse
        {'progrec_high': 0, 'horTh': 'no'}

        Stratified by hormone therapy, with one baseline hazard per stratum:

        >>> strat = PrognosticModel.fit(g, markers=["progrec"], clinical=["age"], strata="horTh")
        >>> [(b.level, b.n, b.events) for b in strat.stratum_baselines]
        [(('no',), 440, 205), (('yes',), 246, 94)]
        """
        markers, clinical = list(markers), list(clinical)
        fixed = _check_fit_arguments(markers, clinical, rule, thresholds)
        cohort.require(*markers, role="marker")
        cohort.require(*clinical, role="clinical")
        strata_cols = (strata,) if isinstance(strata, str) else tuple(strata or ())
        cohort.require(*strata_cols, role="strata")
        cohort.require(*([weights] if weights else []), role="weights")
        cuts = Cutpoints(tuple(
            Cutpoints.fit(cohort, [m], "fixed", thresholds={m: fixed[m]}).cutpoints[0]
            if m in fixed else Cutpoints.fit(cohort, [m], "median").cutpoints[0]
            for m in markers))
        data = cuts.apply(cohort)
        covariates = [c.column for c in cuts.cutpoints] + clinical
        fit = cox(data, covariates, ties=ties, categorical=categorical, reference=reference,
                  strata=strata_cols or None, weights=weights)
        used = data.complete_cases([*covariates, *[c for c in strata_cols if c not in covariates],
                                    *([weights] if weights else [])])
        coef = tuple(float(b) for b in fit.summary["coef"])
        bt, bh, by_stratum = _baselines(fit, used.time, ties)
        design = Design(fit.design.covariates, fit.design.terms, fit.design.term_factor,
                        {k: tuple(native(v) for v in lv) for k, lv in fit.design.levels.items()})
        adverse = resolve_groups(groups, design, coef, used.frame)
        from mirprog._version import __version__

        return cls(
            cutpoints=cuts, clinical=tuple(clinical), design=design, coef=coef,
            se=tuple(float(s) for s in fit.summary["se"]),
            center=tuple(float(m) for m in fit.means), ties=ties,
            baseline_time=bt, baseline_cumhaz=bh,
            max_time=float(used.time.max()), n=fit.n, events=fit.events,
            n_excluded=len(fit.excluded),
            marker_ranges={m: MarkerRange.of(cohort.column(m)) for m in markers},
            adverse=adverse,
            group_labels=None if adverse is None else default_labels(len(adverse)),
            time_col=cohort.time_col, event_col=cohort.event_col, id_col=cohort.id_col,
            mirprog_version=__version__, time_unit=cohort.time_unit, strata=strata_cols,
            stratum_baselines=by_stratum, weights=weights)

    # -- description ---------------------------------------------------------------------

    @property
    def terms(self) -> tuple[str, ...]:
        """Model terms, in coefficient order."""
        return self.design.terms

    @property
    def markers(self) -> tuple[str, ...]:
        """Markers, in order."""
        return self.cutpoints.markers

    def __repr__(self) -> str:
        groups = "" if self.group_labels is None else (
            f", risk groups {self.group_labels[0]}-{self.group_labels[-1]}")
        strata = f", strata={self.strata}" if self.strata else ""
        weights = f", weights={self.weights!r}" if self.weights else ""
        return (f"PrognosticModel(terms={self.terms}, n={self.n}, events={self.events}, "
                f"ties={self.ties!r}, thresholds={self.cutpoints.thresholds}{groups}{strata}"
                f"{weights})")

    @property
    def summary(self) -> pd.DataFrame:
        """The coefficient table (95% Wald CI), as :attr:`mirprog.CoxResult.summary`."""
        return self.to_frame()

    def to_frame(self, conf_level: float = 0.95) -> pd.DataFrame:
        """Coefficient table: ``coef, se, hr, ci_lower, ci_upper, center`` per term (Wald CI)."""
        b, se, z = np.array(self.coef), np.array(self.se), zcrit(conf_level)
        return pd.DataFrame({"coef": b, "se": se, "hr": np.exp(b), "ci_lower": np.exp(b - z * se),
                             "ci_upper": np.exp(b + z * se), "center": self.center},
                            index=pd.Index(self.terms, name="term"))

    def cumulative_hazard(self, times: Sequence[float], stratum: Any = None) -> np.ndarray:
        """Baseline cumulative hazard H0(t) at ``center`` (step function; NaN beyond the
        training follow-up).

        For a stratified model, ``stratum`` names the stratum: its value (one
        strata column) or tuple of values (several); H0 is then NaN beyond the
        stratum's own training follow-up.

        Raises
        ------
        MirprogError
            A stratified model without a training ``stratum``, or an unstratified
            model given one.
        """
        if self.strata or stratum is not None:
            return self._stratum(stratum).cumulative_hazard(times)
        t = np.asarray(times, dtype=float)
        pos = np.searchsorted(np.array(self.baseline_time), t, side="right") - 1
        return np.where(t > self.max_time, np.nan, np.array((0.0, *self.baseline_cumhaz))[pos + 1])

    def _stratum(self, stratum: Any) -> StratumBaseline:
        level = stratum if isinstance(stratum, tuple) else (stratum,)
        for b in self.stratum_baselines:
            if b.level == level:
                return b
        known = ", ".join(stratum_label(self.strata, b.level) for b in self.stratum_baselines)
        raise MirprogError(f"stratum={stratum!r} is not a stratum of this model "
                           f"({'strata: ' + known if known else 'it is not stratified'}).")

    @property
    def follow_up(self) -> float:
        """The time up to which every patient can be predicted: the training follow-up, or,
        stratified, the shortest follow-up of a stratum."""
        return min((b.max_time for b in self.stratum_baselines), default=self.max_time)

    # -- scoring -------------------------------------------------------------------------

    def score(self, data: Cohort | pd.DataFrame, horizons: Sequence[float] | None = None, *,
              id: str | None = None) -> pd.DataFrame:
        """Apply the frozen model to new patients.

        Parameters
        ----------
        data : Cohort or pandas.DataFrame
            New patients; outcome columns are not needed.
        horizons : sequence of float, optional
            Times at which to predict survival, in the training time unit.  Default:
            3 and 5 years in that unit (:meth:`default_horizons`, e.g. 1095.75 and
            1826.25 days); required when the model's :attr:`time_unit` is unknown.
        id : str, optional
            For a DataFrame: its id column (default: the model's training id
            column if present, else the index, written as column ``row``).  A
            Cohort's rows are named by its own id column.

        Returns
        -------
        pandas.DataFrame
            One row per patient, in input order: the id column; ``<marker>_high``
            per marker (0/1 by the frozen threshold, nullable Int64);
            ``risk_group`` (if the model has groups); ``linear_predictor`` =
            (x - center) . beta;
            ``relative_hazard`` = exp(linear_predictor); ``surv_at_<h>`` =
            exp(-H0(h) exp(lp)) per horizon; ``reason``: why a row could not be
            scored (missing value, unknown level), whose predictions and risk
            group are then missing; NA for scored rows.

        Raises
        ------
        CohortError
            A marker or clinical column is absent; non-numeric values in a
            numeric covariate; a categorical covariate with no training level.
        MirprogError
            No ``horizons`` for a model of unknown time unit; a negative or
            non-finite horizon.

        Warns
        -----
        ScaleWarning
            A marker looks like it is on another scale than in training.
        HorizonWarning
            A horizon is beyond the training follow-up (its column is NaN).

        Notes
        -----
        The linear predictor is centred at :attr:`center`, as R's
        ``predict(fit, newdata, type = "lp")``, and ``surv_at_<h>`` equals
        ``summary(survfit(fit, newdata), times = h)$surv``.  Scale check, per
        marker, on the non-missing new values: the median lies outside the
        training [1st, 99th] percentile range widened by its own width on each
        side; or (with >= 20 values) the interquartile range differs more than
        10-fold from the training one; or (with >= 20 values) fewer than 2% or
        more than 98% fall above the frozen threshold while training had
        10-90%.

        Examples
        --------
        >>> import mirprog as mp
        >>> from mirprog.model import PrognosticModel
        >>> g = mp.datasets.load_gbsg2()
        >>> model = PrognosticModel.fit(g, markers=["progrec"], clinical=["horTh"])
        >>> s = model.score(g, horizons=[365, 1825])
        >>> s.columns.tolist()
        ['id', 'progrec_high', 'linear_predictor', 'relative_hazard', 'surv_at_365',
         'surv_at_1825', 'reason']
        >>> s[["id", "progrec_high", "linear_predictor", "surv_at_1825"]].head(3).round(3)
           id  progrec_high  linear_predictor  surv_at_1825
        0   1             1            -0.762         0.578
        1   2             1            -1.121         0.682
        2   3             1            -1.121         0.682
        """
        out, _, _ = self._score(data, self.default_horizons() if horizons is None else horizons,
                                id)
        return out

    def default_horizons(self) -> tuple[float, float]:
        """3 and 5 years in the training time unit (36 and 60 for months).

        Raises
        ------
        MirprogError
            The model's :attr:`time_unit` is unknown: give the horizons explicitly.
        """
        if self.time_unit is None:
            raise MirprogError(
                "This model does not know its time unit (the training Cohort had no "
                "time_unit, or the file is from schema 1), so there is no safe default "
                "horizon: give horizons=[...] (--horizons on the command line) in the training "
                f"time unit (training follow-up up to {self.max_time:g}), e.g. 1095.75 and "
                "1826.25 for 3 and 5 years in days.")
        per_year = UNITS_PER_YEAR[self.time_unit]
        return 3 * per_year, 5 * per_year

    def _score(self, data: Cohort | pd.DataFrame, horizons: Sequence[float],
               id: str | None = None
               ) -> tuple[pd.DataFrame, list[Exclusion], np.ndarray | None]:
        """Scores, ledger entries and (stratified) each row's stratum index (-1: missing)."""
        frame, id_name, ids = _table(data, id, self.id_col)
        hs = [float(h) for h in np.atleast_1d(np.asarray(horizons, dtype=float))]
        if any(not math.isfinite(h) or h < 0 for h in hs):
            raise MirprogError(f"horizons must be finite times >= 0, got {hs}.")
        missing = [c for c in (*self.markers, *self.clinical) if c not in frame.columns]
        if missing:
            raise CohortError(
                f"The scored table has no column {missing[0]!r} (needed by the model: markers "
                f"{list(self.markers)}, clinical {list(self.clinical)}). Rename or add it.",
                column=missing[0])
        cov = pd.DataFrame(index=frame.index)
        for cut in self.cutpoints.cutpoints:
            cov[cut.column] = cut.assign(frame[cut.marker])
            check_scale(cut.marker, cut.thresholds, cut.group_sizes, cov[cut.column],
                        frame[cut.marker], self.marker_ranges.get(cut.marker), stacklevel=3)
        for c in self.clinical:
            cov[c] = frame[c] if c in self.design.levels else _coerce_numeric(frame[c], c, ids)
        strat = None
        if self.strata:
            strat = stratum_rows(frame, self.strata, self.stratum_baselines, ids)
            for c in self.strata:  # a missing stratum is a row not scored, with its reason
                cov[c] = frame[c]
        reasons, entries = self._reasons(frame, cov, ids)
        ok = np.array([r is None for r in reasons])
        lp = np.full(len(frame), np.nan)
        if ok.any():
            x = self.design.matrix(cov.loc[ok])
            lp[ok] = (x - np.array(self.center)) @ np.array(self.coef)
        out = pd.DataFrame({id_name: np.asarray(ids)})
        for cut in self.cutpoints.cutpoints:
            out[cut.column] = cov[cut.column].array
        if self.adverse is not None:
            out["risk_group"] = self._groups(cov)
        out["linear_predictor"] = lp
        out["relative_hazard"] = np.exp(lp)
        h0 = self._row_cumhaz(hs, strat, len(frame))
        for j, h in enumerate(hs):
            out[f"surv_at_{_fmt(h)}"] = np.exp(-h0[:, j] * np.exp(lp))
        out["reason"] = pd.Series(reasons, dtype=object)
        return out, entries, strat

    def _scorable(self, cohort: Cohort) -> tuple[pd.DataFrame, np.ndarray, Exclusions,
                                                 np.ndarray | None]:
        """Scores of every row, which rows could be scored, their ledger and strata codes."""
        scores, entries, strat = self._score(cohort, [])
        used = scores["reason"].isna().to_numpy()
        ledger = Exclusions(cohort.n, int(used.sum()), tuple(entries))
        if not used.any():
            raise CohortError("No row of the cohort can be scored: " + ledger.summary())
        return scores, used, ledger, strat

    def _row_cumhaz(self, hs: list[float], strat: np.ndarray | None, n: int) -> np.ndarray:
        """H0 at each horizon (columns) for each row (rows), from the row's stratum; warns
        for horizons beyond the training follow-up (of a stratum)."""
        if strat is None:
            beyond = [h for h in hs if h > self.max_time]
            if beyond:
                warnings.warn(f"Horizon(s) {beyond} are beyond the training follow-up "
                              f"({self.max_time:g}); their survival is NaN.", HorizonWarning,
                              stacklevel=4)
            return np.broadcast_to(self.cumulative_hazard(hs), (n, len(hs)))
        out = np.full((n, len(hs)), np.nan)
        for k, b in enumerate(self.stratum_baselines):
            rows = strat == k
            out[rows] = b.cumulative_hazard(hs)
            beyond = [h for h in hs if h > b.max_time]
            if beyond and rows.any():
                warnings.warn(f"Horizon(s) {beyond} are beyond the training follow-up of "
                              f"stratum {stratum_label(self.strata, b.level)} "
                              f"({b.max_time:g}); the survival of its patients there is NaN.",
                              HorizonWarning, stacklevel=4)
        return out

    def _reasons(self, frame: pd.DataFrame, cov: pd.DataFrame, ids: pd.Index
                 ) -> tuple[list[str | None], list[Exclusion]]:
        """Per row: why it cannot be scored (None if it can), and the ledger entries."""
        sources = {c.column: c.marker for c in self.cutpoints.cutpoints}
        per_row: list[list[tuple[str, str]]] = [[] for _ in range(len(frame))]
        for col in cov.columns:
            name = sources.get(col, col)
            values = cov[col]
            for pos in np.flatnonzero(values.isna().to_numpy()):
                per_row[pos].append((name, "missing"))
            if col in self.design.levels:
                levels = list(self.design.levels[col])
                unknown = (~values.isin(levels) & values.notna()).to_numpy()
                if unknown.all():
                    raise CohortError(
                        f"Column {col!r} has none of the training levels {levels} (found "
                        f"{format_ids(sorted(map(str, values.dropna().unique())))}). Recode "
                        "it as in training.", column=col)
                for pos in np.flatnonzero(unknown):
                    per_row[pos].append(
                        (col, f"unknown level {values.iloc[pos]!r} (training: {levels}) of"))
        reasons: list[str | None] = []
        entries = []
        for row, problems in enumerate(per_row):
            reasons.append("; ".join(f"{why} {name}" for name, why in problems) or None)
            if problems:
                entries.append(Exclusion(native(ids[row]), problems[0][0], problems[0][1]))
        return reasons, entries

    def _groups(self, cov: pd.DataFrame) -> pd.Categorical[str]:
        assert self.adverse is not None
        assert self.group_labels is not None
        return adverse_groups(cov, self.adverse, self.group_labels, levels=self.design.levels)

    # -- validation ----------------------------------------------------------------------

    def validate(self, cohort: Cohort, *, horizon: float | None = None,
                 auc_times: Sequence[float] | None = None, n_groups: int = 3,
                 horizons: Sequence[float] | None = None, groups: int = 10,
                 conf_level: float = 0.95) -> ValidationResult:
        """External validation on a cohort with follow-up (:func:`mirprog.validate`).

        Parameters
        ----------
        cohort : Cohort
            New patients with time and event columns.
        horizon : float, optional
            Time of the risk-group check (predicted vs observed survival per
            group, ``risk_groups``); default: the median follow-up of the scored
            rows, at most the training follow-up.
        auc_times : sequence of float, optional
            Extra prediction times (the 0.1 name of ``horizons``); with neither,
            the quartiles of the scored rows' event times.
        n_groups : int, default 3
            Without model risk groups, the risk-group check is by ``n_groups``
            quantile groups of the linear predictor (``Q1`` = lowest risk).
        horizons : sequence of float, optional
            Times of the AUC, Brier score and calibration table (``horizon`` is
            always one of them).
        groups : int, default 10
            Quantile groups of predicted risk in the calibration table.
        conf_level : float, default 0.95

        Returns
        -------
        ValidationResult
            As :func:`mirprog.validate`, with ``risk_groups`` (a
            :class:`~mirprog.model.validation.RiskGroupValidation`).

        Notes
        -----
        Harrell's C counts pairs as R's ``concordance``.  The AUC, Brier score and
        calibration use the censoring distribution of the validation cohort itself
        (the model file holds no training patients).

        A stratified model is validated as R ``concordance(fit, newdata)``:
        Harrell's C counts pairs within a stratum only, and the case weights of
        the training fit are not carried to the new cohort (R drops them too).
        Each patient's predicted risk (AUC, Brier, calibration, O/E) uses their
        stratum's baseline.  Risk groups, and so the Kaplan–Meier curves, the
        log-rank test and the calibration table by group, pool the strata.

        Examples
        --------
        >>> import mirprog as mp
        >>> from mirprog.model import PrognosticModel
        >>> g = mp.datasets.load_gbsg2()
        >>> train, test = g.subset(g.ids <= 400), g.subset(g.ids > 400)
        >>> model = PrognosticModel.fit(train, ["progrec"], ["horTh"], groups="default")
        >>> v = model.validate(test, horizon=1825)
        >>> round(v.harrell_c, 3), v.n, v.risk_groups.logrank.df
        (0.664, 286, 2)
        """
        if not isinstance(cohort, Cohort):
            raise CohortError("validate() needs a Cohort with follow-up: "
                              "mp.Cohort(df, time=..., event=..., id=...).")
        if horizon is not None and not 0 < horizon <= self.follow_up:
            raise MirprogError(
                f"horizon must be in (0, {self.follow_up:g}] (the training follow-up"
                f"{' of every stratum' if self.strata else ''}), got {horizon}.")
        scores, used, _, strat = self._scorable(cohort)
        sub = cohort.subset(used)
        time, event = aeq_times(sub.time), sub.event
        if horizon is None:
            horizon = min(float(np.median(sub.time)), self.follow_up)
        if auc_times is not None:
            bad = np.asarray(auc_times, float)
            if np.any(bad < time.min()) or np.any(bad >= time.max()):
                raise MirprogError(f"auc_times must lie within the follow-up [{time.min():g}, "
                                   f"{time.max():g}) of the validation cohort, got "
                                   f"{bad.tolist()}.")
        if horizons is None:
            horizons = (list(auc_times) if auc_times is not None else
                        np.unique(np.quantile(time[event == 1], [0.25, 0.5, 0.75])).tolist())
        hs = sorted({float(h) for h in (*horizons, horizon)})
        result = validate(self, cohort, horizons=hs, groups=groups, conf_level=conf_level)
        surv_col = f"surv_at_{_fmt(horizon)}"
        h0 = self._row_cumhaz([float(horizon)], strat, len(scores))[:, 0]
        scores[surv_col] = np.exp(-h0 * scores["relative_hazard"])
        scored = scores.loc[used].drop(columns="reason").reset_index(drop=True)
        check = risk_group_validation(sub, scored, surv_col, float(horizon), n_groups)
        return replace(result, risk_groups=check)

    def validation_predictions(self, cohort: Cohort, horizons: Sequence[float]
                               ) -> Predictions:
        """The scored rows' predictions for :func:`mirprog.validate`: linear predictor,
        risk 1 - S(t) at ``horizons`` and the cumulative hazard at each row's own
        follow-up (held at its last value beyond the training follow-up).

        Raises
        ------
        MirprogError
            A horizon beyond the training follow-up (of a stratum).
        CohortError
            No row of ``cohort`` can be scored.
        """
        hs = [float(h) for h in horizons]
        beyond = [h for h in hs if h > self.follow_up]
        if beyond:
            raise MirprogError(
                f"horizon must be in (0, {self.follow_up:g}] (the training follow-up"
                f"{' of every stratum' if self.strata else ''}), got {beyond}.")
        scores, used, ledger, strat = self._scorable(cohort)
        sub = cohort.subset(used)
        time = aeq_times(sub.time)
        lp = scores["linear_predictor"].to_numpy()[used]
        rel = np.exp(lp)
        codes = None if strat is None else strat[used]
        h0 = self._row_cumhaz(hs, codes, len(lp))
        own = np.empty(len(lp))
        if codes is None:
            own[:] = self.cumulative_hazard(np.minimum(time, self.max_time))
        else:
            for k, b in enumerate(self.stratum_baselines):
                rows = codes == k
                own[rows] = b.cumulative_hazard(np.minimum(time[rows], b.max_time))
        return Predictions(ids=np.asarray(sub.ids), time=np.asarray(time, float),
                           event=np.asarray(sub.event, float), lp=lp, horizons=tuple(hs),
                           risk=-np.expm1(-h0 * rel[:, None]), expected=own * rel,
                           excluded=ledger, strata=codes, ties=self.ties)

    # -- persistence ---------------------------------------------------------------------

    def to_json(self, indent: int | None = 2) -> str:
        """The model as human-readable JSON (schema ``mirprog.model/1``, described in
        :mod:`mirprog.model.file`); floats round-trip exactly."""
        return model_io.encode(self, indent)

    def save(self, path: str | Path) -> None:
        """Write the model to ``path`` as JSON (see :meth:`to_json`)."""
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, text: str, *, source: str = "The model JSON") -> PrognosticModel:
        """Rebuild a model from :meth:`to_json` output.

        Raises
        ------
        ModelFileError
            Not JSON, not a mirprog model, an unknown schema, or any field of the wrong
            type or value, or inconsistent with the others; the message names the
            field by its JSON path (e.g. ``cutpoints[0].thresholds[1]``).

        Warns
        -----
        ModelFileWarning
            An old (schema 1) file, which records no time unit.
        """
        return cls(**model_io.decode(text, source))

    @classmethod
    def load(cls, path: str | Path) -> PrognosticModel:
        """Read a model saved by :meth:`save`.

        Raises
        ------
        DataFileError
            No file at ``path``.
        ModelFileError
            See :meth:`from_json`.

        Examples
        --------
        >>> import tempfile, mirprog as mp
        >>> from mirprog.model import PrognosticModel
        >>> g = mp.datasets.load_gbsg2()
        >>> model = PrognosticModel.fit(g, ["progrec"], ["horTh"])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     model.save(f"{tmp}/model.json")
        ...     PrognosticModel.load(f"{tmp}/model.json") == model
        True
        """
        p = Path(path)
        return cls.from_json(model_io.read(p), source=f"Model file {p.name!r}")


def _baselines(fit: Any, raw_time: np.ndarray, ties: Ties
               ) -> tuple[tuple[float, ...], tuple[float, ...], tuple[StratumBaseline, ...]]:
    """(baseline times, cumhaz) of an unstratified fit, or the per-stratum baselines."""
    inputs = fit.inputs
    if fit.strata:
        return (), (), fit_baselines(fit, raw_time, ties)
    bt, bh = baseline_cumhaz(inputs.time, inputs.event, fit.linear_predictor, ties,
                             weights=inputs.weights)
    return tuple(float(t) for t in bt), tuple(float(h) for h in bh), ()


def _check_fit_arguments(markers: list[str], clinical: list[str], rule: str,
                         thresholds: Mapping[str, float] | None) -> dict[str, float]:
    """Refuse contradictory arguments of :meth:`PrognosticModel.fit`; the fixed thresholds."""
    if not markers and not clinical:
        raise CohortError("PrognosticModel.fit() needs at least one marker or clinical "
                          "covariate.")
    if rule != "median":
        raise CohortError(f"Unknown rule {rule!r}: a prognostic model splits markers at "
                          "the training 'median', or at fixed thresholds={marker: value}.")
    both = set(markers) & set(clinical)
    if both:
        raise CohortError(f"{sorted(both)} are given both as markers and as clinical.")
    fixed = dict(thresholds or {})
    stray = [m for m in fixed if m not in markers]
    if stray:
        raise CohortError(f"thresholds= names {stray}, which are not among the markers "
                          f"{markers}; add them to markers=[...].", column=stray[0])
    return fixed


def _fmt(h: float) -> str:
    """A horizon as written in a column name: 5.0 -> '5', 2.5 -> '2.5'."""
    return str(int(h)) if float(h).is_integer() else repr(float(h))


def _table(data: Cohort | pd.DataFrame, id_col: str | None, default_id: str | None
           ) -> tuple[pd.DataFrame, str, pd.Index]:
    """The rows to score (positional index), the id column's name and the ids."""
    if isinstance(data, Cohort):
        return data.data.reset_index(drop=True), data.id_col or "row", data.ids
    if not isinstance(data, pd.DataFrame):
        raise CohortError(f"score() needs a Cohort or a DataFrame, got {type(data).__name__}.")
    df = data.copy()
    df.columns = [str(c) for c in df.columns]
    if id_col is not None and id_col not in df.columns:
        raise CohortError(f"The id column {id_col!r} is not in the table.", column=id_col)
    id_col = id_col or default_id
    named = id_col is not None and id_col in df.columns
    ids = pd.Index(df[id_col]) if named else df.index
    bad = ids.isna() | ids.duplicated(keep=False)
    if bad.any():
        raise CohortError(f"The {'id column ' + repr(id_col) if named else 'index'} has missing "
                          f"or duplicated ids ({format_ids(list(ids[bad]))}); each patient "
                          "needs a unique id.", column=id_col if named else None)
    return df.reset_index(drop=True), str(id_col) if named else "row", ids

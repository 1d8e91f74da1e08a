"""External validation of a frozen prognostic model: discrimination, groups, calibration.

:meth:`mirprog.PrognosticModel.validate` scores a cohort with follow-up and
hands the scored rows to :func:`validation_result`; :func:`calibration_plot`
draws the result and computes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mirprog._engine.coxph import concordance_counts
from mirprog._engine.timefix import aeq_times
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusions
from mirprog.errors import MirprogError
from mirprog.stats.km import KMResult, km
from mirprog.stats.logrank import LogRankResult, logrank

if TYPE_CHECKING:
    pass

__all__ = ["ValidationResult", "validation_result"]


@dataclass(frozen=True)
class ValidationResult(Result):
    """External validation of a :class:`PrognosticModel` on a cohort with follow-up.

    Attributes
    ----------
    scores : pandas.DataFrame
        :meth:`PrognosticModel.score` output for the scored rows, with
        ``surv_at_<horizon>`` and the group column ``by``.
    n, events : int
        Rows scored and their events.
    excluded : Exclusions
        Rows that could not be scored, and why.
    harrell_c : float
        Harrell's C of the linear predictor (R ``concordance``); for a
        stratified model, of the pairs within a stratum.
    concordance_counts : dict
        Its pair counts (``concordant, discordant, tied_x, tied_y, tied_xy``).
    uno_c : float or None
        Uno's IPCW C truncated at ``horizon`` (scikit-survival).
    auc : pandas.DataFrame or None
        Cumulative/dynamic AUC by ``time`` (scikit-survival); ``mean_auc`` its summary.
    mean_auc : float or None
    horizon : float
        Time of the calibration check and of Uno's truncation.
    by : str
        The grouping: ``"risk_group"`` (the model's) or ``"lp_group"`` (quantiles of lp).
    km : KMResult
        Kaplan–Meier curves by group.
    logrank : LogRankResult or None
        Log-rank test across groups (None with a single group).
    calibration : pandas.DataFrame
        Indexed by group (and ``"all"``): ``n, events, predicted`` (mean predicted
        survival at ``horizon``), ``observed`` (KM) with ``ci_lower, ci_upper``.
    notes : tuple of str
        Anything not computed, and why.
    """

    scores: pd.DataFrame = field(repr=False)
    n: int
    events: int
    excluded: Exclusions
    harrell_c: float
    concordance_counts: dict[str, float] = field(repr=False)
    uno_c: float | None
    auc: pd.DataFrame | None = field(repr=False)
    mean_auc: float | None
    horizon: float
    by: str
    km: KMResult = field(repr=False)
    logrank: LogRankResult | None = field(repr=False)
    calibration: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def table(self) -> pd.DataFrame:
        """The headline numbers, one row per metric."""
        values = {"n": self.n, "events": self.events, "harrell_c": self.harrell_c,
                  "uno_c": self.uno_c, "mean_auc": self.mean_auc,
                  "logrank_chi2": None if self.logrank is None else self.logrank.chi2,
                  "logrank_p": None if self.logrank is None else self.logrank.p}
        return pd.DataFrame({"value": pd.Series(values, dtype=float)}).rename_axis("metric")


def validation_result(sub: Cohort, scores: pd.DataFrame, ledger: Exclusions, surv_col: str,
                      horizon: float, auc_times: Sequence[float] | None,
                      n_groups: int, *, strata: np.ndarray | None = None) -> ValidationResult:
    """Validation numbers for the scored rows ``scores`` of the cohort ``sub`` (same order).

    ``scores`` holds ``linear_predictor``, ``surv_col`` (predicted survival at
    ``horizon``) and, when the model has risk groups, ``risk_group``.  With
    ``strata`` (each row's stratum code) Harrell's C counts pairs within strata.
    """
    time, event = aeq_times(sub.time), sub.event
    lp = scores["linear_predictor"].to_numpy()
    if "risk_group" in scores.columns:
        by, groups = "risk_group", pd.Categorical(scores["risk_group"])
    else:
        codes = pd.qcut(lp, n_groups, labels=False, duplicates="drop")
        by = "lp_group"
        labels = pd.Index([f"Q{i + 1}" for i in range(int(codes.max()) + 1)])
        groups = pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), labels,
                                           ordered=True)
    scores[by] = groups
    scored = sub.assign(**{by: groups})
    curves = km(scored, by=by)
    test = logrank(scored, by=by) if len(curves.groups) > 1 else None
    pred = scores[surv_col].to_numpy()
    obs = pd.concat([curves.at([horizon]), km(sub).at([horizon])], ignore_index=True)
    rows = []
    for g, r in zip([*curves.groups, "all"], obs.itertuples(), strict=True):
        mask = np.ones(len(lp), bool) if g == "all" else (groups == g)
        rows.append({"group": g, "n": int(mask.sum()), "events": int(event[mask].sum()),
                     "predicted": float(pred[mask].mean()), "observed": r.survival,
                     "ci_lower": r.ci_lower, "ci_upper": r.ci_upper})
    uno, auc, mean_auc, notes = _sksurv_metrics(time, event, lp, horizon, auc_times)
    counts = concordance_counts(time, event, lp, strata=strata)
    return ValidationResult(
        scores=scores, n=len(lp), events=int(event.sum()), excluded=ledger,
        harrell_c=counts["concordance"], concordance_counts=counts, uno_c=uno, auc=auc,
        mean_auc=mean_auc, horizon=horizon, by=by, km=curves, logrank=test,
        calibration=pd.DataFrame(rows).set_index("group"), notes=notes)


def _sksurv_metrics(time: np.ndarray, event: np.ndarray, lp: np.ndarray, tau: float,
                    auc_times: Sequence[float] | None
                    ) -> tuple[float | None, pd.DataFrame | None, float | None, tuple[str, ...]]:
    """Uno's C and the cumulative/dynamic AUC from scikit-survival (censoring KM on these rows)."""
    try:
        from sksurv.metrics import concordance_index_ipcw, cumulative_dynamic_auc
    except ImportError:
        return None, None, None, ("Uno's C and the time-dependent AUC need scikit-survival "
                                  "(pip install scikit-survival).",)
    y = np.empty(len(time), dtype=[("event", bool), ("time", float)])
    y["event"], y["time"] = event.astype(bool), time
    if auc_times is None:
        times = np.unique(np.quantile(time[event == 1], [0.25, 0.5, 0.75]))
        times = times[(times >= time.min()) & (times < time.max())]
    else:
        times = np.asarray(auc_times, dtype=float)
        if np.any(times < time.min()) or np.any(times >= time.max()):
            raise MirprogError(f"auc_times must lie within the follow-up [{time.min():g}, "
                               f"{time.max():g}) of the validation cohort, got {times.tolist()}.")
    notes = []
    try:
        uno: float | None = float(concordance_index_ipcw(y, y, lp, tau=tau)[0])
    except ValueError as exc:
        uno, notes = None, [f"Uno's C not computed: {exc}."]
    try:
        values, mean_auc = cumulative_dynamic_auc(y, y, lp, times)
        auc = pd.DataFrame({"time": times, "auc": values})
        return uno, auc, float(mean_auc), tuple(notes)
    except ValueError as exc:
        return uno, None, None, (*notes, f"time-dependent AUC not computed: {exc}.")



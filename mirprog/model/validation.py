"""External validation of a frozen prognostic model: its risk groups on new patients.

:meth:`mirprog.PrognosticModel.validate` returns the one
:class:`~mirprog.stats.validation.ValidationResult` of :func:`mirprog.validate`
(discrimination, Brier score, calibration); what only a model with groups
adds -- Kaplan–Meier curves and the log-rank test by risk group and the
predicted vs observed survival per group at one horizon -- is the
:class:`RiskGroupValidation` here, held in its ``risk_groups`` field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mirprog._result import Result
from mirprog.data.cohort import Cohort
from mirprog.stats.km import KMResult, km
from mirprog.stats.logrank import LogRankResult, logrank
from mirprog.stats.validation import ValidationResult

__all__ = ["RiskGroupValidation", "ValidationResult", "risk_group_validation"]


@dataclass(frozen=True)
class RiskGroupValidation(Result):
    """A model's risk groups in a validation cohort.

    Attributes
    ----------
    scores : pandas.DataFrame
        :meth:`PrognosticModel.score` output for the scored rows, with
        ``surv_at_<horizon>`` and the group column ``by``.
    horizon : float
        Time of the predicted vs observed survival check.
    by : str
        The grouping: ``"risk_group"`` (the model's) or ``"lp_group"`` (quantiles of lp).
    km : KMResult
        Kaplan–Meier curves by group.
    logrank : LogRankResult or None
        Log-rank test across groups (None with a single group).
    table : pandas.DataFrame
        Indexed by group (and ``"all"``): ``n, events, predicted`` (mean predicted
        survival at ``horizon``), ``observed`` (KM) with ``ci_lower, ci_upper``.
    """

    scores: pd.DataFrame = field(repr=False)
    horizon: float
    by: str
    km: KMResult = field(repr=False)
    logrank: LogRankResult | None = field(repr=False)
    table: pd.DataFrame = field(repr=False)


def risk_group_validation(sub: Cohort, scores: pd.DataFrame, surv_col: str, horizon: float,
                          n_groups: int) -> RiskGroupValidation:
    """KM, log-rank and per-group calibration for the scored rows ``scores`` of ``sub``.

    ``scores`` holds ``linear_predictor``, ``surv_col`` (predicted survival at
    ``horizon``) and, when the model has risk groups, ``risk_group``; without
    them the groups are ``n_groups`` quantile groups of the linear predictor.
    """
    event = sub.event
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
    return RiskGroupValidation(scores=scores, horizon=horizon, by=by, km=curves, logrank=test,
                               table=pd.DataFrame(rows).set_index("group"))

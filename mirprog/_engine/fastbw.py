"""Fast backward step-down of a fitted model, arrays in and out: R ``rms::fastbw``.

Lawless & Singhal's (1978) approximation: from the full fit's coefficients
``b`` and covariance ``V`` alone, a set ``q`` of coefficients is dropped with the
Wald chi-square ``b_q' V_qq^-1 b_q``, and the coefficients left are adjusted to
``b_r - V_rq V_qq^-1 b_q`` (covariance ``V_rr - V_rq V_qq^-1 V_qr``), with no
refit.  Factors (groups of design columns, e.g. all indicators of a categorical
covariate) are deleted whole, one at a time: at each step the factor with the
smallest criterion (``chi2 - k_aic df`` for ``rule="aic"``, the chi-square's
distribution function for ``rule="p"``) among those left, its chi-square from the
current adjusted coefficients; it goes if the stopping rule allows (``type=
"residual"``: the residual chi-square of everything deleted so far, from the full
``b`` and ``V``, ``resid - k_aic df <= aics`` or its p-value ``> sls``;
``type="individual"``: the factor's own criterion ``<= aics`` or ``1 - crit >
sls``), else the step-down stops.  Ties of the criterion go to the first factor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from mirprog._engine.dist import chi2_sf

__all__ = ["StepDown", "fastbw"]

Rule = Literal["aic", "p"]
Type = Literal["residual", "individual"]


@dataclass(frozen=True)
class StepDown:
    """R ``fastbw``'s result: factors by position in ``groups``.

    ``deleted`` in deletion order with, per step, ``chi2``, ``df``, ``p`` (the
    factor's), ``residual``, ``residual_df``, ``residual_p`` and ``aic``
    (``residual - k_aic residual_df``); ``kept`` factors and ``parms_kept``
    columns in their original order; ``coef``/``var`` the approximate
    coefficients of the kept columns and their covariance (empty when none).
    """

    deleted: np.ndarray
    chi2: np.ndarray
    df: np.ndarray
    p: np.ndarray
    residual: np.ndarray
    residual_df: np.ndarray
    residual_p: np.ndarray
    aic: np.ndarray
    kept: np.ndarray
    parms_kept: np.ndarray
    coef: np.ndarray
    var: np.ndarray


def _quad(v: np.ndarray, b: np.ndarray, tol: float) -> float:
    """``b' v^-1 b`` as R ``solvet`` (a QR solve that refuses a rank-deficient ``v``)."""
    return float(b @ _solve(v, b, tol))


def _solve(v: np.ndarray, b: np.ndarray, tol: float) -> np.ndarray:
    _, r = np.linalg.qr(v)
    d = np.abs(np.diag(r))
    if d.size and (not np.isfinite(d).all() or d.min() <= tol * d.max()):
        raise np.linalg.LinAlgError("apparently singular matrix")
    return np.linalg.solve(v, b)


def _criterion(chi2: float, df: int, rule: Rule, k_aic: float) -> float:
    return chi2 - k_aic * df if rule == "aic" else 1.0 - chi2_sf(chi2, df)


def _delete(resid: float, rdf: int, crit: float, rule: Rule, type_: Type, sls: float,
            aics: float, k_aic: float) -> bool:
    if type_ == "residual":
        return resid - k_aic * rdf <= aics if rule == "aic" else chi2_sf(resid, rdf) > sls
    return crit <= aics if rule == "aic" else 1.0 - crit > sls


def fastbw(coef: np.ndarray, var: np.ndarray, groups: Sequence[Sequence[int]], *,
           rule: Rule = "aic", type: Type = "residual", sls: float = 0.05,
           aics: float = 0.0, k_aic: float = 2.0, eps: float = 1e-9) -> StepDown:
    """Backward step-down of the factors ``groups`` (column positions of ``coef``), as R ``fastbw``.

    ``eps`` is R's ``solvet`` tolerance (``validate(bw = TRUE)`` passes its
    ``tol``, 1e-9); a rank-deficient block raises ``numpy.linalg.LinAlgError`` as R
    stops.  Defaults are R's (``rule="aic"``, ``type="residual"``, ``sls=0.05``,
    ``aics=0``, ``k.aic=2``; ``type="total"`` is ``"residual"`` in R).

    Examples
    --------
    >>> import numpy as np
    >>> sd = fastbw(np.array([1.0, 0.05]), np.diag([0.04, 0.01]), [[0], [1]])
    >>> sd.deleted.tolist(), sd.kept.tolist(), sd.coef.round(3).tolist()
    ([1], [0], [1.0])
    """
    b_full, v_full = np.asarray(coef, dtype=float), np.asarray(var, dtype=float)
    pt = len(b_full)
    cols = [np.asarray(g, dtype=np.int64) for g in groups]
    f_in = list(range(len(cols)))
    p_in = np.arange(pt)
    beta, cov = b_full.copy(), v_full.copy()
    rows: list[tuple[int, float, int, float, int]] = []
    for _ in range(len(cols)):
        best, best_crit, best_chi2, best_df = -1, 1e10, 1e10, 0
        for j in f_in:
            q = np.flatnonzero(np.isin(p_in, cols[j]))     # positions in the current beta
            chi2 = _quad(cov[np.ix_(q, q)], beta[q], eps)
            crit = _criterion(chi2, len(q), rule, k_aic)
            if crit < best_crit:
                best, best_crit, best_chi2, best_df = j, crit, chi2, len(q)
        if best < 0:
            break
        f_next = [j for j in f_in if j != best]
        p_next = p_in[~np.isin(p_in, cols[best])]
        out = np.setdiff1d(np.arange(pt), p_next) if p_next.size else np.arange(pt)
        resid = _quad(v_full[np.ix_(out, out)], b_full[out], eps)
        if not _delete(resid, len(out), best_crit, rule, type, sls, aics, k_aic):
            break
        rows.append((best, best_chi2, best_df, resid, len(out)))
        f_in, p_in = f_next, p_next
        if p_in.size:
            cross = v_full[np.ix_(p_in, out)]
            w = _solve(v_full[np.ix_(out, out)], cross.T, eps).T
            beta = b_full[p_in] - w @ b_full[out]
            cov = v_full[np.ix_(p_in, p_in)] - w @ cross.T
        else:
            beta, cov = np.zeros(0), np.zeros((0, 0))
    return _result(rows, f_in, p_in, beta, cov, k_aic)


def _result(rows: list[tuple[int, float, int, float, int]], f_in: list[int],
            p_in: np.ndarray, beta: np.ndarray, cov: np.ndarray, k_aic: float) -> StepDown:
    chi2 = np.array([r[1] for r in rows], dtype=float)
    df = np.array([r[2] for r in rows], dtype=np.int64)
    resid = np.array([r[3] for r in rows], dtype=float)
    rdf = np.array([r[4] for r in rows], dtype=np.int64)
    return StepDown(
        deleted=np.array([r[0] for r in rows], dtype=np.int64), chi2=chi2, df=df,
        p=np.array([chi2_sf(c, d) for c, d in zip(chi2, df, strict=True)]),
        residual=resid, residual_df=rdf,
        residual_p=np.array([chi2_sf(c, d) for c, d in zip(resid, rdf, strict=True)]),
        aic=resid - k_aic * rdf, kept=np.array(f_in, dtype=np.int64),
        parms_kept=np.asarray(p_in, dtype=np.int64), coef=beta, var=cov)

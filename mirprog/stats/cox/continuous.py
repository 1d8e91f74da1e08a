"""Continuous markers in Cox models: HR per doubling (log2) and restricted cubic splines.

Rows whose marker + offset <= 0 cannot be log-transformed: they are excluded with a
warning and listed in the result's ledger (reason ``"non-positive"``), never silently dropped."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from mirprog._engine.coxph import Ties
from mirprog._engine.dist import chi2_sf, zcrit
from mirprog._result import Result
from mirprog.data.cohort import Cohort, Exclusion, Exclusions
from mirprog.errors import (
    ArgumentError,
    CohortError,
    NonPositiveMarkerWarning,
    format_ids,
)
from mirprog.stats.cox.coxph import CoxResult, cox

if TYPE_CHECKING:
    pass

__all__ = ["NonPositiveMarkerWarning", "SplineCoxResult", "continuous_cox", "rcs_basis",
           "rcs_knots", "spline_cox"]

Transform = Literal["log2", "log", "raw"]


def _apply(values: np.ndarray, transform: Transform, offset: float) -> np.ndarray:
    """The transformed marker; NaN where it is missing or not transformable."""
    if transform == "raw":
        return values
    shifted = values + offset
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.log2(shifted) if transform == "log2" else np.log(shifted)
    return np.where(shifted > 0, out, np.nan)


def _prepare(cohort: Cohort, marker: str, transform: Transform, offset: float
             ) -> tuple[pd.Series, str, np.ndarray]:
    """Marker values (indexed by id), the term name and the transformed marker."""
    if transform not in ("log2", "log", "raw"):
        raise ArgumentError(f"transform must be 'log2', 'log' or 'raw', got {transform!r}.",
                            argument="transform")
    if not np.isfinite(offset) or offset < 0 or (transform == "raw" and offset):
        raise ArgumentError(f"offset must be a finite number >= 0 for a log transform (e.g. 1 "
                         f"when the marker has zeros) and 0 for 'raw', got {offset!r}")
    col = cohort.column(marker)
    if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
        raise CohortError(f"The marker {marker!r} must be numeric (continuous expression), "
                          f"found dtype {col.dtype}.", column=marker)
    values = col.to_numpy(dtype=float)
    nonpos = ~np.isnan(values) & np.isnan(xt := _apply(values, transform, offset))
    if nonpos.any():
        rows = list(cohort.ids[nonpos])
        warnings.warn(
            f"{len(rows)} row(s) with {marker} + {offset:g} <= 0 ({format_ids(rows)}) cannot be "
            f"{transform}-transformed and were excluded (see result.fit.excluded). Pass "
            f"offset=1 ({transform}({marker} + 1)) to keep zeros, or drop them explicitly.",
            NonPositiveMarkerWarning, stacklevel=3)
    inner = f"{marker} + {offset:g}" if offset else marker
    name = marker if transform == "raw" else f"{transform}({inner})"
    return pd.Series(values, index=cohort.ids), name, xt


def _relabel(fit: CoxResult, columns: Sequence[str], marker: str, values: pd.Series
             ) -> CoxResult:
    """Ledger entries of derived columns become ``marker`` rows: missing or non-positive."""
    entries = []
    for e in fit.excluded.entries:
        if e.column in columns:
            why = "missing" if np.isnan(values.loc[e.row]) else "non-positive"
            e = Exclusion(e.row, marker, why)
        entries.append(e)
    ex = Exclusions(fit.excluded.n_total, fit.excluded.n_used, tuple(entries))
    return replace(fit, excluded=ex)


def continuous_cox(
    cohort: Cohort,
    marker: str,
    *,
    transform: Transform = "log2",
    offset: float = 0.0,
    adjust: Sequence[str] = (),
    ties: Ties = "breslow",
    conf_level: float = 0.95,
) -> CoxResult:
    """Cox model of a continuous marker: hazard ratio per doubling of expression.

    Parameters
    ----------
    cohort : Cohort
    marker : str
        Numeric marker column (e.g. relative expression 2^-ddCt).
    transform : {"log2", "log", "raw"}, default "log2"
        Scale of the marker in the model.
    offset : float, default 0
        Added before a log transform: ``log2(marker + offset)``.  With 0, rows
        with marker <= 0 are excluded and reported (with a warning); pass 1 to
        keep zeros (R ``log2(x + 1)``).
    adjust : sequence of str, optional
        Covariates adjusted for, as in :func:`mirprog.cox` (text columns enter as
        indicators vs their first level).
    ties, conf_level :
        As in :func:`mirprog.cox`.

    Returns
    -------
    CoxResult
        Marker term ``"log2(<marker>)"`` (``"log2(<marker> + 1)"`` with offset 1;
        ``"log(...)"``; the column for raw) first: its ``hr`` is per doubling
        (log2), per e-fold increase (log) or per unit (raw).  ``excluded`` lists
        rows missing a column or with marker + offset <= 0 (``"non-positive"``).

    Warns
    -----
    NonPositiveMarkerWarning
        When rows with marker + offset <= 0 are excluded from a log scale.

    Notes
    -----
    A two-fold increase of x raises log2(x) by exactly 1, so exp(b) is the HR
    for a doubling of x (of ``marker + offset``) at any level; exp(b k) for a
    2^k-fold change.  Agrees with R ``coxph(Surv(time, cens) ~ log2(x + offset))``.

    Examples
    --------
    >>> import mirprog as mp
    >>> from mirprog import continuous_cox
    >>> fit = continuous_cox(mp.datasets.load_gbsg2(), "progrec", offset=1)
    >>> fit.summary[["hr", "ci_lower", "ci_upper", "p"]].round(3)
                         hr  ci_lower  ci_upper    p
    term
    log2(progrec + 1)  0.862     0.828     0.897  0.0
    """
    values, name, xt = _prepare(cohort, marker, transform, offset)
    fit = cox(cohort.assign(**{name: xt}), [name, *adjust], ties=ties, conf_level=conf_level)
    return _relabel(fit, [name], marker, values)


def rcs_knots(x: ArrayLike, n_knots: int = 4, *, fractied: float = 0.05) -> np.ndarray:
    """Default knots of Harrell's restricted cubic spline (``Hmisc::rcspline.eval``).

    Quantiles 10/50/90% for 3 knots, 5/35/65/95% for 4, 5/27.5/50/72.5/95% for
    5 (even from 5% to 95%; 2.5%-97.5% for 7+).  As R: with < 100 values the
    outer knots are the 5th smallest/largest; when the minimum (maximum) holds
    >= ``fractied`` of the values and no other value does, the first (last)
    knot is the next distinct value, the others quantiles beyond it.  Where R
    falls back to other rules (heavy ties), this raises instead.

    Examples
    --------
    >>> rcs_knots(list(range(1, 201)), 3)
    array([ 20.9, 100.5, 180.1])
    """
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    if n_knots < 3:
        raise ArgumentError(f"n_knots must be >= 3, got {n_knots}.", argument="n_knots")
    uniq, counts = np.unique(v, return_counts=True)
    fix = "use fewer knots or pass knots=[...]"
    if len(v) < 6 or len(uniq) - 2 <= n_knots:
        raise CohortError(f"{len(v)} values ({len(uniq)} distinct) are too few for {n_knots} "
                          f"knots; {fix}.")
    outer = 0.025 if n_knots > 6 else 0.05 if n_knots > 3 else 0.1
    freq, first, last, nke = counts / len(v), [], [], n_knots
    if 0 < fractied < 1 and freq[1:-1].max() < fractied:
        if freq[0] >= fractied:
            first = [v[v > v.min()].min()]
            v, nke = v[v > first[0]], nke - 1
        if freq[-1] >= fractied:
            last = [v[v < v.max()].max()]
            v, nke = v[v < last[0]], nke - 1
    probs = np.linspace(0.5 if nke == 2 else outer, 1 - outer, nke)
    inner = np.quantile(v, probs) if nke > 1 else np.array([np.median(v)])
    if len(np.unique(inner)) < min(nke, 3):
        raise CohortError(f"No {n_knots} distinct quantile knots (heavy ties); {fix}.")
    if nke > 1 and len(v) < 100:  # outer knots at the 5th smallest / largest value
        sv = np.sort(v)
        inner[[0, -1]] = [inner[0] if first else sv[4], inner[-1] if last else sv[-5]]
    knots = np.unique(np.concatenate([first, inner, last]))
    if len(knots) != n_knots:
        raise CohortError(f"Only {len(knots)} distinct knots for {n_knots} (ties); {fix}.")
    return knots


def rcs_basis(x: ArrayLike, knots: ArrayLike) -> np.ndarray:
    """Harrell's restricted cubic spline basis: ``x`` and k - 2 non-linear terms (R ``rcs``).

    Term j is ``(x - t_j)+^3 - (x - t_{k-1})+^3 (t_k - t_j)/(t_k - t_{k-1})
    + (x - t_k)+^3 (t_{k-1} - t_j)/(t_k - t_{k-1})``, divided by
    ``(t_k - t_1)^2`` (``norm = 2``): linear beyond the outer knots.

    Examples
    --------
    >>> rcs_basis([0.0, 5.0, 10.0], [1.0, 4.0, 9.0]).round(4)
    array([[ 0.   ,  0.   ],
           [ 5.   ,  0.975],
           [10.   ,  6.   ]])
    """
    xv = np.asarray(x, dtype=float)
    t = np.sort(np.asarray(knots, dtype=float))
    kd = (t[-1] - t[0]) ** (2 / 3)

    def cube(u: np.ndarray) -> np.ndarray:
        return np.asarray(np.maximum(u / kd, 0) ** 3)

    cols = [xv] + [cube(xv - tj) + ((t[-2] - tj) * cube(xv - t[-1])
                                    - (t[-1] - tj) * cube(xv - t[-2])) / (t[-1] - t[-2])
                   for tj in t[:-2]]
    return np.column_stack(cols)


@dataclass(frozen=True)
class SplineCoxResult(Result):
    """Cox model with a restricted cubic spline of a continuous marker.

    Attributes
    ----------
    curve : pandas.DataFrame
        Over a grid: ``value`` (marker), ``x`` (transformed), ``log_hr`` (vs
        ``reference``), ``se``, ``ci_lower``, ``ci_upper`` (pointwise, log scale).
    fit, linear : CoxResult
        The spline model (terms ``term``, ``term'``, ``term''``, ... as ``rms``,
        then any adjustment terms) and the model linear in ``term`` (same rows).
    nonlinear_chi2, nonlinear_df, nonlinear_p : float, int, float
        Likelihood-ratio test of non-linearity (spline vs linear).
    knots, observed : numpy.ndarray
        Knots, and the marker of the rows used, on the transformed scale.
    reference : float
        Marker value (original scale) where ``log_hr`` = 0.
    marker, term, transform, offset, conf_level :
        As given; ``term`` is the transformed marker's name (e.g. ``"log2(progrec + 1)"``).
    """

    curve: pd.DataFrame
    fit: CoxResult = field(repr=False)
    linear: CoxResult = field(repr=False)
    nonlinear_chi2: float
    nonlinear_df: int
    nonlinear_p: float
    knots: np.ndarray
    reference: float
    observed: np.ndarray = field(repr=False)
    marker: str
    term: str
    transform: Transform
    offset: float
    conf_level: float

    @property
    def reference_x(self) -> float:
        """The reference value on the transformed scale of :attr:`curve`'s ``x``."""
        return float(_apply(np.array([self.reference]), self.transform, self.offset)[0])

    def log_hazard_ratio(self, values: ArrayLike) -> pd.DataFrame:
        """Log relative hazard at marker ``values`` (original scale) vs ``reference``, with CI."""
        v = np.atleast_1d(np.asarray(values, dtype=float))
        x = _apply(v, self.transform, self.offset)
        xref = _apply(np.array([self.reference]), self.transform, self.offset)
        d = rcs_basis(x, self.knots) - rcs_basis(xref, self.knots)
        k, z = d.shape[1], zcrit(self.conf_level)
        est = d @ self.fit.summary["coef"].to_numpy(float)[:k]
        se = np.sqrt(np.einsum("ij,jk,ik->i", d, self.fit.vcov.to_numpy(float)[:k, :k], d))
        return pd.DataFrame({"value": v, "x": x, "log_hr": est, "se": se,
                             "ci_lower": est - z * se, "ci_upper": est + z * se})

    @property
    def table(self) -> pd.DataFrame:
        """The main frame: ``curve``, the hazard ratio along the marker."""
        return self.curve

    @property
    def excluded(self) -> Exclusions:
        """Rows left out of the spline fit and why."""
        return self.fit.excluded

    def __repr__(self) -> str:
        return (f"SplineCoxResult({self.term}, knots {np.round(self.knots, 4).tolist()}, n = "
                f"{self.fit.n}; non-linearity LR chi2 = {self.nonlinear_chi2:.4g} on "
                f"{self.nonlinear_df} df, p = {self.nonlinear_p:.4g})")


def spline_cox(
    cohort: Cohort,
    marker: str,
    *,
    n_knots: int = 4,
    knots: ArrayLike | None = None,
    transform: Transform = "log2",
    offset: float = 0.0,
    adjust: Sequence[str] = (),
    ties: Ties = "breslow",
    reference_value: float | None = None,
    grid: int | ArrayLike = 100,
    conf_level: float = 0.95,
) -> SplineCoxResult:
    """Cox model with a restricted cubic spline of a marker, and its test of non-linearity.

    Parameters
    ----------
    cohort : Cohort
    marker : str
    n_knots : int, default 4
        Number of knots (R ``rcs(x, 4)``) at Harrell's quantiles (see
        :func:`rcs_knots`); the spline has ``n_knots - 1`` df.
    knots : array-like, optional
        Knot positions on the transformed scale (e.g. log2 units) instead.
    transform, offset, adjust, ties, conf_level :
        As in :func:`continuous_cox`; the spline is of the transformed marker.
    reference_value : float, optional
        Marker value (original scale) where the log relative hazard is 0;
        default: the median over the rows used.
    grid : int or array-like, default 100
        Number of points, evenly spaced on the transformed scale over the
        observed range, or marker values (original scale).

    Returns
    -------
    SplineCoxResult

    Notes
    -----
    Knots (over the rows used) and basis as ``rms::rcs`` (Harrell, Regression
    Modeling Strategies, sec. 2.4.5): fits agree with R ``coxph(Surv(time,
    cens) ~ rcs(log2(x + offset), 4))``.  Non-linearity: LR test of the spline
    vs the linear model, ``n_knots - 2`` df (``rms::anova`` gives the Wald
    test).  The pointwise CI at x uses the variance of ``(B(x) - B(ref)) b``.

    Examples
    --------
    >>> import mirprog as mp
    >>> from mirprog import spline_cox
    >>> sp = spline_cox(mp.datasets.load_gbsg2(), "progrec", offset=1)
    >>> sp.knots.round(3)
    array([1.   , 2.322, 5.833, 8.764])
    >>> round(sp.nonlinear_chi2, 3), sp.nonlinear_df, round(sp.nonlinear_p, 3)
    (2.24, 2, 0.326)
    """
    values, name, xt = _prepare(cohort, marker, transform, offset)
    usable = np.isin(cohort.ids, cohort.complete_cases(list(adjust)).ids) & ~np.isnan(xt)
    kn = rcs_knots(xt[usable], n_knots) if knots is None else np.unique(np.asarray(knots, float))
    if len(kn) < 3:
        raise ArgumentError(f"A restricted cubic spline needs at least 3 distinct knots, "
                            f"got {kn}.", argument="knots")
    basis = rcs_basis(xt, kn)
    names = [name + "'" * j for j in range(basis.shape[1])]
    derived = cohort.assign(**dict(zip(names, basis.T, strict=True)))
    fit = _relabel(cox(derived, [*names, *adjust], ties=ties, conf_level=conf_level), names,
                   marker, values)
    linear = _relabel(cox(derived, [name, *adjust], ties=ties, conf_level=conf_level), names,
                      marker, values)
    chi2, df = 2.0 * (fit.loglik - linear.loglik), len(kn) - 2
    used = np.isin(cohort.ids, fit.ids)
    ref = float(np.median(values[used]) if reference_value is None else reference_value)
    result = SplineCoxResult(
        curve=pd.DataFrame(), fit=fit, linear=linear, nonlinear_chi2=chi2, nonlinear_df=df,
        nonlinear_p=chi2_sf(chi2, df), knots=kn, reference=ref, observed=xt[used], marker=marker,
        term=name, transform=transform, offset=float(offset), conf_level=conf_level)
    if isinstance(grid, int | np.integer):  # evenly spaced on the transformed scale
        gx = np.linspace(result.observed.min(), result.observed.max(), int(grid))
        grid = gx if transform == "raw" else (np.exp2(gx) if transform == "log2"
                                              else np.exp(gx)) - offset
    return replace(result, curve=result.log_hazard_ratio(grid))



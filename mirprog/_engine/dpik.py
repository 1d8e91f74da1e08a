"""Direct plug-in kernel bandwidth, arrays in and out: R ``KernSmooth::dpik``.

Wand & Jones (1995, section 3.6) and Sheather & Jones (1991): the bandwidth
minimising the asymptotic MISE, ``scale * del0 * (1 / (psi4 n))^(1/5)``, with the
density functional ``psi4`` estimated by binned kernel functional estimates
(:func:`bkfe`, Gaussian kernel, on linear bins :func:`linbin` of the data
standardised by ``scale``) whose own bandwidths are plugged in ``level`` steps,
starting from a normal reference.  ``del0`` is the kernel's canonical factor.
Ported from KernSmooth 2.23 step by step (the Fortran ``linbin`` and the R
``bkfe``/``dpik``, its FFT convolution included), so values agree to rounding.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

__all__ = ["bkfe", "dpik", "linbin", "r_mean"]

Kernel = Literal["normal", "box", "epanech", "biweight", "triweight"]
_DEL0 = {"normal": 1 / (4 * math.pi) ** (1 / 10), "box": (9 / 2) ** (1 / 5),
         "epanech": 15 ** (1 / 5), "biweight": 35 ** (1 / 5),
         "triweight": (9450 / 143) ** (1 / 5)}


def linbin(x: np.ndarray, a: float, b: float, m: int, truncate: bool = True) -> np.ndarray:
    """Linear-binning counts of ``x`` on ``m`` equally spaced points from ``a`` to ``b``.

    As KernSmooth's Fortran ``linbin``: a point between grid points j and j+1
    (1-based ``li = int((x - a)/delta) + 1``) gives ``1 - rem`` to j and ``rem`` to
    j+1; points with ``li >= m`` (including x = b itself) or ``li < 1`` are dropped
    when ``truncate``, else counted at the end points.

    Examples
    --------
    >>> linbin(np.array([0.0, 0.25, 1.0]), 0.0, 1.0, 3).tolist()
    [1.5, 0.5, 0.0]
    """
    x = np.asarray(x, dtype=float)
    delta = (b - a) / (m - 1)
    lxi = (x - a) / delta + 1
    li = np.trunc(lxi).astype(np.int64)                  # Fortran int(): toward zero
    rem = lxi - li
    g = np.zeros(m + 1)
    inside = (li >= 1) & (li < m)
    np.add.at(g, li[inside] - 1, 1 - rem[inside])
    np.add.at(g, li[inside], rem[inside])
    if not truncate:
        g[0] += np.count_nonzero(li < 1)
        g[m - 1] += np.count_nonzero(li >= m)
    return g[:m]


def bkfe(gcounts: np.ndarray, drv: int, h: float, a: float, b: float) -> float:
    """Binned estimate of the density functional psi_drv with a Gaussian kernel of
    bandwidth ``h``, from the bin counts ``gcounts`` on ``[a, b]`` (R ``bkfe(binned = TRUE)``).

    Examples
    --------
    >>> g = linbin(np.linspace(-2, 2, 200), -2.0, 2.0, 401)   # R: 0.399082797152101
    >>> round(bkfe(g, 4, 0.5, -2.0, 2.0), 6)
    0.399083
    """
    g = np.asarray(gcounts, dtype=float)
    m = len(g)
    n = g.sum()
    delta = (b - a) / (m - 1)
    ell = int(min(math.floor((4 + drv) * h / delta), m))
    arg = np.arange(ell + 1) * delta / h
    kappa = np.exp(-arg ** 2 / 2) / math.sqrt(2 * math.pi) / h ** (drv + 1)
    old0, old1, new = np.ones_like(arg), arg, np.ones_like(arg)   # Hermite polynomials
    for i in range(2, drv + 1):
        new = arg * old1 - (i - 1) * old0
        old0, old1 = old1, new
    kappa = new * kappa
    size = 2 ** math.ceil(math.log(m + ell + 1) / math.log(2))
    kern = np.r_[kappa, np.zeros(size - 2 * ell - 1), kappa[1:][::-1]]
    conv = np.real(np.fft.ifft(np.fft.fft(kern) * np.fft.fft(np.r_[g, np.zeros(size - m)])))
    return float(np.sum(g * conv[:m]) / n ** 2)


def r_mean(x: np.ndarray) -> float:
    """R ``mean``: a sequential long-double sum, then one correction pass.

    The bins of tied data (points on grid points, the maximum on the last one)
    depend on the last bit of the centre, so it is R's to the bit (x86-64 long
    double, as R's ``LDOUBLE``).
    """
    xl = np.asarray(x, dtype=np.longdouble)
    n = len(xl)
    s = np.cumsum(xl)[-1] / n
    if np.isfinite(s):
        s = s + np.cumsum(xl - s)[-1] / n
    return float(s)


def _r_sd(x: np.ndarray) -> float:
    """R ``sd`` (``cov.c``: the mean as :func:`r_mean`, squares summed in long double)."""
    m = np.longdouble(r_mean(x))
    d = np.asarray(x, dtype=np.longdouble) - m
    return float(np.sqrt(float(np.cumsum(d * d)[-1] / (len(d) - 1))))


def _r_quantile(x: np.ndarray, prob: float) -> float:
    """R ``quantile(x, prob)``, type 7, with R's arithmetic."""
    v = np.sort(np.asarray(x, dtype=float))
    index = 1 + (len(v) - 1) * prob
    lo, hi = math.floor(index), math.ceil(index)
    q = float(v[lo - 1])
    if index > lo and v[hi - 1] != q:
        h = index - lo
        q = (1 - h) * q + h * float(v[hi - 1])
    return q


def _scale(x: np.ndarray) -> float:
    iqr = _r_quantile(x, 0.75) - _r_quantile(x, 0.25)
    return float(min(iqr / 1.349, _r_sd(x)))


def dpik(x: np.ndarray, *, level: int = 2, kernel: Kernel = "normal",
         gridsize: int = 401) -> float:
    """R ``KernSmooth::dpik(x, scalest = "minim", level, kernel, gridsize)`` (range of x,
    truncated bins, not canonical).

    Raises ``ValueError`` where R stops: a zero scale estimate (``min(IQR/1.349,
    sd)``) or ``level`` outside 0..5.  The result can be NaN where R's is (a
    functional estimate of the wrong sign).

    Examples
    --------
    >>> round(dpik(np.array([0.1, 0.4, 0.45, 0.5, 0.7, 0.71, 0.9, 1.3])), 6)  # R: 0.201130488474431
    0.20113
    """
    if not 0 <= level <= 5:
        raise ValueError("Level should be between 0 and 5")
    x = np.asarray(x, dtype=float)
    n = len(x)
    scale = _scale(x)
    if not scale > 0:
        raise ValueError("scale estimate is zero for input data")
    mean = r_mean(x)
    sa, sb = (float(x.min()) - mean) / scale, (float(x.max()) - mean) / scale
    g = linbin((x - mean) / scale, sa, sb, gridsize)
    with np.errstate(invalid="ignore"):
        psi4 = 3 / (8 * math.sqrt(math.pi)) if level == 0 else _psi4(g, level, n, sa, sb)
        return float(scale * _DEL0[kernel] * (1 / (psi4 * n)) ** (1 / 5)) \
            if psi4 * n > 0 else float("nan")


# the plug-in chain: (drv, constant of the next alpha) from psi_{2 level + 2} down to psi_6
_CHAIN = {12: 945.0, 10: -105.0, 8: 15.0, 6: -3.0}


def _psi4(g: np.ndarray, level: int, n: int, a: float, b: float) -> float:
    top = 2 * level + 2
    r = math.sqrt(2)
    alpha = (2 * r ** (top + 3) / ((top + 1) * n)) ** (1 / (top + 3))
    psi = bkfe(g, top, alpha, a, b)
    for drv in range(top, 4, -2):
        base = _CHAIN[drv] * math.sqrt(2 / math.pi) / (psi * n)
        alpha = base ** (1 / (drv + 1)) if base > 0 else float("nan")
        if not math.isfinite(alpha):
            return float("nan")
        psi = bkfe(g, drv - 2, alpha, a, b)
    return psi

"""Power of a two-group survival comparison and the events it needs (Schoenfeld).

For a hazard ratio ``hr`` between two groups, the log-rank test (or the Cox
model's Wald test of a 0/1 factor) has, with ``e1`` and ``e2`` expected events
in the groups, a log hazard ratio estimate with standard deviation
``sd = sqrt(1/e1 + 1/e2)`` (George & Desu 1974; Schoenfeld 1981).  With ``D``
events in all and a fraction ``alloc`` of the patients in one group, e1 = D
alloc and e2 = D (1 - alloc), so sd = 1 / sqrt(D alloc (1 - alloc)).  The
two-sided power at level ``alpha`` is, as R ``Hmisc::cpower`` (which rms
re-exports),

    1 - [Phi(z - |log hr| / sd) - Phi(-z - |log hr| / sd)],  z = Phi^-1(1 - alpha/2),

and Schoenfeld's number of events for a target power is
``(z + Phi^-1(power))^2 / (alloc (1 - alloc) log(hr)^2)``.
"""

from __future__ import annotations

import math

from mirprog._engine.dist import normal_cdf, normal_ppf
from mirprog.errors import ArgumentError

__all__ = ["events_needed", "power_cox"]


def _check(hr: float, alpha: float, alloc: float) -> float:
    if not (isinstance(hr, int | float) and math.isfinite(hr) and hr > 0 and hr != 1):
        raise ArgumentError(f"hr must be a positive hazard ratio other than 1, got {hr!r}.",
                            argument="hr")
    if not 0 < alpha < 1:
        raise ArgumentError(f"alpha must be between 0 and 1, got {alpha!r}.", argument="alpha")
    if not 0 < alloc < 1:
        raise ArgumentError(f"alloc (the fraction of patients in one group) must be between 0 "
                            f"and 1, got {alloc!r}.", argument="alloc")
    return abs(math.log(hr))


def power_cox(hr: float, events: float | None = None, *, alloc: float = 0.5,
              alpha: float = 0.05,
              events_by_group: tuple[float, float] | None = None) -> float:
    """Two-sided power to detect a hazard ratio between two groups with so many events.

    Parameters
    ----------
    hr : float
        The hazard ratio to detect (e.g. the observed one, or the one worth finding).
    events : float, optional
        Events in both groups together (e.g. ``result.events`` of a log-rank test).
    alloc : float, default 0.5
        Fraction of the patients in one of the groups (a median split: 0.5).
    alpha : float, default 0.05
        Two-sided level.
    events_by_group : (float, float), optional
        Expected events per group instead of ``events`` and ``alloc``, as
        ``Hmisc::cpower``.

    Returns
    -------
    float
        The power, between ``alpha`` and 1.

    Notes
    -----
    See the module docstring: the George–Desu variance of the log hazard ratio and
    both tails of the normal test, as R ``cpower``.  A post-hoc power at the observed
    hazard ratio says no more than the p-value does; report the power for a hazard
    ratio worth detecting, and the events that would need (:func:`events_needed`).

    Examples
    --------
    >>> import mirprog as mp
    >>> round(mp.power_cox(0.7, 247), 3)        # Schoenfeld's 247 events for 80%
    0.8
    """
    delta = _check(hr, alpha, alloc)
    if events_by_group is not None:
        if events is not None:
            raise ArgumentError("Give events or events_by_group, not both.",
                                argument="events_by_group")
        e1, e2 = (float(v) for v in events_by_group)
        if not (e1 > 0 and e2 > 0):
            raise ArgumentError(f"events_by_group must be two positive numbers, got "
                                f"{events_by_group!r}.", argument="events_by_group")
        sd = math.sqrt(1 / e1 + 1 / e2)
    else:
        if events is None or not (math.isfinite(events) and events > 0):
            raise ArgumentError(f"events must be a positive number, got {events!r}.",
                                argument="events")
        sd = 1 / math.sqrt(events * alloc * (1 - alloc))
    z = float(normal_ppf(1 - alpha / 2))
    return 1 - (normal_cdf(z - delta / sd) - normal_cdf(-z - delta / sd))


def events_needed(hr: float, *, power: float = 0.8, alloc: float = 0.5,
                  alpha: float = 0.05) -> float:
    """Events needed to detect ``hr`` between two groups with the given power (Schoenfeld).

    Parameters
    ----------
    hr : float
        The hazard ratio to detect.
    power : float, default 0.8
    alloc : float, default 0.5
        Fraction of the patients in one group.
    alpha : float, default 0.05
        Two-sided level.

    Returns
    -------
    float
        ``(z_{1-alpha/2} + z_power)^2 / (alloc (1 - alloc) log(hr)^2)``, not rounded
        (round up for a plan).  With these events :func:`power_cox` gives ``power``
        (up to the far tail, below 1e-6 for any power above alpha).

    Examples
    --------
    >>> import math, mirprog as mp
    >>> math.ceil(mp.events_needed(0.7))
    247
    """
    delta = _check(hr, alpha, alloc)
    if not alpha / 2 < power < 1:
        raise ArgumentError(f"power must be between alpha/2 and 1, got {power!r}.",
                            argument="power")
    z = float(normal_ppf(1 - alpha / 2)) + float(normal_ppf(power))
    return z * z / (alloc * (1 - alloc) * delta * delta)

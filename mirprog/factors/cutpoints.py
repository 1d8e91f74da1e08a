"""Cutpoints: turn continuous markers into high/low (or ordered) groups, once, and freeze them.

Thresholds are learnt on a training cohort by :meth:`Cutpoints.fit` and then
re-applied unchanged to any cohort by :meth:`Cutpoints.apply` -- never refitted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from mirprog._compute.execution import ExecOptions, execution_options
from mirprog._compute.parallel import check_threads
from mirprog._compute.resample import fresh_seed
from mirprog._engine.maxstat import p_lausen92, permutation_p, scan_splits
from mirprog._result import Result
from mirprog.data import file_schema as fs
from mirprog.data.cohort import Cohort, Exclusions, timefixed
from mirprog.data.missing import parse_numbers
from mirprog.data.scale import MarkerRange, check_scale
from mirprog.errors import CohortError, ModelFileError

__all__ = ["Cutpoint", "Cutpoints", "OptimalCutpointResult", "optimal_cutpoint"]

Rule = Literal["median", "tertiles", "quartiles", "quantile", "fixed", "optimal"]
High = Literal["above", "at_or_above"]
SCHEMA_PREFIX = "mirprog.cutpoints/"
SCHEMA_VERSIONS = (1, 2)  # 2 adds marker_ranges (the scale check of apply)
SCHEMA = f"{SCHEMA_PREFIX}{SCHEMA_VERSIONS[-1]}"
RULES = ("median", "tertiles", "quartiles", "quantile", "fixed", "optimal")
_GROUPS = {"tertiles": 3, "quartiles": 4}


@dataclass(frozen=True)
class Cutpoint:
    """The frozen split of one marker.

    Attributes
    ----------
    marker : str
        The continuous column split.
    column : str
        The column :meth:`apply` writes: ``<marker>_high`` (0/1) for one
        threshold, ``<marker>_level`` (1..k, ordered) for k - 1 thresholds.
    rule : str
        How the thresholds were chosen (``median``, ``tertiles``, ``quartiles``,
        ``quantile``, ``fixed`` or ``optimal``).
    thresholds : tuple of float
        Increasing thresholds.
    high : {"above", "at_or_above"}
        ``"above"``: a value equal to a threshold goes to the lower group;
        ``"at_or_above"``: to the upper group.
    n_fit : int
        Non-missing values the thresholds were learnt from (0 for fixed thresholds).
    n_at_threshold : int
        Training values exactly equal to a threshold (ties whose side ``high`` decides).
    group_sizes : tuple of int
        Training patients per group, lowest first.
    """

    marker: str
    column: str
    rule: str
    thresholds: tuple[float, ...]
    high: High
    n_fit: int
    n_at_threshold: int
    group_sizes: tuple[int, ...]

    def assign(self, values: pd.Series) -> pd.Series:
        """Group of each value: 0/1 for a binary split, 1..k for ordered levels; NA stays NA."""
        numeric = _numeric_marker(values, self.marker)
        arr = numeric.to_numpy(dtype=float)
        thr = np.asarray(self.thresholds)
        # number of thresholds below the value (strictly below, for "above")
        side: Literal["left", "right"] = "left" if self.high == "above" else "right"
        level = np.searchsorted(thr, arr, side=side).astype(float)
        level[np.isnan(arr)] = np.nan
        if len(thr) > 1:
            level = level + 1
        return pd.Series(level, index=values.index, name=self.column).astype("Int64")


def _numeric_marker(values: pd.Series, marker: str) -> pd.Series:
    if values.dtype == bool:
        raise CohortError(f"Marker {marker!r} is already binary (True/False); use it directly "
                          "as a factor instead of cutting it.", column=marker)
    return parse_numbers(values, marker, what="Marker").values


def _fit_one(values: pd.Series, marker: str, rule: Rule, high: High, q: Any,
             fixed: Any) -> Cutpoint:
    numeric = _numeric_marker(values, marker).dropna()
    if rule == "fixed":
        if fixed is None:
            raise CohortError(f"rule='fixed' needs thresholds={{{marker!r}: value}}.",
                              column=marker)
        thr = np.atleast_1d(np.asarray(fixed, dtype=float))
        n_fit = 0
    else:
        if numeric.empty:
            raise CohortError(f"Marker {marker!r} has no non-missing value; it cannot be split.",
                              column=marker)
        if rule == "median":
            probs = np.array([0.5])
        elif rule in _GROUPS or rule == "quantile":
            k = _GROUPS.get(rule, q)
            if k is None:
                raise CohortError("rule='quantile' needs q= (number of groups, or a list of "
                                  "probabilities).")
            if isinstance(k, int | np.integer):
                probs = np.arange(1, int(k)) / int(k)
            else:
                probs = np.asarray(k, dtype=float)
        else:
            raise CohortError(f"Unknown cutpoint rule {rule!r}: use 'median', 'tertiles', "
                              "'quartiles', 'quantile', 'fixed' or 'optimal'.")
        thr = np.quantile(numeric.to_numpy(dtype=float), probs)
        n_fit = len(numeric)
    if np.any(np.diff(thr) <= 0) or not np.all(np.isfinite(thr)):
        raise CohortError(
            f"Marker {marker!r}: the {rule} thresholds {thr.tolist()} are not distinct (too many "
            "tied values); use fewer groups or fixed thresholds.", column=marker)
    column = f"{marker}_high" if len(thr) == 1 else f"{marker}_level"
    cut = Cutpoint(marker, column, rule, tuple(float(t) for t in thr), high, n_fit, 0, ())
    groups = cut.assign(numeric).to_numpy(dtype=float)
    k = len(thr) + 1
    base = 0 if len(thr) == 1 else 1
    sizes = tuple(int((groups == base + i).sum()) for i in range(k))
    if rule != "fixed" and min(sizes) == 0:
        raise CohortError(
            f"Marker {marker!r} cannot be split by its {rule} ({thr.tolist()}): "
            f"group sizes would be {list(sizes)}, because many values equal the threshold. "
            f"Try high='{'at_or_above' if high == 'above' else 'above'}', or a fixed threshold.",
            column=marker)
    at_thr = int(np.isin(numeric.to_numpy(dtype=float), thr).sum())
    return Cutpoint(marker, column, rule, cut.thresholds, high, n_fit, at_thr, sizes)


@dataclass(frozen=True)
class Cutpoints:
    """Frozen thresholds for one or more markers, learnt once and re-applied.

    Build with :meth:`fit`; save with :meth:`to_json`; reuse on a new cohort
    with :meth:`apply`, which never recomputes a threshold.

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> cuts = mp.Cutpoints.fit(gbsg, ["progrec", "estrec"])
    >>> cuts.thresholds
    {'progrec': 32.5, 'estrec': 36.0}
    >>> gbsg = cuts.apply(gbsg)
    >>> gbsg.data["progrec_high"].value_counts().sort_index().tolist()
    [343, 343]
    >>> mp.Cutpoints.from_json(cuts.to_json()) == cuts
    True
    """

    cutpoints: tuple[Cutpoint, ...]
    ranges: Mapping[str, MarkerRange] = field(default_factory=dict, repr=False, hash=False)
    """Marker -> distribution of its training values, for the scale check of :meth:`apply`
    (filled by :meth:`fit`; may be empty)."""

    @classmethod
    def fit(
        cls,
        cohort: Cohort,
        columns: str | Sequence[str],
        rule: Rule = "median",
        *,
        high: High = "above",
        q: int | Sequence[float] | None = None,
        thresholds: Mapping[str, float | Sequence[float]] | None = None,
    ) -> Cutpoints:
        """Learn thresholds for ``columns`` on ``cohort``.

        Parameters
        ----------
        cohort : Cohort
            The training cohort.
        columns : str or sequence of str
            Continuous marker columns.
        rule : {"median", "tertiles", "quartiles", "quantile", "fixed", "optimal"}, default "median"
            ``"median"`` (the reference study's split): **high = value strictly
            above the cohort median** of the non-missing values; with an even
            count and no ties that is exactly half the patients, and patients
            at the median go to the low group.  ``"tertiles"``/``"quartiles"``/
            ``"quantile"`` (with ``q``) give ordered levels 1..k from sample
            quantiles (linear interpolation, R's type 7).  ``"fixed"`` takes
            ``thresholds`` as given (e.g. nodes > 3).  ``"optimal"``: the split
            maximising the log-rank statistic between the 10% and 90% quantiles
            (R ``maxstat``; see :func:`mirprog.optimal_cutpoint` for its
            search-corrected p and :func:`mirprog.cv_optimal_cutpoint` for its optimism).
        high : {"above", "at_or_above"}, default "above"
            Which side a value equal to a threshold falls on.
        q : int or sequence of float, optional
            For ``rule="quantile"``: number of groups, or the probabilities.
        thresholds : mapping, optional
            For ``rule="fixed"``: marker -> threshold (or increasing thresholds).

        Returns
        -------
        Cutpoints

        Raises
        ------
        CohortError
            Missing or non-numeric marker column; all values missing; a split
            that leaves a group empty (e.g. a constant marker).
        """
        cols = [columns] if isinstance(columns, str) else list(columns)
        cohort.require(*cols, role="marker")
        cohort.require_one_row_per_patient("Cutpoints.fit (a median or quantile of patients)")
        if rule == "optimal":
            cuts = tuple(optimal_cutpoint(cohort, c).to_cutpoint(high) for c in cols)
        else:
            fixed = dict(thresholds or {})
            if rule == "fixed":
                missing = [c for c in cols if c not in fixed]
                if missing:
                    raise CohortError(f"rule='fixed' needs a threshold for {missing}: pass "
                                      f"thresholds={{{missing[0]!r}: value}}.",
                                      column=missing[0])
            cuts = tuple(_fit_one(cohort.column(c), c, rule, high, q, fixed.get(c))
                         for c in cols)
        values = {c: pd.to_numeric(cohort.column(c), errors="coerce").to_numpy(dtype=float)
                  for c in cols}
        return cls(cuts, {c: MarkerRange.of(pd.Series(v)) for c, v in values.items()
                          if np.isfinite(v).any()})

    def __getitem__(self, marker: str) -> Cutpoint:
        for c in self.cutpoints:
            if c.marker == marker:
                return c
        raise KeyError(marker)

    @property
    def markers(self) -> tuple[str, ...]:
        """Markers covered, in order."""
        return tuple(c.marker for c in self.cutpoints)

    @property
    def thresholds(self) -> dict[str, float | tuple[float, ...]]:
        """Marker -> threshold (a tuple when there are several)."""
        return {c.marker: c.thresholds[0] if len(c.thresholds) == 1 else c.thresholds
                for c in self.cutpoints}

    def apply(self, cohort: Cohort) -> Cohort:
        """A new Cohort with one group column per marker, using these frozen thresholds.

        Missing marker values stay missing (each analysis then excludes and
        reports those rows).

        Raises
        ------
        CohortError
            If a marker column is absent from ``cohort``.

        Warns
        -----
        ScaleWarning
            A marker looks like it is on another scale than in training, by the
            rule of :meth:`PrognosticModel.score` (:func:`mirprog.data.scale.check_scale`;
            without :attr:`ranges`, only its share-above-threshold part).
        """
        cohort.require(*self.markers, role="marker")
        groups = {}
        for c in self.cutpoints:
            values = cohort.column(c.marker)
            groups[c.column] = c.assign(values)
            check_scale(c.marker, c.thresholds, c.group_sizes, groups[c.column], values,
                        self.ranges.get(c.marker), stacklevel=2)
        return cohort.assign(**groups)

    def to_frame(self) -> pd.DataFrame:
        """One row per marker: column, rule, thresholds, side, training n and group sizes."""
        return pd.DataFrame([asdict(c) for c in self.cutpoints]).set_index("marker")

    def to_json(self, indent: int | None = 2) -> str:
        """Serialise to JSON (schema ``mirprog.cutpoints/2``; floats round-trip exactly)."""
        from mirprog._version import __version__

        payload = {"schema": SCHEMA, "mirprog_version": __version__,
                   "cutpoints": [asdict(c) for c in self.cutpoints],
                   "marker_ranges": {m: asdict(r) for m, r in self.ranges.items()}}
        try:
            return json.dumps(payload, indent=indent, allow_nan=False)
        except ValueError as exc:
            raise ModelFileError(f"These cutpoints hold non-finite numbers and cannot be "
                                 f"saved as JSON ({exc}).") from exc

    @classmethod
    def from_json(cls, text: str, *, source: str = "The cutpoints JSON") -> Cutpoints:
        """Load cutpoints written by :meth:`to_json` (schema 1 or 2), checking every field.

        Raises
        ------
        ModelFileError
            Not JSON, not a cutpoints file, an unknown schema, or any field of the
            wrong type or value (named by its JSON path, e.g.
            ``cutpoints[0].thresholds[1]``).
        """
        payload = fs.parse(text, source)
        version = fs.schema_version(payload, SCHEMA_PREFIX, SCHEMA_VERSIONS, source,
                                    "cutpoints file")
        spec: dict[str, fs.Spec] = {"schema": fs.text(), "mirprog_version": fs.text(),
                                    "cutpoints": cutpoints_spec}
        if version >= 2:
            spec["marker_ranges"] = fs.mapping(MarkerRange.from_json)
        d = fs.validate(fs.obj(spec), payload, source)
        ranges = d.get("marker_ranges", {})
        stray = [m for m in ranges if m not in {c.marker for c in d["cutpoints"]}]
        if stray:
            raise fs.corrupted(source, fs.Invalid(fs.key_path("marker_ranges", stray[0]),
                                                  "is not a marker of the cutpoints"))
        return cls(d["cutpoints"], ranges)


_CUTPOINT_FIELDS: dict[str, fs.Spec] = {
    "marker": fs.text(), "column": fs.text(), "rule": fs.choice(*RULES),
    "thresholds": fs.array(fs.number(), min_len=1, order="increasing"),
    "high": fs.choice("above", "at_or_above"), "n_fit": fs.integer(),
    "n_at_threshold": fs.integer(), "group_sizes": fs.array(fs.integer())}


def cutpoint_spec(value: Any, path: str) -> Cutpoint:
    """File schema spec (:mod:`mirprog.data.file_schema`) of one saved :class:`Cutpoint`."""
    d = fs.obj(_CUTPOINT_FIELDS)(value, path)
    k = len(d["thresholds"])
    column = f"{d['marker']}_high" if k == 1 else f"{d['marker']}_level"
    if d["column"] != column:
        raise fs.Invalid(f"{path}.column", f"is {d['column']!r}, but a marker {d['marker']!r} "
                                           f"with {k} threshold(s) writes {column!r}")
    if len(d["group_sizes"]) != k + 1:
        raise fs.Invalid(f"{path}.group_sizes", f"has {len(d['group_sizes'])} entries, "
                                                f"expected {k + 1} (one per group)")
    return Cutpoint(**d)


def cutpoints_spec(value: Any, path: str) -> tuple[Cutpoint, ...]:
    """File schema spec of a list of cutpoints: one per marker, each marker once."""
    cuts = fs.array(cutpoint_spec)(value, path)
    seen: set[str] = set()
    for i, c in enumerate(cuts):
        if c.marker in seen:
            raise fs.Invalid(f"{path}[{i}].marker", f"repeats {c.marker!r}; each marker has "
                                                    "one cutpoint")
        seen.add(c.marker)
    return cuts


# ------------------------------------------------- the "optimal" rule: maxstat's search

PMethod = Literal["Lau92", "perm"]


@dataclass(frozen=True)
class OptimalCutpointResult(Result):
    """The maximally selected log-rank cutpoint of one marker.

    Attributes
    ----------
    marker : str
    cutpoint : float
        Largest marker value of the lower group (maxstat's ``estimate``): the
        split is ``low: x <= cutpoint``, ``high: x > cutpoint``.
    upper_min : float
        Smallest marker value of the upper group.
    statistic : float
        Maximum of the standardised log-rank statistic ``|Z|`` (maxstat's ``statistic``).
    p : float
        P-value corrected for the search (``pmethod``).
    pmethod : {"Lau92", "perm"}
    minprop, maxprop : float
        Range of the lower group's share that was searched.
    n_perm : int or None
        Permutations (``pmethod="perm"``).
    seed : int or None
        Seed of the permutations (the one drawn when none was given); None
        for ``pmethod="Lau92"`` unless given.
    table : pandas.DataFrame
        One row per candidate cutpoint (indexed by ``cutpoint``): ``n_low,
        n_high, z, statistic``.  ``z = (O - E)/sd`` of the *lower* group's
        log-rank score sum: positive when low values carry more events.
    n, events : int
    n_low, n_high : int
        Group sizes at the chosen cutpoint.
    excluded : Exclusions
        Rows without a marker value.
    values : numpy.ndarray
        The marker values searched (complete rows, cohort order).
    """

    marker: str
    cutpoint: float
    upper_min: float
    statistic: float
    p: float
    pmethod: str
    minprop: float
    maxprop: float
    n_perm: int | None
    seed: int | None
    table: pd.DataFrame
    n: int
    events: int
    n_low: int
    n_high: int
    excluded: Exclusions
    values: np.ndarray = field(repr=False)


    def to_cutpoint(self, high: High = "above") -> Cutpoint:
        """This split as a frozen :class:`~mirprog.Cutpoint` (``rule="optimal"``).

        With ``high="above"`` the threshold is :attr:`cutpoint`; with
        ``"at_or_above"`` it is :attr:`upper_min`; both give the same groups.
        """
        thr = self.cutpoint if high == "above" else self.upper_min
        return Cutpoint(self.marker, f"{self.marker}_high", "optimal", (float(thr),), high,
                        self.n, int((self.values == thr).sum()), (self.n_low, self.n_high))

    def __repr__(self) -> str:
        return (f"OptimalCutpointResult(marker={self.marker!r}, cutpoint={self.cutpoint:.6g}, "
                f"statistic={self.statistic:.4f}, p={self.p:.4g} ({self.pmethod}), "
                f"n_low={self.n_low}, n_high={self.n_high})")


def optimal_cutpoint(
    cohort: Cohort,
    marker: str,
    *,
    minprop: float = 0.1,
    maxprop: float = 0.9,
    pmethod: PMethod = "Lau92",
    n_perm: int = 1000,
    seed: int | None = None,
    threads: int | None = None,
    client: Any = None,
    scheduler: str | None = None,
    execution: ExecOptions | None = None,
) -> OptimalCutpointResult:
    """Cutpoint of ``marker`` maximising the standardised log-rank statistic, with a corrected p.

    Parameters
    ----------
    cohort : Cohort
    marker : str
        Continuous marker; rows where it is missing are excluded and reported.
    minprop, maxprop : float, default 0.1, 0.9
        Only splits whose lower group holds between ``floor(n minprop)`` and
        ``floor(n maxprop)`` patients are searched.
    pmethod : {"Lau92", "perm"}, default "Lau92"
        ``"Lau92"``: the Lausen & Schumacher (1992) approximation (depends on
        the statistic, ``minprop`` and ``maxprop`` only).  ``"perm"``: the
        share of ``n_perm`` permutations of the scores whose maximum statistic
        reaches the observed one, ``(1 + hits) / (1 + n_perm)``.
    n_perm : int, default 1000
    seed : int, optional
        Seed of the permutations (same seed, same p, on any number of
        threads or Dask workers).  Default: a fresh seed, reported in
        ``result.seed``.
    threads : int, optional
        Permutation chunks computed at once (default: the CPUs, at most 8).
    client, scheduler : optional
        Run the permutations on Dask: a ``dask.distributed.Client`` (or True
        for an in-process cluster of 2 workers), or a scheduler address.
    execution : ExecOptions, optional
        ``threads``, ``client``, ``scheduler`` in one object
        (:class:`~mirprog.ExecOptions`); the keywords above do the same.

    Returns
    -------
    OptimalCutpointResult

    Raises
    ------
    CohortError
        Unknown or non-numeric marker, no events, or no admissible split.

    Notes
    -----
    As R ``maxstat.test(Surv(time, event) ~ marker, smethod = "LogRank")``:
    the log-rank scores ``a_i = d_i - sum_{t_j <= t_i} d_j / (N - r_j + 1)``
    (``exactRankTests::cscores.Surv``) enter a linear rank statistic ``S_m``
    = sum of the scores of the ``m`` lowest marker values, standardised with
    its permutation mean ``m/N sum a`` and variance
    ``m (N - m) / (N^2 (N - 1)) (N sum a^2 - (sum a)^2)``.  This is close to,
    but not the same as, the square root of :func:`mirprog.logrank`'s
    chi-square at that split (which uses the hypergeometric variance).  Ties
    in the statistic go to the lowest cutpoint.  Unlike maxstat, the Lau92 p
    is capped at 1.

    The search makes the best split look better than it is: report the
    corrected p, and :func:`cv_optimal_cutpoint` for an honest hazard ratio.

    Examples
    --------
    >>> import mirprog as mp
    >>> gbsg = mp.datasets.load_gbsg2()
    >>> res = mp.optimal_cutpoint(gbsg, "progrec")
    >>> res.cutpoint, round(res.statistic, 4), f"{res.p:.3g}"
    (21.0, 6.7717, '1.31e-09')
    >>> cut = res.to_cutpoint()
    >>> cut.thresholds, cut.group_sizes
    ((21.0,), (281, 405))
    """
    if not 0 <= minprop < maxprop <= 1:
        raise CohortError(f"Need 0 <= minprop < maxprop <= 1, got minprop={minprop}, "
                          f"maxprop={maxprop}.")
    if pmethod not in ("Lau92", "perm"):
        raise CohortError(f"Unknown pmethod {pmethod!r}: use 'Lau92' or 'perm'.")
    if pmethod == "perm" and n_perm < 1:
        raise CohortError(f"n_perm must be a positive number of permutations, got {n_perm}.")
    if pmethod == "perm" and seed is None:
        seed = fresh_seed()
    ex = execution_options(execution, threads=threads, client=client, scheduler=scheduler)
    n_threads = check_threads(ex.threads)
    data = timefixed(cohort.complete_cases([marker]))
    values = pd.to_numeric(data.frame[marker], errors="coerce").to_numpy(dtype=float)
    if data.frame[marker].dtype == bool or np.isnan(values).any():
        raise CohortError(f"Marker {marker!r} must be numeric and continuous to search for a "
                          "cutpoint.", column=marker)
    if data.event.sum() == 0:
        raise CohortError(f"No events among the {len(values)} rows with {marker!r}; a "
                          "log-rank cutpoint needs events.", column=marker)
    scan = scan_splits(data.time, data.event.astype(float), values, minprop, maxprop, marker)
    stat_all = np.abs(scan.z)
    best = int(np.argmax(stat_all))
    statistic = float(stat_all[best])
    p = (p_lausen92(statistic, minprop, maxprop) if pmethod == "Lau92"
         else permutation_p(scan, statistic, n_perm, int(seed), n_threads,  # type: ignore[arg-type]
                            ex.client, ex.scheduler))
    n = len(values)
    m = scan.m
    table = pd.DataFrame({"n_low": m, "n_high": n - m, "z": scan.z, "statistic": stat_all},
                         index=pd.Index(scan.x[m - 1], name="cutpoint"))
    return OptimalCutpointResult(
        marker=marker, cutpoint=float(scan.x[m[best] - 1]), upper_min=float(scan.x[m[best]]),
        statistic=statistic, p=p, pmethod=pmethod, minprop=minprop, maxprop=maxprop,
        n_perm=n_perm if pmethod == "perm" else None, seed=seed, table=table, n=n,
        events=int(data.event.sum()), n_low=int(m[best]), n_high=int(n - m[best]),
        excluded=data.exclusions, values=values)

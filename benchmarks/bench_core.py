"""Time the core (KM, log-rank, Cox Breslow/Efron, univariate) on generated cohorts.

Run: ``python benchmarks/bench_core.py [--sizes 1000 10000 100000] [--repeat 3]``.
Prints one row per (n, analysis) with the best wall time of ``repeat`` runs.
Data are generated with a fixed seed (exponential times, ~60% events, rounded
to days so event times are tied as in real cohorts).
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

import mirprog as mp


def make_cohort(n: int, seed: int = 20261121) -> mp.Cohort:
    rng = np.random.default_rng(seed)
    marker = rng.lognormal(size=n)
    nodes = rng.poisson(2.5, size=n)
    grade = rng.choice(["1", "2", "3"], size=n, p=[0.2, 0.4, 0.4])
    hazard = 0.1 * np.exp(0.5 * (marker > np.median(marker)) + 0.6 * (nodes > 3))
    t_event = rng.exponential(1 / hazard)
    t_cens = rng.uniform(0, 15, size=n)
    df = pd.DataFrame({
        "time": np.ceil(np.minimum(t_event, t_cens) * 365.25),
        "event": (t_event <= t_cens).astype(int),
        "marker": marker, "nodes": nodes, "grade": grade,
    })
    cohort = mp.Cohort(df, time="time", event="event")
    cohort = mp.Cutpoints.fit(cohort, "marker").apply(cohort)
    return mp.Cutpoints.fit(cohort, "nodes", rule="fixed", thresholds={"nodes": 3}).apply(cohort)


def best_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", mp.MirprogWarning)
    rows = []
    for n in args.sizes:
        cohort = make_cohort(n)
        cases: dict[str, Callable[[], object]] = {
            "km by marker_high": lambda c=cohort: mp.km(c, by="marker_high"),
            "logrank marker_high": lambda c=cohort: mp.logrank(c, by="marker_high"),
            "cox breslow (3 terms)": lambda c=cohort: mp.cox(c, ["marker_high", "nodes_high",
                                                                 "marker"]),
            "cox efron (3 terms)": lambda c=cohort: mp.cox(c, ["marker_high", "nodes_high",
                                                               "marker"], ties="efron"),
            "cox breslow grade (2 terms)": lambda c=cohort: mp.cox(c, "grade"),
            "univariate (3 factors)": lambda c=cohort: mp.univariate(
                c, ["marker_high", "nodes_high", "grade"]),
        }
        for name, fn in cases.items():
            rows.append({"n": n, "events": cohort.n_events, "analysis": name,
                         "seconds": best_time(fn, args.repeat)})
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))


if __name__ == "__main__":
    main()

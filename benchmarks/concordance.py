"""Time mirprog's concordance with its variance against R ``survival::concordance`` (issue 20).

Run: ``python benchmarks/concordance.py [--n 100000] [--repeat 5] [--timewt n]``.

Generates ``n`` rows (fixed seed: a continuous risk score, exponential event and
censoring times rounded to days, so times tie as in real cohorts), times
``mirprog._engine.concordance.concordance_fit`` (counts, C and the infinitesimal-jackknife
variance) and, in the same run, R's ``concordance(Surv(time, event) ~ x, reverse = TRUE)``
on the same data through ``Rscript`` (the data go through a temporary CSV; R's time is
``system.time()`` around the call alone, excluding the I/O).  Prints the best of
``repeat`` runs of each (and of the public ``mp.concordance``, which adds the row checks
and R's ``timefix``, as R's ``concordance()`` does), the ratios mirprog / R, and whether
C and its variance agree.
Skips R (prints only mirprog's time) when ``Rscript`` is not on the PATH.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mirprog._engine.concordance import concordance_fit

R_CODE = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
repeat_n <- as.integer(args[2]); tw <- args[3]
best <- Inf
for (i in seq_len(repeat_n)) {
  t <- system.time(f <- concordance(Surv(time, event) ~ x, data = d, reverse = TRUE,
                                    timewt = tw))[["elapsed"]]
  best <- min(best, t)
}
cat(sprintf("%.17g %.17g %.17g\n", best, f$concordance, f$var))
"""


def make_data(n: int, seed: int = 20261203) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t_event = rng.exponential(5.0 * np.exp(-0.7 * x))
    t_cens = rng.uniform(0, 12, size=n)
    return pd.DataFrame({"time": np.ceil(np.minimum(t_event, t_cens) * 365.25),
                         "event": (t_event <= t_cens).astype(int), "x": np.round(x, 6)})


def time_mirprog(d: pd.DataFrame, repeat: int, timewt: str) -> tuple[float, float, float]:
    time_, event, x = (d[c].to_numpy() for c in ("time", "event", "x"))
    best, fit = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        fit = concordance_fit(time_.astype(float), event, x.astype(float), timewt=timewt)
        best = min(best, time.perf_counter() - start)
    assert fit is not None
    return best, fit.concordance, fit.var


def time_front_end(d: pd.DataFrame, repeat: int, timewt: str) -> float:
    """``mp.concordance("x", cohort)``: the engine plus row checks and R's timefix."""
    import mirprog as mp

    cohort = mp.Cohort(d, time="time", event="event")
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        mp.concordance("x", cohort, timewt=timewt)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - start)
    return best


def time_r(d: pd.DataFrame, repeat: int, timewt: str) -> tuple[float, float, float] | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = Path(tmp) / "d.csv", Path(tmp) / "bench.R"
        d.to_csv(csv, index=False)
        script.write_text(R_CODE)
        out = subprocess.run([rscript, str(script), str(csv), str(repeat), timewt],
                             capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timewt", default="n")
    args = parser.parse_args()
    d = make_data(args.n)
    t_mp, c_mp, v_mp = time_mirprog(d, args.repeat, args.timewt)
    print(f"n={args.n} timewt={args.timewt!r}: {int(d['event'].sum())} events, "
          f"{d['time'].nunique()} distinct times, {d['x'].nunique()} distinct scores")
    print(f"mirprog concordance_fit  {t_mp * 1e3:9.1f} ms   C={c_mp:.12f} var={v_mp:.6e}")
    t_front = time_front_end(d, args.repeat, args.timewt)
    print(f"mp.concordance('x', ...) {t_front * 1e3:9.1f} ms   (with row checks and timefix)")
    r = time_r(d, args.repeat, args.timewt)
    if r is None:
        print("R: Rscript not found, skipped")
        return
    t_r, c_r, v_r = r
    print(f"R concordance()          {t_r * 1e3:9.1f} ms   C={c_r:.12f} var={v_r:.6e}")
    print(f"ratio mirprog / R: engine {t_mp / t_r:.2f}, mp.concordance {t_front / t_r:.2f}   "
          f"|dC| = {abs(c_mp - c_r):.1e}, "
          f"var rel. diff = {abs(v_mp / v_r - 1):.1e}")


if __name__ == "__main__":
    main()

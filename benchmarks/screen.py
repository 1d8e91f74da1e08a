"""Time the marker screen against per-marker loops (lifelines, statsmodels, R survival).

Run: ``python benchmarks/screen.py [--sizes 65x3 1100x200 1100x2000 10000x2000]
[--subset 20] [--repeat 3] [--r] [--cli]``.

For each (patients x markers) size a cohort is generated with a fixed seed
(times in whole days, so event times are tied; ~55% events; lognormal
markers, 10 of them prognostic; 2% missing values in every tenth marker).
The screen computes, per marker, the median-split log-rank test, the Cox
model on the split and the Cox model on log2(marker), plus BH q-values.  The
baselines do the same per marker in a loop, on the first ``--subset``
markers only; their time is EXTRAPOLATED to all markers (x M / subset) and
labelled so.  Same run, same data.  Peak memory of the screen is measured
with tracemalloc (numpy and Python allocations) in a separate, untimed run;
max RSS is the whole process (data generation included).
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import mirprog as mp
from mirprog.screen import screen

SEED = 20260707


def make_frame(n: int, m: int, seed: int = SEED) -> pd.DataFrame:
    """n patients x m markers, tied times in days, ~55% events, some missing values."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(mean=2.0, sigma=0.8, size=(n, m))
    k = min(10, m)
    lp = 0.5 * np.log(x[:, :k]).sum(axis=1) / np.sqrt(k)
    lp -= lp.mean()
    t_event = rng.exponential(1 / (0.15 * np.exp(lp)))
    t_cens = rng.uniform(0.5, 12, size=n)
    for j in range(0, m, 10):
        x[rng.random(n) < 0.02, j] = np.nan
    frame = pd.DataFrame(x, columns=[f"miR-{j:04d}" for j in range(m)])
    frame.insert(0, "time", np.ceil(np.minimum(t_event, t_cens) * 365.25))
    frame.insert(1, "event", (t_event <= t_cens).astype(int))
    return frame


def best_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def lifelines_loop(frame: pd.DataFrame, markers: list[str]) -> None:
    from lifelines import CoxPHFitter
    from lifelines.statistics import logrank_test

    for m in markers:
        d = frame[["time", "event", m]].dropna()
        high = d[m] > d[m].median()
        logrank_test(d.time[high], d.time[~high], d.event[high], d.event[~high])
        CoxPHFitter().fit(d.assign(x=high.astype(float))[["time", "event", "x"]], "time",
                          "event")
        CoxPHFitter().fit(d.assign(x=np.log2(d[m]))[["time", "event", "x"]], "time", "event")


def statsmodels_loop(frame: pd.DataFrame, markers: list[str]) -> None:
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.duration.survfunc import survdiff

    for m in markers:
        d = frame[["time", "event", m]].dropna()
        high = (d[m] > d[m].median()).to_numpy(dtype=float)
        survdiff(d.time, d.event, high)
        PHReg(d.time, high[:, None], status=d.event, ties="breslow").fit()
        PHReg(d.time, np.log2(d[m].to_numpy())[:, None], status=d.event, ties="breslow").fit()


R_LOOP = """
suppressPackageStartupMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1]); ms <- setdiff(names(d), c("time", "event"))
t <- system.time(for (m in ms) {
  s <- d[!is.na(d[[m]]), c("time", "event", m)]; names(s)[3] <- "x"
  s$high <- as.integer(s$x > median(s$x))
  survdiff(Surv(time, event) ~ high, data = s)
  coxph(Surv(time, event) ~ high, data = s, ties = "breslow")
  coxph(Surv(time, event) ~ log2(x), data = s, ties = "breslow")
})[["elapsed"]]
cat(t, "\\n")
"""


def r_loop(frame: pd.DataFrame, markers: list[str]) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = Path(tmp) / "d.csv", Path(tmp) / "loop.R"
        frame[["time", "event", *markers]].to_csv(csv, index=False)
        script.write_text(R_LOOP)
        out = subprocess.run(["Rscript", str(script), str(csv)], capture_output=True,
                             text=True, check=True)
    return float(out.stdout.split()[-1])


def screen_memory(cohort: mp.Cohort) -> float:
    """Peak traced allocation (MB) of one screen."""
    tracemalloc.start()
    screen(cohort, progress=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def cli_time(frame: pd.DataFrame) -> float:
    """Wall time of the whole command (start-up, reading Parquet, screen, writing CSV)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cohort.parquet"
        frame.to_parquet(path)
        from mirprog import cli

        wired = "screen" in Path(cli.__file__).read_text()
        module = "mirprog.cli" if wired else "mirprog.screen_cli"
        cmd = [sys.executable, "-m", module, "screen", str(path), "--time", "time",
               "--event", "event", "--out", str(Path(tmp) / "out.csv"), "--no-progress"]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        return time.perf_counter() - start


def run_size(n: int, m: int, args: argparse.Namespace) -> list[dict[str, object]]:
    frame = make_frame(n, m)
    cohort = mp.Cohort(frame, time="time", event="event")
    markers = [c for c in frame.columns if c.startswith("miR-")]
    sub = markers[:min(args.subset, m)]
    scale = m / len(sub)
    size = f"{n:,} x {m:,}"
    t_screen = best_time(lambda: screen(cohort, progress=False), args.repeat)
    rows: list[dict[str, object]] = [{"size": size, "method": "mirprog screen",
                                      "seconds": t_screen, "basis": "measured"}]
    if m <= 10:
        t_cox = best_time(lambda: mp.cox(cohort, markers[0]), args.repeat)
        rows.append({"size": size, "method": "one mp.cox call (reference)", "seconds": t_cox,
                     "basis": "measured"})
    label = "measured" if scale == 1 else f"extrapolated x{scale:g} from {len(sub)} markers"
    if not args.no_baselines:
        for name, fn in (("lifelines loop", lifelines_loop),
                         ("statsmodels loop", statsmodels_loop)):
            if importlib.util.find_spec(name.split()[0]) is None:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = best_time(lambda f=fn: f(frame, sub), 1) * scale  # type: ignore[misc]
            rows.append({"size": size, "method": name, "seconds": t, "basis": label})
    if args.r:
        t_r = r_loop(frame, sub)
        if t_r is not None:
            rows.append({"size": size, "method": "R survival loop (in R, no start-up)",
                         "seconds": t_r * scale, "basis": label})
    if args.cli and (n, m) == (1_100, 2_000):
        rows.append({"size": size, "method": "`mirprog screen` command (Parquet)",
                     "seconds": cli_time(frame), "basis": "measured, incl. start-up"})
    mem = screen_memory(cohort)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for row in rows:
        row["ms/marker"] = 1000 * float(row["seconds"]) / m  # type: ignore[arg-type]
        row["x screen"] = float(row["seconds"]) / t_screen  # type: ignore[arg-type]
    rows[0]["basis"] = f"measured; peak traced {mem:,.0f} MB, max RSS {rss:,.0f} MB"
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="*",
                        default=["65x3", "1100x200", "1100x2000", "10000x2000"])
    parser.add_argument("--subset", type=int, default=20,
                        help="markers run by the baseline loops (then extrapolated)")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many screen runs")
    parser.add_argument("--no-baselines", action="store_true", help="skip lifelines/statsmodels")
    parser.add_argument("--r", action="store_true", help="also time the R survival loop")
    parser.add_argument("--cli", action="store_true",
                        help="also time the whole `mirprog screen` command at 1,100 x 2,000")
    args = parser.parse_args()
    rows = []
    for spec in args.sizes:
        n, m = (int(v.replace(",", "")) for v in spec.lower().split("x"))
        rows += run_size(n, m, args)
        print(f"done {spec}", file=sys.stderr)
    table = pd.DataFrame(rows, columns=["size", "method", "seconds", "ms/marker", "x screen",
                                        "basis"])
    with pd.option_context("display.max_colwidth", 80, "display.width", 200):
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))


if __name__ == "__main__":
    main()

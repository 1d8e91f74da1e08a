"""Time the marker screen against per-marker loops (lifelines, statsmodels, R survival).

Run: ``python benchmarks/screen.py [--sizes 65x3 1100x200 1100x2000 10000x2000]
[--subset 20] [--repeat 3] [--r] [--r-subset 200] [--cli] [--model]``; the full run
behind the issue's targets is ``python benchmarks/screen.py --r --cli``.
``--model`` also times the screen stratified by a two-level column and
adjusted for a three-level categorical and a numeric covariate (both
generated with the same seed): 1 + 3 coefficients per marker.

First the bundled 65-patient reference cohort: the screen of its three
miRNAs against one ``mp.cox`` call, timed in alternation.  Then, for each
(patients x markers) size, a cohort is generated with a fixed seed
(times in whole days, so event times are tied; ~55% events; lognormal
markers, 10 of them prognostic; 2% missing values in every tenth marker).
The screen computes, per marker, the median-split log-rank test, the Cox
model on the split and the Cox model on log2(marker), plus BH q-values.  The
baselines do the same per marker in a loop, on the first ``--subset``
markers only; their time is EXTRAPOLATED to all markers (x M / subset) and
labelled so.  Same run, same data.  Peak memory of the screen is measured
with tracemalloc (numpy and Python allocations) in a separate, untimed run;
max RSS is the whole process (data generation included).  The screen uses
the machine's cores (``threads`` default); pass ``--threads 1`` for one.
A last table reads issues 7's and 20's targets off the first and says which are met.

Measured for issue 20 (2026-12-03; 2 cores shared with other jobs, load
average 1.2 to 4.7 during the runs; AVX2 without AVX-512, where numpy's float64
exp and log have no SIMD loop and cost ~5.5 ns a value).  Old (d16da6e) and
new code alternately in fresh processes, best of 5 (of 3 at 10,000 rows) per
process, default options, ms wall / CPU (time.process_time):

=================  ===========  =====================  =====================
size               threads      before                 after
=================  ===========  =====================  =====================
1,100 x 2,000      1            562 / 529              409 / 388
1,100 x 2,000      default (2)  580 / 525              373 / 363
10,000 x 2,000     default (2)  4,535 / 2,999          4,339 / 2,887 (load 4.7)
=================  ===========  =====================  =====================

This script at load ~1.2 (new code): 1,100 x 2,000 in 0.32 s against
36.5 s for the R survival loop (114x); 10,000 x 2,000 in 1.88 s against
206.9 s (110x).  Peak traced memory with one thread: 83.4 MB and
102.1 -> 102.2 MB (the 80 kB table of logs).  Issue 20's targets (0.1 s,
200x, 0.8 s) are not met: a 1,100 x 2,000 screen evaluates about 11
million float64 exp/log (log2 of the 2.2 million values, exp of beta x in
two full Newton evaluations, log S0 per event time and marker, 519 x 2,000,
in each evaluation at beta != 0 of both models), 60-100 ms of CPU alone, and
the remaining three quarters of the time are numpy passes (products, segment
and suffix sums, divisions) over the same arrays that only a compiled kernel
could fuse.

Issue 20, second round (2026-12-03, 18:00-19:00 UTC; AVX-512 machine, 2
cores shared with two other sessions, load average 0.6-1.3 from them during
the runs).  Old (bd71806) and new code alternately in fresh processes
(``/tmp`` copies of the package), best of 5 per process, three rounds,
default options, ms wall / CPU (time.process_time):

=================  ==========  ===================  ===================
size               threads     before               after
=================  ==========  ===================  ===================
1,100 x 2,000      1           232 / 232            176 / 176
1,100 x 2,000      2           144 / 248            118 / 193
10,000 x 2,000     1           1,518 / 1,517        1,148 / 1,148
10,000 x 2,000     2           945 / 1,682          789 / 1,360
=================  ==========  ===================  ===================

This script in one run (new code, load ~1.0): 1,100 x 2,000 in 0.121 s
against 13.7 s for the R survival loop (113x); 10,000 x 2,000 in 0.728 s
(83.2 s in R, 114x); the old code in the next minute 0.139 s and 0.850 s.
Peak traced memory (default threads): 166 -> 83 MB and 203 -> 96 MB.
What each step bought (one thread, 1,100 x 2,000, per block of 1,000
markers unless said):

* OpenBLAS: a gemv of more than ~460,000 values (the log-rank's and the
  continuous model's sums with one shared weight column) ran on every core,
  whose threads then spun between calls: CPU was 2x wall with one screen
  thread, and with two they took the other block's core.  Products now go
  in row blocks of 2**16 values (``_engine/blas.py``): CPU = wall.
* Markers without missing values (90% here) are computed apart from the
  others: one shared column of event weights, tie counts and numbers at
  risk (gemv instead of einsum, no zeroed rows, no empty-risk-set guard).
  A block of 1,000 with 100 incomplete markers cost 101-104 ms; the 900
  complete ones alone 68 ms and the 100 others 12 ms.
* Newton steps while >= 3/4 of a model's markers are active evaluate all of
  them instead of gathering the active columns: rows model 15.7 -> 11.4 ms,
  binary 5.4 -> 4.2 ms at the third step.
* The continuous model at beta = 0 (Breslow, complete markers) sums only x
  and x^2 (S0 is the shared number at risk): 11 -> 8 ms; the binary set-up
  of complete markers skips the mask product and the empty-risk-set guard:
  9 -> 7 ms.
* Page faults: log2 and the centring in place in the block's own values,
  the complete markers compacted in that memory (not copied): 7,000 ->
  2,800 minor faults a block (~1.2 us each here; ~9 ms a block when the
  allocator returned nothing to the system).
* The chi-square tails of the log-rank and score tests move from
  screen_table (serial, after the blocks) into the blocks: 4.4 -> 1.4 ms.

Tried without gain: CHUNK 2**14, 2**15, 2**17, 2**18 (2**16 best); bigger
event-time chunks in the accumulation; np.cumsum / np.add.accumulate for
the suffix sums (bit-identical but 2-4x slower than the row loop);
np.add.reduceat for segment sums (10x slower than the sparse product);
float32 or reduceat for the binary counts (small, mixed dtypes).  Measured
but not changed: blocks of 500-667 markers cost ~10% less CPU than 1,000 at
1,100 rows (L2-sized per-marker arrays), but the default layout is pinned
by tests/stats/screen/test_markers.py::test_default_blocks_are_balanced.
Not met: 0.1 s and 200x at 1,100 x 2,000.  Two threads give 1.5x, not 2x:
two processes each running a block keep their solo time (95 vs 93 ms), two
threads of one process take ~120 ms each -- the GIL (about 1,300 voluntary
context switches per screen) over the thousands of small numpy calls per
block (suffix sums row by row, chunked products), which only a fused
kernel would remove.

Issue 20, third round (2026-12-04, 20:00-21:45 UTC; another machine: Intel
Xeon with AVX-512, 2 cores, 4 MB L2 each, load ~0.8; noise +-5-10% between
runs minutes apart).  The code before the round (207f9c2) and after it
alternately in fresh processes, best of 15 (of 3 at 10,000 rows) per
process, three rounds, default options, ms wall:

=================  ==========  ===============  ===============
size               threads     before           after
=================  ==========  ===============  ===============
1,100 x 2,000      1           205-207          181-184
1,100 x 2,000      2           138-150          115-120
10,000 x 2,000     1           1,258-1,316      1,112-1,187
10,000 x 2,000     2           859-873          774-832
1,100 x 2,000      2, efron    217-225          169-170
=================  ==========  ===============  ===============

This script in one run (after, load ~0.7): 1,100 x 2,000 in 0.124 s
against 16.97 s for the R survival loop (137x); 10,000 x 2,000 in 0.82-0.85
s (95.4 s in R, 112x).  Peak traced memory (default threads) 83 -> 67 MB
and 95 -> 85 MB.  Minor page faults per 1,100 x 2,000 screen on two
threads 4,000-5,900 -> under 100; waits for the GIL (voluntary context
switches) 1,100-1,240 -> ~530.  What each step bought (two threads,
1,100 x 2,000 unless said; each measured in alternation with the commit
before it):

* Two threads of one process ran two independent 1,000-marker screens in
  141 ms, two processes in 103 ms each: the in-process cost is the GIL
  (a numpy call of 4,000 values runs at 0.44x on two threads against one,
  of 65,000 at 0.91x) and, ~8 ms, page faults and unmapping in one address
  space (glibc's MALLOC_* settings recover them; a library cannot set them).
  So: fewer, longer numpy calls and no fresh arrays in the loops.
* Risk-set reductions in CHUNK values per plane (was a quarter of that)
  in reused scratch: 145 -> 135 ms, GIL waits 1,200 -> 700.
* Segment sums through SciPy's CSR kernel directly (``sparse_dot``):
  SciPy's ``@`` held the GIL ~15 us a call and made a new array; that
  product ran at 1.44x on two threads, the kernel at 1.93x: 2-4%.
* Breslow and Efron without strata: risk-set sums streamed chunk by chunk
  from the last row chunk with the later rows' sums carried, reduced while
  in cache (the same suffix sums bit for bit); the (event times x 3
  markers) array, 13 MB a thread, is gone: 145-155 -> 131 ms, one thread
  205-210 -> 186-188 ms, peak 83 -> 67 MB; Efron 212-221 -> 160-164 ms.
* Then row chunks of 2*CHUNK values: 126-136 -> 120-126 ms (one thread
  ~2% slower); products with a shared weight vector capped at 2**18 values
  a call (OpenBLAS threads above ~460,000 and its threads spin: seen as 2x
  CPU with CHUNK 2**17 before the cap).
* Block values: the frame[list] copy serves the medians itself when all
  rows are used (no third array); long columns (4,096 rows on) gathered
  from column views; one (rows, markers) array per thread reused across
  local blocks (10,000 rows: faults 21k -> 6k a screen, 3-5%).
* With long columns, markers with missing values in blocks of their own,
  half the size, first: 10,000 x 2,000 two threads 809-853 -> 792-806 ms
  (full-size blocks of them were faster, 0.78 s, but raised the peak to
  121 MB).
* chi2 tails with df 1 through erfc: 4.7 -> 0.1 ms a screen, and closer to
  R's pchisq (max relative difference 5.7e-14 against chdtrc's 1.3e-13).
* Tried without gain: blocked (two-level) suffix sums (GIL waits -27% but
  an extra pass: one thread +5%, two threads unchanged); a thread-local
  scratch pool across blocks; boolean counts converted in column bands;
  CHUNK 2**15 and 2**17 for the whole engine.

Not met: 0.1 s and 200x at 1,100 x 2,000 (0.115-0.124 s, 137x), and
0.8 s at 10,000 x 2,000 is met in some runs only (0.77-0.85 s).  One
thread now spends ~90 ms per 1,000 markers in numpy passes at ~0.4-0.9 ns
a value; two threads still lose ~20% to each other's GIL.

Issue 20, fourth round (2026-12-04/05, 22:30-00:40 UTC; another machine:
AMD EPYC, AVX2 without AVX-512, 2 cores, 512 kB L2 each, 32 MB L3; float64
exp and log ~5.5 ns a value, a product ~0.35 ns in cache and ~1.2 ns from
L3).  At the round's start (077f06e): 1,100 x 2,000 in 0.209-0.213 s on
one thread and 0.119-0.120 s on two; 10,000 x 2,000 0.79-0.80 s.  The
profile of a one-thread screen: exp 26 ms, the logs (log S0, the binary
model's log of its denominators, log2 of the values) ~33 ms, medians 8 ms,
the models' set-up (counts, event sums, chunks) ~23 ms, the rest numpy
passes bound by L3 bandwidth.

* ``np.take(..., out=)`` in ``mode="clip"``: in the default mode numpy
  buffers the whole output through a temporary; the block read of 1,000 x
  1,100 values took 7.4 ms instead of 1.5 ms, on the critical path of each
  thread.  Alternately with the code before it (best of 20, three rounds):
  two threads 113-114 -> 108-111 ms; one thread and 10,000 rows unchanged
  within noise (189-195 / 191-200 ms; 0.82-0.84 / 0.83-0.87 s).
* Tried without gain: the sums of logs as logs of products of 32 values
  (one log per 32: 4x faster on one array in isolation, 0-2% on the screen,
  since those passes are bound by memory, and more calls raised GIL waits
  by half); blocks of 500 or 250 markers (two threads 125 and 155 ms
  against 113); CHUNK 2**14 and 2**15 (slower on both counts).

This script in one run (``--sizes 1100x2000 --r``, best of 3): 0.123 s
against 18.69 s for the R survival loop (152x); peak traced 66 MB.

Not met, on this machine too: 0.1 s at 1,100 x 2,000 (0.108-0.111 s two
threads; two threads give 1.8x one); 10,000 x 2,000 at 0.8 s in some runs.
What is left is the transcendental functions (~30% of the CPU, no SIMD
loop in numpy on AVX2) and passes bound by memory: a fused kernel.
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
from mirprog.stats.screen.markers import screen

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


def model_time(frame: pd.DataFrame, args: argparse.Namespace) -> float:
    """Best time of the stratified, covariate-adjusted screen (seeded clinical columns)."""
    rng = np.random.default_rng(SEED + 1)
    n = len(frame)
    clinical = frame.assign(arm=rng.integers(0, 2, n), grade=rng.choice(["1", "2", "3"], n),
                            nodes=rng.poisson(3, n))
    cohort = mp.Cohort(clinical, time="time", event="event")
    markers = [c for c in frame.columns if c.startswith("miR-")]
    return best_time(lambda: screen(cohort, markers, strata="arm", adjust=["grade", "nodes"],
                                    progress=False, threads=args.threads), args.repeat)


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
        from mirprog.cli import commands as cli

        wired = "screen" in Path(cli.__file__).read_text()
        module = "mirprog.cli" if wired else "mirprog.cli.screen"
        cmd = [sys.executable, "-m", module, "screen", str(path), "--time", "time",
               "--event", "event", "--out", str(Path(tmp) / "out.csv"), "--no-progress"]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        return time.perf_counter() - start


def interleaved_best(fns: dict[str, Callable[[], object]], repeat: int,
                     inner: int = 50) -> dict[str, float]:
    """Best mean time per call of each function, timed in alternation (same machine state)."""
    best = dict.fromkeys(fns, float("inf"))
    for fn in fns.values():
        fn()                                          # warm up
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / inner)
    return best


def run_reference(args: argparse.Namespace) -> list[dict[str, object]]:
    """The bundled 65-patient reference cohort: screen its 3 miRNAs vs one mp.cox call."""
    ref = mp.datasets.load_reference_cohort()
    markers = ["mir125b", "mir205", "mir424"]
    size = "reference 65 x 3"
    t = interleaved_best({"screen": lambda: screen(ref, markers, progress=False),
                          "cox": lambda: mp.cox(ref, "mir125b")}, max(5, args.repeat))
    rows: list[dict[str, object]] = [
        {"size": size, "method": "mirprog screen", "seconds": t["screen"],
         "basis": "measured (bundled reference cohort)"},
        {"size": size, "method": "one mp.cox call (reference)", "seconds": t["cox"],
         "basis": "measured, alternating with the screen"}]
    for row in rows:
        row["ms/marker"] = 1000 * float(row["seconds"]) / len(markers)  # type: ignore[arg-type]
        row["x screen"] = float(row["seconds"]) / t["screen"]  # type: ignore[arg-type]
    return rows


def run_size(n: int, m: int, args: argparse.Namespace) -> list[dict[str, object]]:
    frame = make_frame(n, m)
    cohort = mp.Cohort(frame, time="time", event="event")
    markers = [c for c in frame.columns if c.startswith("miR-")]
    sub = markers[:min(args.subset, m)]
    scale = m / len(sub)
    size = f"{n:,} x {m:,}"
    t_screen = best_time(lambda: screen(cohort, progress=False, threads=args.threads),
                         args.repeat)
    rows: list[dict[str, object]] = [{"size": size, "method": "mirprog screen",
                                      "seconds": t_screen, "basis": "measured"}]
    if m <= 10:
        t = interleaved_best({"screen": lambda: screen(cohort, progress=False),
                              "cox": lambda: mp.cox(cohort, markers[0])}, max(5, args.repeat))
        t_screen = rows[0]["seconds"] = t["screen"]
        rows.append({"size": size, "method": "one mp.cox call (reference)", "seconds": t["cox"],
                     "basis": "measured, alternating with the screen"})
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
        r_sub = markers[:min(args.r_subset, m)]
        t_r = r_loop(frame, r_sub)
        if t_r is not None:
            r_scale = m / len(r_sub)
            r_label = ("measured" if r_scale == 1 else
                       f"extrapolated x{r_scale:g} from {len(r_sub)} markers")
            rows.append({"size": size, "method": "R survival loop (in R, no start-up)",
                         "seconds": t_r * r_scale, "basis": r_label})
    if args.model:
        rows.append({"size": size, "method": "mirprog screen, strata + adjust (1 + 3 coef.)",
                     "seconds": model_time(frame, args), "basis": "measured"})
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
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for the screen (default: the CPUs available)")
    parser.add_argument("--no-baselines", action="store_true", help="skip lifelines/statsmodels")
    parser.add_argument("--r", action="store_true", help="also time the R survival loop")
    parser.add_argument("--r-subset", type=int, default=200,
                        help="markers run by the R loop (then extrapolated)")
    parser.add_argument("--model", action="store_true",
                        help="also time the stratified, covariate-adjusted screen")
    parser.add_argument("--cli", action="store_true",
                        help="also time the whole `mirprog screen` command at 1,100 x 2,000")
    args = parser.parse_args()
    rows = run_reference(args)
    for spec in args.sizes:
        n, m = (int(v.replace(",", "")) for v in spec.lower().split("x"))
        rows += run_size(n, m, args)
        print(f"done {spec}", file=sys.stderr)
    table = pd.DataFrame(rows, columns=["size", "method", "seconds", "ms/marker", "x screen",
                                        "basis"])
    with pd.option_context("display.max_colwidth", 80, "display.width", 200):
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
        print()
        print(targets(table).to_string(index=False))


def targets(table: pd.DataFrame) -> pd.DataFrame:
    """Issues 7's and 20's targets, read off the table (rows missing from this run are skipped)."""
    def get(size: str, method: str, column: str = "seconds") -> float | None:
        hit = table[(table["size"] == size) & table["method"].str.startswith(method)]
        return None if hit.empty else float(hit[column].iloc[0])

    big, huge = "1,100 x 2,000", "10,000 x 2,000"
    checks = [
        ("screen 1,100 x 2,000 <= 0.2 s", get(big, "mirprog screen"), "<=", 0.2),
        ("R survival loop / screen >= 100", get(big, "R survival loop", "x screen"), ">=", 100),
        ("lifelines loop / screen >= 1,000", get(big, "lifelines loop", "x screen"), ">=", 1000),
        ("`mirprog screen` command <= 2 s", get(big, "`mirprog screen`"), "<=", 2.0),
        ("screen 10,000 x 2,000 <= 1.5 s", get(huge, "mirprog screen"), "<=", 1.5),
        ("reference cohort: mp.cox / screen >= 1",
         get("reference 65 x 3", "one mp.cox call", "x screen"), ">=", 1.0),
        ("issue 20: screen 1,100 x 2,000 <= 0.1 s", get(big, "mirprog screen"), "<=", 0.1),
        ("issue 20: R survival loop / screen >= 200", get(big, "R survival loop", "x screen"),
         ">=", 200),
        ("issue 20: screen 10,000 x 2,000 <= 0.8 s", get(huge, "mirprog screen"), "<=", 0.8),
    ]
    out = []
    for name, value, op, bound in checks:
        if value is None:
            continue
        met = value <= bound if op == "<=" else value >= bound
        out.append({"target": name, "measured": f"{value:,.4g}", "met": "yes" if met else "NO"})
    mem = table["basis"].str.extract(r"peak traced ([\d,]+) MB")[0].dropna()
    sizes = table.loc[mem.index, "size"]
    for size, peak in zip(sizes, mem, strict=True):
        if size == huge:
            value = float(peak.replace(",", ""))
            out.append({"target": "peak memory 10,000 x 2,000 < 2 GB",
                        "measured": f"{value:,.0f} MB", "met": "yes" if value < 2048 else "NO"})
    return pd.DataFrame(out, columns=["target", "measured", "met"])


if __name__ == "__main__":
    main()

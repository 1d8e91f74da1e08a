"""From a qPCR Ct table to a Table-3 row: 2^-ΔΔCt, QC ledger, cohort join, median cutpoint.

All data are SIMULATED (seed 2015): 60 patients with triplicate Ct values for
miR-125b and U6 plus a calibrator RNA pool, and a follow-up in which higher
miR-125b shortens relapse-free survival.

Run: ``python examples/qpcr_to_table3.py``
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import mirprog as mp
from mirprog.data.qpcr import relative_expression, to_cohort
from mirprog.present.format import univariate_table

SEED = 2015


def simulate(rng: np.random.Generator, n: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A tidy Ct table (sample, target, replicate, ct) and the patients' follow-up."""
    ids = [f"P{i:02d}" for i in range(1, n + 1)]
    level = rng.normal(0.0, 1.0, n)                 # true log2 miR-125b vs the pool
    loading = rng.normal(0.0, 0.4, n + 1)           # RNA input, shifts both genes
    rows = []
    for k, sample in enumerate([*ids, "pool"]):
        shift = 0.0 if sample == "pool" else level[k]
        for rep in (1, 2, 3):
            rows.append((sample, "miR-125b", rep, 28.0 - shift + loading[k] + rng.normal(0, 0.12)))
            rows.append((sample, "U6", rep, 20.0 + loading[k] + rng.normal(0, 0.12)))
    ct = pd.DataFrame(rows, columns=["sample", "target", "replicate", "ct"]).astype({"ct": object})
    ct.loc[(ct["sample"] == "P07") & (ct["target"] == "miR-125b") & (ct["replicate"] == 2),
           "ct"] = "Undetermined"                   # one failed well: dropped, value kept
    ct.loc[(ct["sample"] == "P13") & (ct["target"] == "U6"), "ct"] = 26.5  # bad reference
    hazard = 0.08 * np.exp(0.8 * level)
    event_time = rng.exponential(1.0 / hazard)
    censor = rng.uniform(3.0, 12.0, n)
    follow = pd.DataFrame({"id": ids, "rfs_years": np.minimum(event_time, censor),
                           "relapse": (event_time <= censor).astype(int)})
    return ct, follow


def main() -> None:
    ct, follow = simulate(np.random.default_rng(SEED))
    res = relative_expression(ct, ["miR-125b"], reference=["U6"], calibrator="pool")
    print(res.method)
    print("\nQC flags:\n", res.flags.to_string(index=False))
    print("\nExcluded:", res.excluded.summary())

    cohort = mp.Cohort(follow, time="rfs_years", event="relapse", id="id")
    cohort = to_cohort(res, cohort, drop=["pool"])
    cohort = mp.Cutpoints.fit(cohort, ["miR-125b"]).apply(cohort)
    uni = mp.univariate(cohort, ["miR-125b_high"])
    print("\nTable 3 row (miR-125b high vs low, split at the median):")
    print(univariate_table(uni).to_string())


if __name__ == "__main__":
    main()

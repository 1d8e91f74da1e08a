"""External validation of a Cox model, after Royston & Altman (2013): Rotterdam -> GBSG.

A Cox model for recurrence-free survival (recurrence or death) is developed on the
2,982 Rotterdam patients and validated on the 686 GBSG patients, with the covariates both
cohorts record (age, menopause, tumour size class, grade 3, nodes, progesterone and
oestrogen receptors, hormonal therapy).  ``mp.validate`` reports, at 1, 3 and 5 years,
the IPCW time-dependent AUC and the Brier score with the IPA (each with its
influence-function CI, as R ``riskRegression::Score``), and once: Harrell's and Uno's C,
Royston's D, the calibration slope and O/E, plus a calibration table by deciles of
predicted risk.  Every number is checked against R in tests/stats/validation.

The two cohorts are ``survival::rotterdam`` and ``survival::gbsg`` as written by
tests/reference/validation_reference.R (run from a checkout of the repository).

Reference: Royston P, Altman DG. External validation of a Cox prognostic model:
principles and methods. BMC Med Res Methodol 2013; 13:33.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

import mirprog as mp

DATA = Path(__file__).resolve().parents[1] / "tests" / "reference"
COVARIATES = ["age", "meno", "size", "grade3", "nodes", "pgr", "er", "hormon"]


def main() -> None:
    dev = mp.Cohort(pd.read_csv(DATA / "validation_rotterdam.csv"), time="rfstime",
                    event="rfs", id="pid")
    val = mp.Cohort(pd.read_csv(DATA / "validation_gbsg.csv"), time="rfstime",
                    event="status", id="pid")
    fit = mp.cox(dev, COVARIATES, ties="efron", reference={"size": "<=20"})
    print("Development (Rotterdam):", fit.n, "patients,", fit.events, "events")
    print(fit.summary[["hr", "ci_lower", "ci_upper", "p"]].round(3).to_string())

    years = [1, 3, 5]
    v = mp.validate(fit, val, horizons=[365.25 * y for y in years])
    print(f"\nValidation (GBSG): {v.n} patients, {v.n_events} events")
    print(v.summary.round(3).to_string())
    print("\nBy horizon (days):")
    print(v.table.round(3).to_string())
    print("\nCalibration at 5 years (deciles of predicted risk):")
    cal = v.calibration[v.calibration["time"] == 1826.25]
    print(cal.drop(columns="time").round(3).to_string(index=False))

    fig = mp.plots.calibration_plot(v, horizon=1826.25)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "calibration_5y.png"
        fig.savefig(out, dpi=120)
        print(f"\nCalibration plot: {out.name}, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()

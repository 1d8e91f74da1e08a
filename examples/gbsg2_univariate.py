"""From a bundled cohort to a Table-3-style univariate analysis and a multivariate Cox model.

Run: ``python examples/gbsg2_univariate.py``
"""

from __future__ import annotations

import mirprog as mp
from mirprog.present.format import univariate_table


def main() -> None:
    cohort = mp.datasets.load_gbsg2()
    # Receptors split at the cohort median (high = strictly above), nodes at > 3.
    receptors = mp.Cutpoints.fit(cohort, ["progrec", "estrec"])
    nodes = mp.Cutpoints.fit(cohort, ["pnodes"], rule="fixed", thresholds={"pnodes": 3})
    cohort = nodes.apply(receptors.apply(cohort))
    print(receptors.to_frame()[["column", "thresholds", "group_sizes"]])

    km = mp.km(cohort, by="progrec_high")
    print("\nMedian RFS (days) by progesterone receptor:\n", km.median)
    print("\n5-year RFS:\n", km.at([5 * 365.25])[["group", "survival", "ci_lower", "ci_upper"]])

    uni = mp.univariate(cohort, ["progrec_high", "estrec_high", "pnodes_high", "tgrade"])
    print("\n", univariate_table(uni))

    fit = mp.cox(cohort, ["progrec_high", "pnodes_high", "tgrade"])
    print(f"\nMultivariate: n={fit.n}, events={fit.events}, -2LL={fit.neg2loglik:.2f}")
    print(fit.summary[["hr", "ci_lower", "ci_upper", "p"]])


if __name__ == "__main__":
    main()

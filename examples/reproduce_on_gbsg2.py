"""The reference study's pipeline on real data: GBSG2, progesterone receptor as the marker.

Same analysis as ``mirprog reproduce`` (Table 3 with backward selection, A/B/C groups of
marker x nodes > 3, -2LL comparison), showing it is not tied to the synthetic cohort.
Low progesterone receptor is the adverse level here. Command-line equivalent::

    mirprog reproduce --cohort gbsg2.csv --map time=time event=cens marker=progrec \\
        other_markers=estrec size=tsize nodes=pnodes grade=none er=none pr=none her2=none \\
        size_cut=20 marker_adverse=0 time_unit=days --out gbsg2-study
"""

from __future__ import annotations

import tempfile

import mirprog as mp
from mirprog.study.reproduce import StudyColumns, run_study, write_outputs


def main() -> None:
    cohort = mp.datasets.load_gbsg2()
    columns = StudyColumns(time="time", event="cens", id="id", marker="progrec",
                           other_markers=("estrec",), age="age", size="tsize", nodes="pnodes",
                           grade=None, er=None, pr=None, her2=None, size_cut=20,
                           marker_adverse=0, time_unit="days")
    res = run_study(cohort, columns)
    print(res.table3.formatted().to_string(index=False))
    print("\nA/B/C groups:\n", res.risk.counts, f"\nlog-rank p = {res.risk.logrank.p:.3g}")
    print("\n", res.comparison.table[["neg2loglik", "lr_chi2", "p"]])
    with tempfile.TemporaryDirectory() as out:
        files = write_outputs(res, out, compare=False)
        print(f"\n{len(files)} files: {sorted(f.name for f in files)}")


if __name__ == "__main__":
    main()

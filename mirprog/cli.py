"""The ``mirprog`` command line.

User mistakes end with a one-paragraph message on stderr and exit code 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

from mirprog.cohort import Cohort, read_cohort
from mirprog.cutpoints import Cutpoints
from mirprog.errors import MirprogError, MirprogWarning
from mirprog.survival import cox, univariate
from mirprog.tables import format_p, univariate_table

__all__ = ["main"]


@dataclass(frozen=True)
class _Preset:
    """Column roles and default analysis of a bundled dataset."""

    time: str
    event: str
    id: str | None
    markers: tuple[str, ...]
    cuts: dict[str, float] = field(default_factory=dict)
    factors: tuple[str, ...] = ()


_PRESETS = {
    "gbsg2": _Preset("time", "cens", "id", ("progrec", "estrec"), {"pnodes": 3.0},
                     ("horTh", "tgrade")),
}


def _parse_cut(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    try:
        if not sep:
            raise ValueError
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--cut expects COLUMN=THRESHOLD (e.g. nodes=3), got {text!r}") from None


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mirprog",
        description="Prognostic biomarker survival analysis (median splits, log-rank, Cox).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    an = sub.add_parser(
        "analyze", help="univariate log-rank + Cox table, and a multivariate Cox model",
        description="Split markers at the cohort median (high = above the median), cut clinical "
                    "factors at fixed thresholds, then print each factor's log-rank test and "
                    "univariate Cox model, and the multivariate Cox model of all of them.")
    src = an.add_mutually_exclusive_group(required=True)
    src.add_argument("path", nargs="?", help="cohort file (.csv, .tsv, .xlsx, .parquet)")
    src.add_argument("--dataset", choices=sorted(_PRESETS), help="a bundled cohort instead")
    an.add_argument("--time", help="follow-up time column")
    an.add_argument("--event", help="event column (1 = event, 0 = censored)")
    an.add_argument("--id", help="patient id column")
    an.add_argument("--markers", nargs="*", default=None,
                    help="continuous markers to split at the median")
    an.add_argument("--cut", nargs="*", type=_parse_cut, default=None, metavar="COL=THRESHOLD",
                    help="fixed splits: high = value > threshold (e.g. nodes=3)")
    an.add_argument("--factors", nargs="*", default=None, help="factors used as they are")
    an.add_argument("--ties", choices=["breslow", "efron"], default="breslow")
    an.add_argument("--out", help="write the full-precision univariate table to this CSV")
    return parser


def _analyze(args: argparse.Namespace) -> None:
    preset = _PRESETS.get(args.dataset) if args.dataset else None
    time = args.time or (preset.time if preset else None)
    event = args.event or (preset.event if preset else None)
    if time is None or event is None:
        raise MirprogError("Give the column roles: --time COLUMN --event COLUMN.")
    if preset is not None:
        from mirprog.datasets import dataset_path

        cohort = read_cohort(dataset_path(args.dataset), time=time, event=event, id=preset.id)
    else:
        cohort = read_cohort(args.path, time=time, event=event, id=args.id)
    markers = list(args.markers if args.markers is not None else (preset.markers if preset else []))
    cuts = dict(args.cut) if args.cut is not None else dict(preset.cuts if preset else {})
    factors = list(args.factors if args.factors is not None else (preset.factors if preset else []))
    _report(cohort, markers, cuts, factors, args.ties, args.out)


def _report(cohort: Cohort, markers: list[str], cuts: dict[str, float], factors: list[str],
            ties: str, out: str | None) -> None:
    print(f"Cohort: {cohort.n} patients, {cohort.n_events} events "
          f"(time={cohort.time_col!r}, event={cohort.event_col!r}).")
    split_cols: list[str] = []
    for spec in ([Cutpoints.fit(cohort, markers)] if markers else []) + (
            [Cutpoints.fit(cohort, list(cuts), rule="fixed", thresholds=cuts)] if cuts else []):
        cohort = spec.apply(cohort)
        for c in spec.cutpoints:
            split_cols.append(c.column)
            print(f"  {c.column}: {c.marker} > {c.thresholds[0]:g} ({c.rule}); "
                  f"low/high = {c.group_sizes[0]}/{c.group_sizes[1]}")
    terms = split_cols + factors
    if not terms:
        raise MirprogError("Nothing to analyse: give --markers, --cut and/or --factors.")
    uni = univariate(cohort, terms, ties=ties)  # type: ignore[arg-type]
    print(f"\nUnivariate analysis (log-rank; Cox, {ties} ties, Wald 95% CI):")
    print(univariate_table(uni).to_string())
    for factor, fit in uni.cox.items():
        if len(fit.excluded):
            print(f"  {factor}: {fit.excluded.summary()}")
    multi = cox(cohort, terms, ties=ties)  # type: ignore[arg-type]
    print(f"\nMultivariate Cox model ({multi.n} patients, {multi.events} events, "
          f"-2 log-likelihood {multi.neg2loglik:.2f}, LR p {format_p(multi.lr_p)}, "
          f"C {multi.concordance:.3f}):")
    s = multi.summary
    for term, r in s.iterrows():
        if term in multi.monotone:
            print(f"  {term:<16} not estimable (monotone likelihood)")
            continue
        print(f"  {term:<16} HR {r['hr']:.2f} ({r['ci_lower']:.2f}–{r['ci_upper']:.2f})  "
              f"p {format_p(r['p'])}")
    if len(multi.excluded):
        print(f"  {multi.excluded.summary()}")
    if out:
        uni.table.to_csv(out)
        print(f"\nFull-precision table written to {out}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mirprog`` command; returns the exit code."""
    args = _build_parser().parse_args(argv)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MirprogWarning)
        try:
            if args.command == "analyze":
                _analyze(args)
        except MirprogError as exc:
            print(f"mirprog: error: {exc}", file=sys.stderr)
            return 2
        finally:
            for w in caught:
                if issubclass(w.category, MirprogWarning):
                    print(f"mirprog: warning: {w.message}", file=sys.stderr)
                else:
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

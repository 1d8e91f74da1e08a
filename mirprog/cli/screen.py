"""``mirprog screen``: screen every marker of a wide or long table from the command line.

Wired into :mod:`mirprog.cli` through :func:`add_parser` and :func:`run`;
user mistakes raise :class:`~mirprog.errors.MirprogError` subclasses, which
the main command turns into a one-line message and exit code 2.
"""

from __future__ import annotations

import argparse
import re
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mirprog.errors import CohortError, MirprogError, format_ids
from mirprog.output import terminal_print as print  # control characters in data escaped
from mirprog.output import write_csv

if TYPE_CHECKING:
    import pandas as pd

    from mirprog.data.cohort import Cohort

__all__ = ["add_parser", "run"]



def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``screen`` sub-command to an ``argparse`` sub-parser collection."""
    p = subparsers.add_parser(
        "screen", help="screen many markers: median-split log-rank, binary and continuous Cox, FDR",
        description="For every marker (on its own non-missing rows): split at its median (high = "
                    "above), log-rank test, Cox model on the split and on the log2 (or raw) "
                    "marker; q-values across markers. Writes one full-precision row per marker.")
    p.add_argument("path", help="data file (.csv, .tsv, .parquet; wide also .xlsx)")
    p.add_argument("--time", help="follow-up time column")
    p.add_argument("--event", help="event column (1 = event, 0 = censored)")
    p.add_argument("--id", help="patient id column (long layout: the id column of --clinical)")
    p.add_argument("--layout", choices=["wide", "long"], default="wide",
                   help="wide: one row per patient, one column per marker (default); long: one "
                        "row per (marker, sample, value)")
    p.add_argument("--clinical", help="long layout: file with the id, time and event columns "
                                      "(default: time/event columns of the long table itself)")
    p.add_argument("--marker-col", default="marker", help="long layout: marker name column")
    p.add_argument("--sample-col", default="sample", help="long layout: sample/patient column")
    p.add_argument("--value-col", default="value", help="long layout: value column")
    p.add_argument("--markers", nargs="*", action="extend", default=None,
                   help="markers to screen (default: every numeric column but time/event/id, "
                        "outcome-like names and 0/1 columns; the output lists them)")
    p.add_argument("--ties", choices=["breslow", "efron"], default="breslow")
    p.add_argument("--continuous", choices=["log2", "raw"], default="log2",
                   help="scale of the continuous Cox model (default log2)")
    p.add_argument("--strata", action="append", default=None, metavar="COLUMN",
                   help="stratify every Cox model and the log-rank test by this column "
                        "(repeat for several: their combinations are the strata)")
    p.add_argument("--adjust", action="append", default=None, metavar="COLUMN",
                   help="add this clinical covariate to every marker's Cox models (repeat "
                        "for several; text columns become one term per non-reference level); "
                        "the log-rank test is not adjusted, score_p is the adjusted test")
    p.add_argument("--categorical", action="append", default=None, metavar="COLUMN",
                   help="an --adjust column of numbers to treat as categorical (e.g. grade)")
    p.add_argument("--fdr", choices=["bh", "holm", "bonferroni", "none"], default="bh")
    p.add_argument("--block-size", type=int, default=None, help="markers per block")
    p.add_argument("--threads", type=int, default=None,
                   help="blocks computed at once (default: the CPUs available, at most 8)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: on for large screens when tqdm is installed)")
    dask = p.add_mutually_exclusive_group()
    dask.add_argument("--scheduler", help="run the blocks on this Dask scheduler address")
    dask.add_argument("--dask", action="store_true",
                      help="run the blocks on a local in-process Dask cluster")
    p.add_argument("--out", required=True, help="results file (.csv or .parquet)")
    p.add_argument("--bootstrap", type=int, default=0, metavar="N",
                   help="also screen N bootstrap resamples and write each marker's selection "
                        "frequency, rank and HR range to <out>.stability.csv")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the resamples (default: fresh, printed for reuse)")
    p.add_argument("--select-q", type=float, default=0.05,
                   help="a marker is selected in a resample when its log-rank q is below this")
    p.add_argument("--top", type=int, default=10, help="markers shown on screen (default 10)")
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``mirprog screen``; returns the exit code (0)."""
    from mirprog.data.cohort import read_cohort
    from mirprog.stats.screen.markers import screen
    if not args.time or not args.event:
        raise MirprogError("Give the column roles: --time COLUMN --event COLUMN.")
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise MirprogError(f"--out must end in .csv or .parquet, got {out.name!r}.")
    if args.bootstrap and (args.strata or args.adjust):
        raise MirprogError("--bootstrap resamples the unstratified, unadjusted screen only; "
                           "drop --bootstrap or --strata/--adjust.")
    if args.scheduler:
        _probe_scheduler(args.scheduler)
    start = time.perf_counter()
    if args.layout == "long":
        cohort, markers = _long_cohort(args)
    else:
        cohort, markers = read_cohort(args.path, time=args.time, event=args.event,
                                      id=args.id), None
    read_s = time.perf_counter() - start
    if args.markers is None and markers is None:
        markers, left_out = default_markers(cohort, model_columns(args))
        _print_selection(markers, left_out)
    res = screen(cohort, args.markers if args.markers is not None else markers,
                 ties=args.ties, continuous=args.continuous, fdr=args.fdr,
                 strata=args.strata, adjust=args.adjust, categorical=args.categorical,
                 block_size=args.block_size, threads=args.threads, progress=args.progress,
                 client=True if args.dask else None, scheduler=args.scheduler)
    screen_s = time.perf_counter() - start - read_s
    table = res.table
    if out.suffix.lower() == ".csv":
        write_csv(table, out, index=False)
    else:
        table.to_parquet(out, index=False)
    print(f"Screened {len(table)} markers on {res.n} patients ({res.events} events): "
          f"read {read_s:.2f} s, screen {screen_s:.2f} s; ties={res.ties}, "
          f"continuous={res.continuous}, q-values: {res.fdr}.")
    if res.strata or res.adjust:
        print(res.method)
    if res.excluded is not None and len(res.excluded):
        print(f"Rows left out of every marker: {res.excluded.summary()}")
    print(f"q < 0.05: log-rank {int((table['q_logrank'] < 0.05).sum())}, binary Cox "
          f"{int((table['q'] < 0.05).sum())}, continuous Cox "
          f"{int((table['q_cont'] < 0.05).sum())}; "
          f"{int((table['note'] != '').sum())} markers with notes.")
    if args.top > 0:
        print(f"\nTop {min(args.top, len(table))} by log-rank p:")
        print(_top(table, args.top).to_string(index=False))
    print(f"\nFull-precision table written to {out}")
    if args.bootstrap:
        _bootstrap(args, cohort, list(table["marker"]), out)
    return 0


# names that say "outcome, not marker": substrings, and tokens between _ . - or spaces
_OUTCOME_WORDS = re.compile(r"time|event|status|death|dead|died|surviv|recur|relaps|follow|"
                            r"censor|vital|progress|metasta|fup", re.IGNORECASE)
_OUTCOME_TOKENS = {"os", "dfs", "rfs", "pfs", "efs", "dss", "mfs", "ttp", "ttr", "fu", "dod",
                   "days", "months", "years", "weeks"}

_ID_TOKENS = {"id", "pid", "patient", "patientid", "subject", "subjectid", "sample",
              "sampleid", "case", "caseid", "barcode"}


def _row_numbers(values: pd.Series) -> bool:
    """A column of distinct whole numbers k, k+1, ..., k+n-1: an id, not a measurement."""
    import numpy as np
    v = values.dropna().to_numpy(dtype=float)
    if len(v) < 10 or len(v) < len(values) or not np.all(v == np.round(v)):
        return False
    v = np.sort(v)
    return bool(np.all(np.diff(v) == 1))


def model_columns(args: argparse.Namespace) -> dict[str, str]:
    """The --strata and --adjust columns (interactions split), each with its role."""
    out = {c: "a --strata column" for c in args.strata or ()}
    for spec in args.adjust or ():
        for col in re.split(r"[*:]", spec):
            out.setdefault(col.strip(), "an --adjust covariate")
    return out


def default_markers(cohort: Cohort, model: dict[str, str] | None = None
                    ) -> tuple[list[str], dict[str, str]]:
    """The columns ``mirprog screen`` screens when --markers is not given, and the rest.

    Left out, with the reason: the cohort's time, event and id columns; columns
    named like an outcome (time, event, status, death, recurrence, relapse,
    follow-up, os/dfs/rfs..., e.g. ``dtime``, ``death``, ``os_time``) or an id
    (``pid``, ``sample``); columns holding both 0 and 1 and nothing else
    (event-like, and no marker to split at a median); consecutive whole numbers
    (row numbers, numeric ids); non-numeric columns; the ``model`` columns
    (--strata, --adjust: column -> role).  Name any of them but the last with
    --markers to screen it anyway.
    """
    import pandas as pd
    roles = {cohort.time_col: "the time column", cohort.event_col: "the event column",
             cohort.id_col: "the id column"} | dict(model or {})
    data = cohort.data
    markers: list[str] = []
    left_out: dict[str, str] = {}
    for col, dtype in zip(cohort.columns, cohort.dtypes, strict=True):
        tokens = {t.lower() for t in re.split(r"[\s_.\-]+", str(col)) if t}
        if col in roles:
            left_out[col] = roles[col]
        elif _OUTCOME_WORDS.search(str(col)) or tokens & _OUTCOME_TOKENS:
            left_out[col] = "outcome-like name"
        elif tokens & _ID_TOKENS:
            left_out[col] = "id-like name"
        elif not (pd.api.types.is_numeric_dtype(dtype)
                  and not pd.api.types.is_bool_dtype(dtype)):
            left_out[col] = "not numeric"
        elif set(pd.unique(data[col].dropna())) == {0, 1}:
            left_out[col] = "0/1 values (event-like)"
        elif _row_numbers(data[col]):
            left_out[col] = "consecutive whole numbers (row numbers or ids)"
        else:
            markers.append(col)
    if not markers:
        raise CohortError("No marker columns to screen: every column was left out ("
                          + _listing(left_out) + "). Name the markers with --markers.")
    return markers, left_out


def _listing(left_out: dict[str, str], limit: int = 12) -> str:
    items = [f"{col!r}: {why}" for col, why in left_out.items()]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(items[:limit]) + more


def _print_selection(markers: list[str], left_out: dict[str, str]) -> None:
    shown = ", ".join(markers[:20]) + (f" (and {len(markers) - 20} more)"
                                       if len(markers) > 20 else "")
    print(f"Markers screened ({len(markers)}, every numeric column but those left out): "
          f"{shown}.")
    if left_out:
        print(f"Left out ({len(left_out)}; name one with --markers to screen it): "
              f"{_listing(left_out)}.")


def _probe_scheduler(address: str, timeout: float = 5.0) -> None:
    """Fail fast, before reading the data, when nothing listens at --scheduler's address."""
    url = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = url.hostname, url.port
    except ValueError:  # a port that is not a number
        host = port = None
    if not host or port is None:
        raise MirprogError(f"--scheduler expects a Dask scheduler address such as "
                           f"tcp://host:8786, got {address!r}.")
    if url.scheme not in ("tcp", "tls"):
        return  # other transports (ucx, inproc): left to distributed
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise MirprogError(f"--scheduler {address!r}: no Dask scheduler answers there "
                           f"({exc.strerror or exc}). Start one (dask scheduler) or drop "
                           "--scheduler to run on threads.") from None


def _bootstrap(args: argparse.Namespace, cohort: Cohort, markers: list[str], out: Path) -> None:
    from mirprog.stats.screen.stability import screen_bootstrap
    start = time.perf_counter()
    stab = screen_bootstrap(cohort, markers, n_boot=args.bootstrap, seed=args.seed,
                            q=args.select_q, ties=args.ties, continuous=args.continuous,
                            fdr=args.fdr, block_size=args.block_size, threads=args.threads,
                            progress=args.progress, client=True if args.dask else None,
                            scheduler=args.scheduler)
    path = out.with_name(out.stem + ".stability.csv")
    write_csv(stab.table, path, index=False)
    t = stab.table
    print(f"\nBootstrap: {stab.n_boot} resamples (seed {stab.seed}) in "
          f"{time.perf_counter() - start:.1f} s; selected (log-rank q < {stab.q}) in >= 80% "
          f"of them: {int((t['selected'] >= 0.8).sum())} markers.")
    top = t.sort_values(["selected", "rank_median"], ascending=[False, True]).head(args.top)
    print(top[["marker", "q_cohort", "selected", "rank_median", "rank_lower", "rank_upper"]]
          .to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"Stability table written to {path}")


def _top(table: pd.DataFrame, k: int) -> pd.DataFrame:
    import pandas as pd

    from mirprog.present.format import format_ci, format_p
    top = table.sort_values("logrank_p", na_position="last").head(k)
    return pd.DataFrame({
        "marker": top["marker"], "n": top["n"],
        "log-rank p": top["logrank_p"].map(format_p), "q": top["q_logrank"].map(format_p),
        "HR high (95% CI)": [format_ci(*r) for r in
                             top[["hr", "ci_lower", "ci_upper"]].itertuples(index=False)],
        "HR cont (95% CI)": [format_ci(*r) for r in
                             top[["hr_cont", "ci_lower_cont", "ci_upper_cont"]]
                             .itertuples(index=False)],
        "p cont": top["p_cont"].map(format_p), "note": top["note"]})


def _long_cohort(args: argparse.Namespace) -> tuple[Cohort, list[str]]:
    """Pivot a (marker, sample, value) table to patients x markers and attach time/event."""
    from mirprog.data.cohort import Cohort
    from mirprog.data.reading import read_table
    key = [args.marker_col, args.sample_col, args.value_col]
    # the one file reader: its dialect checks (separator, decimal comma, encoding) apply here
    long = read_table(args.path, id=args.sample_col, columns=key)
    if any(c not in long.columns for c in key):
        raise CohortError(
            f"The long layout needs columns {key[0]!r}, {key[1]!r} and {key[2]!r} (or name "
            f"yours with --marker-col/--sample-col/--value-col); {Path(args.path).name} has "
            f"{', '.join(map(repr, list(long.columns)[:8]))}.")
    dup = long.duplicated(subset=key[:2], keep=False)
    if dup.any():
        pairs = long.loc[dup, key[:2]].drop_duplicates().astype(str).agg("/".join, axis=1)
        raise CohortError(f"Marker/sample pairs appear more than once: "
                          f"{format_ids(list(pairs))}. Keep one value per pair.")
    wide = long.pivot(index=key[1], columns=key[0], values=key[2])
    wide.columns = [str(c) for c in wide.columns]
    id_col = args.id or key[1]
    if args.clinical:
        clinical = read_table(args.clinical, id=id_col, columns=[id_col, args.time, args.event])
        if id_col not in clinical.columns:
            raise CohortError(f"The clinical file has no id column {id_col!r}: pass --id "
                              "naming the column that matches the samples.", column=id_col)
    else:
        missing = [c for c in (args.time, args.event) if c not in long.columns]
        if missing:
            raise CohortError(f"No {missing[0]!r} column in the long table: pass --clinical "
                              "FILE with id, time and event columns.", column=missing[0])
        clinical = long[[key[1], args.time, args.event]].drop_duplicates()
        if clinical[key[1]].duplicated().any():
            raise CohortError("Time or event differ between rows of the same sample in the "
                              "long table; give them once per sample with --clinical FILE.")
        clinical = clinical.rename(columns={key[1]: id_col})
    overlap = set(wide.columns) & set(clinical.columns)
    if overlap:
        raise CohortError(f"Marker names clash with clinical columns: {sorted(overlap)[:5]}.")
    _report_unmatched(wide.index, clinical[id_col], id_col)
    data = clinical.merge(wide, left_on=id_col, right_index=True, how="left")
    return Cohort(data, time=args.time, event=args.event, id=id_col), list(wide.columns)


def _report_unmatched(samples: pd.Index, patients: pd.Series, id_col: str) -> None:
    """Say which samples have no clinical row (left out) and which patients no sample."""
    known = set(patients)
    orphans = [s for s in samples if s not in known]
    if len(orphans) == len(samples):
        raise CohortError(
            f"None of the {len(samples)} samples matches a clinical {id_col!r} (samples "
            f"{format_ids(orphans)}; clinical {format_ids(list(patients))}). Check that both "
            "files use the same ids (same spelling, leading zeros, text vs numbers).",
            column=id_col)
    if orphans:
        print(f"note: {len(orphans)} sample(s) without a clinical row left out (no time or "
              f"event): {format_ids(orphans)}.")
    measured = set(samples)
    unmeasured = [p for p in patients if p not in measured]
    if unmeasured:
        print(f"note: {len(unmeasured)} patient(s) without any sample (missing for every "
              f"marker): {format_ids(unmeasured)}.")


if __name__ == "__main__":  # pragma: no cover - `mirprog screen` once wired into mirprog.cli
    import sys

    _parser = argparse.ArgumentParser(prog="mirprog")
    add_parser(_parser.add_subparsers(dest="command", required=True))
    try:
        sys.exit(run(_parser.parse_args()))
    except MirprogError as _exc:
        print(f"mirprog: error: {_exc}", file=sys.stderr)
        sys.exit(2)

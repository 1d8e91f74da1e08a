"""The ``mirprog`` command line.

User mistakes end with a one-paragraph message on stderr and exit code 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from mirprog.cli.checks import WarningNotes, check_output, refuse_repeats
from mirprog.cli.model import add_file_options, file_options
from mirprog.errors import MirprogError
from mirprog.output import terminal_print as print  # control characters in data escaped
from mirprog.output import write_csv

if TYPE_CHECKING:
    from mirprog.data.cohort import Cohort

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


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"--events expects a positive number (the cohort's "
                                         f"total events, e.g. 120), got {text!r}")
    return value


def _add_analyze(sub: Any) -> None:
    """The ``analyze`` subcommand's arguments."""
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
    an.add_argument("--entry", metavar="COLUMN",
                    help="interval start column: rows are (start, stop] intervals (delayed "
                         "entry, time-varying covariates; ids may repeat)")
    an.add_argument("--markers", nargs="*", action="extend", default=None,
                    help="continuous markers to split at the median")
    an.add_argument("--cut", nargs="*", action="extend", type=_parse_cut, default=None,
                    metavar="COL=THRESHOLD",
                    help="fixed splits: high = value > threshold (e.g. nodes=3)")
    an.add_argument("--factors", nargs="*", action="extend", default=None,
                    help="factors used as they are")
    an.add_argument("--categorical", nargs="*", action="extend", default=[], metavar="COLUMN",
                    help="numeric factor columns to treat as categorical (e.g. grade 1/2/3)")
    an.add_argument("--reference", nargs="*", action="extend", default=[],
                    metavar="COLUMN=LEVEL", help="reference level of a categorical factor "
                    "(default: its first level in natural order)")
    an.add_argument("--strata", nargs="*", action="extend", default=[], metavar="COLUMN",
                    help="stratify the multivariate Cox model by these columns")
    an.add_argument("--weights", metavar="COLUMN", help="case-weights column (Cox model)")
    an.add_argument("--cluster", metavar="COLUMN",
                    help="cluster column: robust (sandwich) SEs in the multivariate model")
    an.add_argument("--robust", action="store_true", help="robust SEs in the multivariate model")
    an.add_argument("--ties", choices=["breslow", "efron"], default="breslow")
    an.add_argument("--out", help="write the full-precision univariate table to this CSV")
    add_file_options(an)


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2), naming where the help is:
    the usage block argparse prints first buries the message a user needs."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="mirprog",
        description="Prognostic biomarker survival analysis (median splits, log-rank, Cox).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_analyze(sub)

    rp = sub.add_parser(
        "reproduce", help="the reference study's Tables 3 and 4, Fig. 6 and model comparison",
        description="Run the miR-125b study's whole analysis on the bundled synthetic "
                    "reference cohort (default) or on your cohort, write tables and figures, "
                    "and compare with the published numbers.")
    rp.add_argument("--cohort", help="your cohort file instead of the bundled one")
    rp.add_argument("--map", nargs="*", action="extend", default=[], metavar="ROLE=COLUMN",
                    help="column roles for --cohort, e.g. time=months event=relapse "
                         "marker=mir125b nodes=ln_pos grade=sbr er=er pr=pr her2=her2 "
                         "(role=none drops an optional factor)")
    rp.add_argument("--out", default="mirprog-reproduce",
                    help="output directory (default: ./mirprog-reproduce)")
    add_file_options(rp)

    rep = sub.add_parser(
        "report", help="one self-contained HTML report of the study analysis",
        description="Run the study analysis (as `mirprog reproduce`) and write one HTML file "
                    "with the cohort summary, Tables 3 and 4, KM and forest figures, the model "
                    "comparison and the methods in plain words.")
    rep.add_argument("--cohort", help="your cohort file instead of the bundled one")
    rep.add_argument("--map", nargs="*", action="extend", default=[], metavar="ROLE=COLUMN",
                     help="column roles for --cohort (as for reproduce)")
    rep.add_argument("--out", default="mirprog-report.html", help="the HTML file to write")
    rep.add_argument("--title", default=None, help="report title")
    add_file_options(rep)

    from mirprog.cli import model as model_cli
    from mirprog.cli import screen as screen_cli
    from mirprog.cli import study as study_cli

    model_cli.add_parsers(sub)
    screen_cli.add_parser(sub)
    study_cli.add_parser(sub)

    au = sub.add_parser("audit", help="check a published survival table for internal "
                                      "consistency (HR vs CI, p vs CI, chi2 mislabelled as HR)")
    au.add_argument("table", nargs="?", help="CSV with label, value, ci_lower, ci_upper, p "
                                             "(default: the reference study's tables)")
    au.add_argument("--events", type=_positive_number, default=None,
                    help="total events in the cohort, if known (checks CI widths against it)")
    ap = sub.add_parser("app", help="the local web app (upload a cohort, KM, Cox, screen, report)",
                        description="Start mirprog's web app on this computer (needs the extra: "
                                    "pip install \"mirprog[app]\"). It binds to 127.0.0.1 and "
                                    "loads nothing from the internet; your data stay here.")
    ap.add_argument("--host", default="127.0.0.1",
                    help="address to bind (default 127.0.0.1: this computer only)")
    ap.add_argument("--port", type=int, default=8050, help="port (default 8050; 0 = any free)")
    ap.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    return parser


def _app(args: argparse.Namespace) -> None:
    try:
        import shiny  # noqa: F401

        from mirprog.app import serve
    except ImportError as exc:
        raise MirprogError(f"The web app needs the optional extra ({exc.name} is missing): "
                           'pip install "mirprog[app]"') from None
    if args.port == 0:
        import socket

        with socket.socket() as s:
            s.bind((args.host, 0))
            args.port = s.getsockname()[1]
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"mirprog app: warning: --host {args.host} makes the app (and the data you "
              "upload) reachable from other computers.", file=sys.stderr)
    print(f"mirprog app: http://{args.host}:{args.port}  (Ctrl+C stops it)", flush=True)
    serve(args.host, args.port, launch_browser=not args.no_browser)


def _analyze(args: argparse.Namespace) -> None:
    from mirprog.data.cohort import read_cohort
    preset = _PRESETS.get(args.dataset) if args.dataset else None
    time = args.time or (preset.time if preset else None)
    event = args.event or (preset.event if preset else None)
    if time is None or event is None:
        raise MirprogError("Give the column roles: --time COLUMN --event COLUMN.")
    if preset is not None:
        from mirprog.datasets import dataset_path

        cohort = read_cohort(dataset_path(args.dataset), time=time, event=event, id=preset.id)
    else:
        cohort = read_cohort(args.path, time=time, event=event, id=args.id, entry=args.entry,
                             **file_options(args))
    markers = list(args.markers if args.markers is not None else (preset.markers if preset else []))
    cut_list = list(args.cut) if args.cut is not None else list((preset.cuts if preset else {})
                                                                 .items())
    factors = list(args.factors if args.factors is not None else (preset.factors if preset else []))
    refuse_repeats([("--markers", markers), ("--cut", [name for name, _ in cut_list])])
    refuse_repeats([("--factors", factors)])
    cuts = dict(cut_list)
    model = ModelArgs(categorical=list(args.categorical),
                      reference=_references(cohort, args.reference), strata=list(args.strata),
                      weights=args.weights, cluster=args.cluster, robust=args.robust)
    _report(cohort, markers, cuts, factors, args.ties, args.out, model)


@dataclass
class ModelArgs:
    """The model-language options of ``analyze`` (categorical, reference, strata, ...)."""

    categorical: list[str] = field(default_factory=list)
    reference: dict[str, Any] = field(default_factory=dict)
    strata: list[str] = field(default_factory=list)
    weights: str | None = None
    cluster: str | None = None
    robust: bool = False


def _references(cohort: Cohort, specs: Sequence[str]) -> dict[str, Any]:
    """``COLUMN=LEVEL`` pairs, each level matched to the column's own value."""
    out: dict[str, Any] = {}
    for spec in specs:
        col, sep, level = spec.partition("=")
        if not sep or not col or not level:
            raise MirprogError(f"--reference takes COLUMN=LEVEL, got {spec!r}.")
        values = cohort.column(col).dropna().unique().tolist()
        match = [v for v in values if str(v) == level or
                 (isinstance(v, float) and v.is_integer() and str(int(v)) == level)]
        if not match:
            raise MirprogError(f"--reference {spec}: {level!r} is not a level of {col!r} "
                               f"(its levels: {sorted(map(str, values))[:12]}).")
        out[col] = match[0]
    return out


def _report(cohort: Cohort, markers: list[str], cuts: dict[str, float], factors: list[str],
            ties: str, out: str | None, model: ModelArgs | None = None) -> None:
    from mirprog.factors.cutpoints import Cutpoints
    from mirprog.present.format import format_p, univariate_table
    from mirprog.stats.cox.coxph import cox
    from mirprog.stats.univariate import univariate
    model = model or ModelArgs()
    rows = (f"{cohort.n} intervals of {cohort.n_patients} patients" if cohort.entry_col
            else f"{cohort.n} patients")
    print(f"Cohort: {rows}, {cohort.n_events} events "
          f"(time={cohort.time_col!r}, event={cohort.event_col!r}"
          + (f", entry={cohort.entry_col!r}" if cohort.entry_col else "") + ").")
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
    uni = univariate(cohort, terms, ties=ties,  # type: ignore[arg-type]
                     categorical=model.categorical, reference=model.reference)
    print(f"\nUnivariate analysis (log-rank; Cox, {ties} ties, Wald 95% CI):")
    print(univariate_table(uni).to_string())
    for factor, fit in uni.cox.items():
        if len(fit.excluded):
            print(f"  {factor}: {fit.excluded.summary()}")
    multi = cox(cohort, terms, ties=ties,  # type: ignore[arg-type]
                categorical=model.categorical, reference=model.reference,
                strata=model.strata or None, weights=model.weights, cluster=model.cluster,
                robust=model.robust)
    extras = [f"stratified by {', '.join(multi.strata)}"] if multi.strata else []
    extras += [f"weights {multi.weights}"] if multi.weights else []
    extras += ([f"robust SE (cluster {multi.cluster})" if multi.cluster else "robust SE"]
               if multi.robust else [])
    unit = "intervals" if cohort.entry_col else "patients"
    print(f"\nMultivariate Cox model ({multi.n} {unit}, {multi.events} events"
          f"{''.join(', ' + e for e in extras)}, "
          f"-2 log-likelihood {multi.neg2loglik:.2f}, LR p {format_p(multi.lr_p)}, "
          f"C {multi.concordance:.3f}):")
    s = multi.summary
    for term, r in s.iterrows():
        if term in multi.monotone:
            print(f"  {term:<16} not estimable (monotone likelihood)")
            continue
        print(f"  {term:<16} HR {r['hr']:.2f} ({r['ci_lower']:.2f}–{r['ci_upper']:.2f})  "
              f"p {format_p(r['p'])}")
    for name, ft in multi.factor_tests.iterrows():
        if ft["df"] > 1 and ft["lr_p"] == ft["lr_p"]:
            ref = multi.design.levels.get(str(name))
            print(f"  {name!s:<16} {int(ft['df'])} df: LR p {format_p(ft['lr_p'])}, "
                  f"Wald p {format_p(ft['wald_p'])}" + (f" (vs {ref[0]})" if ref else ""))
    if len(multi.excluded):
        print(f"  {multi.excluded.summary()}")
    if out:
        write_csv(uni.table, out)
        print(f"\nFull-precision table written to {out}")


def _study_cohort(args: argparse.Namespace) -> tuple[Cohort, object, str]:
    """The cohort and study roles named by --cohort/--map (default: the bundled cohort)."""
    from mirprog.data.cohort import read_cohort
    from mirprog.datasets import load_reference_cohort
    from mirprog.study import reproduce

    pairs = [_parse_role(m) for m in args.map]
    roles = dict(pairs)
    if len(roles) < len(pairs):
        twice = sorted({r for r, _ in pairs if sum(r == q for q, _ in pairs) > 1})
        raise MirprogError(f"--map gives the role(s) {', '.join(twice)} more than once: give "
                           "each role one column.")
    columns = reproduce.StudyColumns.from_mapping(roles)
    if args.cohort:
        cohort = read_cohort(args.cohort, time=columns.time, event=columns.event, id=columns.id,
                             causes=reproduce.study_causes(columns), **file_options(args))
        if "time_unit" not in roles:   # the axes say the unit given by --time-unit, or none
            columns = dataclasses.replace(columns, time_unit=cohort.time_unit)
        return cohort, columns, args.cohort
    if roles:
        raise MirprogError("--map applies to --cohort FILE; the bundled cohort has its roles.")
    return load_reference_cohort(), columns, "the bundled SYNTHETIC reference cohort"


def _report_html(args: argparse.Namespace) -> None:
    from mirprog.study import reproduce
    from mirprog.study.report import report

    cohort, columns, label = _study_cohort(args)
    res = reproduce.run_study(cohort, columns,  # type: ignore[arg-type]
                              cohort_file=args.cohort,
                              event_values=file_options(args).get("event_values"))
    path = report(res, title=args.title, path=args.out, synthetic=not args.cohort).path
    print(f"Report on {label} ({cohort.n} patients, {cohort.n_events} events) written to {path}")


def _reproduce(args: argparse.Namespace) -> None:
    import time

    from mirprog.present.format import format_p
    from mirprog.study import reproduce

    start = time.perf_counter()
    cohort, columns, label = _study_cohort(args)
    res = reproduce.run_study(cohort, columns,  # type: ignore[arg-type]
                              cohort_file=args.cohort,
                              event_values=file_options(args).get("event_values"))
    written = reproduce.write_outputs(res, args.out, compare=not args.cohort)
    print(f"Reproduced the reference study's analysis on {label}: {cohort.n} patients, "
          f"{cohort.n_events} events.")
    print("It is the reference study file run by the study runner" + (
        ", written for these roles (`mirprog report` embeds it)" if args.cohort else
        " (`mirprog study --template reference` prints it; `mirprog study` runs it)") + ".\n")
    if res.marker_cif is not None:
        print(f"Competing causes {cohort.causes}: the event is {res.cohort.cause!r} "
              "(cause-specific log-rank and Cox, other causes censored); the marker's curves "
              "are cumulative incidences (Aalen-Johansen, fig6a_marker_cif.png), not "
              "1 - Kaplan-Meier.\n")
    print(res.table3.formatted().to_string(index=False))
    sel = res.table3.selection
    kept = ", ".join(sel.selected) or "none"
    print(f"\nBackward selection kept: {kept}.  A/B/C log-rank p = "
          f"{format_p(res.risk.logrank.p)} (trend p = {format_p(res.risk.trend.p)}).")
    cmp = res.comparison.table
    print("-2 log-likelihood: " + "; ".join(
        f"{name} {row['neg2loglik']:.2f}" + ("" if name == "combined" else
                                              f" (LR p {format_p(row['p'])})")
        for name, row in cmp.iterrows()))
    if res.table4 is not None:
        print("\n" + res.table4.formatted().to_string(index=False))
    if not args.cohort:
        table = reproduce.compare_published(res)
        counts = table["status"].str.split(":").str[0].value_counts()
        print("\nPublished vs reproduced: " + ", ".join(f"{v} {k}" for k, v in counts.items())
              + f" (details in {args.out}/comparison.md)")
    print(f"\n{len(written)} files written to {args.out}/ in {time.perf_counter() - start:.1f} s.")


def _parse_role(text: str) -> tuple[str, str]:
    role, sep, column = text.partition("=")
    if not sep or not role:
        raise MirprogError(f"--map expects ROLE=COLUMN (e.g. time=rfs_months), got {text!r}.")
    return role, column


def _run(args: argparse.Namespace) -> None:
    _check_paths(args)
    if args.command == "analyze":
        _analyze(args)
    elif args.command == "reproduce":
        _reproduce(args)
    elif args.command == "report":
        _report_html(args)
    elif args.command == "screen":
        from mirprog.cli import screen as screen_cli

        screen_cli.run(args)
    elif args.command in ("fit", "score"):
        from mirprog.cli import model as model_cli

        model_cli.run(args)
    elif args.command == "study":
        from mirprog.cli import study as study_cli

        study_cli.run(args)
    elif args.command == "app":
        _app(args)
    elif args.command == "audit":
        from mirprog.stats import audit

        table = args.table or str(audit.published_path())
        print(audit.main_report(table, events=args.events))
    sys.stdout.flush()  # a closed pipe fails here, inside main, not at interpreter exit


def _check_paths(args: argparse.Namespace) -> None:
    """Every output path is checked before any work starts (issue 14, item 7)."""
    inputs = {"analyze": [("input", args.path if args.command == "analyze" else None)],
              "reproduce": [("--cohort", getattr(args, "cohort", None))],
              "report": [("--cohort", getattr(args, "cohort", None))],
              "fit": [("input", getattr(args, "path", None))],
              "score": [("input", getattr(args, "path", None)),
                        ("--model", getattr(args, "model", None))],
              "screen": [("input", getattr(args, "path", None)),
                         ("--clinical", getattr(args, "clinical", None))]}.get(args.command)
    out = getattr(args, "out", None)
    if inputs is None or out is None:
        return
    check_output(out, inputs=inputs, directory=args.command == "reproduce")
    if args.command == "screen" and args.bootstrap:
        stem = Path(out)
        check_output(stem.with_name(stem.stem + ".stability.csv"),
                     option="--out (its .stability.csv)", inputs=inputs)


def _internal_error(exc: BaseException) -> int:
    """An exception that is not a user mistake: one line, exit 1, traceback on request."""
    if os.environ.get("MIRPROG_DEBUG"):
        traceback.print_exception(exc)
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)  # the last: where it was raised
    if frames:
        where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}"
    text = " ".join(str(exc).split())[:300]
    print(f"mirprog: internal error: {type(exc).__name__}{where}: {text} -- this is a bug in "
          "mirprog, please report it with the command line (MIRPROG_DEBUG=1 shows the "
          "traceback).", file=sys.stderr)
    return 1


def _quiet_stdout() -> None:
    """After a closed pipe: point stdout at devnull so that the exit flush cannot fail."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mirprog`` command; returns the exit code.

    0: done; 2: a user mistake (one ``mirprog: error: ...`` line on stderr; argparse
    usage errors exit with 2 too); 1: an internal error (one line asking for a bug
    report; the traceback only with ``MIRPROG_DEBUG=1``); 141 (128 + SIGPIPE, as the
    shell reports for Unix tools): the reader of stdout went away, e.g. ``| head``.
    """
    args = _build_parser().parse_args(argv)
    notes = WarningNotes()
    error: str | None = None
    try:
        with notes.collect():
            _run(args)
        code = 0
    except MirprogError as exc:
        error, code = str(exc), 2
    except BrokenPipeError:
        _quiet_stdout()
        code = 128 + 13
    except KeyboardInterrupt:
        error, code = "interrupted", 130
    except OSError as exc:  # the file system refused (disk full, permissions changed...)
        error, code = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), 2
    except Exception as exc:
        code = _internal_error(exc)
    for line in notes.lines():
        print(line, file=sys.stderr)
    if error is not None:
        print(f"mirprog: error: {error}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

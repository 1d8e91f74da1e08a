"""``mirprog fit`` and ``mirprog score``: freeze a prognostic model, apply it to a new table.

``mirprog.cli`` adds these subcommands with :func:`add_parsers` and runs them
with :func:`run`; user mistakes raise :class:`~mirprog.errors.MirprogError`
subclasses, which the command line turns into exit code 2.

Examples
--------
::

    mirprog fit train.csv --time rfs_years --event relapse --id id \\
        --markers mir125b --cut nodes=3 --clinical grade --groups default --out model.json
    mirprog fit train.csv --time rfs_years --event relapse --markers mir125b \\
        --strata centre --weights w --out stratified.json
    mirprog score new.csv --model model.json --out scores.csv --horizons 3 5
"""

from __future__ import annotations

import argparse
import warnings
from typing import TYPE_CHECKING, Any

from mirprog.cli.checks import refuse_repeats
from mirprog.errors import MirprogError, format_ids
from mirprog.output import terminal_print as print  # control characters in data escaped
from mirprog.output import write_csv

if TYPE_CHECKING:
    from mirprog.model.validation import ValidationResult

__all__ = ["add_file_options", "add_parsers", "file_options", "run"]


def _parse_cut(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    try:
        if not sep or not name:
            raise ValueError
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--cut expects MARKER=THRESHOLD (e.g. nodes=3), got {text!r}") from None


def add_file_options(parser: argparse.ArgumentParser, cohort: bool = True) -> None:
    """Options that read an odd file as intended (the read_options of mp.read_cohort)."""
    g = parser.add_argument_group("reading the file (nothing is guessed)")
    g.add_argument("--sep", help="column separator, e.g. ';' (default ',' for .csv)")
    g.add_argument("--decimal", help="decimal mark, e.g. ',' (with --sep ';')")
    g.add_argument("--encoding", help="text encoding, e.g. latin-1 (default utf-8)")
    g.add_argument("--header", help="row(s) holding the column names, e.g. 1 (below a title "
                                    "row) or 0,1 (a two-row header)")
    g.add_argument("--sheet", help="Excel sheet name or position (default: the first)")
    if cohort:
        g.add_argument("--event-values", nargs="+", action="extend", metavar="CODE=0|1",
                       help="recode the event column, e.g. yes=1 no=0 or 2=1 1=0 (R's lung)")
        g.add_argument("--time-unit", choices=["days", "weeks", "months", "years"],
                       help="unit of the time column (checked for plausibility)")


def file_options(args: argparse.Namespace, cohort: bool = True) -> dict[str, Any]:
    """Keyword arguments for read_cohort (or read_table) from :func:`add_file_options`."""
    opts: dict[str, Any] = {k: getattr(args, k) for k in ("sep", "decimal", "encoding")
                            if getattr(args, k, None) is not None}
    if getattr(args, "header", None) is not None:
        try:
            rows = [int(h) for h in args.header.split(",")]
        except ValueError:
            raise MirprogError(f"--header expects a row number or rows like 0,1, got "
                               f"{args.header!r}.") from None
        opts["header"] = rows[0] if len(rows) == 1 else rows
    out: dict[str, Any] = {"read_options": opts}
    if getattr(args, "sheet", None) is not None:
        out["sheet"] = _parse_value(args.sheet)
    if cohort:
        out["time_unit"] = getattr(args, "time_unit", None)
        codes = getattr(args, "event_values", None)
        if codes:
            mapping = {}
            for item in codes:
                code, sep, value = item.rpartition("=")
                if not sep or value not in ("0", "1"):
                    raise MirprogError(f"--event-values expects CODE=1 or CODE=0 pairs (e.g. "
                                       f"yes=1 no=0), got {item!r}.")
                mapping[_parse_value(code)] = int(value)
            out["event_values"] = mapping
    return out


def add_parsers(subparsers: Any) -> None:
    """Add the ``fit`` and ``score`` subcommands to an argparse subparsers object."""
    fit = subparsers.add_parser(
        "fit", help="fit a frozen prognostic model (cutpoints + Cox) and save it as JSON",
        description="Split markers at the training median (high = above it) or at fixed "
                    "thresholds, fit the multivariate Cox model with the clinical factors, and "
                    "save cutpoints, coefficients and baseline hazard as a JSON model file.")
    fit.add_argument("path", help="training cohort file (.csv, .tsv, .xlsx, .parquet)")
    fit.add_argument("--time", required=True, help="follow-up time column")
    fit.add_argument("--event", required=True, help="event column (1 = event, 0 = censored)")
    fit.add_argument("--id", help="patient id column")
    fit.add_argument("--markers", nargs="*", action="extend", default=[],
                     help="markers split at the median")
    fit.add_argument("--cut", nargs="*", action="extend", type=_parse_cut, default=[],
                     metavar="MARKER=THRESHOLD",
                     help="markers split at a fixed threshold: high = value > threshold")
    fit.add_argument("--clinical", nargs="*", action="extend", default=[],
                     help="clinical factors used as given")
    fit.add_argument("--groups", nargs="+", action="extend", metavar="default|FACTOR=VALUE",
                     help="risk groups: 'default' (every binary factor, adverse = its higher-"
                          "hazard level) or the adverse value of each factor, e.g. "
                          "mir125b_high=1 nodes_high=1")
    fit.add_argument("--strata", nargs="+", action="extend", default=[], metavar="COL",
                     help="stratify the Cox model by this column (repeatable): one baseline "
                          "hazard per stratum; 'mirprog score' then needs the column")
    fit.add_argument("--weights", metavar="COL",
                     help="column of case weights of the Cox fit and its baseline hazards")
    fit.add_argument("--ties", choices=["breslow", "efron"], default="breslow")
    fit.add_argument("--out", required=True, help="model file to write (.json)")
    add_file_options(fit)
    fit.set_defaults(_model_command="fit")

    sc = subparsers.add_parser(
        "score", help="apply a saved model to a new cohort: groups, risk, predicted survival",
        description="Apply the frozen thresholds and Cox model of a model file to every row of "
                    "a table; rows missing a needed value are kept, with the reason.")
    sc.add_argument("path", help="table to score (.csv, .tsv, .xlsx, .parquet)")
    sc.add_argument("--model", required=True, help="model file written by 'mirprog fit'")
    sc.add_argument("--out", required=True, help="CSV file for the per-patient scores")
    sc.add_argument("--horizons", nargs="+", type=float,
                    help="times for the predicted survival, in the training time unit "
                         "(default: 3 and 5 years in the unit the model file records, e.g. "
                         "1095.75 1826.25 for days; required when it records none)")
    sc.add_argument("--id", help="id column (default: the model's training id column)")
    sc.add_argument("--validate", action="store_true",
                    help="the table has follow-up: also report Harrell's C, the time-dependent "
                         "AUC, Brier score and IPA, calibration slope, O/E, Royston's D, the "
                         "log-rank test by group and calibration by group")
    add_file_options(sc, cohort=False)
    sc.set_defaults(_model_command="score")


def run(args: argparse.Namespace) -> None:
    """Execute a ``fit`` or ``score`` command parsed by the parsers of :func:`add_parsers`."""
    if args._model_command == "fit":
        _fit(args)
    else:
        _score(args)


def _parse_value(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _groups(values: list[str] | None) -> dict[str, Any] | str | None:
    if not values:
        return None
    if values == ["default"]:
        return "default"
    out = {}
    for v in values:
        name, sep, level = v.partition("=")
        if not sep or not name:
            raise MirprogError(f"--groups expects 'default' or FACTOR=VALUE pairs (e.g. "
                               f"nodes_high=1), got {v!r}.")
        out[name] = _parse_value(level)
    return out


def _fit(args: argparse.Namespace) -> None:
    from mirprog.data.cohort import read_cohort
    from mirprog.model.prognostic import PrognosticModel
    from mirprog.model.strata import stratum_label
    cohort = read_cohort(args.path, time=args.time, event=args.event, id=args.id,
                         **file_options(args))
    refuse_repeats([("--markers", args.markers), ("--cut", [name for name, _ in args.cut])])
    refuse_repeats([("--clinical", args.clinical)])
    refuse_repeats([("--strata", args.strata)])
    thresholds = dict(args.cut)
    markers = list(args.markers) + [m for m in thresholds if m not in args.markers]
    model = PrognosticModel.fit(cohort, markers, args.clinical, thresholds=thresholds,
                                groups=_groups(args.groups), ties=args.ties,
                                strata=args.strata or None, weights=args.weights)
    model.save(args.out)
    print(f"Fitted on {model.n} patients, {model.events} events ({model.n_excluded} excluded "
          f"for a missing value), {model.ties} ties"
          f"{f', case weights {model.weights}' if model.weights else ''}.")
    for c in model.cutpoints.cutpoints:
        print(f"  {c.column}: {c.marker} > {c.thresholds[0]:g} ({c.rule})")
    table = model.to_frame()
    for term, r in table.iterrows():
        print(f"  {term:<16} HR {r['hr']:.2f} ({r['ci_lower']:.2f}–{r['ci_upper']:.2f})")
    for b in model.stratum_baselines:
        print(f"  stratum {stratum_label(model.strata, b.level)}: {b.n} patients, {b.events} "
              f"events, follow-up to {b.max_time:g}")
    if model.adverse is not None:
        rule = ", ".join(f"{k}={v}" for k, v in model.adverse.items())
        print(f"  risk groups {'/'.join(model.group_labels or ())} = number of adverse "
              f"factors among {rule}")
    print(f"  time unit: {model.time_unit}" if model.time_unit else
          "  time unit: unknown (give --time-unit to record it; 'mirprog score' then needs "
          "--horizons)")
    print(f"Model written to {args.out}")


def _score(args: argparse.Namespace) -> None:
    from mirprog.data.cohort import Cohort
    from mirprog.data.reading import read_table
    from mirprog.model.prognostic import HorizonWarning, PrognosticModel, ScaleWarning
    model = PrognosticModel.load(args.model)
    table = read_table(args.path, id=args.id,
                       columns=[*model.markers, *model.clinical, *model.strata],
                       **file_options(args, cohort=False))
    id_col = args.id or (model.id_col if model.id_col in table.columns else None)
    horizons = list(args.horizons or model.default_horizons())
    scores = model.score(table, horizons=horizons, id=id_col)
    result = None
    if args.validate:
        if model.time_col is None or model.event_col is None:
            raise MirprogError("The model file does not name the time/event columns.")
        cohort = Cohort(table, time=model.time_col, event=model.event_col, id=id_col)
        last = float(cohort.time.max()) if cohort.n else 0.0
        within = [h for h in horizons if 0 < h <= model.follow_up and h < last]
        with warnings.catch_warnings():  # already reported by score()
            warnings.simplefilter("ignore", ScaleWarning)
            warnings.simplefilter("ignore", HorizonWarning)
            result = model.validate(cohort, horizon=max(within) if within else None,
                                    horizons=within or None)
    write_csv(scores, args.out, index=False)
    bad = scores[scores["reason"].notna()]
    print(f"Scored {len(scores) - len(bad)} of {len(scores)} patients with {args.model} "
          f"(trained on {model.n} patients, {model.events} events).")
    if not args.horizons:
        print(f"Horizons: 3 and 5 years = {horizons[0]:g} and {horizons[1]:g} "
              f"{model.time_unit} (the model's time unit).")
    for reason, rows in bad.groupby("reason", sort=False):
        print(f"  not scored, {reason}: {format_ids(list(rows.iloc[:, 0]))}")
    if result is not None:
        _print_validation(result)
    print(f"Scores written to {args.out}")


def _print_validation(result: ValidationResult) -> None:
    """The validation summary of ``score --validate`` (mirprog.validate's numbers)."""
    from mirprog.model.validation import RiskGroupValidation

    groups = result.risk_groups
    uno = "n/a" if result.uno is None else f"{result.uno.c:.3f}"
    lr = ("" if not isinstance(groups, RiskGroupValidation) or groups.logrank is None
          else f", log-rank p {groups.logrank.p:.3g}")
    print(f"Validation: Harrell's C {result.harrell_c:.3f}, Uno's C {uno}{lr}.")
    s, o, d = result.calibration_slope, result.oe, result.royston_d
    print(f"Calibration slope {s.slope:.3f} ({s.ci_lower:.3f} to {s.ci_upper:.3f}), "
          f"O/E {o.ratio:.3f} ({o.ci_lower:.3f} to {o.ci_upper:.3f}), "
          f"Royston's D {d.d:.3f} (R2_D {d.r2:.3f}).")
    table = result.table[["auc", "auc_lower", "auc_upper", "brier", "null_brier", "ipa"]]
    print("By horizon (IPCW AUC with CI, Brier score, null-model Brier, IPA):")
    print(table.round(3).to_string())
    if isinstance(groups, RiskGroupValidation):
        print(f"Calibration at t = {groups.horizon:g} (predicted vs observed KM survival):")
        print(groups.table.round(3).to_string())


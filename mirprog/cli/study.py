"""``mirprog study``: run a study file (TOML), or print the commented template."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mirprog.errors import MirprogError
from mirprog.output import terminal_print as print  # control characters in data escaped

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    st = subparsers.add_parser(
        "study", help="run a study file (TOML): every endpoint, table, figure and a report",
        description="Run the study written in FILE (see `mirprog study --template`): KM and "
                    "log-rank per marker, the univariate and multivariate table, the PH check, "
                    "subgroups and the combined signature, per endpoint; writes report.html, "
                    "tables.xlsx, a CSV per table and PNG/PDF figures to --out.")
    st.add_argument("file", nargs="?", help="the study file (.toml)")
    st.add_argument("--out", help="output folder (default: <file name>_results beside it)")
    st.add_argument("--template", nargs="?", const="gbsg2", choices=("gbsg2", "reference"),
                    help="print a commented study file that runs as it is on bundled data: "
                         "gbsg2 (default; every key explained) or reference (the reference "
                         "study, as `mirprog reproduce` runs it)")
    return st


def run(args: argparse.Namespace) -> None:
    from pathlib import Path

    from mirprog.study.run import Study
    from mirprog.study.spec import template

    if args.template:
        if args.file:
            raise MirprogError("--template prints the template; give no FILE with it.")
        sys.stdout.write(template(args.template))
        return
    if not args.file:
        raise MirprogError("give the study file: mirprog study study.toml (or --template).")
    study = Study.from_toml(args.file)
    out = Path(args.out) if args.out else Path(args.file).with_name(
        Path(args.file).stem + "_results")
    result = study.run()
    for name, ep in result.endpoints.items():
        c = ep.cohort
        print(f"{name}: {c.n} patients, {c.n_events} events; {len(ep.items)} results")
        for note in ep.notes:
            print(f"  note: {note}")
        table = next((r for h, r in ep.items if h == "Univariate and multivariate analyses"),
                     None)
        if table is not None:
            print(table.formatted().to_string(index=False))
    files = result.save(out)
    print(f"Wrote {len(files)} files to {out} (report.html, tables.xlsx, CSV, PNG, PDF).")

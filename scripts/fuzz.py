"""Long fuzz run of mirprog's file readers, Cohort validation and command line (issue 9).

Runs the fuzz-marked tests (``pytest tests -m fuzz``) -- random and malformed
cohort files (CSV/TSV/TXT in several dialects and encodings, Excel, Parquet,
truncated or bit-flipped, plain random bytes), hostile DataFrames, corrupted
model files, random ``mirprog`` command lines, and every subcommand of the
parser with random options, values, input and output paths -- round after round, each
round with a fresh random hypothesis seed and many more examples than the CI
run, until the time is up.

Usage (from anywhere; the repository is found from this file)::

    python scripts/fuzz.py --minutes 5           # the documented long run
    python scripts/fuzz.py --minutes 2 --scale 2 # shorter rounds
    python scripts/fuzz.py --seed 123456 --rounds 1   # replay one round

Contract checked: the API raises only ``MirprogError`` subclasses and warns only
with ``MirprogWarning`` subclasses; the CLI returns 0 or 2 (one-paragraph
``mirprog: error: ...``, no traceback) and argparse usage errors exit with 2; every
CLI call finishes within ``--call-limit`` seconds (a watchdog fails it otherwise).

A failing round prints hypothesis' shrunk failing example and the command that
replays it, and the script exits with status 1 (0 when every round passed).  The
round running at the deadline gets 60 s more, then stops (its examples so far passed).
The CI runs the same targets briefly: ``pytest tests -m fuzz``.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = "tests"
# examples per round at scale 1, as in the fuzz-marked tests (readers, frames, CLI, every
# subcommand, model files)
BASE_EXAMPLES = 500 + 300 + 200 + 60 + 100
GRACE = 60.0


def run_round(seed: int, scale: float, timeout: float, verbose: bool,
              call_limit: float = 30.0) -> tuple[str, str]:
    """One pytest run of the fuzz targets; returns ("ok" | "FAILED" | "stopped", output)."""
    env = dict(os.environ, MIRPROG_FUZZ_RANDOM="1", MIRPROG_FUZZ_EXAMPLES=str(scale),
               MIRPROG_FUZZ_CALL_LIMIT=str(call_limit), PYTHONHASHSEED="0")
    cmd = [sys.executable, "-m", "pytest", TARGET, "-m", "fuzz",
           "-q", "-x", "-p", "no:cacheprovider",
           f"--hypothesis-seed={seed}"]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=max(timeout, 20.0), check=False)
    except subprocess.TimeoutExpired:  # the time is up: the round's examples so far passed
        return "stopped", ""
    output = proc.stdout + proc.stderr
    if verbose:
        print(output)
    return ("ok" if proc.returncode == 0 else "FAILED"), output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0,
                        help="total time budget (default 5)")
    parser.add_argument("--scale", type=float, default=4.0,
                        help="examples per round, as a multiple of the CI run (default 4)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the first round (default: random); later rounds add 1")
    parser.add_argument("--rounds", type=int, default=None, help="stop after this many rounds")
    parser.add_argument("--call-limit", type=float, default=30.0,
                        help="seconds one mirprog command may take before it counts as a "
                             "hang (default 30)")
    parser.add_argument("--verbose", action="store_true", help="print every round's output")
    args = parser.parse_args(argv)

    deadline = time.monotonic() + 60 * args.minutes
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    rounds = complete = 0
    print(f"Fuzzing {TARGET} for {args.minutes:g} min, ~{int(BASE_EXAMPLES * args.scale)} "
          f"examples per round, first seed {seed}.", flush=True)
    while time.monotonic() < deadline and (args.rounds is None or rounds < args.rounds):
        start = time.monotonic()
        # the round running at the deadline gets GRACE more seconds (e.g. to shrink a failure)
        status, output = run_round(seed, args.scale, deadline - start + GRACE, args.verbose,
                                   args.call_limit)
        rounds += 1
        complete += status == "ok"
        print(f"round {rounds}: seed {seed}: {status} ({time.monotonic() - start:.0f} s)",
              flush=True)
        if status == "FAILED":
            print(output)
            print(f"Replay: MIRPROG_FUZZ_RANDOM=1 MIRPROG_FUZZ_EXAMPLES={args.scale:g} "
                  f"python -m pytest {TARGET} -m fuzz -x --hypothesis-seed={seed}")
            return 1
        seed += 1
    print(f"No failure in {rounds} round(s): {complete} complete (about "
          f"{int(complete * BASE_EXAMPLES * args.scale)} examples), the last one "
          f"{'complete' if complete == rounds else 'stopped at the time limit'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

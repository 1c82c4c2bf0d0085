"""The mutation score of components/*.py from mutmut's results, whole or estimated from a sample.

mutmut 3.8.1 needs five to six hours on a 2-core machine for every mutant of this code (README, "Mutation
testing"). A run records each mutant's result as it goes (mutants/components/*.meta) and resumes where it
stopped, so the census grows across sessions; until it is whole, the score is estimated: the mutants with a
result are counted, and the rest are represented by a uniform random sample, run by name.

    .venv-mutmut/bin/python scripts/mutation_score.py sample 250 --seed 20261129 > sample.txt
    .venv-mutmut/bin/mutmut run --max-children 2 $(cat sample.txt)
    .venv-mutmut/bin/python scripts/mutation_score.py report --sample sample.txt

Run from the folder mutmut runs in (it holds `mutants/`), with the interpreter mutmut is installed in.
`report` counts killed and surviving mutants as `verdict` reads them; with --sample, the mutants of the sample
are the estimate for every mutant that had no result when the sample was drawn, and the report gives the
estimate's 95 % interval. Survivors are listed by name for judging (`mutmut show NAME`).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

from mutmut.stats import status_by_exit_code  # mutmut's own reading of its exit codes (requirements-mutation.txt)

DETECTED = {"killed", "caught by type check", "timeout"}
UNDETECTED = {"survived", "no tests"}


def results(root: Path) -> dict[str, int | None]:
    """Every mutant's exit code by name (None: not run yet)."""
    codes: dict[str, int | None] = {}
    for meta in sorted((root / "mutants").rglob("*.meta")):
        codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    return codes


def sample(codes: dict[str, int | None], size: int, seed: int) -> list[str]:
    """`size` mutants drawn uniformly from those without a result."""
    pending = sorted(name for name, code in codes.items() if code is None)
    return sorted(random.Random(seed).sample(pending, min(size, len(pending))))


def verdict(code: int | None) -> str:
    """killed (a test failed, the type checker refused it, or it ran out of time), survived (every test that
    covers it passed, or none does), pending, or mutmut's word for anything else."""
    if code is None:
        return "pending"
    status = status_by_exit_code[code]
    return "killed" if status in DETECTED else "survived" if status in UNDETECTED else status


def report(codes: dict[str, int | None], sampled: list[str]) -> None:
    drawn = set(sampled)
    census = {name: code for name, code in codes.items() if name not in drawn}
    counted = [verdict(code) for code in census.values() if code is not None]
    pending = sum(1 for code in census.values() if code is None)
    killed, survived = counted.count("killed"), counted.count("survived")
    print(f"mutants: {len(codes)}; with a result outside the sample: {len(counted)} "
          f"({killed} killed, {survived} survived, {len(counted) - killed - survived} other)")
    if not sampled:
        if pending:
            print(f"not run yet: {pending}; score of those run: {killed / max(1, killed + survived):.1%}")
        else:
            print(f"score: {killed / max(1, killed + survived):.1%}")
    else:
        outcomes = [verdict(codes.get(name)) for name in sampled]
        done = [o for o in outcomes if o in ("killed", "survived")]
        if len(done) < len(sampled):
            print(f"sample: {len(sampled) - len(done)} of {len(sampled)} not run yet", file=sys.stderr)
        rate = done.count("killed") / max(1, len(done))
        stratum = pending + len(sampled)  # the mutants the sample stands for
        estimate = (killed + stratum * rate) / (killed + survived + stratum)
        spread = 1.96 * (stratum / (killed + survived + stratum)) * math.sqrt(rate * (1 - rate) / max(1, len(done)))
        print(f"sample: {len(done)} run of {stratum} without a result when drawn: {done.count('killed')} killed "
              f"({rate:.1%})")
        print(f"score, estimated: {estimate:.1%} (95 % interval {estimate - spread:.1%} to {estimate + spread:.1%})")
    print("survivors:")
    for name in sorted(n for n, code in codes.items() if verdict(code) == "survived"):
        print(f"  {name}{'  (sample)' if name in drawn else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    draw = commands.add_parser("sample", help="print a sample of the mutants without a result")
    draw.add_argument("size", type=int)
    draw.add_argument("--seed", type=int, required=True)
    counts = commands.add_parser("report", help="the census and, with --sample, the estimate")
    counts.add_argument("--sample", type=Path)
    options = parser.parse_args()
    codes = results(Path.cwd())
    if not codes:
        raise SystemExit("no mutmut results here: run it from the folder that holds mutants/")
    if options.command == "sample":
        print("\n".join(sample(codes, options.size, options.seed)))
    else:
        report(codes, options.sample.read_text().split() if options.sample else [])


if __name__ == "__main__":
    main()

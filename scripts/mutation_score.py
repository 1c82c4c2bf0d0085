"""The mutation score of components/*.py from mutmut's results, whole or estimated from a sample.

mutmut 3.8.1 needs five to six hours on a 2-core machine for every mutant of this code (docs/testing.md, "Mutation
testing"). A run records each mutant's result as it goes (mutants/components/*.meta) and resumes where it
stopped, so the census grows across sessions; until it is whole, the score is estimated: the mutants with a
result are counted, and the rest are represented by a uniform random sample, run by name.

    .venv-mutmut/bin/python scripts/mutation_score.py sample 250 --seed 20261129 > sample.txt
    .venv-mutmut/bin/mutmut run --max-children 2 $(cat sample.txt)
    .venv-mutmut/bin/python scripts/mutation_score.py report --sample sample.txt

Run from the folder mutmut runs in (it holds `mutants/`), with the interpreter mutmut is installed in.
`report` counts killed and surviving mutants as `verdict` reads them; with --sample, the mutants of the sample
are the estimate for every mutant that had no result when the sample was drawn, and the report gives the
estimate's 95 % interval (Wilson's, bounded by the known survivors and kills).
Survivors are listed by name for judging (`mutmut show NAME`).
"""

from __future__ import annotations

import argparse
import json
import math
import random
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


Z95 = 1.959963984540054  # the standard normal's 97.5 % quantile


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (Wilson 1927): unlike the Wald interval it stays inside
    [0, 1] and does not collapse to a point when every trial succeeds."""
    p, n = successes / trials, trials
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def estimate(codes: dict[str, int | None], sampled: list[str]) -> tuple[float, float, float]:
    """The score and its 95 % interval (low, high): mutants with a result outside the sample count as they are;
    the sample's rate of kills stands for every mutant that had no result when it was drawn (with no sample,
    the score of those run, exact). The interval is the Wilson interval of that rate, carried over to the
    score, and bounded by what is known: the sample's own survivors can never be killed, nor its kills
    survive, so no score outside [known kills, all but the known survivors] is reported."""
    drawn = set(sampled)
    verdicts = [verdict(code) for name, code in codes.items() if name not in drawn]
    killed, survived = verdicts.count("killed"), verdicts.count("survived")
    done = [o for o in (verdict(codes.get(name)) for name in sampled) if o in ("killed", "survived")]
    if not done:
        score = killed / max(1, killed + survived)
        return score, score, score
    rate = done.count("killed") / len(done)
    stratum = verdicts.count("pending") + len(sampled)  # the mutants the sample stands for
    total = killed + survived + stratum
    low_rate, high_rate = wilson(done.count("killed"), len(done))
    floor = killed + done.count("killed")  # known kills
    ceiling = killed + stratum - done.count("survived")  # every mutant but the known survivors
    low = max(floor, killed + stratum * low_rate) / total
    high = min(ceiling, killed + stratum * high_rate) / total
    return (killed + stratum * rate) / total, low, high


def report(codes: dict[str, int | None], sampled: list[str]) -> None:
    drawn = set(sampled)
    counted = [verdict(code) for name, code in codes.items() if name not in drawn and code is not None]
    pending = sum(1 for name, code in codes.items() if name not in drawn and code is None)
    killed, survived = counted.count("killed"), counted.count("survived")
    print(
        f"mutants: {len(codes)}; with a result outside the sample: {len(counted)} ({killed} killed, "
        f"{survived} survived, {len(counted) - killed - survived} other); without, outside the sample: {pending}"
    )
    outcomes = [verdict(codes.get(name)) for name in sampled]
    if sampled:
        print(
            f"sample: {len(sampled)} drawn, {outcomes.count('killed')} killed, {outcomes.count('survived')} "
            f"survived, {outcomes.count('pending')} not run yet"
        )
    score, low, high = estimate(codes, sampled)
    if sampled:
        print(f"score, estimated: {score:.1%} (95 % Wilson interval, bounded by the known: {low:.1%} to {high:.1%})")
    else:
        print(f"score{' of those run' if pending else ''}: {score:.1%}")
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

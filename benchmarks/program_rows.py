"""The program rows of benchmarks/bench.py: the program's process under the SDK mocks, against a program that
registers nothing and against one that registers the same resource types, as many of each, with only their
required inputs (benchmarks/same_types_program.py). What is left over is this program's own work. None needs Docker.

Every program runs in a fresh process (benchmarks/run_under_mocks.py), as each `pulumi preview` starts one.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path

from cloudify_pulumi.component.manager import TYPE_TOKEN
from harness import MAIN, REPO, run_program, stack_config, stack_secrets
from timing import Side, compare

BASELINE_PROGRAM = REPO / "benchmarks" / "baseline_program.py"
SAME_TYPES_PROGRAM = REPO / "benchmarks" / "same_types_program.py"
SAME_TYPES = "the same resource types, as many, each with only its required inputs"


def under_mocks(program: Path, stack: str, env: dict[str, str] | None = None) -> int:
    """The resources `program` registered, in its own Python process under the mocks."""
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run_under_mocks.py"), str(program), stack],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=True,
    )
    return int(json.loads(done.stdout.strip().splitlines()[-1])["resources"])


def program_side(program: Path, stack: str, env: dict[str, str] | None = None) -> Side:
    return Side(lambda: under_mocks(program, stack, env))


def program_costs(repeats: int, managers: int = 64) -> None:
    """Whole processes, interpreter start and imports included, as the language host runs the program."""
    compare(
        "render the dev stack under mocks (process)",
        program_side(MAIN, "dev"),
        program_side(BASELINE_PROGRAM, "-"),
        repeats,
        "empty program importing the same SDKs",
    )
    compare(
        "render the dev stack under mocks (process)",
        program_side(MAIN, "dev"),
        same_types_side("dev", 1),
        repeats,
        SAME_TYPES,
    )
    env = fleet_env(managers)
    registered = under_mocks(MAIN, "prod", env)
    compare(
        f"render {managers} managers ({registered} resources, process)",
        program_side(MAIN, "prod", env),
        same_types_side("prod", managers),
        repeats,
        SAME_TYPES,
    )


def fleet_env(managers: int) -> dict[str, str]:
    """The prod stack with `managers` managers (run_under_mocks.py's BENCH_CONFIG)."""
    fleet = {f"m{i}": {"namePrefix": f"m{i}", "ports": f'["{10000 + i}:80"]'} for i in range(managers)}
    return {"BENCH_CONFIG": json.dumps({"managers": json.dumps(fleet)})}


def same_types_side(stack: str, managers: int) -> Side:
    """benchmarks/same_types_program.py: the types one manager of `stack` registers, as many of each for each of
    `managers` managers, each with only its required inputs (counted here, before any clock starts)."""
    config = stack_config(stack)
    run = run_program(config, secrets=stack_secrets(config))
    types = collections.Counter(r.type for r in run.registrations if r.type != TYPE_TOKEN)
    env = {"BASELINE_MANAGERS": str(managers), "BASELINE_TYPES": json.dumps(dict(types))}
    return program_side(SAME_TYPES_PROGRAM, "-", env)

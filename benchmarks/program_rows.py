"""The program rows of benchmarks/bench.py: the program's process under the SDK mocks against its baselines
(`program`), the inputs' breakdown (`program-inputs`) and the process by phase (`program-phases`). None needs
Docker.

Every program runs in a fresh process (benchmarks/run_under_mocks.py), as each `pulumi preview` starts one, under
the composition root's collector setting; `process_under_mocks` refuses a run that ended under another.
"""

from __future__ import annotations

import collections
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import program_inputs
import program_phases
from cloudify_pulumi import collector
from cloudify_pulumi.manager import TYPE_TOKEN
from harness import MAIN, REPO, run_program, stack_config, stack_secrets
from timing import ROWS, Side, compare

BASELINE_PROGRAM = REPO / "benchmarks" / "baseline_program.py"
SAME_TYPES_PROGRAM = REPO / "benchmarks" / "same_types_program.py"
SAME_INPUTS_PROGRAM = REPO / "benchmarks" / "same_inputs_program.py"


def process_under_mocks(program: Path, stack: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `program` in a fresh Python process under the mocks (as each `pulumi preview` does); what
    run_under_mocks.py reports, with the clock when the process was launched and when it had exited. Refuses a run
    that ended under another collector setting than the program's own: the subject and its baselines are timed
    under one."""
    launched = time.time()
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run_under_mocks.py"), str(program), stack],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=True,
    )
    exited = time.time()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if tuple(result["gc_threshold"]) != collector.THRESHOLD:
        raise SystemExit(f"{program.name} ran with the collector threshold {result['gc_threshold']}, not the program's")
    result["phases"].update(launched=launched, exited=exited)
    return result


def under_mocks(program: Path, stack: str, env: dict[str, str] | None = None) -> int:
    """The resources `program` registered, in its own process under the mocks."""
    return int(process_under_mocks(program, stack, env)["resources"])


def program_side(program: Path, stack: str, env: dict[str, str] | None = None) -> Side:
    return Side(lambda: under_mocks(program, stack, env))


def program_costs(repeats: int, managers: int = 64) -> None:
    """Whole processes, interpreter start and imports included, as the language host runs the program."""
    with tempfile.TemporaryDirectory() as folder:
        compare(
            "render the dev stack under mocks (process)",
            program_side(MAIN, "dev"),
            program_side(BASELINE_PROGRAM, "-"),
            repeats,
            "empty program importing the same SDKs",
        )
        for baseline, what in same_resources(Path(folder), "dev", 1):
            compare("render the dev stack under mocks (process)", program_side(MAIN, "dev"), baseline, repeats, what)
        env = fleet_env(managers)
        registered = under_mocks(MAIN, "prod", env)
        compare(
            f"render {managers} managers ({registered} resources, process)",
            program_side(MAIN, "prod", env),
            program_side(BASELINE_PROGRAM, "-", {"BASELINE_RESOURCES": str(registered)}),
            repeats,
            f"{registered} trivial resources",
        )
        for baseline, what in same_resources(Path(folder), "prod", managers):
            compare(f"render {managers} managers (process)", program_side(MAIN, "prod", env), baseline, repeats, what)


def fleet_env(managers: int) -> dict[str, str]:
    """The prod stack with `managers` managers (run_under_mocks.py's BENCH_CONFIG)."""
    fleet = {f"m{i}": {"namePrefix": f"m{i}", "ports": f'["{10000 + i}:80"]'} for i in range(managers)}
    return {"BENCH_CONFIG": json.dumps({"managers": json.dumps(fleet)})}


def phase_costs(repeats: int, managers: int = 64) -> None:
    """The 64-manager program's process and the same types' with only their required inputs, phase by phase
    (benchmarks/program_phases.py): where the difference between the two lies; and the program without its last
    statement (`collector.settle()`), not settled by run_under_mocks.py either: what settling saves."""
    same_types = same_types_env(requests_per_manager("prod"), managers)
    fleet = fleet_env(managers)
    with tempfile.TemporaryDirectory() as folder:
        unsettled = unsettled_program(Path(folder))
        sides = {
            "program": functools.partial(process_under_mocks, MAIN, "prod", fleet),
            "program, not settled": functools.partial(
                process_under_mocks, unsettled, "prod", {**fleet, "BENCH_SETTLE": "no"}
            ),
            "same types": functools.partial(process_under_mocks, SAME_TYPES_PROGRAM, "-", same_types),
        }
        ROWS.extend(program_phases.measure(f"{managers} managers' process", sides, repeats))


def unsettled_program(folder: Path) -> Path:
    """The composition root without its last statement, `collector.settle()`, written to `folder`."""
    lines = MAIN.read_text().rstrip("\n").splitlines()
    if not lines[-1].startswith("collector.settle()"):
        raise SystemExit(f"{MAIN.name} no longer ends with collector.settle(): the unsettled row has nothing to drop")
    program = folder / "unsettled_main.py"
    program.write_text("\n".join(lines[:-1]) + "\n")
    return program


SAME_TYPES = "the same resource types, as many, each with only its required inputs"
SAME_INPUTS = "the same resources with the same inputs, options and dependencies, as plain values"


def same_types_env(requests: list[dict[str, Any]], managers: int) -> dict[str, str]:
    """What benchmarks/same_types_program.py needs to register the types of `requests`, as many of each for each
    of `managers` managers."""
    types = dict(collections.Counter(request["type"] for request in requests))
    return {"BASELINE_MANAGERS": str(managers), "BASELINE_TYPES": json.dumps(types)}


def same_types_side(requests: list[dict[str, Any]], managers: int) -> Side:
    """benchmarks/same_types_program.py: the types of `requests`, as many of each for each of `managers`
    managers, each with only its required inputs."""
    return program_side(SAME_TYPES_PROGRAM, "-", same_types_env(requests, managers))


def replay_side(replayed: Path, requests: list[dict[str, Any]], managers: int) -> Side:
    """benchmarks/same_inputs_program.py replaying `requests` for `managers` managers; they are written to
    `replayed` here, before any clock starts."""
    replayed.write_text(json.dumps(requests))
    env = {"BASELINE_MANAGERS": str(managers), "BASELINE_REQUESTS": str(replayed)}
    return program_side(SAME_INPUTS_PROGRAM, "-", env)


def same_resources(folder: Path, stack: str, managers: int) -> list[tuple[Side, str]]:
    """The two baselines that register what `managers` managers of `stack` register: the same types with only
    their required inputs, and the same requests replayed; both from one run of the program under the mocks."""
    requests = requests_per_manager(stack)
    return [
        (same_types_side(requests, managers), SAME_TYPES),
        (replay_side(folder / f"{stack}.json", requests, managers), SAME_INPUTS),
    ]


def input_costs(repeats: int, managers: int = 64) -> None:
    """One manager's requests replayed for `managers` managers, whole and with one kind of input taken away at a
    time (benchmarks/program_inputs.py), each against the same types with only their required inputs."""
    requests = requests_per_manager("prod")
    same_types = same_types_side(requests, managers)
    with tempfile.TemporaryDirectory() as folder:
        for index, (what, variant) in enumerate(program_inputs.VARIANTS.items()):
            compare(
                f"replay of {managers} managers' requests, {what}",
                replay_side(Path(folder) / f"variant{index}.json", variant(requests), managers),
                same_types,
                repeats,
                SAME_TYPES,
            )


def requests_per_manager(stack: str) -> list[dict[str, Any]]:
    """What one manager of `stack` registers, in order, as benchmarks/same_inputs_program.py replays it: each
    resource's type, name, inputs as sent, provider and dependencies (as indexes of earlier requests) and options;
    the component itself is the replaying program's own."""
    config = stack_config(stack)
    run = run_program(config, secrets=stack_secrets(config))
    made = [r for r in run.registrations if r.type != TYPE_TOKEN]
    index = {r.urn: i for i, r in enumerate(made)}
    return [
        {
            "type": r.type,
            "name": r.name,
            "inputs": r.wire_inputs,
            "provider": index[r.provider.rsplit("::", 1)[0]] if r.provider else None,
            "after": [index[urn] for urn in r.dependencies if urn in index],
            "protect": bool(r.protect),
            "retain_on_delete": r.retain_on_delete,
            "delete_before_replace": r.delete_before_replace,
            "replace_on_changes": r.replace_on_changes,
            "additional_secret_outputs": r.additional_secret_outputs,
        }
        for r in made
    ]

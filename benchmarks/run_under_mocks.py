"""Run one program under the SDK mocks in this (fresh) process, as `pulumi preview` starts one per run.

    python benchmarks/run_under_mocks.py PROGRAM STACK     # STACK: a Pulumi.<stack>.yaml, or "-" for no config
Extra configuration as JSON in BENCH_CONFIG overrides the stack's (the 64-manager fleet).

Every program runs under the collector setting the composition root uses (cloudify_pulumi.collector): its
threshold set here before the program starts, and what it declared settled here as soon as its own code has run,
as the composition root does at its end, so a baseline and the program are timed under the same one (only the
phase rows' "program, not settled" runs without it: BENCH_SETTLE=no).

The last line printed is JSON: the resources registered, the collector's threshold when the program ended
(benchmarks/program_rows.py refuses a run whose threshold is another), and the process's phases: the clock (time.time)
when this script started, when its imports were done and when the line was printed (the run done),
the CPU seconds the mock engine spent within the run, and the process's peak memory until then
(benchmarks/bench.py --only program-phases).

The engine is the SDK's mock monitor with the engine's secret rules (harness.EngineMonitor), as the tests have it,
but it keeps no request: decoding every request for assertions is the tests' work, and timed here it would weigh
on the program, whose inputs are the larger, more than on the baselines.
"""

import time

STARTED = time.time()  # before any import: the interpreter's own start is what comes before this

import gc  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import runpy  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the test helpers (harness, hostbed); the package is installed

from cloudify_pulumi import collector  # noqa: E402
from harness import run_code, stack_config, stack_secrets  # noqa: E402

logging.disable(logging.WARNING)
collector.tune()
program, stack = Path(sys.argv[1]), sys.argv[2]
config = {**(stack_config(stack) if stack != "-" else {}), **json.loads(os.environ.get("BENCH_CONFIG", "{}"))}
imported = time.time()  # the imports done, the configuration read


def declare_then_settle() -> None:
    runpy.run_path(str(program), run_name="__main__")
    if os.environ.get("BENCH_SETTLE") != "no":  # only the phase rows' unsettled program (program_rows.py phase_costs)
        collector.settle()


run = run_code(declare_then_settle, config=config, secrets=stack_secrets(config), record=False)
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
phases = {"started": STARTED, "imported": imported, "engine_cpu": run.engine_cpu, "peak_kib": peak_kib}
result = {"resources": run.registered, "gc_threshold": list(gc.get_threshold()), "phases": phases}
phases["printed"] = time.time()
print(json.dumps(result), flush=True)

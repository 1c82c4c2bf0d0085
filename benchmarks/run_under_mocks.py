"""Run one program under the SDK mocks in this (fresh) process, as `pulumi preview` starts one per run.

    python benchmarks/run_under_mocks.py PROGRAM STACK     # STACK: a Pulumi.<stack>.yaml, or "-" for no config
Extra configuration as JSON in BENCH_CONFIG overrides the stack's (the 64-manager fleet).

Every program runs under the collector setting the composition root uses (cloudify_pulumi.collector), set here
before the program starts, so a baseline and the program are timed under the same one. The last line printed is
JSON: the resources registered, and the collector's threshold when the program ended (benchmarks/bench.py refuses
a run whose threshold is another).

The engine is the SDK's mock monitor with the engine's secret rules (harness.EngineMonitor), as the tests have it,
but it keeps no request: decoding every request for assertions is the tests' work, and timed here it would weigh
on the program, whose inputs are the larger, more than on the baselines.
"""

import gc
import json
import logging
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the test helpers (harness, hostbed); the package is installed

from cloudify_pulumi import collector  # noqa: E402
from harness import run_program, stack_config, stack_secrets  # noqa: E402

logging.disable(logging.WARNING)
collector.tune()
program, stack = Path(sys.argv[1]), sys.argv[2]
config = {**(stack_config(stack) if stack != "-" else {}), **json.loads(os.environ.get("BENCH_CONFIG", "{}"))}
run = run_program(config, secrets=stack_secrets(config), program_file=program, record=False)
print(json.dumps({"resources": run.registered, "gc_threshold": list(gc.get_threshold())}))

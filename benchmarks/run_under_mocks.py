"""Run one program under the SDK mocks in this (fresh) process, as `pulumi preview` starts one per run.

    PYTHONPATH=tests python benchmarks/run_under_mocks.py PROGRAM STACK   # STACK: a Pulumi.<stack>.yaml, or "-"
Extra configuration as JSON in BENCH_CONFIG overrides the stack's (the 64-manager fleet). benchmarks/program_rows.py
runs it with the environment scripts/bench set (the test helpers on PYTHONPATH).

The last line printed is JSON: the resources registered. The engine is the SDK's mock monitor with the engine's
secret rules (harness.EngineMonitor), as the tests have it, but it keeps no request: decoding every request for
assertions is the tests' work, and timed here it would weigh on the program more than on the baselines.
"""

import json
import logging
import os
import runpy
import sys
from pathlib import Path

from harness import run_code, stack_config, stack_secrets

logging.disable(logging.WARNING)
program, stack = Path(sys.argv[1]), sys.argv[2]
config = {**(stack_config(stack) if stack != "-" else {}), **json.loads(os.environ.get("BENCH_CONFIG", "{}"))}
run = run_code(
    lambda: runpy.run_path(str(program), run_name="__main__"),
    config=config,
    secrets=stack_secrets(config),
    record=False,
)
print(json.dumps({"resources": run.registered}), flush=True)

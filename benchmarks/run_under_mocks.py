"""Run one program under the SDK mocks in this (fresh) process, as `pulumi preview` starts one per run.

    python benchmarks/run_under_mocks.py PROGRAM STACK     # STACK: a Pulumi.<stack>.yaml, or "-" for no config
Extra configuration as JSON in BENCH_CONFIG overrides the stack's (the 64-manager fleet).
"""

import json
import logging
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the test helpers (harness, hostbed); the package is installed

from harness import run_program, stack_config, stack_secrets  # noqa: E402

logging.disable(logging.WARNING)
program, stack = Path(sys.argv[1]), sys.argv[2]
config = {**(stack_config(stack) if stack != "-" else {}), **json.loads(os.environ.get("BENCH_CONFIG", "{}"))}
run = run_program(config, secrets=stack_secrets(config), program_file=program)
print(len(run.registrations))

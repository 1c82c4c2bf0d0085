"""benchmarks/bench.py runs every row on the real engine, with its timing harness armed: a sleep or a setup step
inside any row's timed region fails the run (benchmarks/timing.py), so a row that times more than its command
fails here. `--smoke`: one run per side, small data; the figures are not looked at."""

from __future__ import annotations

import subprocess
import sys

import pytest
from harness import REPO

pytestmark = pytest.mark.hosts


def test_every_benchmark_row_runs_with_nothing_but_its_command_timed(engine):
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    table = done.stdout.split("| what | result |", 1)[1]
    for row in (
        "render the dev stack under mocks",
        "render 2 managers",
        "replay of 2 managers' requests, as sent",
        "replay of 2 managers' requests, each type's required inputs only",
        "one 8 MiB block of random data, gzip only: gzip_block and gzip -t",
        "one 8 MiB block of random data, gzip only: gzip_block, one perl copying its stored blocks",
        "Docker step",
        "backup step, 8 MiB, zstd on the host",
        "backup step, 8 MiB, gzip only",
        "downtime, 16 MiB, 1 % changing, zstd on the host",
        "downtime 16 MiB / downtime 8 MiB, gzip only",
        "whole swap at 16 MiB, previous release",
    ):
        assert row in table, row

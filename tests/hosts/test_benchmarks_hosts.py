"""scripts/bench runs every row on the real engine, with its timing harness armed: a sleep or a setup step
inside any row's timed region fails the run (benchmarks/timing.py), so a row that times more than its command
fails here. `--smoke`: one run per side, small data; the figures are not looked at."""

from __future__ import annotations

import subprocess
import time

import pytest
from harness import REPO
from hostbed import IDLE_UNTIL_TERM, docker, start_app_container

# Their subject is the benchmarks' own harness, not what users run: on demand (`scripts/test tests/hosts -m
# benchmarks`), not in CI, whose full run deselects them (scripts/test).
pytestmark = [pytest.mark.hosts, pytest.mark.benchmarks]


def test_every_benchmark_row_runs_with_nothing_but_its_command_timed(engine):
    done = subprocess.run(
        [str(REPO / "scripts" / "bench"), "--smoke"],
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
        "Docker step",
        "backup step, 8 MiB, zstd on the host",
        "backup step, 8 MiB, gzip only",
        "downtime, 16 MiB, 1 % changing, zstd on the host",
        "downtime 16 MiB / downtime 8 MiB, gzip only",
        "whole swap at 16 MiB, previous release",
        "downtime, 16 MiB, nothing changing, zstd on the host, the manager idle",
    ):
        assert row in table, row


def test_the_stand_in_manager_exits_as_soon_as_it_is_sent_sigterm(engine):
    """Every `docker stop` of the stand-in manager (tests/hostbed.py, IDLE_UNTIL_TERM) is in a figure: the backup
    step's and its floor's. One that ran its trap only at the end of its current second's `sleep` would add up to a
    second of its own to both sides, by chance, and pull the backup rows' ratio towards 1. Signalled 0.1 s into
    its first second, it is gone well before that second ends, through its trap (exit 0, not killed)."""
    name = "cfy-stand-in-term"
    docker("rm", "-f", name, check=False)
    start_app_container(name, *IDLE_UNTIL_TERM)
    try:
        time.sleep(0.1)
        signalled = time.monotonic()
        docker("kill", "-s", "TERM", name)
        while docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() == "true":
            assert time.monotonic() - signalled < 5, "the stand-in outlived SIGTERM by 5 s"
        gone_after = time.monotonic() - signalled
        exit_code = docker("inspect", "-f", "{{.State.ExitCode}}", name).stdout.strip()
    finally:
        docker("rm", "-f", name, check=False)
    assert exit_code == "0", "its trap did not end it"
    assert gone_after < 0.5, f"{gone_after:.2f} s from SIGTERM to its exit: it waited for its second's sleep"

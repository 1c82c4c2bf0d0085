"""The program rows' breakdown by phase (benchmarks/program_phases.py, `bench.py --only program-phases`) says where
a process's time goes: its phases partition the process's wall time, the mock engine's part is the CPU it spent
on its own thread, and what the interpreter does after the result (its teardown) is counted there, not in the run.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
import time

import pulumi
import pytest
from harness import REPO, HostMocks, run_code

BURN = 0.03
"""CPU seconds the burning mocks below spend on each resource they create."""


class BurningMocks(HostMocks):
    """Providers that spend BURN seconds of CPU on each resource they create."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        until = time.thread_time() + BURN
        while time.thread_time() < until:
            pass
        return super().new_resource(args)


@pytest.mark.parametrize("record", [False, True], ids=["timed", "recorded"])
def test_the_mock_engine_counts_the_cpu_its_providers_spend_on_each_registration(record):
    def program() -> None:
        for index in range(4):
            pulumi.CustomResource("bench:index:Trivial", f"trivial-{index}", {"value": index})

    run = run_code(program, mocks=BurningMocks(), record=record)
    assert run.registered == 4
    assert 4 * BURN <= run.engine_cpu < 4 * BURN + 0.2


def test_a_processs_phases_add_up_to_its_wall_time_and_none_is_negative(bench, tmp_path):
    program = tmp_path / "one.py"
    program.write_text('import pulumi\npulumi.CustomResource("bench:index:Trivial", "one", {"value": 1})\n')
    spans = bench.program_rows.program_phases.durations(bench.program_rows.process_under_mocks(program, "-")["phases"])
    parts = spans["start"] + spans["imports"] + spans["run"] + spans["teardown"]
    assert parts == pytest.approx(spans["total"], abs=1e-6)
    assert all(seconds >= 0 for seconds in spans.values())
    assert 0 < spans["engine"] <= spans["run"]


def test_what_the_interpreter_does_after_the_result_is_teardown_not_run(bench, tmp_path):
    """A program whose process spends half a second at exit (an atexit handler burning CPU, as a large object
    graph's release does): that half second is in the teardown, and not in the run."""
    program = tmp_path / "slow_exit.py"
    program.write_text(
        textwrap.dedent(
            """
            import atexit, time
            import pulumi

            def burn():
                until = time.process_time() + 0.5
                while time.process_time() < until:
                    pass

            atexit.register(burn)
            pulumi.CustomResource("bench:index:Trivial", "one", {"value": 1})
            """
        )
    )
    spans = bench.program_rows.program_phases.durations(bench.program_rows.process_under_mocks(program, "-")["phases"])
    assert spans["teardown"] >= 0.5
    assert spans["run"] < spans["total"] - 0.5


def test_the_unsettled_program_is_the_composition_root_without_its_last_statement_only(bench, tmp_path):
    main = ast.parse(bench.program_rows.MAIN.read_text())
    unsettled = ast.parse(bench.program_rows.unsettled_program(tmp_path).read_text())
    assert ast.unparse(main.body[-1]) == "collector.settle()"
    assert ast.dump(unsettled) == ast.dump(ast.Module(body=main.body[:-1], type_ignores=[]))


def test_only_the_unsettled_row_runs_a_program_unsettled(bench, tmp_path):
    """run_under_mocks.py settles every program after its code unless told not to; the benchmarks tell it so once
    (program_rows.py, for that one row), and a process told so ends with nothing frozen."""
    others = [path for path in (REPO / "benchmarks").glob("*.py") if path.name != "run_under_mocks.py"]
    assert sum(path.read_text().count("BENCH_SETTLE") for path in others) == 1
    probe = tmp_path / "probe.py"
    probe.write_text("import gc, atexit\natexit.register(lambda: print('frozen', gc.get_freeze_count()))\n")

    def run(env: dict[str, str]) -> str:
        command = [sys.executable, str(REPO / "benchmarks" / "run_under_mocks.py"), str(probe), "-"]
        return subprocess.run(command, capture_output=True, text=True, check=True, env={**os.environ, **env}).stdout

    assert "frozen 0" in run({"BENCH_SETTLE": "no"})
    assert "frozen 0" not in run({})

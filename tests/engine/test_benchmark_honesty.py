"""benchmarks/bench.py times only the command under test, with the same settings on both sides (issue 26).

- A sleep, or a setup step (`untimed`: starting the container, removing earlier archives, waiting for a new
  second), run inside a timed region fails the benchmark instead of adding to the figure.
- What `prepare` does is not timed.
- The program rows: the subject and every baseline run under the collector setting of the composition root
  (benchmarks/run_under_mocks.py sets it for each); a run under another setting is refused.
- The program rows time the program and the engine as the mocks stand in for it, not the tests' recording of
  each request.
- The same-inputs baseline replays what the program registers for a manager: nothing fewer.
- Every row's median is of as many runs as `--repeats` says.
- The backup rows' floor is only a stop and a plain `tar -cf`.
- The downtime rows swap both sizes and both releases in turn, round by round.
- The downtime rows' CPU is the machine's own work: a hypervisor's steal time is not in it.
"""

from __future__ import annotations

import ast
import gc
import json
import re
import subprocess
import sys
import time
import types

import pytest
from cloudify_pulumi import collector
from cloudify_pulumi.manager import TYPE_TOKEN
from harness import MAIN, REPO, run_program, stack_config, stack_secrets

BENCH = REPO / "benchmarks" / "bench.py"


def test_a_sleep_in_a_timed_region_fails_the_benchmark(bench):
    with pytest.raises(bench.timing.TimedRegionError, match="sleep ran inside a timed region"):
        bench.timing.timed(bench.timing.Side(lambda: bench.timing.sleep(0.01)))
    bench.timing.sleep(0)  # allowed outside


def test_the_benchmarks_sleep_only_through_the_guarded_sleep():
    """Any other sleep (time.sleep, asyncio.sleep, a subprocess `sleep`) would not be refused inside a timed
    region: none may be written in the benchmarks but timing.py's own."""
    for path in sorted((REPO / "benchmarks").glob("*.py")):
        tree = ast.parse(path.read_text())
        calls = [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.Call | ast.Attribute)]
        found = [c for c in calls if c.endswith("time.sleep") or c.startswith("asyncio.sleep")]
        if path.name == "timing.py":
            assert found == ["time.sleep"], found  # the one wrapped as `sleep`
        else:
            assert found == [], f"{path.name}: {found}"
        background = background_texts(tree)
        texts = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        assert not [t for t in texts if t not in background and re.search(r"(^|[;&|]\s*)sleep \d", t)], path.name


def background_texts(tree: ast.Module) -> set[str]:
    """The module's shell texts named in its BACKGROUND: they run inside the manager, never timed."""
    names: set[str] = set()
    values: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            value = node.value
            if node.targets[0].id == "BACKGROUND" and isinstance(value, ast.Tuple):
                names |= {e.value for e in value.elts if isinstance(e, ast.Constant)}
            elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                values[node.targets[0].id] = value.value
    return {values[name] for name in names}


def test_a_setup_step_in_a_timed_region_fails_the_benchmark(bench):
    @bench.timing.untimed
    def start_the_container() -> None:
        pass

    start_the_container()  # allowed outside
    with pytest.raises(bench.timing.TimedRegionError, match="start_the_container ran inside a timed region"):
        bench.timing.timed(bench.timing.Side(start_the_container))
    assert bench.timing.timed(bench.timing.Side(lambda: None, prepare=start_the_container)) >= 0


def test_what_prepare_does_is_not_timed(bench):
    seconds = bench.timing.timed(bench.timing.Side(lambda: None, prepare=lambda: time.sleep(0.3)))
    assert seconds < 0.1


def test_the_benchs_own_setup_steps_are_untimed(bench):
    """The backup bed's fill and per-round preparation refuse to run in a timed region (they start the
    container, clear the folder and wait for a new second)."""
    for step in (bench.BackupBed.fill, bench.BackupBed.ready_for_backup):
        assert getattr(step, "__wrapped__", None) is not None, step
        with bench.timing.timed_region(), pytest.raises(bench.timing.TimedRegionError):
            step(None, 1, 1) if step is bench.BackupBed.fill else step(None)


def test_the_program_and_its_baselines_run_under_the_programs_collector_setting(bench):
    assert bench.program_rows.under_mocks(bench.program_rows.BASELINE_PROGRAM, "-") == 0
    assert bench.program_rows.under_mocks(bench.program_rows.SAME_TYPES_PROGRAM, "-") == 0
    assert bench.program_rows.under_mocks(bench.program_rows.SAME_INPUTS_PROGRAM, "-") == 0
    assert bench.program_rows.under_mocks(MAIN, "dev") > 10


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_same_inputs_baseline_registers_what_the_program_registers_for_a_manager(
    bench, stack, tmp_path, monkeypatch
):
    """benchmarks/same_inputs_program.py replays one manager's requests: the same types, inputs (secrets still
    secret), provider, dependencies and options, so that the row against it measures only the program's own
    work, not fewer inputs."""
    requests = tmp_path / "requests.json"
    requests.write_text(json.dumps(bench.program_rows.requests_per_manager(stack)))
    monkeypatch.setenv("BASELINE_REQUESTS", str(requests))
    monkeypatch.setenv("BASELINE_MANAGERS", "1")
    config = stack_config(stack)
    program = [r for r in run_program(config, secrets=stack_secrets(config)).registrations if r.type != TYPE_TOKEN]
    replayed = [
        r
        for r in run_program({}, program_file=bench.program_rows.SAME_INPUTS_PROGRAM).registrations
        if r.type != TYPE_TOKEN
    ]
    by_name = lambda request: request["name"]  # noqa: E731  (independent resources register in any order)
    assert sorted(map(replay_of, program), key=by_name) == sorted(map(as_replayed, replayed), key=by_name)
    assert any(SECRET_SIG in json.dumps(r.wire_inputs) for r in replayed)  # both stacks send secrets, kept secret


SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # pulumi runtime/rpc.py _special_secret_sig


def replay_of(r) -> dict:
    """A request of the program as the replay's manager m0 sends it: each name prefixed."""
    prefixed = lambda urn: "m0-" + urn.rsplit("::", 1)[-1]  # noqa: E731
    return {
        "type": r.type,
        "name": "m0-" + r.name,
        "inputs": r.wire_inputs,
        "provider": prefixed(r.provider.rsplit("::", 1)[0]) if r.provider else "",
        "dependencies": sorted(prefixed(urn) for urn in r.dependencies),
        "options": (bool(r.protect), r.retain_on_delete, r.delete_before_replace),
        "lists": (sorted(r.replace_on_changes), sorted(r.additional_secret_outputs)),
    }


def as_replayed(r) -> dict:
    return {
        "type": r.type,
        "name": r.name,
        "inputs": r.wire_inputs,
        "provider": r.provider.rsplit("::", 1)[0].rsplit("::", 1)[-1] if r.provider else "",
        "dependencies": sorted(urn.rsplit("::", 1)[-1] for urn in r.dependencies),
        "options": (bool(r.protect), r.retain_on_delete, r.delete_before_replace),
        "lists": (sorted(r.replace_on_changes), sorted(r.additional_secret_outputs)),
    }


def test_the_timed_process_keeps_no_request_for_assertions_and_counts_what_was_registered(bench, tmp_path):
    """The tests' RecordingMonitor decodes each request and its response (protobuf to dicts), more for larger
    inputs: timed, it would weigh on the program more than on its baselines, and no `pulumi preview` pays it."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import harness, pulumi\n"
        "from pulumi.runtime.settings import get_monitor\n"
        "if isinstance(get_monitor(), harness.RecordingMonitor):\n"
        "    raise SystemExit('the timed process records every request')\n"
        "class Trivial(pulumi.CustomResource):\n"
        "    def __init__(self, name):\n"
        "        super().__init__('bench:index:Trivial', name, {'value': name})\n"
        "Trivial('one')\n"
        "Trivial('two')\n"
    )
    assert bench.program_rows.under_mocks(probe, "-") == 2


def test_a_run_under_another_collector_setting_is_refused(bench, tmp_path):
    other = tmp_path / "untuned.py"
    other.write_text("import gc\ngc.set_threshold(700, 10, 10)\n")
    with pytest.raises(SystemExit, match=r"ran with the collector threshold \[700, 10, 10\], not the program's"):
        bench.program_rows.under_mocks(other, "-")
    assert collector.THRESHOLD != (700, 10, 10)


def test_the_composition_root_uses_the_setting_the_benchmarks_apply():
    """Its threshold before anything is declared, and `settle` as its last statement, once everything is: what
    run_under_mocks.py applies to every program it times, at the same points."""
    tree = ast.parse(MAIN.read_text())
    calls = [ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)]
    assert "collector.tune" in calls and "gc.set_threshold" not in calls and "gc.freeze" not in calls
    last = tree.body[-1]
    assert isinstance(last, ast.Expr) and ast.unparse(last.value) == "collector.settle()"


def test_the_composition_root_settles_what_it_declared_when_it_runs():
    assert gc.get_freeze_count() == 0
    config = stack_config("dev")
    run_program(config, secrets=stack_secrets(config), record=False)
    assert gc.get_freeze_count() > 0


def test_every_timed_program_is_settled_once_its_own_code_has_run(bench, tmp_path):
    """run_under_mocks.py settles each program after its code, the baselines as the composition root does itself:
    a probe that counts the collector's frozen objects while its resources are still being registered sees
    none, and the process's end sees them."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import gc, json, pulumi\n"
        "before = gc.get_freeze_count()\n"
        "pulumi.CustomResource('bench:index:Trivial', 'one', {'value': 1})\n"
        "pulumi.Output.from_input(1).apply(lambda _: print(json.dumps([before, gc.get_freeze_count()])))\n"
    )
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run_under_mocks.py"), str(probe), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    before, after = json.loads(done.stdout.splitlines()[0])
    assert before == 0 and after > 0


def test_every_row_is_a_median_of_the_repeats_asked_for(bench, monkeypatch):
    counts: list[int] = []
    rows = bench.program_rows
    monkeypatch.setattr(rows, "compare", lambda label, subject, baseline, repeats, _: counts.append(repeats))
    monkeypatch.setattr(rows, "under_mocks", lambda *args: 1)
    monkeypatch.setattr(rows, "requests_per_manager", lambda stack: [])
    rows.program_costs(7)
    assert counts == [7] * 6
    for source in (BENCH.read_text(), (REPO / "benchmarks" / "program_rows.py").read_text()):
        assert "max(3" not in source and "backups(3" not in source and "replacement_window(3" not in source


def test_the_backup_floor_is_a_stop_and_a_plain_tar_only(bench):
    words = bench.PLAIN_COPY.split()
    assert words[:4] == ["sudo", "docker", "stop", "-t"] and "tar" in words and "-cf" in words
    for extra in ("start", "sleep", "rm", "gzip", "zstd", "sync"):
        assert extra not in words, extra


def test_the_downtime_rows_swap_both_sizes_and_both_releases_in_turn_round_by_round(bench, monkeypatch):
    """A machine that slows down during the run must weigh on both sizes and both releases alike: no size's (or
    release's) rounds all run before the other's."""
    downtime = sys.modules["downtime"]
    order: list[tuple[int, str]] = []

    class Bed:
        def __init__(self, name: str) -> None:
            self.name, self.key, self.create = name, "KEY", "ours KEY"

        def remove(self) -> None:
            order.append((0, f"removed {self.name}"))

    class Down:
        def __init__(self, bed: Bed, mib: int, changing: bool = True) -> None:
            self.bed, self.mib = bed, mib

        def swap(self, command: str) -> object:
            order.append((self.mib, command.split()[0].split("-")[0]))
            return downtime.Swap(1.0, 0.5, 0.1, 0.4, 1.0, 1, 1, 1, True)

    monkeypatch.setattr(downtime, "DowntimeBed", Down)
    monkeypatch.setattr(downtime, "previous_release_command", lambda create: create.replace("ours", "before"))
    monkeypatch.setattr(downtime, "ROWS", [])
    downtime.measure("label", 2, Bed, (200, 2048))
    swaps = [entry for entry in order if entry[0]]
    assert swaps == [(200, "ours"), (200, "before"), (2048, "ours"), (2048, "before")] * 2
    assert order[-2:] == [(0, "removed cfydown200"), (0, "removed cfydown2048")]


def test_the_idle_downtime_rows_start_no_writer_in_the_manager_and_say_nothing_changes(bench, monkeypatch):
    """`downtime-idle` tells the two passes' own cost apart from the changing data's: its managers must write
    nothing while they run (the changing rows' managers start the writer), and its rows must say so."""
    downtime = sys.modules["downtime"]
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(downtime.hostbed, "docker", lambda *args, **_: calls.append(args))
    monkeypatch.setattr(downtime.subprocess, "run", lambda *args, **kwargs: None)

    class Bed:
        app, name, key, create = "app", "cfydown8", "KEY", "ours KEY"
        run = types.SimpleNamespace(one=lambda *args: types.SimpleNamespace(inputs={}))

        def fill(self, random_mib: int, text_mib: int) -> None:
            pass

        def ready_for_backup(self) -> None:
            pass

        def remove(self) -> None:
            pass

    writers = {}
    for changing in (True, False):
        calls.clear()
        downtime.DowntimeBed(Bed(), 8, changing).running_and_writing()
        writers[changing] = [call for call in calls if call[:2] == ("exec", "-d")]
    assert len(writers[True]) == 1 and "dd if=/dev/urandom" in writers[True][0][-1]
    assert writers[False] == []

    made: list[bool] = []

    class Down:
        def __init__(self, bed: Bed, mib: int, changing: bool = True) -> None:
            self.bed = bed
            made.append(changing)

        def swap(self, command: str) -> object:
            return downtime.Swap(1.0, 0.5, 0.1, 0.4, 1.0, 1, 1, 1, True)

    monkeypatch.setattr(downtime, "DowntimeBed", Down)
    monkeypatch.setattr(downtime, "previous_release_command", lambda create: create)
    monkeypatch.setattr(downtime, "ROWS", [])
    downtime.measure("idle", 1, lambda name: Bed(), (8, 16), changing=False)
    assert made == [False, False]
    assert any("nothing changing" in label for label, _ in downtime.ROWS)
    assert not any("1 % changing" in label for label, _ in downtime.ROWS)


def test_the_downtime_rows_cpu_counts_the_machines_own_work_not_steal_or_idle(bench):
    """/proc/stat's cpu line: user nice system idle iowait irq softirq steal guest guest_nice (proc(5)), in
    USER_HZ. Steal (time a hypervisor gave another guest) grows with wall time and neighbours, not with work."""
    downtime = sys.modules["downtime"]
    line = "cpu  1000 20 300 50000 700 40 60 9000 500 0"
    assert downtime.cpu_seconds(line) == pytest.approx((1000 + 20 + 300 + 40 + 60) / 100)
    assert downtime.cpu_seconds() > 0  # the machine's own line parses


def test_a_gzip_block_row_times_the_block_alone_not_the_shells_start_nor_the_librarys_setup(bench, tmp_path):
    """The step sets the library up once per pass, not per block: a setup that takes a second (here its perl
    probe) stays out of the figure."""
    gzip_block = sys.modules["gzip_block"]
    slow_probe = {"perl": "#!/bin/sh\nsleep 1\nexit 127\n"}
    side = gzip_block.in_library(tmp_path, ":", slow_probe)
    assert bench.timing.timed(side) < 0.5

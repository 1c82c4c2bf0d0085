"""Where a program's process spends its time under the mocks, phase by phase, for the program and a baseline.

benchmarks/run_under_mocks.py reports the clock at its own start, when its imports were done and when it had
printed its result, and the CPU seconds the mock engine (the SDK's mock monitor and the tests' mock providers,
tests/harness.py EngineMonitor) spent within the run; program_rows.py adds the clock when the process was launched and
when it had exited. The phases partition the process's wall time:

- start: the interpreter's own, before the script's first line;
- imports: the SDKs and the test helpers imported, the configuration read;
- run: the program registering its resources and the SDK awaiting every one of them, until the result is
  printed; `engine` is the part of it the mock engine spent on its own thread, work that a `pulumi preview` has
  the engine and the providers do in their own processes;
- teardown: from the printed result to the process's exit (the interpreter freeing what the run left, the
  collector's last pass over it).

A last row gives each process's peak memory (its maximum resident set until the result was printed). No figure
here is a ratio: the rows say where the difference between the program and its baseline lies.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

PHASES = ("start", "imports", "run", "engine", "teardown", "total")


def durations(clock: dict[str, float]) -> dict[str, float]:
    """Seconds per phase, from the clock readings of one process (run_under_mocks.py's and program_rows.py's)."""
    spans = {
        "start": clock["started"] - clock["launched"],
        "imports": clock["imported"] - clock["started"],
        "run": clock["printed"] - clock["imported"],
        "engine": clock["engine_cpu"],
        "teardown": clock["exited"] - clock["printed"],
        "total": clock["exited"] - clock["launched"],
    }
    if min(spans.values()) < 0 or spans["engine"] > spans["run"]:
        raise SystemExit(f"the process's clock readings are out of order: {clock}")
    return spans


def measure(label: str, sides: dict[str, Callable[[], dict[str, Any]]], repeats: int) -> list[tuple[str, str]]:
    """Each side run `repeats` times, interleaved; the median of each phase, per side, as (what, result) rows."""
    runs: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    peaks: dict[str, list[float]] = {side: [] for side in sides}
    for _ in range(repeats):
        for side, run in sides.items():
            clock = run()["phases"]
            runs[side].append(durations(clock))
            peaks[side].append(clock["peak_kib"] / 1024)
    rows = []
    for phase in PHASES:
        medians = {side: statistics.median(spans[phase] for spans in runs[side]) for side in sides}
        rows.append((f"{label}, {phase} (median of {repeats})", _joined(medians, "{:.2f} s")))
    peak = {side: statistics.median(values) for side, values in peaks.items()}
    rows.append((f"{label}, peak memory (median of {repeats})", _joined(peak, "{:.0f} MiB")))
    for what, result in rows:
        print(f"{what}: {result}")
    return rows


def _joined(by_side: dict[str, float], form: str) -> str:
    return ", ".join(f"{side} {form.format(value)}" for side, value in by_side.items())

"""The timing harness of the benchmarks: only the command under test is timed.

Each side of a comparison is a `Side`: `run`, the command under test and nothing else, is timed; `prepare` runs
before the clock starts. Inside a timed region, `sleep` (the benchmarks' only one) or any step marked `untimed`
raises `TimedRegionError` instead of adding to the figure (tests/engine/test_benchmark_honesty.py).
"""

from __future__ import annotations

import contextlib
import functools
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import hostbed

P = ParamSpec("P")
R = TypeVar("R")
ROWS: list[tuple[str, str]] = []
"""Every figure of the run, as (what, result), for the closing table."""


class TimedRegionError(RuntimeError):
    """A sleep or a setup step ran inside a timed region: the figure would time more than the command under test."""


@dataclass(frozen=True)
class Side:
    """One side of a comparison: `run`, the command under test and nothing else, is timed; `prepare` (bringing the
    bed to the state the command starts from: a container started, a new second for an archive name) runs
    before each `run`, untimed."""

    run: Callable[[], object]
    prepare: Callable[[], object] = lambda: None


_timing = False


def untimed(action: Callable[P, R]) -> Callable[P, R]:
    """A setup step: refused inside a timed region."""

    @functools.wraps(action)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        if _timing:
            raise TimedRegionError(f"{action.__qualname__} ran inside a timed region")
        return action(*args, **kwargs)

    return guarded


sleep = untimed(time.sleep)
"""The benchmarks' only sleep (tests/engine/test_benchmark_honesty.py checks that no other is called): refused
inside a timed region."""


@contextlib.contextmanager
def timed_region() -> Iterator[None]:
    """While a command is timed, every `untimed` step, `sleep` among them, is refused."""
    global _timing
    _timing = True
    try:
        yield
    finally:
        _timing = False


def timed(side: Side) -> float:
    """Seconds of `side.run` alone, after its untimed `prepare`."""
    side.prepare()
    with timed_region():
        start = time.perf_counter()
        side.run()
        return time.perf_counter() - start


def compare(label: str, subject: Side, baseline: Side, repeats: int, baseline_label: str) -> float:
    """Median of each, interleaved so that both see the same machine; prints and records the ratio."""
    timed(subject)
    timed(baseline)
    ours, theirs = [], []
    for _ in range(repeats):
        theirs.append(timed(baseline))
        ours.append(timed(subject))
    ratio = statistics.median(ours) / statistics.median(theirs)
    line = (
        f"{label}: {statistics.median(ours) * 1000:.0f} ms vs {baseline_label}: "
        f"{statistics.median(theirs) * 1000:.0f} ms = {ratio:.2f}x (n={repeats})"
    )
    print(line, flush=True)
    ROWS.append((f"{label}, against {baseline_label}", f"{ratio:.2f}x (median of {repeats})"))
    return ratio


def check(result: hostbed.Result) -> hostbed.Result:
    if result.returncode != 0:
        raise SystemExit(f"benchmark step failed: {result.stderr}")
    return result

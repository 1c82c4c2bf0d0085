"""The garbage collector's setting for a Pulumi program's process.

A Pulumi program is a short-lived process whose objects (Outputs, their futures, resource state) mostly live until
it ends, so CPython's default first-generation threshold (700 allocations) has the collector walk them again and
again. Only how often it collects changes. The composition root sets it; benchmarks/run_under_mocks.py sets the
same for every program it times, the baselines too, so that no figure credits the program with it.
"""

import gc

THRESHOLD = (20_000, 20, 10)


def tune() -> None:
    """Collect the first generation every 20,000 allocations instead of 700."""
    gc.set_threshold(*THRESHOLD)

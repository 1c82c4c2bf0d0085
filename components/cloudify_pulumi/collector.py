"""The garbage collector's setting for a Pulumi program's process.

A Pulumi program is a short-lived process whose objects (Outputs, their futures, resource state) mostly live until
it ends, so CPython's default first-generation threshold (700 allocations) has the collector walk them again and
again, and the interpreter's last collection at exit walks them all once more. Only how often and over what it
collects changes. The composition root applies both (`tune` first, `settle` once it has declared its resources);
benchmarks/run_under_mocks.py applies the same to every program it times, the baselines too, so that no figure
credits the program with them.
"""

import gc

THRESHOLD = (20_000, 20, 10)


def tune() -> None:
    """Collect the first generation every 20,000 allocations instead of 700."""
    gc.set_threshold(*THRESHOLD)


def settle() -> None:
    """Once the program has declared its resources: leave every object the collector tracks to the end of the
    process (`gc.freeze`). The components hold their resources and Outputs until the program ends, so no later
    collection, nor the interpreter's last one at exit, need walk them again; what of them becomes garbage while
    the engine answers is released with the process. Objects made after it are collected as before."""
    gc.freeze()

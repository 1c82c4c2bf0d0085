"""Fixtures the engine tier's benchmark tests share."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest
from harness import REPO


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    """benchmarks/bench.py loaded by path; the modules it imports from benchmarks/ as its attributes: its timing
    harness as `bench.timing`, the program rows as `bench.program_rows` (and through them `program_inputs` and
    `program_phases`)."""
    spec = importlib.util.spec_from_file_location("bench", REPO / "benchmarks" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module
    spec.loader.exec_module(module)
    module.timing = sys.modules["timing"]
    yield module
    del sys.modules["bench"]

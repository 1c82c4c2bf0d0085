"""scripts/mutation_score.py, whose arithmetic gives the mutation score in docs/testing.md. mutmut itself is not
installed with
the test requirements, so its exit-code table is stood in for by the codes used here (mutmut 3.8.1
`mutmut/stats.py` `status_by_exit_code`: 1 killed, 0 survived, 36 timeout, 33 no tests)."""

from __future__ import annotations

import importlib.util
import math
import sys
import types
from collections import defaultdict

import pytest
from harness import REPO


@pytest.fixture
def scoring(monkeypatch):
    stats = types.ModuleType("mutmut.stats")
    stats.status_by_exit_code = defaultdict(
        lambda: "suspicious", {1: "killed", 0: "survived", 36: "timeout", 33: "no tests"}
    )
    monkeypatch.setitem(sys.modules, "mutmut", types.ModuleType("mutmut"))
    monkeypatch.setitem(sys.modules, "mutmut.stats", stats)
    spec = importlib.util.spec_from_file_location("mutation_score", REPO / "scripts" / "mutation_score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def codes(killed: int, survived: int, pending: int) -> dict[str, int | None]:
    return {
        **{f"k{i}": 1 for i in range(killed)},
        **{f"s{i}": 0 for i in range(survived)},
        **{f"p{i}": None for i in range(pending)},
    }


def test_a_whole_census_scores_killed_over_killed_and_survived(scoring):
    score, spread = scoring.estimate({**codes(7, 2, 0), "t": 36, "n": 33}, [])
    assert (score, spread) == (8 / 11, 0.0), "a timeout counts as killed, a mutant no test covers as survived"


def test_a_sample_stands_for_every_mutant_that_had_no_result_when_it_was_drawn(scoring):
    results = codes(6, 2, 10)
    sampled = ["p0", "p1", "p2", "p3"]
    results.update({"p0": 1, "p1": 1, "p2": 0, "p3": 0})
    score, spread = scoring.estimate(results, sampled)
    assert score == pytest.approx((6 + 10 * 0.5) / (8 + 10))
    assert spread == pytest.approx(1.96 * (10 / 18) * math.sqrt(0.5 * 0.5 / 4))


def test_the_sample_is_drawn_only_from_mutants_without_a_result_and_again_alike_for_a_seed(scoring):
    results = codes(5, 5, 40)
    drawn = scoring.sample(results, 10, seed=7)
    assert len(drawn) == 10 and all(results[name] is None for name in drawn)
    assert scoring.sample(results, 10, seed=7) == drawn

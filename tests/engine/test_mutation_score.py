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
    score, low, high = scoring.estimate({**codes(7, 2, 0), "t": 36, "n": 33}, [])
    assert (score, low, high) == (8 / 11, 8 / 11, 8 / 11), "a timeout counts as killed, an uncovered one survived"


def test_a_sample_stands_for_every_mutant_that_had_no_result_when_it_was_drawn(scoring):
    results = codes(6, 2, 10)
    sampled = ["p0", "p1", "p2", "p3"]
    results.update({"p0": 1, "p1": 1, "p2": 0, "p3": 0})
    score, low, high = scoring.estimate(results, sampled)
    assert score == pytest.approx((6 + 10 * 0.5) / (8 + 10))
    # Wilson's interval for 2 of 4, by hand: centre (0.5 + z²/8) / (1 + z²/4) = 0.5, half-width
    # z * sqrt(0.25/4 + z²/64) / (1 + z²/4).
    z = 1.959963984540054
    half = z * math.sqrt(0.25 / 4 + z * z / 64) / (1 + z * z / 4)
    assert low == pytest.approx(max(6 + 2, 6 + 10 * (0.5 - half)) / 18)
    assert high == pytest.approx(min(6 + 10 - 2, 6 + 10 * (0.5 + half)) / 18)


def test_the_interval_never_reaches_past_what_the_known_survivors_allow(scoring):
    """The issue-26 case: a Wald interval's upper end above (all - known survivors) / all is impossible."""
    results = codes(931, 46, 2634)  # 3,611 mutants, 46 survivors known outside the sample
    sampled = [f"p{i}" for i in range(250)]
    results.update({name: 1 for name in sampled})
    results.update({"p0": 0, "p1": 0, "p2": 0})  # 3 survivors in the sample
    score, low, high = scoring.estimate(results, sampled)
    assert low < score < high <= (3611 - 46 - 3) / 3611
    assert low >= (931 + 247) / 3611


def test_a_sample_with_no_survivor_still_has_an_interval_below_one(scoring):
    results = codes(90, 10, 100)
    sampled = [f"p{i}" for i in range(20)]
    results.update({name: 1 for name in sampled})
    score, low, high = scoring.estimate(results, sampled)
    assert low < score, "Wald's interval is a point when every sampled mutant was killed; Wilson's is not"
    assert score == high == (90 + 100) / 200, "no more than every mutant without a known survivor"


def test_the_sample_is_drawn_only_from_mutants_without_a_result_and_again_alike_for_a_seed(scoring):
    results = codes(5, 5, 40)
    drawn = scoring.sample(results, 10, seed=7)
    assert len(drawn) == 10 and all(results[name] is None for name in drawn)
    assert scoring.sample(results, 10, seed=7) == drawn


def test_a_sample_of_every_mutant_without_a_result_gives_the_exact_score_and_no_wider_interval(scoring):
    """Every mutant is known then: the Wilson interval of the sample's rate would reach past what is known on both
    sides, and the bounds by the known kills and survivors bring it back to the score itself."""
    results = codes(6, 2, 4)
    sampled = ["p0", "p1", "p2", "p3"]
    results.update({"p0": 1, "p1": 1, "p2": 1, "p3": 0})
    assert scoring.estimate(results, sampled) == (9 / 12, 9 / 12, 9 / 12)

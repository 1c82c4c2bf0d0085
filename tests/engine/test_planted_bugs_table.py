"""The planted-bug table (scripts/mutants.py) still matches the code and names tests that exist.

A row whose text no longer occurs exactly once plants nothing; a row naming a missing test cannot fail
for the right reason. Both are found here, in seconds, rather than in a long `scripts/mutants` run.
"""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest
from harness import REPO

SPEC = importlib.util.spec_from_file_location("mutants", REPO / "scripts" / "mutants.py")
MUTANTS = importlib.util.module_from_spec(SPEC)
sys.modules["mutants"] = MUTANTS  # dataclasses look their module up there
SPEC.loader.exec_module(MUTANTS)


@pytest.mark.parametrize("mutant", MUTANTS.MUTANTS, ids=lambda mutant: mutant.name)
def test_each_planted_bug_changes_exactly_one_place_and_names_an_existing_test(mutant):
    text = (REPO / mutant.path).read_text()
    assert text.count(mutant.old) == 1, f"{mutant.name}: the text to replace occurs {text.count(mutant.old)} times"
    assert mutant.old != mutant.new
    for test in mutant.tests:
        path, _, name = test.partition("::")
        assert re.search(rf"^def {re.escape(name)}\(", (REPO / path).read_text(), re.M), test


def test_the_names_are_unique():
    names = [mutant.name for mutant in MUTANTS.MUTANTS]
    assert len(names) == len(set(names))

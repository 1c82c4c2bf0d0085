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


def test_each_planted_bug_changes_exactly_one_place_and_names_an_existing_test():
    """Every row at once, each problem named: a table of hundreds of rows is one check, not hundreds."""
    problems = []
    for mutant in MUTANTS.MUTANTS:
        count = (REPO / mutant.path).read_text().count(mutant.old)
        if count != 1 or mutant.old == mutant.new:
            problems.append(f"{mutant.name}: the text to replace occurs {count} times in {mutant.path}")
        for test in mutant.tests:
            path, _, name = test.partition("::")
            if not re.search(rf"^def {re.escape(name)}\(", (REPO / path).read_text(), re.M):
                problems.append(f"{mutant.name}: no test {test}")
    assert not problems, "\n".join(problems)


def test_the_names_are_unique_and_every_kept_name_is_a_row():
    names = [mutant.name for mutant in MUTANTS.MUTANTS]
    assert len(names) == len(set(names))
    assert not MUTANTS.KEPT - set(names), sorted(MUTANTS.KEPT - set(names))


def test_a_run_naming_host_tests_refuses_to_start_without_a_docker_engine(tmp_path, monkeypatch):
    """pytest exits 1 for a fixture's setup error too: with no engine, every host test's bug would be "caught"."""
    shim = tmp_path / "docker"
    shim.write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    on_hosts = [mutant for mutant in MUTANTS.MUTANTS if any("tests/hosts/" in test for test in mutant.tests)]
    engine_only = [mutant for mutant in MUTANTS.MUTANTS if all("tests/hosts/" not in t for t in mutant.tests)]
    assert on_hosts and engine_only
    with pytest.raises(SystemExit, match="run scripts/testbed first"):
        MUTANTS.require_docker_for(engine_only[:1] + on_hosts[:1])
    assert MUTANTS.require_docker_for(engine_only) is None  # engine-lane bugs need no engine


def test_a_run_that_ends_in_a_setup_error_is_an_error_not_a_catch():
    assert MUTANTS.verdict_of(1, "F\n1 failed, 2 passed in 3.1s") == "caught"
    assert MUTANTS.verdict_of(1, "E\n1 error in 0.4s").startswith("ERROR")
    assert MUTANTS.verdict_of(0, "3 passed in 3.1s") == "ESCAPED"
    assert MUTANTS.verdict_of(4, "no tests ran").startswith("ERROR")

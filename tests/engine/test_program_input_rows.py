"""The `program-inputs` rows (benchmarks/program_inputs.py) each take away the one kind of input they name, and
nothing else: a row that took more away would credit that input with cost it does not have."""

from __future__ import annotations

import collections
import json
from typing import Any

import pytest
from cloudify_pulumi.manager import TYPE_TOKEN
from harness import run_program

TEXT = "<text>"


@pytest.fixture(scope="module")
def requests(bench) -> list[dict[str, Any]]:
    """What one manager of the prod stack registers, as the rows replay it."""
    return bench.program_rows.requests_per_manager("prod")


def texts_as_one(value: Any) -> Any:
    """`value` with every text the same: what is left is its shape and every other value."""
    if isinstance(value, str):
        return TEXT
    if isinstance(value, dict):
        return {key: texts_as_one(item) for key, item in value.items()}
    if isinstance(value, list):
        return [texts_as_one(item) for item in value]
    return value


def texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return []


def replayed(bench, variant: list[dict[str, Any]], tmp_path, monkeypatch) -> list:
    """The registrations of benchmarks/same_inputs_program.py replaying `variant` for one manager."""
    file = tmp_path / "variant.json"
    file.write_text(json.dumps(variant))
    monkeypatch.setenv("BASELINE_REQUESTS", str(file))
    monkeypatch.setenv("BASELINE_MANAGERS", "1")
    return [
        r
        for r in run_program({}, program_file=bench.program_rows.SAME_INPUTS_PROGRAM).registrations
        if r.type != TYPE_TOKEN
    ]


def test_the_as_sent_row_replays_every_request_unchanged(bench, requests):
    assert bench.program_rows.program_inputs.VARIANTS["as sent"](requests) == requests


def test_the_text_row_cuts_only_the_long_texts_and_leaves_the_providers_json_text_whole(bench, requests):
    cut = bench.program_rows.program_inputs.without_long_texts(requests)
    limit = bench.program_rows.program_inputs.CUT_AT
    assert any(len(text) > 10 * limit for r in requests for text in texts(r["inputs"]))  # the scripts
    assert texts_as_one(cut) == texts_as_one(requests)  # every key, list and non-text value as it was
    for before, after in zip(requests, cut, strict=True):
        if before["type"] == "pulumi:providers:docker":
            assert after == before
            continue
        for whole, kept in zip(texts(before["inputs"]), texts(after["inputs"]), strict=True):
            assert kept == whole[:limit]


def test_the_connection_row_sends_the_same_types_programs_connection_and_changes_nothing_else(bench, requests):
    changed = bench.program_rows.program_inputs.connections_as_the_same_types_program_sends_them(requests)
    same_types = bench.program_rows.program_inputs.same_types_program.REQUIRED["command:remote:Command"]["connection"]
    with_connection = [i for i, r in enumerate(requests) if "connection" in r["inputs"]]
    assert with_connection, "the prod stack's host steps connect over SSH"
    for index, (before, after) in enumerate(zip(requests, changed, strict=True)):
        if index not in with_connection:
            assert after == before
            continue
        assert before["inputs"]["connection"] != same_types
        assert after["inputs"]["connection"] == same_types
        assert {**after, "inputs": {}} == {**before, "inputs": {}}
        assert {k: v for k, v in after["inputs"].items() if k != "connection"} == {
            k: v for k, v in before["inputs"].items() if k != "connection"
        }


def test_the_options_row_drops_dependencies_and_options_but_keeps_every_input_and_the_classes_own(
    bench, requests, tmp_path, monkeypatch
):
    changed = bench.program_rows.program_inputs.without_options(requests)
    assert any(r["after"] or r["protect"] or r["delete_before_replace"] for r in requests)
    assert [r["inputs"] for r in changed] == [r["inputs"] for r in requests]
    assert [r["provider"] for r in changed] == [r["provider"] for r in requests]
    registered = replayed(bench, changed, tmp_path, monkeypatch)
    assert len(registered) == len(requests)
    for r in registered:
        assert not r.protect and not r.delete_before_replace and not r.retain_on_delete
        assert r.dependencies == []


def test_the_required_row_sends_what_the_same_types_program_sends_for_each_type(bench, requests, tmp_path, monkeypatch):
    """Its inputs are the same-types program's for every type (`same_types_program.REQUIRED`), and that table is
    what the same-types program really sends."""
    monkeypatch.setenv("BASELINE_MANAGERS", "1")
    monkeypatch.setenv("BASELINE_TYPES", json.dumps(collections.Counter(r["type"] for r in requests)))
    same_types = run_program({}, program_file=bench.program_rows.SAME_TYPES_PROGRAM).registrations
    sent_by_type = {r.type: r.wire_inputs for r in same_types if r.type != TYPE_TOKEN}
    required = bench.program_rows.program_inputs.same_types_program.REQUIRED
    assert sent_by_type == {t: required.get(t, {}) for t in sent_by_type}
    assert set(sent_by_type) - set(required) == {"pulumi:providers:docker"}  # one per manager, with no input
    changed = bench.program_rows.program_inputs.required_inputs_only(requests)
    registered = replayed(bench, changed, tmp_path, monkeypatch)
    assert {r.type: r.wire_inputs for r in registered if r.type in required} == {
        t: i for t, i in sent_by_type.items() if t in required
    }
    assert [{**r, "inputs": {}} for r in changed] == [{**r, "inputs": {}} for r in requests]

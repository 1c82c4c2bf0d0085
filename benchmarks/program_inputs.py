"""Where the program's inputs cost the SDK: one manager's requests replayed for many managers
(same_inputs_program.py), whole and with one kind of input taken away at a time, each against the same resource
types with only their required inputs (same_types_program.py), in the same run.

The row "as sent" is the same-inputs baseline of the program rows, against the same-types one: what the inputs
cost the SDK. Each other row takes one kind of input away: the further it falls below "as sent", the more of
that cost the input is. No row is a program anyone could run: each takes away what the manager needs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import same_inputs_program
import same_types_program

Request = dict[str, Any]

CUT_AT = 200
"""Characters a long text (a host step's script) keeps in the row without it."""


def _cut_texts(value: Any) -> Any:
    if isinstance(value, str):
        return value[:CUT_AT]
    if isinstance(value, dict):
        return {key: _cut_texts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cut_texts(item) for item in value]
    return value


def without_long_texts(requests: list[Request]) -> list[Request]:
    """Every text cut to CUT_AT characters (the host steps' scripts: the prod stack has no other text that long);
    the provider's JSON text inputs as they are."""
    return [
        {
            **request,
            "inputs": {
                key: wire if key in same_inputs_program.JSON_INPUTS.get(request["type"], ()) else _cut_texts(wire)
                for key, wire in request["inputs"].items()
            },
        }
        for request in requests
    ]


def connections_as_the_same_types_program_sends_them(requests: list[Request]) -> list[Request]:
    """Each host step's SSH connection as the same-types program sends it: a host and the class's defaults, no
    key, no host key (still a secret, as the class sends every connection)."""
    same_types = same_types_program.REQUIRED["command:remote:Command"]["connection"]
    changed = copy.deepcopy(requests)
    for request in changed:
        if "connection" in request["inputs"]:
            request["inputs"]["connection"] = copy.deepcopy(same_types)
    return changed


def without_options(requests: list[Request]) -> list[Request]:
    """No dependencies, protection or replacement options beyond what each class adds itself."""
    changed = []
    for request in requests:
        own = same_inputs_program.CLASS_OPTIONS.get(request["type"], {})
        changed.append(
            {
                **request,
                "after": [],
                "protect": False,
                "retain_on_delete": False,
                "delete_before_replace": False,
                "replace_on_changes": list(own.get("replace_on_changes", [])),
                "additional_secret_outputs": list(own.get("additional_secret_outputs", [])),
            }
        )
    return changed


def required_inputs_only(requests: list[Request]) -> list[Request]:
    """Each resource's inputs as the same-types program gives its type (`same_types_program.REQUIRED`), options
    and dependencies kept."""
    return [
        {**request, "inputs": copy.deepcopy(same_types_program.REQUIRED.get(request["type"], {}))}
        for request in requests
    ]


VARIANTS: dict[str, Callable[[list[Request]], list[Request]]] = {
    "as sent": lambda requests: requests,
    f"every text cut to {CUT_AT} characters (the scripts)": without_long_texts,
    "each SSH connection as the same-types program's (no key, no host key)": (
        connections_as_the_same_types_program_sends_them
    ),
    "no dependencies or options beyond the classes' own": without_options,
    "each type's required inputs only, options and dependencies kept": required_inputs_only,
}
"""What each row replays, by what it takes away."""

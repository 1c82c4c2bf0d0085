"""Several managers from one stack: `managers` entries over the top-level settings, and their conflicts."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .keys import OVERRIDABLE_KEYS, SECRET_KEYS, SINGLE_MANAGER_NAME
from .model import WILDCARDS, ManagerSettings
from .rules import Problems
from .typed import typed

_MANAGER_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


class _DuplicateNames(ValueError):
    """A JSON object that names a key twice (json.loads would silently keep the last)."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise _DuplicateNames(", ".join(map(repr, duplicated)))
    return dict(pairs)


def _manager_entries(value: str, problems: Problems) -> dict[str, dict[str, Any]]:
    """`managers` as name -> overrides, or problems naming what is wrong."""
    try:
        entries = json.loads(value, object_pairs_hook=_no_duplicates)
    except _DuplicateNames as error:
        problems.add("managers", f"{error} listed more than once: names must be unique")
        return {}
    except json.JSONDecodeError:
        problems.add("managers", "must be a map in the stack file: manager name -> its settings")
        return {}
    if not isinstance(entries, dict) or not entries:
        problems.add("managers", "must be a non-empty map: manager name -> its settings")
        return {}
    valid: dict[str, dict[str, Any]] = {}
    for name, overrides in entries.items():
        if not _MANAGER_NAME.match(name):
            problems.add(
                "managers",
                f"{name!r} must be a lower-case name of letters, digits and '-' (it names the manager's resources)",
            )
        elif not isinstance(overrides, dict):
            problems.add(f"managers.{name}", "must be a map of settings (an empty map {} inherits them all)")
        else:
            valid[name] = overrides
    return valid


def _entry_problems(name: str, overrides: Mapping[str, Any], problems: Problems) -> None:
    for key in sorted(set(overrides) - set(OVERRIDABLE_KEYS)):
        if key in SECRET_KEYS:
            problems.add(f"managers.{name}.{key}", "secrets are set once, at the top level, for every manager")
        else:
            problems.add(
                f"managers.{name}.{key}", f"unknown setting: a manager can override {', '.join(OVERRIDABLE_KEYS)}"
            )


def _fleet_conflicts(fleet: Mapping[str, ManagerSettings], problems: Problems) -> None:
    """Two managers on one host must not share container names or host ports."""
    by_host: dict[str | None, list[tuple[str, ManagerSettings]]] = {}
    for name, settings in fleet.items():
        by_host.setdefault(settings.host, []).append((name, settings))
    for host, members in by_host.items():
        where = host or "this machine"
        for i, (first, a) in enumerate(members):
            for second, b in members[i + 1 :]:
                if a.name_prefix == b.name_prefix:
                    problems.add(
                        "managers",
                        f"{first} and {second} both use namePrefix {a.name_prefix!r} on "
                        f"{where}: their containers and volumes would collide; give one its "
                        "own namePrefix",
                    )
                shared = shared_host_ports(a, b)
                if shared:
                    problems.add(
                        "managers",
                        f"{first} and {second} both publish host port(s) "
                        f"{', '.join(map(str, shared))} on {where}; give one its own ports",
                    )


def shared_host_ports(a: ManagerSettings, b: ManagerSettings) -> list[int]:
    """Host ports both managers publish on one address: the same one, or every address (a wildcard)."""
    shared: set[int] = set()
    for pa in a.ports:
        for pb in b.ports:
            address_a, address_b = a.binding_address(pa), b.binding_address(pb)
            if pa.host == pb.host and (address_a == address_b or address_a in WILDCARDS or address_b in WILDCARDS):
                shared.add(pa.host)
    return sorted(shared)


def fleet_members(values: Mapping[str, Any], managers: str | None, problems: Problems) -> dict[str, dict[str, Any]]:
    """Every manager of the stack, by name, as typed values: `managers` entries over the top-level settings, or
    the one manager `cloudify` of a stack without `managers`, exactly as before.

    Each entry inherits every top-level setting and overrides what it names; its values are typed like the
    stack file's (`stack_config.typed`). Problems with the entries themselves go to `problems`.
    """
    if managers is None:
        return {SINGLE_MANAGER_NAME: dict(values)}
    members: dict[str, dict[str, Any]] = {}
    for name, overrides in _manager_entries(managers, problems).items():
        _entry_problems(name, overrides, problems)
        members[name] = {
            **values,
            **{key: typed(key, value) for key, value in overrides.items() if key in OVERRIDABLE_KEYS},
        }
    return members


def fleet_conflicts(fleet: Mapping[str, ManagerSettings]) -> list[str]:
    """Two managers on one host must not share container names or host ports."""
    problems = Problems()
    _fleet_conflicts(fleet, problems)
    return problems.items

"""Values derived from one manager's settings: plain when the settings are known now, Outputs when they are not.

A stack's own managers (every setting from the stack file) have their settings known before anything is
registered. Deriving each input through `Output.apply` there costs the SDK an Output, its futures, a task and a
dependency walk per value, and gives the engine nothing more: a known Output with no dependencies and no secret
is sent as its plain value, with the same (empty) property dependencies (pulumi/pulumi sdk/python
`runtime/rpc.py` `serialize_properties`, v3.272.0). tests/engine/test_requests_unchanged.py holds the requests.

Settings that come from another resource's Output (a library user's VM address) stay an Output, and every value
derived from them follows it: it is unknown while it is, depends on what made it, and is secret if it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias, TypeVar

import pulumi

from ..config.model import ManagerSettings

T = TypeVar("T")

Settings: TypeAlias = "ManagerSettings | pulumi.Output[ManagerSettings]"
"""One manager's settings: known now, or once the Outputs they came from are."""


def derive(settings: Settings, read: Callable[[ManagerSettings], T]) -> pulumi.Input[T]:
    """`read(settings)`: now when the settings are known, else once they are."""
    if isinstance(settings, pulumi.Output):
        return settings.apply(read)
    return read(settings)


def combine(
    settings: Settings, others: Sequence[pulumi.Input[Any]], read: Callable[[ManagerSettings, list[Any]], T]
) -> pulumi.Output[T]:
    """`read(settings, [each of others])` once the others (and the settings) are known: an Output that depends on
    each of them, and is secret if one of them is."""
    if isinstance(settings, pulumi.Output):
        return pulumi.Output.all(settings, *others).apply(lambda values: read(values[0], list(values[1:])))
    known = settings
    if len(others) == 1:
        return pulumi.Output.from_input(others[0]).apply(lambda value: read(known, [value]))
    return pulumi.Output.all(*others).apply(lambda values: read(known, list(values)))

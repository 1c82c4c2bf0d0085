"""Typed setting values by key, as the rules read them: with the settings table's defaults and bounds, every
problem collected rather than raised (see `resolve.py`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from .rules import Problems
from .settings import SETTING

LIST_OR_MAP_AS_TEXT = "must be a YAML list or map in the stack file, not a plain string"


class Values:
    """Typed setting values by key, read with the table's defaults and bounds; problems go to `problems`.

    `pending` names the settings whose value is not known yet (an Output): they read as None, and only their
    presence counts. An empty string reads as unset, as it always has in a stack file.
    """

    def __init__(self, values: Mapping[str, Any], problems: Problems, pending: Collection[str] = ()) -> None:
        self._values = values
        self.problems = problems
        self.pending = frozenset(pending)

    def given(self, key: str) -> bool:
        """Set, whether its value is known yet or not."""
        return key in self.pending or self.raw(key) is not None

    def raw(self, key: str) -> Any:
        value = None if key in self.pending else self._values.get(key)
        return None if value == "" else value

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.raw(key)
        if value is None:
            return None if key in self.pending else default if default is not None else SETTING[key].default
        if not isinstance(value, str):
            self.problems.add(key, f"must be text, got {value!r}")
            return default if default is not None else SETTING[key].default
        return value

    def word(self, key: str, default: str | None = None) -> str:
        """Text that always has a value: set, or the default (given, or the table's)."""
        value = self.text(key, default)
        if value is None:
            raise AssertionError(f"{key} has no default")
        return value

    def number(self, key: str, default: int | None = None) -> int:
        """A whole number within the setting's bounds; the default (given, or the table's) when unset."""
        fallback = default if default is not None else SETTING[key].default
        value = self.raw(key)
        if value is None:
            return fallback
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # other Pulumi languages send every number as a float
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems.add(key, f"must be a whole number, got {value!r}")
            return fallback
        bounds = SETTING[key].bounds
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            self.problems.add(key, f"must be between {bounds[0]} and {bounds[1]}, got {value}")
        return value

    def flag(self, key: str, default: bool | None = None) -> bool:
        fallback = default if default is not None else SETTING[key].default
        value = self.raw(key)
        if value is None:
            return bool(fallback)
        if not isinstance(value, bool):
            self.problems.add(key, f"must be true or false, got {value!r}")
            return bool(fallback)
        return value

    def structure(self, key: str) -> Any:
        """A list or a map; text here is a YAML scalar where the stack file needed a list or a map."""
        value = self.raw(key)
        if isinstance(value, str):
            self.problems.add(key, LIST_OR_MAP_AS_TEXT)
            return None
        return value


def string_list(v: Values, key: str) -> list[str] | None:
    """A list of strings, or None when unset or refused."""
    value = v.structure(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        v.problems.add(key, "must be a list of strings")
        return None
    return value

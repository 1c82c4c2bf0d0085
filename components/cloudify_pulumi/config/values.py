"""The one loader: a manager's args, by field, into `SettingValues`, each setting as its type, with the table's
defaults and bounds; every problem collected rather than raised (see `resolve.py`)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, TypeVar

import pulumi

from .rules import Problems
from .setting_values import PENDING, Pending, SettingValues
from .settings import SETTINGS, Setting

LIST_OR_MAP_AS_TEXT = "must be a YAML list or map in the stack file, not a plain string"
MODEL_SETTINGS: tuple[Setting, ...] = tuple(s for s in SETTINGS if not s.stack_only and not s.fields)
"""The settings `SettingValues` holds (scripts/generate.py `model_settings`)."""

T = TypeVar("T")


def is_output(value: Any) -> bool:
    """Known only later: an Output of another resource (or an awaitable, which Pulumi accepts as an Input)."""
    return isinstance(value, pulumi.Output) or inspect.isawaitable(value)


def load(args: Mapping[str, Any], problems: Problems) -> SettingValues:
    """`args` by field (`ssh_port`), as CloudifyManagerArgs names them; a secret only as the marker that it is
    set. A value that is an Output reads as `PENDING` (a setting that may not be one was refused already)."""
    fields = {setting.field: _typed(setting, args.get(setting.field), problems) for setting in MODEL_SETTINGS}
    return SettingValues(**fields, problems=problems)


def _typed(setting: Setting, value: Any, problems: Problems) -> Any:
    """One value as its setting's type; the default (or None) when unset or refused."""
    if is_output(value):
        return PENDING if setting.output else None
    if value is None or value == "":
        return setting.default
    kind, key = setting.kind, setting.key
    if kind in (list, dict):
        if isinstance(value, str):
            problems.add(key, LIST_OR_MAP_AS_TEXT)
            return None
        return value
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)  # other Pulumi languages send every number as a float
    if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
        expected = {str: "text", int: "a whole number", bool: "true or false"}[kind]
        problems.add(key, f"must be {expected}, got {value!r}")
        return setting.default
    bounds = setting.bounds
    if bounds is not None and isinstance(value, int) and not bounds[0] <= value <= bounds[1]:
        problems.add(key, f"must be between {bounds[0]} and {bounds[1]}, got {value}")
    return value


def known(value: T | Pending) -> T | None:
    """A value, or None while it is an Output not known yet."""
    return None if isinstance(value, Pending) else value


def string_list(problems: Problems, key: str, value: object) -> list[str] | None:
    """A list of strings, or None when unset or refused (`key` names it in the message)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.add(key, "must be a list of strings")
        return None
    return value

"""The stack boundary's one conversion: a value of the stack file, as text or as YAML, into its setting's type.

Pulumi hands a program its configuration as strings (structured YAML values arrive JSON-encoded); a `managers`
entry arrives as YAML values. Both become the setting's type (`Setting.kind`) here, once. Text that is not of
that type is passed on unchanged, so that the rules (`resolve.py`) report it with the message any other bad value
gets.
"""

import json
from typing import Any

from .settings import SETTING


def from_text(key: str, text: str) -> Any:
    """A configuration value, as Pulumi hands it to a program, as the setting's type."""
    kind = SETTING[key].kind
    if kind is int:
        try:
            return int(text)
        except ValueError:
            return text
    if kind is bool:
        lowered = text.strip().lower()
        return lowered == "true" if lowered in ("true", "false") else text
    if kind in (list, dict):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


def typed(key: str, value: Any) -> Any:
    """A value of the stack file (text, or a YAML value of a `managers` entry) as the setting's type.

    A YAML scalar where text is wanted is that scalar's text (`true`, `8080`), as Pulumi would hand it over.
    """
    if isinstance(value, str):
        return from_text(key, value)
    if SETTING[key].kind is str and isinstance(value, bool | int | float):
        return ("true" if value else "false") if isinstance(value, bool) else str(value)
    return value

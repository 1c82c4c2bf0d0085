"""One setting of a CloudifyManager, as the settings table (`settings.py`) defines it, and the one switch between
its stack configuration key (camelCase) and its field (snake_case)."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One setting of a CloudifyManager: a key of the stack configuration and a field of its args."""

    key: str
    """The stack configuration key and the plugin schema's input name (camelCase)."""
    kind: type
    """The value's type: str, int, bool, list or dict."""
    doc: str
    """What it means; the reference, the args docstring and the schema description."""
    default: Any = None
    """A fixed default, used when the setting is unset; None when unset means unset or a computed default."""
    default_doc: str | None = None
    """How a computed default is found ("the profile's"); the reference shows it instead of `default`."""
    secret: bool = False
    """A secret: only ever a secret Output, never in plain state, logs or command lines."""
    output: bool = False
    """May be an Output of another resource (a VM's address); every other setting shapes the resource graph
    and must be a plain value when the program runs."""
    per_manager: bool = True
    """One manager of `managers` may set its own (secrets are set once, for every manager)."""
    required: bool = False
    """Must be set."""
    bounds: tuple[int, int] | None = None
    """The inclusive range of a whole number."""
    item: str = "str"
    """The element type of a list, or the value type of a map, as written in args.py."""
    fields: tuple[tuple[str, str], ...] = ()
    """For a structured secret, which the args flatten (a nested object that carries a secret reaches a
    component plugin as one opaque Output): each field's name and doc."""
    stack_only: bool = False
    """Read for the whole stack, not for one manager: not a field of the component's args."""

    @property
    def field(self) -> str:
        """`appImage` -> `app_image`: the setting as a field of CloudifyManagerArgs."""
        return field_name(self.key)


def field_name(key: str) -> str:
    """`appImage` -> `app_image`."""
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in key)


def config_key(field: str) -> str:
    """`app_image` -> `appImage`: the inverse of `field_name`, the name the plugin's schema gives a field."""
    head, *rest = field.split("_")
    return head + "".join(word.capitalize() for word in rest)


# Written once here; resolve.py and the scripts' defaults read them from the table.
_PORT = (1, 65535)


PORT = (1, 65535)
"""The bounds of a port number."""

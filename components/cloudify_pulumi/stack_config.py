"""Read this stack's Pulumi configuration into CloudifyManagerArgs, one per manager, key for key.

The only module that talks to `pulumi.Config`. It judges the whole stack before anything is registered:
unknown and retired keys, secrets stored in plain text, every manager of `managers` and their conflicts. Then
it maps each manager's settings onto the args: `appImage` -> `app_image`, numbers, booleans, lists and maps
decoded from the text Pulumi hands a program, secrets as secret Outputs. Secret values are looked at once, to
judge them, and never stored in plain form.
"""

from __future__ import annotations

import functools
import json
import os
import typing
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from .args import CloudifyManagerArgs
from .docker_endpoint import SshIdentity
from .fleet import member_settings, parse_fleet
from .keys import REGISTRY_AUTH_FIELDS, SECRET_KEYS, SECRET_MARKER, SETTING_KEYS, field_name, unknown_keys
from .rules import ConfigError, parse_registry_auth, secret_problems


def _configured_keys(project: str) -> list[str]:
    """Every key set under this project's namespace, however Pulumi passed it in."""
    names = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    prefix = f"{project}:"
    return [name[len(prefix):] for name in names if name.startswith(prefix)]


@dataclass(frozen=True)
class StackManager:
    """One manager of this stack: its args, and the folder of its Docker provider's ssh files."""

    args: CloudifyManagerArgs
    ssh_identity: SshIdentity


@dataclass(frozen=True)
class StackManagers:
    """The managers of this stack, by name; `fleet` when they come from the `managers` setting."""

    managers: dict[str, StackManager]
    fleet: bool


def load_managers(config: pulumi.Config | None = None) -> StackManagers:
    """Validate the whole stack configuration, every manager of it, before any resource is registered."""
    config = config or pulumi.Config()
    project, stack = pulumi.get_project(), pulumi.get_stack()
    raw = {key: config.get(key) for key in SETTING_KEYS if key not in SECRET_KEYS}
    secret_values = {key: config.get(key) for key in SECRET_KEYS}
    raw.update({key: SECRET_MARKER for key, value in secret_values.items() if value is not None})
    in_plain_text = [key for key, value in secret_values.items()
                     if value is not None and not runtime_config.is_config_secret(config.full_key(key))]
    auth, auth_problems = parse_registry_auth(secret_values["registryAuth"])
    problems = unknown_keys(_configured_keys(project)) + secret_problems(secret_values, in_plain_text) + auth_problems
    try:
        parse_fleet(raw, has_private_key=secret_values["sshPrivateKey"] is not None,
                    has_ssh_agent=bool(os.environ.get("SSH_AUTH_SOCK")))
    except ConfigError as error:
        raise ConfigError(problems + error.problems) from None
    if problems:
        raise ConfigError(problems)
    secrets = _secret_args(config, auth)
    is_fleet = raw.get("managers") is not None
    return StackManagers({
        name: StackManager(manager_args(settings, secrets),
                           SshIdentity.for_stack(project, stack, name if is_fleet else None))
        for name, settings in member_settings(raw).items()}, is_fleet)


def manager_args(settings: dict[str, str | None], secrets: dict[str, Any]) -> CloudifyManagerArgs:
    """One manager's settings (text, by key) and the stack's secrets as CloudifyManagerArgs, key for key."""
    args: dict[str, Any] = {field_name(key): typed_value(field_name(key), text) for key, text in settings.items()
                            if text is not None and key not in SECRET_KEYS}
    return typing.cast(CloudifyManagerArgs, args | secrets)


def _secret_args(config: pulumi.Config, auth: dict[str, str] | None) -> dict[str, Any]:
    """The secret settings as secret Outputs; `registryAuth` flattened into its three fields."""
    secrets: dict[str, Any] = {field_name(key): config.get_secret(key) for key in SECRET_KEYS if key != "registryAuth"}
    if auth is not None:
        secrets |= {REGISTRY_AUTH_FIELDS["server"]: auth["server"], REGISTRY_AUTH_FIELDS["username"]: auth["username"],
                    REGISTRY_AUTH_FIELDS["password"]: pulumi.Output.secret(auth["password"])}
    return {field: value for field, value in secrets.items() if value is not None}


@functools.cache
def _value_type(field: str) -> type:
    """The plain type of a field of CloudifyManagerArgs: `NotRequired[Input[float] | None]` -> float."""
    pending: list[Any] = [CloudifyManagerArgs.__annotations__[field]]
    while pending:
        hint = pending.pop(0)
        if hint in (str, int, float, bool):
            return hint
        if typing.get_origin(hint) in (list, dict):
            return typing.get_origin(hint)
        pending += typing.get_args(hint)
    raise TypeError(f"CloudifyManagerArgs.{field} has no plain type")


def typed_value(field: str, text: str) -> Any:
    """A configuration value as the field's type. Text that is not of that type is passed on unchanged, so that
    the component reports it with the same message as any other bad value."""
    kind = _value_type(field)
    if kind in (int, float):
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

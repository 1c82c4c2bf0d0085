"""Read this stack's Pulumi configuration into CloudifyManagerArgs, one per manager, key for key.

The only module that talks to `pulumi.Config`: the stack boundary. The text Pulumi hands a program becomes typed
values here, once (`typed.py`), and a `managers` entry merges typed values over them (`fleet.py`). Each manager's
args (`appImage` -> `app_image`, secrets as secret Outputs) are then judged by the component's own
`resolve_args`, once, and the stack as a whole: unknown and retired keys, secrets stored in plain text, the
managers' conflicts. Every problem of the stack is reported together, before anything is registered. Secret
values are looked at once, to judge them, and never stored in plain form.
"""

from __future__ import annotations

import os
import typing
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from ..host.docker_endpoint import SshIdentity
from .args import CloudifyManagerArgs
from .fleet import fleet_conflicts, fleet_members
from .inputs import Resolved, resolve_args
from .keys import REGISTRY_AUTH_FIELDS, SECRET_KEYS, SETTING_KEYS, STACK_ONLY_KEYS, field_name, unknown_keys
from .model import ManagerSettings
from .rules import ConfigError, Problems, parse_registry_auth, secret_problems
from .typed import from_text


def _configured_keys(project: str) -> list[str]:
    """Every key set under this project's namespace, however Pulumi passed it in."""
    names = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    prefix = f"{project}:"
    return [name[len(prefix) :] for name in names if name.startswith(prefix)]


@dataclass(frozen=True)
class StackManager:
    """One manager of this stack: its args, the folder of its Docker provider's ssh files, and the args as the
    component judged them (each manager is judged once, before any is registered)."""

    args: CloudifyManagerArgs
    ssh_identity: SshIdentity
    resolved: Resolved

    @property
    def known(self) -> ManagerSettings:
        """A stack's settings are all known when the program runs (none is another resource's Output)."""
        if self.resolved.known is None:
            raise AssertionError("a stack setting is an Output")
        return self.resolved.known


@dataclass(frozen=True)
class StackManagers:
    """The managers of this stack, by name; `fleet` when they come from the `managers` setting."""

    managers: dict[str, StackManager]
    fleet: bool


def load_managers(config: pulumi.Config | None = None) -> StackManagers:
    """Validate the whole stack configuration, every manager of it, before any resource is registered."""
    config = config or pulumi.Config()
    project, stack = pulumi.get_project(), pulumi.get_stack()
    text = {key: config.get(key) for key in SETTING_KEYS if key not in SECRET_KEYS and key not in STACK_ONLY_KEYS}
    secret_values = {key: config.get(key) for key in SECRET_KEYS}
    in_plain_text = [
        key
        for key, value in secret_values.items()
        if value is not None and not runtime_config.is_config_secret(config.full_key(key))
    ]
    auth, auth_problems = parse_registry_auth(secret_values["registryAuth"])
    problems = Problems()
    problems.items += unknown_keys(_configured_keys(project)) + secret_problems(secret_values, in_plain_text)
    problems.items += auth_problems
    values = {key: from_text(key, value) for key, value in text.items() if value is not None}
    is_fleet = config.get("managers") is not None
    members = fleet_members(values, config.get("managers"), problems)
    secrets = _secret_args(config, auth)
    has_ssh_agent = bool(os.environ.get("SSH_AUTH_SOCK"))
    managers: dict[str, StackManager] = {}
    for name, member in members.items():
        args = manager_args(member, secrets)
        try:
            resolved = resolve_args(args, has_ssh_agent=has_ssh_agent)
        except ConfigError as error:
            problems.items += [f"managers.{name}.{problem}" if is_fleet else problem for problem in error.problems]
            continue
        managers[name] = StackManager(args, SshIdentity.for_stack(project, stack, name if is_fleet else None), resolved)
    problems.items += fleet_conflicts({name: manager.known for name, manager in managers.items()})
    if problems.items:
        raise ConfigError(problems.items)
    return StackManagers(managers, is_fleet)


def manager_args(values: dict[str, Any], secrets: dict[str, Any]) -> CloudifyManagerArgs:
    """One manager's typed settings, by key, and the stack's secrets as CloudifyManagerArgs, key for key."""
    args = {field_name(key): value for key, value in values.items() if key not in SECRET_KEYS}
    return typing.cast(CloudifyManagerArgs, args | secrets)


def _secret_args(config: pulumi.Config, auth: dict[str, str] | None) -> dict[str, Any]:
    """The secret settings as secret Outputs; `registryAuth` flattened into its three fields."""
    secrets: dict[str, Any] = {field_name(key): config.get_secret(key) for key in SECRET_KEYS if key != "registryAuth"}
    if auth is not None:
        secrets |= {
            REGISTRY_AUTH_FIELDS["server"]: auth["server"],
            REGISTRY_AUTH_FIELDS["username"]: auth["username"],
            REGISTRY_AUTH_FIELDS["password"]: pulumi.Output.secret(auth["password"]),
        }
    return {field: value for field, value in secrets.items() if value is not None}

"""Read this stack's Pulumi configuration into CloudifyManagerArgs, one per manager.

The only module that talks to `pulumi.Config`: it hands plain strings to the
validating model in `settings.py` and keeps secrets as secret Outputs. Secret
values are looked at once, to validate them, and never stored in plain form.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pulumi
from pulumi.runtime import config as runtime_config

from .docker_endpoint import SshIdentity
from .manager import CloudifyManagerArgs, DockerTls, ManagerSecrets, RegistryAuth
from .settings import (
    SECRET_KEYS,
    SETTING_KEYS,
    ConfigError,
    ManagerSettings,
    parse_fleet,
    parse_registry_auth,
    secret_problems,
    unknown_keys,
)

SECRET_MARKER = "<secret is set>"


def _configured_keys(project: str) -> list[str]:
    """Every key set under this project's namespace, however Pulumi passed it in."""
    names = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    prefix = f"{project}:"
    return [name[len(prefix):] for name in names if name.startswith(prefix)]


@dataclass(frozen=True)
class StackManagers:
    """The managers of this stack, by name; `fleet` when they come from the `managers` setting."""

    args: dict[str, CloudifyManagerArgs]
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
        fleet = parse_fleet(raw, has_private_key=secret_values["sshPrivateKey"] is not None,
                            has_ssh_agent=bool(os.environ.get("SSH_AUTH_SOCK")))
    except ConfigError as error:
        raise ConfigError(problems + error.problems) from None
    if problems:
        raise ConfigError(problems)
    registry_auth = None
    if auth is not None:
        registry_auth = RegistryAuth(server=auth["server"], username=auth["username"],
                                     password=pulumi.Output.secret(auth["password"]))
    is_fleet = raw.get("managers") is not None
    return StackManagers({name: _manager_args(config, settings, registry_auth,
                                              SshIdentity.for_stack(project, stack, name if is_fleet else None))
                          for name, settings in fleet.items()}, is_fleet)


def _manager_args(config: pulumi.Config, settings: ManagerSettings, registry_auth: RegistryAuth | None,
                  identity: SshIdentity) -> CloudifyManagerArgs:
    """One manager's arguments: its settings and the stack's secrets, kept as secret Outputs."""
    tls_key = config.get_secret("dockerTlsKey")
    tls = None
    if settings.docker_host and settings.docker_host.startswith("tcp://") and tls_key is not None:
        tls = DockerTls(ca_cert=config.require("dockerTlsCaCert"), cert=config.require("dockerTlsCert"),
                        key=tls_key)
    manager_secrets = None
    if settings.profile.manager_config:
        manager_secrets = ManagerSecrets(admin_password=config.require_secret("adminPassword"),
                                         manager_secret=config.require_secret("managerSecret"))
    return CloudifyManagerArgs(settings=settings, ssh_private_key=config.get_secret("sshPrivateKey"),
                               docker_tls=tls, manager_secrets=manager_secrets, registry_auth=registry_auth,
                               ssh_identity=identity)

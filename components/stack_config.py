"""Read this stack's Pulumi configuration into CloudifyManagerArgs.

The only module that talks to `pulumi.Config`: it hands plain strings to the
validating model in `settings.py` and keeps secrets as secret Outputs. Secret
values are looked at once, to validate them, and never stored in plain form.
"""

from __future__ import annotations

import os

import pulumi
from pulumi.runtime import config as runtime_config

from .manager import CloudifyManagerArgs, DockerTls, ManagerSecrets, RegistryAuth
from .settings import (
    SECRET_KEYS,
    SETTING_KEYS,
    ConfigError,
    parse_registry_auth,
    parse_settings,
    secret_problems,
    unknown_keys,
)

SECRET_MARKER = "<secret is set>"


def _configured_keys(project: str) -> list[str]:
    """Every key set under this project's namespace, however Pulumi passed it in."""
    names = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    prefix = f"{project}:"
    return [name[len(prefix):] for name in names if name.startswith(prefix)]


def load_manager_args(config: pulumi.Config | None = None) -> CloudifyManagerArgs:
    """Validate the whole stack configuration before any resource is registered."""
    config = config or pulumi.Config()
    project = pulumi.get_project()
    raw = {key: config.get(key) for key in SETTING_KEYS if key not in SECRET_KEYS}
    secret_values = {key: config.get(key) for key in SECRET_KEYS}
    raw.update({key: SECRET_MARKER for key, value in secret_values.items() if value is not None})
    in_plain_text = [key for key, value in secret_values.items()
                     if value is not None and not runtime_config.is_config_secret(config.full_key(key))]
    auth, auth_problems = parse_registry_auth(secret_values["registryAuth"])
    problems = unknown_keys(_configured_keys(project)) + secret_problems(secret_values, in_plain_text) + auth_problems
    try:
        settings = parse_settings(raw, has_private_key=secret_values["sshPrivateKey"] is not None,
                                  has_ssh_agent=bool(os.environ.get("SSH_AUTH_SOCK")))
    except ConfigError as error:
        raise ConfigError(problems + error.problems) from None
    if problems:
        raise ConfigError(problems)
    tls_key = config.get_secret("dockerTlsKey")
    tls = None
    if settings.docker_host and settings.docker_host.startswith("tcp://") and tls_key is not None:
        tls = DockerTls(ca_cert=config.require("dockerTlsCaCert"), cert=config.require("dockerTlsCert"),
                        key=tls_key)
    manager_secrets = None
    if settings.profile.manager_config:
        manager_secrets = ManagerSecrets(admin_password=config.require_secret("adminPassword"),
                                         manager_secret=config.require_secret("managerSecret"))
    registry_auth = None
    if auth is not None:
        registry_auth = RegistryAuth(server=auth["server"], username=auth["username"],
                                     password=pulumi.Output.secret(auth["password"]))
    return CloudifyManagerArgs(settings=settings, ssh_private_key=config.get_secret("sshPrivateKey"),
                               docker_tls=tls, manager_secrets=manager_secrets, registry_auth=registry_auth)

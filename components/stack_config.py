"""Read this stack's Pulumi configuration into CloudifyManagerArgs.

The only module that talks to `pulumi.Config`: it hands plain strings to the
validating model in `settings.py` and keeps secrets as secret Outputs.
"""

from __future__ import annotations

import os

import pulumi
from pulumi.runtime import config as runtime_config

from .manager import CloudifyManagerArgs, DockerTls
from .settings import SECRET_KEYS, SETTING_KEYS, ConfigError, parse_settings, unknown_keys


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
    private_key = config.get_secret("sshPrivateKey")
    tls_key = config.get_secret("dockerTlsKey")
    raw["dockerTlsKey"] = "set" if tls_key is not None else None
    problems = unknown_keys(_configured_keys(project))
    try:
        settings = parse_settings(raw, has_private_key=private_key is not None,
                                  has_ssh_agent=bool(os.environ.get("SSH_AUTH_SOCK")))
    except ConfigError as error:
        raise ConfigError(problems + error.problems) from None
    if problems:
        raise ConfigError(problems)
    tls = None
    if settings.docker_host and settings.docker_host.startswith("tcp://") and tls_key is not None:
        tls = DockerTls(ca_cert=config.require("dockerTlsCaCert"), cert=config.require("dockerTlsCert"),
                        key=tls_key)
    return CloudifyManagerArgs(settings=settings, ssh_private_key=private_key, docker_tls=tls)

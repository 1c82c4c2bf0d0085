"""cloudify-pulumi: a Cloudify Manager as Docker containers, managed by Pulumi."""

from .manager import CloudifyManager, CloudifyManagerArgs, DockerTls, ManagerSecrets, RegistryAuth
from .profiles import PROFILES, ManagerProfile
from .settings import ConfigError, ManagerSettings, parse_settings

__all__ = ["PROFILES", "CloudifyManager", "CloudifyManagerArgs", "ConfigError", "DockerTls", "ManagerProfile",
           "ManagerSecrets", "ManagerSettings", "RegistryAuth", "parse_settings"]

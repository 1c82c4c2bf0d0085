"""cloudify-pulumi: a Cloudify Manager as Docker containers, managed by Pulumi."""

from .manager import CloudifyManager, CloudifyManagerArgs, DockerTls, ManagerSecrets, RegistryAuth
from .model import ManagerSettings
from .profiles import PROFILES, ManagerProfile
from .resolve import parse_settings
from .rules import ConfigError

__all__ = ["PROFILES", "CloudifyManager", "CloudifyManagerArgs", "ConfigError", "DockerTls", "ManagerProfile",
           "ManagerSecrets", "ManagerSettings", "RegistryAuth", "parse_settings"]

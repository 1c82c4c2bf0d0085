"""cloudify-pulumi: a Cloudify Manager as Docker containers, managed by Pulumi."""

from .manager import CloudifyManager, CloudifyManagerArgs, DockerTls
from .settings import ConfigError, ManagerSettings, parse_settings

__all__ = ["CloudifyManager", "CloudifyManagerArgs", "ConfigError", "DockerTls", "ManagerSettings",
           "parse_settings"]

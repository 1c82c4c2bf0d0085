"""cloudify-pulumi: a Cloudify Manager as Docker containers, managed by Pulumi.

The public contract: `CloudifyManager` (type token `cloudify:index:CloudifyManager`), its `CloudifyManagerArgs`
and its outputs, and `ConfigError`, raised with every problem of a configuration at once.
"""

from .cloudify.profiles import PROFILES, ManagerProfile
from .component.manager import TYPE_TOKEN, CloudifyManager
from .config.args import CloudifyManagerArgs
from .config.model import ManagerSettings
from .config.resolve import parse_settings
from .config.rules import ConfigError

__version__ = "1.1.0"  # the one source: pyproject.toml reads it (tool.setuptools.dynamic)

__all__ = [
    "PROFILES",
    "TYPE_TOKEN",
    "CloudifyManager",
    "CloudifyManagerArgs",
    "ConfigError",
    "ManagerProfile",
    "ManagerSettings",
    "__version__",
    "parse_settings",
]

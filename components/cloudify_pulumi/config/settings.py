"""The settings table: one entry per setting, the only place a setting is defined, in two parts by concern
(`settings_host.py`, `settings_manager.py`; an entry is a `setting.Setting`).

Each entry says the stack configuration key, its Python field, its type, its default, whether it is a secret,
whether it may be an Output of another resource, whether one manager of `managers` may override it, and its
documentation. Everything else is derived from it:
- `args.py` (the component's typed contract) and `docs/configuration.md` are generated from it by
  `scripts/generate`; a test fails when either differs from what the table gives;
- the config declarations in `Pulumi.yaml` are checked against it;
- the stack boundary (`stack_config.py`) turns text into the entry's type, and the rules (`resolve.py`) take
  fixed defaults and ranges from it.

Defaults that depend on other settings (the profile's ports, `host` for `managementIp`) are computed in
`resolve.py`; the entry documents them in `default_doc`.
"""

from .setting import Setting, config_key, field_name
from .settings_host import HOST_SETTINGS
from .settings_manager import MANAGER_SETTINGS

__all__ = ["SETTING", "SETTINGS", "Setting", "config_key", "field_name"]

SETTINGS: tuple[Setting, ...] = HOST_SETTINGS + MANAGER_SETTINGS
"""Every setting, in the order the reference, the args and the schema list them."""
SETTING: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}

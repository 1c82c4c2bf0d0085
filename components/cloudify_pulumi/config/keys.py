"""Names derived from the settings table (`settings.py`): which keys exist, which are secret, which one manager
of several may override, which fields may be Outputs, and the keys earlier releases read."""

from .settings import SETTING, SETTINGS, config_key, field_name

__all__ = ["config_key", "field_name"]

# Every key this program reads; anything else under the project namespace is a typo and is reported instead of
# silently ignored.
SETTING_KEYS: tuple[str, ...] = tuple(setting.key for setting in SETTINGS)
SECRET_KEYS: frozenset[str] = frozenset(setting.key for setting in SETTINGS if setting.secret)
STACK_ONLY_KEYS: frozenset[str] = frozenset(setting.key for setting in SETTINGS if setting.stack_only)
# What an entry of `managers` may set: every plain setting (secrets are shared).
OVERRIDABLE_KEYS: tuple[str, ...] = tuple(setting.key for setting in SETTINGS if setting.per_manager)

SINGLE_MANAGER_NAME = "cloudify"  # a stack without `managers`: the name (and URNs) of earlier releases

# Keys an earlier release read: naming them beats "unknown setting".
RETIRED_KEYS: dict[str, str] = {
    "dockerInstallUrl": "no longer used: get.docker.com cannot install on Ubuntu 14.04 any more; Docker is "
    "installed from Docker's apt repository (dockerAptRepo, dockerTrustyVersion)",
}


def unknown_keys(keys: list[str]) -> list[str]:
    """Problems for config keys this program does not read (usually typos, or retired keys)."""
    problems = []
    for key in sorted(set(keys) - set(SETTING_KEYS)):
        if key in RETIRED_KEYS:
            problems.append(f"{key}: {RETIRED_KEYS[key]}; remove it with `pulumi config rm {key}`")
        else:
            problems.append(f"{key}: unknown setting (known: {', '.join(SETTING_KEYS)})")
    return problems


# The one structured secret, flattened in the args (settings.Setting.fields).
REGISTRY_AUTH_FIELDS: dict[str, str] = {
    name.removeprefix("registry_"): name for name, _ in SETTING["registryAuth"].fields
}
SECRET_MARKER = "<secret is set>"  # what a message may show of a secret: that it is set, never its value


def _fields(setting_filter) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return tuple(
        field
        for setting in SETTINGS
        if not setting.stack_only and setting_filter(setting)
        for field in ([name for name, _ in setting.fields] or [setting.field])
    )


# The component's args, one field per setting (a structured secret flattened).
ARGS_FIELDS: tuple[str, ...] = _fields(lambda setting: True)
# Fields that may be Outputs of other resources: the connection to the host and what is derived from it, secrets
# and credentials. Every other field shapes the resource graph and must be a plain value.
INPUT_FIELDS: frozenset[str] = frozenset(_fields(lambda setting: setting.output))
SECRET_FIELDS: frozenset[str] = frozenset(
    {setting.field for setting in SETTINGS if setting.secret and not setting.fields}
    | {REGISTRY_AUTH_FIELDS["password"]}
)

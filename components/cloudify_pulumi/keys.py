"""The settings table: every stack configuration key, which are secret, which one manager of several may
override, and the keys earlier releases read. README's configuration reference, `Pulumi.yaml` and the
component's args (`args.py`) are checked against it (tests/test_config_properties.py, tests/test_args_contract.py).
"""

from __future__ import annotations

# Every key this program reads; anything else under the project namespace is a
# typo and is reported instead of silently ignored.
SETTING_KEYS: tuple[str, ...] = (
    "host",
    "sshUser",
    "sshPort",
    "sshPrivateKey",
    "sshHostKey",
    "sshProxyHost",
    "sshProxyUser",
    "sshProxyPort",
    "sshProxyHostKey",
    "sshProxyPrivateKey",
    "appImage",
    "dataImage",
    "volumePaths",
    "ports",
    "cloudifyPackages",
    "managementIp",
    "privileged",
    "useSudo",
    "dockerAptRepo",
    "dockerAptKeyFingerprint",
    "dockerTrustyVersion",
    "dockerCliUrl",
    "dockerCliSha256",
    "dockerHost",
    "dockerTlsCaCert",
    "dockerTlsCert",
    "dockerTlsKey",
    "namePrefix",
    "readinessPath",
    "readinessPort",
    "readinessTimeout",
    "tmpfs",
    "capAdd",
    "securityOpts",
    "hostMounts",
    "cgroupnsMode",
    "appCommand",
    "managerProfile",
    "hostname",
    "configDir",
    "adminPassword",
    "managerSecret",
    "dataVolumes",
    "backupDir",
    "backupsToKeep",
    "backupCompression",
    "registryAuth",
    "logDriver",
    "logMaxSize",
    "logMaxFile",
    "healthcheck",
    "healthcheckInterval",
    "healthcheckStartPeriod",
    "managers",
)


SECRET_KEYS: frozenset[str] = frozenset({"sshPrivateKey", "sshProxyPrivateKey", "dockerTlsKey", "adminPassword",
                                         "managerSecret",
                                         "registryAuth"})


# What an entry of `managers` may set: every plain setting (secrets are shared).
OVERRIDABLE_KEYS: tuple[str, ...] = tuple(k for k in SETTING_KEYS if k not in SECRET_KEYS and k != "managers")


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


def field_name(key: str) -> str:
    """`appImage` -> `app_image`: a stack configuration key as the field of CloudifyManagerArgs."""
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in key)


def config_key(field: str) -> str:
    """`app_image` -> `appImage`: the inverse of `field_name`, the name the plugin's schema gives a field."""
    head, *rest = field.split("_")
    return head + "".join(word.capitalize() for word in rest)


# The one structured secret: a nested object carrying a secret reaches a component plugin as one opaque Output
# (pulumi 3.272.0 provider/experimental), so the args flatten it.
REGISTRY_AUTH_FIELDS: dict[str, str] = {"server": "registry_server", "username": "registry_username",
                                        "password": "registry_password"}
SECRET_MARKER = "<secret is set>"  # what the settings model sees of a secret: that it is set, never its value
STACK_ONLY_KEYS = frozenset({"managers"})  # what the program reads for the whole stack, not one manager

# Fields that may be Outputs of other resources: the connection to the host and what is derived from it,
# secrets and credentials. Every other field shapes the resource graph and must be a plain value.
INPUT_FIELDS: frozenset[str] = frozenset({
    "host", "ssh_user", "ssh_port", "ssh_private_key", "ssh_host_key",
    "ssh_proxy_host", "ssh_proxy_user", "ssh_proxy_port", "ssh_proxy_host_key", "ssh_proxy_private_key",
    "management_ip", "hostname", "admin_password", "manager_secret",
    "registry_server", "registry_username", "registry_password",
    "docker_host", "docker_tls_ca_cert", "docker_tls_cert", "docker_tls_key",
})
SECRET_FIELDS: frozenset[str] = frozenset(
    {field_name(key) for key in SECRET_KEYS if key != "registryAuth"} | {REGISTRY_AUTH_FIELDS["password"]})
ARGS_FIELDS: tuple[str, ...] = tuple(
    field for key in SETTING_KEYS if key not in STACK_ONLY_KEYS
    for field in (REGISTRY_AUTH_FIELDS.values() if key == "registryAuth" else [field_name(key)]))

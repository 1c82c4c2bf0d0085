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

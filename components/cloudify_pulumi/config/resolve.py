"""One manager's settings, judged from typed values in one pass, with the table's defaults and bounds.

The values arrive typed, keyed by setting: from the stack configuration, whose text the stack boundary
(`stack_config.py`) turned into each setting's type once, or from a program's CloudifyManagerArgs (`inputs.py`).
Every problem is collected before anything is registered, so a bad stack fails `pulumi preview` with one
message per mistake instead of half-creating a manager. Secrets never enter this model: only a marker that
they are set.

Two parts, judged by the same rules, each value read through `values.Values`:
- `judge_plan` (here): the plain settings, which shape the resource graph. Always known when the program runs.
  What a manager publishes is judged in `exposure.py`, its `cloudifyPackages` in `cloudify_packages.py`.
- `host_settings.judge_host`: the settings that may be Outputs of other resources (the host, the SSH connection,
  the names the manager has on it). A value not known yet is *pending*: its own checks wait until it is known,
  and no host settings are built until every one is, so nothing ever stands in for a value.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ..cloudify import bootstrap_context, operator_config
from ..cloudify.profiles import PROFILES, ManagerProfile
from .cloudify_packages import judge_cloudify_packages
from .exposure import judge_ports, judge_public_address, judge_tls
from .host_settings import judge_host
from .model import (
    HostMount,
    ManagerPlan,
    ManagerSettings,
    TrustyDocker,
)
from .rules import (
    APT_VERSION,
    BACKUP_COMPRESSIONS,
    CAPABILITY,
    CONTAINER_PREFIX,
    DATA_VOLUME_KINDS,
    FINGERPRINT,
    LOG_DRIVER,
    LOG_DRIVER_OF_THE_DAEMON,
    LOG_SIZE,
    SHA256,
    TRUSTY_DOCKER_AUTO,
    ConfigError,
    Problems,
    check_http_url,
    check_image_reference,
    check_plain_path,
    normalize_capability,
    path_slug,
)
from .setting_values import SettingValues
from .settings import SETTING, field_name
from .values import load, string_list


def _volume_paths(v: SettingValues, profile: ManagerProfile) -> tuple[str, ...]:
    paths = string_list(v.problems, "volumePaths", v.volume_paths)
    if paths is None:
        return profile.volume_paths
    problems = v.problems
    if not paths:
        problems.add("volumePaths", "must list at least one path: they are what the data container keeps")
    for path in paths:
        check_plain_path("volumePaths", path, "container path (such as /var/log/cloudify)", problems)
    for path in sorted({p for p in paths if paths.count(p) > 1}):
        problems.add("volumePaths", f"{path!r} is listed more than once")
    slugs = [path_slug(p) for p in set(paths)]
    for slug in sorted({s for s in slugs if slugs.count(s) > 1 or not s}):
        problems.add(
            "volumePaths",
            f"paths that differ only in punctuation or case would share the volume "
            f"name '<namePrefix>-{slug}'; rename one",
        )
    return tuple(paths)


def _capabilities(v: SettingValues) -> tuple[str, ...]:
    """`capAdd` in the form the engine stores: normalised, without duplicates, sorted."""
    normalized: set[str] = set()
    for name in string_list(v.problems, "capAdd", v.cap_add) or []:
        capability = normalize_capability(name)
        if capability != "ALL" and not CAPABILITY.match(capability):
            v.problems.add("capAdd", f"{name!r} must be a capability name such as SYS_ADMIN or CAP_NET_ADMIN")
            continue
        normalized.add(capability)
    return tuple(sorted(normalized))


def _host_mounts(v: SettingValues) -> tuple[HostMount, ...]:
    mounts: list[HostMount] = []
    for entry in string_list(v.problems, "hostMounts", v.host_mounts) or []:
        pieces = entry.split(":")
        mode = pieces[2] if len(pieces) == 3 else "rw"
        if len(pieces) not in (2, 3) or mode not in ("ro", "rw") or not all(p.startswith("/") for p in pieces[:2]):
            v.problems.add("hostMounts", f"{entry!r} must be '/host/path:/container/path[:ro|:rw]'")
            continue
        mounts.append(HostMount(pieces[0], pieces[1], mode == "ro"))
    return tuple(mounts)


def _tmpfs(v: SettingValues) -> dict[str, str]:
    value = v.tmpfs
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k.startswith("/") and isinstance(item, str) for k, item in value.items()
    ):
        v.problems.add("tmpfs", "must map absolute container paths to mount options ('' for the defaults)")
        return {}
    return dict(value)


def _profile(v: SettingValues) -> ManagerProfile:
    name = v.manager_profile
    default = PROFILES[SETTING["managerProfile"].default]
    if name not in PROFILES:
        v.problems.add("managerProfile", f"{name!r} is not a profile; choose one of {', '.join(sorted(PROFILES))}")
        return default
    return PROFILES[name]


def _name_prefix(v: SettingValues) -> str:
    name_prefix = v.name_prefix
    if not CONTAINER_PREFIX.match(name_prefix):
        v.problems.add("namePrefix", f"{name_prefix!r} may use only letters, digits, '.', '_' and '-'")
    return name_prefix


def _plain_path(v: SettingValues, key: str, path: str | None) -> str | None:
    if path is not None:
        check_plain_path(key, path, "host path", v.problems)
    return path


ARCHIVE_SUFFIXES = (".tar.zst", ".tar.gz", ".tar")


def _archive_path(v: SettingValues, key: str, given: str | None) -> str | None:
    """A backup archive on the host, as backup_data.sh names them."""
    path = _plain_path(v, key, given)
    if path is not None and not path.endswith(ARCHIVE_SUFFIXES):
        v.problems.add(key, f"{path!r} must be a backup archive: a {', '.join(ARCHIVE_SUFFIXES)} file (latestBackup)")
    return path


def _choice(v: SettingValues, key: str, value: str, choices: Collection[str], message: str) -> str:
    """A setting that takes one of a few words; `message` says what each means."""
    if value not in choices:
        v.problems.add(key, f"{value!r} {message}")
    return value


def _images(v: SettingValues) -> tuple[str, str]:
    app_image, data_image = v.app_image, v.data_image
    if app_image is None:
        v.problems.add("appImage", "is required: the Cloudify application image, pinned by tag or digest")
    else:
        check_image_reference("appImage", app_image, v.problems)
    if data_image is None:
        v.problems.add(
            "dataImage",
            "is required: pin the image the data-only container is created from; "
            "it never follows appImage, or an upgrade would replace the data container",
        )
    else:
        check_image_reference("dataImage", data_image, v.problems)
    return app_image or "", data_image or ""


def _proxy_details(v: SettingValues) -> dict[str, bool]:
    """Whether each setting of the bastion but its address is set (a default port counts as unset)."""
    return {
        "sshProxyUser": v.ssh_proxy_user is not None,
        "sshProxyPort": v.ssh_proxy_port != SETTING["sshProxyPort"].default,
        "sshProxyHostKey": v.ssh_proxy_host_key is not None,
        "sshProxyPrivateKey": v.ssh_proxy_private_key is not None,
    }


def _connection_presence(v: SettingValues, *, has_private_key: bool, has_ssh_agent: bool) -> None:
    """What the SSH connection needs, judged on which settings are set: their values may not be known yet."""
    if v.host is not None and not has_private_key and not has_ssh_agent:
        v.problems.add(
            "sshPrivateKey",
            "host is set but no SSH credential is configured: run "
            "`pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519` "
            "or start an ssh-agent (SSH_AUTH_SOCK)",
        )
    if v.ssh_proxy_host is None:
        for key, given in _proxy_details(v).items():
            if given:
                v.problems.add(
                    key,
                    "is set but sshProxyHost is not: set the bastion's address "
                    f"(`pulumi config set sshProxyHost bastion.example.com`) or remove {key}",
                )
    elif v.host is None:
        v.problems.add(
            "sshProxyHost",
            "a bastion needs a remote host: set host to the manager host's address as the bastion reaches it",
        )


def _trusty_docker(v: SettingValues) -> TrustyDocker:
    problems = v.problems
    apt_repo = v.docker_apt_repo.rstrip("/")
    check_http_url("dockerAptRepo", apt_repo, problems)
    fingerprint = v.docker_apt_key_fingerprint.replace(" ", "").upper()
    if not FINGERPRINT.match(fingerprint):
        problems.add("dockerAptKeyFingerprint", f"{fingerprint!r} must be a 40-digit hexadecimal key fingerprint")
    version = v.docker_trusty_version
    if version != TRUSTY_DOCKER_AUTO and not APT_VERSION.match(version):
        problems.add(
            "dockerTrustyVersion", f"{version!r} must be 'auto' or an apt version such as 18.06.1~ce~3-0~ubuntu"
        )
    cli_url = v.docker_cli_url
    check_http_url("dockerCliUrl", cli_url, problems)
    cli_sha256 = v.docker_cli_sha256
    if cli_sha256 is not None:
        cli_sha256 = cli_sha256.strip().lower()
        if not SHA256.match(cli_sha256):
            problems.add("dockerCliSha256", "must be the 64-digit hexadecimal SHA-256 of the dockerCliUrl tarball")
    return TrustyDocker(apt_repo, fingerprint, version, cli_url, cli_sha256)


def _container_logs(v: SettingValues) -> tuple[str, str, int]:
    """`logDriver` (or `daemon`), and the rotation of json-file and local logs: `logMaxSize`, `logMaxFile`."""
    driver = v.log_driver
    if not LOG_DRIVER.match(driver):
        v.problems.add(
            "logDriver",
            f"{driver!r} must be a Docker log driver name such as json-file or local, or "
            f"'{LOG_DRIVER_OF_THE_DAEMON}' to keep the daemon's default",
        )
    size = v.log_max_size
    if not LOG_SIZE.match(size):
        v.problems.add("logMaxSize", f"{size!r} must be a size such as 50m (k, m or g)")
    return driver, size, v.log_max_file


def judge_plan(v: SettingValues, *, has_private_key: bool, has_ssh_agent: bool) -> ManagerPlan:
    """The plain settings of one manager (every problem goes to `v.problems`)."""
    _connection_presence(v, has_private_key=has_private_key, has_ssh_agent=has_ssh_agent)
    app_image, data_image = _images(v)
    profile = _profile(v)
    agents, docker_image = judge_cloudify_packages(v)
    readiness_path = v.readiness_path or profile.readiness_path
    if not readiness_path.startswith("/") or any(ch.isspace() for ch in readiness_path):
        v.problems.add("readinessPath", f"{readiness_path!r} must be a URL path starting with /")
    cgroupns_mode = v.cgroupns_mode
    if cgroupns_mode not in (None, "host", "private"):
        v.problems.add("cgroupnsMode", f"{cgroupns_mode!r} must be 'host' or 'private'")
    log_driver, log_max_size, log_max_file = _container_logs(v)
    tls, has_tls_cert, has_tls_ca = judge_tls(v, profile)
    return ManagerPlan(
        app_image=app_image,
        data_image=data_image,
        profile=profile,
        is_remote=v.host is not None,
        has_proxy=v.ssh_proxy_host is not None,
        pins_host_key=v.ssh_host_key is not None,
        pins_proxy_host_key=v.ssh_proxy_host_key is not None,
        has_hostname=v.hostname is not None or profile.fixed_hostname,
        volume_paths=_volume_paths(v, profile),
        ports=judge_ports(v, profile, tls=tls),
        tls=tls,
        has_tls_cert=has_tls_cert,
        has_tls_ca=has_tls_ca,
        public_address=judge_public_address(v, profile),
        agents=agents,
        docker_image_url=docker_image[0] if docker_image else None,
        docker_image_sha256=docker_image[1] if docker_image else None,
        config_dir=_plain_path(v, "configDir", v.config_dir),
        privileged=v.privileged,
        trusty_docker=_trusty_docker(v),
        name_prefix=_name_prefix(v),
        readiness_path=readiness_path,
        readiness_port=_or(v.readiness_port, 443 if tls else 80),
        readiness_timeout=_or(v.readiness_timeout, profile.readiness_timeout),
        tmpfs=_tmpfs(v),
        cap_add=_capabilities(v),
        security_opts=tuple(string_list(v.problems, "securityOpts", v.security_opts) or []),
        host_mounts=_host_mounts(v),
        cgroupns_mode=cgroupns_mode,
        app_command=tuple(string_list(v.problems, "appCommand", v.app_command) or []),
        data_volumes=_choice(
            v,
            "dataVolumes",
            v.data_volumes,
            DATA_VOLUME_KINDS,
            "must be 'named' (one Docker volume per path, kept even if the data container goes) "
            "or 'anonymous' (stacks created before named volumes)",
        ),
        backup_dir=_plain_path(v, "backupDir", v.backup_dir),
        backups_to_keep=v.backups_to_keep,
        backup_compression=_choice(
            v,
            "backupCompression",
            v.backup_compression,
            BACKUP_COMPRESSIONS,
            f"must be one of {', '.join(BACKUP_COMPRESSIONS)}",
        ),
        restore_from=_archive_path(v, "restoreFrom", v.restore_from),
        backup_now=v.backup_now,
        log_driver=log_driver,
        log_max_size=log_max_size,
        log_max_file=log_max_file,
        healthcheck=v.healthcheck,
        healthcheck_interval=v.healthcheck_interval,
        healthcheck_start_period=_or(v.healthcheck_start_period, profile.readiness_timeout),
        bootstrap_context=bootstrap_context.judge(v, wanted=profile.bootstrap_context),
        has_agent_key=v.agent_private_key is not None,
        manager_config_extra=operator_config.judge_manager_config(v, profile),
        has_license=_license(v, profile),
        memory_limit=operator_config.judge_memory(v, profile),
        cpus=operator_config.judge_cpus(v),
    )


def _or(value: int | None, default: int) -> int:
    """A whole number whose default depends on other settings (the profile's, TLS's)."""
    return default if value is None else value


def _license(v: SettingValues, profile: ManagerProfile) -> bool:
    """`licenseFile`: cloudify-7 only, which has config.yaml to name it."""
    if v.license_file is not None and not profile.manager_config:
        v.problems.add("licenseFile", f"is a cloudify-7 setting; {profile.name} has no licence")
    return v.license_file is not None and profile.manager_config


def parse_settings(values: Mapping[str, Any], *, has_private_key: bool, has_ssh_agent: bool) -> ManagerSettings:
    """Judge every setting of one manager, all of them known, raising one `ConfigError` listing every problem.

    `values` maps setting keys to typed values (None when unset); a secret appears only as a marker that it
    is set, and the key and agent flags say whether an SSH credential exists. This model never holds a secret.
    """
    v = load({field_name(key): value for key, value in values.items()}, Problems())
    plan = judge_plan(v, has_private_key=has_private_key, has_ssh_agent=has_ssh_agent)
    host = judge_host(v, plan)
    if v.problems.items:
        raise ConfigError(v.problems.items)
    assert host is not None  # nothing is pending
    return ManagerSettings.of(plan, host)

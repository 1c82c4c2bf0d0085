"""One manager's settings, from the configuration's text form, validated in one pass.

Pulumi hands a program its configuration as strings (structured YAML values arrive JSON-encoded), and the
component turns its args into the same form (`as_config_string`), so both paths are judged by the same code
and give the same messages. `parse_settings` collects *every* problem before anything is registered, so a bad
stack fails `pulumi preview` with one message per mistake instead of half-creating a manager. Secrets never
enter this model: only a marker that they are set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .model import AgentPackage, HostMount, ManagerSettings, PortMapping, SshProxy, TrustyDocker
from .profiles import DEFAULT_PROFILE, PROFILES, ManagerProfile
from .rules import (
    AGENT_TARBALL_DIR,
    APT_VERSION,
    BACKUP_COMPRESSIONS,
    CAPABILITY,
    CONTAINER_HOSTNAME,
    CONTAINER_PREFIX,
    DATA_VOLUME_KINDS,
    DEFAULT_DOCKER_APT_REPO,
    DEFAULT_DOCKER_CLI_URL,
    DOCKER_APT_KEY_FINGERPRINT,
    FINGERPRINT,
    HOST_KEY,
    LOG_DRIVER,
    LOG_DRIVER_OF_THE_DAEMON,
    LOG_SIZE,
    SAFE_NAME,
    SHA256,
    TRUSTY_DOCKER_AUTO,
    ConfigError,
    Problems,
    check_http_url,
    check_image_reference,
    check_plain_path,
    host_address,
    normalize_capability,
    path_slug,
)


def _decode(raw: Mapping[str, str | None], key: str, problems: Problems) -> Any:
    """A structured value: YAML lists and maps reach the program as JSON text."""
    value = raw.get(key)
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        problems.add(key, "must be a YAML list or map in the stack file, not a plain string")
        return None


def _integer(raw: Mapping[str, str | None], key: str, default: int, low: int, high: int,
             problems: Problems) -> int:
    value = raw.get(key)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        problems.add(key, f"must be a whole number, got {value!r}")
        return default
    if not low <= number <= high:
        problems.add(key, f"must be between {low} and {high}, got {number}")
    return number


def _boolean(raw: Mapping[str, str | None], key: str, default: bool, problems: Problems) -> bool:
    value = raw.get(key)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    problems.add(key, f"must be true or false, got {value!r}")
    return default


def _string_list(raw: Mapping[str, str | None], key: str, problems: Problems) -> list[str] | None:
    value = _decode(raw, key, problems)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(key, "must be a list of strings")
        return None
    return value


def _ports(raw: Mapping[str, str | None], profile: ManagerProfile, problems: Problems
           ) -> tuple[PortMapping, ...]:
    """Published ports, sorted by container port, one binding per container port.

    That is the form the provider reads back (kreuzwerker v4.5.0
    `flattenContainerPorts` sorts by container port, one entry per binding), so
    a preview after `up` shows no change.
    """
    value = _decode(raw, "ports", problems)
    if value is None:
        return tuple(PortMapping(p, p) for p in sorted(profile.ports))
    if not isinstance(value, list) or not value:
        problems.add("ports", "must be a non-empty list of ports (80) or mappings ('8080:80')")
        return ()
    mappings: list[PortMapping] = []
    for entry in value:
        text = str(entry)
        pieces = text.split(":")
        if isinstance(entry, bool) or len(pieces) > 2 or not all(p.isdigit() for p in pieces):
            problems.add("ports", f"{entry!r} must be a port number or 'hostPort:containerPort'")
            continue
        numbers = [int(p) for p in pieces]
        if not all(1 <= n <= 65535 for n in numbers):
            problems.add("ports", f"{entry!r} is out of range: ports are 1-65535")
            continue
        mappings.append(PortMapping(numbers[0], numbers[-1]))
    host_ports = [m.host for m in mappings]
    for port in sorted({p for p in host_ports if host_ports.count(p) > 1}):
        problems.add("ports", f"host port {port} is published more than once")
    container_ports = [m.container for m in set(mappings)]
    for port in sorted({p for p in container_ports if container_ports.count(p) > 1}):
        problems.add("ports", f"container port {port} is published more than once: publish each container port "
                              "once (the Docker provider would replace the container on every update)")
    return tuple(sorted(mappings, key=lambda m: m.container))


def _volume_paths(raw: Mapping[str, str | None], profile: ManagerProfile, problems: Problems) -> tuple[str, ...]:
    paths = _string_list(raw, "volumePaths", problems)
    if paths is None:
        return profile.volume_paths
    if not paths:
        problems.add("volumePaths", "must list at least one path: they are what the data container keeps")
    for path in paths:
        check_plain_path("volumePaths", path, "container path (such as /var/log/cloudify)", problems)
    for path in sorted({p for p in paths if paths.count(p) > 1}):
        problems.add("volumePaths", f"{path!r} is listed more than once")
    slugs = [path_slug(p) for p in set(paths)]
    for slug in sorted({s for s in slugs if slugs.count(s) > 1 or not s}):
        problems.add("volumePaths", f"paths that differ only in punctuation or case would share the volume "
                                    f"name '<namePrefix>-{slug}'; rename one")
    return tuple(paths)


def _capabilities(raw: Mapping[str, str | None], problems: Problems) -> tuple[str, ...]:
    """`capAdd` in the form the engine stores: normalised, without duplicates, sorted."""
    names = _string_list(raw, "capAdd", problems) or []
    normalized: set[str] = set()
    for name in names:
        capability = normalize_capability(name)
        if capability != "ALL" and not CAPABILITY.match(capability):
            problems.add("capAdd", f"{name!r} must be a capability name such as SYS_ADMIN or CAP_NET_ADMIN")
            continue
        normalized.add(capability)
    return tuple(sorted(normalized))


def _agent(name: Any, url: Any, problems: Problems) -> AgentPackage | None:
    key = f"cloudifyPackages.agents.{name}"
    if not isinstance(name, str) or not SAFE_NAME.match(name):
        problems.add("cloudifyPackages.agents", f"agent name {name!r} may use only letters, digits, '.', '_' and '-'")
        return None
    if not isinstance(url, str) or not check_http_url(key, url, problems):
        if not isinstance(url, str):
            problems.add(key, "must be the URL of a .deb or .tar.gz package")
        return None
    path = urlsplit(url).path
    if path.endswith(".deb"):
        return AgentPackage(name, url, "deb", None)
    if path.endswith((".tar.gz", ".tgz")):
        filename = path.rsplit("/", 1)[-1]
        if not SAFE_NAME.match(filename):
            problems.add(key, f"tarball file name {filename!r} may use only letters, digits, '.', '_' and '-'")
            return None
        return AgentPackage(name, url, "tar.gz", f"{AGENT_TARBALL_DIR}/{filename}")
    problems.add(key, f"{url!r} must end in .deb or .tar.gz")
    return None


def _cloudify_packages(raw: Mapping[str, str | None], problems: Problems
                       ) -> tuple[tuple[AgentPackage, ...], str | None]:
    """Cloudify's `cloudify_packages`: `agents` (name -> URL) and `docker.docker_url`."""
    value = _decode(raw, "cloudifyPackages", problems)
    if value is None:
        return (), None
    if not isinstance(value, dict):
        problems.add("cloudifyPackages", "must be a map with 'agents' and/or 'docker'")
        return (), None
    for unknown in sorted(set(value) - {"agents", "docker"}):
        problems.add("cloudifyPackages", f"unknown entry {unknown!r} (expected 'agents' or 'docker')")
    agents_value = value.get("agents") or {}
    agents: list[AgentPackage] = []
    if not isinstance(agents_value, dict):
        problems.add("cloudifyPackages.agents", "must map agent names to package URLs")
    else:
        for name, url in agents_value.items():
            agent = _agent(name, url, problems)
            if agent is not None:
                agents.append(agent)
    docker_value = value.get("docker") or {}
    docker_url = None
    if not isinstance(docker_value, dict) or set(docker_value) - {"docker_url"}:
        problems.add("cloudifyPackages.docker", "must be a map with the single key 'docker_url'")
    elif docker_value.get("docker_url") is not None:
        docker_url = str(docker_value["docker_url"])
        if not check_http_url("cloudifyPackages.docker.docker_url", docker_url, problems):
            docker_url = None
    return tuple(agents), docker_url


def _host_mounts(raw: Mapping[str, str | None], problems: Problems) -> tuple[HostMount, ...]:
    mounts: list[HostMount] = []
    for entry in _string_list(raw, "hostMounts", problems) or []:
        pieces = entry.split(":")
        mode = pieces[2] if len(pieces) == 3 else "rw"
        if len(pieces) not in (2, 3) or mode not in ("ro", "rw") or not all(
                p.startswith("/") for p in pieces[:2]):
            problems.add("hostMounts", f"{entry!r} must be '/host/path:/container/path[:ro|:rw]'")
            continue
        mounts.append(HostMount(pieces[0], pieces[1], mode == "ro"))
    return tuple(mounts)


def _tmpfs(raw: Mapping[str, str | None], problems: Problems) -> dict[str, str]:
    value = _decode(raw, "tmpfs", problems)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and k.startswith("/") and isinstance(v, str) for k, v in value.items()):
        problems.add("tmpfs", "must map absolute container paths to mount options ('' for the defaults)")
        return {}
    return dict(value)


def _docker_host(raw: Mapping[str, str | None], problems: Problems) -> str | None:
    docker_host = raw.get("dockerHost")
    if docker_host is None:
        return None
    scheme = docker_host.split("://", 1)[0]
    if scheme not in ("tcp", "unix", "ssh") or "://" not in docker_host:
        problems.add("dockerHost", f"{docker_host!r} must be a tcp://, ssh:// or unix:// Docker address")
    if scheme == "tcp" and not all(raw.get(k) for k in ("dockerTlsCaCert", "dockerTlsCert", "dockerTlsKey")):
        problems.add("dockerHost", "a tcp:// Docker address needs dockerTlsCaCert, dockerTlsCert and "
                                   "dockerTlsKey (set the key with `pulumi config set --secret dockerTlsKey`)")
    return docker_host


def _profile(raw: Mapping[str, str | None], problems: Problems) -> ManagerProfile:
    name = raw.get("managerProfile") or DEFAULT_PROFILE
    if name not in PROFILES:
        problems.add("managerProfile", f"{name!r} is not a profile; choose one of {', '.join(sorted(PROFILES))}")
        return PROFILES[DEFAULT_PROFILE]
    return PROFILES[name]


def _manager_identity(raw: Mapping[str, str | None], profile: ManagerProfile, name_prefix: str,
                      problems: Problems) -> tuple[str | None, str | None]:
    """The container hostname and the host folder of the generated config.yaml."""
    hostname = raw.get("hostname") or (name_prefix.lower().replace("_", "-").replace(".", "-")
                                        if profile.fixed_hostname else None)
    if hostname is not None and not CONTAINER_HOSTNAME.match(hostname):
        problems.add("hostname", f"{hostname!r} must be a lower-case RFC 1123 host name such as cloudify-manager")
    config_dir = raw.get("configDir")
    if config_dir is not None:
        check_plain_path("configDir", config_dir, "host path", problems)
    return hostname, config_dir


def _data_protection(raw: Mapping[str, str | None], problems: Problems) -> tuple[str, str | None, int]:
    """How the data is kept (`dataVolumes`) and backed up (`backupDir`, `backupsToKeep`)."""
    kind = raw.get("dataVolumes") or "named"
    if kind not in DATA_VOLUME_KINDS:
        problems.add("dataVolumes", f"{kind!r} must be 'named' (one Docker volume per path, kept even if the data "
                                    "container goes) or 'anonymous' (stacks created before named volumes)")
    backup_dir = raw.get("backupDir")
    if backup_dir is not None:
        check_plain_path("backupDir", backup_dir, "host path", problems)
    return kind, backup_dir, _integer(raw, "backupsToKeep", 3, 1, 100, problems)


def _backup_compression(raw: Mapping[str, str | None], problems: Problems) -> str:
    compression = raw.get("backupCompression") or "auto"
    if compression not in BACKUP_COMPRESSIONS:
        problems.add("backupCompression", f"{compression!r} must be one of {', '.join(BACKUP_COMPRESSIONS)}")
    return compression


PROXY_DETAIL_KEYS = ("sshProxyUser", "sshProxyPort", "sshProxyHostKey", "sshProxyPrivateKey")


def _ssh_proxy(raw: Mapping[str, str | None], host: str | None, ssh_user: str, problems: Problems
               ) -> SshProxy | None:
    """The bastion every SSH connection goes through (`sshProxy*`), or None."""
    proxy_host = raw.get("sshProxyHost") or None
    if proxy_host is None:
        for key in PROXY_DETAIL_KEYS:
            if raw.get(key):
                problems.add(key, "is set but sshProxyHost is not: set the bastion's address "
                                  f"(`pulumi config set sshProxyHost bastion.example.com`) or remove {key}")
        return None
    if host is None:
        problems.add("sshProxyHost", "a bastion needs a remote host: set host to the manager host's address as the "
                                     "bastion reaches it")
    address = host_address("sshProxyHost", proxy_host, problems)
    user = raw.get("sshProxyUser") or ssh_user
    if not SAFE_NAME.match(user):
        problems.add("sshProxyUser", f"{user!r} is not a valid user name")
    host_key = _host_key(raw, "sshProxyHostKey", "BASTION", problems)
    return SshProxy(address, user, _integer(raw, "sshProxyPort", 22, 1, 65535, problems), host_key)


def _host_key(raw: Mapping[str, str | None], key: str, host: str, problems: Problems) -> str | None:
    """A pinned public host key: one line, type and base64 (it goes into a known_hosts file as it is)."""
    value = raw.get(key) or None
    if value is not None and not HOST_KEY.match(value):
        problems.add(key, "must be one public host key, type and base64 on one line, as "
                          f"`ssh-keyscan -t ed25519 {host} | cut -d' ' -f2-` prints it (ssh-ed25519 AAAA...)")
    return value


def _container_logs(raw: Mapping[str, str | None], problems: Problems) -> tuple[str, str, int]:
    """`logDriver` (or `daemon`), and the rotation of json-file and local logs: `logMaxSize`, `logMaxFile`."""
    driver = raw.get("logDriver") or "json-file"
    if not LOG_DRIVER.match(driver):
        problems.add("logDriver", f"{driver!r} must be a Docker log driver name such as json-file or local, or "
                                  f"'{LOG_DRIVER_OF_THE_DAEMON}' to keep the daemon's default")
    size = raw.get("logMaxSize") or "50m"
    if not LOG_SIZE.match(size):
        problems.add("logMaxSize", f"{size!r} must be a size such as 50m (k, m or g)")
    return driver, size, _integer(raw, "logMaxFile", 5, 1, 100, problems)


def _trusty_docker(raw: Mapping[str, str | None], problems: Problems) -> TrustyDocker:
    apt_repo = (raw.get("dockerAptRepo") or DEFAULT_DOCKER_APT_REPO).rstrip("/")
    check_http_url("dockerAptRepo", apt_repo, problems)
    fingerprint = (raw.get("dockerAptKeyFingerprint") or DOCKER_APT_KEY_FINGERPRINT).replace(" ", "").upper()
    if not FINGERPRINT.match(fingerprint):
        problems.add("dockerAptKeyFingerprint", f"{fingerprint!r} must be a 40-digit hexadecimal key fingerprint")
    version = raw.get("dockerTrustyVersion") or TRUSTY_DOCKER_AUTO
    if version != TRUSTY_DOCKER_AUTO and not APT_VERSION.match(version):
        problems.add("dockerTrustyVersion", f"{version!r} must be 'auto' or an apt version such as "
                                            "18.06.1~ce~3-0~ubuntu")
    cli_url = raw.get("dockerCliUrl") or DEFAULT_DOCKER_CLI_URL
    check_http_url("dockerCliUrl", cli_url, problems)
    cli_sha256 = raw.get("dockerCliSha256")
    if cli_sha256 is not None:
        cli_sha256 = cli_sha256.strip().lower()
        if not SHA256.match(cli_sha256):
            problems.add("dockerCliSha256", "must be the 64-digit hexadecimal SHA-256 of the dockerCliUrl tarball")
    return TrustyDocker(apt_repo, fingerprint, version, cli_url, cli_sha256)


def parse_settings(raw: Mapping[str, str | None], *, has_private_key: bool,
                   has_ssh_agent: bool) -> ManagerSettings:
    """Validate the whole configuration, raising one `ConfigError` listing every problem.

    `raw` maps setting names to the strings Pulumi provides (None when unset).
    Secret keys other than the SSH key appear only as a marker that they are
    set; the key and agent flags say whether an SSH credential exists. This
    model never holds a secret itself.
    """
    problems = Problems()
    host = raw.get("host") or None
    if host is not None:
        host = host_address("host", host, problems)
    ssh_host_key = _host_key(raw, "sshHostKey", "HOST", problems)
    if host is not None and not has_private_key and not has_ssh_agent:
        problems.add("sshPrivateKey", "host is set but no SSH credential is configured: run "
                                      "`pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519` "
                                      "or start an ssh-agent (SSH_AUTH_SOCK)")
    ssh_user = raw.get("sshUser") or "ubuntu"
    if not SAFE_NAME.match(ssh_user):
        problems.add("sshUser", f"{ssh_user!r} is not a valid user name")

    app_image = raw.get("appImage")
    data_image = raw.get("dataImage")
    if app_image is None:
        problems.add("appImage", "is required: the Cloudify application image, pinned by tag or digest")
    else:
        check_image_reference("appImage", app_image, problems)
    if data_image is None:
        problems.add("dataImage", "is required: pin the image the data-only container is created from; "
                                  "it never follows appImage, or an upgrade would replace the data container")
    else:
        check_image_reference("dataImage", data_image, problems)

    profile = _profile(raw, problems)
    ssh_proxy = _ssh_proxy(raw, host, ssh_user, problems)
    agents, docker_image_url = _cloudify_packages(raw, problems)

    management_ip = raw.get("managementIp") or host or "127.0.0.1"
    if raw.get("managementIp"):
        management_ip = host_address("managementIp", management_ip, problems)
    name_prefix = raw.get("namePrefix") or "cloudify"
    if not CONTAINER_PREFIX.match(name_prefix):
        problems.add("namePrefix", f"{name_prefix!r} may use only letters, digits, '.', '_' and '-'")
    hostname, config_dir = _manager_identity(raw, profile, name_prefix, problems)
    readiness_path = raw.get("readinessPath") or profile.readiness_path
    if not readiness_path.startswith("/") or any(ch.isspace() for ch in readiness_path):
        problems.add("readinessPath", f"{readiness_path!r} must be a URL path starting with /")
    cgroupns_mode = raw.get("cgroupnsMode")
    if cgroupns_mode not in (None, "host", "private"):
        problems.add("cgroupnsMode", f"{cgroupns_mode!r} must be 'host' or 'private'")
    data_volumes, backup_dir, backups_to_keep = _data_protection(raw, problems)
    log_driver, log_max_size, log_max_file = _container_logs(raw, problems)

    settings = ManagerSettings(
        app_image=app_image or "",
        data_image=data_image or "",
        profile=profile,
        host=host,
        ssh_user=ssh_user,
        ssh_port=_integer(raw, "sshPort", 22, 1, 65535, problems),
        ssh_host_key=ssh_host_key,
        ssh_proxy=ssh_proxy,
        volume_paths=_volume_paths(raw, profile, problems),
        ports=_ports(raw, profile, problems),
        agents=agents,
        docker_image_url=docker_image_url,
        management_ip=management_ip,
        hostname=hostname,
        config_dir=config_dir,
        privileged=_boolean(raw, "privileged", False, problems),
        use_sudo=_boolean(raw, "useSudo", host is not None and ssh_user != "root", problems),
        trusty_docker=_trusty_docker(raw, problems),
        docker_host=_docker_host(raw, problems),
        name_prefix=name_prefix,
        readiness_path=readiness_path,
        readiness_port=_integer(raw, "readinessPort", 80, 1, 65535, problems),
        readiness_timeout=_integer(raw, "readinessTimeout", profile.readiness_timeout, 1, 3600, problems),
        tmpfs=_tmpfs(raw, problems),
        cap_add=_capabilities(raw, problems),
        security_opts=tuple(_string_list(raw, "securityOpts", problems) or []),
        host_mounts=_host_mounts(raw, problems),
        cgroupns_mode=cgroupns_mode,
        app_command=tuple(_string_list(raw, "appCommand", problems) or []),
        data_volumes=data_volumes,
        backup_dir=backup_dir,
        backups_to_keep=backups_to_keep,
        backup_compression=_backup_compression(raw, problems),
        log_driver=log_driver,
        log_max_size=log_max_size,
        log_max_file=log_max_file,
        healthcheck=_boolean(raw, "healthcheck", True, problems),
        healthcheck_interval=_integer(raw, "healthcheckInterval", 30, 1, 3600, problems),
        healthcheck_start_period=_integer(raw, "healthcheckStartPeriod", profile.readiness_timeout, 0, 7200,
                                          problems),
    )
    if problems.items:
        raise ConfigError(problems.items)
    return settings


def as_config_string(value: Any) -> str:
    """A YAML value as Pulumi hands it to a program: scalars as text, structures as JSON.

    Whole-number floats are written as integers: other Pulumi languages send every number as a float (`22.0`),
    and `22.0` must never reach a port check or an address.
    """
    value = whole_numbers(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def whole_numbers(value: Any) -> Any:
    """`22.0` -> `22`, in lists and maps too; other values unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [whole_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: whole_numbers(item) for key, item in value.items()}
    return value

"""The stack configuration model: parse and validate every setting up front.

Pulumi hands a program its configuration as strings (structured YAML values
arrive JSON-encoded). `parse_settings` turns that raw mapping into a frozen
`ManagerSettings`, collecting *every* problem before anything is registered, so
that a bad stack fails `pulumi preview` with one message per mistake instead of
half-creating a manager. Secrets (the SSH key, TLS material) never enter this
model: they stay Pulumi secret Outputs and are handled by the component.
"""

from __future__ import annotations

import ipaddress
import json
import os
import pwd
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pulumi

from .profiles import DEFAULT_PROFILE, PROFILES, ManagerProfile

AGENT_TARBALL_DIR = "/opt/manager/resources/packages/agents"

# Docker for Ubuntu 14.04 (the only distribution we install on): Docker's apt
# repository, the key it is signed with, and a static CLI new enough for the
# provider's `docker system dial-stdio` (18.09+; trusty's last docker-ce is
# 18.06). The CLI's checksum has no default: it could not be verified from
# the machine this was written on, and an unverified pin is worse than none.
DEFAULT_DOCKER_APT_REPO = "https://download.docker.com"
DOCKER_APT_KEY_FINGERPRINT = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"
DEFAULT_DOCKER_CLI_URL = "https://download.docker.com/linux/static/stable/x86_64/docker-20.10.24.tgz"
TRUSTY_DOCKER_AUTO = "auto"

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
DATA_VOLUME_KINDS = ("named", "anonymous")
BACKUP_COMPRESSIONS = ("auto", "zstd", "gzip", "none")
SINGLE_MANAGER_NAME = "cloudify"  # a stack without `managers`: the name (and URNs) of earlier releases
_MANAGER_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")

# Keys an earlier release read: naming them beats "unknown setting".
RETIRED_KEYS: dict[str, str] = {
    "dockerInstallUrl": "no longer used: get.docker.com cannot install on Ubuntu 14.04 any more; Docker is "
                        "installed from Docker's apt repository (dockerAptRepo, dockerTrustyVersion)",
}

# The manager's own secret must be long enough to derive its REST keys from.
MIN_MANAGER_SECRET_LENGTH = 32

# The Docker reference grammar (distribution/reference), anchored. It admits no
# shell metacharacter, so a valid reference is also inert in a shell.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
IMAGE_REFERENCE = re.compile(
    rf"^(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?$"
)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CONTAINER_PREFIX = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,50}$")
# A registry address: host[:port] (brackets for an IPv6 host).
_REGISTRY = re.compile(r"^(?:[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")
# A DNS name (labels of letters, digits, '_' and '-', not starting or ending with '-').
_DNS_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_DNS_NAME = re.compile(rf"^(?=.{{1,253}}$){_DNS_LABEL}(?:\.{_DNS_LABEL})*\.?$")
# An OpenSSH public host key as ssh-keyscan prints it after the host: type and base64 key, one line.
_HOST_KEY = re.compile(r"^(?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|"
                       r"sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}$")
_CAPABILITY = re.compile(r"^CAP_[A-Z][A-Z0-9_]*$")  # after normalize_capability
# RFC 1123 host name: what Cloudify stores as the manager's name.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_CONTAINER_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_HOST_DIRECTORY = re.compile(r"^(/[A-Za-z0-9._-]+)+$")
_LOG_DRIVER = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_LOG_SIZE = re.compile(r"^[1-9][0-9]{0,8}[kmg]$")
LOG_DRIVER_OF_THE_DAEMON = "daemon"  # `logDriver: daemon`: declare no log driver, keep the daemon's default
ROTATING_LOG_DRIVERS = ("json-file", "local")  # the drivers that take max-size and max-file
_APT_VERSION = re.compile(r"^[0-9][A-Za-z0-9.+~:-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_FINGERPRINT = re.compile(r"^[0-9A-F]{40}$")


class ConfigError(pulumi.RunError):
    """Invalid stack configuration. Pulumi prints a RunError without a stack trace."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid stack configuration ({len(problems)} problem(s)):\n{lines}")


@dataclass(frozen=True)
class PortMapping:
    """A published port: `host` on the Docker host maps to `container`."""

    host: int
    container: int


@dataclass(frozen=True)
class HostMount:
    """A bind mount from the Docker host into the application container."""

    source: str
    target: str
    read_only: bool


@dataclass(frozen=True)
class AgentPackage:
    """One entry of `cloudifyPackages.agents`: a `.deb` or a `.tar.gz` agent package.

    `target` is where a tarball is placed inside the application container (the
    manager's file server hands it to agents from there); `None` for a `.deb`.
    """

    name: str
    url: str
    kind: str  # "deb" or "tar.gz"
    target: str | None


def login_home() -> Path:
    """This user's home directory from the passwd entry.

    `ssh` expands `~` in its options from the passwd entry, not from `$HOME`
    (OpenSSH `tilde_expand_filename`), so whatever this program writes for the
    Docker provider's ssh, or for a local manager, goes where ssh looks.
    """
    return Path(pwd.getpwuid(os.getuid()).pw_dir)


@dataclass(frozen=True)
class SshProxy:
    """A bastion (jump host) every SSH connection to the Docker host goes through: one hop."""

    host: str
    user: str
    port: int = 22
    host_key: str | None = None
    """Pinned public host key of the bastion; unset, it is trusted on first use."""


@dataclass(frozen=True)
class TrustyDocker:
    """How Docker is installed on Ubuntu 14.04, the only distribution we install on."""

    apt_repo: str = DEFAULT_DOCKER_APT_REPO
    """Base URL of Docker's repository (or a mirror of it): `<apt_repo>/linux/ubuntu trusty stable`."""
    apt_key_fingerprint: str = DOCKER_APT_KEY_FINGERPRINT
    """The repository key must have exactly this fingerprint, or nothing is installed."""
    version: str = TRUSTY_DOCKER_AUTO
    """`auto`: 18.06.1 on a 3.x kernel, 18.06.3 on 4.x+ (its runc fix needs 4.x); else an apt version."""
    cli_url: str = DEFAULT_DOCKER_CLI_URL
    """Static Docker CLI (18.09+) for the provider's `docker system dial-stdio`."""
    cli_sha256: str | None = None
    """Checksum of `cli_url`; required before anything is installed when ssh:// needs the CLI."""


@dataclass(frozen=True)
class ManagerSettings:
    """Validated, plain (non-secret) settings of one Cloudify Manager stack.

    Profile-provided values (paths, ports, readiness) are already resolved
    here: explicit settings win over the profile's.
    """

    app_image: str
    data_image: str
    profile: ManagerProfile = PROFILES[DEFAULT_PROFILE]
    host: str | None = None
    ssh_user: str = "ubuntu"
    ssh_port: int = 22
    ssh_host_key: str | None = None
    ssh_proxy: SshProxy | None = None
    volume_paths: tuple[str, ...] = PROFILES[DEFAULT_PROFILE].volume_paths
    ports: tuple[PortMapping, ...] = tuple(PortMapping(p, p) for p in PROFILES[DEFAULT_PROFILE].ports)
    agents: tuple[AgentPackage, ...] = ()
    docker_image_url: str | None = None
    management_ip: str = "127.0.0.1"
    hostname: str | None = None
    config_dir: str | None = None
    privileged: bool = False
    use_sudo: bool = False
    trusty_docker: TrustyDocker = TrustyDocker()
    docker_host: str | None = None
    name_prefix: str = "cloudify"
    readiness_path: str = PROFILES[DEFAULT_PROFILE].readiness_path
    readiness_port: int = 80
    readiness_timeout: int = PROFILES[DEFAULT_PROFILE].readiness_timeout
    tmpfs: Mapping[str, str] = field(default_factory=dict)
    cap_add: tuple[str, ...] = ()
    security_opts: tuple[str, ...] = ()
    host_mounts: tuple[HostMount, ...] = ()
    cgroupns_mode: str | None = None
    app_command: tuple[str, ...] = ()
    data_volumes: str = "named"
    backup_dir: str | None = None
    backups_to_keep: int = 3
    backup_compression: str = "auto"
    log_driver: str = "json-file"
    log_max_size: str = "50m"
    log_max_file: int = 5
    healthcheck: bool = True
    healthcheck_interval: int = 30
    healthcheck_start_period: int = PROFILES[DEFAULT_PROFILE].readiness_timeout

    @property
    def is_remote(self) -> bool:
        """True when the manager goes on a host reached over SSH."""
        return self.host is not None

    @property
    def data_container_name(self) -> str:
        return f"{self.name_prefix}-data"

    @property
    def app_container_name(self) -> str:
        return f"{self.name_prefix}-manager"

    @property
    def manager_url(self) -> str:
        address = url_host(self.host or self.management_ip)
        port = "" if self.readiness_port == 80 else f":{self.readiness_port}"
        return f"http://{address}{port}"

    def volume_name(self, path: str) -> str:
        """The named Docker volume that holds `path`: `<namePrefix>-<slug of the path>`."""
        return f"{self.name_prefix}-{path_slug(path)}"

    @property
    def backup_folder(self) -> str:
        """Host folder of the backup archives: `backupDir`, or a default per host kind."""
        if self.backup_dir is not None:
            return self.backup_dir
        if self.is_remote:
            return "/var/lib/cloudify-backups"
        return str(login_home() / ".cloudify-pulumi" / "backups")

    @property
    def manager_config_dir(self) -> str:
        """Host folder of the generated config.yaml: `configDir`, or a default per host kind.

        A remote host keeps it under /etc (written as root); this machine keeps
        it in the user's home, which a local, non-root run can write.
        """
        if self.config_dir is not None:
            return self.config_dir
        if self.is_remote:
            return f"/etc/cloudify-pulumi/{self.name_prefix}"
        return str(login_home() / ".cloudify-pulumi" / self.name_prefix)


def host_address(key: str, value: str, problems: _Problems) -> str:
    """A DNS name, an IPv4 address or an IPv6 address (brackets accepted and dropped): the forms an SSH
    connection, a known_hosts line and an ssh:// or http:// URL can be built from."""
    bare = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    if bare is value and _DNS_NAME.match(value):
        return value
    problems.add(key, f"{value!r} must be a host name, an IPv4 address or an IPv6 address")
    return value


def url_host(host: str) -> str:
    """`host` as the host part of a URL: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def _check_plain_path(key: str, path: str, what: str, problems: _Problems) -> None:
    """An absolute path of plain words (letters, digits, '.', '_', '-'), without '..': safe as a shell word,
    a Docker mount point and a volume-name slug."""
    if not _HOST_DIRECTORY.match(path) or "/../" in f"{path}/":
        problems.add(key, f"{path!r} must be an absolute {what} of letters, digits, '.', '_', '-' and '/' "
                          "without '..'")


def path_slug(path: str) -> str:
    """`/etc/cloudify` -> `etc-cloudify`: a volume-name-safe spelling of a container path."""
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


class _Problems:
    """Collects one message per problem, so the user sees them all at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(f"{key}: {message}")


def _decode(raw: Mapping[str, str | None], key: str, problems: _Problems) -> Any:
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
             problems: _Problems) -> int:
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


def _boolean(raw: Mapping[str, str | None], key: str, default: bool, problems: _Problems) -> bool:
    value = raw.get(key)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    problems.add(key, f"must be true or false, got {value!r}")
    return default


def _string_list(raw: Mapping[str, str | None], key: str, problems: _Problems) -> list[str] | None:
    value = _decode(raw, key, problems)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(key, "must be a list of strings")
        return None
    return value


def check_image_reference(key: str, reference: str, problems: _Problems) -> None:
    """A pinned, well-formed image reference: an upgrade is a change of this string."""
    match = IMAGE_REFERENCE.match(reference)
    if match is None:
        problems.add(key, f"{reference!r} is not a valid Docker image reference "
                          "(expected [registry/]name:tag or name@sha256:digest)")
        return
    if match.group("digest") is None and match.group("tag") in (None, "latest"):
        problems.add(key, f"{reference!r} must pin a tag or digest other than 'latest': "
                          "upgrades and rollbacks are driven by changing this value")


def check_http_url(key: str, url: str, problems: _Problems) -> bool:
    """Only http(s) URLs with a host and no whitespace or control characters."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.add(key, f"{url!r} must be an http:// or https:// URL")
        return False
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        problems.add(key, f"{url!r} must not contain whitespace or control characters")
        return False
    return True


def _ports(raw: Mapping[str, str | None], profile: ManagerProfile, problems: _Problems
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


def _volume_paths(raw: Mapping[str, str | None], profile: ManagerProfile, problems: _Problems) -> tuple[str, ...]:
    paths = _string_list(raw, "volumePaths", problems)
    if paths is None:
        return profile.volume_paths
    if not paths:
        problems.add("volumePaths", "must list at least one path: they are what the data container keeps")
    for path in paths:
        _check_plain_path("volumePaths", path, "container path (such as /var/log/cloudify)", problems)
    for path in sorted({p for p in paths if paths.count(p) > 1}):
        problems.add("volumePaths", f"{path!r} is listed more than once")
    slugs = [path_slug(p) for p in set(paths)]
    for slug in sorted({s for s in slugs if slugs.count(s) > 1 or not s}):
        problems.add("volumePaths", f"paths that differ only in punctuation or case would share the volume "
                                    f"name '<namePrefix>-{slug}'; rename one")
    return tuple(paths)


def normalize_capability(name: str) -> str:
    """`sys_admin`, `SYS_ADMIN` and `CAP_SYS_ADMIN` all become `CAP_SYS_ADMIN`; `ALL` stays.

    The Docker client rewrites capabilities this way before it creates a
    container (moby v28.5.2 client/container_create.go `normalizeCap`), and the
    provider reads back what the engine stored (kreuzwerker v4.5.0
    resource_docker_container_funcs.go, `HostConfig.CapAdd`). Declaring any
    other form would replace the container on every `up`.
    """
    upper = name.strip().upper()
    if upper == "ALL" or upper.startswith("CAP_"):
        return upper
    return f"CAP_{upper}"


def _capabilities(raw: Mapping[str, str | None], problems: _Problems) -> tuple[str, ...]:
    """`capAdd` in the form the engine stores: normalised, without duplicates, sorted."""
    names = _string_list(raw, "capAdd", problems) or []
    normalized: set[str] = set()
    for name in names:
        capability = normalize_capability(name)
        if capability != "ALL" and not _CAPABILITY.match(capability):
            problems.add("capAdd", f"{name!r} must be a capability name such as SYS_ADMIN or CAP_NET_ADMIN")
            continue
        normalized.add(capability)
    return tuple(sorted(normalized))


def _agent(name: Any, url: Any, problems: _Problems) -> AgentPackage | None:
    key = f"cloudifyPackages.agents.{name}"
    if not isinstance(name, str) or not _SAFE_NAME.match(name):
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
        if not _SAFE_NAME.match(filename):
            problems.add(key, f"tarball file name {filename!r} may use only letters, digits, '.', '_' and '-'")
            return None
        return AgentPackage(name, url, "tar.gz", f"{AGENT_TARBALL_DIR}/{filename}")
    problems.add(key, f"{url!r} must end in .deb or .tar.gz")
    return None


def _cloudify_packages(raw: Mapping[str, str | None], problems: _Problems
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


def _host_mounts(raw: Mapping[str, str | None], problems: _Problems) -> tuple[HostMount, ...]:
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


def _tmpfs(raw: Mapping[str, str | None], problems: _Problems) -> dict[str, str]:
    value = _decode(raw, "tmpfs", problems)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and k.startswith("/") and isinstance(v, str) for k, v in value.items()):
        problems.add("tmpfs", "must map absolute container paths to mount options ('' for the defaults)")
        return {}
    return dict(value)


def _docker_host(raw: Mapping[str, str | None], problems: _Problems) -> str | None:
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


def unknown_keys(keys: list[str]) -> list[str]:
    """Problems for config keys this program does not read (usually typos, or retired keys)."""
    problems = []
    for key in sorted(set(keys) - set(SETTING_KEYS)):
        if key in RETIRED_KEYS:
            problems.append(f"{key}: {RETIRED_KEYS[key]}; remove it with `pulumi config rm {key}`")
        else:
            problems.append(f"{key}: unknown setting (known: {', '.join(SETTING_KEYS)})")
    return problems


def secret_problems(values: Mapping[str, str | None], stored_in_plain_text: Collection[str]) -> list[str]:
    """Problems with the secret settings, judged on their values, which are not kept.

    `stored_in_plain_text` names secret keys that were set without `--secret`:
    they sit readable in Pulumi.<stack>.yaml and in the state.
    """
    problems = [f"{key}: is stored in plain text in the stack file; set it again with "
                f"`pulumi config set --secret {key}`" for key in sorted(stored_in_plain_text)]
    manager_secret = values.get("managerSecret")
    if manager_secret is not None and len(manager_secret) < MIN_MANAGER_SECRET_LENGTH:
        problems.append(f"managerSecret: must be at least {MIN_MANAGER_SECRET_LENGTH} characters; generate one with "
                        "`openssl rand -base64 48 | pulumi config set --secret managerSecret`")
    admin_password = values.get("adminPassword")
    if admin_password is not None and (not admin_password or any(ord(ch) < 32 for ch in admin_password)):
        problems.append("adminPassword: must be non-empty and contain no control characters")
    return problems


def _profile(raw: Mapping[str, str | None], problems: _Problems) -> ManagerProfile:
    name = raw.get("managerProfile") or DEFAULT_PROFILE
    if name not in PROFILES:
        problems.add("managerProfile", f"{name!r} is not a profile; choose one of {', '.join(sorted(PROFILES))}")
        return PROFILES[DEFAULT_PROFILE]
    return PROFILES[name]


def _manager_identity(raw: Mapping[str, str | None], profile: ManagerProfile, name_prefix: str,
                      problems: _Problems) -> tuple[str | None, str | None]:
    """The container hostname and the host folder of the generated config.yaml."""
    hostname = raw.get("hostname") or (name_prefix.lower().replace("_", "-").replace(".", "-")
                                        if profile.fixed_hostname else None)
    if hostname is not None and not _CONTAINER_HOSTNAME.match(hostname):
        problems.add("hostname", f"{hostname!r} must be a lower-case RFC 1123 host name such as cloudify-manager")
    config_dir = raw.get("configDir")
    if config_dir is not None:
        _check_plain_path("configDir", config_dir, "host path", problems)
    return hostname, config_dir


def _data_protection(raw: Mapping[str, str | None], problems: _Problems) -> tuple[str, str | None, int]:
    """How the data is kept (`dataVolumes`) and backed up (`backupDir`, `backupsToKeep`)."""
    kind = raw.get("dataVolumes") or "named"
    if kind not in DATA_VOLUME_KINDS:
        problems.add("dataVolumes", f"{kind!r} must be 'named' (one Docker volume per path, kept even if the data "
                                    "container goes) or 'anonymous' (stacks created before named volumes)")
    backup_dir = raw.get("backupDir")
    if backup_dir is not None:
        _check_plain_path("backupDir", backup_dir, "host path", problems)
    return kind, backup_dir, _integer(raw, "backupsToKeep", 3, 1, 100, problems)


def _backup_compression(raw: Mapping[str, str | None], problems: _Problems) -> str:
    compression = raw.get("backupCompression") or "auto"
    if compression not in BACKUP_COMPRESSIONS:
        problems.add("backupCompression", f"{compression!r} must be one of {', '.join(BACKUP_COMPRESSIONS)}")
    return compression


PROXY_DETAIL_KEYS = ("sshProxyUser", "sshProxyPort", "sshProxyHostKey", "sshProxyPrivateKey")


def _ssh_proxy(raw: Mapping[str, str | None], host: str | None, ssh_user: str, problems: _Problems
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
    if not _SAFE_NAME.match(user):
        problems.add("sshProxyUser", f"{user!r} is not a valid user name")
    host_key = _host_key(raw, "sshProxyHostKey", "BASTION", problems)
    return SshProxy(address, user, _integer(raw, "sshProxyPort", 22, 1, 65535, problems), host_key)


def _host_key(raw: Mapping[str, str | None], key: str, host: str, problems: _Problems) -> str | None:
    """A pinned public host key: one line, type and base64 (it goes into a known_hosts file as it is)."""
    value = raw.get(key) or None
    if value is not None and not _HOST_KEY.match(value):
        problems.add(key, "must be one public host key, type and base64 on one line, as "
                          f"`ssh-keyscan -t ed25519 {host} | cut -d' ' -f2-` prints it (ssh-ed25519 AAAA...)")
    return value


def _container_logs(raw: Mapping[str, str | None], problems: _Problems) -> tuple[str, str, int]:
    """`logDriver` (or `daemon`), and the rotation of json-file and local logs: `logMaxSize`, `logMaxFile`."""
    driver = raw.get("logDriver") or "json-file"
    if not _LOG_DRIVER.match(driver):
        problems.add("logDriver", f"{driver!r} must be a Docker log driver name such as json-file or local, or "
                                  f"'{LOG_DRIVER_OF_THE_DAEMON}' to keep the daemon's default")
    size = raw.get("logMaxSize") or "50m"
    if not _LOG_SIZE.match(size):
        problems.add("logMaxSize", f"{size!r} must be a size such as 50m (k, m or g)")
    return driver, size, _integer(raw, "logMaxFile", 5, 1, 100, problems)


def parse_registry_auth(value: str | None) -> tuple[dict[str, str] | None, list[str]]:
    """`registryAuth` as {server, username, password}, or the problems with it (never echoing the password)."""
    if value is None:
        return None, []
    try:
        auth = json.loads(value)
    except json.JSONDecodeError:
        auth = None
    if not isinstance(auth, dict) or set(auth) != {"server", "username", "password"} or not all(
            isinstance(v, str) and v for v in auth.values()):
        return None, ["registryAuth: must be a map with server, username and password: "
                      "`pulumi config set --path registryAuth.server registry.example.com`, likewise "
                      "registryAuth.username, and `pulumi config set --secret --path registryAuth.password`"]
    if not _REGISTRY.match(auth["server"]):
        return None, [f"registryAuth: server {auth['server']!r} must be a registry host such as registry.example.com"]
    return auth, []


def _trusty_docker(raw: Mapping[str, str | None], problems: _Problems) -> TrustyDocker:
    apt_repo = (raw.get("dockerAptRepo") or DEFAULT_DOCKER_APT_REPO).rstrip("/")
    check_http_url("dockerAptRepo", apt_repo, problems)
    fingerprint = (raw.get("dockerAptKeyFingerprint") or DOCKER_APT_KEY_FINGERPRINT).replace(" ", "").upper()
    if not _FINGERPRINT.match(fingerprint):
        problems.add("dockerAptKeyFingerprint", f"{fingerprint!r} must be a 40-digit hexadecimal key fingerprint")
    version = raw.get("dockerTrustyVersion") or TRUSTY_DOCKER_AUTO
    if version != TRUSTY_DOCKER_AUTO and not _APT_VERSION.match(version):
        problems.add("dockerTrustyVersion", f"{version!r} must be 'auto' or an apt version such as "
                                            "18.06.1~ce~3-0~ubuntu")
    cli_url = raw.get("dockerCliUrl") or DEFAULT_DOCKER_CLI_URL
    check_http_url("dockerCliUrl", cli_url, problems)
    cli_sha256 = raw.get("dockerCliSha256")
    if cli_sha256 is not None:
        cli_sha256 = cli_sha256.strip().lower()
        if not _SHA256.match(cli_sha256):
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
    problems = _Problems()
    host = raw.get("host") or None
    if host is not None:
        host = host_address("host", host, problems)
    ssh_host_key = _host_key(raw, "sshHostKey", "HOST", problems)
    if host is not None and not has_private_key and not has_ssh_agent:
        problems.add("sshPrivateKey", "host is set but no SSH credential is configured: run "
                                      "`pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519` "
                                      "or start an ssh-agent (SSH_AUTH_SOCK)")
    ssh_user = raw.get("sshUser") or "ubuntu"
    if not _SAFE_NAME.match(ssh_user):
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
    if not _CONTAINER_PREFIX.match(name_prefix):
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


# -- several managers from one stack ----------------------------------------------

def as_config_string(value: Any) -> str:
    """A YAML value as Pulumi hands it to a program: scalars as text, structures as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


class _DuplicateNames(ValueError):
    """A JSON object that names a key twice (json.loads would silently keep the last)."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise _DuplicateNames(", ".join(map(repr, duplicated)))
    return dict(pairs)


def _manager_entries(value: str, problems: _Problems) -> dict[str, dict[str, Any]]:
    """`managers` as name -> overrides, or problems naming what is wrong."""
    try:
        entries = json.loads(value, object_pairs_hook=_no_duplicates)
    except _DuplicateNames as error:
        problems.add("managers", f"{error} listed more than once: names must be unique")
        return {}
    except json.JSONDecodeError:
        problems.add("managers", "must be a map in the stack file: manager name -> its settings")
        return {}
    if not isinstance(entries, dict) or not entries:
        problems.add("managers", "must be a non-empty map: manager name -> its settings")
        return {}
    valid: dict[str, dict[str, Any]] = {}
    for name, overrides in entries.items():
        if not _MANAGER_NAME.match(name):
            problems.add("managers", f"{name!r} must be a lower-case name of letters, digits and '-' (it names "
                                     "the manager's resources)")
        elif not isinstance(overrides, dict):
            problems.add(f"managers.{name}", "must be a map of settings (an empty map {} inherits them all)")
        else:
            valid[name] = overrides
    return valid


def _entry_problems(name: str, overrides: Mapping[str, Any], problems: _Problems) -> None:
    for key in sorted(set(overrides) - set(OVERRIDABLE_KEYS)):
        if key in SECRET_KEYS:
            problems.add(f"managers.{name}.{key}", "secrets are set once, at the top level, for every manager")
        else:
            problems.add(f"managers.{name}.{key}", f"unknown setting: a manager can override "
                                                   f"{', '.join(OVERRIDABLE_KEYS)}")


def _fleet_conflicts(fleet: Mapping[str, ManagerSettings], problems: _Problems) -> None:
    """Two managers on one host must not share container names or host ports."""
    by_host: dict[str | None, list[tuple[str, ManagerSettings]]] = {}
    for name, settings in fleet.items():
        by_host.setdefault(settings.host, []).append((name, settings))
    for host, members in by_host.items():
        where = host or "this machine"
        for i, (first, a) in enumerate(members):
            for second, b in members[i + 1:]:
                if a.name_prefix == b.name_prefix:
                    problems.add("managers", f"{first} and {second} both use namePrefix {a.name_prefix!r} on "
                                             f"{where}: their containers and volumes would collide; give one its "
                                             "own namePrefix")
                shared = sorted({p.host for p in a.ports} & {p.host for p in b.ports})
                if shared:
                    problems.add("managers", f"{first} and {second} both publish host port(s) "
                                             f"{', '.join(map(str, shared))} on {where}; give one its own ports")


def parse_fleet(raw: Mapping[str, str | None], *, has_private_key: bool,
                has_ssh_agent: bool) -> dict[str, ManagerSettings]:
    """Every manager of the stack, by name: `managers` entries over the top-level settings, or one manager.

    A stack without `managers` has the single manager `cloudify`, exactly as
    before. Each entry inherits every top-level setting and overrides what it
    names. All problems of all entries are reported at once.
    """
    base = {key: value for key, value in raw.items() if key != "managers"}
    if raw.get("managers") is None:
        return {SINGLE_MANAGER_NAME: parse_settings(base, has_private_key=has_private_key,
                                                    has_ssh_agent=has_ssh_agent)}
    problems = _Problems()
    fleet: dict[str, ManagerSettings] = {}
    for name, overrides in _manager_entries(raw["managers"], problems).items():
        _entry_problems(name, overrides, problems)
        merged = {**base, **{k: as_config_string(v) for k, v in overrides.items() if k in OVERRIDABLE_KEYS}}
        try:
            fleet[name] = parse_settings(merged, has_private_key=has_private_key, has_ssh_agent=has_ssh_agent)
        except ConfigError as error:
            problems.items.extend(f"managers.{name}.{problem}" for problem in error.problems)
    _fleet_conflicts(fleet, problems)
    if problems.items:
        raise ConfigError(problems.items)
    return fleet

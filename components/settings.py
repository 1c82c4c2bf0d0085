"""The stack configuration model: parse and validate every setting up front.

Pulumi hands a program its configuration as strings (structured YAML values
arrive JSON-encoded). `parse_settings` turns that raw mapping into a frozen
`ManagerSettings`, collecting *every* problem before anything is registered, so
that a bad stack fails `pulumi preview` with one message per mistake instead of
half-creating a manager. Secrets (the SSH key, TLS material) never enter this
model: they stay Pulumi secret Outputs and are handled by the component.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pulumi

# Cloudify 3.2's persistent paths (the "Manager Containers" design).
DEFAULT_VOLUME_PATHS: tuple[str, ...] = (
    "/root",
    "/etc/init.d",
    "/etc/default",
    "/opt/manager/resources",
    "/opt/manager/env",
    "/etc/service/riemann",
    "/etc/service/elasticsearch/data",
    "/etc/service/elasticsearch/logs",
    "/opt/influxdb/shared/data",
    "/var/log/cloudify",
)

# Cloudify 3.2's published ports: REST/UI, Riemann, RabbitMQ, file server,
# REST service, internal REST, Elasticsearch, InfluxDB.
DEFAULT_PORTS: tuple[int, ...] = (80, 5555, 5672, 53229, 8100, 8101, 9200, 8086)

DEFAULT_DOCKER_INSTALL_URL = "https://get.docker.com/"
AGENT_TARBALL_DIR = "/opt/manager/resources/packages/agents"

# Every key this program reads; anything else under the project namespace is a
# typo and is reported instead of silently ignored.
SETTING_KEYS: tuple[str, ...] = (
    "host",
    "sshUser",
    "sshPort",
    "sshPrivateKey",
    "sshHostKey",
    "appImage",
    "dataImage",
    "volumePaths",
    "ports",
    "cloudifyPackages",
    "managementIp",
    "privileged",
    "useSudo",
    "dockerInstallUrl",
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
)

SECRET_KEYS: frozenset[str] = frozenset({"sshPrivateKey", "dockerTlsKey"})

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
_HOSTNAME = re.compile(r"^[A-Za-z0-9_.:\-\[\]]+$")
_CAPABILITY = re.compile(r"^[A-Z_]+$")


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
    """A bind mount from the Docker host (the systemd images want the cgroup tree)."""

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


@dataclass(frozen=True)
class ManagerSettings:
    """Validated, plain (non-secret) settings of one Cloudify Manager stack."""

    app_image: str
    data_image: str
    host: str | None = None
    ssh_user: str = "ubuntu"
    ssh_port: int = 22
    ssh_host_key: str | None = None
    volume_paths: tuple[str, ...] = DEFAULT_VOLUME_PATHS
    ports: tuple[PortMapping, ...] = tuple(PortMapping(p, p) for p in DEFAULT_PORTS)
    agents: tuple[AgentPackage, ...] = ()
    docker_image_url: str | None = None
    management_ip: str = "127.0.0.1"
    privileged: bool = False
    use_sudo: bool = False
    docker_install_url: str = DEFAULT_DOCKER_INSTALL_URL
    docker_host: str | None = None
    name_prefix: str = "cloudify"
    readiness_path: str = "/version"
    readiness_port: int = 80
    readiness_timeout: int = 180
    tmpfs: Mapping[str, str] = field(default_factory=dict)
    cap_add: tuple[str, ...] = ()
    security_opts: tuple[str, ...] = ()
    host_mounts: tuple[HostMount, ...] = ()
    cgroupns_mode: str | None = None
    app_command: tuple[str, ...] = ()

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
        address = self.host or self.management_ip
        port = "" if self.readiness_port == 80 else f":{self.readiness_port}"
        return f"http://{address}{port}"


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


def _ports(raw: Mapping[str, str | None], problems: _Problems) -> tuple[PortMapping, ...]:
    value = _decode(raw, "ports", problems)
    if value is None:
        return tuple(PortMapping(p, p) for p in DEFAULT_PORTS)
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
    return tuple(mappings)


def _volume_paths(raw: Mapping[str, str | None], problems: _Problems) -> tuple[str, ...]:
    paths = _string_list(raw, "volumePaths", problems)
    if paths is None:
        return DEFAULT_VOLUME_PATHS
    if not paths:
        problems.add("volumePaths", "must list at least one path: they are what the data container keeps")
    for path in paths:
        if not path.startswith("/") or "\n" in path or ":" in path:
            problems.add("volumePaths", f"{path!r} must be an absolute container path such as /var/log/cloudify")
    for path in sorted({p for p in paths if paths.count(p) > 1}):
        problems.add("volumePaths", f"{path!r} is listed more than once")
    return tuple(paths)


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
    """Problems for config keys this program does not read (usually typos)."""
    return [f"{key}: unknown setting (known: {', '.join(SETTING_KEYS)})"
            for key in sorted(set(keys) - set(SETTING_KEYS))]


def parse_settings(raw: Mapping[str, str | None], *, has_private_key: bool,
                   has_ssh_agent: bool) -> ManagerSettings:
    """Validate the whole configuration, raising one `ConfigError` listing every problem.

    `raw` maps setting names to the strings Pulumi provides (None when unset).
    The key and agent flags say whether an SSH credential exists, without this
    model ever holding the secret itself.
    """
    problems = _Problems()
    host = raw.get("host") or None
    if host is not None and not _HOSTNAME.match(host):
        problems.add("host", f"{host!r} must be a host name or IP address")
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

    agents, docker_image_url = _cloudify_packages(raw, problems)
    install_url = raw.get("dockerInstallUrl") or DEFAULT_DOCKER_INSTALL_URL
    check_http_url("dockerInstallUrl", install_url, problems)

    management_ip = raw.get("managementIp") or host or "127.0.0.1"
    if not _HOSTNAME.match(management_ip):
        problems.add("managementIp", f"{management_ip!r} must be a host name or IP address")
    name_prefix = raw.get("namePrefix") or "cloudify"
    if not _CONTAINER_PREFIX.match(name_prefix):
        problems.add("namePrefix", f"{name_prefix!r} may use only letters, digits, '.', '_' and '-'")
    readiness_path = raw.get("readinessPath") or "/version"
    if not readiness_path.startswith("/") or any(ch.isspace() for ch in readiness_path):
        problems.add("readinessPath", f"{readiness_path!r} must be a URL path starting with /")
    cap_add = _string_list(raw, "capAdd", problems) or []
    for cap in cap_add:
        if not _CAPABILITY.match(cap):
            problems.add("capAdd", f"{cap!r} must be a capability name such as SYS_ADMIN")
    cgroupns_mode = raw.get("cgroupnsMode")
    if cgroupns_mode not in (None, "host", "private"):
        problems.add("cgroupnsMode", f"{cgroupns_mode!r} must be 'host' or 'private'")

    settings = ManagerSettings(
        app_image=app_image or "",
        data_image=data_image or "",
        host=host,
        ssh_user=ssh_user,
        ssh_port=_integer(raw, "sshPort", 22, 1, 65535, problems),
        ssh_host_key=raw.get("sshHostKey") or None,
        volume_paths=_volume_paths(raw, problems),
        ports=_ports(raw, problems),
        agents=agents,
        docker_image_url=docker_image_url,
        management_ip=management_ip,
        privileged=_boolean(raw, "privileged", False, problems),
        use_sudo=_boolean(raw, "useSudo", host is not None and ssh_user != "root", problems),
        docker_install_url=install_url,
        docker_host=_docker_host(raw, problems),
        name_prefix=name_prefix,
        readiness_path=readiness_path,
        readiness_port=_integer(raw, "readinessPort", 80, 1, 65535, problems),
        readiness_timeout=_integer(raw, "readinessTimeout", 180, 1, 3600, problems),
        tmpfs=_tmpfs(raw, problems),
        cap_add=tuple(cap_add),
        security_opts=tuple(_string_list(raw, "securityOpts", problems) or []),
        host_mounts=_host_mounts(raw, problems),
        cgroupns_mode=cgroupns_mode,
        app_command=tuple(_string_list(raw, "appCommand", problems) or []),
    )
    if problems.items:
        raise ConfigError(problems.items)
    return settings

"""One manager's settings, judged from typed values in one pass, with the table's defaults and bounds.

The values arrive typed, keyed by setting: from the stack configuration, whose text the stack boundary
(`stack_config.py`) turned into each setting's type once, or from a program's CloudifyManagerArgs (`inputs.py`).
Every problem is collected before anything is registered, so a bad stack fails `pulumi preview` with one
message per mistake instead of half-creating a manager. Secrets never enter this model: only a marker that
they are set.

Two parts, judged by the same rules:
- `judge_plan`: the plain settings, which shape the resource graph. Always known when the program runs.
- `judge_host`: the settings that may be Outputs of other resources (the host, the SSH connection, the names the
  manager has on it). A value not known yet is *pending*: its own checks wait until it is known, and no host
  settings are built until every one is, so nothing ever stands in for a value.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from . import bootstrap_context, operator_config
from .model import (
    AgentPackage,
    HostMount,
    HostSettings,
    ManagerPlan,
    ManagerSettings,
    PortMapping,
    SshProxy,
    TrustyDocker,
)
from .profiles import AGENTS, PROFILES, ManagerProfile
from .rules import (
    AGENT_TARBALL_DIR,
    APT_VERSION,
    BACKUP_COMPRESSIONS,
    CAPABILITY,
    CONTAINER_HOSTNAME,
    CONTAINER_PREFIX,
    DATA_VOLUME_KINDS,
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
    bind_address,
    check_certificate,
    check_http_url,
    check_image_reference,
    check_plain_path,
    host_address,
    is_ip_address,
    normalize_capability,
    path_slug,
)
from .settings import SETTING

LIST_OR_MAP_AS_TEXT = "must be a YAML list or map in the stack file, not a plain string"


class Values:
    """Typed setting values by key, read with the table's defaults and bounds; problems go to `problems`.

    `pending` names the settings whose value is not known yet (an Output): they read as None, and only their
    presence counts. An empty string reads as unset, as it always has in a stack file.
    """

    def __init__(self, values: Mapping[str, Any], problems: Problems, pending: Collection[str] = ()) -> None:
        self._values = values
        self.problems = problems
        self.pending = frozenset(pending)

    def given(self, key: str) -> bool:
        """Set, whether its value is known yet or not."""
        return key in self.pending or self.raw(key) is not None

    def raw(self, key: str) -> Any:
        value = None if key in self.pending else self._values.get(key)
        return None if value == "" else value

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.raw(key)
        if value is None:
            return None if key in self.pending else default if default is not None else SETTING[key].default
        if not isinstance(value, str):
            self.problems.add(key, f"must be text, got {value!r}")
            return default if default is not None else SETTING[key].default
        return value

    def word(self, key: str, default: str | None = None) -> str:
        """Text that always has a value: set, or the default (given, or the table's)."""
        value = self.text(key, default)
        if value is None:
            raise AssertionError(f"{key} has no default")
        return value

    def number(self, key: str, default: int | None = None) -> int:
        """A whole number within the setting's bounds; the default (given, or the table's) when unset."""
        fallback = default if default is not None else SETTING[key].default
        value = self.raw(key)
        if value is None:
            return fallback
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # other Pulumi languages send every number as a float
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems.add(key, f"must be a whole number, got {value!r}")
            return fallback
        bounds = SETTING[key].bounds
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            self.problems.add(key, f"must be between {bounds[0]} and {bounds[1]}, got {value}")
        return value

    def flag(self, key: str, default: bool | None = None) -> bool:
        fallback = default if default is not None else SETTING[key].default
        value = self.raw(key)
        if value is None:
            return bool(fallback)
        if not isinstance(value, bool):
            self.problems.add(key, f"must be true or false, got {value!r}")
            return bool(fallback)
        return value

    def structure(self, key: str) -> Any:
        """A list or a map; text here is a YAML scalar where the stack file needed a list or a map."""
        value = self.raw(key)
        if isinstance(value, str):
            self.problems.add(key, LIST_OR_MAP_AS_TEXT)
            return None
        return value


def _string_list(v: Values, key: str) -> list[str] | None:
    value = v.structure(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        v.problems.add(key, "must be a list of strings")
        return None
    return value


def _ports(v: Values, profile: ManagerProfile, *, tls: bool) -> tuple[PortMapping, ...]:
    """Published ports, sorted by container port, one binding per container port.

    That is the form the provider reads back (kreuzwerker v4.5.0
    `flattenContainerPorts` sorts by container port, one entry per binding), so
    a preview after `up` shows no change. Unset: the profile's public and agent ports (its internal ones are
    published only when named; with TLS, its plain HTTP ones neither).
    """
    value = v.structure("ports")
    if value is None:
        return tuple(PortMapping(p, p, None) for p in profile.published_ports(tls=tls))
    problems = v.problems
    if not isinstance(value, list) or not value:
        problems.add("ports", "must be a non-empty list of ports (80) or mappings ('8080:80', '10.0.0.5:8080:80')")
        return ()
    mappings = [m for m in (_port_mapping(entry, problems) for entry in value) if m is not None]
    bindings = [(m.address, m.host) for m in mappings]
    for address, port in sorted({b for b in bindings if bindings.count(b) > 1}, key=lambda b: b[1]):
        problems.add("ports", f"host port {port} is published more than once" + (f" on {address}" if address else ""))
    container_ports = [m.container for m in set(mappings)]
    for port in sorted({p for p in container_ports if container_ports.count(p) > 1}):
        problems.add(
            "ports",
            f"container port {port} is published more than once: publish each container port "
            "once (the Docker provider would replace the container on every update)",
        )
    return tuple(sorted(mappings, key=lambda m: m.container))


def _port_mapping(entry: object, problems: Problems) -> PortMapping | None:
    """One `ports` entry: `80`, `"8080:80"` or `"address:8080:80"` (an IPv6 address in brackets)."""
    text = str(int(entry) if isinstance(entry, float) and entry.is_integer() else entry)
    address: str | None = None
    if text.startswith("["):
        address, _, text = text[1:].partition("]:")
    elif text.count(":") == 2:
        address, text = text.split(":", 1)
    pieces = text.split(":")
    if isinstance(entry, bool) or len(pieces) > 2 or not all(p.isdigit() for p in pieces) or address == "":
        problems.add(
            "ports", f"{entry!r} must be a port number, 'hostPort:containerPort' or 'address:hostPort:containerPort'"
        )
        return None
    if address is not None and len(pieces) != 2:
        problems.add("ports", f"{entry!r}: an address needs both ports, as in '{address}:{text}:{text}'")
        return None
    numbers = [int(p) for p in pieces]
    if not all(1 <= n <= 65535 for n in numbers):
        problems.add("ports", f"{entry!r} is out of range: ports are 1-65535")
        return None
    if address is not None:
        address = bind_address("ports", address, problems)
    return PortMapping(numbers[0], numbers[-1], address)


def _tls(v: Values, profile: ManagerProfile) -> tuple[bool, bool, bool]:
    """`managerTls` and whether a certificate and a CA of the user's are set: (tls, has_cert, has_ca).

    Cloudify serves a certificate of the user's only for a DNS name `public_ip`, by SNI; for an IP address the
    external port is folded into the internal listeners and serves the certificate of its own CA
    (cloudify-manager-install 7.0.4 cfy_manager/components/globals.py lines 115-131). So a certificate needs
    `publicName`.
    """
    tls = v.flag("managerTls", profile.manager_config and v.given("host"))
    has_cert, has_key, has_ca = (v.given(k) for k in ("managerTlsCert", "managerTlsKey", "managerTlsCaCert"))
    problems = v.problems
    if tls and not profile.manager_config:
        problems.add("managerTls", f"{profile.name} has no TLS setting here; TLS is for cloudify-7 (set it to false)")
    if (has_cert or has_key) and not tls:
        problems.add("managerTls", "is false, but managerTlsCert/managerTlsKey are set: set it to true, or remove them")
    if has_cert != has_key:
        missing = "managerTlsKey" if has_cert else "managerTlsCert"
        problems.add(missing, "managerTlsCert and managerTlsKey go together: set both, or neither (the manager's CA)")
    if has_ca and not has_cert:
        problems.add(
            "managerTlsCaCert",
            "is set without managerTlsCert: without a certificate of yours, the manager's own CA "
            "issues one and managerCaCert is that CA",
        )
    if has_cert and not v.given("publicName"):
        problems.add(
            "publicName",
            "must be set with managerTlsCert: Cloudify serves your certificate only by SNI, for the DNS name "
            "clients use (`pulumi config set publicName manager.example.com`)",
        )
    for key in ("managerTlsCert", "managerTlsCaCert"):
        text = v.text(key)
        if text is not None:
            check_certificate(key, text, problems)
    return tls, has_cert, has_ca


def _public_address(v: Values) -> str:
    """`publicAddress`, or the narrowest default that serves: every address of a remote host (its users are
    elsewhere), only the loopback address of this machine."""
    value = v.text("publicAddress")
    if value is None:
        return "0.0.0.0" if v.given("host") else "127.0.0.1"
    return bind_address("publicAddress", value, v.problems)


def _volume_paths(v: Values, profile: ManagerProfile) -> tuple[str, ...]:
    paths = _string_list(v, "volumePaths")
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


def _capabilities(v: Values) -> tuple[str, ...]:
    """`capAdd` in the form the engine stores: normalised, without duplicates, sorted."""
    normalized: set[str] = set()
    for name in _string_list(v, "capAdd") or []:
        capability = normalize_capability(name)
        if capability != "ALL" and not CAPABILITY.match(capability):
            v.problems.add("capAdd", f"{name!r} must be a capability name such as SYS_ADMIN or CAP_NET_ADMIN")
            continue
        normalized.add(capability)
    return tuple(sorted(normalized))


def _download(key: str, value: Any, what: str, problems: Problems) -> tuple[str, str | None] | None:
    """A package URL, as text or as `{url, sha256}`: the URL and its checksum."""
    url, sha256 = value, None
    if isinstance(value, dict):
        if set(value) - {"url", "sha256"} or "url" not in value:
            problems.add(key, f"must be {what} URL, or a map with 'url' and 'sha256'")
            return None
        url, sha256 = value["url"], value.get("sha256")
    if not isinstance(url, str):
        problems.add(key, f"must be {what} URL, or a map with 'url' and 'sha256'")
        return None
    if not check_http_url(key, url, problems):
        return None
    if sha256 is not None:
        sha256 = str(sha256).strip().lower()
        if not SHA256.match(sha256):
            problems.add(key, "sha256 must be the 64-digit hexadecimal SHA-256 of the file (sha256sum prints it)")
            return None
    return url, sha256


def _checksum_for_plain_http(key: str, url: str, sha256: str | None, problems: Problems) -> bool:
    """A plain http:// download needs a checksum: anyone on the path could replace what runs as root."""
    if sha256 is None and urlsplit(url).scheme == "http":
        problems.add(
            key,
            f"{url!r} is plain HTTP without a checksum: use https://, or give {{url: ..., sha256: ...}} "
            "(`sha256sum` of the file you trust)",
        )
        return False
    return True


def _agent(name: Any, value: Any, problems: Problems) -> AgentPackage | None:
    key = f"cloudifyPackages.agents.{name}"
    if not isinstance(name, str) or not SAFE_NAME.match(name):
        problems.add("cloudifyPackages.agents", f"agent name {name!r} may use only letters, digits, '.', '_' and '-'")
        return None
    download = _download(key, value, "the .deb or .tar.gz package's", problems)
    if download is None:
        return None
    url, sha256 = download
    path = urlsplit(url).path
    if path.endswith(".deb"):
        return (
            AgentPackage(name, url, "deb", None, sha256)
            if _checksum_for_plain_http(key, url, sha256, problems)
            else None
        )
    if path.endswith((".tar.gz", ".tgz")):
        filename = path.rsplit("/", 1)[-1]
        if not SAFE_NAME.match(filename):
            problems.add(key, f"tarball file name {filename!r} may use only letters, digits, '.', '_' and '-'")
            return None
        if not _checksum_for_plain_http(key, url, sha256, problems):
            return None
        return AgentPackage(name, url, "tar.gz", f"{AGENT_TARBALL_DIR}/{filename}", sha256)
    problems.add(key, f"{url!r} must end in .deb or .tar.gz")
    return None


def _cloudify_packages(v: Values) -> tuple[tuple[AgentPackage, ...], tuple[str, str | None] | None]:
    """Cloudify's `cloudify_packages`: `agents` (name -> URL) and `docker.docker_url`."""
    value = v.structure("cloudifyPackages")
    if value is None:
        return (), None
    problems = v.problems
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
        key = "cloudifyPackages.docker.docker_url"
        docker_url = _download(key, docker_value["docker_url"], "the tarball's", problems)
        if docker_url is not None and not _checksum_for_plain_http(key, *docker_url, problems):
            docker_url = None
    return tuple(agents), docker_url


def _host_mounts(v: Values) -> tuple[HostMount, ...]:
    mounts: list[HostMount] = []
    for entry in _string_list(v, "hostMounts") or []:
        pieces = entry.split(":")
        mode = pieces[2] if len(pieces) == 3 else "rw"
        if len(pieces) not in (2, 3) or mode not in ("ro", "rw") or not all(p.startswith("/") for p in pieces[:2]):
            v.problems.add("hostMounts", f"{entry!r} must be '/host/path:/container/path[:ro|:rw]'")
            continue
        mounts.append(HostMount(pieces[0], pieces[1], mode == "ro"))
    return tuple(mounts)


def _tmpfs(v: Values) -> dict[str, str]:
    value = v.structure("tmpfs")
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k.startswith("/") and isinstance(item, str) for k, item in value.items()
    ):
        v.problems.add("tmpfs", "must map absolute container paths to mount options ('' for the defaults)")
        return {}
    return dict(value)


def _profile(v: Values) -> ManagerProfile:
    name = v.word("managerProfile")
    default = PROFILES[SETTING["managerProfile"].default]
    if name not in PROFILES:
        v.problems.add("managerProfile", f"{name!r} is not a profile; choose one of {', '.join(sorted(PROFILES))}")
        return default
    return PROFILES[name]


def _name_prefix(v: Values) -> str:
    name_prefix = v.word("namePrefix")
    if not CONTAINER_PREFIX.match(name_prefix):
        v.problems.add("namePrefix", f"{name_prefix!r} may use only letters, digits, '.', '_' and '-'")
    return name_prefix


def _plain_path(v: Values, key: str) -> str | None:
    path = v.text(key)
    if path is not None:
        check_plain_path(key, path, "host path", v.problems)
    return path


ARCHIVE_SUFFIXES = (".tar.zst", ".tar.gz", ".tar")


def _archive_path(v: Values, key: str) -> str | None:
    """A backup archive on the host, as backup_data.sh names them."""
    path = _plain_path(v, key)
    if path is not None and not path.endswith(ARCHIVE_SUFFIXES):
        v.problems.add(key, f"{path!r} must be a backup archive: a {', '.join(ARCHIVE_SUFFIXES)} file (latestBackup)")
    return path


def _choice(v: Values, key: str, choices: Collection[str], message: str) -> str:
    """A setting that takes one of a few words; `message` says what each means."""
    value = v.word(key)
    if value not in choices:
        v.problems.add(key, f"{value!r} {message}")
    return value


def _images(v: Values) -> tuple[str, str]:
    app_image, data_image = v.text("appImage"), v.text("dataImage")
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


PROXY_DETAIL_KEYS = ("sshProxyUser", "sshProxyPort", "sshProxyHostKey", "sshProxyPrivateKey")


def _connection_presence(v: Values, *, has_private_key: bool, has_ssh_agent: bool) -> None:
    """What the SSH connection needs, judged on which settings are set: their values may not be known yet."""
    if v.given("host") and not has_private_key and not has_ssh_agent:
        v.problems.add(
            "sshPrivateKey",
            "host is set but no SSH credential is configured: run "
            "`pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519` "
            "or start an ssh-agent (SSH_AUTH_SOCK)",
        )
    if not v.given("sshProxyHost"):
        for key in PROXY_DETAIL_KEYS:
            if v.given(key):
                v.problems.add(
                    key,
                    "is set but sshProxyHost is not: set the bastion's address "
                    f"(`pulumi config set sshProxyHost bastion.example.com`) or remove {key}",
                )
    elif not v.given("host"):
        v.problems.add(
            "sshProxyHost",
            "a bastion needs a remote host: set host to the manager host's address as the bastion reaches it",
        )


def _trusty_docker(v: Values) -> TrustyDocker:
    problems = v.problems
    apt_repo = (v.word("dockerAptRepo")).rstrip("/")
    check_http_url("dockerAptRepo", apt_repo, problems)
    fingerprint = v.word("dockerAptKeyFingerprint").replace(" ", "").upper()
    if not FINGERPRINT.match(fingerprint):
        problems.add("dockerAptKeyFingerprint", f"{fingerprint!r} must be a 40-digit hexadecimal key fingerprint")
    version = v.word("dockerTrustyVersion")
    if version != TRUSTY_DOCKER_AUTO and not APT_VERSION.match(version):
        problems.add(
            "dockerTrustyVersion", f"{version!r} must be 'auto' or an apt version such as 18.06.1~ce~3-0~ubuntu"
        )
    cli_url = v.word("dockerCliUrl")
    check_http_url("dockerCliUrl", cli_url, problems)
    cli_sha256 = v.text("dockerCliSha256")
    if cli_sha256 is not None:
        cli_sha256 = cli_sha256.strip().lower()
        if not SHA256.match(cli_sha256):
            problems.add("dockerCliSha256", "must be the 64-digit hexadecimal SHA-256 of the dockerCliUrl tarball")
    return TrustyDocker(apt_repo, fingerprint, version, cli_url, cli_sha256)


def _container_logs(v: Values) -> tuple[str, str, int]:
    """`logDriver` (or `daemon`), and the rotation of json-file and local logs: `logMaxSize`, `logMaxFile`."""
    driver = v.word("logDriver")
    if not LOG_DRIVER.match(driver):
        v.problems.add(
            "logDriver",
            f"{driver!r} must be a Docker log driver name such as json-file or local, or "
            f"'{LOG_DRIVER_OF_THE_DAEMON}' to keep the daemon's default",
        )
    size = v.word("logMaxSize")
    if not LOG_SIZE.match(size):
        v.problems.add("logMaxSize", f"{size!r} must be a size such as 50m (k, m or g)")
    return driver, size, v.number("logMaxFile")


def judge_plan(v: Values, *, has_private_key: bool, has_ssh_agent: bool) -> ManagerPlan:
    """The plain settings of one manager (every problem goes to `v.problems`)."""
    _connection_presence(v, has_private_key=has_private_key, has_ssh_agent=has_ssh_agent)
    app_image, data_image = _images(v)
    profile = _profile(v)
    agents, docker_image = _cloudify_packages(v)
    readiness_path = v.word("readinessPath", profile.readiness_path)
    if not readiness_path.startswith("/") or any(ch.isspace() for ch in readiness_path):
        v.problems.add("readinessPath", f"{readiness_path!r} must be a URL path starting with /")
    cgroupns_mode = v.text("cgroupnsMode")
    if cgroupns_mode not in (None, "host", "private"):
        v.problems.add("cgroupnsMode", f"{cgroupns_mode!r} must be 'host' or 'private'")
    log_driver, log_max_size, log_max_file = _container_logs(v)
    tls, has_tls_cert, has_tls_ca = _tls(v, profile)
    return ManagerPlan(
        app_image=app_image,
        data_image=data_image,
        profile=profile,
        is_remote=v.given("host"),
        has_proxy=v.given("sshProxyHost"),
        pins_host_key=v.given("sshHostKey"),
        pins_proxy_host_key=v.given("sshProxyHostKey"),
        has_hostname=v.given("hostname") or profile.fixed_hostname,
        volume_paths=_volume_paths(v, profile),
        ports=_ports(v, profile, tls=tls),
        tls=tls,
        has_tls_cert=has_tls_cert,
        has_tls_ca=has_tls_ca,
        public_address=_public_address(v),
        agents=agents,
        docker_image_url=docker_image[0] if docker_image else None,
        docker_image_sha256=docker_image[1] if docker_image else None,
        config_dir=_plain_path(v, "configDir"),
        privileged=v.flag("privileged"),
        trusty_docker=_trusty_docker(v),
        name_prefix=_name_prefix(v),
        readiness_path=readiness_path,
        readiness_port=v.number("readinessPort", 443 if tls else 80),
        readiness_timeout=v.number("readinessTimeout", profile.readiness_timeout),
        tmpfs=_tmpfs(v),
        cap_add=_capabilities(v),
        security_opts=tuple(_string_list(v, "securityOpts") or []),
        host_mounts=_host_mounts(v),
        cgroupns_mode=cgroupns_mode,
        app_command=tuple(_string_list(v, "appCommand") or []),
        data_volumes=_choice(
            v,
            "dataVolumes",
            DATA_VOLUME_KINDS,
            "must be 'named' (one Docker volume per path, kept even if the data container goes) "
            "or 'anonymous' (stacks created before named volumes)",
        ),
        backup_dir=_plain_path(v, "backupDir"),
        backups_to_keep=v.number("backupsToKeep"),
        backup_compression=_choice(
            v, "backupCompression", BACKUP_COMPRESSIONS, f"must be one of {', '.join(BACKUP_COMPRESSIONS)}"
        ),
        restore_from=_archive_path(v, "restoreFrom"),
        backup_now=v.text("backupNow"),
        log_driver=log_driver,
        log_max_size=log_max_size,
        log_max_file=log_max_file,
        healthcheck=v.flag("healthcheck"),
        healthcheck_interval=v.number("healthcheckInterval"),
        healthcheck_start_period=v.number("healthcheckStartPeriod", profile.readiness_timeout),
        bootstrap_context=bootstrap_context.judge(v, wanted=profile.bootstrap_context),
        has_agent_key=v.given("agentPrivateKey"),
        manager_config_extra=operator_config.judge_manager_config(v, profile),
        has_license=_license(v, profile),
        memory_limit=operator_config.judge_memory(v, profile),
        cpus=operator_config.judge_cpus(v),
    )


def _license(v: Values, profile: ManagerProfile) -> bool:
    """`licenseFile`: cloudify-7 only, which has config.yaml to name it."""
    if v.given("licenseFile") and not profile.manager_config:
        v.problems.add("licenseFile", f"is a cloudify-7 setting; {profile.name} has no licence")
    return v.given("licenseFile") and profile.manager_config


# -- the settings that may be Outputs ---------------------------------------------------------------------------


def _address(v: Values, key: str) -> str | None:
    value = v.text(key)
    return None if value is None else host_address(key, value, v.problems)


def _user(v: Values, key: str, default: str | None = None) -> str | None:
    user = v.text(key, default)
    if user is not None and not SAFE_NAME.match(user):
        v.problems.add(key, f"{user!r} is not a valid user name")
    return user


def _host_key(v: Values, key: str, host: str) -> str | None:
    """A pinned public host key: one line, type and base64 (it goes into a known_hosts file as it is)."""
    value = v.text(key)
    if value is not None and not HOST_KEY.match(value):
        v.problems.add(
            key,
            "must be one public host key, type and base64 on one line, as "
            f"`ssh-keyscan -t ed25519 {host} | cut -d' ' -f2-` prints it (ssh-ed25519 AAAA...)",
        )
    return value


def _ssh_proxy(v: Values, plan: ManagerPlan, ssh_user: str | None) -> SshProxy | None:
    """The bastion every SSH connection goes through (`sshProxy*`), or None."""
    if not plan.has_proxy:
        return None
    address = _address(v, "sshProxyHost")
    user = _user(v, "sshProxyUser", ssh_user)
    host_key = _host_key(v, "sshProxyHostKey", "BASTION")
    port = v.number("sshProxyPort")
    if address is None or user is None:
        return None  # pending
    return SshProxy(address, user, port, host_key)


def _hostname(v: Values, plan: ManagerPlan) -> str | None:
    """The container hostname: set, or derived from namePrefix where the profile pins the manager's identity."""
    if v.given("hostname"):
        hostname = v.text("hostname")
    elif plan.profile.fixed_hostname:
        hostname = plan.name_prefix.lower().replace("_", "-").replace(".", "-")
    else:
        return None
    if hostname is not None and not CONTAINER_HOSTNAME.match(hostname):
        v.problems.add("hostname", f"{hostname!r} must be a lower-case RFC 1123 host name such as cloudify-manager")
    return hostname


def _public_name(v: Values, plan: ManagerPlan) -> str | None:
    """`publicName`: a host name for a certificate of the user's (SNI needs one), else a host name or address."""
    name = _address(v, "publicName")
    if name is not None and not plan.profile.manager_config:
        v.problems.add("publicName", f"is for cloudify-7; {plan.profile.name} has no such name")
    if name is not None and plan.has_tls_cert and is_ip_address(name):
        v.problems.add(
            "publicName", f"{name!r} is an IP address: Cloudify serves managerTlsCert only for a DNS name (SNI)"
        )
    return name


def _check_agent_binding(v: Values, plan: ManagerPlan, management_ip: str | None) -> None:
    """Agent ports are published on the management address, so it must be an address Docker can bind."""
    agent_ports = [p.host for p in plan.ports if p.address is None and plan.profile.role_of(p.container) == AGENTS]
    if management_ip is None or not agent_ports or v.problems.names("managementIp", "host"):
        return  # pending, nothing to bind, or already refused
    if not is_ip_address(management_ip):
        what = repr(management_ip) if v.given("managementIp") else f"unset, so it is host {management_ip!r},"
        v.problems.add(
            "managementIp",
            f"{what} a host name, but the agent ports ({', '.join(map(str, agent_ports))}) are "
            "published on the management address, which must be an IP address of the host: set managementIp to "
            "the private IP the agents reach (`pulumi config set managementIp 10.0.0.5`)",
        )


TLS_KEYS = ("dockerTlsCaCert", "dockerTlsCert", "dockerTlsKey")


def _docker_host(v: Values) -> str | None:
    docker_host = v.text("dockerHost")
    if docker_host is None:
        return None
    scheme = docker_host.split("://", 1)[0]
    if scheme not in ("tcp", "unix", "ssh") or "://" not in docker_host:
        v.problems.add("dockerHost", f"{docker_host!r} must be a tcp://, ssh:// or unix:// Docker address")
    if scheme == "tcp" and not all(v.given(key) for key in TLS_KEYS):
        v.problems.add(
            "dockerHost",
            "a tcp:// Docker address needs dockerTlsCaCert, dockerTlsCert and "
            "dockerTlsKey (set the key with `pulumi config set --secret dockerTlsKey`)",
        )
    return docker_host


def judge_host(v: Values, plan: ManagerPlan) -> HostSettings | None:
    """The settings that may be Outputs, judged as far as they are known; None while any is pending, or when any
    setting has a problem (the caller raises them all)."""
    host = _address(v, "host")
    ssh_host_key = _host_key(v, "sshHostKey", "HOST")
    ssh_user = _user(v, "sshUser")
    ssh_port = v.number("sshPort")
    ssh_proxy = _ssh_proxy(v, plan, ssh_user)
    management_ip = _address(v, "managementIp") if v.given("managementIp") else host or "127.0.0.1"
    _check_agent_binding(v, plan, management_ip)
    hostname = _hostname(v, plan)
    public_name = _public_name(v, plan)
    docker_host = _docker_host(v)
    use_sudo = v.flag("useSudo", plan.is_remote and ssh_user != "root")
    if v.pending or v.problems.items:
        return None
    assert ssh_user is not None and management_ip is not None  # without problems: set, or the default
    return HostSettings(
        host=host,
        ssh_user=ssh_user,
        ssh_port=ssh_port,
        ssh_host_key=ssh_host_key,
        ssh_proxy=ssh_proxy,
        management_ip=management_ip,
        hostname=hostname,
        public_name=public_name,
        docker_host=docker_host,
        use_sudo=use_sudo,
    )


def parse_settings(values: Mapping[str, Any], *, has_private_key: bool, has_ssh_agent: bool) -> ManagerSettings:
    """Judge every setting of one manager, all of them known, raising one `ConfigError` listing every problem.

    `values` maps setting keys to typed values (None when unset); a secret appears only as a marker that it
    is set, and the key and agent flags say whether an SSH credential exists. This model never holds a secret.
    """
    v = Values(values, Problems())
    plan = judge_plan(v, has_private_key=has_private_key, has_ssh_agent=has_ssh_agent)
    host = judge_host(v, plan)
    if v.problems.items:
        raise ConfigError(v.problems.items)
    assert host is not None  # nothing is pending
    return ManagerSettings.of(plan, host)

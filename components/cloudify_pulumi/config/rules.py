"""The grammars and checks every setting is judged by, and the error that lists every problem at once.

Pure rules over Python values: the same check judges a value from the stack configuration before anything is
registered, and a value that arrives as an Output from another resource once it is known (`resolve.py`).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Collection, Mapping
from urllib.parse import urlsplit

import pulumi

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


DATA_VOLUME_KINDS = ("named", "anonymous")


BACKUP_COMPRESSIONS = ("auto", "zstd", "gzip", "none")


# The manager's own secret must be long enough to derive its REST keys from.
MIN_MANAGER_SECRET_LENGTH = 32


# The Docker reference grammar (distribution/reference), anchored. It admits no
# shell metacharacter, so a valid reference is also inert in a shell.
COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"


DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"


DOMAIN = rf"{DOMAIN_PART}(?:\.{DOMAIN_PART})*(?::[0-9]+)?"


TAG = r"[\w][\w.-]{0,127}"


DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"


IMAGE_REFERENCE = re.compile(
    rf"^(?:(?P<domain>{DOMAIN})/)?(?P<path>{COMPONENT}(?:/{COMPONENT})*)"
    rf"(?::(?P<tag>{TAG}))?(?:@(?P<digest>{DIGEST}))?$"
)


IMAGE_ID = re.compile(r"^sha256:[0-9a-fA-F]{12,64}$")
"""What `docker inspect` gives for an image with neither tag nor digest: Docker would read it as the image
`docker.io/library/sha256` with a tag."""

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


CONTAINER_PREFIX = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,50}$")


# A registry address: host[:port] (brackets for an IPv6 host).
REGISTRY = re.compile(r"^(?:[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")


# A DNS name (labels of letters, digits, '_' and '-', not starting or ending with '-').
DNS_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"


DNS_NAME = re.compile(rf"^(?=.{{1,253}}$){DNS_LABEL}(?:\.{DNS_LABEL})*\.?$")


# An OpenSSH public host key as ssh-keyscan prints it after the host: type and base64 key, one line.
HOST_KEY = re.compile(
    r"^(?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|"
    r"sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}$"
)


CAPABILITY = re.compile(r"^CAP_[A-Z][A-Z0-9_]*$")  # after normalize_capability


# RFC 1123 host name: what Cloudify stores as the manager's name.
LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"


CONTAINER_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){LABEL}(?:\.{LABEL})*$")


HOST_DIRECTORY = re.compile(r"^(/[A-Za-z0-9._-]+)+$")


LOG_DRIVER = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


LOG_SIZE = re.compile(r"^[1-9][0-9]{0,8}[kmg]$")


LOG_DRIVER_OF_THE_DAEMON = "daemon"  # `logDriver: daemon`: declare no log driver, keep the daemon's default


ROTATING_LOG_DRIVERS = ("json-file", "local")  # the drivers that take max-size and max-file


APT_VERSION = re.compile(r"^[0-9][A-Za-z0-9.+~:-]*$")


SHA256 = re.compile(r"^[0-9a-f]{64}$")


FINGERPRINT = re.compile(r"^[0-9A-F]{40}$")


class ConfigError(pulumi.RunError):
    """Invalid stack configuration. Pulumi prints a RunError without a stack trace."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid stack configuration ({len(problems)} problem(s)):\n{lines}")


def host_address(key: str, value: str, problems: Problems) -> str:
    """A DNS name, an IPv4 address or an IPv6 address (brackets accepted and dropped): the forms an SSH
    connection, a known_hosts line and an ssh:// or http:// URL can be built from."""
    bare = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    if bare is value and DNS_NAME.match(value):
        return value
    problems.add(key, f"{value!r} must be a host name, an IPv4 address or an IPv6 address")
    return value


def is_ip_address(value: str) -> bool:
    """An IPv4 or IPv6 address, not a host name."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def bind_address(key: str, value: str, problems: Problems) -> str:
    """An address Docker can publish a port on: an IPv4 or IPv6 address (`0.0.0.0` or `::` for all of them),
    normalised; Docker takes no host name there."""
    bare = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    if not is_ip_address(bare):
        problems.add(key, f"{value!r} must be an IPv4 or IPv6 address of the Docker host (0.0.0.0 for all of them)")
        return value
    return str(ipaddress.ip_address(bare))


def url_host(host: str) -> str:
    """`host` as the host part of a URL: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def check_plain_path(key: str, path: str, what: str, problems: Problems) -> None:
    """An absolute path of plain words (letters, digits, '.', '_', '-'), without '..': safe as a shell word,
    a Docker mount point and a volume-name slug."""
    if not HOST_DIRECTORY.match(path) or "/../" in f"{path}/":
        problems.add(key, f"{path!r} must be an absolute {what} of letters, digits, '.', '_', '-' and '/' without '..'")


def path_slug(path: str) -> str:
    """`/etc/cloudify` -> `etc-cloudify`: a volume-name-safe spelling of a container path."""
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


class Problems:
    """Collects one message per problem, so the user sees them all at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(f"{key}: {message}")

    def names(self, *keys: str) -> bool:
        """Whether a problem was already found with any of these settings."""
        return any(item.startswith(f"{key}: ") for item in self.items for key in keys)


def check_image_reference(key: str, reference: str, problems: Problems) -> None:
    """A pinned, well-formed image reference: an upgrade is a change of this string."""
    if IMAGE_ID.match(reference):
        problems.add(
            key,
            f"{reference!r} is an image ID, not a reference: set the repository and tag, or "
            "repository@sha256:<digest>, that the stack had",
        )
        return
    match = IMAGE_REFERENCE.match(reference)
    if match is None:
        problems.add(
            key,
            f"{reference!r} is not a valid Docker image reference (expected [registry/]name:tag or name@sha256:digest)",
        )
        return
    if match.group("digest") is None and match.group("tag") in (None, "latest"):
        problems.add(
            key,
            f"{reference!r} must pin a tag or digest other than 'latest': "
            "upgrades and rollbacks are driven by changing this value",
        )


def check_http_url(key: str, url: str, problems: Problems) -> bool:
    """Only http(s) URLs with a host and no whitespace or control characters."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.add(key, f"{url!r} must be an http:// or https:// URL")
        return False
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        problems.add(key, f"{url!r} must not contain whitespace or control characters")
        return False
    return True


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


def secret_problems(values: Mapping[str, str | None], stored_in_plain_text: Collection[str]) -> list[str]:
    """Problems with the secret settings, judged on their values, which are not kept.

    `stored_in_plain_text` names secret keys that were set without `--secret`:
    they sit readable in Pulumi.<stack>.yaml and in the state.
    """
    problems = [
        f"{key}: is stored in plain text in the stack file; set it again with `pulumi config set --secret {key}`"
        for key in sorted(stored_in_plain_text)
    ]
    manager_secret = values.get("managerSecret")
    if manager_secret is not None and len(manager_secret) < MIN_MANAGER_SECRET_LENGTH:
        problems.append(
            f"managerSecret: must be at least {MIN_MANAGER_SECRET_LENGTH} characters; generate one with "
            "`openssl rand -base64 48 | pulumi config set --secret managerSecret`"
        )
    for key in ("adminPassword", "brokerPassword"):
        password = values.get(key)
        if password is not None and (not password or any(ord(ch) < 32 for ch in password)):
            problems.append(f"{key}: must be non-empty and contain no control characters")
    tls_key = values.get("managerTlsKey")
    if tls_key is not None and not PEM_PRIVATE_KEY.search(tls_key):
        problems.append(
            "managerTlsKey: must be a PEM private key (-----BEGIN ... PRIVATE KEY-----): "
            "`pulumi config set --secret managerTlsKey < key.pem`"
        )
    return problems


PEM_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")
PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"


def check_certificate(key: str, value: str, problems: Problems) -> None:
    """A PEM certificate (or chain), as cfy_manager copies it for nginx."""
    if PEM_CERTIFICATE not in value:
        problems.add(key, f"must be a PEM certificate ({PEM_CERTIFICATE}): `pulumi config set {key} < cert.pem`")


def parse_registry_auth(value: str | None) -> tuple[dict[str, str] | None, list[str]]:
    """`registryAuth` as {server, username, password}, or the problems with it (never echoing the password)."""
    if value is None:
        return None, []
    try:
        auth = json.loads(value)
    except json.JSONDecodeError:
        auth = None
    if (
        not isinstance(auth, dict)
        or set(auth) != {"server", "username", "password"}
        or not all(isinstance(v, str) and v for v in auth.values())
    ):
        return None, [
            "registryAuth: must be a map with server, username and password: "
            "`pulumi config set --path registryAuth.server registry.example.com`, likewise "
            "registryAuth.username, and `pulumi config set --secret --path registryAuth.password`"
        ]
    if not REGISTRY.match(auth["server"]):
        return None, [f"registryAuth: server {auth['server']!r} must be a registry host such as registry.example.com"]
    return auth, []

"""How the Docker provider reaches the engine that the install step made usable.

A Pulumi provider does not honor `depends_on` (pulumi/pulumi#8917), so the
provider's `host` is *derived from the install command's output*: the engine
is only contacted after the install step succeeded, and an engine too old for
the chosen transport fails the deployment before any container is touched.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pulumi

from ..cloudify.profiles import AGENTS, INTERNAL
from ..config.model import WILDCARDS, ManagerSettings, PortMapping, SshProxy, login_home
from ..config.rules import url_host
from .host_scripts import parse_key_values

LOCAL_DOCKER_SOCKET = "unix:///var/run/docker.sock"
# `ssh://` runs `docker system dial-stdio` on the host: a docker CLI of 18.09 or
# newer (docker/cli v28.5.2 cli/connhelper/connhelper.go). The daemon behind it
# may be older: dial-stdio only proxies the socket.
SSH_MIN_DOCKER_CLI = (18, 9)
# Below API 1.40 (Docker 18.09) the daemon adds its own "CAP_" to the names the
# v28 client already prefixed (moby v28.5.2 client/container_create.go
# `normalizeCapabilities`), and the container fails with CAP_CAP_...
CAP_ADD_MIN_DOCKER = (18, 9)


class DockerHostError(pulumi.RunError):
    """The Docker host cannot be used as configured."""


@dataclass(frozen=True)
class HostReport:
    """What the install step printed about the host."""

    distribution: str
    docker_version: str
    """The daemon's version."""
    client_version: str
    """The docker CLI on the SSH user's non-interactive PATH: the one `dial-stdio` runs."""
    endpoint: str = ""
    """The daemon address that CLI uses (DOCKER_HOST, else the current docker context's)."""
    addresses: tuple[str, ...] | None = None
    """The host's own IP addresses, normalised; None when the step did not report them."""


def parse_host_report(stdout: str) -> HostReport:
    """Read the `KEY=value` lines ensure_docker.sh prints."""
    values = parse_key_values(stdout)
    version = values.get("DOCKER_SERVER_VERSION", "")
    if not version:
        raise DockerHostError(f"the Docker install step printed no DOCKER_SERVER_VERSION line; it printed:\n{stdout}")
    return HostReport(
        values.get("HOST_DISTRIBUTION", "unknown"),
        version,
        values.get("DOCKER_CLIENT_VERSION", ""),
        values.get("DOCKER_ENDPOINT", ""),
        _addresses(values["HOST_ADDRESSES"]) if "HOST_ADDRESSES" in values else None,
    )


def _addresses(text: str) -> tuple[str, ...]:
    """ensure_docker.sh's HOST_ADDRESSES: dotted IPv4, and IPv6 as /proc/net/if_inet6's 32 hex digits."""
    words = text.split()
    return tuple(
        str(ipaddress.IPv6Address(int(w, 16))) if len(w) == 32 else str(ipaddress.ip_address(w)) for w in words
    )


def version_tuple(version: str) -> tuple[int, ...]:
    """'18.06.3-ce' -> (18, 6, 3); '1.6.2' -> (1, 6, 2)."""
    return tuple(int(n) for n in re.findall(r"\d+", version.split("-", 1)[0])[:3])


def uses_ssh(settings: ManagerSettings) -> bool:
    """Remote hosts are reached with ssh:// unless `dockerHost` says otherwise."""
    if settings.docker_host is not None:
        return settings.docker_host.startswith("ssh://")
    return settings.is_remote


def provider_ssh_user(settings: ManagerSettings) -> str | None:
    """The user the provider's ssh:// connection logs in as; None when it does not use ssh://.

    docker/cli's connhelper takes it from the URL and lets ssh choose when the
    URL has none, which for our own address is always `sshUser`.
    """
    if not uses_ssh(settings):
        return None
    return urlsplit(docker_host_address(settings)).username or settings.ssh_user


def docker_host_address(settings: ManagerSettings, local_endpoint: str = "") -> str:
    """The provider's `host`: explicit `dockerHost`, ssh:// to `host`, or, on this machine, the endpoint
    the local docker CLI uses (`local_endpoint`, from the Docker step; Docker Desktop, rootless Docker
    and Colima are not on the default socket)."""
    if settings.docker_host is not None:
        return settings.docker_host
    if settings.host is not None:
        return f"ssh://{settings.ssh_user}@{url_host(settings.host)}:{settings.ssh_port}"
    return local_endpoint or LOCAL_DOCKER_SOCKET


def checked_docker_host(settings: ManagerSettings, install_stdout: str) -> str:
    """The provider address, once the install step proved the engine can serve what we declare."""
    report = parse_host_report(install_stdout)
    where = f"{settings.host or 'this machine'} ({report.distribution})"
    if uses_ssh(settings) and version_tuple(report.client_version or "0") < SSH_MIN_DOCKER_CLI:
        raise DockerHostError(
            f"the docker CLI on {where} is {report.client_version or 'missing'}: the Docker provider's ssh:// "
            "connection runs `docker system dial-stdio`, which needs 18.09 or newer. Install a newer CLI, or expose "
            f"the daemon with TLS and set dockerHost to tcp://{url_host(settings.host or 'HOST')}:2376 with "
            "dockerTlsCaCert, dockerTlsCert and the secret dockerTlsKey "
            "(`pulumi config set --secret dockerTlsKey < key.pem`)."
        )
    if settings.cap_add and version_tuple(report.docker_version) < CAP_ADD_MIN_DOCKER:
        raise DockerHostError(
            f"capAdd cannot be used with Docker {report.docker_version} on {where}: below 18.09 the daemon adds "
            "its own CAP_ prefix to the names the Docker provider sends, and the container fails to start with "
            "'Unknown capability CAP_CAP_...'. Remove capAdd (`pulumi config rm capAdd`), or use Docker 18.09+."
        )
    _check_binding_addresses(settings, report, where)
    return docker_host_address(settings, report.endpoint)


def _routable(addresses: tuple[str, ...]) -> list[str]:
    """The host's addresses other hosts may reach: without loopback and IPv6 link-local ones."""
    return [a for a in addresses if not a.startswith(("127.", "::1", "fe80:"))]


def _check_binding_addresses(settings: ManagerSettings, report: HostReport, where: str) -> None:
    """Every port is published on an address the host owns: Docker would fail the container's create otherwise,
    after the old one is gone. Checked where the Docker step ran on the daemon's own host."""
    if report.addresses is None or not daemon_is_on_the_host(settings, report.endpoint):
        return
    for port in settings.ports:
        address = settings.binding_address(port)
        if address in WILDCARDS or address in report.addresses:
            continue
        owned = ", ".join(_routable(report.addresses)) or "none"
        raise DockerHostError(
            f"{_binding_setting(settings, port)}: {address} is not an address of {where}, so Docker cannot publish "
            f"port {port.host} on it (the host has {owned}). {_binding_fix(settings, port, report)}"
        )


def _binding_setting(settings: ManagerSettings, port: PortMapping) -> str:
    """The setting that put `port` on its address."""
    if port.address is not None:
        return "ports"
    role = settings.profile.role_of(port.container)
    public = "managementIp" if settings.public_address is None else "publicAddress"
    return {AGENTS: "managementIp", INTERNAL: "ports"}.get(role or "", public)


def _binding_fix(settings: ManagerSettings, port: PortMapping, report: HostReport) -> str:
    setting = _binding_setting(settings, port)
    private = next(iter(_routable(report.addresses or ())), "10.0.0.5")
    if setting == "managementIp" and settings.profile.role_of(port.container) != AGENTS:
        return (
            f"{settings.profile.name}'s REST API has no login, so its public ports are published on the management "
            "address too. Behind NAT (a cloud VM's public IP), set managementIp to the private address the agents "
            f"and operators reach: `pulumi config set managementIp {private}`; or set publicAddress."
        )
    if setting == "managementIp":
        return (
            "Agent ports are published on the management address. Behind NAT (a cloud VM's public IP), set "
            "managementIp to the private address the agents in the same network reach: "
            f"`pulumi config set managementIp {private}`."
        )
    if setting == "publicAddress":
        return (
            "Set publicAddress to one of the host's addresses, or 0.0.0.0 for all of them: "
            f"`pulumi config set publicAddress {private}`."
        )
    return f"Give the port an address the host owns, such as '{private}:{port.host}:{port.container}'."


def daemon_is_on_the_host(settings: ManagerSettings, endpoint: str) -> bool:
    """Whether the Docker step ran where the daemon is, so that the addresses it reports are the daemon's: on
    `host` reached by the provider's own ssh://, or on this machine's default socket. A daemon elsewhere (a
    tcp:// `dockerHost`, Docker Desktop's or Colima's VM behind another socket) has other addresses."""
    if settings.docker_host is not None:
        return settings.is_remote and settings.docker_host.startswith("ssh://")
    return settings.is_remote or endpoint in ("", LOCAL_DOCKER_SOCKET)


@dataclass(frozen=True)
class SshIdentity:
    """Files the local `ssh` client (used by the Docker provider) reads for one stack.

    Paths are written with `~` so that ssh expands them itself: the provider's
    configuration stays identical on every workstation, and no diff appears.
    ssh expands `~` from the passwd entry, not from `$HOME`, so the files are
    written under the passwd home too (`login_home`), whatever `$HOME` says.
    """

    key_file: str
    known_hosts_file: str

    @classmethod
    def for_stack(cls, project: str, stack: str, member: str | None = None) -> SshIdentity:
        """One folder per stack; a stack of several managers gives each its own (`member`)."""
        base = f"~/.ssh/cloudify-pulumi/{project}-{stack}" + (f"/{member}" if member else "")
        return cls(f"{base}/id", f"{base}/known_hosts")

    @property
    def proxy_key_file(self) -> str:
        """The bastion's own key (`sshProxyPrivateKey`), beside the manager host's."""
        return f"{self.key_file.rsplit('/', 1)[0]}/proxy_id"

    @property
    def proxy_known_hosts_file(self) -> str:
        """The bastion's host key, kept apart from the manager host's: each hop checks its own."""
        return f"{self.known_hosts_file.rsplit('/', 1)[0]}/proxy_known_hosts"

    def ssh_opts(self, settings: ManagerSettings, *, with_key: bool, with_proxy_key: bool = False) -> list[str]:
        """Options for the provider's ssh: batch mode, this stack's key and host keys, and the bastion hop."""
        opts = _hop_options(self.known_hosts_file, self.key_file if with_key else None)
        if settings.ssh_proxy is not None:
            proxy_key = self.proxy_key_file if with_proxy_key else self.key_file if with_key else None
            opts += ["-o", self._proxy_command(settings.ssh_proxy, proxy_key)]
        return opts

    def _proxy_command(self, proxy: SshProxy, key_file: str | None) -> str:
        """`ProxyCommand=ssh <the hop's own options> -W [%h]:%p bastion`, one argv element.

        A bare `-o ProxyJump=` would not do: the jump hop ignores command-line `-o` options and would use
        ~/.ssh (ssh_config(5) ProxyJump). ssh runs the command through the user's shell, so every word is
        quoted; the inner ssh expands `~` in its -o paths itself, from the passwd entry. The text
        "ConnectTimeout" stays out of it: docker/cli v28.5.2's connhelper drops its own 30 s timeout when it
        appears anywhere in the options.
        """
        words = [
            "ssh",
            *_hop_options(self.proxy_known_hosts_file, key_file),
            "-l",
            proxy.user,
            "-p",
            str(proxy.port),
            "-W",
            "[%h]:%p",
            "--",
            proxy.host,
        ]
        return "ProxyCommand=" + " ".join(shlex.quote(word) for word in words)

    def local_path(self, path: str) -> Path:
        """Where ssh finds `path`: `~` is the passwd entry's home directory."""
        return login_home() / path.removeprefix("~/")

    def write(
        self,
        settings: ManagerSettings,
        private_key: str | None,
        proxy_private_key: str | None,
        host_key: str,
        bastion_key: str | None,
    ) -> str:
        """Write the keys (0600, in a 0700 folder) and the trusted host keys (pinned or recorded at first use,
        ssh_trust.py) as this stack's known hosts; returns the key path."""
        key_file = self.local_path(self.key_file)
        key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key_file.parent.chmod(0o700)
        if private_key is not None:
            _write_private(key_file, _key_text(private_key))
        _write_private(
            self.local_path(self.known_hosts_file),
            f"{known_host_name(settings.host or '', settings.ssh_port)} {host_key}\n",
        )
        proxy = settings.ssh_proxy
        if proxy is not None and proxy_private_key is not None:
            _write_private(self.local_path(self.proxy_key_file), _key_text(proxy_private_key))
        if proxy is not None and bastion_key is not None:
            _write_private(
                self.local_path(self.proxy_known_hosts_file),
                f"{known_host_name(proxy.host, proxy.port)} {bastion_key}\n",
            )
        return self.key_file


def _hop_options(known_hosts_file: str, key_file: str | None) -> list[str]:
    """One SSH hop's options: batch mode, its own known_hosts, strict (the key in it is pinned or was recorded
    at first use: ssh_trust.py), and, when given, its own key and no other."""
    opts = [
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        # Only this stack's file vouches for a key: not /etc/ssh/ssh_known_hosts on this machine (ssh_config(5),
        # GlobalKnownHostsFile), which anyone who administers it may fill.
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        f"UserKnownHostsFile={known_hosts_file}",
    ]
    if key_file is not None:
        opts += ["-o", "IdentitiesOnly=yes", "-o", f"IdentityFile={key_file}"]
    return opts


def _key_text(private_key: str) -> str:
    """A private key as ssh reads it from a file: ending in exactly one newline."""
    return private_key.rstrip("\n") + "\n"


def known_host_name(host: str, port: int) -> str:
    """A host as known_hosts names it: bare on port 22, `[host]:port` otherwise."""
    return host if port == 22 else f"[{host}]:{port}"


def _write_private(path: Path, text: str) -> None:
    """Create or replace a file readable by its owner only. Its mode is set every time, so that a file loosened
    since is closed again even when its content has not changed."""
    if path.is_symlink():
        path.unlink()  # written as a file of its own, never through a link
    if not (path.is_file() and path.read_text() == text):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
    path.chmod(0o600)

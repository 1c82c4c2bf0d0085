"""The resolved, validated model of one manager: frozen values the component builds its resources from.

Names and folders that derive from several settings (container and volume names, backup and config folders,
the manager's URL) are properties here, so they are written once.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..cloudify.bootstrap_context import BootstrapContext
from ..cloudify.profiles import AGENTS, INTERNAL, ManagerProfile
from .rules import path_slug, url_host

LOOPBACK = "127.0.0.1"
WILDCARDS = ("0.0.0.0", "::")
"""The addresses that publish a port on every address of the host."""


@dataclass(frozen=True)
class PortMapping:
    """A published port: `host` on the Docker host maps to `container`, on `address` if `ports` gave one (else
    the port's role decides, `ManagerSettings.binding_address`)."""

    host: int
    container: int
    address: str | None


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
    sha256: str | None
    """Checked on the host before the package reaches the container; required for a plain http:// URL."""


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
    port: int
    host_key: str | None
    """Pinned public host key of the bastion; unset, the one recorded at first use is checked (ssh_trust.py)."""


@dataclass(frozen=True)
class TrustyDocker:
    """How Docker is installed on Ubuntu 14.04, the only distribution we install on."""

    apt_repo: str
    """Base URL of Docker's repository (or a mirror of it): `<apt_repo>/linux/ubuntu trusty stable`."""
    apt_key_fingerprint: str
    """The repository key must have exactly this fingerprint, or nothing is installed."""
    version: str
    """`auto`: 18.06.1 on a 3.x kernel, 18.06.3 on 4.x+ (its runc fix needs 4.x); else an apt version."""
    cli_url: str
    """Static Docker CLI (18.09+) for the provider's `docker system dial-stdio`."""
    cli_sha256: str | None
    """Checksum of `cli_url`; required before anything is installed when ssh:// needs the CLI."""


@dataclass(frozen=True)
class ManagerPlan:
    """The plain settings of one manager: what shapes its resource graph (which resources exist, their names,
    images, volumes, ports) and what the host steps are told. Known when the program runs.

    It holds no setting that may be an Output: for those it says only whether they are set (`is_remote`,
    `has_proxy`, `has_hostname`). Profile-provided values (paths, ports, readiness) are resolved here:
    explicit settings win over the profile's.
    """

    app_image: str
    data_image: str
    profile: ManagerProfile
    is_remote: bool
    """The manager goes on a host reached over SSH (`host` is set)."""
    has_proxy: bool
    """Every SSH connection goes through a bastion (`sshProxyHost` is set)."""
    pins_host_key: bool
    """`sshHostKey` is set; else the key is recorded at first use (ssh_trust.py)."""
    pins_proxy_host_key: bool
    """`sshProxyHostKey` is set; else the bastion's key is recorded at first use."""
    has_hostname: bool
    """The application container gets a fixed hostname (set, or the profile's default)."""
    volume_paths: tuple[str, ...]
    ports: tuple[PortMapping, ...]
    public_address: str | None
    """Where public ports (and ports no profile knows) are published; None: on the management address (a remote
    manager whose REST API has no login, exposure.judge_public_address)."""
    tls: bool
    """`managerTls`: HTTPS only, config.yaml's `ssl_enabled` (cloudify-7)."""
    has_tls_cert: bool
    """`managerTlsCert` (and its key) are set: served for `publicName` instead of one from the manager's CA."""
    has_tls_ca: bool
    """`managerTlsCaCert` is set."""
    agents: tuple[AgentPackage, ...]
    docker_image_url: str | None
    docker_image_sha256: str | None
    config_dir: str | None
    privileged: bool
    trusty_docker: TrustyDocker
    name_prefix: str
    readiness_path: str
    readiness_port: int
    readiness_timeout: int
    tmpfs: Mapping[str, str]
    cap_add: tuple[str, ...]
    security_opts: tuple[str, ...]
    host_mounts: tuple[HostMount, ...]
    cgroupns_mode: str | None
    app_command: tuple[str, ...]
    data_volumes: str
    backup_dir: str | None
    backups_to_keep: int
    backup_compression: str
    restore_from: str | None
    """`restoreFrom`: the archive to put back, once per value."""
    backup_now: str | None
    """`backupNow`: any new value takes a backup now."""
    log_driver: str
    log_max_size: str
    log_max_file: int
    healthcheck: bool
    healthcheck_interval: int
    healthcheck_start_period: int
    bootstrap_context: BootstrapContext | None
    """cloudify-3.2: the provider context uploaded once ready (bootstrap_context.py); None for other profiles."""
    has_agent_key: bool
    """`agentPrivateKey` is set: placed in the data volumes (cloudify-3.2) or stored as the secret `agent_key`."""
    manager_config_extra: Mapping[str, Any]
    """`managerConfig`, merged into the generated config.yaml (cloudify-7)."""
    has_license: bool
    """`licenseFile` is set (cloudify-7)."""
    memory_limit: int | None
    """`memoryLimit` in MB."""
    cpus: str | None
    """`cpus`, in the provider's read-back form."""

    @property
    def data_container_name(self) -> str:
        return f"{self.name_prefix}-data"

    @property
    def app_container_name(self) -> str:
        return f"{self.name_prefix}-manager"

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


@dataclass(frozen=True)
class HostSettings:
    """The settings that may come from another resource's Output (a VM's address), judged once known: how the
    host is reached and what the manager is called on it."""

    host: str | None
    ssh_user: str
    ssh_port: int
    ssh_host_key: str | None
    ssh_proxy: SshProxy | None
    management_ip: str
    hostname: str | None
    public_name: str | None
    """`publicName`: what users reach the manager by, and the certificate's name; else the management address."""
    docker_host: str | None
    use_sudo: bool
    """Its default depends on `ssh_user`, which may be an Output."""


@dataclass(frozen=True)
class ManagerSettings(HostSettings, ManagerPlan):
    """Every plain (non-secret) setting of one manager: its plan and its host settings, once both are known."""

    @classmethod
    def of(cls, plan: ManagerPlan, host: HostSettings) -> ManagerSettings:
        return cls(**_fields_of(ManagerPlan, plan), **_fields_of(HostSettings, host))

    def binding_address(self, port: PortMapping) -> str:
        """The host address `port` is published on: the one `ports` gave, else the one its role calls for."""
        if port.address is not None:
            return port.address
        role = self.profile.role_of(port.container)
        if role == AGENTS:
            return self.management_ip
        if role == INTERNAL:
            return LOOPBACK
        return self.management_ip if self.public_address is None else self.public_address

    @property
    def readiness_address(self) -> str:
        """Where the readiness check on the host reaches the readiness port: the loopback address when that
        port is published on every address (or on loopback), else the address it is published on."""
        port = next((p for p in self.ports if p.host == self.readiness_port), None)
        address = LOOPBACK if port is None else self.binding_address(port)
        return dict(zip(WILDCARDS, (LOOPBACK, "::1"), strict=True)).get(address, address)

    @property
    def tls_name(self) -> str:
        """The name the manager's certificate is for, and checked for: config.yaml's `manager.public_ip`."""
        return self.public_name or self.management_ip

    @property
    def manager_url(self) -> str:
        """Where users reach the REST API and UI: over HTTPS the certificate's name; else, as before TLS existed,
        the SSH host (or the management address)."""
        if self.tls:
            port = "" if self.readiness_port == 443 else f":{self.readiness_port}"
            return f"https://{url_host(self.tls_name)}{port}"
        port = "" if self.readiness_port == 80 else f":{self.readiness_port}"
        return f"http://{url_host(self.user_address)}{port}"

    @property
    def user_address(self) -> str:
        """The address users reach the REST API at without TLS: the management address where the public ports are
        published there (an API without a login, exposure.judge_public_address), else, as before, the SSH host
        (or the management address)."""
        if self.public_address is None:
            return self.management_ip
        return self.host or self.management_ip


def _fields_of(kind: type[ManagerPlan] | type[HostSettings], value: ManagerPlan | HostSettings) -> dict[str, Any]:
    """The fields `kind` declares, read from `value`, shallow (`dataclasses.asdict` would copy nested values)."""
    return {field.name: getattr(value, field.name) for field in fields(kind)}

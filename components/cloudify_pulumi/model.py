"""The resolved, validated model of one manager: frozen values the component builds its resources from.

Names and folders that derive from several settings (container and volume names, backup and config folders,
the manager's URL) are properties here, so they are written once.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .profiles import DEFAULT_PROFILE, PROFILES, ManagerProfile
from .rules import (
    DEFAULT_DOCKER_APT_REPO,
    DEFAULT_DOCKER_CLI_URL,
    DOCKER_APT_KEY_FINGERPRINT,
    TRUSTY_DOCKER_AUTO,
    path_slug,
    url_host,
)


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

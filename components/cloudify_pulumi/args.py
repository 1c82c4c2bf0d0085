"""The public contract of a CloudifyManager: its args, one field per stack configuration key.

A field is named after its key in snake_case (`appImage` -> `app_image`); the Pulumi schema of the component
plugin names it back in camelCase, so a YAML or TypeScript program uses the stack file's names. The one
structured secret, `registryAuth`, is flattened into `registry_server`, `registry_username` and
`registry_password`: a nested object that carries a secret reaches a component plugin as one opaque Output.

Two kinds of field:
- `pulumi.Input`: may come from another resource (a VM's address, a generated key). The host, the SSH
  connection and the bastion, `management_ip`, `hostname`, `docker_host`, the secrets and the registry and TLS
  credentials. A plain value is checked before anything is registered; an Output once it is known, with the
  same message, before anything runs on the host.
- plain: shapes the resource graph (which resources, their names, volumes, ports, images), so it must be
  known when the program runs.

Numbers may arrive as whole-number floats (`22.0`) from other Pulumi languages; they are read as integers.
Ports that may arrive as Outputs are typed `float` for that reason: an `Input[int]` Output fails inside a
component plugin (pulumi 3.272.0 `provider/experimental`).

No `from __future__ import annotations` here: the plugin's schema analyzer reads these annotations as objects.
"""

from typing import Any, NotRequired, TypedDict

import pulumi


class CloudifyManagerArgs(TypedDict):
    """Inputs of a CloudifyManager: a Cloudify Manager as a protected data-only container and a replaceable
    application container on one Docker host."""

    app_image: str
    """Cloudify application image, pinned by tag or digest (`latest` is refused). Changing it upgrades only the
    application container, after a backup of the data."""
    data_image: str
    """Image the data-only container is created from; pinned separately, it never follows `app_image`."""
    manager_profile: NotRequired[str | None]
    """What the image needs: `cloudify-3.2` (default) or `cloudify-7`. Explicit fields override its values."""

    host: NotRequired[pulumi.Input[str] | None]
    """SSH address of the Docker host (a DNS name, IPv4 or IPv6 address). Unset: this machine."""
    ssh_user: NotRequired[pulumi.Input[str] | None]
    """SSH user (default `ubuntu`); its login shell must be POSIX (sh, bash, dash, zsh)."""
    ssh_port: NotRequired[pulumi.Input[float] | None]
    """SSH port (default 22), a whole number."""
    ssh_private_key: NotRequired[pulumi.Input[str] | None]
    """Secret. Private key for SSH; required with `host` unless an ssh-agent (`SSH_AUTH_SOCK`) holds the key."""
    ssh_host_key: NotRequired[pulumi.Input[str] | None]
    """The host's public key (`ssh-ed25519 AAAA...`); unset, it is trusted on first use, with a warning."""
    ssh_proxy_host: NotRequired[pulumi.Input[str] | None]
    """A bastion (jump host) every SSH connection goes through; `host` is then the address the bastion reaches."""
    ssh_proxy_user: NotRequired[pulumi.Input[str] | None]
    """The bastion's SSH user (default: `ssh_user`)."""
    ssh_proxy_port: NotRequired[pulumi.Input[float] | None]
    """The bastion's SSH port (default 22), a whole number."""
    ssh_proxy_host_key: NotRequired[pulumi.Input[str] | None]
    """The bastion's public host key; unset, it is trusted on first use, with a warning."""
    ssh_proxy_private_key: NotRequired[pulumi.Input[str] | None]
    """Secret. The bastion's private key, when it is not the host's."""

    volume_paths: NotRequired[list[str] | None]
    """Absolute container paths the data container holds as volumes (default: the profile's)."""
    ports: NotRequired[list[str] | None]
    """Published ports: `"80"` (same on host and container) or `"8080:80"` (default: the profile's)."""
    cloudify_packages: NotRequired[dict[str, Any] | None]
    """Cloudify's `cloudify_packages`: `agents` (name -> URL of a .deb or .tar.gz), and `docker.docker_url` to
    import the images from a tarball instead of pulling them."""
    management_ip: NotRequired[pulumi.Input[str] | None]
    """The manager's address (default: `host`, else 127.0.0.1)."""
    hostname: NotRequired[pulumi.Input[str] | None]
    """Fixed hostname of the application container (RFC 1123; default with `cloudify-7`: `name_prefix`)."""
    privileged: NotRequired[bool | None]
    """Run the application container privileged (default false)."""
    use_sudo: NotRequired[bool | None]
    """Run Docker through `sudo -n` (default: true when `host` is set and `ssh_user` is not root)."""

    docker_apt_repo: NotRequired[str | None]
    """Ubuntu 14.04 only: Docker's apt repository, or a mirror of it."""
    docker_apt_key_fingerprint: NotRequired[str | None]
    """Ubuntu 14.04 only: the fingerprint the repository key must have (default: Docker's)."""
    docker_trusty_version: NotRequired[str | None]
    """Ubuntu 14.04 only: `auto` (by kernel) or an apt version of docker-ce."""
    docker_cli_url: NotRequired[str | None]
    """Ubuntu 14.04 with ssh:// only: URL of a static Docker CLI (18.09+)."""
    docker_cli_sha256: NotRequired[str | None]
    """SHA-256 of `docker_cli_url`; required where that CLI is installed."""
    docker_host: NotRequired[pulumi.Input[str] | None]
    """Docker address for the provider (default: ssh://ssh_user@host:ssh_port, or the local endpoint);
    tcp:// needs the three TLS fields."""
    docker_tls_ca_cert: NotRequired[pulumi.Input[str] | None]
    """PEM CA certificate for a tcp:// `docker_host`."""
    docker_tls_cert: NotRequired[pulumi.Input[str] | None]
    """PEM client certificate for a tcp:// `docker_host`."""
    docker_tls_key: NotRequired[pulumi.Input[str] | None]
    """Secret. PEM client key for a tcp:// `docker_host`."""

    name_prefix: NotRequired[str | None]
    """Containers are `<name_prefix>-data` and `<name_prefix>-manager` (default `cloudify`)."""
    readiness_path: NotRequired[str | None]
    """URL path `pulumi up` waits on (default: the profile's)."""
    readiness_port: NotRequired[int | None]
    """Host port of the manager's REST API (default 80)."""
    readiness_timeout: NotRequired[int | None]
    """Seconds to wait for the manager (default: the profile's)."""
    tmpfs: NotRequired[dict[str, str] | None]
    """Container path -> tmpfs mount options (`""` for the defaults)."""
    cap_add: NotRequired[list[str] | None]
    """Extra capabilities (`SYS_ADMIN`); refused on Docker older than 18.09."""
    security_opts: NotRequired[list[str] | None]
    """Security options of the application container."""
    host_mounts: NotRequired[list[str] | None]
    """Bind mounts `"/host:/container[:ro|:rw]"`."""
    cgroupns_mode: NotRequired[str | None]
    """Cgroup namespace of the application container: `host` or `private`."""
    app_command: NotRequired[list[str] | None]
    """Command of the application container (default: the image's)."""
    config_dir: NotRequired[str | None]
    """Host folder of the generated config.yaml (cloudify-7)."""
    admin_password: NotRequired[pulumi.Input[str] | None]
    """Secret. The manager's admin password (cloudify-7; default: generated once, kept in the state)."""
    manager_secret: NotRequired[pulumi.Input[str] | None]
    """Secret, 32+ characters, never changed: the REST service's keys derive from it (cloudify-7; default:
    generated once, protected)."""

    data_volumes: NotRequired[str | None]
    """`named` (one Docker volume per path, default) or `anonymous` (stacks created before named volumes)."""
    backup_dir: NotRequired[str | None]
    """Host folder of the backup archives (default: /var/lib/cloudify-backups remotely)."""
    backups_to_keep: NotRequired[int | None]
    """How many backup archives of this manager are kept (default 3)."""
    backup_compression: NotRequired[str | None]
    """`auto` (default), `zstd`, `gzip` or `none`."""
    registry_server: NotRequired[pulumi.Input[str] | None]
    """Private registry for image pulls (`registry.example.com`); with `registry_username` and
    `registry_password`."""
    registry_username: NotRequired[pulumi.Input[str] | None]
    """User of the private registry."""
    registry_password: NotRequired[pulumi.Input[str] | None]
    """Secret. Password of the private registry."""

    log_driver: NotRequired[str | None]
    """Log driver of the application container (default `json-file`; `daemon`: the daemon's default)."""
    log_max_size: NotRequired[str | None]
    """Rotation size of json-file and local logs (default `50m`)."""
    log_max_file: NotRequired[int | None]
    """Rotated log files kept (default 5)."""
    healthcheck: NotRequired[bool | None]
    """A Docker healthcheck on the readiness URL (default true)."""
    healthcheck_interval: NotRequired[int | None]
    """Seconds between health checks (default 30)."""
    healthcheck_start_period: NotRequired[int | None]
    """Seconds before health check failures count (default: the profile's readiness time)."""

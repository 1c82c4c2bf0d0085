"""Manager profiles: what a given Cloudify image needs, as data in one table.

A profile bundles the facts that belong to an image generation (its state
paths, its ports, how it reports readiness, how its identity is kept across a
container replacement), so that a stack names `managerProfile` instead of
copying a list of flags. Every key a profile sets can still be overridden by
the stack's own setting of the same name.

Where each fact comes from (also listed in docs/cloudify-7.md):

- `cloudify-3.2`: cloudify-manager-blueprints 3.2 `simple-manager-blueprint.yaml`
  and cloudify-cli 3.2 `cloudify_cli/bootstrap/tasks.py` (the seed's paths,
  ports, `MANAGEMENT_IP` and `GET /version`).
- `cloudify-7`: cloudify-manager-install 7.0.4:
  `packaging/docker/Dockerfile` (supervisord, not systemd, since 356d25c3 "Drop
  systemd service management"; `EXPOSE 80 443 5671 53333`),
  `packaging/docker/starter.conf` (every start runs `cfy_manager image-starter`,
  i.e. `cfy_manager configure`), `cfy_manager/main.py` `image_starter` (guesses
  the private IP and sets the admin password to `admin` unless configured),
  `cfy_manager/components/restservice/restservice.py` (regenerates
  `flask_security` unless pinned in config.yaml; a hostname not yet in the
  database makes configure join a cluster),
  `cfy_manager/components/restservice/db.py` (`validate_schema_version`),
  `cfy_manager/main.py` `configure` (logs "Configuration finished
  successfully!" when it is done, line 1041; the REST service answers
  `/api/v3.1/ok` before that). cloudify-helm `cloudify-manager-worker`
  `templates/after_hook.yaml` lines 69-71 and 99 (the chart keeps the UI's
  `/opt/cloudify-stage/dist/userData`: custom widgets and templates).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ManagerProfile:
    """Defaults and behaviour for one generation of Cloudify Manager images."""

    name: str
    volume_paths: tuple[str, ...]
    """Every path the data container keeps (the manager's state)."""
    ports: tuple[int, ...]
    """Ports published on the host, same number inside and outside."""
    readiness_path: str
    """Unauthenticated HTTP path that answers 2xx/3xx once the manager is up."""
    readiness_timeout: int
    """Seconds a fresh container may take to become ready."""
    management_ip_env: bool
    """Pass `MANAGEMENT_IP` to the application container (3.2's bootstrap did)."""
    manager_config: bool
    """Generate and mount `/etc/cloudify/config.yaml`, pinning the manager's identity."""
    fixed_hostname: bool
    """Give the container a fixed hostname: a new one makes configure join a cluster."""
    ready_log_line: str | None = None
    """A line the container logs once it is fully configured; readiness waits for it as well as for HTTP."""


PROFILES: dict[str, ManagerProfile] = {
    "cloudify-3.2": ManagerProfile(
        name="cloudify-3.2",
        volume_paths=(
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
        ),
        # REST/UI, Riemann, RabbitMQ, file server, REST service, internal REST,
        # Elasticsearch, InfluxDB.
        ports=(80, 5555, 5672, 53229, 8100, 8101, 9200, 8086),
        readiness_path="/version",
        readiness_timeout=180,
        management_ip_env=True,
        manager_config=False,
        fixed_hostname=False,
    ),
    "cloudify-7": ManagerProfile(
        name="cloudify-7",
        volume_paths=(
            "/etc/cloudify",
            "/var/lib/pgsql",
            "/var/lib/rabbitmq",
            "/opt/manager/resources",
            "/opt/mgmtworker/env/plugins",
            "/opt/mgmtworker/work",
            "/var/log/cloudify",
            "/opt/cloudify-stage/dist/userData",
        ),
        ports=(80, 443, 5671, 53333),
        readiness_path="/api/v3.1/ok",
        readiness_timeout=600,
        management_ip_env=False,
        manager_config=True,
        fixed_hostname=True,
        ready_log_line="Configuration finished successfully!",
    ),
}

DEFAULT_PROFILE = "cloudify-3.2"

# The services of Cloudify 7's all-in-one image (cloudify-manager-install 7.0.4
# packaging/docker/config.yaml), which has no entropy_service (haveged). The
# image's own config.yaml lists them, and once /etc/cloudify/.installed exists
# configure defaults to the installed services anyway (cfy_manager/config.py
# `_load_defaults_config`); our config.yaml replaces the image's, so it states
# the same list rather than rely on that default.
CLOUDIFY_7_SERVICES: tuple[str, ...] = ("database_service", "queue_service", "manager_service", "monitoring_service")

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

PUBLIC = "public"
"""The UI and REST API: published on `publicAddress`."""
AGENTS = "agents"
"""What the agents on managed hosts connect to: published on the management address."""
INTERNAL = "internal"
"""The manager's own services behind its front end: not published unless `ports` names them."""
ROLES = (PUBLIC, AGENTS, INTERNAL)


@dataclass(frozen=True)
class ProfilePort:
    """One port an image listens on, with the role that decides where it is published, and who needs it."""

    number: int
    role: str
    service: str
    needed_by: str
    plain_http: bool = False
    """Answers plain HTTP: published by default only without `managerTls` (with it, it only refuses the API and
    redirects, and a client that sends its credentials there has already sent them in the clear)."""


@dataclass(frozen=True)
class ManagerProfile:
    """Defaults and behaviour for one generation of Cloudify Manager images."""

    name: str
    volume_paths: tuple[str, ...]
    """Every path the data container keeps (the manager's state)."""
    ports: tuple[ProfilePort, ...]
    """Every port the image listens on, by role; those not internal are published by default."""
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
    rest_login: bool
    """Its REST API asks for a login. Without one (3.2 as this program runs it), its public ports default to the
    management address, and publishing them on every address is warned about (docs/network-exposure.md)."""
    ready_log_line: str | None = None
    """A line the container logs once it is fully configured; readiness waits for it as well as for HTTP."""
    bootstrap_context: bool = False
    """Upload Cloudify 3.2's bootstrap (provider) context once ready, as its CLI's bootstrap did."""

    def role_of(self, port: int) -> str | None:
        """The role of a container port, or None for a port this profile does not know."""
        return next((p.role for p in self.ports if p.number == port), None)

    def published_ports(self, *, tls: bool) -> tuple[int, ...]:
        """The container ports published when `ports` is not set: every port but the internal ones, and with TLS
        but the plain HTTP ones."""
        return tuple(sorted(p.number for p in self.ports if p.role != INTERNAL and not (tls and p.plain_http)))


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
        # Roles as Cloudify's own 3.2 manager blueprints opened them (openstack-manager-blueprint.yaml and
        # aws-ec2-manager-blueprint.yaml at tag 3.2): 80 to the world; 5672, 53229 and 8101 only to the agents'
        # network; 5555, 8100, 9200 and 8086 never.
        ports=(
            ProfilePort(80, PUBLIC, "nginx: UI and REST API", "users, the CLI, `pulumi up`'s readiness check"),
            ProfilePort(5672, AGENTS, "RabbitMQ", "agents"),
            ProfilePort(53229, AGENTS, "file server", "agents (plugin and blueprint downloads)"),
            ProfilePort(8101, AGENTS, "internal REST", "agents"),
            ProfilePort(5555, INTERNAL, "Riemann", "the manager itself"),
            ProfilePort(8100, INTERNAL, "REST service behind nginx", "the manager itself"),
            ProfilePort(9200, INTERNAL, "Elasticsearch", "the manager itself"),
            ProfilePort(8086, INTERNAL, "InfluxDB", "the manager itself"),
        ),
        readiness_path="/version",
        readiness_timeout=180,
        management_ip_env=True,
        manager_config=False,
        fixed_hostname=False,
        # 3.2's REST security (the manager blueprint's `cloudify.security`, off by default) was a file the 3.2
        # CLI's bootstrap wrote for the container, named by MANAGER_REST_SECURITY_CONFIG_PATH (cloudify-cli tag
        # 3.2 cloudify_cli/bootstrap/tasks.py lines 279-309, 537-570); this program writes neither.
        rest_login=False,
        bootstrap_context=True,
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
        # The image EXPOSEs 80, 443, 5671 and 53333 (Dockerfile line 20). 443 is the external listener with
        # SSL and the internal REST port agents use (`internal_rest_port: 443`, config.yaml 41-55), so it is
        # public; 53333 is the additional internal REST listener and 5671 the broker (config.yaml 98-99).
        ports=(
            ProfilePort(
                80, PUBLIC, "nginx: UI and REST API without SSL", "users, the CLI, `pulumi up`", plain_http=True
            ),
            ProfilePort(443, PUBLIC, "nginx: UI and REST API with SSL; internal REST", "users, the CLI, agents"),
            ProfilePort(5671, AGENTS, "RabbitMQ (TLS)", "agents"),
            ProfilePort(53333, AGENTS, "internal REST (TLS)", "agents"),
        ),
        readiness_path="/api/v3.1/ok",
        readiness_timeout=600,
        management_ip_env=False,
        manager_config=True,
        rest_login=True,
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

"""The CloudifyManager component: Cloudify's "Manager Containers" on one Docker host.

Resource graph (every child has `parent=self`):

1. `docker-engine`: host command making Docker usable (installs it online only
   on Ubuntu 14.04), and usable by the provider's ssh:// login; prints the
   distribution and the Docker server and client versions.
2. `docker`: explicit Docker provider whose `host` is derived from (1)'s output,
   so no Docker connection happens before (1) succeeded.
3. images: `RemoteImage`s kept locally, or `docker import` commands for
   Cloudify's offline `docker_url`.
4. `volume-<path>` and `data`: one named Docker volume per state path, and the
   data-only container that mounts them; created once, never started, all
   `protect=True` and `retain_on_delete=True` (with `dataVolumes: anonymous`,
   the data container's own anonymous volumes instead).
5. `manager-config` (profiles that pin the manager's identity): writes
   config.yaml on the host from stdin, secret end to end.
6. `backup`: whenever (7) is about to be replaced (its replacement key, a
   digest of every input that forces replacement, changed), stops the old
   application container and archives the data, before anything is deleted.
7. `app`: the application container using the data container's volumes;
   `delete_before_replace=True` because its name and host ports are fixed.
   It is replaced when (5)'s content changes, through a keyed revision in its
   environment.
8. `agent-packages`: installs the agents inside (7), again whenever (7) is replaced.
9. `ready`: waits for the REST port to answer (and, for cloudify-7, for its
   configure to finish), again whenever (7) is replaced; on failure it names
   the backup and the commands to go back.
10. `admin-password` (profiles that pin the manager's identity): sets the
   configured admin password in the manager's database after (9), again
   whenever (7) is replaced; configure itself sets it only on a new database.

Changing `appImage` changes only the app image, (6), (7), (8), (9) and (10).

Every container input is declared in the form the provider reads back
(kreuzwerker/terraform-provider-docker v4.5.0 `resourceDockerContainerRead`),
so a second `up` plans nothing; tests/test_provider_readback.py holds the table.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_command as command
import pulumi_docker as docker
import pulumi_random as random

from . import host_scripts, manager_config
from .docker_endpoint import SshIdentity, checked_docker_host, parse_host_report, provider_ssh_user
from .model import ManagerSettings
from .rules import LOG_DRIVER_OF_THE_DAEMON, ROTATING_LOG_DRIVERS, path_slug

# Where the generated config.yaml is mounted (cloudify-manager-install 7.0.4
# constants.USER_CONFIG_PATH); read-only: configure only reads it.
MANAGER_CONFIG_TARGET = "/etc/cloudify/config.yaml"
CONFIG_REVISION_ENV = "CLOUDIFY_CONFIG_REVISION"
# The app container carries the digest of its own other inputs: the backup step
# compares it with the desired one to know whether a replacement follows.
REPLACEMENT_KEY_ENV = "CLOUDIFY_PULUMI_REPLACEMENT_KEY"

TYPE_TOKEN = "cloudify:index:CloudifyManager"
HostCommand = command.local.Command | command.remote.Command


@dataclass
class DockerTls:
    """TLS material for a `tcp://` `dockerHost`; `key` must be a Pulumi secret."""

    ca_cert: pulumi.Input[str]
    cert: pulumi.Input[str]
    key: pulumi.Input[str]


@dataclass
class RegistryAuth:
    """Credentials for a private registry; `password` must be a Pulumi secret."""

    server: str
    username: str
    password: pulumi.Input[str]


@dataclass
class ManagerSecrets:
    """Secrets of a profile that pins the manager's identity; set ones must be Pulumi secrets.

    `admin_password` is the manager's admin password; `manager_secret` (32+
    characters, never changed) derives the REST service's hash salt, secret key
    and encryption key. Either left None is generated once (pulumi-random) and
    kept, secret, in the stack's state.
    """

    admin_password: pulumi.Input[str] | None = None
    manager_secret: pulumi.Input[str] | None = None


@dataclass
class CloudifyManagerArgs:
    """Inputs of a CloudifyManager.

    `settings` holds every plain, validated setting. Secrets stay Pulumi
    Outputs: `ssh_private_key` (for the SSH commands and the Docker provider's
    ssh client) and `docker_tls` (for a `tcp://` `dockerHost`).
    `ssh_identity` says where the Docker provider's ssh client finds this
    stack's key and known hosts. `manager_secrets` are used by profiles with
    `manager_config`; what they leave unset is generated.
    """

    settings: ManagerSettings
    ssh_private_key: pulumi.Input[str] | None = None
    ssh_proxy_private_key: pulumi.Input[str] | None = None
    """The bastion's key (`settings.ssh_proxy`); None: the bastion takes `ssh_private_key` too."""
    docker_tls: DockerTls | None = None
    manager_secrets: ManagerSecrets | None = None
    registry_auth: RegistryAuth | None = None
    ssh_identity: SshIdentity = field(default_factory=lambda: SshIdentity.for_stack(
        pulumi.get_project(), pulumi.get_stack()))


class CloudifyManager(pulumi.ComponentResource):
    """A Cloudify Manager as a protected data-only container plus a replaceable app container."""

    manager_url: pulumi.Output[str]
    """Where the manager's REST API and UI answer (known once it is ready)."""
    docker_server_version: pulumi.Output[str]
    """The Docker server version the install step found on the host."""
    data_container_name: pulumi.Output[str]
    data_container_id: pulumi.Output[str]
    app_container_name: pulumi.Output[str]
    app_container_id: pulumi.Output[str]
    latest_backup: pulumi.Output[str]
    """The newest backup archive on the host ("" until the first replacement)."""
    admin_password: pulumi.Output[str] | None
    """The manager's admin password, secret: set or generated (None for profiles without one)."""

    def __init__(self, name: str, args: CloudifyManagerArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        self._name = name
        self._args = args
        self._settings = args.settings
        self._secrets = self._manager_secrets()
        self._connection = self._ssh_connection()
        self._warn_unpinned_host_keys()

        engine = self._host_command("docker-engine", host_scripts.ensure_docker(
            self._settings, provider_ssh_user(self._settings)))
        provider = self._docker_provider(engine)
        data_image_id, app_image_id = self._images(engine, provider)
        data = self._data_container(data_image_id, provider)
        config = self._manager_config(engine)
        app_inputs = self._app_inputs(app_image_id, data, config)
        replacement_key = pulumi.Output.from_input(app_inputs).apply(
            lambda resolved: hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest())
        backup = self._backup(replacement_key, data)
        app = self._app_container(app_inputs, replacement_key, backup, data, provider)
        agents = self._agent_packages(app)
        report = backup.stdout.apply(host_scripts.parse_key_values)
        ready = self._readiness(app, agents, report)
        ready = self._admin_password(app, ready) or ready

        self.docker_server_version = engine.stdout.apply(lambda out: parse_host_report(out).docker_version)
        self.data_container_name = data.name
        self.data_container_id = data.id
        self.app_container_name = app.name
        self.app_container_id = app.id
        self.manager_url = ready.id.apply(lambda _: self._settings.manager_url)
        self.latest_backup = report.apply(lambda values: values.get("BACKUP_FILE", ""))
        self.admin_password = self._admin_password_input()
        self.register_outputs({
            **({"adminPassword": self.admin_password} if self.admin_password is not None else {}),
            "latestBackup": self.latest_backup,
            "managerUrl": self.manager_url,
            "dockerServerVersion": self.docker_server_version,
            "dataContainerName": self.data_container_name,
            "dataContainerId": self.data_container_id,
            "appContainerName": self.app_container_name,
            "appContainerId": self.app_container_id,
        })

    def _warn_unpinned_host_keys(self) -> None:
        """Trust on first use is a choice the user should see: once per host key that is not pinned."""
        s = self._settings
        unpinned = []
        if s.is_remote and not s.ssh_host_key:
            unpinned.append(("sshHostKey", s.host))
        if s.ssh_proxy is not None and not s.ssh_proxy.host_key:
            unpinned.append(("sshProxyHostKey", s.ssh_proxy.host))
        for key, host in unpinned:
            pulumi.warn(f"{key} is not set: the host key of {host} is trusted on first use. Pin it: "
                        f"pulumi config set {key} \"$(ssh-keyscan -t ed25519 {host} | cut -d' ' -f2-)\"")

    # -- secrets ---------------------------------------------------------------

    def _manager_secrets(self) -> ManagerSecrets | None:
        """The admin password and manager secret of a profile that configures them: a set value wins; the
        other is pulumi-random's, made once and kept, secret, in the state.

        Both generators are declared whether or not a value is set, so that switching between a set and a
        generated value never deletes one: the generated manager secret is protected, because losing it
        makes every secret the manager stored unreadable.
        """
        if not self._settings.profile.manager_config:
            return None
        given = self._args.manager_secrets or ManagerSecrets()
        admin = random.RandomPassword(f"{self._name}-generated-admin-password", length=24, special=False,
                                      opts=pulumi.ResourceOptions(parent=self))
        secret = random.RandomPassword(f"{self._name}-generated-manager-secret", length=48, special=False,
                                       opts=pulumi.ResourceOptions(parent=self, protect=True))
        return ManagerSecrets(
            admin_password=given.admin_password if given.admin_password is not None else admin.result,
            manager_secret=given.manager_secret if given.manager_secret is not None else secret.result)

    # -- host commands -------------------------------------------------------

    def _ssh_connection(self) -> command.remote.ConnectionArgs | None:
        """SSH settings of the remote host; None when the manager goes on this machine."""
        s = self._settings
        if not s.is_remote:
            return None
        proxy = None
        if s.ssh_proxy is not None:
            # pulumi-command v1.2.1 dials the bastion, then the host through it; each hop checks its own key.
            proxy_key = self._args.ssh_proxy_private_key
            proxy = command.remote.ProxyConnectionArgs(
                host=s.ssh_proxy.host, port=s.ssh_proxy.port, user=s.ssh_proxy.user, host_key=s.ssh_proxy.host_key,
                private_key=proxy_key if proxy_key is not None else self._args.ssh_private_key)
        return command.remote.ConnectionArgs(
            host=s.host, port=s.ssh_port, user=s.ssh_user,
            private_key=self._args.ssh_private_key, host_key=s.ssh_host_key, proxy=proxy)

    def _host_command(self, suffix: str, create: pulumi.Input[str], *,
                      triggers: list[pulumi.Input[str]] | None = None,
                      depends_on: list[pulumi.Resource] | None = None,
                      stdin: pulumi.Input[str] | None = None) -> HostCommand:
        """A command on the Docker host: over SSH, or locally when `host` is unset.

        `stdin` carries secrets (never the command line, which `ps` shows); it is
        kept secret in the state, whatever the provider does with its inputs.
        The scripts' progress lines (stderr) stream into `pulumi up` as they come;
        stdout holds only their KEY=value results and is not logged.
        """
        opts = pulumi.ResourceOptions(parent=self, depends_on=depends_on or [],
                                      additional_secret_outputs=["stdin"] if stdin is not None else None)
        resource_name = f"{self._name}-{suffix}"
        if self._connection is None:
            return command.local.Command(resource_name, create=create, triggers=triggers, stdin=stdin,
                                         logging=command.local.Logging.STDERR, opts=opts)
        return command.remote.Command(resource_name, connection=self._connection, create=create,
                                      triggers=triggers, stdin=stdin, logging=command.remote.Logging.STDERR,
                                      opts=opts)

    def _manager_config(self, engine: HostCommand) -> pulumi.Output[str] | None:
        """Write config.yaml on the host; returns its keyed revision (None for profiles without one).

        The content (admin password, REST keys) is built inside an apply on the
        secret inputs, so it stays a secret Output all the way to the command's stdin.
        """
        s = self._settings
        if not s.profile.manager_config:
            return None
        secrets = self._secrets
        assert secrets is not None  # profiles with manager_config have them (_manager_secrets)
        text = pulumi.Output.secret(pulumi.Output.all(secrets.admin_password, secrets.manager_secret).apply(
            lambda values: manager_config.render(s, *values)))
        step = self._host_command("manager-config", host_scripts.write_manager_config(s), stdin=text,
                                  depends_on=[engine])
        revision = pulumi.Output.unsecret(pulumi.Output.all(secrets.manager_secret, text).apply(
            lambda values: manager_config.revision(*values)))
        # The revision is only known to be current once the file is written.
        return pulumi.Output.all(step.id, revision).apply(lambda values: values[1])

    # -- Docker ----------------------------------------------------------------

    def _docker_provider(self, engine: HostCommand) -> docker.Provider:
        """The provider for this host; its address exists only once `engine` succeeded."""
        s = self._settings
        identity = self._args.ssh_identity
        key = self._args.ssh_private_key
        if s.is_remote:
            # Keys and pinned host keys must be on disk before the provider's ssh runs.
            proxy_key = self._args.ssh_proxy_private_key if s.ssh_proxy is not None else None
            written = pulumi.Output.all(key, proxy_key).apply(lambda keys: identity.write(s, *keys))
            ready = pulumi.Output.unsecret(written)
            ssh_opts = identity.ssh_opts(s, with_key=key is not None, with_proxy_key=proxy_key is not None)
        else:
            ready = pulumi.Output.from_input("")
            ssh_opts = None
        address = pulumi.Output.all(engine.stdout, ready).apply(
            lambda values: checked_docker_host(s, values[0]))
        tls = self._args.docker_tls
        auth = self._args.registry_auth
        return docker.Provider(
            f"{self._name}-docker",
            host=address,
            ssh_opts=ssh_opts,
            registry_auth=[docker.ProviderRegistryAuthArgs(
                address=auth.server, username=auth.username,
                password=pulumi.Output.secret(auth.password))] if auth else None,
            ca_material=tls.ca_cert if tls else None,
            cert_material=tls.cert if tls else None,
            key_material=pulumi.Output.secret(tls.key) if tls else None,
            opts=pulumi.ResourceOptions(parent=self))

    def _images(self, engine: HostCommand, provider: docker.Provider
                ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """Image IDs for the data and app containers: pulled, or imported offline."""
        s = self._settings
        if s.docker_image_url is not None:
            data_import = self._host_command(
                "data-image-import", host_scripts.import_image(s, s.data_image, only_if_missing=True),
                depends_on=[engine])
            app_import = self._host_command(
                "app-image-import", host_scripts.import_image(s, s.app_image, only_if_missing=False),
                depends_on=[engine, data_import])
            return _imported_id(data_import), _imported_id(app_import)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        data = docker.RemoteImage(f"{self._name}-data-image", name=s.data_image,
                                  keep_locally=True, opts=child)
        app = docker.RemoteImage(f"{self._name}-app-image", name=s.app_image,
                                 keep_locally=True, opts=child)
        return data.image_id, app.image_id

    def _data_container(self, image_id: pulumi.Input[str], provider: docker.Provider) -> docker.Container:
        """Created once, never started, holds every persistent path as a volume.

        Named volumes (the default) outlive even the data container; Docker fills
        an empty one from the image's content when the container is created, as
        it does anonymous volumes (proved by a host test).
        """
        s = self._settings
        kept = pulumi.ResourceOptions(parent=self, provider=provider, protect=True, retain_on_delete=True)
        if s.data_volumes == "named":
            volumes = [docker.ContainerVolumeArgs(container_path=path, volume_name=docker.Volume(
                f"{self._name}-volume-{path_slug(path)}", name=s.volume_name(path), opts=kept).name)
                for path in s.volume_paths]
        else:
            volumes = [docker.ContainerVolumeArgs(container_path=p) for p in s.volume_paths]
        return docker.Container(
            f"{self._name}-data",
            name=s.data_container_name,
            image=image_id,
            command=["true"],  # never run; imported images have no CMD to create from
            volumes=volumes,
            start=False,
            must_run=False,
            remove_volumes=False,
            opts=kept)

    def _app_inputs(self, image_id: pulumi.Input[str], data: docker.Container,
                    config_revision: pulumi.Output[str] | None) -> dict[str, Any]:
        """Every input of the application container, as plain data.

        Kept as data so that the backup step's trigger is derived from exactly
        what the container is given, and cannot drift from it.
        """
        s = self._settings
        envs: list[pulumi.Input[str]] = []
        if s.profile.management_ip_env:
            envs.append(f"MANAGEMENT_IP={s.management_ip}")
        mounts: list[dict[str, Any]] = [{"type": "bind", "source": m.source, "target": m.target,
                                         "read_only": m.read_only} for m in s.host_mounts]
        if config_revision is not None:
            envs.append(config_revision.apply(lambda revision: f"{CONFIG_REVISION_ENV}={revision}"))
            mounts.append({"type": "bind", "source": f"{s.manager_config_dir}/config.yaml",
                           "target": MANAGER_CONFIG_TARGET, "read_only": True})
        inputs: dict[str, Any] = {
            "name": s.app_container_name,
            "image": image_id,
            "hostname": s.hostname,
            "command": list(s.app_command) or None,
            "volumes": [{"from_container": data.name}],
            "ports": [{"internal": p.container, "external": p.host, "ip": "0.0.0.0", "protocol": "tcp"}
                      for p in s.ports],
            "envs": envs or None,
            "privileged": s.privileged,
            "tmpfs": dict(s.tmpfs) or None,
            "capabilities": {"adds": list(s.cap_add)} if s.cap_add else None,
            "security_opts": list(s.security_opts) or None,
            "cgroupns_mode": s.cgroupns_mode,
            "mounts": mounts or None,
            **self._log_config(),
            "healthcheck": self._healthcheck(),
        }
        return {key: value for key, value in inputs.items() if value is not None}

    def _log_config(self) -> dict[str, Any]:
        """Bounded logs: Docker's default json-file driver keeps a container's output forever.

        Declared as the engine stores them, so they read back unchanged (kreuzwerker v4.5.0
        resource_docker_container_funcs.go line 951 `LogConfig.Type`, line 952 and 983-989 the options as
        given); both are ForceNew. `logDriver: daemon` declares neither and keeps the daemon's default.
        """
        s = self._settings
        if s.log_driver == LOG_DRIVER_OF_THE_DAEMON:
            return {}
        if s.log_driver not in ROTATING_LOG_DRIVERS:
            return {"log_driver": s.log_driver}
        return {"log_driver": s.log_driver, "log_opts": {"max-size": s.log_max_size, "max-file": str(s.log_max_file)}}

    def _healthcheck(self) -> dict[str, Any] | None:
        """A Docker healthcheck on the readiness URL, inside the container, so that `docker ps` and monitoring
        that reads Docker health see whether the manager answers.

        Durations are declared as Go's `time.Duration.String` writes them, which is what the provider reads
        back (kreuzwerker v4.5.0 resource_docker_container_funcs.go lines 960-970); the provider neither
        replaces nor updates on a change of it, so it is in `replace_on_changes`. The start period is its own
        setting (default: the profile's readiness time), not `readinessTimeout`, so that a longer wait for
        `pulumi up` does not replace the container.
        """
        s = self._settings
        if not s.healthcheck:
            return None
        port = next((p.container for p in s.ports if p.host == s.readiness_port), s.readiness_port)
        url = shlex.quote(f"http://127.0.0.1:{port}{s.readiness_path}")
        probe = f"curl -fsS -o /dev/null {url} || wget -q -O /dev/null {url}"
        return {"tests": ["CMD-SHELL", probe], "interval": go_duration(s.healthcheck_interval),
                "timeout": go_duration(10), "start_period": go_duration(s.healthcheck_start_period),
                "start_interval": go_duration(0), "retries": 3}

    def _backup(self, replacement_key: pulumi.Output[str], data: docker.Container) -> HostCommand:
        """Archive the data before the app container is replaced; a no-op when it is not.

        `replacement_key` is a digest of every app input that forces replacement
        (all of them: `restart` and `must_run`, which update in place, are set
        apart and never vary), so the step reruns exactly when the container is
        replaced, and after the new image is on the host. On the host the script
        compares it with the key the running container carries, so a rerun for
        any other reason (a new backupDir) backs nothing up and stops nothing.
        """
        create = replacement_key.apply(lambda key: host_scripts.backup_data(self._settings, key))
        return self._host_command("backup", create, triggers=[replacement_key], depends_on=[data])

    def _app_container(self, app_inputs: dict[str, Any], replacement_key: pulumi.Output[str], backup: HostCommand,
                       data: docker.Container, provider: docker.Provider) -> docker.Container:
        """The Cloudify application; replaced (delete first) on every image or config change.

        Created only after the backup step (which needs the old container) ran.
        `tmpfs` is neither ForceNew nor applied by the provider's Update
        (kreuzwerker v4.5.0 resource_docker_container.go), so a change of it
        must replace the container, or it would show as an update that does nothing.
        """
        envs = [*app_inputs.get("envs", []), replacement_key.apply(lambda key: f"{REPLACEMENT_KEY_ENV}={key}")]
        return docker.Container(
            f"{self._name}-app",
            **{**app_inputs, "envs": envs},
            restart="always",
            must_run=True,
            opts=pulumi.ResourceOptions(parent=self, provider=provider, protect=False, delete_before_replace=True,
                                        replace_on_changes=["tmpfs", "healthcheck"], depends_on=[data, backup]))

    # -- after the app container ----------------------------------------------

    def _agent_packages(self, app: docker.Container) -> HostCommand | None:
        """Install the agents inside the app container; reruns when it is replaced."""
        s = self._settings
        if not s.agents:
            return None
        create = app.name.apply(lambda container: host_scripts.install_agents(s, container))
        return self._host_command("agent-packages", create, triggers=[app.id], depends_on=[app])

    def _readiness(self, app: docker.Container, agents: HostCommand | None,
                   backup_report: pulumi.Output[dict[str, str]]) -> HostCommand:
        """Block until the manager answers its REST port (the container log and the way back on failure)."""
        s = self._settings
        create = pulumi.Output.all(app.name, backup_report).apply(lambda values: host_scripts.wait_ready(
            s, values[0], values[1].get("BACKUP_FILE", ""), values[1].get("PREVIOUS_IMAGE", "")))
        after = [app] + ([agents] if agents is not None else [])
        return self._host_command("ready", create, triggers=[app.id], depends_on=after,
                                  stdin=self._admin_password_input())

    def _admin_password_input(self) -> pulumi.Output[str] | None:
        """The admin password as a secret, for profiles that configure one (None otherwise)."""
        if self._secrets is None:
            return None
        return pulumi.Output.secret(self._secrets.admin_password)

    def _admin_password(self, app: docker.Container, ready: HostCommand) -> HostCommand | None:
        """Set the configured admin password in the ready manager's database; reruns when (7) is replaced,
        which every change of the password causes (through the config revision)."""
        password = self._admin_password_input()
        if password is None:
            return None
        create = app.name.apply(lambda container: host_scripts.set_admin_password(self._settings, container))
        return self._host_command("admin-password", create, triggers=[app.id], depends_on=[ready], stdin=password)


def go_duration(seconds: int) -> str:
    """Whole seconds as Go's `time.Duration.String` writes them: 0s, 45s, 10m0s, 1h0m0s."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def _imported_id(step: HostCommand) -> pulumi.Output[str]:
    """The `IMAGE_ID=` line printed by import_image.sh."""
    return step.stdout.apply(lambda out: host_scripts.parse_key_values(out)["IMAGE_ID"])

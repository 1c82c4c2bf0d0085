"""The CloudifyManager component: Cloudify's "Manager Containers" on one Docker host.

Resource graph (every child has `parent=self`); steps 0 to 2 are the per-host steps any Cloudify node needs
(host/node.py `HostNode`), the rest what makes that node a manager:

0. `host-key` (and `bastion-host-key` behind a bastion), on a remote host whose key is not pinned: records the
   key it presents once, in the state; every SSH connection below is checked against it (ssh_trust.py).
   `scripts`: installs this release's host scripts for this manager, in a private folder of the SSH user's;
   every host step below depends on it and runs its script from there, so that a new release of the scripts
   runs this step alone (host_scripts.py).
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

What may come from another resource (the host, the SSH connection, the secrets: see args.py) reaches the
children as Outputs derived from `Resolved.settings`, so each child that needs the host depends on whatever
made it; settings that are all known (a stack's own managers) reach them as plain values (derive.py). Nothing
is created inside an `apply`, and the graph's shape comes from plain values only.

Every container input is declared in the form the provider reads back
(kreuzwerker/terraform-provider-docker v4.5.0 `resourceDockerContainerRead`),
so a second `up` plans nothing; tests/engine/test_provider_readback.py holds the table.
"""

import base64
import os
from collections.abc import Callable
from typing import TypeVar

import pulumi
import pulumi_docker as docker
import pulumi_random as random

from ..cloudify import manager_config, operator_config, ready_for_work
from ..cloudify.profiles import PUBLIC
from ..config import exposure
from ..config.args import CloudifyManagerArgs
from ..config.inputs import Resolved, resolve_args
from ..config.model import ManagerSettings
from ..host import app_steps, backups, containers, docker_resources, host_scripts
from ..host.backups import HostCommand, StepMaker
from ..host.derive import combine, derive
from ..host.docker_endpoint import SshIdentity, parse_host_report
from ..host.node import HostNode

TYPE_TOKEN = "cloudify:index:CloudifyManager"
T = TypeVar("T")


class CloudifyManager(pulumi.ComponentResource):
    """A Cloudify Manager on one Docker host: a protected data-only container that keeps every state path, and
    an application container that an image change replaces, after a backup, without touching the data."""

    manager_url: pulumi.Output[str]
    """Where the manager's REST API and UI answer (known once it is ready)."""
    docker_server_version: pulumi.Output[str]
    """The Docker server version the install step found on the host."""
    data_container_name: pulumi.Output[str]
    """Name of the data-only container (`<name_prefix>-data`)."""
    data_container_id: pulumi.Output[str]
    """Docker ID of the data-only container."""
    app_container_name: pulumi.Output[str]
    """Name of the application container (`<name_prefix>-manager`)."""
    app_container_id: pulumi.Output[str]
    """Docker ID of the application container; it changes on every upgrade."""
    latest_backup: pulumi.Output[str]
    """The newest backup archive on the host ("" until the first replacement)."""
    admin_password: pulumi.Output[str] | None
    """The manager's admin password, secret: set or generated (None for profiles without one)."""
    cli_profile: pulumi.Output[str]
    """Secret: the command that points a `cfy` CLI at this manager once it is ready for work (`cfy profiles use`
    with the admin user, password and tenant, and with TLS the CA to trust; `cfy use` for cloudify-3.2)."""
    manager_ca_cert: pulumi.Output[str] | None
    """With `managerTls`: the PEM CA a client must trust (`cfy profiles use ... --ssl --rest-certificate`): the
    manager's own CA, read from it once ready, or `managerTlsCaCert`; "" for a certificate the system's CAs
    check. None without TLS."""

    def __init__(
        self,
        name: str,
        args: CloudifyManagerArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        ssh_identity: SshIdentity | None = None,
        resolved: Resolved | None = None,
    ) -> None:
        """`ssh_identity`: where the Docker provider's ssh finds this manager's key and known hosts; by default
        a folder per project, stack and resource name. `resolved`: these args as `resolve_args` already judged
        them (a stack judges all its managers before it registers any); ignored unless made from `args`."""
        if resolved is None or resolved.args is not args:  # judged before anything is registered
            resolved = resolve_args(args, has_ssh_agent=bool(os.environ.get("SSH_AUTH_SOCK")))
        super().__init__(TYPE_TOKEN, name, None, opts)
        self._name = name
        self._plan = resolved.plan
        self._warn_open_api()
        self._settings = resolved.settings
        self._given = resolved.secrets
        self._manager_tls = resolved.manager_tls
        self._identity = ssh_identity or SshIdentity.for_stack(pulumi.get_project(), pulumi.get_stack(), name)
        self._secrets = self._manager_secrets()
        node = HostNode(name, resolved, self._identity, self)
        self._host_command: StepMaker = node.command
        engine, provider = node.engine, node.provider
        data_image_id, app_image_id = docker_resources.images(
            name, self._plan, self._settings, self._host_command, engine, provider, self
        )
        data = docker_resources.data_container(name, self._plan, data_image_id, provider, self)
        config = self._manager_config(engine)
        inputs = containers.app_inputs(self._plan, self._settings, app_image_id, data.name, config)
        replacement_key = containers.replacement_key(inputs)
        restore = backups.restore(self._host_command, self._plan, self._settings, after=[data])
        backup = backups.backup(
            self._host_command,
            self._plan,
            self._settings,
            replacement_key,
            after=[data] if restore is None else [data, restore],
        )
        app = docker_resources.app_container(name, self._plan, inputs, replacement_key, (data, backup), provider, self)
        agents = app_steps.agent_packages(self._host_command, self._plan, self._settings, app)
        report = backup.stdout.apply(host_scripts.parse_key_values)
        ready_step = app_steps.readiness(
            self._host_command, self._plan, self._settings, app, agents, report, self._admin_password_input()
        )
        ready = self._admin_password(app, ready_step) or ready_step
        key = ready_for_work.agent_key(
            self._host_command,
            self._plan,
            self._settings,
            app,
            self._given.get("agent_private_key"),
            self._admin_password_input(),
            after=ready,
        )
        context = ready_for_work.bootstrap_context(self._host_command, self._plan, self._settings, app, key or ready)
        pruned = backups.prune(self._host_command, self._plan, self._settings, app, backups.backup_file(backup), ready)
        taken_now = backups.backup_now(self._host_command, self._plan, self._settings, after=pruned)

        self.docker_server_version = engine.stdout.apply(lambda out: parse_host_report(out).docker_version)
        self.data_container_name = data.name
        self.data_container_id = data.id
        self.app_container_name = app.name
        self.app_container_id = app.id
        self.manager_url = combine(self._settings, [ready.id], lambda s, _: s.manager_url)
        self.latest_backup = pulumi.Output.all(
            backups.backup_file(backup), *([backups.backup_file(taken_now)] if taken_now else [])
        ).apply(lambda files: backups.newest(*files))
        self.admin_password = self._admin_password_input()
        self.manager_ca_cert = self._manager_ca_cert(ready_step) if self._plan.tls else None
        self.cli_profile = ready_for_work.cli_profile(
            self._settings, context or key or ready, self._admin_password_input(), self.manager_ca_cert
        )
        self.register_outputs(
            {
                **({"adminPassword": self.admin_password} if self.admin_password is not None else {}),
                **({"managerCaCert": self.manager_ca_cert} if self.manager_ca_cert is not None else {}),
                "cliProfile": self.cli_profile,
                "latestBackup": self.latest_backup,
                "managerUrl": self.manager_url,
                "dockerServerVersion": self.docker_server_version,
                "dataContainerName": self.data_container_name,
                "dataContainerId": self.data_container_id,
                "appContainerName": self.app_container_name,
                "appContainerId": self.app_container_id,
            }
        )

    def _from_settings(self, read: Callable[[ManagerSettings], T]) -> pulumi.Input[T]:
        """A value derived from the real settings: it follows (and depends on) any Output they came from."""
        return derive(self._settings, read)

    # -- secrets ---------------------------------------------------------------

    def _manager_secrets(self) -> tuple[pulumi.Output[str], pulumi.Output[str], pulumi.Output[str]] | None:
        """The admin password, manager secret and broker password of a profile that configures them: a set
        value wins; the other is pulumi-random's, made once and kept, secret, in the state.

        Each generator is declared whether or not a value is set, so that switching between a set and a
        generated value never deletes one: the generated manager secret is protected, because losing it
        makes every secret the manager stored unreadable.
        """
        if not self._plan.profile.manager_config:
            return None
        child = pulumi.ResourceOptions(parent=self)
        admin = random.RandomPassword(f"{self._name}-generated-admin-password", length=24, special=False, opts=child)
        secret = random.RandomPassword(
            f"{self._name}-generated-manager-secret",
            length=48,
            special=False,
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        broker = random.RandomPassword(f"{self._name}-generated-broker-password", length=24, special=False, opts=child)
        return (
            self._given.get("admin_password", admin.result),
            self._given.get("manager_secret", secret.result),
            self._given.get("broker_password", broker.result),
        )

    # -- host commands -------------------------------------------------------

    def _manager_config(self, engine: HostCommand) -> pulumi.Output[str] | None:
        """Write config.yaml on the host; returns its keyed revision (None for profiles without one).

        The content (admin password, REST keys) is built inside an apply on the
        secret inputs, so it stays a secret Output all the way to the command's stdin.
        """
        if self._secrets is None:  # profiles with manager_config have them (_manager_secrets)
            return None
        admin_password, manager_secret, broker_password = self._secrets
        text: pulumi.Output[str] = pulumi.Output.secret(
            combine(
                self._settings,
                [admin_password, manager_secret, broker_password],
                lambda s, v: manager_config.render(s, *v),
            )
        )
        step = self._host_command(
            "manager-config", self._from_settings(host_scripts.write_manager_config), stdin=text, depends_on=[engine]
        )
        licence = self._given.get("license_file") if self._plan.has_license else None
        steps = [step, *self._tls_files(engine), *self._license_file(engine, licence)]
        # The files' contents in the order written: a new certificate, key or licence changes the revision, hence
        # replaces the container, whose configure copies them in (and uploads the licence).
        contents = [text, *(self._manager_tls[which] for which in sorted(self._manager_tls))]
        contents += [licence] if licence is not None else []
        revision = pulumi.Output.unsecret(
            pulumi.Output.all(manager_secret, *contents).apply(
                lambda values: manager_config.revision(values[0], "".join(values[1:]))
            )
        )
        # The revision is only known to be current once the files are written.
        return pulumi.Output.all(revision, *(s.id for s in steps)).apply(lambda values: values[0])

    def _tls_files(self, engine: HostCommand) -> list[HostCommand]:
        """Write the user's certificate, key and CA beside config.yaml, each from stdin (0600), for the container
        to mount read-only; none without `managerTlsCert`."""
        return [
            self._host_command(
                f"tls-{which}",
                self._from_settings(_file_writer(manager_config.TLS_FILES[which])),
                stdin=material,
                depends_on=[engine],
            )
            for which, material in sorted(self._manager_tls.items())
        ]

    def _license_file(self, engine: HostCommand, licence: pulumi.Output[str] | None) -> list[HostCommand]:
        """`licenseFile`, written beside config.yaml from stdin (0600), for the container to mount read-only."""
        if licence is None:
            return []
        writer = _file_writer(operator_config.LICENSE_FILE)
        return [self._host_command("license", self._from_settings(writer), stdin=licence, depends_on=[engine])]

    def _warn_open_api(self) -> None:
        """Said on every run: a REST API without a login published on every address, as the user asked."""
        plan = self._plan
        warning = exposure.open_api_warning(plan.profile, plan.public_address)
        public = [p for p in plan.ports if p.address is None and plan.profile.role_of(p.container) in (PUBLIC, None)]
        if warning is not None and public:
            pulumi.warn(warning, resource=self)

    # -- after the app container ----------------------------------------------

    def _manager_ca_cert(self, ready: HostCommand) -> pulumi.Output[str]:
        """The CA of the certificate the manager serves: the user's, as given, or the one the readiness step
        read out of the container and checked the manager's certificate against."""
        given = self._manager_tls.get("ca")
        if given is not None:
            return given
        return ready.stdout.apply(
            lambda out: base64.b64decode(host_scripts.parse_key_values(out).get("MANAGER_CA_CERT", "")).decode()
        )

    def _admin_password_input(self) -> pulumi.Output[str] | None:
        """The admin password as a secret, for profiles that configure one (None otherwise)."""
        if self._secrets is None:
            return None
        return pulumi.Output.secret(self._secrets[0])

    def _admin_password(self, app: docker.Container, ready: HostCommand) -> HostCommand | None:
        """Set the configured admin password in the ready manager's database; reruns when (7) is replaced,
        which every change of the password causes (through the config revision)."""
        password = self._admin_password_input()
        if password is None:
            return None
        create = combine(self._settings, [app.name], lambda s, v: host_scripts.set_admin_password(s, *v))
        return self._host_command(
            "admin-password",
            create,
            triggers=backups.after_app(app, self._plan),
            depends_on=[ready],
            stdin=password,
        )


def _file_writer(name: str) -> Callable[[ManagerSettings], str]:
    """The command that writes the configuration file `name` from stdin."""
    return lambda settings: host_scripts.write_manager_config(settings, name)

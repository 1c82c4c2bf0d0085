"""The per-host steps of one Cloudify node, on one Docker host: what any node needs before its containers.

A manager (component/manager.py) is one node of this kind; a component that places several Cloudify nodes on
several hosts makes one `HostNode` per host and node. Each step is a child of the component that makes it, named
`<name>-<suffix>`, so where the steps are built does not move their URNs.

In order:
- `host-key` (and `bastion-host-key`), where no key is pinned: the key the host presents, recorded once
  (ssh_trust.py); every connection below is checked against it.
- `scripts`: this release's host scripts, installed for this node (host_scripts.install_scripts); every later
  host command depends on it and runs its script from there.
- `docker-engine`: Docker made usable on the host, and usable by the provider's ssh:// login; its report.
- `docker`: the Docker provider, whose address exists only once the Docker step succeeded.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_command
import pulumi_docker as docker

from ..config.inputs import Resolved
from . import host_scripts, ssh_trust
from .backups import HostCommand
from .derive import combine, derive
from .docker_endpoint import SshIdentity, checked_docker_host, provider_ssh_user


class HostNode:
    """The SSH trust, the scripts, the Docker step and the Docker provider of one node, and the host commands
    after them (`command`), each a child of `parent`."""

    def __init__(self, name: str, resolved: Resolved, identity: SshIdentity, parent: pulumi.Resource) -> None:
        self._name = name
        self._parent = parent
        self._plan = resolved.plan
        self._settings = resolved.settings
        self._given = resolved.secrets
        self._registry = resolved.registry
        self._tls = resolved.tls
        self._identity = identity
        self._keys = (
            ssh_trust.trusted_keys(
                name,
                self._plan,
                self._settings,
                self._given.get("ssh_private_key"),
                self._given.get("ssh_proxy_private_key"),
                identity,
                parent,
            )
            if self._plan.is_remote
            else None
        )
        self._connection = self._ssh_connection()
        self._scripts: HostCommand | None = None
        self._scripts = self.command(
            "scripts", derive(self._settings, host_scripts.install_scripts), stdin=host_scripts.bundle(), secret=False
        )
        self.engine: HostCommand = self.command(
            "docker-engine", derive(self._settings, lambda s: host_scripts.ensure_docker(s, provider_ssh_user(s)))
        )
        """The Docker step: its stdout is the host report (docker_endpoint.parse_host_report)."""
        self.provider: docker.Provider = self._docker_provider()
        """The Docker provider for this host."""

    def command(
        self,
        suffix: str,
        create: pulumi.Input[str],
        *,
        triggers: list[pulumi.Input[str]] | None = None,
        depends_on: Sequence[pulumi.Resource] | None = None,
        stdin: pulumi.Input[str] | None = None,
        update: str | None = None,
        secret: bool = True,
    ) -> HostCommand:
        """A command on the Docker host: over SSH, or locally when `host` is unset; after the `scripts` step, which
        installs the scripts it runs.

        `stdin` carries secrets (never the command line, which `ps` shows); it is
        kept secret in the state, whatever the provider does with its inputs (`secret`: the scripts' bundle is
        not). The scripts' progress lines (stderr) stream into `pulumi up` as they come;
        stdout holds only their KEY=value results and is not logged. `update`: what a change of anything but
        `triggers` runs (unset: `create` again, pulumi-command v1.2.1).
        """
        installed = [self._scripts] if self._scripts is not None else []
        opts = pulumi.ResourceOptions(
            parent=self._parent,
            depends_on=[*installed, *(depends_on or [])],
            additional_secret_outputs=["stdin"] if stdin is not None and secret else None,
        )
        resource_name = f"{self._name}-{suffix}"
        if self._connection is None:
            return pulumi_command.local.Command(
                resource_name,
                create=create,
                update=update,
                triggers=triggers,
                stdin=stdin,
                logging=pulumi_command.local.Logging.STDERR,
                opts=opts,
            )
        return pulumi_command.remote.Command(
            resource_name,
            connection=self._connection,
            create=create,
            update=update,
            triggers=triggers,
            stdin=stdin,
            logging=pulumi_command.remote.Logging.STDERR,
            opts=opts,
        )

    def _ssh_connection(self) -> pulumi_command.remote.ConnectionArgs | None:
        """SSH settings of the remote host, every hop checked against its pinned or recorded key; None when the
        node goes on this machine."""
        if self._keys is None:
            return None
        return ssh_trust.connection(
            self._settings,
            self._given.get("ssh_private_key"),
            self._given.get("ssh_proxy_private_key"),
            self._keys.host,
            self._keys.bastion,
        )

    def _docker_provider(self) -> docker.Provider:
        """The provider for this host; its address exists only once the Docker step succeeded."""
        identity = self._identity
        key = self._given.get("ssh_private_key")
        ssh_opts = None
        found = [self.engine.stdout]  # the host report; for a remote host, also the keys written where ssh reads them
        if self._plan.is_remote:
            # Keys and trusted host keys must be on disk before the provider's ssh runs.
            proxy_key = self._given.get("ssh_proxy_private_key") if self._plan.has_proxy else None
            keys = self._keys
            assert keys is not None  # a remote plan has them
            written = combine(
                self._settings, [key, proxy_key, keys.host, keys.bastion], lambda s, v: identity.write(s, *v)
            )
            found.append(pulumi.Output.unsecret(written))
            ssh_opts = derive(
                self._settings,
                lambda s: identity.ssh_opts(s, with_key=key is not None, with_proxy_key=proxy_key is not None),
            )
        address = combine(self._settings, found, lambda s, v: checked_docker_host(s, v[0]))
        registry = self._registry
        return docker.Provider(
            f"{self._name}-docker",
            host=address,
            ssh_opts=ssh_opts,
            registry_auth=[
                docker.ProviderRegistryAuthArgs(address=registry[0], username=registry[1], password=registry[2])
            ]
            if registry
            else None,
            ca_material=self._tls.get("docker_tls_ca_cert"),
            cert_material=self._tls.get("docker_tls_cert"),
            key_material=self._tls.get("docker_tls_key"),
            opts=pulumi.ResourceOptions(parent=self._parent),
        )

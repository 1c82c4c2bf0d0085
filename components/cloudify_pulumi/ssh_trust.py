"""Which SSH host keys the connections to the Docker host trust: pinned ones, or the ones recorded at first use.

pulumi-command v1.2.1 checks a host key only when it is given one (provider/pkg/provider/remote/connection.go line
81, "If not provided, the host key will be ignored"; lines 96-97 `ssh.InsecureIgnoreHostKey()`; the bastion hop
the same, line 204). So without `sshHostKey` this module records the key once, in the stack's state, and gives it
to every connection: the command provider's (`host_key`, checked with `ssh.FixedHostKey` and only that key type
asked for, lines 86-94) and the Docker provider's ssh (the stack's known_hosts with `StrictHostKeyChecking=yes`,
docker_endpoint.py). A host that later presents another key is refused by both.

How a key is recorded (scripts/host_key.sh):
- a host or bastion this machine reaches directly: `ssh-keyscan` from this machine, the key the server presents,
  before any login, so nothing secret crosses an unchecked connection;
- a host behind a bastion, which ssh-keyscan cannot reach: the host's own public key file, read over a login
  whose bastion hop is checked; that step has no secret input.

The record is a command whose `create` names the host and port: it runs again only for another host or port (a
new host is a new first use). A host whose key changed on purpose is accepted with `pulumi up --replace <URN>`,
which the warning prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_command as command

from . import host_scripts
from .derive import Settings, derive
from .model import ManagerPlan, ManagerSettings, SshProxy


@dataclass(frozen=True)
class TrustedKeys:
    """The host keys every connection checks: pinned or recorded."""

    host: pulumi.Input[str]
    bastion: pulumi.Input[str] | None
    """None without a bastion."""


def trusted_keys(
    name: str,
    plan: ManagerPlan,
    settings: Settings,
    private_key: pulumi.Output[str] | None,
    proxy_private_key: pulumi.Output[str] | None,
    parent: pulumi.Resource,
) -> TrustedKeys:
    """The keys of a remote plan's host (and bastion), recording at first use those not pinned."""
    bastion = None
    if plan.has_proxy:
        if plan.pins_proxy_host_key:
            bastion = derive(settings, lambda s: _pinned(_bastion(s).host_key, "sshProxyHostKey"))
        else:
            bastion = _scanned(f"{name}-bastion-host-key", settings, _bastion, "sshProxyHostKey", parent)
    if plan.pins_host_key:
        host = derive(settings, lambda s: _pinned(s.ssh_host_key, "sshHostKey"))
    elif bastion is None:
        host = _scanned(f"{name}-host-key", settings, _direct_host, "sshHostKey", parent)
    else:
        host = _read_behind_bastion(name, settings, private_key, proxy_private_key, bastion, parent)
    return TrustedKeys(host, bastion)


def connection(
    settings: Settings,
    private_key: pulumi.Output[str] | None,
    proxy_private_key: pulumi.Output[str] | None,
    host_key: pulumi.Input[str] | None,
    bastion_key: pulumi.Input[str] | None,
) -> command.remote.ConnectionArgs:
    """The command provider's connection to the host; `host_key` None only for the step that records it."""
    proxy = None
    if bastion_key is not None:
        # pulumi-command v1.2.1 dials the bastion, then the host through it; each hop checks its own key.
        proxy = command.remote.ProxyConnectionArgs(
            host=derive(settings, lambda s: _bastion(s).host),
            port=derive(settings, lambda s: _bastion(s).port),
            user=derive(settings, lambda s: _bastion(s).user),
            host_key=bastion_key,
            private_key=proxy_private_key or private_key,
        )
    return command.remote.ConnectionArgs(
        host=derive(settings, _remote_host),
        port=derive(settings, lambda s: s.ssh_port),
        user=derive(settings, lambda s: s.ssh_user),
        private_key=private_key,
        host_key=host_key,
        proxy=proxy,
    )


@dataclass(frozen=True)
class _Endpoint:
    host: str
    port: int


def _direct_host(settings: ManagerSettings) -> _Endpoint:
    return _Endpoint(_remote_host(settings), settings.ssh_port)


def _scanned(
    resource_name: str,
    settings: Settings,
    endpoint: Callable[[ManagerSettings], _Endpoint | SshProxy],
    key: str,
    parent: pulumi.Resource,
) -> pulumi.Output[str]:
    """The key that `endpoint` (of the settings) presents to this machine, recorded by a local command
    (ssh-keyscan)."""
    step = command.local.Command(
        resource_name,
        create=derive(settings, lambda s: host_scripts.scan_host_key(endpoint(s).host, endpoint(s).port)),
        logging=command.local.Logging.STDERR,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    _warn_recorded(key, derive(settings, lambda s: endpoint(s).host), step)
    return _recorded(step)


def _read_behind_bastion(
    name: str,
    settings: Settings,
    private_key: pulumi.Output[str] | None,
    proxy_private_key: pulumi.Output[str] | None,
    bastion_key: pulumi.Input[str],
    parent: pulumi.Resource,
) -> pulumi.Output[str]:
    """The key of a host behind a checked bastion hop: its own public key file, read by a step without secrets."""
    step = command.remote.Command(
        f"{name}-host-key",
        connection=connection(settings, private_key, proxy_private_key, None, bastion_key),
        create=host_scripts.own_host_key(),
        logging=command.remote.Logging.STDERR,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    _warn_recorded("sshHostKey", derive(settings, _remote_host), step)
    return _recorded(step)


def _recorded(step: command.local.Command | command.remote.Command) -> pulumi.Output[str]:
    return step.stdout.apply(lambda out: host_scripts.parse_key_values(out)["HOST_KEY"])


def _warn_recorded(key: str, host: pulumi.Input[str], step: pulumi.Resource) -> None:
    """Said on every run: what is trusted, and the one command that accepts a key changed on purpose."""
    pulumi.Output.all(host, step.urn).apply(
        lambda values: pulumi.warn(
            f"{key} is not set: the key that {values[0]} presented at first use is recorded in this stack, and every "
            "SSH connection to it (the host steps and the Docker provider) is checked against it; a host that "
            'presents another key is refused ("ssh: host key mismatch", "Host key verification failed"). If '
            f"its key changed on purpose (a rebuilt host), accept the new one: pulumi up --replace '{values[1]}'. "
            f"To pin it instead: pulumi config set {key} \"$(ssh-keyscan -t ed25519 {values[0]} | cut -d' ' -f2-)\""
        )
    )


def _pinned(key: str | None, setting: str) -> str:
    if key is None:
        raise AssertionError(f"the plan pins {setting}, the settings have none")
    return key


def _remote_host(settings: ManagerSettings) -> str:
    """The host of a plan that is remote (`ManagerPlan.is_remote`)."""
    if settings.host is None:
        raise AssertionError("the plan is remote, the settings have no host")
    return settings.host


def _bastion(settings: ManagerSettings) -> SshProxy:
    """The bastion of a plan that has one (`ManagerPlan.has_proxy`)."""
    if settings.ssh_proxy is None:
        raise AssertionError("the plan has a bastion, the settings none")
    return settings.ssh_proxy

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

When the record runs again, it never replaces a key it knows, as OpenSSH's `accept-new` never does:
- it is replaced only when the host's address or port changes (`triggers`; a new address is a new first use). Its
  script text and its connection's credentials are `ignore_changes`: a new release of the scripts, or a rotated
  `sshPrivateKey`, never runs it again. pulumi-command v1.2.1 runs `create` again on any change of `create`,
  `connection` or `environment` (commandController.go `Update`), so the address reaches the scan through
  `environment`, which changes only with the triggers;
- before any connection is given the key, it is compared with the key this machine already knows for that host in
  the stack's known_hosts (`known_hosts_refusal`): the one a release up to 1.1.0 recorded there with
  `StrictHostKeyChecking=accept-new`, the pinned `sshHostKey` this stack had (written there while pinned), or the
  key recorded before. A different key is refused, naming both fingerprints and the one command that accepts it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_command as command

from ..config.model import ManagerPlan, ManagerSettings, SshProxy
from . import host_scripts
from .derive import Settings, derive
from .docker_endpoint import SshIdentity, known_host_name

SCAN_ENVIRONMENT = ("CLOUDIFY_SCAN_HOST", "CLOUDIFY_SCAN_PORT")
"""Where the local record step finds the address it scans: its `create` text holds no address."""
SCAN_IGNORES = ["create"]
"""What never runs the local record step again: its script text (it has no connection)."""
READ_IGNORES = ["create", "connection.user", "connection.privateKey", "connection.proxy"]
"""What never runs the record step behind a bastion again: its script text and its connection's credentials and
bastion."""


class HostKeyChanged(pulumi.RunError):
    """A host presents another key than the one this machine already knows for it."""


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
    identity: SshIdentity,
    parent: pulumi.Resource,
) -> TrustedKeys:
    """The keys of a remote plan's host (and bastion), recording at first use those not pinned."""
    bastion = None
    if plan.has_proxy:
        if plan.pins_proxy_host_key:
            bastion = derive(settings, lambda s: _pinned(_bastion(s).host_key, "sshProxyHostKey"))
        else:
            known = _Known("sshProxyHostKey", identity.proxy_known_hosts_file, identity)
            bastion = _scanned(f"{name}-bastion-host-key", settings, _bastion, known, parent)
    known = _Known("sshHostKey", identity.known_hosts_file, identity)
    if plan.pins_host_key:
        host = derive(settings, lambda s: _pinned(s.ssh_host_key, "sshHostKey"))
    elif bastion is None:
        host = _scanned(f"{name}-host-key", settings, _direct_host, known, parent)
    else:
        host = _read_behind_bastion(name, settings, private_key, proxy_private_key, bastion, known, parent)
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


@dataclass(frozen=True)
class _Known:
    """Where this machine keeps the key it already trusts for one hop, and the setting that pins it."""

    setting: str
    known_hosts_file: str
    """As the Docker provider's ssh names it (`~/...`)."""
    identity: SshIdentity


def _direct_host(settings: ManagerSettings) -> _Endpoint:
    return _Endpoint(_remote_host(settings), settings.ssh_port)


def _scanned(
    resource_name: str,
    settings: Settings,
    endpoint: Callable[[ManagerSettings], _Endpoint | SshProxy],
    known: _Known,
    parent: pulumi.Resource,
) -> pulumi.Output[str]:
    """The key that `endpoint` (of the settings) presents to this machine, recorded by a local command
    (ssh-keyscan) that runs again only for another address."""
    host: pulumi.Input[str] = derive(settings, lambda s: endpoint(s).host)
    port: pulumi.Input[str] = derive(settings, lambda s: str(endpoint(s).port))
    where: pulumi.Input[_Endpoint | SshProxy] = derive(settings, endpoint)
    step = command.local.Command(
        resource_name,
        create=host_scripts.scan_host_key(*SCAN_ENVIRONMENT),
        environment={SCAN_ENVIRONMENT[0]: host, SCAN_ENVIRONMENT[1]: port},
        triggers=[host, port],
        logging=command.local.Logging.STDERR,
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=SCAN_IGNORES),
    )
    return _recorded(step, known, where)


def _read_behind_bastion(
    name: str,
    settings: Settings,
    private_key: pulumi.Output[str] | None,
    proxy_private_key: pulumi.Output[str] | None,
    bastion_key: pulumi.Input[str],
    known: _Known,
    parent: pulumi.Resource,
) -> pulumi.Output[str]:
    """The key of a host behind a checked bastion hop: its own public key file, read by a step without secrets
    that runs again only for another address (its connection's key and bastion are ignored)."""
    host: pulumi.Input[str] = derive(settings, _remote_host)
    port: pulumi.Input[int] = derive(settings, lambda s: s.ssh_port)
    where: pulumi.Input[_Endpoint | SshProxy] = derive(settings, _direct_host)
    step = command.remote.Command(
        f"{name}-host-key",
        connection=connection(settings, private_key, proxy_private_key, None, bastion_key),
        create=host_scripts.own_host_key(),
        triggers=[host, port],
        logging=command.remote.Logging.STDERR,
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=READ_IGNORES),
    )
    return _recorded(step, known, where)


def _recorded(
    step: command.local.Command | command.remote.Command,
    known: _Known,
    endpoint: pulumi.Input[_Endpoint | SshProxy],
) -> pulumi.Output[str]:
    """The recorded key, once it is the one this machine already knows for the host (or it knows none)."""
    _warn_recorded(known, endpoint, step)

    def checked(values: list[object]) -> str:
        out, where, urn = values
        assert isinstance(out, str) and isinstance(where, _Endpoint | SshProxy) and isinstance(urn, str)
        key = host_scripts.parse_key_values(out)["HOST_KEY"]
        refusal = known_hosts_refusal(known, where.host, where.port, key, urn)
        if refusal is not None:
            raise HostKeyChanged(refusal)
        return key

    return pulumi.Output.all(step.stdout, endpoint, step.urn).apply(checked)


def known_hosts_refusal(known: _Known, host: str, port: int, key: str, urn: str) -> str | None:
    """Why `key` may not be trusted for host:port: this machine's known_hosts for the stack holds other keys for
    it. None when it holds this key, or none for that host (a first use)."""
    path = known.identity.local_path(known.known_hosts_file)
    name = known_host_name(host, port)
    trusted = _known_keys(path, name)
    if not trusted or key.split()[1] in {k.split()[1] for k in trusted}:
        return None
    return (
        f"{known.setting}: {host} port {port} presents the host key {fingerprint(key)}, but this machine knows "
        f"{', '.join(fingerprint(k) for k in trusted)} for it in {known.known_hosts_file} (recorded at an earlier "
        f"first use, by a release up to 1.1.0, or the {known.setting} this stack pinned). A changed "
        "host key is what a machine in the middle looks like: nothing was trusted or run. If the host was rebuilt "
        "on purpose, compare the new fingerprint with the one its console prints (`ssh-keygen -lf "
        "/etc/ssh/ssh_host_ed25519_key.pub`), then accept it: "
        f"{accept_command(known, name, urn)}"
    )


def accept_command(known: _Known, name: str, urn: str) -> str:
    """The one command that trusts a host's new key on purpose: forget the old one, record again."""
    path = shlex.quote(str(known.identity.local_path(known.known_hosts_file)))
    return f"ssh-keygen -R {shlex.quote(name)} -f {path} && pulumi up --replace {shlex.quote(urn)}"


def fingerprint(key: str) -> str:
    """`SHA256:...` as `ssh-keygen -lf` prints it: the unpadded base64 of the SHA-256 of the key blob."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(_blob(key)).digest()).decode().rstrip("=")


def _blob(key: str) -> bytes:
    """The key's blob (the base64 field decoded; padding restored, as a hand-edited file may lack it)."""
    text = key.split()[1]
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _known_keys(path: Path, name: str) -> list[str]:
    """The keys (`type base64`) known_hosts at `path` holds for `name`, hashed entries included (Debian's and
    Ubuntu's /etc/ssh/ssh_config set `HashKnownHosts yes`, so 1.1.0's accept-new may have written `|1|salt|hash`)."""
    if not path.is_file():
        return []
    keys = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) < 3 or line.startswith(("#", "@")):
            continue
        if _names_match(fields[0], name):
            keys.append(f"{fields[1]} {fields[2]}")
    return keys


def _names_match(pattern: str, name: str) -> bool:
    """Whether a known_hosts host field names `name`: a comma-separated list, or one hashed name (sshd(8))."""
    if pattern.startswith("|1|"):
        salt, _, digest = pattern[3:].partition("|")
        mac = hmac.new(base64.b64decode(salt), name.encode(), hashlib.sha1).digest()
        return hmac.compare_digest(base64.b64encode(mac).decode(), digest)
    return name in pattern.split(",")


def _warn_recorded(known: _Known, endpoint: pulumi.Input[_Endpoint | SshProxy], step: pulumi.Resource) -> None:
    """Said on every run: what is trusted, how to pin it (checked out of band), and the one command that accepts a
    key changed on purpose."""
    pulumi.Output.all(endpoint, step.urn).apply(lambda values: pulumi.warn(recorded_warning(known, *values)))


def recorded_warning(known: _Known, where: _Endpoint | SshProxy, urn: str) -> str:
    """The warning of a recorded key; the pin command names the port when it is not 22."""
    key = known.setting
    port = "" if where.port == 22 else f"-p {where.port} "
    return (
        f"{key} is not set: the key that {where.host} presented at first use is recorded in this stack, and every "
        "SSH connection to it (the host steps and the Docker provider) is checked against it; a host that "
        'presents another key is refused ("ssh: host key mismatch", "Host key verification failed"). If '
        f"its key changed on purpose (a rebuilt host), accept the new one: "
        f"{accept_command(known, known_host_name(where.host, where.port), urn)}. To pin it instead, check its "
        "fingerprint on the host's console (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`): an "
        "ssh-keyscan over the same network proves no more than this first use. Then: "
        f"pulumi config set {key} \"$(ssh-keyscan -t ed25519 {port}{where.host} | cut -d' ' -f2-)\""
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

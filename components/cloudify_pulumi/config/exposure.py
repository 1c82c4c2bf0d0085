"""What a manager publishes and how: its ports, their bind address, its TLS (docs/network-exposure.md). Closed
by default: a manager on this machine is published on loopback only."""

from __future__ import annotations

from ..cloudify.profiles import ManagerProfile
from .model import WILDCARDS, PortMapping
from .rules import Problems, bind_address, check_certificate
from .setting_values import SettingValues
from .values import known


def judge_ports(v: SettingValues, profile: ManagerProfile, *, tls: bool) -> tuple[PortMapping, ...]:
    """Published ports, sorted by container port, one binding per container port.

    That is the form the provider reads back (kreuzwerker v4.5.0
    `flattenContainerPorts` sorts by container port, one entry per binding), so
    a preview after `up` shows no change. Unset: the profile's public and agent ports (its internal ones are
    published only when named; with TLS, its plain HTTP ones neither).
    """
    value = v.ports
    if value is None:
        return tuple(PortMapping(p, p, None) for p in profile.published_ports(tls=tls))
    problems = v.problems
    if not isinstance(value, list) or not value:
        problems.add("ports", "must be a non-empty list of ports (80) or mappings ('8080:80', '10.0.0.5:8080:80')")
        return ()
    mappings = [m for m in (_port_mapping(entry, problems) for entry in value) if m is not None]
    bindings = [(m.address, m.host) for m in mappings]
    for address, port in sorted({b for b in bindings if bindings.count(b) > 1}, key=lambda b: b[1]):
        problems.add("ports", f"host port {port} is published more than once" + (f" on {address}" if address else ""))
    container_ports = [m.container for m in set(mappings)]
    for port in sorted({p for p in container_ports if container_ports.count(p) > 1}):
        problems.add(
            "ports",
            f"container port {port} is published more than once: publish each container port "
            "once (the Docker provider would replace the container on every update)",
        )
    return tuple(sorted(mappings, key=lambda m: m.container))


def _port_mapping(entry: object, problems: Problems) -> PortMapping | None:
    """One `ports` entry: `80`, `"8080:80"` or `"address:8080:80"` (an IPv6 address in brackets)."""
    text = str(int(entry) if isinstance(entry, float) and entry.is_integer() else entry)
    address: str | None = None
    if text.startswith("["):
        address, _, text = text[1:].partition("]:")
    elif text.count(":") == 2:
        address, text = text.split(":", 1)
    pieces = text.split(":")
    if isinstance(entry, bool) or len(pieces) > 2 or not all(p.isdigit() for p in pieces) or address == "":
        problems.add(
            "ports", f"{entry!r} must be a port number, 'hostPort:containerPort' or 'address:hostPort:containerPort'"
        )
        return None
    if address is not None and len(pieces) != 2:
        problems.add("ports", f"{entry!r}: an address needs both ports, as in '{address}:{text}:{text}'")
        return None
    numbers = [int(p) for p in pieces]
    if not all(1 <= n <= 65535 for n in numbers):
        problems.add("ports", f"{entry!r} is out of range: ports are 1-65535")
        return None
    if address is not None:
        address = bind_address("ports", address, problems)
    return PortMapping(numbers[0], numbers[-1], address)


def judge_tls(v: SettingValues, profile: ManagerProfile) -> tuple[bool, bool, bool]:
    """`managerTls` and whether a certificate and a CA of the user's are set: (tls, has_cert, has_ca).

    Cloudify serves a certificate of the user's only for a DNS name `public_ip`, by SNI; for an IP address the
    external port is folded into the internal listeners and serves the certificate of its own CA
    (cloudify-manager-install 7.0.4 cfy_manager/components/globals.py lines 115-131). So a certificate needs
    `publicName`.
    """
    tls = profile.manager_config and v.host is not None if v.manager_tls is None else v.manager_tls
    has_cert, has_key, has_ca = (
        given is not None for given in (v.manager_tls_cert, v.manager_tls_key, v.manager_tls_ca_cert)
    )
    problems = v.problems
    if tls and not profile.manager_config:
        problems.add("managerTls", f"{profile.name} has no TLS setting here; TLS is for cloudify-7 (set it to false)")
    if (has_cert or has_key) and not tls:
        problems.add("managerTls", "is false, but managerTlsCert/managerTlsKey are set: set it to true, or remove them")
    if has_cert != has_key:
        missing = "managerTlsKey" if has_cert else "managerTlsCert"
        problems.add(missing, "managerTlsCert and managerTlsKey go together: set both, or neither (the manager's CA)")
    if has_ca and not has_cert:
        problems.add(
            "managerTlsCaCert",
            "is set without managerTlsCert: without a certificate of yours, the manager's own CA "
            "issues one and managerCaCert is that CA",
        )
    if has_cert and v.public_name is None:
        problems.add(
            "publicName",
            "must be set with managerTlsCert: Cloudify serves your certificate only by SNI, for the DNS name "
            "clients use (`pulumi config set publicName manager.example.com`)",
        )
    for key, given in (("managerTlsCert", v.manager_tls_cert), ("managerTlsCaCert", v.manager_tls_ca_cert)):
        text = known(given)
        if text is not None:
            check_certificate(key, text, problems)
    return tls, has_cert, has_ca


def judge_public_address(v: SettingValues, profile: ManagerProfile) -> str | None:
    """`publicAddress`, or the narrowest default that serves: only the loopback address of this machine; on a
    remote host, every address for a profile whose REST API asks for a login (its users are elsewhere), and for
    one without (cloudify-3.2), None: the management address, the network the agents and operators share."""
    value = v.public_address
    if value is None:
        if v.host is None:
            return "127.0.0.1"
        return "0.0.0.0" if profile.rest_login else None
    return bind_address("publicAddress", value, v.problems)


def open_api_warning(profile: ManagerProfile, public_address: str | None) -> str | None:
    """The warning `up` gives when a REST API without a login is published on every address, as asked."""
    if profile.rest_login or public_address not in WILDCARDS:
        return None
    return (
        f"publicAddress is {public_address}: {profile.name}'s REST API has no login, and it is published on every "
        "address of the host. Anyone who reaches it can upload blueprints and run workflows: commands on the "
        "manager and on every host it manages. Docker's published ports bypass the host's firewall. Unless a "
        "firewall in front of the host limits who reaches it, remove publicAddress (the management address) or "
        "set it to a private address."
    )

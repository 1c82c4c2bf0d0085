"""A Cloudify 7 cluster's nodes and the roles they carry, judged before anything is registered.

Cloudify's layouts (cloudify-cluster-manager 1.1.7 `cfy_cluster_manager/cfy_cluster_config_files/`): nine nodes,
one role each (three database, three queue, three manager nodes), or three nodes that each carry all three roles.
The rules are what those layouts rest on, so that a layout between them (three database and three queue nodes,
one manager: the community image's cluster) is accepted too:

- a database tier of an odd number of nodes: Patroni keeps its leader in etcd, whose quorum is a majority
  (`postgresql_server.py` runs etcd on every database node);
- at least one queue node; every node after the first joins the first (`rabbitmq.join_cluster`, config.yaml 190);
- one manager, or several with Cloudify's premium package and a licence: `restservice.configure` runs the join
  of a second manager (`cloudify_premium.ha.controller.add_manager`) only when `cloudify-premium` is installed
  (cfy_manager/components/restservice/restservice.py lines 523-547), and the first manager of a cluster must be
  given the licence (config.yaml lines 31-33);
- no two nodes on one address: every service of a node is published on its address (docs/cluster.md).

Every problem is collected and raised together, each naming its setting (`cluster.nodes[2].roles`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..cloudify.cluster_config import DATABASE, MANAGER, ROLES
from .rules import CONTAINER_PREFIX, ConfigError, Problems, host_address
from .values import is_output

NODES_KEY = "cluster.nodes"


@dataclass(frozen=True)
class ClusterNode:
    """One node: its name, the address its peers and the program reach it at (an Output is judged once known),
    and the roles it carries, in Cloudify's order."""

    name: str
    host: Any
    roles: tuple[str, ...]


@dataclass(frozen=True)
class ClusterLayout:
    """The nodes, and each tier's nodes in the order they come up: the first of a tier before those that join."""

    nodes: tuple[ClusterNode, ...]
    premium: bool

    def tier(self, role: str) -> tuple[ClusterNode, ...]:
        return tuple(node for node in self.nodes if role in node.roles)


def _roles(problems: Problems, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(role, str) for role in value):
        problems.add(key, f"must be a non-empty list of roles, from {', '.join(ROLES)}")
        return ()
    unknown = sorted(set(value) - set(ROLES))
    if unknown:
        problems.add(key, f"{', '.join(map(repr, unknown))}: not a role; the roles are {', '.join(ROLES)}")
    if len(set(value)) != len(value):
        problems.add(key, "names a role more than once")
    return tuple(role for role in ROLES if role in value)


def _node(problems: Problems, index: int, entry: object) -> ClusterNode | None:
    key = f"{NODES_KEY}[{index}]"
    if not isinstance(entry, Mapping):
        problems.add(key, "must be a map with name, host and roles")
        return None
    for unknown in sorted(set(entry) - {"name", "host", "roles"}):
        problems.add(key, f"unknown key {unknown!r} (known: name, host, roles)")
    name = entry.get("name")
    if not isinstance(name, str) or not CONTAINER_PREFIX.match(name):
        problems.add(f"{key}.name", f"{name!r} must be a name of letters, digits, '.', '_' and '-'")
        name = ""
    host = entry.get("host")
    if host is None or host == "":
        problems.add(f"{key}.host", "is required: the node's address, as its peers and this program reach it")
    elif not is_output(host):
        host = host_address(f"{key}.host", str(host), problems)
    return ClusterNode(name, host, _roles(problems, f"{key}.roles", entry.get("roles")))


def _tiers(problems: Problems, nodes: Sequence[ClusterNode], *, premium: bool, has_license: bool) -> None:
    counts = {role: sum(role in node.roles for node in nodes) for role in ROLES}
    for role in ROLES:
        if counts[role] == 0:
            problems.add(NODES_KEY, f"no node carries the {role} role: a cluster needs every role")
    if counts[DATABASE] % 2 == 0 and counts[DATABASE]:
        problems.add(
            NODES_KEY,
            f"{counts[DATABASE]} database nodes: Patroni's leader lives in etcd, whose quorum is a majority; "
            "give an odd number (3, as Cloudify's layouts do)",
        )
    if counts[MANAGER] > 1 and not (premium and has_license):
        problems.add(
            NODES_KEY,
            f"{counts[MANAGER]} managers need Cloudify's premium image and a licence: a second manager joins the "
            "first only with cloudify-premium installed (restservice.py lines 523-547). Set cluster.premium to "
            "true and licenseFile, or give one node the manager role",
        )


def _distinct(problems: Problems, nodes: Sequence[ClusterNode]) -> None:
    names = [node.name for node in nodes if node.name]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.add(NODES_KEY, f"two nodes are named {name!r}: a node's name names its containers and volumes")
    hosts = [node.host for node in nodes if isinstance(node.host, str)]
    for host in sorted({h for h in hosts if hosts.count(h) > 1}):
        problems.add(
            NODES_KEY,
            f"two nodes are on {host}: each node publishes its services on its own address, so two nodes on one "
            "address would take the same ports; give one node all the roles it should carry instead",
        )


def judge_cluster(nodes: object, *, premium: bool, has_license: bool) -> ClusterLayout:
    """The cluster's nodes, or one `ConfigError` listing every problem."""
    problems = Problems()
    if not isinstance(nodes, list) or not nodes:
        problems.add(NODES_KEY, "must be a non-empty list of nodes, each a map with name, host and roles")
        raise ConfigError(problems.items)
    judged = [_node(problems, index, entry) for index, entry in enumerate(nodes)]
    known = [node for node in judged if node is not None]
    _distinct(problems, known)
    _tiers(problems, known, premium=premium, has_license=has_license)
    if problems.items:
        raise ConfigError(problems.items)
    return ClusterLayout(tuple(known), premium)

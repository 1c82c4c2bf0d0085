"""The config.yaml of each role of a Cloudify 7 cluster: one image, one role per container, as Cloudify configures it.

Cloudify builds its cluster from the all-in-one image, one role per node, chosen by `services_to_install`
(cloudify-manager-install 7.0.4 `config.yaml` line 645). These documents follow Cloudify's own container cluster
test, `jenkins/cluster/` at tag 7.0.4 (`queue1_config.yaml`, `queue2_config.yaml`, `db_config.yaml`,
`manager1_config.yaml`), key for key, with the keys of `config.yaml` they set:

- every role: `manager.private_ip`/`public_ip` (config.yaml lines 4, 8), the node's cluster address, and
  `prometheus` certificate paths (602-604) for its `monitoring_service`;
- the queue: `rabbitmq.cert_path`/`key_path`/`ca_path` (cert 176, key 178, CA 144), `erlang_cookie` (194, the same
  on every node), `nodename` (181, `rabbit<N>`), `cluster_members` (135, each member's `networks.default`),
  `join_cluster: rabbit1` on every node but the first (190), and the broker user's `username`/`password`
  (113-114), generated instead of the image's `c10udify`;
- the database: `postgresql_server` with remote TLS-only connections verified by client certificate
  (`enable_remote_connections` 313, `ssl_enabled` 318, `ssl_only_connections` 321, `ssl_client_verification`
  325), its certificate (270-272), `postgres_password` (254), and `cluster` (275-309): every database node by
  address, etcd's `cluster_token`, `root_password` and `patroni_password`, Patroni's `rest_password`, the
  replicator's password;
- the manager: its `hostname` (12) and TLS with the admin password (`security`, 21-29), the queue members and
  database nodes it reaches, `postgresql_client` with TLS and client certificates (332-374), and `ssl_inputs`
  (563-581): the database client certificates (CN `cloudify`, CN `postgres`), the CA and its key, encrypted,
  with `ca_key_password`, and its internal and external certificates.

A document holds secrets (passwords, the cookie, the CA key's password): it is built inside an `apply` of secret
Outputs and only ever travels as a secret, to the host on standard input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DATABASE = "database"
QUEUE = "queue"
MANAGER = "manager"
ROLES = (DATABASE, QUEUE, MANAGER)
"""The roles a node carries, in the order Cloudify's cluster tools bring them up (cloudify-cluster-manager 1.1.7
`main.py`: postgresql-1..3, rabbitmq-1..3, manager-1..3)."""

SERVICES: dict[str, tuple[str, ...]] = {
    DATABASE: ("database_service", "monitoring_service"),
    QUEUE: ("queue_service", "monitoring_service"),
    MANAGER: ("manager_service", "monitoring_service"),
}
"""`services_to_install` of each role, as the jenkins/cluster configs list them."""

CONFIG_DIR = "/etc/cloudify"
CA_PATH = f"{CONFIG_DIR}/ca.pem"
CA_KEY_PATH = f"{CONFIG_DIR}/ca_key.pem"


def cert_path(role: str) -> str:
    """The role's own certificate, as the jenkins/cluster configs name it (`queue_cert.pem`, `db_cert.pem`,
    `manager_cert.pem`)."""
    return f"{CONFIG_DIR}/{_FILE_PREFIX[role]}_cert.pem"


def key_path(role: str) -> str:
    return f"{CONFIG_DIR}/{_FILE_PREFIX[role]}_key.pem"


_FILE_PREFIX = {DATABASE: "db", QUEUE: "queue", MANAGER: "manager"}

# The manager's client certificates for the database (jenkins/cluster/manager1_config.yaml `ssl_inputs`; their
# CNs are the database users, create_certs.sh: "Client cert requires DB user as its CN").
DB_CLIENT_CERT_PATH = f"{CONFIG_DIR}/manager_postgres_client_cert.pem"
DB_CLIENT_KEY_PATH = f"{CONFIG_DIR}/manager_postgres_client_key.pem"
DB_SUPERUSER_CERT_PATH = f"{CONFIG_DIR}/manager_postgres_su_client_cert.pem"
DB_SUPERUSER_KEY_PATH = f"{CONFIG_DIR}/manager_postgres_su_client_key.pem"
EXTERNAL_CERT_PATH = f"{CONFIG_DIR}/manager_external_cert.pem"
EXTERNAL_KEY_PATH = f"{CONFIG_DIR}/manager_external_key.pem"


@dataclass(frozen=True)
class ClusterSecrets:
    """The cluster's generated secrets, as plain text: only ever inside an `apply` whose result is secret."""

    postgres_password: str
    etcd_cluster_token: str
    etcd_root_password: str
    etcd_patroni_password: str
    patroni_rest_password: str
    replicator_password: str
    erlang_cookie: str
    broker_password: str
    admin_password: str
    ca_key_password: str


@dataclass(frozen=True)
class Member:
    """One node of a tier, by the name Cloudify gives it and the cluster address its peers reach."""

    name: str
    address: str


def queue_members(addresses: Sequence[str]) -> tuple[Member, ...]:
    """The queue nodes as `rabbit1`, `rabbit2`, ... (jenkins/cluster/queueN_config.yaml `nodename`)."""
    return tuple(Member(f"rabbit{index}", address) for index, address in enumerate(addresses, start=1))


def database_members(addresses: Sequence[str]) -> tuple[Member, ...]:
    """The database nodes as `db_1`, `db_2`, ... (jenkins/cluster/db_config.yaml `cluster.nodes`)."""
    return tuple(Member(f"db_{index}", address) for index, address in enumerate(addresses, start=1))


def _node_identity(address: str) -> dict[str, Any]:
    return {"private_ip": address, "public_ip": address}


def _monitoring(role: str) -> dict[str, Any]:
    return {"cert_path": cert_path(role), "key_path": key_path(role), "ca_path": CA_PATH}


def _cluster_members(queues: Sequence[Member]) -> dict[str, Any]:
    return {member.name: {"networks": {"default": member.address}} for member in queues}


def queue_config(me: Member, queues: Sequence[Member], secrets: ClusterSecrets) -> dict[str, Any]:
    """A queue node's config.yaml (jenkins/cluster/queue1_config.yaml, queue2_config.yaml): every node but the
    first joins the first (`join_cluster`)."""
    rabbitmq: dict[str, Any] = {
        "cert_path": cert_path(QUEUE),
        "key_path": key_path(QUEUE),
        "ca_path": CA_PATH,
        "erlang_cookie": secrets.erlang_cookie,
        "nodename": me.name,
        "cluster_members": _cluster_members(queues),
        "username": "cloudify",
        "password": secrets.broker_password,
    }
    if me != queues[0]:
        rabbitmq["join_cluster"] = queues[0].name
    return {
        "manager": _node_identity(me.address),
        "rabbitmq": rabbitmq,
        "prometheus": _monitoring(QUEUE),
        "services_to_install": list(SERVICES[QUEUE]),
    }


def _database_nodes(databases: Sequence[Member]) -> dict[str, Any]:
    return {member.name: {"ip": member.address} for member in databases}


def database_config(me: Member, databases: Sequence[Member], secrets: ClusterSecrets) -> dict[str, Any]:
    """A database node's config.yaml (jenkins/cluster/db_config.yaml): the same on every node but its address."""
    return {
        "manager": _node_identity(me.address),
        "postgresql_server": {
            "enable_remote_connections": True,
            "ssl_enabled": True,
            "ssl_client_verification": True,
            "ssl_only_connections": True,
            "cert_path": cert_path(DATABASE),
            "key_path": key_path(DATABASE),
            "ca_path": CA_PATH,
            "postgres_password": secrets.postgres_password,
            "cluster": {
                "nodes": _database_nodes(databases),
                "etcd": {
                    "cluster_token": secrets.etcd_cluster_token,
                    "root_password": secrets.etcd_root_password,
                    "patroni_password": secrets.etcd_patroni_password,
                },
                "patroni": {"rest_password": secrets.patroni_rest_password},
                "postgres": {"replicator_password": secrets.replicator_password},
            },
        },
        "prometheus": _monitoring(DATABASE),
        "services_to_install": list(SERVICES[DATABASE]),
    }


def manager_config(
    me: Member,
    public_name: str,
    queues: Sequence[Member],
    databases: Sequence[Member],
    secrets: ClusterSecrets,
) -> dict[str, Any]:
    """A manager's config.yaml (jenkins/cluster/manager1_config.yaml): it reaches every queue member and database
    node over TLS, the database with the client certificates, and holds the CA key, encrypted, to issue the
    agents' certificates."""
    return {
        "manager": {
            **_node_identity(me.address),
            "public_ip": public_name,
            "hostname": me.name,
            "security": {"ssl_enabled": True, "admin_password": secrets.admin_password},
        },
        "rabbitmq": {
            "ca_path": CA_PATH,
            "cluster_members": _cluster_members(queues),
            "username": "cloudify",
            "password": secrets.broker_password,
        },
        "postgresql_server": {
            "ssl_enabled": True,
            "ca_path": CA_PATH,
            "postgres_password": secrets.postgres_password,
            "cluster": {"nodes": _database_nodes(databases)},
        },
        "postgresql_client": {
            "ssl_enabled": True,
            "server_password": secrets.postgres_password,
            "ssl_client_verification": True,
            "ca_path": CA_PATH,
        },
        "prometheus": _monitoring(MANAGER),
        "ssl_inputs": {
            "postgresql_client_cert_path": DB_CLIENT_CERT_PATH,
            "postgresql_client_key_path": DB_CLIENT_KEY_PATH,
            "postgresql_superuser_client_cert_path": DB_SUPERUSER_CERT_PATH,
            "postgresql_superuser_client_key_path": DB_SUPERUSER_KEY_PATH,
            "ca_cert_path": CA_PATH,
            "ca_key_path": CA_KEY_PATH,
            "ca_key_password": secrets.ca_key_password,
            "internal_cert_path": cert_path(MANAGER),
            "internal_key_path": key_path(MANAGER),
            "external_cert_path": EXTERNAL_CERT_PATH,
            "external_key_path": EXTERNAL_KEY_PATH,
            "external_ca_cert_path": CA_PATH,
        },
        "services_to_install": list(SERVICES[MANAGER]),
    }


def role_config(
    role: str,
    me: Member,
    *,
    public_name: str,
    queues: Sequence[Member],
    databases: Sequence[Member],
    secrets: ClusterSecrets,
) -> dict[str, Any]:
    """The config.yaml of one role's container on one node."""
    if role == QUEUE:
        return queue_config(me, queues, secrets)
    if role == DATABASE:
        return database_config(me, databases, secrets)
    return manager_config(me, public_name, queues, databases, secrets)

"""A cluster's nodes and roles, judged before anything is registered (config/cluster_layout.py), and the
config.yaml each role's container gets (cloudify/cluster_config.py), against Cloudify's own cluster configs:
cloudify-manager-install 7.0.4 `jenkins/cluster/queue1_config.yaml`, `queue2_config.yaml`, `db_config.yaml` and
`manager1_config.yaml`, whose keys and values (addresses and secrets aside) each document must repeat."""

from __future__ import annotations

import pulumi
import pytest
from cloudify_pulumi.cloudify.cluster_config import (
    DATABASE,
    MANAGER,
    QUEUE,
    ClusterSecrets,
    Member,
    database_config,
    database_members,
    manager_config,
    queue_config,
    queue_members,
)
from cloudify_pulumi.config.cluster_layout import judge_cluster
from cloudify_pulumi.config.rules import ConfigError

ALL = [DATABASE, QUEUE, MANAGER]
NINE = [
    *({"name": f"db{i}", "host": f"10.0.1.{i}", "roles": [DATABASE]} for i in (1, 2, 3)),
    *({"name": f"queue{i}", "host": f"10.0.2.{i}", "roles": [QUEUE]} for i in (1, 2, 3)),
    *({"name": f"manager{i}", "host": f"10.0.3.{i}", "roles": [MANAGER]} for i in (1, 2, 3)),
]
THREE = [{"name": f"node{i}", "host": f"10.0.0.{i}", "roles": ALL} for i in (1, 2, 3)]
SECRETS = ClusterSecrets(*(f"secret-{n}" for n in range(10)))


def problems(nodes, premium=False, has_license=False) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        judge_cluster(nodes, premium=premium, has_license=has_license)
    return raised.value.problems


@pytest.mark.parametrize("layout", [NINE, THREE], ids=["nine-nodes", "three-nodes"])
def test_cloudifys_two_layouts_with_three_managers_need_premium_and_a_licence(layout):
    (problem,) = problems(layout)
    assert problem.startswith("cluster.nodes: 3 managers need Cloudify's premium image and a licence")
    assert "restservice.py lines 523-547" in problem
    assert problems(layout, premium=True) == [problem], "premium without a licence is refused too"
    judged = judge_cluster(layout, premium=True, has_license=True)
    assert [node.name for node in judged.tier(DATABASE)] == [e["name"] for e in layout if DATABASE in e["roles"]]


def test_the_community_cluster_has_three_database_and_three_queue_nodes_and_one_manager():
    nodes = [
        {**THREE[0], "roles": ALL},
        {**THREE[1], "roles": [QUEUE, DATABASE]},
        {**THREE[2], "roles": [DATABASE, QUEUE]},
    ]
    layout = judge_cluster(nodes, premium=False, has_license=False)
    assert [node.roles for node in layout.nodes] == [(DATABASE, QUEUE, MANAGER), (DATABASE, QUEUE), (DATABASE, QUEUE)]
    assert [node.name for node in layout.tier(MANAGER)] == ["node1"]


def test_bad_layouts_are_refused_with_every_problem_naming_its_setting():
    nodes = [
        {"name": "db1", "host": "10.0.0.1", "roles": [DATABASE, QUEUE, MANAGER]},
        {"name": "db2", "host": "10.0.0.1", "roles": [DATABASE]},
        {"name": "db2", "host": "not an address", "roles": ["broker", DATABASE, DATABASE]},
        {"name": "x", "roles": []},
    ]
    assert problems(nodes) == [
        "cluster.nodes[2].host: 'not an address' must be a host name, an IPv4 address or an IPv6 address",
        "cluster.nodes[2].roles: 'broker': not a role; the roles are database, queue, manager",
        "cluster.nodes[2].roles: names a role more than once",
        "cluster.nodes[3].host: is required: the node's address, as its peers and this program reach it",
        "cluster.nodes[3].roles: must be a non-empty list of roles, from database, queue, manager",
        "cluster.nodes: two nodes are named 'db2': a node's name names its containers and volumes",
        "cluster.nodes: two nodes are on 10.0.0.1: each node publishes its services on its own address, so two "
        "nodes on one address would take the same ports; give one node all the roles it should carry instead",
    ]


def test_an_even_database_tier_is_refused():
    nodes = [{**THREE[0]}, {**THREE[1], "roles": [DATABASE, QUEUE]}]
    assert problems(nodes) == [
        "cluster.nodes: 2 database nodes: Patroni's leader lives in etcd, whose quorum is a majority; give an odd "
        "number (3, as Cloudify's layouts do)"
    ]


def test_a_node_address_that_is_an_output_is_taken_as_it_is():
    host = pulumi.Output.from_input("10.0.0.9")
    layout = judge_cluster([{**THREE[0], "host": host}], premium=False, has_license=False)
    assert layout.nodes[0].host is host


def test_the_queue_nodes_join_the_first_as_cloudifys_queue_configs_do():
    queues = queue_members(["10.0.2.1", "10.0.2.2", "10.0.2.3"])
    first, second = queue_config(queues[0], queues, SECRETS), queue_config(queues[1], queues, SECRETS)
    # jenkins/cluster/queue1_config.yaml and queue2_config.yaml at 7.0.4, CONTAINER_IP and the cookie filled in.
    members = {f"rabbit{i}": {"networks": {"default": f"10.0.2.{i}"}} for i in (1, 2, 3)}
    assert first == {
        "manager": {"private_ip": "10.0.2.1", "public_ip": "10.0.2.1"},
        "rabbitmq": {
            "cert_path": "/etc/cloudify/queue_cert.pem",
            "key_path": "/etc/cloudify/queue_key.pem",
            "ca_path": "/etc/cloudify/ca.pem",
            "erlang_cookie": SECRETS.erlang_cookie,
            "nodename": "rabbit1",
            "cluster_members": members,
            "username": "cloudify",
            "password": SECRETS.broker_password,
        },
        "prometheus": {
            "cert_path": "/etc/cloudify/queue_cert.pem",
            "key_path": "/etc/cloudify/queue_key.pem",
            "ca_path": "/etc/cloudify/ca.pem",
        },
        "services_to_install": ["queue_service", "monitoring_service"],
    }
    assert second["rabbitmq"]["join_cluster"] == "rabbit1" and second["rabbitmq"]["nodename"] == "rabbit2"
    assert second["manager"] == {"private_ip": "10.0.2.2", "public_ip": "10.0.2.2"}


def test_a_database_node_is_configured_as_cloudifys_db_config():
    databases = database_members(["10.0.1.1", "10.0.1.2", "10.0.1.3"])
    document = database_config(databases[1], databases, SECRETS)
    server = document["postgresql_server"]
    # jenkins/cluster/db_config.yaml at 7.0.4: remote TLS-only connections, verified client certificates.
    assert {k: server[k] for k in ("enable_remote_connections", "ssl_enabled", "ssl_client_verification")} == {
        "enable_remote_connections": True,
        "ssl_enabled": True,
        "ssl_client_verification": True,
    }
    assert server["ssl_only_connections"] is True
    assert server["cluster"]["nodes"] == {f"db_{i}": {"ip": f"10.0.1.{i}"} for i in (1, 2, 3)}
    assert set(server["cluster"]["etcd"]) == {"cluster_token", "root_password", "patroni_password"}
    assert document["manager"]["private_ip"] == "10.0.1.2"
    assert document["services_to_install"] == ["database_service", "monitoring_service"]


def test_a_manager_reaches_both_tiers_with_tls_and_client_certificates_as_cloudifys_manager_config():
    queues = queue_members(["10.0.2.1", "10.0.2.2", "10.0.2.3"])
    databases = database_members(["10.0.1.1", "10.0.1.2", "10.0.1.3"])
    me = Member("manager1", "10.0.3.1")
    document = manager_config(me, "manager.example.com", queues, databases, SECRETS)
    assert document["manager"] == {
        "private_ip": "10.0.3.1",
        "public_ip": "manager.example.com",
        "hostname": "manager1",
        "security": {"ssl_enabled": True, "admin_password": SECRETS.admin_password},
    }
    assert document["postgresql_client"]["ssl_client_verification"] is True
    inputs = document["ssl_inputs"]
    assert inputs["ca_key_password"] == SECRETS.ca_key_password
    assert inputs["postgresql_client_cert_path"] == "/etc/cloudify/manager_postgres_client_cert.pem"
    assert inputs["postgresql_superuser_client_cert_path"] == "/etc/cloudify/manager_postgres_su_client_cert.pem"
    assert document["rabbitmq"]["cluster_members"]["rabbit3"] == {"networks": {"default": "10.0.2.3"}}
    assert document["services_to_install"] == ["manager_service", "monitoring_service"]

"""Closed by default: every port has a role, each role its address, and an address the host does not own is
refused before any container exists (issue 23). docs/network-exposure.md is the table users read; the host tests
(tests/hosts/test_network_exposure_hosts.py) publish these bindings on the real engine and reach them from
another network namespace."""

from __future__ import annotations

import logging
import shlex

import pytest
from cloudify_pulumi.cloudify.profiles import AGENTS, INTERNAL, PROFILES, PUBLIC, ROLES
from cloudify_pulumi.config.fleet import shared_host_ports
from cloudify_pulumi.config.rules import ConfigError
from cloudify_pulumi.host.docker_endpoint import DockerHostError, checked_docker_host, parse_host_report
from harness import HostMocks, last_registrations, run_program, settings_from_text, stack_config, stack_secrets

CONTAINER = "docker:index/container:Container"
IMAGES = {"appImage": "cloudify/manager:3.2.0", "dataImage": "cloudify/manager:3.2.0"}
REMOTE = {**IMAGES, "host": "10.0.0.5"}

# Every port of every profile, with its role, written out: a port added to a profile without a role here fails.
ROLES_BY_PROFILE = {
    "cloudify-3.2": {
        80: PUBLIC,
        5672: AGENTS,
        53229: AGENTS,
        8101: AGENTS,
        5555: INTERNAL,
        8100: INTERNAL,
        9200: INTERNAL,
        8086: INTERNAL,
    },
    "cloudify-7": {80: PUBLIC, 443: PUBLIC, 5671: AGENTS, 53333: AGENTS},
}


def settings(values: dict[str, str], *, key: bool = True):
    return settings_from_text(values, has_private_key=key, has_ssh_agent=False)


def bindings(values: dict[str, str], *, key: bool = True) -> dict[int, str]:
    s = settings(values, key=key)
    return {p.container: s.binding_address(p) for p in s.ports}


def problems(values: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as error:
        settings(values)
    return error.value.problems


def host_report(addresses: str) -> str:
    return (
        "HOST_DISTRIBUTION=ubuntu 22.04\nDOCKER_SERVER_VERSION=24.0.7\nDOCKER_CLIENT_VERSION=24.0.7\n"
        f"DOCKER_ENDPOINT=unix:///var/run/docker.sock\nHOST_ADDRESSES={addresses}\n"
    )


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_port_of_every_profile_has_the_role_written_here(profile):
    ports = PROFILES[profile].ports
    assert {p.number: p.role for p in ports} == ROLES_BY_PROFILE[profile]
    assert len({p.number for p in ports}) == len(ports)
    assert all(p.role in ROLES and p.service and p.needed_by for p in ports)


def test_a_remote_3_2_manager_whose_api_has_no_login_publishes_it_on_the_management_ip_with_the_agent_ports():
    """3.2's REST API has no login here (profiles.py `rest_login`), so its public port defaults to the management
    address, the network the agents and operators share; every address only when asked, and no internal port."""
    published = bindings({**REMOTE, "managementIp": "10.0.0.10"})
    assert published == {80: "10.0.0.10", 5672: "10.0.0.10", 8101: "10.0.0.10", 53229: "10.0.0.10"}
    everywhere = bindings({**REMOTE, "managementIp": "10.0.0.10", "publicAddress": "0.0.0.0"})
    assert everywhere == {80: "0.0.0.0", 5672: "10.0.0.10", 8101: "10.0.0.10", 53229: "10.0.0.10"}


def test_publishing_an_api_without_a_login_on_every_address_warns_on_every_run(caplog):
    config = {**stack_config("prod"), "publicAddress": "0.0.0.0"}
    with caplog.at_level(logging.WARNING):
        run_program(config, secrets=stack_secrets(config))
    assert "publicAddress is 0.0.0.0: cloudify-3.2's REST API has no login" in caplog.text
    assert "run workflows: commands on the manager and on every host it manages" in caplog.text
    caplog.clear()
    for quiet in ({**stack_config("prod")}, {**stack_config("prod"), "managerProfile": "cloudify-7"}):
        with caplog.at_level(logging.WARNING):
            run_program(quiet, secrets=stack_secrets(quiet))
        assert "has no login" not in caplog.text


def test_a_remote_cloudify_7_manager_publishes_443_everywhere_and_the_agent_ports_on_the_management_ip():
    """TLS is on by default there, so the plain HTTP port 80 is not published (profiles.py `plain_http`)."""
    published = bindings({**REMOTE, "managerProfile": "cloudify-7"})
    assert published == {443: "0.0.0.0", 5671: "10.0.0.5", 53333: "10.0.0.5"}
    without_tls = bindings({**REMOTE, "managerProfile": "cloudify-7", "managerTls": "false"})
    assert without_tls == {80: "0.0.0.0", 443: "0.0.0.0", 5671: "10.0.0.5", 53333: "10.0.0.5"}


def test_a_manager_on_this_machine_is_published_on_loopback_only():
    published = bindings({**IMAGES, "managerProfile": "cloudify-7"}, key=False)
    assert set(published.values()) == {"127.0.0.1"}


def test_public_address_moves_only_the_public_ports():
    published = bindings({**REMOTE, "managerProfile": "cloudify-7", "publicAddress": "192.0.2.10"})
    assert published == {443: "192.0.2.10", 5671: "10.0.0.5", 53333: "10.0.0.5"}


def test_ports_may_name_an_address_and_an_internal_port_named_without_one_stays_on_loopback():
    ports = '["10.0.0.5:8080:80", 9200, "[fd00::1]:5672:5672", 8443]'
    published = bindings({**REMOTE, "ports": ports, "publicAddress": "0.0.0.0"})
    assert published == {80: "10.0.0.5", 5672: "fd00::1", 9200: "127.0.0.1", 8443: "0.0.0.0"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('["manager.example.com:80:80"]', "'manager.example.com' must be an IPv4 or IPv6 address"),
        ('["10.0.0.5:80"]', "'10.0.0.5:80' must be a port number"),
        ('[":80:80"]', "':80:80' must be a port number"),
        ('["[fd00::1]:80"]', "'[fd00::1]:80': an address needs both ports"),
        ('["10.0.0.5:80:80", "10.0.0.5:80:8080"]', "host port 80 is published more than once on 10.0.0.5"),
    ],
)
def test_a_bad_address_in_ports_is_refused_naming_ports(entry, message):
    found = problems({**REMOTE, "ports": entry})
    assert any(p.startswith("ports: ") and message in p for p in found), found


def test_public_address_must_be_an_ip_address():
    assert problems({**REMOTE, "publicAddress": "example.com"}) == [
        "publicAddress: 'example.com' must be an IPv4 or IPv6 address of the Docker host (0.0.0.0 for all of them)"
    ]


def test_agent_ports_cannot_be_bound_on_a_management_address_that_is_a_host_name():
    assert problems({**IMAGES, "host": "manager.example.com", "managerProfile": "cloudify-7"}) == [
        "managementIp: unset, so it is host 'manager.example.com', a host name, but the agent ports "
        "(5671, 53333) are published on the management address, which must be an IP address of the host: "
        "set managementIp to the private IP the agents reach (`pulumi config set managementIp 10.0.0.5`)"
    ]
    assert problems({**IMAGES, "host": "manager.example.com"}) == [
        "managementIp: unset (and publicAddress too), so it is host 'manager.example.com', a host name, but "
        "cloudify-3.2's REST API has no login, so its ports (80, 5672, 8101, 53229) are published on the management "
        "address, which must be an IP address of the host: set managementIp to the private IP the agents reach "
        "(`pulumi config set managementIp 10.0.0.5`)"
    ]


def test_the_host_addresses_are_read_from_the_docker_step_ipv6_from_its_hex_form():
    read = parse_host_report(
        host_report("10.0.0.5 127.0.0.1 00000000000000000000000000000001 fd000000000000000000000000000002")
    )
    assert read.addresses == ("10.0.0.5", "127.0.0.1", "::1", "fd00::2")
    assert parse_host_report(host_report("").replace("HOST_ADDRESSES=\n", "")).addresses is None


def test_an_agent_binding_on_an_address_the_host_does_not_own_is_refused_naming_management_ip_and_the_fix():
    nat = settings({**REMOTE, "host": "203.0.113.7", "publicAddress": "0.0.0.0"})
    with pytest.raises(DockerHostError) as error:
        checked_docker_host(nat, host_report("127.0.0.1 10.0.0.5 172.17.0.1"))
    assert str(error.value) == (
        "managementIp: 203.0.113.7 is not an address of 203.0.113.7 (ubuntu 22.04), so Docker cannot publish port "
        "5672 on it (the host has 10.0.0.5, 172.17.0.1). Agent ports are published on the management address. "
        "Behind NAT (a cloud VM's public IP), set managementIp to the private address the agents in the same "
        "network reach: `pulumi config set managementIp 10.0.0.5`."
    )


def test_an_api_without_a_login_on_an_address_the_host_does_not_own_is_refused_naming_management_ip():
    nat = settings({**REMOTE, "host": "203.0.113.7"})
    with pytest.raises(DockerHostError) as error:
        checked_docker_host(nat, host_report("127.0.0.1 10.0.0.5"))
    assert str(error.value).startswith(
        "managementIp: 203.0.113.7 is not an address of 203.0.113.7 (ubuntu 22.04), so Docker cannot publish port "
        "80 on it (the host has 10.0.0.5). cloudify-3.2's REST API has no login, so its public ports are published "
        "on the management address too."
    )


def test_a_public_address_the_host_does_not_own_is_refused_naming_public_address():
    with pytest.raises(DockerHostError, match=r"^publicAddress: 192\.0\.2\.99 is not an address of 10\.0\.0\.5"):
        checked_docker_host(settings({**REMOTE, "publicAddress": "192.0.2.99"}), host_report("127.0.0.1 10.0.0.5"))


def test_an_explicit_address_the_host_does_not_own_is_refused_naming_ports():
    odd = settings({**REMOTE, "ports": '["192.0.2.99:8080:80"]'})
    with pytest.raises(DockerHostError, match=r"^ports: 192\.0\.2\.99 is not an address"):
        checked_docker_host(odd, host_report("127.0.0.1 10.0.0.5"))


def test_owned_and_wildcard_addresses_pass_and_an_unreported_list_is_not_checked():
    owned = settings({**REMOTE, "publicAddress": "::"})
    assert checked_docker_host(owned, host_report("127.0.0.1 10.0.0.5")).startswith("ssh://")
    nat = settings({**REMOTE, "host": "203.0.113.7"})
    assert checked_docker_host(nat, host_report("").replace("HOST_ADDRESSES=\n", "")).startswith("ssh://")


def test_a_daemon_reached_over_tcp_is_not_checked_against_the_ssh_hosts_addresses():
    tls = {"dockerHost": "tcp://10.0.0.9:2376", "dockerTlsCaCert": "CA", "dockerTlsCert": "CERT", "dockerTlsKey": "K"}
    remote_daemon = settings({**REMOTE, "host": "203.0.113.7", **tls})
    assert checked_docker_host(remote_daemon, host_report("127.0.0.1")) == "tcp://10.0.0.9:2376"


def test_two_managers_on_one_host_may_share_a_port_number_on_different_addresses_but_not_on_a_wildcard():
    a = settings({**REMOTE, "publicAddress": "10.0.0.5", "managementIp": "10.0.0.5"})
    b = settings({**REMOTE, "publicAddress": "10.0.0.6", "managementIp": "10.0.0.6", "namePrefix": "two"})
    assert shared_host_ports(a, b) == []
    everywhere = settings({**REMOTE, "namePrefix": "three", "managementIp": "10.0.0.7", "publicAddress": "0.0.0.0"})
    assert shared_host_ports(a, everywhere) == [80]


def test_the_dev_stack_registers_every_port_on_loopback():
    config = stack_config("dev")
    app = run_program(config, secrets=stack_secrets(config)).one(CONTAINER, "-app")
    assert {p["ip"] for p in app.inputs["ports"]} == {"127.0.0.1"}


def test_a_nat_address_as_management_ip_stops_the_program_after_the_docker_step_before_any_container():
    """The provider's host is derived from the checked report (docker_endpoint.checked_docker_host), so nothing
    that uses the provider (images, volumes, containers) is registered."""
    mocks = HostMocks(engine_stdout=host_report("127.0.0.1 10.0.0.5"))
    config = {**stack_config("prod"), "managementIp": "203.0.113.7"}
    with pytest.raises(DockerHostError, match=r"^managementIp: 203\.0\.113\.7 is not an address of manager\.example"):
        run_program(config, secrets=stack_secrets(config), mocks=mocks)
    assert [r.type for r in last_registrations()] == [
        "cloudify:index:CloudifyManager",
        "command:local:Command",  # the host key, recorded at first use
        "command:remote:Command",  # the scripts
        "command:remote:Command",
    ]


def test_the_readiness_check_reaches_the_public_port_on_the_address_it_is_published_on():
    """wait_ready.sh takes ADDRESS only where the port is not on every address or loopback (its default)."""

    def ready_words(**overrides: str) -> list[str]:
        config = {**stack_config("prod"), **overrides}
        create = run_program(config, secrets=stack_secrets(config)).commands()["ready"]
        return shlex.split(create)[3:]

    assert len(ready_words(publicAddress="0.0.0.0")) == 11  # the script's name, then its ten arguments as before
    assert ready_words()[-1] == "10.0.0.10", "3.2's API is on the management address (no login)"
    assert ready_words(publicAddress="10.0.0.10")[-1] == "10.0.0.10"
    assert ready_words(publicAddress="::")[-1] == "::1"
    assert ready_words(ports='["127.0.0.2:80:80"]')[-1] == "127.0.0.2"

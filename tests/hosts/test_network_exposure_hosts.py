"""The declared port bindings on the real engine, reached from another network namespace (issue 23).

The application container is started from the inputs the program registers (hostbed.run_declared_app_container,
as kreuzwerker v4.5.0 creates it), with a stand-in that serves HTTP on every port of the profile, published or
not. This machine plays the Docker host: a veth pair gives it two addresses on a network it shares only with a
client namespace, the management address and one other. From the client: the public port answers on both, every
internal port is refused on both, and an agent port answers only on the management address.
"""

from __future__ import annotations

import json
import subprocess
import uuid

import hostbed
import pytest
from cloudify_pulumi.cloudify.profiles import AGENTS, INTERNAL, PROFILES, PUBLIC
from harness import run_program, stack_config, stack_secrets

# It adds a veth pair, hence addresses of this machine, which the SSH hosts share: run it while no other test
# compares a host's addresses with what its Docker step reported (scripts/test runs these `alone`).
pytestmark = [pytest.mark.hosts, pytest.mark.alone]
CONTAINER = "docker:index/container:Container"
PROFILE = PROFILES["cloudify-3.2"]

# Connect once from the client namespace; print open, refused or silent (nothing answered in time).
PROBE = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()
    print("open")
except ConnectionRefusedError:
    print("refused")
except OSError:
    print("silent")
"""


def sh(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


class ClientNamespace:
    """A network namespace joined to this machine by a veth pair: this side has `management` and `other`."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:6]
        self.name, self.host_link, self.peer = f"cfy-client-{tag}", f"cfyh{tag}", f"cfyc{tag}"
        net = f"10.{200 + int(tag[:2], 16) % 50}.{int(tag[2:4], 16)}"
        self.management, self.other, self.client = f"{net}.1", f"{net}.3", f"{net}.2"
        sh("ip", "netns", "add", self.name)
        sh("ip", "link", "add", self.host_link, "type", "veth", "peer", "name", self.peer)
        sh("ip", "link", "set", self.peer, "netns", self.name)
        sh("ip", "addr", "add", f"{self.management}/24", "dev", self.host_link)
        sh("ip", "addr", "add", f"{self.other}/24", "dev", self.host_link)
        sh("ip", "link", "set", self.host_link, "up")
        run = ("ip", "netns", "exec", self.name)
        sh(*run, "ip", "addr", "add", f"{self.client}/24", "dev", self.peer)
        sh(*run, "ip", "link", "set", self.peer, "up")
        sh(*run, "ip", "link", "set", "lo", "up")

    def reach(self, address: str, port: int) -> str:
        return sh("ip", "netns", "exec", self.name, "python3", "-c", PROBE, address, str(port)).strip()

    def remove(self) -> None:
        subprocess.run(["ip", "link", "del", self.host_link], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


@pytest.fixture
def client():
    namespace = ClientNamespace()
    yield namespace
    namespace.remove()


def declared_containers(management_ip: str, **overrides: str) -> tuple[dict, dict]:
    """The prod stack's data and app container inputs for a host at `management_ip`, named apart."""
    config = {**stack_config("prod"), "host": management_ip, "managementIp": management_ip, **overrides}
    config.update(namePrefix=f"cfy-exposure-{uuid.uuid4().hex[:6]}", volumePaths='["/srv/state"]')
    run = run_program(config, secrets=stack_secrets(config))
    return run.one(CONTAINER, "-data").inputs, run.one(CONTAINER, "-app").inputs


def serve_every_profile_port() -> list[str]:
    """A stand-in manager: busybox httpd on every port the profile knows, published or not."""
    ports = " ".join(str(p.number) for p in PROFILE.ports)
    script = f"mkdir -p /www && for p in {ports}; do busybox httpd -p $p -h /www; done; exec sleep 600"
    return ["sh", "-c", script]


@pytest.mark.parametrize(
    ("overrides", "public"),
    [
        ({}, ("open", "refused")),  # 3.2's API has no login: on the management address only, by default
        ({"publicAddress": "0.0.0.0"}, ("open", "open")),  # every address, as asked (and warned about)
    ],
)
def test_the_declared_bindings_are_what_docker_publishes_and_what_a_client_elsewhere_can_reach(
    client, overrides, public
):
    data, app = declared_containers(client.management, **overrides)
    hostbed.create_declared_data_container(data, hostbed.ensure_image())
    name = hostbed.run_declared_app_container(app, hostbed.ensure_image(), *serve_every_profile_port())
    try:
        bound = json.loads(hostbed.docker("inspect", "-f", "{{json .HostConfig.PortBindings}}", name).stdout)
        assert {int(k.split("/")[0]): [(b["HostIp"], b["HostPort"]) for b in v] for k, v in bound.items()} == {
            int(p["internal"]): [(p["ip"], str(int(p["external"])))] for p in app["ports"]
        }
        published = hostbed.docker("port", name).stdout
        for p in app["ports"]:
            assert f"{int(p['internal'])}/tcp -> {p['ip']}:{int(p['external'])}" in published, published
        expected = {PUBLIC: public, AGENTS: ("open", "refused"), INTERNAL: ("refused", "refused")}
        seen = {
            p.number: (client.reach(client.management, p.number), client.reach(client.other, p.number))
            for p in PROFILE.ports
        }
        assert seen == {p.number: expected[p.role] for p in PROFILE.ports}
    finally:
        hostbed.delete_as_the_provider_does(name)
        hostbed.docker("rm", "-f", data["name"], check=False)
        hostbed.docker("volume", "rm", "-f", data["volumes"][0]["volumeName"], check=False)

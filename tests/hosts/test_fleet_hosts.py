"""On the test bed (real Docker and SSH hosts): the host tests of test_fleet.

The tests that need no host are in engine/test_fleet.py.
"""

from __future__ import annotations

import json
import uuid

import pytest
from connhelper import ping, provider_address
from engine.test_fleet import PROD, PROVIDER
from harness import HostMocks, run_host_key_step, run_program
from hostbed import PackageServer, docker, start_app_container

# -- on real SSH hosts ---------------------------------------------------------------


@pytest.mark.hosts
def test_a_two_host_stack_runs_its_docker_and_agent_steps_on_both_and_connects_to_each(make_host, engine, tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    (www / "agent.tar.gz").write_bytes(b"agent\n")
    server = PackageServer(www)
    hosts = {
        "site-a": make_host("site-a", with_engine=True, docker_group=True),
        "site-b": make_host("site-b", with_engine=True, docker_group=True),
    }
    prefixes = {name: f"cfy{name[-1]}{uuid.uuid4().hex[:6]}" for name in hosts}
    managers = {
        name: {
            "host": "127.0.0.1",
            "sshUser": host.user,
            "sshPort": host.port,
            "namePrefix": prefixes[name],
            "ports": [8000 + i],
        }
        for i, (name, host) in enumerate(hosts.items())
    }
    # Both test hosts share this machine's address: one key opens both (same test key folder).
    packages = json.dumps({"agents": {"a": server.pinned("agent.tar.gz")}})
    config = {**PROD, "cloudifyPackages": packages, "managers": json.dumps(managers)}
    run = run_program(
        config,
        secrets={"sshPrivateKey": hosts["site-a"].key.read_text()},
        mocks=HostMocks(host_key_step=run_host_key_step),  # each host's key, scanned for real
    )
    started = []
    try:
        for name, host in hosts.items():
            install = run.one("command:remote:Command", f"{name}-scripts").inputs  # first, as the engine runs it
            assert host.ssh(install["create"], input_text=install["stdin"]).returncode == 0
            engine_step = run.one("command:remote:Command", f"{name}-docker-engine").inputs["create"]
            assert host.ssh(engine_step).returncode == 0
            started.append(start_app_container(f"{prefixes[name]}-manager", "sleep", "600"))
            agents = run.one("command:remote:Command", f"{name}-agent-packages").inputs["create"]
            result = host.ssh(agents)
            assert result.returncode == 0, result.stderr
            placed = docker("exec", started[-1], "cat", "/opt/manager/resources/packages/agents/agent.tar.gz")
            assert placed.stdout == "agent\n"
            connection = ping(*provider_address(run.one(PROVIDER, f"{name}-docker").inputs))
            assert connection.answered_ok, connection.stderr
    finally:
        server.close()
        for name in started:
            docker("rm", "-f", name, check=False)

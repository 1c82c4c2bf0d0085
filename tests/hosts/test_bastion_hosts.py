"""On the test bed (real Docker and SSH hosts): the host tests of test_bastion.

The tests that need no host are in engine/test_bastion.py.
"""

from __future__ import annotations

import subprocess
import uuid

import pytest
from connhelper import ping, provider_address
from engine.test_bastion import PROVIDER
from harness import (
    render_for_host,
)
from hostbed import SshHost, docker, docker_step_report

# It adds a Docker network, hence an address of this machine, which the SSH hosts share: run it while no other
# test compares a host's addresses with what its Docker step reported (scripts/test runs these `alone`).
pytestmark = pytest.mark.alone

# -- on the test bed --------------------------------------------------------------------------------------------


@pytest.fixture
def internal_network(engine):
    name = f"cfy-internal-{uuid.uuid4().hex[:8]}"
    docker("network", "create", "--internal", name)
    yield name
    docker("network", "rm", name, check=False)


@pytest.fixture
def behind_bastion(internal_network, make_host, tmp_path_factory) -> tuple[SshHost, SshHost]:
    """A bastion with its own user key, and a target reachable only through it."""
    bastion = make_host(
        "bastion", networks=("bridge", internal_network), key_dir=tmp_path_factory.mktemp("bastion-key")
    )
    target = make_host(
        "target",
        networks=(internal_network,),
        with_engine=True,
        docker_group=True,
        allow_from=bastion.address_on(internal_network),
    )
    target.wait_via(bastion)
    return bastion, target


def host_public_key(host: SshHost) -> str:
    return " ".join(host.root("cat /etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[:2])


def other_public_key(tmp_path) -> str:
    other = tmp_path / f"other-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    return " ".join(other.with_suffix(".pub").read_text().split()[:2])


@pytest.mark.hosts
def test_the_target_answers_only_through_the_bastion(behind_bastion):
    bastion, target = behind_bastion
    assert target.ssh("true", timeout=30, via=bastion).returncode == 0
    assert bastion.key.read_text() != target.key.read_text(), "each hop has its own key"
    direct = target.ssh("true", timeout=30)
    assert direct.returncode != 0, "reached without the bastion: the test would prove nothing"


@pytest.mark.hosts
def test_the_declared_steps_run_on_the_target_through_the_bastion(behind_bastion, engine):
    bastion, target = behind_bastion
    run = render_for_host(target, bastion=bastion, volumePaths='["/srv/state"]')
    commands = run.commands()
    step = target.ssh(commands["docker-engine"], via=bastion)
    assert step.returncode == 0, step.stderr
    assert step.stdout == docker_step_report("debian 12", engine, target)
    backup = target.ssh(commands["backup"], via=bastion)
    assert backup.returncode == 0 and "nothing to back up" in backup.stderr, backup.stderr


@pytest.mark.hosts
@pytest.mark.parametrize("pin", ["both", "none"])
def test_the_providers_own_connection_reaches_the_target_through_the_bastion(behind_bastion, pin):
    bastion, target = behind_bastion
    keys = {"sshHostKey": host_public_key(target), "sshProxyHostKey": host_public_key(bastion)} if pin == "both" else {}
    run = render_for_host(target, bastion=bastion, **keys)
    assert target.ssh(run.commands()["docker-engine"], via=bastion).returncode == 0
    result = ping(*provider_address(run.one(PROVIDER).inputs))
    assert result.answered_ok, result.stderr


@pytest.mark.hosts
@pytest.mark.parametrize("wrong", ["sshProxyHostKey", "sshHostKey"])
def test_a_wrong_pinned_key_on_either_hop_is_refused(behind_bastion, tmp_path, wrong):
    bastion, target = behind_bastion
    keys = {"sshHostKey": host_public_key(target), "sshProxyHostKey": host_public_key(bastion)}
    keys[wrong] = other_public_key(tmp_path)
    run = render_for_host(target, bastion=bastion, **keys)
    result = ping(*provider_address(run.one(PROVIDER).inputs))
    assert result.returncode != 0 and not result.response
    assert "Host key verification failed" in result.stderr, result.stderr

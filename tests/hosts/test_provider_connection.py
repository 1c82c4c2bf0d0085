"""The Docker provider's own ssh:// connection, run for real against SSH test hosts.

Each test renders the program for a test host, runs the declared Docker step
over SSH as the command provider would, then opens the connection the Docker
provider would open with the `host` and `sshOpts` the program registered
(tests/connhelper.py: docker/cli v28.5.2's argv) and sends `GET /_ping`
through `docker system dial-stdio` to the real engine.
"""

from __future__ import annotations

import subprocess

import pytest
from connhelper import ping, provider_address
from harness import Run, render_for_host
from hostbed import SshHost

pytestmark = pytest.mark.hosts
PROVIDER = "pulumi:providers:docker"


def provider_inputs(run: Run) -> tuple[str, list[str]]:
    return provider_address(run.one(PROVIDER).inputs)


def docker_step(host: SshHost, run: Run):
    return host.ssh(run.commands()["docker-engine"])


def host_public_key(host: SshHost) -> str:
    """The test host's ed25519 host key, as `ssh-keyscan | cut -d' ' -f2-` gives it."""
    return " ".join(host.root("cat /etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[:2])


def test_a_docker_group_member_reaches_the_engine_through_the_providers_connection(make_host, engine):
    host = make_host("group-member", with_engine=True, docker_group=True)
    run = render_for_host(host)
    step = docker_step(host, run)
    assert step.returncode == 0, step.stderr
    assert "adding tester to group" not in step.stderr, "nothing to change for a member of the group"
    result = ping(*provider_inputs(run))
    assert result.answered_ok, result.stderr


def test_a_sudo_only_user_is_refused_until_the_docker_step_adds_it_to_the_group(make_host, engine):
    host = make_host("sudo-only", with_engine=True)
    run = render_for_host(host)

    before = ping(*provider_inputs(run))
    assert not before.answered_ok
    assert "permission denied" in before.stderr, before.stderr

    step = docker_step(host, run)
    assert step.returncode == 0, step.stderr
    assert "adding tester to group docker" in step.stderr and "root-equivalent" in step.stderr
    assert "docker" in host.root("id -nG tester").stdout.split()

    after = ping(*provider_inputs(run))
    assert after.answered_ok, after.stderr

    again = docker_step(host, run)
    assert again.returncode == 0 and "adding" not in again.stderr, "the second run changes nothing"


def test_a_user_without_sudo_or_group_gets_the_exact_command_to_run(make_host, engine):
    host = make_host("no-access", with_engine=True, sudo=False)
    step = docker_step(host, render_for_host(host, useSudo="false"))
    assert step.returncode == 17
    assert "user tester cannot open /var/run/docker.sock (group docker)" in step.stderr
    assert "sudo usermod -aG docker tester" in step.stderr
    assert "docker" not in host.root("id -nG tester").stdout.split()


def test_a_pinned_host_key_that_matches_connects(make_host, engine):
    host = make_host("pinned", with_engine=True, docker_group=True)
    run = render_for_host(host, sshHostKey=host_public_key(host))
    assert "StrictHostKeyChecking=yes" in provider_inputs(run)[1]
    assert docker_step(host, run).returncode == 0
    result = ping(*provider_inputs(run))
    assert result.answered_ok, result.stderr


def test_a_pinned_host_key_that_does_not_match_is_refused(make_host, engine, tmp_path):
    host = make_host("impostor", with_engine=True, docker_group=True)
    other = tmp_path / "other_host_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    wrong = " ".join(other.with_suffix(".pub").read_text().split()[:2])
    run = render_for_host(host, sshHostKey=wrong)
    result = ping(*provider_inputs(run))
    assert result.returncode != 0 and not result.response
    assert "Host key verification failed" in result.stderr, result.stderr

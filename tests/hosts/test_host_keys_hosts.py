"""Trust on first use, run for real: the declared host-key step against SSH test hosts, then a host that
regenerates its keys, refused by both transports.

The command provider's check is pulumi-command v1.2.1's Go client, which cannot run here
(provider/pkg/provider/remote/connection.go lines 86-94: `ssh.FixedHostKey(<hostKey>)` and
`HostKeyAlgorithms` = that key's type only). `command_provider_ssh` mirrors it with OpenSSH: the connection's
`hostKey` as the only known host, checked strictly, and only its type asked for. The Docker provider's connection
is docker/cli v28.5.2's connhelper argv with the registered `host` and `sshOpts` (tests/connhelper.py).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cloudify_pulumi import host_scripts
from connhelper import ping, provider_address
from harness import Run, render_for_host, run_host_key_step, unwrap_secrets
from hostbed import Result, SshHost

pytestmark = pytest.mark.hosts
PROVIDER = "pulumi:providers:docker"


def host_public_key(host: SshHost) -> str:
    return " ".join(host.root("cat /etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[:2])


def regenerate_host_keys(host: SshHost) -> None:
    """What a rebuilt host, or an impostor at its address, looks like to a client."""
    host.setup("rm /etc/ssh/ssh_host_* && ssh-keygen -A")


def connection_of(run: Run, step: str) -> dict:
    return unwrap_secrets(run.one("command:remote:Command", f"-{step}").inputs["connection"])


def command_provider_ssh(host: SshHost, connection: dict, command: str, tmp_path: Path) -> Result:
    """`command` over a connection checked as pulumi-command v1.2.1 checks `connection.hostKey`."""
    known = tmp_path / "command-provider-known-hosts"
    known.write_text(f"[{connection['host']}]:{int(connection['port'])} {connection['hostKey']}\n")
    checked = {
        "StrictHostKeyChecking=no": "StrictHostKeyChecking=yes",
        "UserKnownHostsFile=/dev/null": f"UserKnownHostsFile={known}",
    }
    options = [checked.get(option, option) for option in host.ssh_options()]
    assert set(checked.values()) <= set(options), options
    argv = [
        "ssh",
        *options,
        "-o",
        f"HostKeyAlgorithms={connection['hostKey'].split()[0]}",
        f"{host.user}@{host.address}",
        command,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    return Result(done.returncode, done.stdout, done.stderr)


def test_the_first_run_records_the_key_the_host_presents(make_host):
    host = make_host("tofu-record")
    run = render_for_host(host)
    assert host_public_key(host).startswith("ssh-ed25519 ")
    for step in ("docker-engine", "backup", "ready"):
        assert connection_of(run, step)["hostKey"] == host_public_key(host), step


def test_a_host_whose_key_changes_is_refused_by_the_declared_commands_and_the_providers_connection(
    make_host, engine, tmp_path
):
    host = make_host("tofu-changed", with_engine=True, docker_group=True)
    run = render_for_host(host)
    connection = connection_of(run, "docker-engine")
    engine_step = run.commands()["docker-engine"]
    before = command_provider_ssh(host, connection, engine_step, tmp_path)
    assert before.returncode == 0, before.stderr
    assert ping(*provider_address(run.one(PROVIDER).inputs)).answered_ok

    regenerate_host_keys(host)

    after = command_provider_ssh(host, connection, engine_step, tmp_path)
    assert after.returncode == 255 and after.stdout == "", after.stderr
    assert "Host key verification failed" in after.stderr, after.stderr
    provider = ping(*provider_address(run.one(PROVIDER).inputs))
    assert provider.returncode != 0 and not provider.response
    assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in provider.stderr, provider.stderr


def test_replacing_the_host_key_step_accepts_the_new_key(make_host):
    """`pulumi up --replace <host-key URN>` runs the step's `create` again (pulumi-command v1.2.1: a replacement
    creates anew): the key it records is the one the host presents now."""
    host = make_host("tofu-accept")
    create = render_for_host(host).one("command:local:Command", "-host-key").inputs["create"]
    first = run_host_key_step(create, host)
    regenerate_host_keys(host)
    again = run_host_key_step(create, host)
    assert first != again == f"HOST_KEY={host_public_key(host)}\n"


def test_a_host_that_answers_no_ssh_fails_the_scan_naming_the_host_and_port(make_host):
    host = make_host("tofu-closed")
    done = subprocess.run(["sh", "-c", host_scripts.scan_host_key(host.address, 1)], capture_output=True, text=True)
    assert done.returncode == 91 and done.stdout == ""
    assert f"no SSH host key answered on {host.address} port 1" in done.stderr


def test_the_hosts_own_key_is_read_and_an_unreadable_one_fails_naming_the_fix(make_host):
    host = make_host("tofu-own")
    read = host.ssh(host_scripts.own_host_key())
    assert (read.returncode, read.stdout) == (0, f"HOST_KEY={host_public_key(host)}\n"), read.stderr
    host.setup("chmod 600 /etc/ssh/ssh_host_*_key.pub")
    unreadable = host.ssh(host_scripts.own_host_key())
    assert unreadable.returncode == 92 and unreadable.stdout == ""
    assert "no readable public host key in /etc/ssh" in unreadable.stderr and "sshHostKey" in unreadable.stderr

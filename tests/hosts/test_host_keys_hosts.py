"""Trust on first use, run for real: the declared host-key step against SSH test hosts, then a host that
regenerates its keys, refused by both transports.

The command provider's check is pulumi-command v1.2.1's Go client, which cannot run here
(provider/pkg/provider/remote/connection.go lines 86-94: `ssh.FixedHostKey(<hostKey>)` and
`HostKeyAlgorithms` = that key's type only). `command_provider_ssh` mirrors it with OpenSSH: the connection's
`hostKey` as the only known host, checked strictly, and only its type asked for. The Docker provider's connection
is docker/cli v28.5.2's connhelper argv with the registered `host` and `sshOpts` (tests/connhelper.py).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cloudify_pulumi.host import host_scripts
from cloudify_pulumi.host.docker_endpoint import SshIdentity
from cloudify_pulumi.host.ssh_trust import HostKeyChanged
from connhelper import ping, provider_address
from harness import PROJECT, Run, render_for_host, run_host_key_step, unwrap_secrets
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
    step = render_for_host(host).one("command:local:Command", "-host-key").inputs
    first = run_host_key_step(step, host)
    regenerate_host_keys(host)
    again = run_host_key_step(step, host)
    assert first != again == f"HOST_KEY={host_public_key(host)}\n"


def test_a_host_that_answers_no_ssh_fails_the_scan_naming_the_host_and_port(make_host):
    host = make_host("tofu-closed")
    step = render_for_host(host).one("command:local:Command", "-host-key").inputs
    closed = {**step, "environment": {**step["environment"], "CLOUDIFY_SCAN_PORT": "1"}}
    with pytest.raises(AssertionError, match=f"no SSH host key answered on {host.address} port 1") as failed:
        run_host_key_step(closed, host)
    assert "(91)" in str(failed.value)


def stack_known_hosts(isolated_home: str) -> Path:
    identity = SshIdentity.for_stack(PROJECT, isolated_home)
    return identity.local_path(identity.known_hosts_file)


def console_fingerprint(host: SshHost) -> str:
    """What the host's console prints for its key: `ssh-keygen -lf` run on the host itself."""
    return host.root("ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[1]


def test_a_key_regenerated_between_two_ups_is_refused_until_accepted_with_the_printed_command(make_host, isolated_home):
    """The record of this release: the second `up` runs the record again (as `--replace`, or a step made anew
    would) and is refused, naming both fingerprints as ssh-keygen -lf prints them; the printed command's
    `ssh-keygen -R`, run for real, accepts it."""
    host = make_host("tofu-regenerated")
    first = render_for_host(host)
    old = console_fingerprint(host)
    assert stack_known_hosts(isolated_home).read_text().split()[1:] == host_public_key(host).split()
    regenerate_host_keys(host)
    with pytest.raises(HostKeyChanged) as refused:
        render_for_host(host)
    message = str(refused.value)
    assert f"presents the host key {console_fingerprint(host)}, but this machine knows {old} for it" in message
    accept = message.rsplit("then accept it: ", 1)[1]
    forget, replace = accept.split(" && ")
    assert replace == f"pulumi up --replace '{first.one('command:local:Command', '-host-key').urn}'"
    done = subprocess.run(["sh", "-c", forget], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    accepted = render_for_host(host)
    assert connection_of(accepted, "docker-engine")["hostKey"] == host_public_key(host)


def test_a_key_that_1_1_0_recorded_with_accept_new_is_not_replaced_by_a_changed_one(make_host, isolated_home):
    """1.1.0's Docker provider connected with `StrictHostKeyChecking=accept-new` and the stack's known_hosts:
    done here with the real ssh client, as it did, before the host's key changes."""
    host = make_host("tofu-from-1-1-0")
    known = stack_known_hosts(isolated_home)
    known.parent.mkdir(parents=True, mode=0o700)
    given = host.ssh_options()
    pairs = [given[i : i + 2] for i in range(0, len(given), 2)]
    kept = [
        w for pair in pairs if not pair[1].startswith(("StrictHostKeyChecking", "UserKnownHostsFile")) for w in pair
    ]
    argv = ["ssh", *kept, "-o", "StrictHostKeyChecking=accept-new", "-o", f"UserKnownHostsFile={known}"]
    done = subprocess.run([*argv, f"{host.user}@{host.address}", "true"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and known.read_text(), done.stderr
    recorded_by_1_1_0 = known.read_text()
    regenerate_host_keys(host)
    with pytest.raises(HostKeyChanged, match=re.escape(f"presents the host key {console_fingerprint(host)}")):
        render_for_host(host)
    assert known.read_text() == recorded_by_1_1_0, "the key 1.1.0 recorded is kept"


def test_the_hosts_own_key_is_read_and_an_unreadable_one_fails_naming_the_fix(make_host):
    host = make_host("tofu-own")
    read = host.ssh(host_scripts.own_host_key())
    assert (read.returncode, read.stdout) == (0, f"HOST_KEY={host_public_key(host)}\n"), read.stderr
    host.setup("chmod 600 /etc/ssh/ssh_host_*_key.pub")
    unreadable = host.ssh(host_scripts.own_host_key())
    assert unreadable.returncode == 92 and unreadable.stdout == ""
    assert "no readable public host key in /etc/ssh" in unreadable.stderr and "sshHostKey" in unreadable.stderr

"""Trust on first use, made true for both transports (components/cloudify_pulumi/ssh_trust.py).

Under the mocks: what the engine is asked to create. Without `sshHostKey` a step records the key once, and every
other connection is given it: the command provider's `connection.hostKey` (pulumi-command v1.2.1
provider/pkg/provider/remote/connection.go lines 86-94: `ssh.FixedHostKey` and that key type only; without it,
lines 96-97, `ssh.InsecureIgnoreHostKey()`), and the Docker provider's known_hosts with
`StrictHostKeyChecking=yes`. The real script, a real key change and both real clients: hosts/test_host_keys_hosts.py.
"""

from __future__ import annotations

import logging
import os
import pwd
from pathlib import Path

import pytest
from harness import THROWAWAY_KEY, Run, mock_host_key, run_program, script_arguments, stack_config, unwrap_secrets

PROVIDER = "pulumi:providers:docker"
PINNED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"
BEHIND = {**stack_config("prod"), "host": "10.20.0.5", "sshProxyHost": "bastion.example.com", "sshProxyPort": "2200"}


def render(config: dict[str, str]) -> Run:
    return run_program(config, secrets={"sshPrivateKey": THROWAWAY_KEY})


def remote_commands(run: Run, but: str | None = None) -> list:
    return [r for r in run.registrations if r.type == "command:remote:Command" and not r.name.endswith(but or "\0")]


def known_hosts(isolated_home: str, name: str = "known_hosts") -> str:
    folder = Path(pwd.getpwuid(os.getuid()).pw_dir) / f".ssh/cloudify-pulumi/cloudify-manager-{isolated_home}"
    return (folder / name).read_text()


@pytest.mark.parametrize(("port", "known_as"), [("22", "manager.example.com"), ("2222", "[manager.example.com]:2222")])
def test_without_a_pinned_key_the_key_scanned_at_first_use_is_given_to_every_connection(isolated_home, port, known_as):
    run = render({**stack_config("prod"), "sshPort": port})
    scan = run.one("command:local:Command", "-host-key")
    assert script_arguments(scan.inputs["create"]) == ("host_key.sh", ["scan", "manager.example.com", port])
    recorded = mock_host_key(scan.inputs["create"])
    commands = remote_commands(run)
    assert len(commands) == 6  # engine, backup, agents, ready, bootstrap-context, prune-backups
    for step in commands:
        assert unwrap_secrets(step.inputs["connection"])["hostKey"] == recorded, step.name
        assert scan.urn in step.property_dependencies["connection"], step.name
    assert "StrictHostKeyChecking=yes" in run.one(PROVIDER).inputs["sshOpts"]
    assert known_hosts(isolated_home) == f"{known_as} {recorded}\n"


def test_the_scan_runs_on_this_machine_with_no_secret_and_no_login():
    """ssh-keyscan reads the key the server presents before any login: nothing secret crosses that connection."""
    scan = render(stack_config("prod")).one("command:local:Command", "-host-key")
    assert "stdin" not in scan.inputs and "connection" not in scan.inputs
    assert scan.wire_inputs == scan.inputs, "no secret among its inputs"


def test_a_pinned_key_records_nothing():
    run = render({**stack_config("prod"), "sshHostKey": PINNED})
    assert not [r for r in run.registrations if r.name.endswith("host-key")]
    assert {unwrap_secrets(step.inputs["connection"])["hostKey"] for step in remote_commands(run)} == {PINNED}


def test_behind_a_bastion_its_key_is_scanned_and_the_hosts_own_key_read_over_the_checked_hop(isolated_home):
    run = render(BEHIND)
    bastion_scan = run.one("command:local:Command", "-bastion-host-key")
    assert script_arguments(bastion_scan.inputs["create"]) == ("host_key.sh", ["scan", "bastion.example.com", "2200"])
    bastion_key = mock_host_key(bastion_scan.inputs["create"])
    reader = run.one("command:remote:Command", "-host-key")
    assert script_arguments(reader.inputs["create"]) == ("host_key.sh", ["own"])
    hop = unwrap_secrets(reader.inputs["connection"])
    assert "hostKey" not in hop, "the host's key is what this step records"
    assert hop["proxy"]["hostKey"] == bastion_key, "the bastion hop is checked"
    assert "stdin" not in reader.inputs
    host_key = mock_host_key(reader.inputs["create"])
    others = remote_commands(run, but="-host-key")
    assert len(others) == 6  # engine, backup, agents, ready, bootstrap-context, prune-backups
    for step in others:
        connection = unwrap_secrets(step.inputs["connection"])
        assert (connection["hostKey"], connection["proxy"]["hostKey"]) == (host_key, bastion_key), step.name
    assert known_hosts(isolated_home) == f"10.20.0.5 {host_key}\n"
    assert known_hosts(isolated_home, "proxy_known_hosts") == f"[bastion.example.com]:2200 {bastion_key}\n"


def test_each_recorded_key_is_named_with_the_command_that_accepts_a_new_one(caplog):
    with caplog.at_level(logging.WARNING):
        run = render(BEHIND)
    for key, host, step in (
        ("sshHostKey", "10.20.0.5", run.one("command:remote:Command", "-host-key")),
        ("sshProxyHostKey", "bastion.example.com", run.one("command:local:Command", "-bastion-host-key")),
    ):
        assert f"{key} is not set: the key that {host} presented at first use is recorded in this stack" in caplog.text
        assert f"accept the new one: pulumi up --replace '{step.urn}'" in caplog.text
    assert "do not check the host key" not in caplog.text


def test_a_manager_on_this_machine_has_no_host_key_step():
    run = run_program(stack_config("dev"))
    assert not [r for r in run.registrations if r.name.endswith("host-key")]

"""Trust on first use, made true for both transports (components/cloudify_pulumi/host/ssh_trust.py).

Under the mocks: what the engine is asked to create. Without `sshHostKey` a step records the key once, and every
other connection is given it: the command provider's `connection.hostKey` (pulumi-command v1.2.1
provider/pkg/provider/remote/connection.go lines 86-94: `ssh.FixedHostKey` and that key type only; without it,
lines 96-97, `ssh.InsecureIgnoreHostKey()`), and the Docker provider's known_hosts with
`StrictHostKeyChecking=yes`. The real script, a real key change and both real clients: hosts/test_host_keys_hosts.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import pwd
import re
from pathlib import Path

import pytest
from cloudify_pulumi.host import host_scripts
from harness import THROWAWAY_KEY, Run, mock_host_key, run_program, script_arguments, stack_config, unwrap_secrets

PROVIDER = "pulumi:providers:docker"
PINNED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"
OTHER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAnotherHostsKeyAltogether"
SCANNED_ADDRESS = ["$CLOUDIFY_SCAN_HOST", "$CLOUDIFY_SCAN_PORT"]  # expanded by the local shell from `environment`
READ_IGNORES = ["connection.privateKey", "connection.proxy", "connection.user", "create"]
BEHIND = {**stack_config("prod"), "host": "10.20.0.5", "sshProxyHost": "bastion.example.com", "sshProxyPort": "2200"}


def render(config: dict[str, str]) -> Run:
    return run_program(config, secrets={"sshPrivateKey": THROWAWAY_KEY})


def remote_commands(run: Run, but: str | None = None) -> list:
    return [r for r in run.registrations if r.type == "command:remote:Command" and not r.name.endswith(but or "\0")]


def stack_folder(isolated_home: str) -> Path:
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / f".ssh/cloudify-pulumi/cloudify-manager-{isolated_home}"


def known_hosts(isolated_home: str, name: str = "known_hosts") -> str:
    return (stack_folder(isolated_home) / name).read_text()


def seed_known_hosts(isolated_home: str, line: str, name: str = "known_hosts") -> None:
    """What a release up to 1.1.0 left (its accept-new record), or what this one wrote while the key was pinned."""
    stack_folder(isolated_home).mkdir(parents=True, exist_ok=True, mode=0o700)
    (stack_folder(isolated_home) / name).write_text(line + "\n")


def ssh_keygen_fingerprint(key: str) -> str:
    """`SHA256:...` as ssh-keygen -lf prints it (written out here, not taken from the module under test)."""
    return "SHA256:" + base64.b64encode(
        hashlib.sha256(base64.b64decode(key.split()[1] + "==")).digest()
    ).decode().strip("=")


def hashed_name(name: str) -> str:
    """A known_hosts name as `HashKnownHosts yes` writes it (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT)."""
    salt = b"0123456789abcdefghij"
    mac = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(mac).decode()}"


@pytest.mark.parametrize(("port", "known_as"), [("22", "manager.example.com"), ("2222", "[manager.example.com]:2222")])
def test_without_a_pinned_key_the_key_scanned_at_first_use_is_given_to_every_connection(isolated_home, port, known_as):
    run = render({**stack_config("prod"), "sshPort": port})
    scan = run.one("command:local:Command", "-host-key")
    assert script_arguments(scan.inputs["create"]) == ("host_key.sh", ["scan", *SCANNED_ADDRESS])
    assert scan.inputs["environment"] == {"CLOUDIFY_SCAN_HOST": "manager.example.com", "CLOUDIFY_SCAN_PORT": port}
    recorded = mock_host_key(scan.inputs)
    commands = remote_commands(run)
    assert len(commands) == 7  # scripts, engine, backup, agents, ready, bootstrap-context, prune-backups
    for step in commands:
        assert unwrap_secrets(step.inputs["connection"])["hostKey"] == recorded, step.name
        assert scan.urn in step.property_dependencies["connection"], step.name
    assert "StrictHostKeyChecking=yes" in run.one(PROVIDER).inputs["sshOpts"]
    assert "GlobalKnownHostsFile=/dev/null" in run.one(PROVIDER).inputs["sshOpts"], "only this stack's file vouches"
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
    assert script_arguments(bastion_scan.inputs["create"]) == ("host_key.sh", ["scan", *SCANNED_ADDRESS])
    assert bastion_scan.inputs["environment"] == {
        "CLOUDIFY_SCAN_HOST": "bastion.example.com",
        "CLOUDIFY_SCAN_PORT": "2200",
    }
    bastion_key = mock_host_key(bastion_scan.inputs)
    reader = run.one("command:remote:Command", "-host-key")
    assert script_arguments(reader.inputs["create"]) == ("host_key.sh", ["own"])
    hop = unwrap_secrets(reader.inputs["connection"])
    assert "hostKey" not in hop, "the host's key is what this step records"
    assert hop["proxy"]["hostKey"] == bastion_key, "the bastion hop is checked"
    assert "stdin" not in reader.inputs
    host_key = mock_host_key(reader.inputs)
    others = remote_commands(run, but="-host-key")
    assert len(others) == 7  # scripts, engine, backup, agents, ready, bootstrap-context, prune-backups
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
        assert f"&& pulumi up --replace '{step.urn}'" in caplog.text
    assert "do not check the host key" not in caplog.text


def test_a_manager_on_this_machine_has_no_host_key_step():
    run = run_program(stack_config("dev"))
    assert not [r for r in run.registrations if r.name.endswith("host-key")]


def test_a_record_step_is_replaced_for_another_address_and_ignores_its_script_text_and_credentials():
    """pulumi-command v1.2.1 runs `create` again on any change of `create`, `connection` or `environment`
    (provider/pkg/provider/local/commandController.go and remote/commandController.go `Update`), and replaces
    only on `triggers`. So the steps' triggers are the address alone, and the rest is `ignoreChanges`."""
    for config, step_type, triggers, ignored in (
        (
            {**stack_config("prod"), "sshPort": "2222"},
            "command:local:Command",
            ["manager.example.com", "2222"],
            ["create"],
        ),
        (BEHIND, "command:remote:Command", ["10.20.0.5", 22], READ_IGNORES),
    ):
        step = render(config).one(step_type, "-host-key")
        assert step.inputs["triggers"] == triggers
        assert sorted(step.ignore_changes) == ignored


def test_a_new_text_of_every_script_and_a_rotated_key_leave_the_record_steps_requests_unchanged(monkeypatch):
    """What the engine diffs is the request less its `ignoreChanges`: with every script's text changed (a comment
    appended to each, common.sh included) and another SSH key, that part of each record step is the same."""
    before = render(BEHIND)
    original = host_scripts.shipped_script.__wrapped__
    monkeypatch.setattr(host_scripts, "shipped_script", lambda name: original(name) + "\n# a new release\n")
    after = run_program(BEHIND, secrets={"sshPrivateKey": THROWAWAY_KEY.replace("\n", "\n\n", 1)})
    for step_type, name in (("command:local:Command", "-bastion-host-key"), ("command:remote:Command", "-host-key")):
        old, new = before.one(step_type, name), after.one(step_type, name)
        assert old.inputs["create"] != new.inputs["create"], "the script's text did change"
        assert diffed(new) == diffed(old), name


def diffed(step) -> dict:  # type: ignore[no-untyped-def]
    """The inputs the engine compares: `ignoreChanges` paths take the old values (pulumi/pulumi#2657)."""
    inputs = unwrap_secrets(step.inputs)
    for path in step.ignore_changes:
        head, _, rest = path.partition(".")
        if rest:
            inputs.get(head, {}).pop(rest, None)
        else:
            inputs.pop(head, None)
    return inputs


@pytest.mark.parametrize("hashed", [False, True])
def test_a_key_other_than_the_one_this_machine_knows_for_the_host_is_refused(isolated_home, hashed):
    """1.1.0 recorded the key with accept-new in the stack's known_hosts (hashed where /etc/ssh/ssh_config says
    HashKnownHosts yes, as Debian's does); the record of this release must not replace it."""
    name = "[manager.example.com]:2222"
    seed_known_hosts(isolated_home, f"{hashed_name(name) if hashed else name} {OTHER}")
    with pytest.raises(Exception) as refused:
        render({**stack_config("prod"), "sshPort": "2222"})
    message = str(refused.value)
    scanned = mock_host_key(
        {"environment": {"CLOUDIFY_SCAN_HOST": "manager.example.com", "CLOUDIFY_SCAN_PORT": "2222"}}
    )
    assert f"sshHostKey: manager.example.com port 2222 presents the host key {ssh_keygen_fingerprint(scanned)}" in (
        message
    )
    assert f"this machine knows {ssh_keygen_fingerprint(OTHER)} for it" in message
    file = stack_folder(isolated_home) / "known_hosts"
    assert re.search(
        rf"ssh-keygen -R '\[manager.example.com\]:2222' -f {re.escape(str(file))} && "
        r"pulumi up --replace 'urn:pulumi:[^']+-host-key'",
        message,
    ), message
    assert known_hosts(isolated_home).split()[1:] == OTHER.split(), "the known key is kept"


def test_removing_a_pinned_key_compares_the_first_scan_with_the_pinned_one(isolated_home):
    render({**stack_config("prod"), "sshHostKey": PINNED})
    assert known_hosts(isolated_home) == f"manager.example.com {PINNED}\n"
    with pytest.raises(Exception, match="or the sshHostKey this stack pinned"):
        render(stack_config("prod"))


def test_the_key_this_machine_knows_for_the_host_is_trusted_and_another_hosts_is_no_objection(isolated_home):
    scanned = mock_host_key({"environment": {"CLOUDIFY_SCAN_HOST": "manager.example.com", "CLOUDIFY_SCAN_PORT": "22"}})
    seed_known_hosts(isolated_home, f"old.example.com {OTHER}\nmanager.example.com {scanned}")
    run = render(stack_config("prod"))
    assert unwrap_secrets(run.one("command:remote:Command", "-ready").inputs["connection"])["hostKey"] == scanned


def test_a_bastion_whose_key_changed_is_refused_naming_its_own_file(isolated_home):
    seed_known_hosts(isolated_home, f"[bastion.example.com]:2200 {OTHER}", "proxy_known_hosts")
    with pytest.raises(Exception, match=r"sshProxyHostKey: bastion.example.com port 2200 presents") as refused:
        render(BEHIND)
    assert f"-f {stack_folder(isolated_home)}/proxy_known_hosts && " in str(refused.value)


@pytest.mark.parametrize(("port", "pin"), [("22", "ssh-keyscan -t ed25519 manager"), ("2222", "-t ed25519 -p 2222 ")])
def test_the_pin_command_names_a_port_other_than_22_and_says_to_check_the_fingerprint_out_of_band(caplog, port, pin):
    with caplog.at_level(logging.WARNING):
        render({**stack_config("prod"), "sshPort": port})
    assert pin in caplog.text
    assert "check its fingerprint on the host's console" in caplog.text

"""Hosts behind a bastion: every host step and the Docker provider's own connection go through one jump host.

Under the mocks: the declared `proxy` of every command connection, field by
field (pulumi-command v1.2.1 `ProxyConnectionArgs`, whose Go client cannot run
here), the provider's `sshOpts`, the secrets and the validation. On the test
bed: a bastion on Docker's default bridge and on an internal network, and a
target only on the internal network whose sshd admits the user only from the
bastion's address. The declared commands run through the bastion with OpenSSH;
the provider's connection is docker/cli v28.5.2's connhelper argv built from
the registered `host` and `sshOpts` (tests/connhelper.py), with `$HOME`
pointing elsewhere, so ~/.ssh plays no part.
"""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest
from cloudify_pulumi.config.rules import ConfigError
from cloudify_pulumi.host.docker_endpoint import SshIdentity
from connhelper import provider_address
from harness import (
    THROWAWAY_KEY,
    Run,
    plain_strings,
    run_program,
    secret_strings,
    stack_config,
)

PROVIDER = "pulumi:providers:docker"
BASTION_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nYmFzdGlvbi1rZXktdGhyb3dhd2F5\n-----END OPENSSH PRIVATE KEY-----"
PINNED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBastionKeyForTests"
BEHIND = {
    **stack_config("prod"),
    "host": "10.20.0.5",
    "sshProxyHost": "bastion.example.com",
    "sshProxyUser": "jump",
    "sshProxyPort": "2200",
    "sshProxyHostKey": PINNED,
}


def behind(config: dict[str, str] | None = None, **secrets: str) -> Run:
    return run_program(config or BEHIND, secrets={"sshPrivateKey": THROWAWAY_KEY, **secrets})


def proxy_command(run: Run) -> list[str]:
    opts = provider_address(run.one(PROVIDER).inputs)[1]
    commands = [o for o in opts if o.startswith("ProxyCommand=")]
    assert len(commands) == 1 and opts[opts.index(commands[0]) - 1] == "-o"
    return shlex.split(commands[0].removeprefix("ProxyCommand="))


def test_every_command_goes_through_the_bastion_with_each_hop_pinned_to_its_own_key():
    run = behind(sshHostKey="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITargetKeyForTests")
    commands = [r for r in run.registrations if r.type == "command:remote:Command"]
    assert len(commands) == 7  # scripts, engine, backup, agents, ready, bootstrap-context, prune-backups
    for step in commands:
        connection = step.inputs["connection"]
        assert (connection["host"], connection["hostKey"]) == (
            "10.20.0.5",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITargetKeyForTests",
        )
        proxy = connection["proxy"]
        assert {k: proxy[k] for k in ("host", "port", "user", "hostKey")} == {
            "host": "bastion.example.com",
            "port": 2200,
            "user": "jump",
            "hostKey": PINNED,
        }, step.name
        assert proxy["privateKey"] == THROWAWAY_KEY, "without sshProxyPrivateKey the host's key opens the bastion too"


def test_the_bastion_has_its_own_key_when_one_is_set_and_it_stays_secret():
    run = behind(sshProxyPrivateKey=BASTION_KEY)
    step = run.one("command:remote:Command", "-docker-engine")
    assert step.inputs["connection"]["proxy"]["privateKey"] == BASTION_KEY
    assert BASTION_KEY in secret_strings(step.wire_inputs)
    for registration in run.registrations:
        plain = plain_strings(registration.wire_inputs) + plain_strings(registration.state)
        assert not any("YmFzdGlvbi1rZXktdGhyb3dhd2F5" in s for s in plain), registration.name
    for outputs in run.outputs.values():
        assert not any("YmFzdGlvbi1rZXktdGhyb3dhd2F5" in s for s in plain_strings(outputs))


def test_the_providers_ssh_reaches_the_bastion_with_its_own_options_as_one_argument(isolated_home):
    run = behind(sshProxyPrivateKey=BASTION_KEY)
    folder = f"~/.ssh/cloudify-pulumi/cloudify-manager-{isolated_home}"
    assert proxy_command(run) == [
        "ssh",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        f"UserKnownHostsFile={folder}/proxy_known_hosts",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        f"IdentityFile={folder}/proxy_id",
        "-l",
        "jump",
        "-p",
        "2200",
        "-W",
        "[%h]:%p",
        "--",
        "bastion.example.com",
    ]
    assert not any("ConnectTimeout" in o for o in provider_address(run.one(PROVIDER).inputs)[1]), (
        "docker/cli's connhelper would drop its own 30 s timeout"
    )
    identity = SshIdentity.for_stack("cloudify-manager", isolated_home)
    key = identity.local_path(identity.proxy_key_file)
    assert key.read_text() == BASTION_KEY + "\n" and oct(key.stat().st_mode & 0o777) == "0o600"
    assert identity.local_path(identity.proxy_known_hosts_file).read_text() == f"[bastion.example.com]:2200 {PINNED}\n"


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_no_shell_expands_the_proxy_command_differently_from_ssh(shell, tmp_path):
    """ssh runs ProxyCommand as `$SHELL -c "exec <command>"`. bash expands `~` after `=` from $HOME, not from
    the passwd entry ssh uses: every word is quoted, so the inner ssh gets the `~` and expands it itself."""
    run = behind(sshProxyPrivateKey=BASTION_KEY)
    text = next(o for o in provider_address(run.one(PROVIDER).inputs)[1] if o.startswith("ProxyCommand="))
    done = subprocess.run(
        [shell, "-c", "printf '%s\\n' " + text.removeprefix("ProxyCommand=")],
        capture_output=True,
        text=True,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )
    assert done.stdout.splitlines() == proxy_command(run)


def test_without_a_bastion_key_the_hop_uses_the_hosts_login_key_and_the_recorded_bastion_key(isolated_home):
    """What is recorded and how: test_host_keys.py."""
    run = behind({k: v for k, v in BEHIND.items() if k != "sshProxyHostKey"})
    words = proxy_command(run)
    assert "StrictHostKeyChecking=yes" in words
    assert f"IdentityFile=~/.ssh/cloudify-pulumi/cloudify-manager-{isolated_home}/id" in words


@pytest.mark.parametrize(
    ("overrides", "secrets", "problem"),
    [
        ({"sshProxyUser": "jump"}, {}, "sshProxyUser: is set but sshProxyHost is not"),
        (
            {"sshProxyHost": "bastion.example.com", "sshProxyHostKey": "ssh-ed25519 AAAA\nx"},
            {},
            "sshProxyHostKey: must be",
        ),
        (
            {"sshProxyHost": "bastion.example.com", "sshProxyPort": "70000"},
            {},
            "sshProxyPort: must be between 1 and 65535",
        ),
        ({"sshProxyHost": "[bastion"}, {}, "sshProxyHost: '[bastion' must be a host name"),
        ({"sshProxyHost": "bastion.example.com", "sshProxyUser": "a b"}, {}, "sshProxyUser: 'a b' is not a valid user"),
    ],
)
def test_bad_bastion_settings_are_refused_naming_the_key(overrides, secrets, problem):
    with pytest.raises(ConfigError) as error:
        behind({**stack_config("prod"), **overrides}, **secrets)
    assert any(p.startswith(problem) for p in error.value.problems), error.value.problems


def test_a_bastion_for_a_manager_on_this_machine_is_refused():
    with pytest.raises(ConfigError, match="sshProxyHost: a bastion needs a remote host"):
        run_program({**stack_config("dev"), "sshProxyHost": "bastion.example.com"}, secrets={})


def test_a_bastion_key_in_plain_text_is_refused():
    with pytest.raises(ConfigError, match="sshProxyPrivateKey: is stored in plain text"):
        run_program({**BEHIND, "sshProxyPrivateKey": BASTION_KEY}, secrets={"sshPrivateKey": THROWAWAY_KEY})


def test_a_fleet_behind_one_bastion_and_an_entry_with_its_own():
    config = {
        **BEHIND,
        "managers": json.dumps(
            {"a": {"host": "10.20.0.5"}, "b": {"host": "10.30.0.5", "sshProxyHost": "other-bastion.example.com"}}
        ),
    }
    run = run_program(config, secrets={"sshPrivateKey": THROWAWAY_KEY})
    proxies = {
        name: run.one("command:remote:Command", f"{name}-docker-engine").inputs["connection"]["proxy"]["host"]
        for name in ("a", "b")
    }
    assert proxies == {"a": "bastion.example.com", "b": "other-bastion.example.com"}

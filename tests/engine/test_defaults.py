"""The defaults the configuration reference (docs/configuration.md) promises, as the program applies them to what it
declares."""

from __future__ import annotations

import os
import pwd

import pytest
import yaml
from harness import Run, run_program, script_arguments, stack_config, stack_secrets

PASSWD_HOME = pwd.getpwuid(os.getuid()).pw_dir


def render(stack: str, *, drop: tuple[str, ...] = (), **overrides: str) -> Run:
    config = {key: value for key, value in stack_config(stack).items() if key not in drop} | overrides
    return run_program(config, secrets=stack_secrets(config))


def arguments(run: Run, step: str) -> list[str]:
    return script_arguments(run.commands()[step])[1]


def test_on_this_machine_config_and_backups_go_under_the_passwd_home_not_home(isolated_home, tmp_path):
    """$HOME points at tmp_path here (conftest): a local run writes where the login's home is."""
    run = render("dev")
    assert arguments(run, "manager-config")[1] == f"{PASSWD_HOME}/.cloudify-pulumi/cloudify"
    assert arguments(run, "backup")[3] == f"{PASSWD_HOME}/.cloudify-pulumi/backups"
    assert not str(PASSWD_HOME).startswith(str(tmp_path))


def test_on_a_remote_host_config_and_backups_go_under_etc_and_var_lib():
    run = render("prod", managerProfile="cloudify-7")
    assert arguments(run, "manager-config")[1] == "/etc/cloudify-pulumi/cloudify"
    assert arguments(run, "backup")[3] == "/var/lib/cloudify-backups"


def test_the_management_ip_is_the_host_unless_set():
    run = render("prod", drop=("managementIp",), host="192.0.2.7")
    assert "MANAGEMENT_IP=192.0.2.7" in run.one("docker:index/container:Container", "-app").inputs["envs"]
    set_explicitly = render("prod")
    assert "MANAGEMENT_IP=10.0.0.10" in set_explicitly.one("docker:index/container:Container", "-app").inputs["envs"]


def test_on_this_machine_the_management_ip_is_loopback():
    text = render("dev").one("command:local:Command", "-manager-config").inputs["stdin"]
    manager = yaml.safe_load(text)["manager"]
    assert manager["private_ip"] == manager["public_ip"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("stack", "overrides", "use_sudo"),
    [
        ("prod", {}, "true"),  # a remote login other than root
        ("prod", {"sshUser": "root"}, "false"),  # root needs no sudo
        ("prod", {"sshUser": "root", "useSudo": "true"}, "true"),
        ("prod", {"useSudo": "false"}, "false"),
        ("dev", {}, "false"),  # this machine: Docker as the user running pulumi
    ],
)
def test_sudo_is_used_exactly_for_a_remote_login_other_than_root_unless_set(stack, overrides, use_sudo):
    run = render(stack, **overrides)
    for step, create in run.commands().items():
        # on this machine, reading a world-readable file, or installing into the SSH user's own home
        if script_arguments(create)[0] not in ("host_key.sh", "install_scripts.sh"):
            assert script_arguments(create)[1][0] == use_sudo, step

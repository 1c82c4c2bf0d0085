"""Every committed Pulumi.<stack>.yaml loads and runs cleanly under the mocks."""

from __future__ import annotations

import json

import pulumi
import pytest
import yaml
from cloudify_pulumi import CloudifyManager, CloudifyManagerArgs
from cloudify_pulumi.config.keys import SETTING_KEYS
from harness import REPO, run_program, stack_config, stack_secrets

STACK_FILES = sorted(REPO.glob("Pulumi.*.yaml"))


def test_the_dev_prod_and_sites_stacks_are_committed():
    assert {p.name for p in STACK_FILES} >= {"Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.sites.yaml"}


@pytest.mark.parametrize("stack_file", STACK_FILES, ids=lambda p: p.name)
def test_stack_file_runs_cleanly(stack_file):
    stack = stack_file.name.split(".")[1]
    config = stack_config(stack)
    run = run_program(config, secrets=stack_secrets(config))
    names = {r.name for r in run.registrations}
    managers = list(json.loads(config["managers"])) if "managers" in config else ["cloudify"]
    for manager in managers:
        assert {f"{manager}-{part}" for part in ("data", "app", "docker", "docker-engine", "backup", "ready")} <= names


@pytest.mark.parametrize("stack_file", STACK_FILES, ids=lambda p: p.name)
def test_stack_file_sets_both_images_and_no_secret_in_plain_text(stack_file):
    values = yaml.safe_load(stack_file.read_text())["config"]
    keys = {k.split(":", 1)[1] for k in values}
    assert {"appImage", "dataImage"} <= keys
    assert "sshPrivateKey" not in keys, "private keys are set with `pulumi config set --secret`, never committed"
    assert keys <= set(SETTING_KEYS)


def test_dev_stack_pins_a_tag_and_targets_this_machine():
    config = stack_config("dev")
    assert "host" not in config
    assert not config["appImage"].endswith(":latest") and ":" in config["appImage"]


def test_project_file_declares_the_python_runtime_and_defaults():
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
    assert project["name"] == "cloudify-manager"
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
    assert project["config"]["sshPort"]["default"] == 22
    assert set(project["config"]) <= set(SETTING_KEYS)


@pytest.mark.parametrize("docker_version", ["24.0.7", "18.09.0"])
def test_component_reports_the_docker_version_from_the_install_step(docker_version):
    """Assertions inside an apply: `ran` proves the callback executed (an unknown value would skip it)."""
    from harness import HostMocks

    ran: list[str] = []

    def check(values: list[str]) -> None:
        version, url = values
        assert version == docker_version
        assert url == "http://127.0.0.1"
        ran.append(version)

    pulumi.runtime.set_mocks(
        HostMocks(docker_version=docker_version), project="cloudify-manager", stack="t", preview=False
    )

    @pulumi.runtime.test
    def program():
        manager = CloudifyManager(
            "cfy", CloudifyManagerArgs(app_image="cloudify/manager:3.2.0", data_image="cloudify/manager:3.2.0")
        )
        return pulumi.Output.all(manager.docker_server_version, manager.manager_url).apply(check)

    program()
    assert ran == [docker_version]

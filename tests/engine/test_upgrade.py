"""Upgrading is changing appImage: exactly the app-side resources change, the data side never does."""

from __future__ import annotations

from harness import THROWAWAY_KEY as PRIVATE_KEY
from harness import Run, run_program, stack_config

from engine.test_provider_readback import CONTAINER, PROVIDER_TABLE

APP_SIDE = {
    "cloudify-app-image",
    "cloudify-backup",
    "cloudify-app",
    "cloudify-agent-packages",
    "cloudify-ready",
    "cloudify-bootstrap-context",
    "cloudify-prune-backups",
}
OFFLINE_APP_SIDE = {
    "cloudify-app-image-import",
    "cloudify-backup",
    "cloudify-app",
    "cloudify-agent-packages",
    "cloudify-ready",
    "cloudify-bootstrap-context",
    "cloudify-prune-backups",
}


def inputs_by_name(run: Run) -> dict[str, dict]:
    return {r.name: r.inputs for r in run.registrations}


def changed_between(before: Run, after: Run) -> set[str]:
    old, new = inputs_by_name(before), inputs_by_name(after)
    assert old.keys() == new.keys(), "an upgrade must not add or remove resources"
    return {name for name in old if old[name] != new[name]}


def upgrade(config: dict[str, str], new_app_image: str) -> set[str]:
    before = run_program(config, secrets={"sshPrivateKey": PRIVATE_KEY})
    after = run_program({**config, "appImage": new_app_image}, secrets={"sshPrivateKey": PRIVATE_KEY})
    return changed_between(before, after)


def test_changing_app_image_changes_only_the_app_side():
    assert upgrade(stack_config("prod"), "registry.example.com/cloudify/cloudify-manager:3.3.0") == APP_SIDE


def test_offline_upgrade_changes_only_the_app_side():
    config = {
        **stack_config("prod"),
        "cloudifyPackages": '{"docker": {"docker_url": "https://mirror.example.com/cloudify.tar"},'
        ' "agents": {"ubuntu": "https://mirror.example.com/agent.deb"}}',
    }
    assert upgrade(config, "registry.example.com/cloudify/cloudify-manager:3.3.0") == OFFLINE_APP_SIDE


def test_running_twice_with_the_same_config_changes_nothing():
    config = stack_config("prod")
    first = run_program(config, secrets={"sshPrivateKey": PRIVATE_KEY})
    second = run_program(config, secrets={"sshPrivateKey": PRIVATE_KEY})
    assert changed_between(first, second) == set()


def replaced_and_protected(before: Run, after: Run) -> set[str]:
    """Containers the plan would replace although protected: the engine fails such a plan (pulumi/pulumi
    pkg/resource/deploy/step_generator.go: `if new.Protect && old.Protect` -> "unable to replace resource ...
    as it is currently marked for protection"). Which inputs replace a container is the provider's
    (tests/engine/test_provider_readback.py PROVIDER_TABLE, kreuzwerker v4.5.0 ForceNew)."""
    old = {r.name: r for r in before.registrations}
    refused = set()
    for new in after.registrations:
        previous = old.get(new.name)
        if new.type != CONTAINER or previous is None or not (new.protect and previous.protect):
            continue
        changed = {k for k in set(new.inputs) | set(previous.inputs) if new.inputs.get(k) != previous.inputs.get(k)}
        if any(PROVIDER_TABLE[key].on_change == "replace" for key in changed):
            refused.add(new.name)
    return refused


def test_changing_data_image_is_a_replacement_of_the_protected_data_container_that_the_engine_refuses():
    """docs/operations.md: dataImage is not upgradable in place; the data moves by backup, unprotect and restore."""
    config = stack_config("prod")
    before = run_program(config, secrets={"sshPrivateKey": PRIVATE_KEY})
    after = run_program(
        {**config, "dataImage": "registry.example.com/cloudify/cloudify-manager:3.3.0"},
        secrets={"sshPrivateKey": PRIVATE_KEY},
    )
    assert replaced_and_protected(before, after) == {"cloudify-data"}


def test_an_app_image_upgrade_replaces_nothing_protected():
    config = stack_config("prod")
    before = run_program(config, secrets={"sshPrivateKey": PRIVATE_KEY})
    after = run_program(
        {**config, "appImage": "registry.example.com/cloudify/cloudify-manager:3.3.0"},
        secrets={"sshPrivateKey": PRIVATE_KEY},
    )
    assert replaced_and_protected(before, after) == set()

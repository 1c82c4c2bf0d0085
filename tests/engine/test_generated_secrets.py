"""A first run without secrets: the admin password and manager secret are generated once, kept, secret.

pulumi-random's RandomPassword keeps its `result` for as long as its inputs
stay the same (the harness mocks it so); the provider marks `result` secret
(pulumi-random 4.21.4 SDK: `additional_secret_outputs=["bcryptHash", "result"]`),
which the harness applies as the engine does.
"""

from __future__ import annotations

import asyncio

import pulumi
import pytest
import yaml
from harness import (
    THROWAWAY_ADMIN_PASSWORD,
    THROWAWAY_MANAGER_SECRET,
    HostMocks,
    Run,
    generated_password,
    plain_strings,
    run_program,
    secret_strings,
    stack_config,
)

from engine.test_preview import planned_changes

DEV = stack_config("dev")
RANDOM = "random:index/randomPassword:RandomPassword"


def render(
    config: dict[str, str] | None = None, *, mocks: HostMocks | None = None, preview: bool = False, **secrets: str
) -> Run:
    return run_program(config or DEV, secrets=secrets, mocks=mocks, preview=preview)


def generated(run: Run, which: str) -> str:
    registration = run.one(RANDOM, f"-generated-{which}")
    return generated_password(registration.name, registration.inputs)


def config_document(run: Run) -> dict:
    return yaml.safe_load(run.one("command:local:Command", "-manager-config").inputs["stdin"])


def test_the_dev_stack_renders_with_neither_secret_set():
    run = render()
    document = config_document(run)
    assert document["manager"]["security"]["admin_password"] == generated(run, "admin-password")
    assert len(generated(run, "admin-password")) == 24 and len(generated(run, "manager-secret")) == 48


def test_the_generated_values_reach_config_yaml_only_through_secret_inputs():
    run = render()
    password, secret = generated(run, "admin-password"), generated(run, "manager-secret")
    step = run.one("command:local:Command", "-manager-config")
    assert any(password in s for s in secret_strings(step.wire_inputs["stdin"]))
    for registration in run.registrations:
        plain = " ".join(plain_strings(registration.wire_inputs) + plain_strings(registration.state))
        assert password not in plain and secret not in plain, registration.name
    for outputs in run.outputs.values():
        assert not any(password in s or secret in s for s in plain_strings(outputs))


def test_a_generated_broker_password_replaces_the_shipped_one_and_stays_secret():
    """cloudify-manager-install 7.0.4 config.yaml lines 113-114 ship `cloudify`/`c10udify`."""
    run = render()
    password = generated(run, "broker-password")
    assert len(password) == 24
    assert config_document(run)["rabbitmq"] == {"password": password}
    assert any(password in s for s in secret_strings(run.one("command:local:Command", "-manager-config").wire_inputs))
    for registration in run.registrations:
        assert password not in " ".join(plain_strings(registration.wire_inputs) + plain_strings(registration.state))
    for outputs in run.outputs.values():
        assert not any(password in s for s in plain_strings(outputs))


def test_a_set_broker_password_wins_over_the_generated_one():
    run = render(brokerPassword="Br0ker-throwaway-p4ss")
    assert config_document(run)["rabbitmq"]["password"] == "Br0ker-throwaway-p4ss"
    assert len([r for r in run.registrations if r.type == RANDOM]) == 3, "the generator stays declared"


def test_the_generated_manager_secret_is_protected_and_the_admin_password_is_not():
    run = render()
    assert run.one(RANDOM, "-generated-manager-secret").protect is True
    assert run.one(RANDOM, "-generated-admin-password").protect is not True
    assert {r.parent for r in run.registrations if r.type == RANDOM} == {run.one("cloudify:index:CloudifyManager").urn}


def test_set_values_win_and_the_generators_stay_declared():
    """Switching between a set and a generated value deletes nothing (the generated secret is protected)."""
    run = render(adminPassword=THROWAWAY_ADMIN_PASSWORD, managerSecret=THROWAWAY_MANAGER_SECRET)
    assert config_document(run)["manager"]["security"]["admin_password"] == THROWAWAY_ADMIN_PASSWORD
    assert len([r for r in run.registrations if r.type == RANDOM]) == 3
    generated_run = render()
    assert config_document(run)["flask_security"] != config_document(generated_run)["flask_security"]


def test_switching_from_a_generated_to_a_set_password_replaces_only_the_app_side():
    first = render()
    set_later = render(adminPassword=THROWAWAY_ADMIN_PASSWORD)
    old = {r.name: r.inputs for r in first.registrations}
    changed = {r.name for r in set_later.registrations if old.get(r.name) != r.inputs}
    assert changed == {
        "cloudify-manager-config",
        "cloudify-backup",
        "cloudify-app",
        "cloudify-ready",
        "cloudify-admin-password",
        "cloudify-prune-backups",
    }, "the config, then a backup and a new app container"


def test_nothing_is_regenerated_on_a_second_run():
    first = render()
    again = render(preview=True, mocks=HostMocks(prior=first.mocks.created))
    assert planned_changes(first, again) == {}
    assert config_document(render()) == config_document(first)


def test_the_admin_password_is_a_secret_stack_output(monkeypatch):
    exported: dict[str, pulumi.Output] = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    run = render()
    output = exported["adminPassword"]
    loop = asyncio.get_event_loop()
    assert loop.run_until_complete(output.is_secret()) is True
    assert loop.run_until_complete(output.future()) == generated(run, "admin-password")


def test_profiles_without_a_generated_config_get_no_generators_and_no_admin_password_output(monkeypatch):
    exported: dict[str, object] = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    prod = stack_config("prod")
    run = run_program(prod, secrets={"sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END"})
    assert not [r for r in run.registrations if r.type == RANDOM]
    assert "adminPassword" not in exported


@pytest.mark.parametrize("key", ["adminPassword", "managerSecret"])
def test_a_set_value_is_still_validated(key):
    from cloudify_pulumi.config.rules import ConfigError

    bad = {"adminPassword": "", "managerSecret": "too-short"}[key]
    with pytest.raises(ConfigError, match=key):
        render(**{key: bad})

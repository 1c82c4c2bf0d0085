"""Several managers from one stack (`managers`), and the URNs a stack without it keeps across releases."""

from __future__ import annotations

import asyncio
import json
import re

import pulumi
import pytest
from cloudify_pulumi.config.keys import OVERRIDABLE_KEYS
from cloudify_pulumi.config.rules import ConfigError
from harness import REPO, THROWAWAY_KEY, HostMocks, Run, run_program, stack_config, stack_secrets, unwrap_secrets

COMPONENT = "cloudify:index:CloudifyManager"
PROVIDER = "pulumi:providers:docker"
PROD = stack_config("prod")
RELEASE_URNS = json.loads((REPO / "tests/fixtures/release-264f39e-urns.json").read_text())


def fleet(managers: dict, **top: str) -> Run:
    config = {**PROD, **top, "managers": json.dumps(managers)}
    return run_program(config, secrets={"sshPrivateKey": THROWAWAY_KEY})


def urns_of(run: Run, manager: str) -> set[str]:
    component = next(r for r in run.registrations if r.type == COMPONENT and r.name == manager)
    return {component.urn} | {r.urn for r in run.registrations if r.parent == component.urn}


def as_stack(urn: str, stack: str) -> str:
    return re.sub(r"^urn:pulumi:[^:]+::", f"urn:pulumi:{stack}::", urn)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_stack_without_managers_keeps_every_urn_of_the_previous_release(stack):
    """Upgrading this program never plans a replacement (or a delete) of what a stack already has; in
    particular not of the protected data container. New resources are only added."""
    config = stack_config(stack)
    run = run_program(config, secrets=stack_secrets(config))
    current = {as_stack(r.urn, stack) for r in run.registrations if r.type != "pulumi:pulumi:Stack"}
    assert set(RELEASE_URNS[stack]) <= current, set(RELEASE_URNS[stack]) - current
    data = [u for u in RELEASE_URNS[stack] if u.endswith("Container::cloudify-data")]
    assert len(data) == 1 and data[0] in current


RELEASE_OUTPUTS = json.loads((REPO / "tests/fixtures/release-336a3a9-outputs.json").read_text())


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_stack_without_managers_exports_the_outputs_of_the_previous_release(stack, monkeypatch):
    """Same names, and the same values where they do not depend on IDs (the previous release's harness, with
    the same default mocks, produced the fixture): scripts reading `pulumi stack output` keep working."""
    exported: dict[str, pulumi.Output] = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    config = stack_config(stack)
    run = run_program(config, secrets=stack_secrets(config))
    previous = RELEASE_OUTPUTS[stack]
    assert set(previous["exported"]) <= set(exported)
    loop = asyncio.get_event_loop()
    values = {name: loop.run_until_complete(output.future()) for name, output in exported.items()}
    assert values == {name: unwrap_secrets(run.manager_outputs[name]) for name in exported}, (
        "each export is the component's output"
    )
    for name in ("dockerServerVersion", "dataContainerName", "appContainerName"):
        assert values[name] == previous[name], name
    # Issue 49: a cloudify-3.2 manager's API, which has no login, moved to its management address (CHANGELOG).
    moved = {"prod": ("http://manager.example.com", "http://10.0.0.10")}
    assert values["managerUrl"] == moved.get(stack, (previous["managerUrl"],) * 2)[1]
    assert previous["managerUrl"] == moved.get(stack, (previous["managerUrl"],) * 2)[0]


SITES = {
    "site-a": {"host": "a.example.com", "managementIp": "10.1.0.10"},
    "site-b": {"host": "b.example.com", "managementIp": "10.2.0.10", "appImage": "cloudify/manager:3.2.1"},
}


def test_each_manager_gets_its_own_connection_provider_and_overrides():
    run = fleet(SITES)
    for name, host in (("site-a", "a.example.com"), ("site-b", "b.example.com")):
        provider = run.one(PROVIDER, f"{name}-docker")
        assert provider.inputs["host"] == f"ssh://ubuntu@{host}:22"
        assert (
            "cloudify-pulumi/cloudify-manager-" in provider.inputs["sshOpts"]
            and f"/{name}/id" in provider.inputs["sshOpts"]
        ), "each manager has its own identity folder (its own known_hosts)"
        engine = run.one("command:remote:Command", f"{name}-docker-engine")
        assert engine.inputs["connection"]["host"] == host
        for child in (r for r in run.registrations if r.parent == run.one(COMPONENT, name).urn):
            if child.type.startswith("docker:"):
                assert child.provider.startswith(provider.urn + "::"), child.name
    assert (
        run.one("docker:index/remoteImage:RemoteImage", "site-b-app-image").inputs["name"] == "cloudify/manager:3.2.1"
    )
    assert run.one("docker:index/remoteImage:RemoteImage", "site-a-app-image").inputs["name"] == PROD["appImage"]


def test_adding_removing_and_reordering_managers_touches_only_what_was_added_or_removed():
    both = fleet(SITES)
    reordered = fleet(dict(reversed(list(SITES.items()))))
    assert {r.urn for r in both.registrations} == {r.urn for r in reordered.registrations}
    three = fleet({**SITES, "site-c": {"host": "c.example.com"}})
    only_a = fleet({"site-a": SITES["site-a"]})
    for name in SITES:
        assert urns_of(both, name) == urns_of(three, name)
    assert urns_of(both, "site-a") == urns_of(only_a, "site-a")
    inputs = {r.urn: r.inputs for r in both.registrations}
    assert all(inputs[r.urn] == r.inputs for r in only_a.registrations if r.urn in urns_of(both, "site-a"))


def test_each_manager_has_its_own_outputs(monkeypatch):
    exported: dict[str, object] = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    config = {**PROD, "managers": json.dumps(SITES)}
    run = run_program(
        config,
        secrets={"sshPrivateKey": THROWAWAY_KEY},
        mocks=HostMocks(docker_versions={"a.example.com": "27.3.1", "b.example.com": "26.1.5"}),
    )
    assert set(exported) == {"managers", "cliProfiles"}, "a fleet exports maps keyed by manager"
    assert set(exported["cliProfiles"]) == set(SITES)
    assert {name: set(values) for name, values in exported["managers"].items()} == {
        name: {"managerUrl", "dockerServerVersion", "dataContainerName", "appContainerName", "latestBackup"}
        for name in SITES
    }
    outputs = {name: run.outputs[run.one(COMPONENT, name).urn] for name in SITES}
    assert outputs["site-a"]["managerUrl"] == "http://10.1.0.10", "3.2's API (no login) is on the management address"
    assert outputs["site-b"]["appContainerName"] == "cloudify-manager"
    assert outputs["site-a"]["dockerServerVersion"] == "27.3.1"
    assert outputs["site-b"]["dockerServerVersion"] == "26.1.5", "each manager reports its own host's daemon"


def problems_of(managers: object, raw: str | None = None, **top: str) -> list[str]:
    config = {**PROD, **top, "managers": raw if raw is not None else json.dumps(managers)}
    with pytest.raises(ConfigError) as error:
        run_program(config, secrets={"sshPrivateKey": THROWAWAY_KEY})
    return error.value.problems


def test_duplicate_manager_names_are_refused():
    raw = '{"site-a": {"host": "a.example.com"}, "site-a": {"host": "b.example.com"}}'
    assert problems_of(None, raw=raw) == ["managers: 'site-a' listed more than once: names must be unique"]


def test_two_managers_on_one_host_with_one_name_prefix_are_refused():
    problems = problems_of({"one": {"host": "h.example.com"}, "two": {"host": "h.example.com", "ports": "[8080]"}})
    assert problems == [
        "managers: one and two both use namePrefix 'cloudify' on h.example.com: their containers "
        "and volumes would collide; give one its own namePrefix"
    ]


def test_two_managers_on_one_host_publishing_one_port_are_refused():
    problems = problems_of(
        {
            "one": {"host": "h.example.com", "ports": [80, 443]},
            "two": {"host": "h.example.com", "namePrefix": "second", "ports": ["443:443"]},
        }
    )
    assert problems == ["managers: one and two both publish host port(s) 443 on h.example.com; give one its own ports"]


def test_two_managers_on_this_machine_sharing_ports_are_refused_naming_each_port():
    local = {key: value for key, value in PROD.items() if key not in ("host", "sshUser")}
    config = {
        **local,
        "managers": json.dumps(
            {"one": {"ports": [80, 443, 8080]}, "two": {"namePrefix": "second", "ports": ["8080:80", "443:443"]}}
        ),
    }
    with pytest.raises(ConfigError) as error:
        run_program(config, secrets={})
    assert error.value.problems == [
        "managers: one and two both publish host port(s) 443, 8080 on this machine; give one its own ports"
    ]


def test_two_managers_named_twice_each_are_refused_in_one_message():
    raw = '{"b": {}, "a": {}, "b": {}, "a": {}}'
    assert problems_of(None, raw=raw) == ["managers: 'a', 'b' listed more than once: names must be unique"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{not json", "managers: must be a map in the stack file: manager name -> its settings"),
        ("{}", "managers: must be a non-empty map: manager name -> its settings"),
        ('["one"]', "managers: must be a non-empty map: manager name -> its settings"),
        ('{"one": "h.example.com"}', "managers.one: must be a map of settings (an empty map {} inherits them all)"),
    ],
)
def test_a_managers_value_of_the_wrong_shape_is_refused_saying_what_it_must_be(raw, expected):
    assert problems_of(None, raw=raw) == [expected]


def test_an_override_of_a_setting_that_does_not_exist_is_refused():
    problems = problems_of({"one": {"host": "h.example.com", "apImage": "x/y:1"}})
    assert problems == [f"managers.one.apImage: unknown setting: a manager can override {', '.join(OVERRIDABLE_KEYS)}"]


def test_secrets_and_invalid_values_in_an_entry_name_the_entry():
    problems = problems_of({"one": {"host": "h.example.com", "sshPrivateKey": "x", "ports": [70000]}})
    assert problems == [
        "managers.one.sshPrivateKey: secrets are set once, at the top level, for every manager",
        "managers.one.ports: 70000 is out of range: ports are 1-65535",
    ]


def test_an_invalid_manager_name_is_refused_before_any_resource():
    assert problems_of({"Site A": {}}) == [
        "managers: 'Site A' must be a lower-case name of letters, digits and '-' (it names the manager's resources)"
    ]


def test_a_managers_entry_restores_its_own_archive_and_the_others_run_nothing():
    archive = "/var/lib/cloudify-backups/site-b-manager/site-b-manager-20261201T000000Z-cloudify_3.2.1.tar.zst"
    sites = {**SITES, "site-b": {**SITES["site-b"], "restoreFrom": archive}}
    run = fleet(sites)
    assert run.one("command:remote:Command", "site-b-restore").inputs["triggers"] == [archive]
    assert "site-a-restore" not in {r.name for r in run.registrations}

"""Upgrades you can undo, as the engine sees them: named volumes, backup before replacement, rollback, secrets."""

from __future__ import annotations

import json

import pytest
from cloudify_pulumi.config.rules import ConfigError
from harness import (
    THROWAWAY_KEY,
    HostMocks,
    Run,
    last_registrations,
    plain_strings,
    run_program,
    script_arguments,
    secret_strings,
    stack_config,
)

CONTAINER = "docker:index/container:Container"
VOLUME = "docker:index/volume:Volume"
PROVIDER = "pulumi:providers:docker"
PROD = stack_config("prod")
NEW_IMAGE = "registry.example.com/cloudify/cloudify-manager:3.3.0"
REGISTRY_PASSWORD = "registry-p4ssw0rd-never-plain"


def render(**overrides: str) -> Run:
    return run_program({**PROD, **overrides}, secrets={"sshPrivateKey": THROWAWAY_KEY})


def by_name(run: Run) -> dict[str, dict]:
    return {r.name: r.inputs for r in run.registrations}


def backup_key(run: Run) -> list:
    return run.one("command:remote:Command", "-backup").inputs["triggers"]


def test_each_state_path_has_its_own_protected_retained_named_volume():
    run = render()
    volumes = [r for r in run.registrations if r.type == VOLUME]
    expected = {
        "cloudify-root": "/root",
        "cloudify-etc-init-d": "/etc/init.d",
        "cloudify-etc-default": "/etc/default",
        "cloudify-opt-manager-resources": "/opt/manager/resources",
        "cloudify-opt-manager-env": "/opt/manager/env",
        "cloudify-etc-service-riemann": "/etc/service/riemann",
        "cloudify-etc-service-elasticsearch-data": "/etc/service/elasticsearch/data",
        "cloudify-etc-service-elasticsearch-logs": "/etc/service/elasticsearch/logs",
        "cloudify-opt-influxdb-shared-data": "/opt/influxdb/shared/data",
        "cloudify-var-log-cloudify": "/var/log/cloudify",
    }
    assert sorted(v.inputs["name"] for v in volumes) == sorted(expected)
    assert all(v.protect is True and v.retain_on_delete is True for v in volumes)
    data = run.one(CONTAINER, "-data")
    assert data.protect is True and data.retain_on_delete is True
    assert {m["volumeName"]: m["containerPath"] for m in data.inputs["volumes"]} == expected
    assert set(data.property_dependencies["volumes"]) == {v.urn for v in volumes}
    assert run.one(CONTAINER, "-app").inputs["volumes"] == [{"fromContainer": "cloudify-data"}]


def test_stacks_created_before_named_volumes_keep_their_anonymous_ones():
    run = render(dataVolumes="anonymous")
    assert not [r for r in run.registrations if r.type == VOLUME]
    assert all(set(v) == {"containerPath"} for v in run.one(CONTAINER, "-data").inputs["volumes"])


def test_with_anonymous_volumes_the_data_container_is_as_protected_as_with_named_ones():
    """Its own anonymous volumes are the data here: the container must never be deleted by Pulumi, and if it
    ever is deleted (unprotected on purpose), Docker must not remove the volumes with it."""
    data = render(dataVolumes="anonymous").one(CONTAINER, "-data")
    assert data.protect is True and data.retain_on_delete is True
    assert data.inputs["removeVolumes"] is False and data.inputs["start"] is False and data.inputs["mustRun"] is False


@pytest.mark.parametrize("offline", [False, True], ids=["pulled", "imported"])
def test_every_image_stays_on_the_host_so_a_rollback_pulls_nothing(offline):
    """docs/operations.md: a rollback to the previous appImage needs no registry. The provider deletes the image from
    the
    host when a RemoteImage with keep_locally false is replaced (kreuzwerker v4.5.0
    resource_docker_image_funcs.go `resourceDockerImageDelete`, line 190); `docker import` never deletes."""
    packages = '{"docker": {"docker_url": "https://mirror.example.com/cloudify.tar"}}' if offline else "{}"
    run = render(cloudifyPackages=packages)
    images = [r for r in run.registrations if r.type == "docker:index/remoteImage:RemoteImage"]
    if offline:
        assert images == []
        assert "docker rmi" not in " ".join(run.commands().values()) and "image rm" not in " ".join(
            run.commands().values()
        )
    else:
        assert sorted(r.name for r in images) == ["cloudify-app-image", "cloudify-data-image"]
        assert all(r.inputs["keepLocally"] is True for r in images)


def test_the_backup_step_runs_before_the_app_container_and_after_the_new_image():
    run = render()
    backup, app = run.one("command:remote:Command", "-backup"), run.one(CONTAINER, "-app")
    assert backup.urn in app.dependencies
    assert run.one("docker:index/remoteImage:RemoteImage", "-app-image").urn in backup.property_dependencies["triggers"]
    assert run.one(CONTAINER, "-data").urn in backup.dependencies
    script, args = script_arguments(backup.inputs["create"])
    assert script == "backup_data.sh"
    assert args == [
        "true",
        "cloudify-manager",
        "cloudify-data",
        "/var/lib/cloudify-backups",
        "3",
        backup_key(run)[0],
        "auto",
        "replace",
        "registry.example.com/cloudify/cloudify-manager:3.2.0",
    ]


@pytest.mark.parametrize(
    ("change", "replaces_app"),
    [
        ({"appImage": NEW_IMAGE}, True),
        ({"tmpfs": '{"/run": ""}'}, True),
        ({"ports": "[80, 443]"}, True),
        ({"managementIp": "10.0.0.11"}, True),
        ({"privileged": "true"}, True),
        ({"readinessTimeout": "900"}, False),
        ({"cloudifyPackages": '{"agents": {"a": "https://packages.example.com/a.tar.gz"}}'}, False),
        ({"backupsToKeep": "5"}, False),
        ({"backupDir": "/srv/backups"}, False),
    ],
)
def test_the_backup_reruns_exactly_when_the_app_container_is_replaced(change, replaces_app):
    before, after = render(), render(**change)
    app_changed = by_name(before)["cloudify-app"] != by_name(after)["cloudify-app"]
    assert app_changed is replaces_app
    assert (backup_key(before) != backup_key(after)) is replaces_app


def test_the_app_container_carries_the_key_the_backup_step_compares():
    """On the host, a container that already carries the wanted key is not about to be replaced: the backup
    step then stops nothing, even when it reruns for another reason (a new backupDir changes its command)."""
    run = render()
    assert f"CLOUDIFY_PULUMI_REPLACEMENT_KEY={backup_key(run)[0]}" in run.one(CONTAINER, "-app").inputs["envs"]


def test_a_rerun_with_nothing_changed_keeps_the_backup_step():
    assert backup_key(render()) == backup_key(render())


def test_rolling_back_changes_only_the_app_side_and_returns_to_the_same_inputs():
    first, upgraded, rolled_back = render(), render(appImage=NEW_IMAGE), render()
    changed = {name for name, inputs in by_name(first).items() if by_name(upgraded)[name] != inputs}
    assert changed == {
        "cloudify-app-image",
        "cloudify-backup",
        "cloudify-app",
        "cloudify-agent-packages",
        "cloudify-ready",
        "cloudify-bootstrap-context",
        "cloudify-prune-backups",
    }
    assert by_name(rolled_back) == by_name(first)


@pytest.mark.parametrize(
    "change",
    [
        {"appImage": NEW_IMAGE},
        {"ports": "[80]"},
        {"tmpfs": '{"/run": ""}'},
        {"managementIp": "10.9.9.9"},
        {"backupDir": "/srv/backups"},
        {"hostname": "other"},
        {"readinessPath": "/"},
        {"dataVolumes": "named"},
    ],
)
def test_no_configuration_change_touches_the_data_container_or_its_volumes(change):
    """The only way to lose them is to unprotect them on purpose: nothing a stack setting does gets there."""
    before, after = render(), render(**change)
    protected = [r.name for r in before.registrations if r.type == VOLUME] + ["cloudify-data"]
    for name in protected:
        assert by_name(before)[name] == by_name(after)[name], name
        registration = next(r for r in after.registrations if r.name == name)
        assert registration.protect is True and registration.retain_on_delete is True
        assert registration.delete_before_replace is False


@pytest.mark.parametrize(
    ("archive", "previous"),
    [
        (
            "/var/lib/cloudify-backups/cloudify-manager-20261128T060000Z-cloudify_manager_3.1.0.tar.gz",
            "registry.example.com/cloudify/cloudify-manager:3.1.0",
        ),
        ("/srv/backups/cloudify-manager-20270101T000000Z-sha256_0123.tar.gz", "sha256:0123"),
    ],
)
def test_the_newest_backup_is_a_stack_output_and_the_readiness_step_knows_the_way_back(archive, previous):
    """Whatever the backup step reports on the host flows into the output and the readiness step's way back."""
    run = run_program(
        PROD, secrets={"sshPrivateKey": THROWAWAY_KEY}, mocks=HostMocks(backup_file=archive, previous_image=previous)
    )
    assert run.manager_outputs["latestBackup"] == archive
    _, args = script_arguments(run.one("command:remote:Command", "-ready").inputs["create"])
    assert args[5:8] == ["cloudify-data", archive, previous]


def test_the_registry_password_stays_secret_everywhere():
    auth = json.dumps({"server": "registry.example.com", "username": "deployer", "password": REGISTRY_PASSWORD})
    run = run_program(PROD, secrets={"sshPrivateKey": THROWAWAY_KEY, "registryAuth": auth})
    provider = run.one(PROVIDER)
    assert any(REGISTRY_PASSWORD in s for s in secret_strings(provider.wire_inputs)), "it reaches the provider"
    assert json.loads(provider.inputs["registryAuth"]) == [
        {"address": "registry.example.com", "username": "deployer", "password": REGISTRY_PASSWORD}
    ]
    for registration in run.registrations:
        assert not any(REGISTRY_PASSWORD in s for s in plain_strings(registration.wire_inputs)), registration.name
        assert REGISTRY_PASSWORD not in json.dumps(registration.inputs.get("create", ""))
    for outputs in run.outputs.values():
        assert not any(REGISTRY_PASSWORD in s for s in plain_strings(outputs))


@pytest.mark.parametrize(
    "auth",
    [
        {"server": "registry.example.com", "username": "deployer"},
        {"server": "registry.example.com", "password": REGISTRY_PASSWORD},
        {"server": "not a host", "username": "deployer", "password": REGISTRY_PASSWORD},
    ],
)
def test_incomplete_registry_auth_is_refused_without_echoing_the_password(auth):
    with pytest.raises(ConfigError, match="registryAuth: ") as error:
        run_program(PROD, secrets={"sshPrivateKey": THROWAWAY_KEY, "registryAuth": json.dumps(auth)})
    assert REGISTRY_PASSWORD not in str(error.value)
    assert last_registrations() == []


@pytest.mark.parametrize(
    "auth",
    [
        '{"server": "registry.example.com"',
        '["registry.example.com"]',
        '{"server": "registry.example.com", "username": "", "password": "x"}',
    ],
)
def test_registry_auth_of_the_wrong_shape_is_refused_with_the_commands_that_set_it(auth):
    with pytest.raises(ConfigError) as error:
        run_program(PROD, secrets={"sshPrivateKey": THROWAWAY_KEY, "registryAuth": auth})
    assert error.value.problems == [
        "registryAuth: must be a map with server, username and password: `pulumi config set --path "
        "registryAuth.server registry.example.com`, likewise registryAuth.username, and `pulumi config set "
        "--secret --path registryAuth.password`"
    ]

"""`pulumi preview` under the mocks: unknown values flow through the program, and the plan matches docs/operations.md.

The harness models preview as the engine runs it (tests/harness.py): a
resource whose inputs equal those of the last `up` keeps its outputs; any
other one gets an unknown ID and unknown computed outputs (pulumi-command
v1.2.1: `stdout` is unknown whenever an input changes). The program must
register the same graph from unknowns, validate nothing that is not known yet,
and plan exactly what the upgrade section of docs/operations.md shows.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from engine_requests import FIXTURE
from harness import REPO, HostMocks, Registration, Run, run_program, stack_config, stack_secrets
from pulumi.runtime.rpc import UNKNOWN

CONTAINER = "docker:index/container:Container"
PROVIDER = "pulumi:providers:docker"
NEW_IMAGE = "registry.example.com/cloudify/cloudify-manager:3.3.0"


def up(stack: str, **overrides: str) -> Run:
    config = {**stack_config(stack), **overrides}
    return run_program(config, secrets=stack_secrets(config))


def preview(stack: str, after: Run | None, prior: dict | None = None, **overrides: str) -> Run:
    """`pulumi preview` of `stack` with `overrides`, against the state `after` left (None: a new stack), or
    against `prior` (HostMocks.created of a run, as edited by a test)."""
    config = {**stack_config(stack), **overrides}
    mocks = HostMocks(prior=prior if prior is not None else after.mocks.created if after is not None else None)
    return run_program(config, secrets=stack_secrets(config), preview=True, mocks=mocks)


def has_unknown(value: object) -> bool:
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return value == UNKNOWN


def graph(run: Run) -> list[tuple[str, str]]:
    return sorted((r.type, r.name) for r in run.registrations)


def planned_changes(before: Run, planned: Run) -> dict[str, Registration]:
    """The resources a preview would create, update or replace: inputs differ from the state, or are unknown."""
    state = {r.name: r.inputs for r in before.registrations}
    return {r.name: r for r in planned.registrations if r.inputs != state.get(r.name) or has_unknown(r.inputs)}


@pytest.mark.parametrize("stack", ["dev", "prod", "sites"])
def test_a_first_preview_plans_the_whole_graph_with_the_docker_address_unknown(stack):
    """Before the Docker step ran, its report is unknown: nothing that depends on it is checked or guessed."""
    planned, applied = preview(stack, None), up(stack)
    assert graph(planned) == graph(applied)
    for provider in (r for r in planned.registrations if r.type == PROVIDER):
        assert provider.wire_inputs["host"] == UNKNOWN, provider.name
    for data in (r for r in planned.registrations if r.type == CONTAINER and r.name.endswith("-data")):
        assert data.protect is True and data.retain_on_delete is True


def test_a_first_preview_reports_every_host_derived_output_as_unknown():
    outputs = preview("prod", None).manager_outputs
    for name in ("dockerServerVersion", "managerUrl", "latestBackup", "appContainerId", "dataContainerId"):
        assert outputs[name] == UNKNOWN, name
    assert outputs["dataContainerName"] == "cloudify-data" and outputs["appContainerName"] == "cloudify-manager"


@pytest.mark.parametrize("stack", ["dev", "prod", "sites"])
def test_a_preview_after_up_with_nothing_changed_plans_nothing(stack):
    applied = up(stack)
    assert planned_changes(applied, preview(stack, applied)) == {}


OPERATIONS = REPO / "docs" / "operations.md"


def documented_upgrade_preview() -> dict[str, tuple[str, str, bool]]:
    """docs/operations.md's `pulumi preview` listing of an appImage upgrade: name -> (type, action, delete first)."""
    text = OPERATIONS.read_text()
    block = text.split(
        "pulumi config set appImage registry.example.com/cloudify/cloudify-manager:3.3.0\npulumi preview\n", 1
    )[1].split("pulumi up\n", 1)[0]
    rows = re.findall(r"^#  \+- (\S+)\s+(\S+)\s+(\w+)\s+\[diff: [^\]]*\](\s+\(delete first\))?$", block, re.M)
    assert rows, "the upgrade section of docs/operations.md lists the planned steps"
    return {name: (type_, action, bool(first)) for type_, name, action, first in rows}


TYPES = {
    "docker:RemoteImage": "docker:index/remoteImage:RemoteImage",
    "docker:Container": CONTAINER,
    "command:remote:Command": "command:remote:Command",
}


def test_an_upgrade_preview_plans_exactly_what_the_operations_page_shows():
    applied = up("prod")
    changes = planned_changes(applied, preview("prod", applied, appImage=NEW_IMAGE))
    listed = documented_upgrade_preview()
    assert set(changes) == set(listed)
    for name, (type_, action, delete_first) in listed.items():
        assert changes[name].type == TYPES[type_], name
        assert action == "replace"
        assert changes[name].delete_before_replace is delete_first, name
    assert "nothing else: no volume, no data container" in OPERATIONS.read_text()


def test_an_upgrade_preview_knows_every_input_of_the_data_side():
    """The data container and its volumes are planned from known, unchanged inputs: no diff is possible."""
    applied = up("prod")
    planned = preview("prod", applied, appImage=NEW_IMAGE)
    state = {r.name: r.inputs for r in applied.registrations}
    data_side = [
        r for r in planned.registrations if r.type == "docker:index/volume:Volume" or r.name == "cloudify-data"
    ]
    assert len(data_side) == 11
    for registration in data_side:
        assert not has_unknown(registration.wire_inputs) and registration.inputs == state[registration.name]


def test_an_upgrade_preview_shows_the_backup_before_the_app_container_it_protects():
    applied = up("prod")
    planned = preview("prod", applied, appImage=NEW_IMAGE)
    backup, app = planned.one("command:remote:Command", "-backup"), planned.one(CONTAINER, "-app")
    assert backup.urn in app.dependencies
    assert has_unknown(backup.wire_inputs["triggers"]), "the new replacement key is known only once the image is"


def with_release_1_0_0_scripts(applied: Run, stack: str) -> tuple[dict, dict[str, dict]]:
    """The state `applied` left, as 1.0.0 would have left it: the Docker and backup steps ran that release's
    scripts (tests/fixtures/requests-before-library.json holds its requests; the scripts changed since). Returns
    that state for the mocks, and each resource's inputs in it."""
    before = json.loads(FIXTURE.read_text())[stack]
    state = dict(applied.mocks.created)
    inputs = {r.name: r.inputs for r in applied.registrations}
    for step in ("cloudify-docker-engine", "cloudify-backup"):
        (urn,) = [urn for urn in before if urn.endswith(f"::{step}")]
        old_create = before[urn]["inputs"]["create"]
        assert old_create != state[step].inputs["create"], f"{step}: its script changed since 1.0.0"
        state[step] = dataclasses.replace(state[step], inputs={**state[step].inputs, "create": old_create})
        inputs[step] = {**inputs[step], "create": old_create}
    return state, inputs


def test_the_first_preview_after_1_0_0_plans_the_two_changed_steps_and_what_reads_their_reports():
    """CHANGELOG.md, 1.1.0: the Docker and backup steps run once more; the provider's address
    (from the Docker step) and the readiness and prune steps' arguments (from the backup's report) are unknown
    until they have; nothing of the data side or the app container is planned."""
    state, inputs = with_release_1_0_0_scripts(up("prod"), "prod")
    planned = preview("prod", None, prior=state)
    changed = [r.name for r in planned.registrations if r.inputs != inputs[r.name] or has_unknown(r.inputs)]
    assert sorted(changed) == [
        "cloudify-backup",
        "cloudify-docker",
        "cloudify-docker-engine",
        "cloudify-prune-backups",  # 2.1.0: new, and it reads the backup's report too
        "cloudify-ready",
    ]
    assert has_unknown(planned.one(PROVIDER, "-docker").wire_inputs["host"])


def test_a_restore_preview_plans_the_restore_and_the_steps_after_it_and_no_container():
    applied = up("prod")
    archive = "/var/lib/cloudify-backups/cloudify-manager/cloudify-manager-20261201T000000Z-cloudify_3.2.0.tar.gz"
    planned = planned_changes(applied, preview("prod", applied, restoreFrom=archive))
    assert set(planned) == {
        "cloudify-restore",
        "cloudify-backup",
        "cloudify-agent-packages",
        "cloudify-ready",
        "cloudify-bootstrap-context",
        "cloudify-prune-backups",
    }, "the containers and volumes are untouched: only the host steps run"


def test_a_backup_now_preview_plans_only_the_backup_now_step():
    applied = up("prod")
    assert set(planned_changes(applied, preview("prod", applied, backupNow="ticket-42"))) == {"cloudify-backup-now"}

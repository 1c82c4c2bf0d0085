"""Every container input we declare is in the form the Docker provider reads back, and no change is ignored.

The provider cannot run here, so this mirrors it: a table, one row per container
input the program sets, saying what `resourceDockerContainerRead` stores for it
after `up` and what a change of it does. Sources, all at the pinned versions:

- kreuzwerker/terraform-provider-docker v4.5.0 (pulumi-docker 5.x `upstream`):
  internal/provider/resource_docker_container.go (schema: ForceNew, Default),
  internal/provider/resource_docker_container_funcs.go
  `resourceDockerContainerRead` (lines 750-900: what is `d.Set` from inspect)
  and `resourceDockerContainerUpdate` (only must_run, restart and resources),
  internal/provider/resource_docker_container_structures.go
  `flattenContainerPorts` (sorted by container port, one entry per binding)
  and `getDockerContainerMounts` (target, source, type, read_only always).
- moby/moby v28.5.2 client/container_create.go `normalizeCapabilities`: the
  client upper-cases, prefixes `CAP_`, de-duplicates and sorts before create,
  and the engine stores that.

If the declared value differs from its read-back form, every `pulumi preview`
after the first `up` shows a change, and for a ForceNew attribute every `up`
replaces the container.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from harness import Registration, Run, run_program, stack_config, stack_secrets

CONTAINER = "docker:index/container:Container"


def _same(value: Any) -> Any:
    return value


def _normalize_cap(name: str) -> str:
    """moby v28.5.2 client/container_create.go `normalizeCap`."""
    upper = name.upper()
    return upper if upper == "ALL" or upper.startswith("CAP_") else "CAP_" + upper


def _capabilities_read_back(value: dict[str, Any]) -> dict[str, Any]:
    """Read stores HostConfig.CapAdd, which the client normalised, de-duplicated and sorted."""
    return {"adds": sorted({_normalize_cap(c) for c in value.get("adds", [])})}


def _ports_read_back(value: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`flattenContainerPorts`: sorted by container port; the binding's HostIP and HostPort as the engine stored
    them, which for an explicit 0.0.0.0 binding is exactly what was sent (schema defaults: ip 0.0.0.0, tcp)."""
    with_defaults = [{"ip": "0.0.0.0", "protocol": "tcp", **port} for port in value]
    return sorted(with_defaults, key=lambda port: port["internal"])


def _mounts_read_back(value: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`getDockerContainerMounts`: target, source, type and read_only (false when unset) of every mount."""
    return [{"target": m["target"], "source": m["source"], "type": m["type"], "readOnly": bool(m.get("readOnly"))}
            for m in value]


@dataclass(frozen=True)
class Attribute:
    """What the provider does with one container input."""

    read_back: Callable[[Any], Any] | None
    """The value Read stores, from the value declared; None when Read never sets it."""
    on_change: str
    """`replace` (ForceNew), `update` (Update applies it), `ignored` (neither), `create-only`."""
    unordered: bool = False
    """A schema Set: order is not compared."""


PROVIDER_TABLE: dict[str, Attribute] = {
    "name": Attribute(_same, "replace"),  # d.Set("name", TrimLeft(container.Name, "/"))
    "image": Attribute(_same, "replace"),  # a sha256: value reads back as container.Image, the same ID
    "hostname": Attribute(_same, "replace"),  # container.Config.Hostname
    "command": Attribute(_same, "replace"),  # container.Config.Cmd
    "ports": Attribute(_ports_read_back, "replace"),
    "capabilities": Attribute(_capabilities_read_back, "replace"),
    "tmpfs": Attribute(_same, "ignored"),  # read back, but neither ForceNew nor in Update's attribute list
    "mounts": Attribute(_mounts_read_back, "replace", unordered=True),
    "securityOpts": Attribute(_same, "replace", unordered=True),  # HostConfig.SecurityOpt
    "restart": Attribute(_same, "update"),  # HostConfig.RestartPolicy.Name; Update calls ContainerUpdate
    "privileged": Attribute(_same, "replace"),
    "mustRun": Attribute(_same, "update"),  # set false by Read when the container is not running
    "envs": Attribute(None, "replace"),  # "We decided not to set the environment variables"
    "volumes": Attribute(None, "replace"),  # not read back ("// volumes")
    "cgroupnsMode": Attribute(None, "replace"),
    "start": Attribute(None, "create-only"),
    "removeVolumes": Attribute(None, "create-only"),  # consulted only when the container is deleted
}

KITCHEN_SINK = {
    "capAdd": json.dumps(["sys_admin", "CAP_NET_ADMIN", "SYS_ADMIN", "net_raw"]),
    "ports": json.dumps([8443, "8080:80", 443, "2222:22"]),
    "tmpfs": json.dumps({"/run": "", "/run/lock": "size=64m"}),
    "hostMounts": json.dumps(["/srv/certs:/etc/certs:ro", "/srv/extra:/opt/extra"]),
    "securityOpts": json.dumps(["seccomp=unconfined", "apparmor=unconfined"]),
    "privileged": "true",
    "appCommand": json.dumps(["/sbin/my_init"]),
    "cgroupnsMode": "private",
    "hostname": "manager-one",
}


def rendered(name: str) -> Run:
    if name == "kitchen-sink":
        config = {**stack_config("prod"), **KITCHEN_SINK}
    elif name == "cloudify-7-remote":
        config = {**stack_config("prod"), "managerProfile": "cloudify-7"}
    elif name == "anonymous-volumes":
        config = {**stack_config("prod"), "dataVolumes": "anonymous"}
    else:
        config = stack_config(name)
    return run_program(config, secrets=stack_secrets(config))


def containers(run: Run) -> list[Registration]:
    return [r for r in run.registrations if r.type == CONTAINER]


RENDERINGS = ["dev", "prod", "kitchen-sink", "cloudify-7-remote"]


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_every_container_input_is_in_the_provider_table(rendering):
    for container in containers(rendered(rendering)):
        unknown = set(container.inputs) - set(PROVIDER_TABLE)
        assert not unknown, f"{container.name}: add {sorted(unknown)} to PROVIDER_TABLE, citing the provider source"


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_declared_values_equal_what_the_provider_reads_back(rendering):
    for container in containers(rendered(rendering)):
        for key, declared in container.inputs.items():
            attribute = PROVIDER_TABLE[key]
            if attribute.read_back is None:
                continue
            read = attribute.read_back(declared)
            if attribute.unordered:
                declared, read = (sorted(json.dumps(v, sort_keys=True) for v in values) for values in (declared, read))
            assert read == declared, f"{container.name}.{key}: declared {declared}, read back {read}"


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_no_declared_change_is_silently_ignored(rendering):
    """An input the provider neither replaces on nor updates must be in replace_on_changes."""
    for container in containers(rendered(rendering)):
        for key in container.inputs:
            if PROVIDER_TABLE[key].on_change == "ignored":
                assert key in container.replace_on_changes, f"{container.name}.{key} would change nothing on up"


def test_create_only_inputs_never_depend_on_configuration():
    """`start` and `remove_volumes` are read only at create and delete: a value that followed the configuration
    would never be applied to an existing container. Every rendering, both data-volume kinds, gives the data
    container the same values: never started, and its volumes never removed with it."""
    seen: dict[tuple[str, str], set[str]] = {}
    for rendering in [*RENDERINGS, "anonymous-volumes"]:
        for container in containers(rendered(rendering)):
            role = container.name.rsplit("-", 1)[-1]
            for key, value in container.inputs.items():
                if PROVIDER_TABLE[key].on_change == "create-only":
                    seen.setdefault((role, key), set()).add(json.dumps(value))
    assert seen == {("data", "start"): {"false"}, ("data", "removeVolumes"): {"false"}}


def test_the_kitchen_sink_really_exercises_the_forms_that_used_to_differ():
    """The previous release declared these as written; each one differs from its read-back form."""
    assert _capabilities_read_back({"adds": ["SYS_ADMIN"]}) != {"adds": ["SYS_ADMIN"]}
    unsorted = [{"internal": 443, "external": 443}, {"internal": 80, "external": 8080}]
    assert _ports_read_back(unsorted) != unsorted
    app = next(c for c in containers(rendered("kitchen-sink")) if c.name.endswith("-app"))
    assert app.inputs["capabilities"] == {"adds": ["CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SYS_ADMIN"]}
    assert [p["internal"] for p in app.inputs["ports"]] == [22, 80, 443, 8443]
    assert {m["target"]: m["readOnly"] for m in app.inputs["mounts"]} == {"/etc/certs": True, "/opt/extra": False}


def test_a_tmpfs_change_replaces_the_app_container():
    app = next(c for c in containers(rendered("kitchen-sink")) if c.name.endswith("-app"))
    assert app.inputs["tmpfs"] == {"/run": "", "/run/lock": "size=64m"}
    assert app.replace_on_changes == ["tmpfs"]
    assert app.delete_before_replace is True

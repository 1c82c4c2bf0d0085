"""Every container input we declare is in the form the Docker provider reads back, and no change is ignored.

The provider cannot run here, so this mirrors it: PROVIDER_TABLE has one row per
container input the program sets, transcribed from the provider's source with
the lines cited in each row (`source`): what `resourceDockerContainerRead`
stores after `up`, and whether a change replaces (ForceNew), updates, or is
ignored. What the tests prove is therefore exactly this: *according to the
table*, no declared value differs from its read-back form and no declared change
is silently ignored. The table itself is a reading of the source, not an
observation of the provider; of its 20 rows, 11 read back the value as declared
(`_same`), 4 transform it (ports, capabilities, mounts, healthcheck durations:
the forms that differ when declared otherwise), and 5 are never read back
(`None`: envs, volumes, cgroupns_mode, start, remove_volumes), where a perpetual
diff cannot arise from Read at all.

Sources, all at the pinned versions:
- kreuzwerker/terraform-provider-docker v4.5.0 (pulumi-docker 5.x `upstream`):
  internal/provider/resource_docker_container.go (schema: ForceNew, Default),
  resource_docker_container_funcs.go (`resourceDockerContainerRead` lines
  750-980, `resourceDockerContainerUpdate` from line 991: only must_run,
  restart and resources), resource_docker_container_structures.go
  (`flattenContainerPorts`: sorted by container port, one entry per binding;
  `getDockerContainerMounts`: target, source, type and read_only always).
- moby/moby v28.5.2 client/container_create.go `normalizeCapabilities`: the
  client upper-cases, prefixes `CAP_`, de-duplicates and sorts before create,
  and the engine stores that.

If the declared value differed from its read-back form, every `pulumi preview`
after the first `up` would show a change, and for a ForceNew attribute every
`up` would replace the container.
"""

from __future__ import annotations

import json
import re
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
    return [
        {"target": m["target"], "source": m["source"], "type": m["type"], "readOnly": bool(m.get("readOnly"))}
        for m in value
    ]


def _parse_go_duration(text: str) -> int:
    """Go's time.ParseDuration for whole h/m/s values, as the provider parses them (funcs.go lines 147-158)."""
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+)([hms])", text)
    assert "".join(n + u for n, u in parts) == text, f"{text!r} is not a whole-second Go duration"
    return sum(int(n) * units[u] for n, u in parts)


def _go_duration_string(seconds: int) -> str:
    """Go's time.Duration.String for whole seconds: what Read stores (funcs.go lines 963-967)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes}m{secs}s" if hours else f"{minutes}m{secs}s" if minutes else f"{secs}s"


def _healthcheck_read_back(value: dict[str, Any]) -> dict[str, Any]:
    """Read stores Config.Healthcheck: the test as given, each duration as Duration.String, the retries."""
    durations = ("interval", "timeout", "startPeriod", "startInterval")
    return {**value, **{key: _go_duration_string(_parse_go_duration(value.get(key, "0s"))) for key in durations}}


@dataclass(frozen=True)
class Attribute:
    """What the provider does with one container input, transcribed from its source (`source`)."""

    read_back: Callable[[Any], Any] | None
    """The value Read stores, from the value declared; None when Read never sets it."""
    on_change: str
    """`replace` (ForceNew), `update` (Update applies it), `ignored` (neither), `create-only`."""
    source: str
    """Where, in kreuzwerker/terraform-provider-docker v4.5.0 internal/provider/, the row was read:
    C = resource_docker_container.go (schema), F = resource_docker_container_funcs.go."""
    unordered: bool = False
    """A schema Set: order is not compared."""


PROVIDER_TABLE: dict[str, Attribute] = {
    "name": Attribute(_same, "replace", "C:50-54 ForceNew; F:828 d.Set(name, TrimLeft(container.Name, '/'))"),
    "image": Attribute(_same, "replace", "C:141-145 ForceNew; F:839-845 a sha256: value reads back container.Image"),
    "hostname": Attribute(_same, "replace", "C:148-152 ForceNew; F:847 Config.Hostname"),
    "command": Attribute(_same, "replace", "C:163-167 ForceNew; F:849 Config.Cmd"),
    "ports": Attribute(
        _ports_read_back,
        "replace",
        "C:487-491 ForceNew; F:800-803 flattenContainerPorts "
        "(resource_docker_container_structures.go), only while running or must_run",
    ),
    "capabilities": Attribute(_capabilities_read_back, "replace", "C:262-266 ForceNew; F:870-877 HostConfig.CapAdd"),
    "tmpfs": Attribute(
        _same, "ignored", "C:482-486 no ForceNew; F:883 HostConfig.Tmpfs; F:1015-1018 not in Update's attribute list"
    ),
    "mounts": Attribute(
        _mounts_read_back, "replace", "C:328-332 ForceNew; F:881 getDockerContainerMounts", unordered=True
    ),
    "securityOpts": Attribute(_same, "replace", "C:291-295 ForceNew; F:854 HostConfig.SecurityOpt", unordered=True),
    "restart": Attribute(_same, "update", "C:230 no ForceNew; F:857 RestartPolicy.Name; F:1015-1021 Update"),
    "privileged": Attribute(_same, "replace", "C:656-660 ForceNew; F:900 HostConfig.Privileged"),
    "mustRun": Attribute(_same, "update", "C:122 no ForceNew; F:819-822 set false when stopped; F:998 Update"),
    "envs": Attribute(
        None, "replace", "C:590-594 ForceNew; F:891-896 'We decided not to set the environment variables'"
    ),
    "volumes": Attribute(None, "replace", "C:434-438 ForceNew; F:882 '// volumes': not read"),
    "cgroupnsMode": Attribute(None, "replace", "C:1176-1180 ForceNew; not read in F"),
    "start": Attribute(None, "create-only", "C:72 no ForceNew; F:584 consulted at create; F:831 not read"),
    "removeVolumes": Attribute(None, "create-only", "C:256 no ForceNew; F:1101 consulted at delete; not read"),
    "logDriver": Attribute(_same, "replace", "C:886-892 ForceNew, Computed; F:261 sent as LogConfig.Type; F:951 read"),
    "logOpts": Attribute(
        _same, "replace", "C:894-899 ForceNew; F:388 sent as given; F:952, 983-989 read back as stored when declared"
    ),
    "healthcheck": Attribute(
        _healthcheck_read_back,
        "ignored",
        "C:1045-1100 no ForceNew, Computed; F:139-160 sent; F:960-970 read; not in Update's list F:1015-1018",
    ),
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


def test_the_declared_durations_are_already_in_the_form_go_writes_them():
    """A duration written otherwise ("600s", "1m") would parse to the same value but read back differently."""
    assert _healthcheck_read_back({"interval": "600s"})["interval"] == "10m0s" != "600s"
    for rendering in RENDERINGS:
        app = next(c for c in containers(rendered(rendering)) if c.name.endswith("-app"))
        assert _healthcheck_read_back(app.inputs["healthcheck"]) == app.inputs["healthcheck"], rendering


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
    assert app.replace_on_changes == ["tmpfs", "healthcheck"]
    assert app.delete_before_replace is True


def test_every_row_cites_its_source_lines():
    for key, attribute in PROVIDER_TABLE.items():
        assert re.search(r"\bC:\d+", attribute.source), key
        assert attribute.on_change in ("replace", "update", "ignored", "create-only"), key

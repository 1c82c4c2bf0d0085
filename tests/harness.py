"""Run the real Pulumi program (`__main__.py`) under the SDK's mocks and record what the engine receives.

`RecordingMonitor` keeps every `RegisterResource` request, so tests can assert
on the resource options the engine would act on (protect, dependencies,
property dependencies, delete-before-replace, parent, provider) and on the
wire form of the inputs, where secrets are still wrapped as secrets.

The mocks stand in for the engine and the providers, not for the host: the
install step's stdout is modelled on what `ensure_docker.sh` prints, which
the host tests prove on real SSH hosts.

Two engine rules are applied to what the mock providers return, so that a
secret leaking through an output shows in the recorded outputs as it would in
the state (pulumi/pulumi `pkg/resource/deploy/step_executor.go` and
`sdk/go/common/resource/plugin/rpc.go`: outputs named in
`additionalSecretOutputs`, and outputs whose input of the same name was
secret, are stored as secrets).

`preview=True` models `pulumi preview`: a resource whose inputs equal those of
the `prior` run (the state after the last `up`) keeps that run's outputs; any
other one is a create, update or replace, whose ID and computed outputs are
unknown (pulumi-command v1.2.1: `stdout` is unknown in preview whenever an
input changes; the Docker provider's computed attributes likewise).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import runpy
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from cloudify_pulumi.config.model import ManagerSettings
from cloudify_pulumi.config.resolve import parse_settings
from cloudify_pulumi.config.typed import from_text
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc

REPO = Path(__file__).resolve().parent.parent
MAIN = REPO / "__main__.py"
PROJECT = "cloudify-manager"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"
COMMAND_TYPES = ("command:local:Command", "command:remote:Command")
THROWAWAY_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEthrowaway\n-----END OPENSSH PRIVATE KEY-----"
THROWAWAY_ADMIN_PASSWORD = "Adm1n-throwaway-p4ss"
THROWAWAY_MANAGER_SECRET = "throwaway-manager-secret-0123456789abcdef"

# What the mocked backup step reports (the host tests run the real one).
MOCK_BACKUP_FILE = "/var/lib/cloudify-backups/cloudify-manager-20261128T060000Z-cloudify_manager_3.1.0.tar.gz"
MOCK_PREVIOUS_IMAGE = "registry.example.com/cloudify/cloudify-manager:3.1.0"
# What the mocked readiness step reads out of a TLS manager's container (the host tests run the real one).
MOCK_MANAGER_CA = "-----BEGIN CERTIFICATE-----\nTW9jayBtYW5hZ2VyIENB\n-----END CERTIFICATE-----\n"
DEFAULT_STACK = "test"  # each test gets its own (conftest.isolated_home)
_last_monitor: list[RecordingMonitor] = []  # the latest run's monitor, also when that run raised


def last_registrations() -> list[Registration]:
    """What the latest run registered before it finished or failed (the shared root stack left out)."""
    return [r for r in _last_monitor[-1].registrations if r.type != "pulumi:pulumi:Stack"]


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Created:
    """What a mock provider returned for one resource: the state a later preview compares against."""

    inputs: dict[str, Any]
    id: str
    state: dict[str, Any]


def mock_host_key(inputs: dict[str, Any]) -> str:
    """The key a mocked host-key step records: one per scanned host (its `environment` names host and port, or its
    `connection` the host it reads), the same however its script text changes."""
    scanned = inputs.get("environment")
    if scanned:
        where = [scanned["CLOUDIFY_SCAN_HOST"], str(scanned["CLOUDIFY_SCAN_PORT"])]
    else:
        connection = unwrap_secrets(inputs.get("connection") or {})
        where = [connection.get("host"), str(int(connection.get("port", 22)))]
    return "ssh-ed25519 " + base64.b64encode(b"\0\0\0\x0bssh-ed25519" + digest(where).encode()[:32]).decode()


class HostMocks(pulumi.runtime.Mocks):
    """Provider stand-ins: IDs derive from inputs, so a changed input means a new ID, as on replacement."""

    def __init__(
        self,
        docker_version: str = "24.0.7",
        distribution: str = "ubuntu 22.04",
        client_version: str | None = None,
        engine_stdout: str | None = None,
        backup_file: str = MOCK_BACKUP_FILE,
        previous_image: str = MOCK_PREVIOUS_IMAGE,
        prior: dict[str, Created] | None = None,
        docker_versions: dict[str, str] | None = None,
        host_key_step: Callable[[dict[str, Any]], str] | None = None,
        scripts_step: Callable[[dict[str, Any]], str] | None = None,
    ) -> None:
        """`engine_stdout`: what a real run of the Docker step printed, to use instead of the model.
        `prior`: in a preview, what the last `up` created (`HostMocks.created` of that run).
        `docker_versions`: the daemon version per SSH host, where hosts differ (default `docker_version`).
        `host_key_step`: runs a host-key step (its inputs) for real and returns its stdout (test hosts).
        `scripts_step`: runs the step that installs the scripts for real, as `pulumi up` runs it first (test hosts)."""
        self.host_key_step = host_key_step
        self.scripts_step = scripts_step
        self.docker_versions = docker_versions or {}
        self.docker_version = docker_version
        self.distribution = distribution
        self.client_version = client_version or docker_version
        self.engine_stdout = engine_stdout
        self.backup_file = backup_file
        self.previous_image = previous_image
        self.prior = prior or {}
        self.preview = False  # set by run_program
        self.created: dict[str, Created] = {}
        self.addresses: dict[str, str] = {}  # a container's IP address by resource name, where a test fixes it

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs = dict(args.inputs)
        if self.preview:
            return self._planned(args.typ, args.name, inputs)
        state = dict(inputs)
        if args.typ in COMMAND_TYPES:
            version = self.docker_versions.get(
                unwrap_secrets(inputs.get("connection") or {}).get("host"), self.docker_version
            )
            state["stdout"] = self._stdout(inputs, version)
            state["stderr"] = ""
        elif args.typ == "docker:index/remoteImage:RemoteImage":
            state["imageId"] = "sha256:" + digest(inputs["name"])
        elif args.typ == "docker:index/container:Container":
            # What Docker reports of a container's network: the address the example's SSH host is reached at.
            state["networkDatas"] = [
                {
                    "ipAddress": self.addresses.get(
                        args.name, "172.30.0." + str(int(digest(args.name)[:2], 16) % 200 + 10)
                    ),
                    "networkName": "bridge",
                }
            ]
        elif args.typ == "random:index/randomPassword:RandomPassword":
            # pulumi-random keeps `result` for as long as the inputs (length, character sets, keepers) stay.
            state["result"] = generated_password(args.name, inputs)
        resource_id = f"{args.name}-{digest(inputs)[:12]}"
        self.created[args.name] = Created(inputs, resource_id, state)
        return resource_id, state

    def _planned(self, type_: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        """Preview: unchanged resources keep their outputs; the others' ID and computed outputs are unknown."""
        before = self.prior.get(name)
        if before is not None and before.inputs == inputs:
            return before.id, before.state
        computed = {
            "command:local:Command": ("stdout", "stderr"),
            "command:remote:Command": ("stdout", "stderr"),
            "docker:index/remoteImage:RemoteImage": ("imageId",),
            "docker:index/container:Container": ("networkDatas",),
        }.get(type_, ())
        return "", {**inputs, **{key: rpc.UNKNOWN for key in computed}}

    def _stdout(self, inputs: dict[str, Any], docker_version: str) -> str:
        create = inputs.get("create", "")
        script = script_arguments(create)[0] if create.startswith("sh -c ") else ""
        if script == "ensure_docker.sh" and self.engine_stdout is not None:
            return self.engine_stdout
        if script == "ensure_docker.sh":
            return (
                f"HOST_DISTRIBUTION={self.distribution}\nDOCKER_SERVER_VERSION={docker_version}\n"
                f"DOCKER_CLIENT_VERSION={self.client_version}\n"
            )
        if script == "install_scripts.sh" and self.scripts_step is not None:
            return self.scripts_step(inputs)
        if script == "import_image.sh":
            return f"IMAGE_ID=sha256:{digest(create)}\n"
        if script == "host_key.sh" or "host_key.sh" in create:
            return self.host_key_step(inputs) if self.host_key_step else f"HOST_KEY={mock_host_key(inputs)}\n"
        if script == "wait_ready.sh" and "cloudify_internal_ca_cert.pem" in create:
            return f"MANAGER_CA_CERT={base64.b64encode(MOCK_MANAGER_CA.encode()).decode()}\n"
        if script == "backup_data.sh":
            return f"BACKUP_FILE={self.backup_file}\nPREVIOUS_IMAGE={self.previous_image}\n"
        return ""

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        return {}, None


@dataclass
class Registration:
    """One RegisterResource request, decoded for assertions."""

    type: str
    name: str
    urn: str
    parent: str
    protect: bool | None
    delete_before_replace: bool
    provider: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    wire_inputs: dict[str, Any]  # as sent: secrets still wrapped
    inputs: dict[str, Any] = field(default_factory=dict)  # secrets unwrapped
    replace_on_changes: list[str] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    retain_on_delete: bool = False
    state: dict[str, Any] = field(default_factory=dict)  # the outputs as the engine would store them (wire form)


class EngineMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock engine, with the engine's two secret rules (see the module's docstring), counting what is
    registered and keeping nothing: what a benchmark runs beside the program (benchmarks/run_under_mocks.py).
    Decoding and keeping each request for assertions is the tests' work, not the program's nor the engine's."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registered = 0  # the root stack left out
        self.cpu = 0.0  # CPU seconds spent here: work a `pulumi preview` has the engine do in its own process

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        started = time.thread_time()  # the SDK calls this on a worker thread: this thread's CPU is the engine's
        response = super().RegisterResource(request)
        _apply_engine_secret_rules(response.object, request.object, request.additionalSecretOutputs)
        self.registered += int(request.type != "pulumi:pulumi:Stack")
        self.cpu += time.thread_time() - started
        return response


class RecordingMonitor(EngineMonitor):
    """The engine as `EngineMonitor` stands in for it, keeping every request, decoded, for the tests."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.outputs: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        wire = json_format.MessageToDict(request.object)
        self.registrations.append(
            Registration(
                type=request.type,
                name=request.name,
                urn=response.urn,
                parent=request.parent,
                protect=request.protect if request.HasField("protect") else None,
                delete_before_replace=request.deleteBeforeReplace,
                provider=request.provider,
                dependencies=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                wire_inputs=wire,
                inputs=unwrap_secrets(wire),
                replace_on_changes=list(request.replaceOnChanges),
                ignore_changes=list(request.ignoreChanges),
                additional_secret_outputs=list(request.additionalSecretOutputs),
                retain_on_delete=request.retainOnDelete,
                state=json_format.MessageToDict(response.object),
            )
        )
        return response

    def RegisterResourceOutputs(self, request):  # noqa: N802 - gRPC method name
        self.outputs[request.urn] = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)


def _apply_engine_secret_rules(outputs: struct_pb2.Struct, inputs: struct_pb2.Struct, additional: Any) -> None:
    """Mark outputs secret as the engine stores them: those in `additionalSecretOutputs`, and those whose input
    of the same name was sent as a secret. On the wire values themselves: nothing else is decoded."""
    secret_names = set(additional) | {name for name, value in inputs.fields.items() if _is_secret_on_wire(value)}
    for name in secret_names:
        if name in outputs.fields and not _is_secret_on_wire(outputs.fields[name]):
            plain = struct_pb2.Value()
            plain.CopyFrom(outputs.fields[name])
            wrapped = outputs.fields[name]
            wrapped.Clear()
            wrapped.struct_value.fields[SECRET_SIG].string_value = SECRET_VALUE
            wrapped.struct_value.fields["value"].CopyFrom(plain)


def _is_secret_on_wire(value: struct_pb2.Value) -> bool:
    if value.WhichOneof("kind") != "struct_value":
        return False
    fields = value.struct_value.fields
    return SECRET_SIG in fields and fields[SECRET_SIG].string_value == SECRET_VALUE


def generated_password(name: str, inputs: dict[str, Any]) -> str:
    """What the mocked pulumi-random returns: fixed for a resource name and its inputs, of the asked length."""
    return ("gen" + digest([name, inputs]) * 2)[: int(inputs["length"])]


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE


def unwrap_secrets(value: Any) -> Any:
    if is_secret(value):
        return unwrap_secrets(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def plain_strings(value: Any) -> list[str]:
    """Every string in a wire value that is NOT inside a secret wrapper."""
    if is_secret(value):
        return []
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *plain_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in plain_strings(v)]
    return [value] if isinstance(value, str) else []


def secret_strings(value: Any) -> list[str]:
    """Every string that IS inside a secret wrapper."""
    if is_secret(value):
        return plain_strings(unwrap_secrets(value))
    if isinstance(value, dict):
        return [s for v in value.values() for s in secret_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in secret_strings(v)]
    return []


@dataclass
class Run:
    """What one program run registered."""

    registrations: list[Registration]
    outputs: dict[str, dict[str, Any]]  # by URN, from RegisterResourceOutputs
    mocks: HostMocks | None = None  # what the providers returned: `mocks.created` is the state after this up
    registered: int = 0  # resources registered, the root stack left out (also when the run kept no requests)
    engine_cpu: float = 0.0  # CPU seconds the mock engine spent in RegisterResource (its providers' work too)

    @property
    def manager_outputs(self) -> dict[str, Any]:
        return self.outputs[self.one("cloudify:index:CloudifyManager").urn]

    def one(self, type_: str, name_suffix: str = "") -> Registration:
        found = [r for r in self.registrations if r.type == type_ and r.name.endswith(name_suffix)]
        assert len(found) == 1, f"expected one {type_} *{name_suffix}, got {[r.name for r in found]}"
        return found[0]

    def commands(self) -> dict[str, str]:
        """Each command resource's `create`, by name without the component prefix."""
        return {
            r.name.removeprefix("cloudify-"): r.inputs["create"] for r in self.registrations if r.type in COMMAND_TYPES
        }


def script_arguments(create: str) -> tuple[str, list[str]]:
    """Split `sh -c <script> <name> <args...>` the way the host's shell will."""
    words = shlex.split(create)
    assert words[:2] == ["sh", "-c"], create[:40]
    return words[3], words[4:]


def stack_config(stack: str) -> dict[str, str]:
    """A committed Pulumi.<stack>.yaml as the engine passes it: project defaults applied, values as strings."""
    project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
    values: dict[str, Any] = {
        key: spec["default"]
        for key, spec in project.get("config", {}).items()
        if isinstance(spec, dict) and "default" in spec
    }
    stack_file = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    for key, value in (stack_file.get("config") or {}).items():
        namespace, _, name = key.partition(":")
        assert namespace == PROJECT, f"{key} in Pulumi.{stack}.yaml is not in the {PROJECT} namespace"
        values[name] = value
    return {key: as_config_string(value) for key, value in values.items()}


def run_program(
    config: dict[str, str],
    *,
    secrets: dict[str, str] | None = None,
    stack: str | None = None,
    mocks: HostMocks | None = None,
    preview: bool = False,
    program_file: Path = MAIN,
    record: bool = True,
) -> Run:
    """Run `__main__.py` with this config (values as Pulumi passes them) and record the engine traffic.

    `preview=True` is `pulumi preview`: pass `mocks=HostMocks(prior=<the last up's mocks>.created)` to model
    a stack that exists (without `prior`, a first preview: every output is unknown). `record=False` keeps
    nothing but the count (`Run.registered`): the engine as the mocks stand in for it, and no more."""
    return run_code(
        lambda: runpy.run_path(str(program_file), run_name="__main__"),
        config=config,
        secrets=secrets,
        stack=stack,
        mocks=mocks,
        preview=preview,
        record=record,
    )


def run_code(
    code: Callable[[], Any],
    *,
    config: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    stack: str | None = None,
    mocks: HostMocks | None = None,
    preview: bool = False,
    record: bool = True,
) -> Run:
    """Run `code` as a Pulumi program under the mocks and record the engine traffic (see `run_program`)."""
    mocks = mocks or HostMocks()
    mocks.preview = preview
    stack = stack or DEFAULT_STACK
    # A fresh loop per run: tasks left by a run that failed must not leak into the next.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    monitor = RecordingMonitor(mocks) if record else EngineMonitor(mocks)
    if isinstance(monitor, RecordingMonitor):
        _last_monitor[:] = [monitor]
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)
    all_config = {f"{PROJECT}:{k}": v for k, v in {**(config or {}), **(secrets or {})}.items()}
    pulumi.runtime.set_all_config(all_config, [f"{PROJECT}:{k}" for k in (secrets or {})])

    @pulumi.runtime.test
    def program():
        return code()

    loop.set_exception_handler(_ignore_unretrieved_failures)
    program()
    # The root stack is registered once per process (set_mocks keeps the first), so it is left out of every run.
    if not isinstance(monitor, RecordingMonitor):
        return Run([], {}, mocks, registered=monitor.registered, engine_cpu=monitor.cpu)
    kept = [r for r in monitor.registrations if r.type != "pulumi:pulumi:Stack"]
    return Run(kept, monitor.outputs, mocks, registered=monitor.registered, engine_cpu=monitor.cpu)


def _ignore_unretrieved_failures(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """A failed run leaves Output futures holding its exception; the test already asserted on it,
    so asyncio need not report each of them again when they are garbage-collected."""
    if not context.get("message", "").startswith(
        ("Future exception was never retrieved", "Task exception was never retrieved")
    ):
        loop.default_exception_handler(context)


def stack_secrets(config: dict[str, str]) -> dict[str, str]:
    """Throwaway values for the secrets a configuration needs (never committed in a stack file)."""
    secrets = {"sshPrivateKey": THROWAWAY_KEY} if config.get("host") or config.get("managers") else {}
    if config.get("managerProfile") == "cloudify-7":
        secrets |= {"adminPassword": THROWAWAY_ADMIN_PASSWORD, "managerSecret": THROWAWAY_MANAGER_SECRET}
    return secrets


def render_for_host(host: Any, *, bastion: Any = None, secrets: dict[str, str] | None = None, **overrides: str) -> Run:
    """The prod program aimed at an SSH test host (`host.user`@`host.address`:`host.port`) with its real key;
    through `bastion` (an SSH test host with its own key) when given; `secrets`, more secret settings."""
    config = {
        **stack_config("prod"),
        "cloudifyPackages": "{}",
        **overrides,
        "host": host.address,
        "sshUser": host.user,
        "sshPort": str(host.port),
    }
    secrets = {**stack_secrets(config), "sshPrivateKey": host.key.read_text(), **(secrets or {})}
    if bastion is not None:
        config |= {"sshProxyHost": bastion.address, "sshProxyUser": bastion.user, "sshProxyPort": str(bastion.port)}
        secrets["sshProxyPrivateKey"] = bastion.key.read_text()
    mocks = HostMocks(
        host_key_step=lambda inputs: run_host_key_step(inputs, host, bastion),
        scripts_step=lambda inputs: run_scripts_step(inputs, host, bastion),
    )
    return run_program(config, secrets=secrets, mocks=mocks)


def run_scripts_step(inputs: dict[str, Any], host: Any, bastion: Any = None) -> str:
    """The declared step that installs the scripts, run on `host` over SSH with its stdin (the bundle), as the
    engine runs it before every other host step (they depend on it)."""
    done = host.ssh(inputs["create"], via=bastion, input_text=inputs["stdin"])
    if done.returncode != 0:
        raise AssertionError(f"the scripts step failed ({done.returncode}): {done.stderr}")
    return done.stdout


def run_host_key_step(inputs: dict[str, Any], host: Any = None, bastion: Any = None) -> str:
    """A declared host-key step run as its provider would: `scan` on this machine through `sh -c` with the step's
    `environment` added to this process's (pulumi-command v1.2.1 local/commandOutputs.go `run`: `os.Environ()`,
    then `in.Environment`), `own` on `host` over SSH, through the bastion when there is one."""
    create = inputs["create"]
    if script_arguments(create)[1][0] == "scan":
        environment = {**os.environ, **(inputs.get("environment") or {})}
        done = subprocess.run(["sh", "-c", create], capture_output=True, text=True, timeout=60, env=environment)
    else:
        done = host.ssh(create, via=bastion)
    if done.returncode != 0:
        raise AssertionError(f"the host-key step failed ({done.returncode}): {done.stderr}")
    return done.stdout


def declared_commands(host: Any, **overrides: str) -> dict[str, str]:
    """The command strings the prod program declares for an SSH test host."""
    return render_for_host(host, **overrides).commands()


def as_config_string(value: Any) -> str:
    """A YAML value as Pulumi hands it to a program: scalars as text, structures as JSON (what `pulumi config`
    stores; pulumi/pulumi sdk/python/lib/pulumi/runtime/config.py reads every value as a string)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def settings_from_text(raw: dict[str, str | None], *, has_private_key: bool, has_ssh_agent: bool) -> ManagerSettings:
    """One manager's settings from stack-file text, as the program judges them: typed once at the stack
    boundary (`typed.from_text`), then judged by the rules (`resolve.parse_settings`)."""
    values = {key: from_text(key, text) for key, text in raw.items() if text is not None}
    return parse_settings(values, has_private_key=has_private_key, has_ssh_agent=has_ssh_agent)


PYTHON_EXAMPLE = REPO / "examples" / "python" / "__main__.py"
EXAMPLE_IMAGE = "registry.example.com/cloudify/cloudify-manager:3.2.0"


def render_example(address: str, key: str = THROWAWAY_KEY, *, real_host_keys: bool = False, **config: str) -> Run:
    """examples/python under the mocks, its SSH host container created at `address`; `real_host_keys`: the
    host-key step scans the real host (a test host at `address`)."""
    mocks = HostMocks(host_key_step=run_host_key_step if real_host_keys else None)
    mocks.addresses["ssh-host"] = address
    settings = {
        "sshHostImage": "example/sshd-docker:1",
        "sshPublicKey": "ssh-ed25519 AAAAexample",
        "appImage": EXAMPLE_IMAGE,
        "dataImage": EXAMPLE_IMAGE,
        **config,
    }
    return run_program(settings, secrets={"sshPrivateKey": key}, mocks=mocks, program_file=PYTHON_EXAMPLE)

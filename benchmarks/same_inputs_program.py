"""The SDK's cost for the resources the program declares, with the inputs it declares: each resource the program
registers for one manager, of the same type, with the same inputs as plain values (its secrets as secret Outputs,
as the program sends them), the same provider, dependencies and options, under one component per manager; as
many managers as asked. Nothing is derived: no Output carries a value from one resource to another.

What the program costs beyond this is its own work: validating the settings, deriving the inputs, the Outputs
between its resources. benchmarks/bench.py gives it the requests of one manager, as the program sent them under
the mocks in the same run (BASELINE_REQUESTS: a JSON file, see `program_rows.requests_per_manager`), and
BASELINE_MANAGERS.
"""

import json
import os
import re
from pathlib import Path
from typing import Any

import pulumi
import pulumi_command as command
import pulumi_docker as docker
import pulumi_random
import yaml  # noqa: F401

SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")  # pulumi runtime/rpc.py
RESOURCE = {
    "command:local:Command": command.local.Command,
    "command:remote:Command": command.remote.Command,
    "docker:index/container:Container": docker.Container,
    "docker:index/remoteImage:RemoteImage": docker.RemoteImage,
    "docker:index/volume:Volume": docker.Volume,
    "pulumi:providers:docker": docker.Provider,
    "random:index/randomPassword:RandomPassword": pulumi_random.RandomPassword,
}

# The options each class adds itself (pulumi-random random_password.py line 612; pulumi-command local/command.py
# line 807, remote/command.py lines 453-455), which a request lists after the program's own: the replay asks only
# for the rest.
CLASS_OPTIONS = {
    "random:index/randomPassword:RandomPassword": {"additional_secret_outputs": ["bcryptHash", "result"]},
    "command:local:Command": {"replace_on_changes": ["triggers[*]"]},
    "command:remote:Command": {"additional_secret_outputs": ["connection"], "replace_on_changes": ["triggers[*]"]},
}

# Inputs that the provider class sends as JSON text (pulumi-docker provider.py lines 255-261, `to_json`): the
# replay gives them as the program did, as values.
JSON_INPUTS = {"pulumi:providers:docker": ("disableDockerDaemonCheck", "registryAuth", "sshOpts")}


def programs_own(request: dict[str, Any], option: str) -> list[str] | None:
    """The names the program itself gave `option` (additional_secret_outputs, replace_on_changes) in `request`."""
    recorded = list(request[option])
    added_by_class = CLASS_OPTIONS.get(request["type"], {}).get(option, [])
    if added_by_class and recorded[-len(added_by_class) :] == added_by_class:
        recorded = recorded[: -len(added_by_class)]
    return recorded or None


def value(wire: Any, json_text: bool = False) -> Any:
    """A value as the program gave it: a secret (wrapped on the wire) as a secret Output, the rest plain; JSON
    text decoded where the class encoded it."""
    if json_text and isinstance(wire, str):
        return json.loads(wire)
    if isinstance(wire, dict):
        if wire.get(SECRET_SIG[0]) == SECRET_SIG[1]:
            return pulumi.Output.secret(value(wire.get("value"), json_text))
        return {key: value(item) for key, item in wire.items()}
    if isinstance(wire, list):
        return [value(item) for item in wire]
    return wire


def argument(wire_name: str) -> str:
    """The Python argument of a top-level input (`removeVolumes` -> `remove_volumes`); nested dicts keep the
    wire's names, which the SDK accepts as they are."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", wire_name).lower()


class Manager(pulumi.ComponentResource):
    def __init__(self, name: str, requests: list[dict[str, Any]]) -> None:
        super().__init__("cloudify:index:CloudifyManager", name, None)
        made: list[pulumi.Resource] = []
        for request in requests:
            kind = RESOURCE.get(request["type"])
            if kind is None:
                raise SystemExit(f"same_inputs_program.py has no class for {request['type']}")
            options = pulumi.ResourceOptions(
                parent=self,
                provider=made[request["provider"]] if request["provider"] is not None else None,
                depends_on=[made[index] for index in request["after"]],
                protect=request["protect"],
                retain_on_delete=request["retain_on_delete"],
                delete_before_replace=request["delete_before_replace"],
                replace_on_changes=programs_own(request, "replace_on_changes"),
                additional_secret_outputs=programs_own(request, "additional_secret_outputs"),
            )
            encoded = JSON_INPUTS.get(request["type"], ())
            inputs = {argument(key): value(wire, key in encoded) for key, wire in request["inputs"].items()}
            made.append(kind(f"{name}-{request['name']}", **inputs, opts=options))
        self.register_outputs({})


REQUESTS = json.loads(Path(os.environ["BASELINE_REQUESTS"]).read_text()) if os.environ.get("BASELINE_REQUESTS") else []
for manager in range(int(os.environ.get("BASELINE_MANAGERS", "0"))):
    Manager(f"m{manager}", REQUESTS)

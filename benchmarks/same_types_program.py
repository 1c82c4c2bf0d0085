"""The SDK's cost for the resources the program declares: as many of each resource type, each with the least
input its type requires, under one component per manager, and nothing else.

benchmarks/bench.py gives it the program's own counts (BASELINE_TYPES: JSON {type token: count per manager},
BASELINE_MANAGERS), so that the 64-manager row can say how much of its cost is registering these types at all.
"""

import json
import os
from typing import Any

import pulumi
import pulumi_command as command
import pulumi_docker as docker
import pulumi_random
import yaml  # noqa: F401

REQUIRED: dict[str, dict[str, Any]] = {
    "docker:index/volume:Volume": {},
    "docker:index/container:Container": {"image": "image"},
    "docker:index/remoteImage:RemoteImage": {"name": "image"},
    # ConnectionArgs fills in its defaults, and the class sends the connection as a secret (pulumi-command
    # remote/command.py): the wrapping is pulumi runtime/rpc.py's _special_secret_sig.
    "command:remote:Command": {
        "connection": {
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            "value": {"user": "root", "port": 22.0, "perDialTimeout": 15.0, "host": "host", "dialErrorLimit": 10.0},
        }
    },
    "command:local:Command": {},
    "random:index/randomPassword:RandomPassword": {"length": 32},
}
"""What `bare` sends for each type, on the wire (benchmarks/program_inputs.py replays it; the tests compare)."""


def bare(type_token: str, name: str, component: pulumi.ComponentResource, provider: docker.Provider) -> None:
    """One resource of `type_token` with only what its type requires."""
    on_host = pulumi.ResourceOptions(parent=component, provider=provider)
    if type_token == "docker:index/volume:Volume":
        docker.Volume(name, opts=on_host)
    elif type_token == "docker:index/container:Container":
        docker.Container(name, image="image", opts=on_host)
    elif type_token == "docker:index/remoteImage:RemoteImage":
        docker.RemoteImage(name, name="image", opts=on_host)
    elif type_token == "command:remote:Command":
        command.remote.Command(
            name, connection=command.remote.ConnectionArgs(host="host"), opts=pulumi.ResourceOptions(parent=component)
        )
    elif type_token == "command:local:Command":
        command.local.Command(name, opts=pulumi.ResourceOptions(parent=component))
    elif type_token == "random:index/randomPassword:RandomPassword":
        pulumi_random.RandomPassword(name, length=32, opts=pulumi.ResourceOptions(parent=component))
    else:
        raise SystemExit(f"same_types_program.py has no bare form for {type_token}")


class Manager(pulumi.ComponentResource):
    def __init__(self, name: str, counts: dict[str, int]) -> None:
        super().__init__("cloudify:index:CloudifyManager", name, None)
        provider = docker.Provider(f"{name}-docker", opts=pulumi.ResourceOptions(parent=self))
        for type_token, count in counts.items():
            for index in range(count):
                bare(type_token, f"{name}-{type_token.rsplit(':', 1)[-1]}-{index}", self, provider)
        self.register_outputs({})


COUNTS = {
    token: count
    for token, count in json.loads(os.environ.get("BASELINE_TYPES", "{}")).items()
    if token not in ("cloudify:index:CloudifyManager", "pulumi:providers:docker")
}
for manager in range(int(os.environ.get("BASELINE_MANAGERS", "0"))):
    Manager(f"m{manager}", COUNTS)

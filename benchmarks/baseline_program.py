"""The floor a Pulumi program cannot go under: the same SDKs imported, BASELINE_RESOURCES trivial resources.

benchmarks/bench.py runs it under the same mocks as the real program, so that the program's own cost is a
ratio against it, measured in the same run.
"""

import os

import pulumi
import pulumi_command  # noqa: F401 - imported for its cost, as the program imports it
import pulumi_docker  # noqa: F401
import pulumi_random  # noqa: F401
import yaml  # noqa: F401


class Trivial(pulumi.CustomResource):
    """A resource with one input and no behaviour: what registering costs the SDK."""

    def __init__(self, name: str) -> None:
        super().__init__("bench:index:Trivial", name, {"value": name})


for index in range(int(os.environ.get("BASELINE_RESOURCES", "0"))):
    Trivial(f"trivial-{index}")

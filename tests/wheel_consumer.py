"""Run a Pulumi program under the SDK's mocks in a fresh interpreter that has the installed `cloudify_pulumi`
wheel and its dependencies, but not this checkout; print what it registered as JSON.

    python -s tests/wheel_consumer.py <program.py> <config as JSON>

Used by tests/packaging/test_wheel.py. It stands alone (no harness import), because the harness imports
`cloudify_pulumi` from the checkout, which is exactly what must not be on the path here.
"""

import asyncio
import json
import runpy
import sys

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks

ADDRESS = "10.77.0.9"


class Mocks(pulumi.runtime.Mocks):
    """Containers report ADDRESS on their network; the Docker step reports a usable Docker."""

    def new_resource(self, args):
        state = dict(args.inputs)
        if args.typ == "docker:index/container:Container":
            state["networkDatas"] = [{"ipAddress": ADDRESS, "networkName": "lab"}]
        if args.typ.startswith("command:"):
            state["stdout"], state["stderr"] = "", ""
        if args.typ.startswith("command:") and "ensure_docker.sh" in state.get("create", ""):
            state["stdout"] = (
                "HOST_DISTRIBUTION=ubuntu 22.04\nDOCKER_SERVER_VERSION=24.0.7\nDOCKER_CLIENT_VERSION=24.0.7\n"
            )
        if args.typ.startswith("command:") and "host_key.sh" in state.get("create", ""):
            state["stdout"] = "HOST_KEY=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIWheelConsumerHostKey\n"
        if args.typ == "docker:index/remoteImage:RemoteImage":
            state["imageId"] = "sha256:" + "0" * 64
        return f"{args.name}-id", state

    def call(self, args):
        return {}, None


class Recorder(pulumi_mocks.MockMonitor):
    def __init__(self, mocks):
        super().__init__(mocks)
        self.seen = []

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        self.seen.append(
            {
                "type": request.type,
                "name": request.name,
                "urn": response.urn,
                "dependencies": list(request.dependencies),
                "inputs": json_format.MessageToDict(request.object),
            }
        )
        return response


def main(program: str, config: dict[str, str]) -> None:
    asyncio.set_event_loop(asyncio.new_event_loop())
    mocks = Mocks()
    monitor = Recorder(mocks)
    pulumi.runtime.set_mocks(mocks, project="consumer", stack="dev", preview=False, monitor=monitor)
    pulumi.runtime.set_all_config({f"consumer:{k}": v for k, v in config.items()}, ["consumer:sshPrivateKey"])

    @pulumi.runtime.test
    def run():
        runpy.run_path(program, run_name="__main__")

    run()
    import cloudify_pulumi

    print(json.dumps({"library": cloudify_pulumi.__file__, "registrations": monitor.seen}))


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))

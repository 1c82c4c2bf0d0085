"""The harness's engine stores outputs as secrets where the engine does (pulumi/pulumi
`pkg/resource/deploy/step_executor.go`, `sdk/go/common/resource/plugin/rpc.go`): an output named in
`additionalSecretOutputs`, and an output whose input of the same name was sent as a secret. The tests that
look for a secret in plain state are only as good as these two rules.
"""

from __future__ import annotations

import pulumi
from harness import HostMocks, is_secret, run_code, unwrap_secrets


class Echo(pulumi.CustomResource):
    """A resource whose provider returns its inputs as its outputs."""

    def __init__(self, name: str, props: dict, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Echo", name, props, opts)


class PlainProvider(HostMocks):
    """A provider as a real one is: it gets the inputs' values and returns plain values; what is secret in the
    state is the engine's doing."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        return f"{args.name}-id", unwrap_secrets(dict(args.inputs))


def test_an_output_whose_input_was_secret_is_stored_as_a_secret():
    def program() -> None:
        Echo("echo", {"token": pulumi.Output.secret("s3cret"), "label": "plain"})

    run = run_code(program, mocks=PlainProvider())
    state = run.one("test:index:Echo").state
    assert is_secret(state["token"]) and state["token"]["value"] == "s3cret"
    assert state["label"] == "plain"


def test_an_output_named_in_additional_secret_outputs_is_stored_as_a_secret():
    opts = pulumi.ResourceOptions(additional_secret_outputs=["label"])
    run = run_code(lambda: Echo("echo", {"label": "plain", "other": "also plain"}, opts), mocks=PlainProvider())
    state = run.one("test:index:Echo").state
    assert is_secret(state["label"]) and state["label"]["value"] == "plain"
    assert state["other"] == "also plain"

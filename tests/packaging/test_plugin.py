"""The component plugin (plugin/): the schema the SDK generates for CloudifyManager, and `construct` run
in-process under the mocks from wire-like inputs, as the engine would send them from a YAML or TypeScript program.

Both use the SDK's own ComponentProvider (pulumi 3.272.0 `pulumi/provider/experimental/component.py`), which is
what `component_provider_host` in plugin/__main__.py serves.
"""

import ast
import json
import runpy
import typing

import cloudify_pulumi
import harness
import pulumi
import pytest
from cloudify_pulumi import TYPE_TOKEN, CloudifyManager, CloudifyManagerArgs
from cloudify_pulumi.component import plugin_host
from cloudify_pulumi.config.keys import ARGS_FIELDS, INPUT_FIELDS, SETTING_KEYS, STACK_ONLY_KEYS, config_key
from harness import THROWAWAY_KEY, THROWAWAY_MANAGER_SECRET, is_secret, run_code
from pulumi.provider.experimental.component import ComponentProvider

IMAGE = "registry.example.com/cloudify/cloudify-manager:3.2.0"


def provider() -> ComponentProvider:
    return ComponentProvider([plugin_host.CloudifyManager], "cloudify", version=cloudify_pulumi.__version__)


def schema() -> dict:
    return json.loads(provider().schema)


def resource() -> dict:
    return schema()["resources"][TYPE_TOKEN]


def test_the_plugin_hosts_the_component_under_its_type_token_with_the_package_version():
    assert list(schema()["resources"]) == [TYPE_TOKEN]
    assert schema()["name"] == "cloudify" and schema()["version"] == cloudify_pulumi.__version__
    main = (harness.REPO / "plugin" / "__main__.py").read_text()
    assert 'component_provider_host(name="cloudify", components=[CloudifyManager], version=__version__)' in main
    assert (harness.REPO / "plugin" / "PulumiPlugin.yaml").read_text().splitlines()[-1] == "runtime: python"


def test_schema_inputs_are_the_stack_config_keys_with_registry_auth_flattened():
    inputs = resource()["inputProperties"]
    flattened = {"registryServer", "registryUsername", "registryPassword"}
    assert set(inputs) == {config_key(f) for f in ARGS_FIELDS}
    assert set(inputs) - flattened == set(SETTING_KEYS) - STACK_ONLY_KEYS - {"registryAuth"}
    assert resource()["requiredInputs"] == ["appImage", "dataImage"]


def test_every_input_and_output_has_its_docstring_as_description():
    for name, spec in {**resource()["inputProperties"], **resource()["properties"]}.items():
        assert len(spec.get("description", "")) > 10, name


def test_host_like_inputs_accept_outputs_and_graph_shaping_inputs_are_plain():
    inputs = resource()["inputProperties"]
    accepting = {name for name, spec in inputs.items() if not spec.get("plain")}
    assert accepting == {config_key(f) for f in INPUT_FIELDS}


def test_schema_outputs_are_the_component_outputs():
    outputs = resource()["properties"]
    assert set(outputs) == {
        "managerUrl",
        "dockerServerVersion",
        "dataContainerName",
        "dataContainerId",
        "appContainerName",
        "appContainerId",
        "latestBackup",
        "adminPassword",
        "managerCaCert",
        "cliProfile",
    }


def test_the_analysed_modules_have_no_postponed_annotations():
    """The analyzer fails on string annotations ('str' object has no attribute '__mro__')."""
    for module in ("config/args", "component/manager", "component/plugin_host"):
        tree = ast.parse((harness.REPO / "components" / "cloudify_pulumi" / f"{module}.py").read_text())
        futures = [node for node in tree.body if isinstance(node, ast.ImportFrom) and node.module == "__future__"]
        assert not futures, module


WIRE_INPUTS = {
    "appImage": IMAGE,
    "dataImage": IMAGE,
    "sshPort": 2222.0,
    "readinessPort": 80.0,
    "backupsToKeep": 2.0,
    "managerProfile": "cloudify-7",
}


def construct(inputs: dict | typing.Callable[[], dict]) -> dict:
    """What a YAML program's `cloudify:CloudifyManager` does: the engine calls construct with wire values.
    Inputs that hold Outputs are given as a function, so that the Outputs are made inside the program's run."""
    state: dict = {}

    def code():
        given = inputs() if callable(inputs) else inputs
        result = provider().construct("cfy", TYPE_TOKEN, given, pulumi.ResourceOptions())
        return pulumi.Output.all(result.urn, result.state).apply(lambda values: state.update(values[1], urn=values[0]))

    return {"run": run_code(code), "state": state}


def python_path(args: CloudifyManagerArgs) -> harness.Run:
    return run_code(lambda: CloudifyManager("cfy", args))


def test_construct_from_wire_inputs_registers_what_the_python_path_registers():
    wire = construct(
        lambda: {
            **WIRE_INPUTS,
            "host": pulumi.Output.from_input("10.9.0.4"),
            "sshPrivateKey": pulumi.Output.secret(THROWAWAY_KEY),
            "managerSecret": pulumi.Output.secret(THROWAWAY_MANAGER_SECRET),
        }
    )["run"]
    python = python_path(
        {
            "app_image": IMAGE,
            "data_image": IMAGE,
            "ssh_port": 2222,
            "readiness_port": 80,
            "backups_to_keep": 2,
            "manager_profile": "cloudify-7",
            "host": "10.9.0.4",
            "ssh_private_key": THROWAWAY_KEY,
            "manager_secret": THROWAWAY_MANAGER_SECRET,
        }
    )

    def names(run: harness.Run) -> list[tuple[str, str]]:
        return sorted((r.type, r.name) for r in run.registrations)

    assert names(wire) == names(python)
    for registration in python.registrations:
        counterpart = wire.one(registration.type, registration.name)
        assert counterpart.inputs == registration.inputs, registration.name
    assert wire.one("pulumi:providers:docker").inputs["host"] == "ssh://ubuntu@10.9.0.4:2222"


def test_construct_keeps_secrets_secret_though_the_schema_has_no_secret_flag():
    # The engine sends what a YAML program wrote in plain text as a plain string: the component marks it.
    result = construct(
        {
            **WIRE_INPUTS,
            "host": "10.9.0.4",
            "sshPrivateKey": THROWAWAY_KEY,
            "adminPassword": "Adm1n-from-yaml",
            "managerSecret": THROWAWAY_MANAGER_SECRET,
            "registryServer": "registry.example.com",
            "registryUsername": "robot",
            "registryPassword": "registry-pass-from-yaml",
            "dockerHost": "tcp://10.9.0.4:2376",
            "dockerTlsCaCert": "CA PEM",
            "dockerTlsCert": "CERT PEM",
            "dockerTlsKey": "tls-key-from-yaml",
        }
    )
    run = result["run"]
    for step in (r for r in run.registrations if r.type == "command:remote:Command"):
        assert is_secret(step.wire_inputs["connection"]), step.name
    shown = json.dumps(
        [harness.plain_strings(r.wire_inputs) + harness.plain_strings(r.state) for r in run.registrations]
        + [harness.plain_strings(run.outputs)]
    )
    # Provider configuration travels JSON-encoded (pulumi-docker's SDK, `pulumi.runtime.to_json`).
    assert (
        json.loads(run.one("pulumi:providers:docker").inputs["registryAuth"])[0]["password"]
        == "registry-pass-from-yaml"
    )
    assert run.one("pulumi:providers:docker").inputs["keyMaterial"] == "tls-key-from-yaml"
    for secret in (
        THROWAWAY_MANAGER_SECRET,
        "Adm1n-from-yaml",
        "PRIVATE KEY",
        "registry-pass-from-yaml",
        "tls-key-from-yaml",
    ):
        assert secret not in shown
    assert is_secret(run.outputs[result["state"]["urn"]]["adminPassword"])


def test_construct_reports_a_bad_wire_value_with_the_settings_message():
    with pytest.raises(Exception, match=r"sshPort: must be between 1 and 65535, got 70000"):
        construct({**WIRE_INPUTS, "host": "10.9.0.4", "sshPrivateKey": THROWAWAY_KEY, "sshPort": 70000.0})


def test_the_plugin_entry_point_imports_the_component_it_hosts():
    namespace = runpy.run_path(str(harness.REPO / "plugin" / "__main__.py"), run_name="plugin")
    assert namespace["CloudifyManager"] is plugin_host.CloudifyManager


def test_one_contract_takes_a_port_that_is_an_output_from_another_language_as_a_whole_number():
    """One `CloudifyManagerArgs` for Python programs and the plugin: a whole number that may be an Output is a
    `number` (`float`, which a Python `int` is too), since the SDK's `int()` of an Output integer input fails
    (pulumi 3.272.0 provider/experimental/component.py); `2222.0` reaches the host as 2222."""
    assert "float" in str(CloudifyManagerArgs.__annotations__["ssh_port"])
    assert typing.get_type_hints(plugin_host.CloudifyManager.__init__)["args"] is CloudifyManagerArgs
    assert resource()["inputProperties"]["sshPort"]["type"] == "number"
    assert resource()["inputProperties"]["readinessPort"]["type"] == "integer"
    wire = construct(
        lambda: {
            **WIRE_INPUTS,
            "host": "10.9.0.4",
            "sshPrivateKey": THROWAWAY_KEY,
            "sshPort": pulumi.Output.from_input(2222.0),
        }
    )["run"]
    assert wire.one("pulumi:providers:docker").inputs["host"] == "ssh://ubuntu@10.9.0.4:2222"

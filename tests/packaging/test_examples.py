"""examples/: the Python program that makes its own host and bootstraps the manager onto the host's Output
address, under the mocks and on the test bed; the YAML program against the plugin's schema."""

import harness
import yaml
from harness import render_example
from test_plugin import resource

IMAGE = "registry.example.com/cloudify/cloudify-manager:3.2.0"


def test_every_host_step_and_the_provider_depend_on_the_created_host():
    run = render_example("10.88.0.5")
    host = run.one("docker:index/container:Container", "ssh-host")
    steps = [r for r in run.registrations if r.type == "command:remote:Command"]
    assert steps
    for step in steps:
        assert step.inputs["connection"]["host"] == "10.88.0.5"
        assert host.urn in step.dependencies, step.name
    provider = run.one("pulumi:providers:docker", "cfy-docker")
    assert provider.inputs["host"] == "ssh://root@10.88.0.5:22"
    assert host.urn in provider.dependencies


def test_the_yaml_example_uses_only_inputs_and_outputs_of_the_plugin_schema():
    program = yaml.safe_load((harness.REPO / "examples" / "yaml" / "Pulumi.yaml").read_text())
    assert program["packages"] == {"cloudify": "../../plugin"}
    manager = program["resources"]["manager"]
    assert manager["type"] == "cloudify:CloudifyManager"
    assert set(manager["properties"]) <= set(resource()["inputProperties"])
    used = {value.split(".")[1].rstrip("}") for value in program["outputs"].values()}
    assert used <= set(resource()["properties"])

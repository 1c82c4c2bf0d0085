"""examples/: the Python program that makes its own host and bootstraps the manager onto the host's Output
address, under the mocks and on the test bed; the YAML program against the plugin's schema."""

import harness
import pytest
import yaml
from connhelper import ping, provider_address
from harness import THROWAWAY_KEY, HostMocks, run_program
from test_plugin import resource

EXAMPLE = harness.REPO / "examples" / "python" / "__main__.py"
IMAGE = "registry.example.com/cloudify/cloudify-manager:3.2.0"


def render_example(address: str, key: str = THROWAWAY_KEY, **config: str) -> harness.Run:
    mocks = HostMocks()
    mocks.addresses["ssh-host"] = address
    settings = {
        "sshHostImage": "example/sshd-docker:1",
        "sshPublicKey": "ssh-ed25519 AAAAexample",
        "appImage": IMAGE,
        "dataImage": IMAGE,
        **config,
    }
    return run_program(settings, secrets={"sshPrivateKey": key}, mocks=mocks, program_file=EXAMPLE)


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


@pytest.mark.hosts
def test_on_the_test_bed_the_declared_steps_reach_the_address_the_created_host_resolves_to(make_host, engine):
    host = make_host("example-host", with_engine=True, docker_group=True)
    run = render_example(host.address, key=host.key.read_text(), sshUser=host.user, sshPort=str(host.port))
    step = host.ssh(run.one("command:remote:Command", "cfy-docker-engine").inputs["create"])
    assert step.returncode == 0, step.stderr
    result = ping(*provider_address(run.one("pulumi:providers:docker").inputs))
    assert result.answered_ok, result.stderr
    assert run.one("pulumi:providers:docker").inputs["host"] == f"ssh://{host.user}@{host.address}:{host.port}"

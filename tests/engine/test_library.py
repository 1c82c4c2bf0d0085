"""CloudifyManager as a library (issue 12): a host that is another resource's Output, validation of plain values
up front and of Outputs once known, whole-number floats, secrets kept secret whatever form they came in."""

import dataclasses
import json

import harness
import pulumi
import pulumi_docker as docker
import pytest
from cloudify_pulumi import CloudifyManager, CloudifyManagerArgs, ConfigError
from cloudify_pulumi.config.keys import INPUT_FIELDS
from cloudify_pulumi.config.model import HostSettings, ManagerPlan
from cloudify_pulumi.host.docker_endpoint import SshIdentity
from harness import THROWAWAY_KEY, THROWAWAY_MANAGER_SECRET, HostMocks, is_secret, run_code, run_program, stack_config

IMAGE = "registry.example.com/cloudify/cloudify-manager:3.2.0"
VM_ADDRESS = "10.44.0.7"
HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILibraryTestHostKey"


def manager_on_a_vm(**fields) -> dict:
    """A program that creates its host (a container standing in for a VM) and bootstraps the manager onto the
    host's Output address."""
    made: dict = {}

    def program():
        vm = docker.Container("vm", image="example/vm:1", name="vm")
        made["vm"] = vm
        args: CloudifyManagerArgs = {
            "host": vm.network_datas.apply(lambda networks: networks[0].ip_address),
            "ssh_private_key": pulumi.Output.secret(THROWAWAY_KEY),
            "app_image": IMAGE,
            "data_image": IMAGE,
            **fields,
        }
        made["manager"] = CloudifyManager("cfy", args)

    return {"code": program, "made": made}


def run_on_vm(preview: bool = False, **fields) -> harness.Run:
    mocks = HostMocks()
    mocks.addresses["vm"] = VM_ADDRESS
    return run_code(manager_on_a_vm(**fields)["code"], mocks=mocks, preview=preview)


def wire_text(run: harness.Run) -> str:
    return json.dumps([[r.wire_inputs, r.state] for r in run.registrations] + [run.outputs])


def test_an_output_host_reaches_every_host_step_the_provider_and_the_manager_url():
    run = run_on_vm(ssh_port=2222.0, ssh_host_key=HOST_KEY)
    vm = run.one("docker:index/container:Container", "vm")
    commands = [r for r in run.registrations if r.type == "command:remote:Command"]
    assert {c.name for c in commands} == {
        "cfy-scripts",
        "cfy-docker-engine",
        "cfy-backup",
        "cfy-ready",
        "cfy-bootstrap-context",
        "cfy-prune-backups",
    }
    for step in commands:
        assert step.inputs["connection"]["host"] == VM_ADDRESS
        assert step.inputs["connection"]["port"] == 2222
        assert vm.urn in step.property_dependencies["connection"], step.name
    provider = run.one("pulumi:providers:docker")
    assert provider.inputs["host"] == f"ssh://ubuntu@{VM_ADDRESS}:2222"
    assert vm.urn in provider.property_dependencies["host"]
    assert run.manager_outputs["managerUrl"] == f"http://{VM_ADDRESS}"
    identity = SshIdentity.for_stack(harness.PROJECT, harness.DEFAULT_STACK, "cfy")
    known_hosts = identity.local_path(identity.known_hosts_file).read_text()
    assert known_hosts == f"[{VM_ADDRESS}]:2222 {HOST_KEY}\n"


def test_the_plan_the_graph_is_built_from_holds_no_setting_that_may_be_an_output():
    """Nothing can stand in for a pending Output: the graph's shape is read from a type without those fields."""
    plan_fields = {field.name for field in dataclasses.fields(ManagerPlan)}
    assert plan_fields & INPUT_FIELDS == set()
    assert {"host", "ssh_user", "ssh_port", "management_ip", "hostname", "docker_host"} <= {
        field.name for field in dataclasses.fields(HostSettings)
    }


def test_settings_given_as_outputs_reach_the_resources_once_known():
    run = run_on_vm(
        ssh_user=pulumi.Output.from_input("admin"),
        management_ip=pulumi.Output.from_input("10.44.0.8"),
        hostname=pulumi.Output.from_input("cfy-one"),
        ssh_host_key=pulumi.Output.from_input(HOST_KEY),
    )
    app = run.one("docker:index/container:Container", "cfy-app")
    assert app.inputs["hostname"] == "cfy-one"
    assert "MANAGEMENT_IP=10.44.0.8" in app.inputs["envs"]
    assert run.one("command:remote:Command", "cfy-ready").inputs["connection"]["user"] == "admin"


def test_a_first_preview_with_an_unknown_host_leaves_the_connection_unknown_and_registers_the_same_resources():
    up = run_on_vm()
    preview = run_on_vm(preview=True)
    assert sorted((r.type, r.name) for r in preview.registrations) == sorted((r.type, r.name) for r in up.registrations)
    for step in (r for r in preview.registrations if r.type == "command:remote:Command"):
        assert step.inputs["connection"] == harness.rpc.UNKNOWN, f"{step.name} connects before the host is known"


def test_an_output_host_that_is_no_address_fails_with_the_settings_message_before_any_host_step():
    def program():
        CloudifyManager(
            "cfy",
            {
                "host": pulumi.Output.from_input("not a host!"),
                "ssh_private_key": THROWAWAY_KEY,
                "app_image": IMAGE,
                "data_image": IMAGE,
            },
        )

    with pytest.raises(ConfigError, match=r"host: 'not a host!' must be a host name, an IPv4 address or an IPv6"):
        run_code(program)
    registered = harness.last_registrations()
    assert not [r for r in registered if r.type.startswith(("command:", "docker:", "pulumi:providers:"))]


def test_plain_values_are_judged_at_once_all_problems_together_before_anything_is_registered():
    def program():
        CloudifyManager(
            "cfy",
            {
                "host": pulumi.Output.from_input("10.0.0.1"),
                "ssh_private_key": THROWAWAY_KEY,
                "app_image": "cloudify:latest",
                "data_image": IMAGE,
                "ports": ["80", "80"],
                "app_imge": IMAGE,
            },
        )

    with pytest.raises(ConfigError) as failure:
        run_code(program)
    assert [p.split(":")[0] for p in failure.value.problems] == ["app_imge", "appImage", "ports"]
    assert not harness.last_registrations()


def test_whole_number_floats_are_read_as_integers_and_never_printed_as_floats():
    run = run_on_vm(ssh_port=2222.0, readiness_port=8080.0, ports=["8080:80"], backups_to_keep=2.0)
    assert run.one("pulumi:providers:docker").inputs["host"] == f"ssh://ubuntu@{VM_ADDRESS}:2222"
    assert run.manager_outputs["managerUrl"] == f"http://{VM_ADDRESS}:8080"
    # Numbers travel as doubles on the wire; what must never show a float is any text: addresses, scripts, URLs.
    texts = [text for r in run.registrations for text in harness.plain_strings(harness.unwrap_secrets(r.wire_inputs))]
    floats = ("2222.0", "8080.0", " 2.0", "'2.0'")
    assert texts and not [text for text in texts if any(f in text for f in floats)]


def test_secrets_given_as_plain_strings_are_kept_secret():
    run = run_code(
        lambda: CloudifyManager(
            "cfy",
            {
                "host": "10.0.0.1",
                "ssh_private_key": THROWAWAY_KEY,
                "app_image": IMAGE,
                "data_image": IMAGE,
                "manager_profile": "cloudify-7",
                "admin_password": "Adm1n-plain-string",
                "manager_secret": THROWAWAY_MANAGER_SECRET,
                "registry_server": "registry.example.com",
                "registry_username": "robot",
                "registry_password": "registry-plain-string",
                "docker_host": "tcp://10.0.0.1:2376",
                "docker_tls_ca_cert": "CA PEM",
                "docker_tls_cert": "CERT PEM",
                "docker_tls_key": "tls-key-plain-string",
            },
        )
    )
    for step in (r for r in run.registrations if r.type == "command:remote:Command"):
        assert is_secret(step.wire_inputs["connection"]), step.name
    provider = run.one("pulumi:providers:docker").inputs
    assert provider["keyMaterial"] == "tls-key-plain-string" and "registry-plain-string" in provider["registryAuth"]
    text = json.dumps(
        [harness.plain_strings(r.wire_inputs) + harness.plain_strings(r.state) for r in run.registrations]
        + [harness.plain_strings(run.outputs)]
    )
    for secret in (
        "Adm1n-plain-string",
        THROWAWAY_MANAGER_SECRET,
        "PRIVATE KEY",
        "registry-plain-string",
        "tls-key-plain-string",
    ):
        assert secret not in text


@pytest.mark.parametrize(
    ("docker_host", "sent"), [("tcp://10.0.0.1:2376", True), ("ssh://ubuntu@10.0.0.1", False), (None, False)]
)
def test_tls_material_reaches_the_provider_only_for_a_tcp_docker_host(docker_host, sent):
    tls = {"docker_tls_ca_cert": "CA PEM", "docker_tls_cert": "CERT PEM", "docker_tls_key": "tls-key"}
    run = run_code(
        lambda: CloudifyManager(
            "cfy",
            {
                "host": "10.0.0.1",
                "ssh_private_key": THROWAWAY_KEY,
                "app_image": IMAGE,
                "data_image": IMAGE,
                **tls,
                **({"docker_host": docker_host} if docker_host else {}),
            },
        )
    )
    provider = run.one("pulumi:providers:docker").inputs
    materials = {key: provider.get(key) for key in ("caMaterial", "certMaterial", "keyMaterial")}
    assert materials == (
        {"caMaterial": "CA PEM", "certMaterial": "CERT PEM", "keyMaterial": "tls-key"}
        if sent
        else {"caMaterial": None, "certMaterial": None, "keyMaterial": None}
    )


def test_an_output_manager_secret_that_is_too_short_fails_without_showing_it():
    def program():
        CloudifyManager(
            "cfy",
            {
                "host": "10.0.0.1",
                "ssh_private_key": THROWAWAY_KEY,
                "app_image": IMAGE,
                "data_image": IMAGE,
                "manager_profile": "cloudify-7",
                "manager_secret": pulumi.Output.from_input("short-secret"),
            },
        )

    with pytest.raises(ConfigError, match="managerSecret: must be at least 32 characters") as failure:
        run_code(program)
    assert "short-secret" not in str(failure.value)


def test_stack_text_is_typed_only_where_the_setting_is_typed():
    """Stack configuration is text; the stack path types it for the args (numbers, booleans, JSON) only where
    the field has that type. A string setting that looks like a number stays the text it is, and a boolean
    that is neither true nor false is refused (the whole stack is judged as text first), not read as false."""
    run = run_program(
        {**stack_config("prod"), "hostname": "0123", "namePrefix": "1e3"}, secrets={"sshPrivateKey": THROWAWAY_KEY}
    )
    app = run.one("docker:index/container:Container", "-app")
    assert app.inputs["name"] == "1e3-manager" and app.inputs["hostname"] == "0123"
    with pytest.raises(ConfigError) as error:
        run_program({**stack_config("prod"), "useSudo": "yes"}, secrets={"sshPrivateKey": THROWAWAY_KEY})
    assert [problem.split(":", 1)[0] for problem in error.value.problems] == ["useSudo"]

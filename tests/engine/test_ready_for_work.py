"""A manager ready for work (issue 25): what the engine is asked for.

- cloudify-3.2's bootstrap context, as cloudify-cli 3.2 `bootstrap/tasks.py` `_upload_provider_context` posts it,
  with the defaults of cloudify-manager-blueprints 3.2 `simple/simple-manager-blueprint.yaml` written out here
  by hand (not computed from the code under test);
- the agents' key, on stdin only;
- cloudify-7's `managerConfig`, `licenseFile`, `memoryLimit` and `cpus`; config.yaml read back as cfy_manager
  reads it (ruamel.yaml, merged over the image's defaults: `upstream_load`);
- the `cliProfile` output.
The steps themselves, on a host against a stand-in REST service: hosts/test_ready_for_work_hosts.py.
"""

from __future__ import annotations

import json
import shlex

import pytest
from cloudify_pulumi.cloudify import operator_config
from cloudify_pulumi.config.rules import ConfigError
from cloudify_pulumi.host.docker_resources import REPLACEMENT_KEY_ENV
from harness import (
    THROWAWAY_ADMIN_PASSWORD,
    Run,
    is_secret,
    plain_strings,
    run_program,
    script_arguments,
    stack_config,
    stack_secrets,
)

from engine.test_cloudify7_upstream import upstream_load, upstream_merge

PROD = stack_config("prod")  # cloudify-3.2 on manager.example.com
SEVEN = {**PROD, "managerProfile": "cloudify-7"}
AGENT_KEY = "-----BEGIN RSA PRIVATE KEY-----\nYWdlbnRzIGtleSB0aHJvd2F3YXk=\n-----END RSA PRIVATE KEY-----\n"
LICENCE = "license:\n  customer_id: THROWAWAY\n  signature: dGhyb3dhd2F5\n"
SIMPLE_BLUEPRINT_3_2 = {  # simple-manager-blueprint.yaml 3.2, node `manager`, `cloudify` properties
    "resources_prefix": "",
    "cloudify_agent": {"user": "ubuntu", "remote_execution_port": 22, "min_workers": 0, "max_workers": 5},
    "workflows": {"task_retries": -1, "task_retry_interval": 30},
    "policy_engine": {"start_timeout": 30},
}


def render(config: dict[str, str], **secrets: str) -> Run:
    return run_program(config, secrets={**stack_secrets(config), **secrets})


def problems(config: dict[str, str], **secrets: str) -> list[str]:
    with pytest.raises(ConfigError) as error:
        render(config, **secrets)
    return error.value.problems


def step(run: Run, suffix: str):  # type: ignore[no-untyped-def]
    return run.one("command:remote:Command", suffix)


def context_body(run: Run) -> dict:
    script, words = script_arguments(step(run, "-bootstrap-context").inputs["create"])
    assert script == "bootstrap_context.sh" and words[1:3] == ["cloudify-manager", "8101"], words
    return json.loads(words[3])


def config_yaml(run: Run) -> dict:
    return upstream_load(step(run, "-manager-config").inputs["stdin"])


def replacement_key(run: Run) -> str:
    envs = run.one("docker:index/container:Container", "-app").inputs["envs"]
    return next(e for e in envs if e.startswith(REPLACEMENT_KEY_ENV))


# -- cloudify-3.2: the bootstrap context -------------------------------------------------------------------------


def test_a_cloudify_3_2_manager_uploads_the_simple_blueprints_context_once_it_answers():
    run = render(PROD)
    cloudify = dict(SIMPLE_BLUEPRINT_3_2)
    cloudify["cloudify_agent"] = {**cloudify["cloudify_agent"], "agent_key_path": None}
    assert context_body(run) == {"name": "provider", "context": {"cloudify": cloudify}}
    assert step(run, "-ready").urn in step(run, "-bootstrap-context").dependencies
    assert "agent-key" not in " ".join(r.name for r in run.registrations), "no key set, none placed"


def test_each_context_setting_reaches_its_section_and_the_others_keep_their_defaults():
    config = {
        **PROD,
        "cloudifyAgent": json.dumps({"user": "centos", "max_workers": 8}),
        "workflows": json.dumps({"task_retries": 5}),
        "policyEngine": json.dumps({"start_timeout": 90}),
        "resourcesPrefix": "prod-",
    }
    cloudify = context_body(render(config))["context"]["cloudify"]
    assert cloudify["cloudify_agent"] == {
        "user": "centos",
        "remote_execution_port": 22,
        "min_workers": 0,
        "max_workers": 8,
        "agent_key_path": None,
    }
    assert cloudify["workflows"] == {"task_retries": 5, "task_retry_interval": 30}
    assert cloudify["policy_engine"] == {"start_timeout": 90}
    assert cloudify["resources_prefix"] == "prod-"


def test_an_unchanged_up_gives_the_context_step_the_same_inputs_and_a_change_only_its_command():
    first, second = render(PROD), render(PROD)
    assert step(first, "-bootstrap-context").inputs == step(second, "-bootstrap-context").inputs
    changed = step(render({**PROD, "workflows": '{"task_retries": 3}'}), "-bootstrap-context").inputs
    assert changed["create"] != step(first, "-bootstrap-context").inputs["create"]
    assert changed["triggers"] == step(first, "-bootstrap-context").inputs["triggers"], "no replacement"


def test_a_manager_of_another_profile_has_no_context_step_and_refuses_its_settings():
    run = render(SEVEN)
    assert not [r for r in run.registrations if r.name.endswith("-bootstrap-context")]
    found = problems({**SEVEN, "workflows": '{"task_retries": 3}'})
    assert any(p.startswith("workflows") and "cloudify-3.2 setting" in p for p in found), found


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("cloudifyAgent", '{"min_workers": 6}', "min_workers (6) must not be greater than max_workers (5)"),
        ("cloudifyAgent", '{"user": "root; rm -rf /"}', "must be a user name"),
        ("cloudifyAgent", '{"agent_key_path": "/tmp/k"}', "unknown key 'agent_key_path'"),
        ("cloudifyAgent", '{"remote_execution_port": 0}', "remote_execution_port must be between 1 and 65535"),
        ("workflows", '{"task_retries": "many"}', "task_retries must be a whole number"),
        ("policyEngine", '{"start_timeout": 0}', "start_timeout must be between 1 and 3600"),
        ("resourcesPrefix", "a b", "must not contain white space"),
    ],
)
def test_a_bad_context_value_is_refused_naming_the_setting(key, value, message):
    found = problems({**PROD, key: value})
    assert any(p.startswith(key) and message in p for p in found), found


# -- the agents' key ----------------------------------------------------------------------------------------------


def test_cloudify_3_2_places_the_key_from_stdin_where_the_context_names_it_before_uploading_it():
    run = render(PROD, agentPrivateKey=AGENT_KEY)
    key_step = step(run, "-agent-key")
    assert script_arguments(key_step.inputs["create"]) == (
        "agent_key.sh",
        ["true", "cloudify-manager", "/root/.ssh/agent_key.pem"],
    )
    assert key_step.inputs["stdin"] == AGENT_KEY and is_secret(key_step.wire_inputs["stdin"])
    assert step(run, "-ready").urn in key_step.dependencies
    assert key_step.urn in step(run, "-bootstrap-context").dependencies, "the context names a key already there"
    assert context_body(run)["context"]["cloudify"]["cloudify_agent"]["agent_key_path"] == "/root/.ssh/agent_key.pem"
    assert key_step.inputs["triggers"] == step(run, "-agent-packages").inputs["triggers"], "again on replacement"
    for registration in run.registrations:
        assert not any("YWdlbnRzIGtleSB0aHJvd2F3YXk" in s for s in plain_strings(registration.wire_inputs))
        assert not any("YWdlbnRzIGtleSB0aHJvd2F3YXk" in s for s in plain_strings(registration.state))


def test_cloudify_7_stores_the_key_as_the_manager_secret_agent_key_with_everything_secret_on_stdin():
    run = render(SEVEN, agentPrivateKey=AGENT_KEY)
    key_step = step(run, "-agent-key")
    script, words = script_arguments(key_step.inputs["create"])
    assert script == "manager_secret.sh"
    assert words == ["true", "cloudify-manager", "443", "agent_key", "127.0.0.1", "10.0.0.10", INTERNAL_CA]
    assert is_secret(key_step.wire_inputs["stdin"])
    config = dict(shlex.split(line.replace(" = ", " ", 1)) for line in key_step.inputs["stdin"].splitlines())
    assert config["user"] == f"admin:{THROWAWAY_ADMIN_PASSWORD}"
    assert json.loads(config["data-binary"]) == {
        "value": AGENT_KEY,
        "update_if_exists": True,
        "is_hidden_value": True,
        "visibility": "tenant",
    }, "secrets.py SecretsKey.put: created, or updated when it exists"
    assert AGENT_KEY not in key_step.inputs["create"]


INTERNAL_CA = "/etc/cloudify/ssl/cloudify_internal_ca_cert.pem"


# -- cloudify-7: managerConfig, licenseFile, memoryLimit, cpus ------------------------------------------------------


def test_manager_config_is_merged_into_config_yaml_as_cfy_manager_reads_it():
    extra = {
        "postgresql_client": {"host": "db.example.com", "ssl_enabled": True},
        "manager": {"file_server_type": "s3"},
    }
    document = config_yaml(render({**SEVEN, "managerConfig": json.dumps(extra)}))
    assert document["postgresql_client"] == {"host": "db.example.com", "ssl_enabled": True}
    assert document["manager"]["file_server_type"] == "s3"
    assert document["manager"]["private_ip"] == "10.0.0.10", "the generated keys are kept beside it"
    assert document["validations"] == {"skip_validations": True}


def test_manager_config_is_merged_key_by_key_over_the_images_defaults():
    """cfy_manager's own merge (`upstream_merge`) of the written config.yaml over an excerpt of the image's
    config.yaml (lines 405-420): a key set in a nested map leaves its sibling defaults."""
    defaults = {"restservice": {"gunicorn": {"worker_count": 0, "cpu_ratio": 2.0, "max_worker_count": 12}}}
    text = step(
        render({**SEVEN, "managerConfig": '{"restservice": {"gunicorn": {"max_worker_count": 6}}}'}), "-manager-config"
    )
    merged = upstream_merge(defaults, text.inputs["stdin"])
    assert merged["restservice"]["gunicorn"] == {"worker_count": 0, "cpu_ratio": 2.0, "max_worker_count": 6}


@pytest.mark.parametrize(
    ("extra", "owner"),
    [
        ({"manager": {"hostname": "x"}}, "hostname"),
        ({"manager": {"private_ip": "10.9.9.9"}}, "managementIp"),
        ({"manager": {"security": {"admin_password": "x"}}}, "adminPassword and managerTls"),
        ({"manager": {"cloudify_license_path": "/x"}}, "licenseFile"),
        ({"rabbitmq": {"password": "x"}}, "brokerPassword"),
        ({"flask_security": {"secret_key": "x"}}, "managerSecret"),
        ({"ssl_inputs": {}}, "managerTlsCert"),
        ({"services_to_install": ["queue_service"]}, "managerProfile"),
        ({"validations": {"skip_validations": False}}, "the program"),
        ({"manager": "replaced"}, "hostname"),
    ],
)
def test_a_key_the_program_owns_is_refused_naming_the_setting_that_owns_it(extra, owner):
    found = problems({**SEVEN, "managerConfig": json.dumps(extra)})
    assert any(p.startswith("managerConfig") and f"is set by {owner}" in p for p in found), found


def test_a_licence_is_written_from_stdin_mounted_read_only_and_named_in_config_yaml():
    run = render(SEVEN, licenseFile=LICENCE)
    licence = step(run, "-license")
    assert licence.inputs["stdin"] == LICENCE and is_secret(licence.wire_inputs["stdin"])
    assert script_arguments(licence.inputs["create"])[0] == "write_manager_config.sh"
    assert script_arguments(licence.inputs["create"])[1][-1] == "cloudify-license.yaml"
    assert config_yaml(run)["manager"]["cloudify_license_path"] == operator_config.LICENSE_TARGET
    mounts = run.one("docker:index/container:Container", "-app").inputs["mounts"]
    (mount,) = [m for m in mounts if m["target"] == operator_config.LICENSE_TARGET]
    assert mount["type"] == "bind" and mount["readOnly"] is True
    assert mount["source"].endswith("/cloudify-license.yaml")
    assert replacement_key(run) != replacement_key(render(SEVEN)), "configure uploads it on the next start"


def test_a_licence_or_manager_config_on_cloudify_3_2_is_refused():
    assert any(p.startswith("licenseFile") for p in problems(PROD, licenseFile=LICENCE))
    assert any(p.startswith("managerConfig") for p in problems({**PROD, "managerConfig": '{"a": 1}'}))


def test_a_memory_limit_is_declared_without_swap_and_applied_without_a_replacement():
    run = render({**SEVEN, "memoryLimit": "4096"})
    app = run.one("docker:index/container:Container", "-app").inputs
    assert (app["memory"], app["memorySwap"]) == (4096, 4096)
    assert replacement_key(run) == replacement_key(render({**SEVEN, "memoryLimit": "8192"}))


def test_a_memory_limit_below_cloudifys_minimum_is_refused():
    found = problems({**SEVEN, "memoryLimit": "1837"})
    assert any(p.startswith("memoryLimit") and "1838 MB" in p for p in found), found
    render({**SEVEN, "memoryLimit": "1838"})


@pytest.mark.parametrize(
    ("given", "declared", "rest", "api"), [("2", "2.0", 5, 1), ("1.5", "1.5", 5, 1), ("8", "8.0", 12, 2)]
)
def test_cpus_are_declared_as_the_provider_reads_them_back_and_size_the_workers(given, declared, rest, api):
    """The worker counts: restservice.py `_calculate_worker_count` (7.0.4 lines 186-196), min(int(n * ratio) + 1,
    max) with config.yaml's ratios and maxima (lines 410-420, 450-458), for n the CPUs allowed, rounded up."""
    run = render({**SEVEN, "cpus": given})
    assert run.one("docker:index/container:Container", "-app").inputs["cpus"] == declared
    document = config_yaml(run)
    assert document["restservice"]["gunicorn"]["worker_count"] == rest
    assert document["api"]["gunicorn"]["worker_count"] == api
    assert replacement_key(run) != replacement_key(render(SEVEN)), "cpus forces a new container"


def test_cpus_the_user_sized_workers_for_are_left_alone():
    extra = '{"restservice": {"gunicorn": {"worker_count": 3}}}'
    document = config_yaml(render({**SEVEN, "cpus": "8", "managerConfig": extra}))
    assert document["restservice"]["gunicorn"]["worker_count"] == 3


@pytest.mark.parametrize("given", ["0", "-1", "many", "1.0000000001", "2000", "100.25"])
def test_cpus_that_docker_refuses_or_reads_back_as_another_value_are_refused(given):
    assert any(p.startswith("cpus") for p in problems({**SEVEN, "cpus": given}))


@pytest.mark.parametrize(
    ("nanos", "text"),
    [
        (2_000_000_000, "2.0"),
        (1_500_000_000, "1.5"),
        (250_000_000, "0.25"),
        (10_000_000_000, "10."),
        (100_250_000_000, "100.3"),
    ],
)
def test_the_cpus_read_back_mirrors_the_providers_decimal_string(nanos, text):
    """kreuzwerker v4.5.0 helpers.go `nanoInt64ToDecimalString` (133-149), by hand: FloatString(9), then
    FloatString(1) when the text holds nine zeros, else trailing zeros cut."""
    assert operator_config.read_back_cpus(nanos) == text


# -- the CLI profile ----------------------------------------------------------------------------------------------


def profile(run: Run) -> str:
    value = run.manager_outputs["cliProfile"]
    assert is_secret(value), "it holds the admin password"
    return value["value"]


CREDENTIALS = f"export CLOUDIFY_USERNAME=admin CLOUDIFY_PASSWORD={THROWAWAY_ADMIN_PASSWORD}"


def test_the_cli_profile_of_a_cloudify_7_manager_over_tls_trusts_the_managers_ca():
    text = profile(render(SEVEN))
    write_ca, credentials, command = text.rsplit("\n", 3)[:3]
    assert write_ca.startswith("umask 077\ncat > cloudify-ca.pem <<'CLOUDIFY_CA'\n-----BEGIN CERTIFICATE-----")
    assert shlex.split(credentials) == shlex.split(CREDENTIALS), "the credentials in the environment"
    assert shlex.split(command) == [
        "cfy", "profiles", "use", "10.0.0.10", "-t", "default_tenant", "--rest-port", "443", "--ssl",
        "-c", "cloudify-ca.pem",
    ]  # fmt: skip


def test_the_cli_profile_of_a_local_cloudify_7_manager_is_plain_http_on_loopback():
    credentials, command = profile(render(stack_config("dev"))).splitlines()
    assert shlex.split(credentials) == shlex.split(CREDENTIALS)
    assert shlex.split(command) == [
        "cfy", "profiles", "use", "127.0.0.1", "-t", "default_tenant", "--rest-port", "80",
    ]  # fmt: skip


def test_the_admin_password_is_on_no_command_line_of_the_cli_profile():
    """`pulumi stack output cliProfile --show-secrets | sh` would put a `-p <password>` in `ps` on the operator's
    machine; it is exported to cfy's environment instead (the real cfy: tests/hosts/test_cli_profile_hosts.py)."""
    for config in (SEVEN, stack_config("dev")):
        lines = profile(render(config)).splitlines()
        commands = [line for line in lines if line.startswith("cfy ")]
        assert commands and not any(THROWAWAY_ADMIN_PASSWORD in line for line in commands)
        assert "-p" not in shlex.split(commands[0]) and "-u" not in shlex.split(commands[0])


def test_the_cli_profile_of_a_cloudify_3_2_manager_is_cfy_use_on_the_address_its_api_is_published_on():
    """3.2's API has no login, so it is on the management address unless publicAddress says otherwise."""
    assert shlex.split(profile(render(PROD))) == ["cfy", "use", "-t", "10.0.0.10", "--port", "80"]
    public = shlex.split(profile(render({**PROD, "publicAddress": "0.0.0.0"})))
    assert public == ["cfy", "use", "-t", "manager.example.com", "--port", "80"]

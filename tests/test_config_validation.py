"""Bad configuration fails before any resource is registered, with one message per problem."""

from __future__ import annotations

import json

import pytest
from harness import last_registrations, run_program, stack_config

from components.settings import ConfigError, parse_settings

GOOD = {"appImage": "cloudify/manager:3.2.0", "dataImage": "cloudify/manager:3.2.0"}


def problems_for(raw: dict[str, str | None], *, has_private_key: bool = False) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, has_private_key=has_private_key, has_ssh_agent=False)
    return error.value.problems


def only_problem(raw: dict[str, str | None], **kwargs: bool) -> str:
    problems = problems_for(raw, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize("reference", [
    "Cloudify/Manager:3.2",          # upper case repository
    "cloudify manager:3.2",          # space
    "cloudify/manager:3.2;rm -rf /", # command separator
    "cloudify/manager:$(touch /tmp/pwned)",
    "cloudify/manager:`id`",
    "cloudify/manager:'3.2'",
])
def test_malformed_image_reference_is_rejected_naming_the_key(reference):
    message = only_problem({**GOOD, "appImage": reference})
    assert message.startswith("appImage:") and "not a valid Docker image reference" in message


@pytest.mark.parametrize("reference", ["cloudify/manager", "cloudify/manager:latest"])
def test_unpinned_image_is_rejected(reference):
    assert "must pin a tag or digest" in only_problem({**GOOD, "dataImage": reference})


def test_digest_and_registry_port_references_are_accepted():
    settings = parse_settings({"appImage": "registry.local:5000/cfy/manager@sha256:" + "a" * 64,
                               "dataImage": "registry.local:5000/cfy/manager:3.2.0-ga"},
                              has_private_key=False, has_ssh_agent=False)
    assert settings.app_image.endswith("a" * 64)


def test_missing_data_image_while_app_image_is_set_is_explained():
    message = only_problem({"appImage": "cloudify/manager:3.2.0"})
    assert message.startswith("dataImage: is required") and "never follows appImage" in message


@pytest.mark.parametrize(("ports", "expected"), [
    ([80, 70000], "70000 is out of range"),
    ([0], "0 is out of range"),
    ([80, 8080, 80], "host port 80 is published more than once"),
    (["8080:80", 8080], "host port 8080 is published more than once"),
    (["http"], "must be a port number or 'hostPort:containerPort'"),
])
def test_bad_ports_are_rejected(ports, expected):
    message = only_problem({**GOOD, "ports": json.dumps(ports)})
    assert message.startswith("ports:") and expected in message


def test_port_mappings_publish_host_port_to_container_port():
    settings = parse_settings({**GOOD, "ports": json.dumps(["8080:80", 443])}, has_private_key=False,
                              has_ssh_agent=False)
    assert [(p.host, p.container) for p in settings.ports] == [(8080, 80), (443, 443)]


def test_relative_volume_path_is_rejected():
    message = only_problem({**GOOD, "volumePaths": json.dumps(["/root", "var/log/cloudify"])})
    assert message.startswith("volumePaths:") and "'var/log/cloudify' must be an absolute" in message


def test_host_without_ssh_credential_is_rejected_with_the_fix():
    message = only_problem({**GOOD, "host": "10.0.0.5"})
    assert message.startswith("sshPrivateKey:") and "pulumi config set --secret sshPrivateKey" in message


def test_host_with_an_ssh_agent_needs_no_key():
    settings = parse_settings({**GOOD, "host": "10.0.0.5"}, has_private_key=False, has_ssh_agent=True)
    assert settings.is_remote and settings.use_sudo, "a non-root user gets sudo by default"


@pytest.mark.parametrize("url", ["ftp://mirror/agent.deb", "file:///tmp/agent.deb", "/tmp/agent.deb"])
def test_agent_url_that_is_not_http_is_rejected(url):
    message = only_problem({**GOOD, "cloudifyPackages": json.dumps({"agents": {"ubuntu": url}})})
    assert message.startswith("cloudifyPackages.agents.ubuntu:") and "http:// or https://" in message


def test_agent_url_of_an_unknown_package_kind_is_rejected():
    message = only_problem({**GOOD, "cloudifyPackages": json.dumps({"agents": {"ubuntu": "http://m/agent.rpm"}})})
    assert "must end in .deb or .tar.gz" in message


def test_docker_url_must_be_http():
    message = only_problem({**GOOD, "cloudifyPackages": json.dumps({"docker": {"docker_url": "ftp://m/i.tar"}})})
    assert message.startswith("cloudifyPackages.docker.docker_url:")


def test_every_problem_is_reported_at_once():
    problems = problems_for({"appImage": "Bad Image", "ports": "[70000]", "volumePaths": '["relative"]',
                             "host": "10.0.0.5"})
    keys = sorted(p.split(":", 1)[0] for p in problems)
    assert keys == ["appImage", "dataImage", "ports", "sshPrivateKey", "volumePaths"]


def test_invalid_configuration_registers_no_resource():
    config = {**stack_config("dev"), "ports": "[80, 80]"}
    with pytest.raises(ConfigError, match="host port 80 is published more than once"):
        run_program(config)
    assert last_registrations() == []


def test_misspelt_setting_is_reported():
    with pytest.raises(ConfigError, match="appImg: unknown setting"):
        run_program({**stack_config("dev"), "appImg": "cloudify/manager:3.3"})

"""Bounded container logs and a healthcheck Docker can see, as declared and as the engine applies them."""

from __future__ import annotations

import shlex

import pytest
from cloudify_pulumi.config.rules import ConfigError
from harness import run_program, stack_config, stack_secrets

CONTAINER = "docker:index/container:Container"


def app(**overrides: str) -> dict:
    config = {**stack_config("prod"), **overrides}
    return run_program(config, secrets=stack_secrets(config)).one(CONTAINER, "-app").inputs


def test_the_app_container_keeps_at_most_five_50_megabyte_json_log_files_by_default():
    inputs = app()
    assert inputs["logDriver"] == "json-file"
    assert inputs["logOpts"] == {"max-size": "50m", "max-file": "5"}


@pytest.mark.parametrize(
    ("overrides", "driver", "options"),
    [
        ({"logDriver": "daemon"}, None, None),  # the daemon's own default driver stays
        ({"logDriver": "journald"}, "journald", None),  # no rotation options: journald rotates itself
        ({"logDriver": "local", "logMaxSize": "1g", "logMaxFile": "2"}, "local", {"max-size": "1g", "max-file": "2"}),
    ],
)
def test_the_log_driver_and_its_rotation_follow_the_settings(overrides, driver, options):
    inputs = app(**overrides)
    assert inputs.get("logDriver") == driver and inputs.get("logOpts") == options


def test_the_healthcheck_asks_the_readiness_path_at_the_container_port_it_is_published_from():
    inputs = app(ports='["8080:80", 443]', readinessPort="8080", readinessPath="/api/v3.1/ok")
    health = inputs["healthcheck"]
    assert health["tests"][0] == "CMD-SHELL"
    assert shlex.split(health["tests"][1]) == [
        "curl",
        "-fsS",
        "-o",
        "/dev/null",
        "http://127.0.0.1:80/api/v3.1/ok",
        "||",
        "wget",
        "-q",
        "-O",
        "/dev/null",
        "http://127.0.0.1:80/api/v3.1/ok",
    ]
    timing = (health["interval"], health["timeout"], health["startPeriod"], health["retries"])
    assert timing == ("30s", "10s", "3m0s", 3)


def test_a_hostile_readiness_path_stays_one_word_in_the_healthcheck_shell():
    health = app(readinessPath="/x;touch${IFS}/tmp/pwned$(id)'\"")["healthcheck"]
    words = shlex.split(health["tests"][1])
    assert words[4] == "http://127.0.0.1:80/x;touch${IFS}/tmp/pwned$(id)'\"" and words[5] == "||"


def test_a_longer_readiness_timeout_does_not_replace_the_app_container():
    assert app(readinessTimeout="1800") == app()


def test_the_healthcheck_can_be_switched_off():
    assert "healthcheck" not in app(healthcheck="false")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("logDriver", "JSON FILE", "must be a Docker log driver name"),
        ("logMaxSize", "50", "must be a size such as 50m"),
        ("logMaxFile", "0", "must be between 1 and 100"),
        ("healthcheckInterval", "0", "must be between 1 and 3600"),
    ],
)
def test_bad_log_and_health_settings_are_refused_naming_the_key(key, value, message):
    with pytest.raises(ConfigError) as error:
        app(**{key: value})
    assert any(p.startswith(f"{key}: ") and message in p for p in error.value.problems), error.value.problems

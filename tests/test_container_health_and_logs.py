"""Bounded container logs and a healthcheck Docker can see, as declared and as the engine applies them."""

from __future__ import annotations

import json
import shlex
import time
import uuid

import pytest
from cloudify_pulumi.rules import ConfigError
from harness import Run, render_for_host, run_program, stack_config, stack_secrets
from hostbed import create_declared_data_container, docker, ensure_image, free_port, run_declared_app_container

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


# -- on the real engine -----------------------------------------------------------------------------------------


@pytest.fixture
def declared_app(make_host, engine):
    """Run the app container from its registered inputs (on the test host image), for a web stand-in that
    answers the readiness path once /go exists inside it."""
    made: list[str] = []

    def start(**overrides: str) -> tuple[str, Run]:
        host = make_host("health", with_engine=True)
        port, prefix = free_port(), f"cfytest{uuid.uuid4().hex[:8]}"
        run = render_for_host(
            host,
            namePrefix=prefix,
            ports=f'["{port}:8080"]',
            volumePaths='["/srv/state"]',
            readinessPort=str(port),
            readinessPath="/version",
            healthcheckInterval="1",
            healthcheckStartPeriod="1",
            **overrides,
        )
        create_declared_data_container(run.one(CONTAINER, "-data").inputs, ensure_image())
        made.extend([f"{prefix}-data", f"{prefix}-srv-state"])
        server = (
            "mkdir -p /www && echo ok > /www/version && until [ -f /go ]; do sleep 0.2; done && "
            "exec busybox httpd -f -p 8080 -h /www"
        )
        made.append(run_declared_app_container(run.one(CONTAINER, "-app").inputs, ensure_image(), "sh", "-c", server))
        return made[-1], run

    yield start
    for name in made:
        docker("rm", "-f", name, check=False)
        docker("volume", "rm", "-f", name, check=False)


def health_of(container: str) -> str:
    return docker("inspect", "-f", "{{.State.Health.Status}}", container).stdout.strip()


def wait_for_health(container: str, wanted: str, seconds: float = 30) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = health_of(container)
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == wanted:
            return seen
        time.sleep(0.3)
    raise AssertionError(f"{container} never became {wanted}: {seen}")


@pytest.mark.hosts
def test_the_engine_keeps_the_declared_log_rotation(declared_app):
    container, _ = declared_app()
    log_config = json.loads(docker("inspect", "-f", "{{json .HostConfig.LogConfig}}", container).stdout)
    assert log_config == {"Type": "json-file", "Config": {"max-file": "5", "max-size": "50m"}}


@pytest.mark.hosts
def test_a_manager_that_answers_late_goes_from_starting_to_healthy(declared_app):
    container, _ = declared_app()
    assert health_of(container) == "starting"
    time.sleep(4)
    assert health_of(container) != "healthy", "nothing answers yet"
    docker("exec", container, "touch", "/go")
    assert wait_for_health(container, "healthy")[-1] == "healthy"


@pytest.mark.hosts
def test_a_manager_that_never_answers_becomes_unhealthy(declared_app):
    container, _ = declared_app()
    assert wait_for_health(container, "unhealthy")[0] == "starting"

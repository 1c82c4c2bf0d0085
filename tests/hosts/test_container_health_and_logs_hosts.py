"""On the test bed (real Docker and SSH hosts): the host tests of test_container_health_and_logs.

The tests that need no host are in engine/test_container_health_and_logs.py.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from engine.test_container_health_and_logs import CONTAINER
from harness import Run, render_for_host
from hostbed import create_declared_data_container, docker, ensure_image, free_port, run_declared_app_container

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
            ports=f'["127.0.0.1:{port}:8080"]',  # this machine's loopback, which the test host shares
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

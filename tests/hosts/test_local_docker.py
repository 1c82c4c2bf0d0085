"""The dev stack on the Docker the user actually has: the endpoint the local docker CLI uses reaches the provider.

The local Docker step runs as the local command provider runs it (`/bin/sh -c
<create>` with the user's environment), with this machine's real docker CLI
and engine; the endpoint it reports is then fed to the program, and the
provider registration must carry exactly that address.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import hostbed
import pytest
from harness import HostMocks, Run, run_program, stack_config, stack_secrets

pytestmark = pytest.mark.hosts
PROVIDER = "pulumi:providers:docker"
DEV = stack_config("dev")


def docker_step_run_locally(env: dict[str, str], *, as_nobody: bool = False) -> subprocess.CompletedProcess:
    """The dev stack's Docker step run on this machine as `pulumi up` runs it: after its scripts step, which
    installs the scripts in the user's home."""
    run = run_program(DEV, secrets=stack_secrets(DEV))
    install = run.one("command:local:Command", "-scripts").inputs
    installed = run_locally(install["create"], env, as_nobody=as_nobody, stdin=install["stdin"])
    assert installed.returncode == 0, installed.stderr
    return run_locally(run.commands()["docker-engine"], env, as_nobody=as_nobody)


def run_locally(
    create: str, env: dict[str, str], *, as_nobody: bool = False, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """What command.local.Command does: /bin/sh -c <create>, inheriting the environment, with its stdin."""
    argv = ["/bin/sh", "-c", create]
    if as_nobody:
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=120, input=stdin if stdin is not None else ""
    )
    hostbed.EMITTED.extend([done.stdout, done.stderr])
    return done


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DOCKER_")}
    return {**env, **extra}


def program_with(engine_stdout: str) -> Run:
    return run_program(DEV, secrets=stack_secrets(DEV), mocks=HostMocks(engine_stdout=engine_stdout))


@pytest.fixture
def other_socket(tmp_path, engine) -> str:
    """The engine's socket under another path, as Docker Desktop's or rootless Docker's would be."""
    link = tmp_path / "desktop" / "docker.sock"
    link.parent.mkdir()
    link.symlink_to("/var/run/docker.sock")
    return f"unix://{link}"


def test_docker_host_is_the_endpoint_given_to_the_provider(other_socket):
    result = docker_step_run_locally(clean_env(DOCKER_HOST=other_socket))
    assert result.returncode == 0, result.stderr
    assert f"DOCKER_ENDPOINT={other_socket}\n" in result.stdout
    assert program_with(result.stdout).one(PROVIDER).inputs["host"] == other_socket


def test_the_current_docker_context_is_the_endpoint_given_to_the_provider(other_socket, tmp_path):
    config = tmp_path / "docker-config"
    env = clean_env(DOCKER_CONFIG=str(config))
    for args in (
        ["context", "create", "cfytest-desktop", "--docker", f"host={other_socket}"],
        ["context", "use", "cfytest-desktop"],
    ):
        subprocess.run(["docker", *args], env=env, check=True, capture_output=True)
    result = docker_step_run_locally(env)
    assert result.returncode == 0, result.stderr
    assert f"DOCKER_ENDPOINT={other_socket}\n" in result.stdout
    assert program_with(result.stdout).one(PROVIDER).inputs["host"] == other_socket


def test_the_default_socket_is_used_without_docker_host_or_context(engine, tmp_path):
    result = docker_step_run_locally(clean_env(DOCKER_CONFIG=str(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert program_with(result.stdout).one(PROVIDER).inputs["host"] == "unix:///var/run/docker.sock"


def test_a_socket_the_user_may_not_open_is_named_with_its_fix(engine, tmp_path):
    """A running daemon whose socket the user cannot open is not a stopped daemon."""
    home = Path(tempfile.mkdtemp(prefix="cfytest-nobody-"))  # in /tmp: nobody may not pass pytest's 0700 folder
    os.chown(home, 65534, 65534)
    try:
        result = docker_step_run_locally(clean_env(HOME=str(home)), as_nobody=True)
    finally:
        shutil.rmtree(home)
    assert result.returncode == 17, result.stderr
    assert "cannot open /var/run/docker.sock (group docker)" in result.stderr
    assert "usermod -aG docker nobody" in result.stderr
    assert "for rootless Docker, set DOCKER_HOST=unix:///run/user/65534/docker.sock" in result.stderr
    assert "could not be started" not in result.stderr

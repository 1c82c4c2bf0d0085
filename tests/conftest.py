import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import hostbed  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """The program writes the Docker provider's ssh identity under ~: keep it in a temporary HOME,
    and keep a developer's ssh-agent from standing in for a missing key."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def engine() -> str:
    """The real Docker engine and test host image; an unusable engine fails the host tests loudly."""
    try:
        version = hostbed.engine_version()
        hostbed.ensure_image()
    except hostbed.TestBedUnavailable as error:
        pytest.fail(f"host tests need a Docker engine: {error}", pytrace=False)
    return version


@pytest.fixture
def make_host(engine, tmp_path_factory):
    """Start SSH host containers for one test; every one is removed afterwards, pass or fail."""
    hosts: list[hostbed.SshHost] = []
    key_dir = tmp_path_factory.mktemp("ssh")

    def start(scenario: str, *, identity: str = "debian-12", sudo: bool = True, with_engine: bool = False,
              engine_socket: str = "/var/run/docker.sock") -> hostbed.SshHost:
        host = hostbed.SshHost(scenario, identity=identity, sudo=sudo, with_engine=with_engine,
                               engine_socket=engine_socket, key_dir=key_dir)
        hosts.append(host)
        return host

    yield start
    for host in hosts:
        host.remove()

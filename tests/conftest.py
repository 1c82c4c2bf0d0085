import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import hostbed  # noqa: E402
import pytest  # noqa: E402


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

    def start(scenario: str, *, identity: str = "debian-12", sudo: bool = True, docker_client: bool = False,
              docker_socket: str | None = None) -> hostbed.SshHost:
        host = hostbed.SshHost(scenario, identity=identity, sudo=sudo, docker_client=docker_client,
                               docker_socket=docker_socket, key_dir=key_dir)
        hosts.append(host)
        return host

    yield start
    for host in hosts:
        host.remove()

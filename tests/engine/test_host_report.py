"""What the Docker step reports, read back, and the refusals it leads to, word for word: these messages are what
a user sees when `pulumi up` stops after the Docker step (tests/engine/test_resource_graph.py runs them through the
program; here every branch and default is pinned)."""

from __future__ import annotations

import pytest
from cloudify_pulumi.host.docker_endpoint import DockerHostError, checked_docker_host, parse_host_report
from harness import settings_from_text

REMOTE = {"appImage": "cloudify/manager:3.2.0", "dataImage": "cloudify/manager:3.2.0", "host": "10.0.0.5"}


def settings(**overrides: str):
    return settings_from_text({**REMOTE, **overrides}, has_private_key=True, has_ssh_agent=False)


def report(
    server: str = "24.0.7",
    client: str | None = "24.0.7",
    distribution: str | None = "ubuntu 22.04",
    endpoint: str | None = "unix:///var/run/docker.sock",
) -> str:
    lines = {
        "HOST_DISTRIBUTION": distribution,
        "DOCKER_SERVER_VERSION": server,
        "DOCKER_CLIENT_VERSION": client,
        "DOCKER_ENDPOINT": endpoint,
    }
    return "".join(f"{key}={value}\n" for key, value in lines.items() if value is not None)


def test_a_report_without_the_server_version_is_refused_showing_what_was_printed():
    with pytest.raises(DockerHostError) as error:
        parse_host_report("HOST_DISTRIBUTION=ubuntu 22.04\nsomething else\n")
    assert str(error.value) == (
        "the Docker install step printed no DOCKER_SERVER_VERSION line; it printed:\n"
        "HOST_DISTRIBUTION=ubuntu 22.04\nsomething else\n"
    )


def test_lines_missing_from_a_report_read_as_unknown_or_empty():
    read = parse_host_report("DOCKER_SERVER_VERSION=24.0.7\n")
    assert (read.distribution, read.docker_version, read.client_version, read.endpoint) == ("unknown", "24.0.7", "", "")


def test_a_local_manager_uses_the_endpoint_the_docker_step_found_and_the_default_socket_without_one():
    local = settings_from_text(
        {k: v for k, v in REMOTE.items() if k != "host"}, has_private_key=False, has_ssh_agent=False
    )
    assert (
        checked_docker_host(local, report(endpoint="unix:///run/user/1000/docker.sock"))
        == "unix:///run/user/1000/docker.sock"
    )
    assert checked_docker_host(local, report(endpoint=None)) == "unix:///var/run/docker.sock"


@pytest.mark.parametrize("client", ["18.09.0", "18.09.0-ce", "18.09"])
def test_a_cli_of_exactly_18_09_serves_the_ssh_connection(client):
    """(sshUser defaults to ubuntu.)"""
    assert checked_docker_host(settings(), report(client=client)) == "ssh://ubuntu@10.0.0.5:22"


@pytest.mark.parametrize(("client", "shown"), [("18.06.3-ce", "18.06.3-ce"), (None, "missing")])
def test_a_cli_too_old_for_dial_stdio_is_refused_with_the_tls_way_out(client, shown):
    with pytest.raises(DockerHostError) as error:
        checked_docker_host(settings(), report(client=client, distribution="ubuntu 14.04"))
    assert str(error.value) == (
        f"the docker CLI on 10.0.0.5 (ubuntu 14.04) is {shown}: the Docker provider's ssh:// connection runs "
        "`docker system dial-stdio`, which needs 18.09 or newer. Install a newer CLI, or expose the daemon with "
        "TLS and set dockerHost to tcp://10.0.0.5:2376 with dockerTlsCaCert, dockerTlsCert and the secret "
        "dockerTlsKey (`pulumi config set --secret dockerTlsKey < key.pem`)."
    )


def test_cap_add_on_a_daemon_before_18_09_is_refused_saying_why():
    local = settings_from_text(
        {**{k: v for k, v in REMOTE.items() if k != "host"}, "capAdd": '["NET_ADMIN"]'},
        has_private_key=False,
        has_ssh_agent=False,
    )
    with pytest.raises(DockerHostError) as error:
        checked_docker_host(local, report(server="18.06.1-ce", client="18.06.1-ce", distribution="ubuntu 14.04"))
    assert str(error.value) == (
        "capAdd cannot be used with Docker 18.06.1-ce on this machine (ubuntu 14.04): below 18.09 the daemon adds "
        "its own CAP_ prefix to the names the Docker provider sends, and the container fails to start with "
        "'Unknown capability CAP_CAP_...'. Remove capAdd (`pulumi config rm capAdd`), or use Docker 18.09+."
    )


def test_without_host_the_tls_way_out_names_a_placeholder_for_the_daemon_host():
    """A manager whose Docker step runs here but whose provider reaches another daemon over ssh:// (dockerHost):
    the message cannot know that daemon's TLS address."""
    local = settings_from_text(
        {**{k: v for k, v in REMOTE.items() if k != "host"}, "dockerHost": "ssh://deploy@docker.example.com"},
        has_private_key=False,
        has_ssh_agent=False,
    )
    with pytest.raises(DockerHostError) as error:
        checked_docker_host(local, report(client="18.06.3-ce"))
    assert "set dockerHost to tcp://HOST:2376 with" in str(error.value)
    assert str(error.value).startswith("the docker CLI on this machine (ubuntu 22.04) is 18.06.3-ce:")

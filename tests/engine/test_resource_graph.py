"""What the engine receives for one CloudifyManager: options, dependencies, secrets."""

from __future__ import annotations

import json
import os
import pwd
import shlex
import stat
from pathlib import Path

import pytest
from cloudify_pulumi.config.model import login_home
from cloudify_pulumi.config.rules import ConfigError
from cloudify_pulumi.host import host_scripts
from cloudify_pulumi.host.docker_endpoint import DockerHostError
from harness import THROWAWAY_KEY as PRIVATE_KEY
from harness import (
    HostMocks,
    Run,
    is_secret,
    last_registrations,
    plain_strings,
    run_program,
    script_arguments,
    secret_strings,
    stack_config,
    stack_secrets,
    unwrap_secrets,
)

CONTAINER = "docker:index/container:Container"
PROVIDER = "pulumi:providers:docker"
COMPONENT = "cloudify:index:CloudifyManager"
LOCAL_DOCKER_VERSION = "27.3.1"  # what the mocked local Docker step reports in this module


def remote_run(**overrides: str) -> Run:
    config = {**stack_config("prod"), **overrides}
    return run_program(config, secrets={"sshPrivateKey": PRIVATE_KEY})


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> Run:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
        return run_program(
            stack_config("dev"),
            secrets=stack_secrets(stack_config("dev")),
            mocks=HostMocks(docker_version=LOCAL_DOCKER_VERSION),
        )


def test_data_container_is_protected_and_app_container_is_not():
    run = remote_run()
    assert run.one(CONTAINER, "-data").protect is True
    app = run.one(CONTAINER, "-app")
    assert app.protect is False, "protect must be set explicitly false on the app container"
    assert run.one(COMPONENT).protect is not True, "protect on the component would be inherited by the app"


def test_app_container_is_deleted_before_its_replacement_is_created():
    run = remote_run()
    assert run.one(CONTAINER, "-app").delete_before_replace is True
    assert run.one(CONTAINER, "-data").delete_before_replace is False


def test_data_container_is_created_once_never_started_and_keeps_its_volumes():
    run = remote_run()
    data = run.one(CONTAINER, "-data").inputs
    assert data["start"] is False and data["mustRun"] is False and data["removeVolumes"] is False
    assert [v["containerPath"] for v in data["volumes"]] == [
        "/root",
        "/etc/init.d",
        "/etc/default",
        "/opt/manager/resources",
        "/opt/manager/env",
        "/etc/service/riemann",
        "/etc/service/elasticsearch/data",
        "/etc/service/elasticsearch/logs",
        "/opt/influxdb/shared/data",
        "/var/log/cloudify",
    ]
    assert [v["volumeName"] for v in data["volumes"]] == [
        "cloudify-root",
        "cloudify-etc-init-d",
        "cloudify-etc-default",
        "cloudify-opt-manager-resources",
        "cloudify-opt-manager-env",
        "cloudify-etc-service-riemann",
        "cloudify-etc-service-elasticsearch-data",
        "cloudify-etc-service-elasticsearch-logs",
        "cloudify-opt-influxdb-shared-data",
        "cloudify-var-log-cloudify",
    ]


def test_app_container_uses_the_data_containers_volumes_and_depends_on_it():
    run = remote_run()
    data, app = run.one(CONTAINER, "-data"), run.one(CONTAINER, "-app")
    assert app.inputs["volumes"] == [{"fromContainer": "cloudify-data"}]
    assert data.urn in app.dependencies
    assert data.urn in app.property_dependencies["volumes"]
    assert app.inputs["restart"] == "always"
    assert "MANAGEMENT_IP=10.0.0.10" in app.inputs["envs"]
    published = sorted((p["external"], p["internal"]) for p in app.inputs["ports"])
    assert published == sorted((p, p) for p in (80, 5672, 53229, 8101))  # not the internal 5555, 8100, 9200, 8086


def test_provider_address_is_derived_from_the_install_command():
    run = remote_run()
    provider, engine = run.one(PROVIDER), run.one("command:remote:Command", "-docker-engine")
    host_key = run.one("command:local:Command", "-host-key")
    # The address waits for the Docker step, and for the recorded host key its ssh checks (ssh_trust.py).
    assert sorted(provider.property_dependencies["host"]) == sorted([engine.urn, host_key.urn])
    assert provider.inputs["host"] == "ssh://ubuntu@manager.example.com:22"


def test_every_docker_resource_uses_the_explicit_provider():
    run = remote_run()
    provider = run.one(PROVIDER)
    docker_resources = [r for r in run.registrations if r.type.startswith("docker:")]
    assert len(docker_resources) == 4 + 10, "2 images, 2 containers, 10 data volumes"
    for resource in docker_resources:
        assert resource.provider.startswith(provider.urn + "::"), resource.name


def test_every_child_has_the_component_as_parent(local_run):
    component = local_run.one(COMPONENT)
    children = [r for r in local_run.registrations if r.type not in (COMPONENT, "pulumi:pulumi:Stack")]
    assert len(children) == 15 + 8, [c.name for c in children]  # 8 data volumes, 3 generators (cloudify-7)
    assert {c.parent for c in children} == {component.urn}


def test_agent_install_and_readiness_rerun_when_the_app_container_is_replaced():
    run = remote_run()
    app = run.one(CONTAINER, "-app")
    for suffix in ("-agent-packages", "-ready"):
        step = run.one("command:remote:Command", suffix)
        assert app.urn in step.dependencies
        assert step.property_dependencies["triggers"] == [app.urn]
        assert step.inputs["triggers"] == [run.manager_outputs["appContainerId"]]
    ready = run.one("command:remote:Command", "-ready")
    assert run.one("command:remote:Command", "-agent-packages").urn in ready.dependencies


def test_agent_command_names_every_configured_package():
    run = remote_run()
    script, args = script_arguments(run.one("command:remote:Command", "-agent-packages").inputs["create"])
    base = "https://packages.example.com/cloudify/3.2.0/"
    assert script == "install_agents.sh"
    assert args == [
        "true",
        "cloudify-manager",
        "deb",
        base + "cloudify-ubuntu-agent_3.2.0-ga-b200_amd64.deb",
        "-",  # no sha256 (https://)
        "-",  # no place: dpkg installs it
        "deb",
        base + "cloudify-centos-final-agent_3.2.0-ga-b200_amd64.deb",
        "-",
        "-",
    ]


def test_an_agent_checksum_reaches_the_agent_step_beside_its_url():
    sha256 = "e" * 64
    packages = json.dumps({"agents": {"win": {"url": "http://m.example.com/win.tgz", "sha256": sha256}}})
    run = remote_run(cloudifyPackages=packages)
    _, args = script_arguments(run.one("command:remote:Command", "-agent-packages").inputs["create"])
    assert args[2:] == [
        "tar.gz",
        "http://m.example.com/win.tgz",
        sha256,
        "/opt/manager/resources/packages/agents/win.tgz",
    ]


def test_private_key_is_a_secret_everywhere():
    run = remote_run()
    engine = run.one("command:remote:Command", "-docker-engine")
    assert PRIVATE_KEY in secret_strings(engine.wire_inputs), "the key must reach the connection, as a secret"
    for registration in run.registrations:
        assert not any("OPENSSH PRIVATE KEY" in s for s in plain_strings(registration.wire_inputs)), registration.name
    for outputs in run.outputs.values():
        assert not any("OPENSSH PRIVATE KEY" in s for s in plain_strings(outputs))


def test_provider_ssh_key_is_written_where_ssh_expands_tilde_not_under_home(isolated_home: str, tmp_path: Path):
    """ssh expands `~` from the passwd entry (OpenSSH tilde_expand_filename), so that is where the key goes,
    whatever $HOME says (the fixture points $HOME at tmp_path)."""
    run = remote_run()
    opts = run.one(PROVIDER).inputs["sshOpts"]
    assert f"IdentityFile=~/.ssh/cloudify-pulumi/cloudify-manager-{isolated_home}/id" in opts
    key_file = Path(pwd.getpwuid(os.getuid()).pw_dir) / f".ssh/cloudify-pulumi/cloudify-manager-{isolated_home}/id"
    assert key_file.read_text() == PRIVATE_KEY + "\n"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(key_file.parent).st_mode) == 0o700
    assert not (tmp_path / ".ssh").exists(), "$HOME is not where ssh looks"


def test_a_key_file_loosened_since_or_replaced_by_a_link_is_closed_again_on_the_next_run(
    isolated_home: str, tmp_path: Path
):
    """Its content unchanged, the file is still set to 0600 on every run, and a link found in its place is
    replaced by a file, never written through (issue 49)."""
    remote_run()
    key_file = Path(pwd.getpwuid(os.getuid()).pw_dir) / f".ssh/cloudify-pulumi/cloudify-manager-{isolated_home}/id"
    key_file.chmod(0o644)
    remote_run()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("not a key\n")
    elsewhere.chmod(0o644)
    key_file.unlink()
    key_file.symlink_to(elsewhere)
    remote_run()
    assert not key_file.is_symlink() and key_file.read_text() == PRIVATE_KEY + "\n"
    assert elsewhere.read_text() == "not a key\n" and stat.S_IMODE(os.stat(elsewhere).st_mode) == 0o644


@pytest.mark.parametrize(("port", "known_as"), [("22", "manager.example.com"), ("2222", "[manager.example.com]:2222")])
def test_a_pinned_host_key_is_given_to_every_command_and_to_the_providers_ssh(isolated_home: str, port, known_as):
    """What each side does with it is its own: pulumi-command v1.2.1 checks `host_key` in its Go SSH client
    (provider/pkg/provider/remote/connection.go), which cannot run here; the provider's system ssh refusing a
    wrong or changed key is run for real in test_provider_connection.py. known_hosts names a host bare on port
    22 and `[host]:port` on any other (OpenSSH sshd(8), SSH_KNOWN_HOSTS FILE FORMAT)."""
    host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPinnedKeyForTests"
    run = remote_run(sshHostKey=host_key, sshPort=port)
    commands = [r for r in run.registrations if r.type == "command:remote:Command"]
    assert len(commands) == 7  # scripts, engine, backup, agents, ready, bootstrap-context, prune-backups
    for step in commands:
        assert step.inputs["connection"]["hostKey"] == host_key, step.name
    assert "StrictHostKeyChecking=yes" in run.one(PROVIDER).inputs["sshOpts"]
    folder = Path(pwd.getpwuid(os.getuid()).pw_dir) / f".ssh/cloudify-pulumi/cloudify-manager-{isolated_home}"
    known = folder / "known_hosts"
    assert known.read_text() == f"{known_as} {host_key}\n"


def test_docker_cli_too_old_for_ssh_fails_before_any_container_is_registered():
    mocks = HostMocks(docker_version="18.06.3-ce", distribution="ubuntu 14.04")
    with pytest.raises(DockerHostError, match=r"(?s)CLI.*ubuntu 14\.04.*18\.06\.3-ce.*dial-stdio.*dockerHost.*tcp://"):
        run_program({**stack_config("prod")}, secrets={"sshPrivateKey": PRIVATE_KEY}, mocks=mocks)
    registered = [r.type for r in last_registrations()]
    assert registered == [COMPONENT, "command:local:Command", *["command:remote:Command"] * 2], registered


def test_old_daemon_behind_a_new_static_cli_is_reached_over_ssh():
    """dial-stdio only proxies the socket (docker/cli v28.5.2 cli/connhelper), so Ubuntu 14.04's 18.06 daemon
    serves ssh:// once the Docker step has put an 18.09+ CLI first on the PATH."""
    mocks = HostMocks(docker_version="18.06.1-ce", client_version="20.10.24", distribution="ubuntu 14.04")
    run = run_program(stack_config("prod"), secrets={"sshPrivateKey": PRIVATE_KEY}, mocks=mocks)
    assert run.one(PROVIDER).inputs["host"] == "ssh://ubuntu@manager.example.com:22"
    assert run.manager_outputs["dockerServerVersion"] == "18.06.1-ce"


def test_cap_add_on_a_daemon_older_than_18_09_fails_before_any_container():
    """Below API 1.40 the daemon prefixes CAP_ again (moby v28.5.2 client/container_create.go)."""
    mocks = HostMocks(docker_version="18.06.1-ce", client_version="20.10.24", distribution="ubuntu 14.04")
    with pytest.raises(DockerHostError, match=r"capAdd.*18\.06\.1-ce.*CAP_CAP_.*pulumi config rm capAdd"):
        run_program(
            {**stack_config("prod"), "capAdd": '["NET_ADMIN"]'}, secrets={"sshPrivateKey": PRIVATE_KEY}, mocks=mocks
        )
    registered = [r.type for r in last_registrations()]
    assert registered == [COMPONENT, "command:local:Command", *["command:remote:Command"] * 2]  # scripts, engine


def test_old_docker_over_tcp_with_tls_is_accepted_and_tls_key_stays_secret():
    mocks = HostMocks(docker_version="18.06.3-ce", distribution="ubuntu 14.04")
    config = {
        **stack_config("prod"),
        "dockerHost": "tcp://manager.example.com:2376",
        "dockerTlsCaCert": "CA-PEM",
        "dockerTlsCert": "CERT-PEM",
    }
    run = run_program(config, secrets={"sshPrivateKey": PRIVATE_KEY, "dockerTlsKey": "TLS-KEY-PEM"}, mocks=mocks)
    provider = run.one(PROVIDER)
    assert provider.inputs["host"] == "tcp://manager.example.com:2376"
    assert provider.inputs["caMaterial"] == "CA-PEM"
    assert "TLS-KEY-PEM" in secret_strings(provider.wire_inputs)
    assert "TLS-KEY-PEM" not in plain_strings(provider.wire_inputs)


def test_local_stack_runs_commands_locally_against_the_local_socket(local_run):
    assert not [r for r in local_run.registrations if r.type == "command:remote:Command"]
    assert local_run.one(PROVIDER).inputs["host"] == "unix:///var/run/docker.sock"
    assert local_run.manager_outputs["dockerServerVersion"] == LOCAL_DOCKER_VERSION, "what the local step reported"


def test_offline_images_are_imported_on_the_host_instead_of_pulled():
    sha256 = "d" * 64
    packages = json.dumps(
        {"docker": {"docker_url": {"url": "http://mirror.example.com/c-3.2.0.tar", "sha256": sha256}}}
    )
    run = remote_run(cloudifyPackages=packages)
    assert not [r for r in run.registrations if r.type == "docker:index/remoteImage:RemoteImage"]
    data_import = run.one("command:remote:Command", "-data-image-import")
    app_import = run.one("command:remote:Command", "-app-image-import")
    url = "http://mirror.example.com/c-3.2.0.tar"
    image = "registry.example.com/cloudify/cloudify-manager:3.2.0"
    words = ("import_image.sh", ["true", url, image, "if-missing", sha256])
    assert script_arguments(data_import.inputs["create"]) == words
    assert script_arguments(app_import.inputs["create"]) == ("import_image.sh", ["true", url, image, "always", sha256])
    assert data_import.urn in app_import.dependencies
    assert run.one(CONTAINER, "-data").property_dependencies["image"] == [data_import.urn]
    assert run.one(CONTAINER, "-app").property_dependencies["image"] == [app_import.urn]


def test_commands_run_the_installed_scripts_with_quoted_arguments(local_run):
    commands = local_run.commands()
    assert set(commands) == {
        "scripts",
        *("docker-engine", "manager-config", "backup", "ready", "admin-password", "prune-backups"),
    }
    folder = local_run.one(CONTAINER, "-app").inputs["name"]
    assert shlex.split(commands.pop("scripts")) == [
        *("sh", "-c", host_scripts.shipped_script("install_scripts.sh")),
        *("install_scripts.sh", folder),
    ]
    for create in commands.values():
        assert shlex.split(create)[2] == host_scripts.runner(folder)


def test_outputs_are_registered_on_the_component(local_run):
    outputs = local_run.manager_outputs
    assert set(outputs) == {
        "managerUrl",
        "dockerServerVersion",
        "dataContainerName",
        "dataContainerId",
        "appContainerName",
        "appContainerId",
        "latestBackup",
        "adminPassword",
        "cliProfile",
    }
    assert is_secret(outputs["adminPassword"])
    assert is_secret(outputs["cliProfile"])
    assert outputs["appContainerName"] == "cloudify-manager"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_host_step_streams_its_progress_and_keeps_stdout_for_results(stack):
    """pulumi-command's `logging: stderr`: progress lines show live in `pulumi up`; stdout (KEY=value) does not."""
    config = stack_config(stack)
    run = run_program(config, secrets=stack_secrets(config))
    steps = [r for r in run.registrations if r.type in ("command:local:Command", "command:remote:Command")]
    assert len(steps) >= 3 and all(step.inputs["logging"] == "stderr" for step in steps)


def agent_run(monkeypatch, **config: str) -> Run:
    """The prod stack without a private key, from a shell where an ssh-agent runs (SSH_AUTH_SOCK)."""
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/ssh-agent.sock")
    return run_program({**stack_config("prod"), **config}, secrets={})


def test_with_an_ssh_agent_and_no_key_the_connections_leave_the_key_to_the_agent(monkeypatch):
    """No key file is named, or written: with `IdentitiesOnly=yes` and an `IdentityFile` that does not exist the
    provider's ssh would never offer the agent's keys."""
    run = agent_run(monkeypatch)
    opts = json.loads(run.one(PROVIDER).inputs["sshOpts"])
    assert "-o" in opts and not [option for option in opts if option.startswith("Identit")], opts
    for step in (r for r in run.registrations if r.type == "command:remote:Command"):
        assert "privateKey" not in unwrap_secrets(step.inputs["connection"]), step.name


def test_a_stack_of_several_managers_may_rely_on_an_ssh_agent_too(monkeypatch):
    run = agent_run(
        monkeypatch, managers=json.dumps({"one": {"host": "a.example.com"}, "two": {"host": "b.example.com"}})
    )
    assert len([r for r in run.registrations if r.type == PROVIDER]) == 2


@pytest.mark.parametrize("managers", [None, {"one": {"host": "a.example.com"}}])
def test_without_a_key_or_an_ssh_agent_the_key_is_asked_for(managers):
    config = {**stack_config("prod"), **({"managers": json.dumps(managers)} if managers else {})}
    with pytest.raises(ConfigError) as error:
        run_program(config, secrets={})
    assert any("sshPrivateKey" in problem and "SSH_AUTH_SOCK" in problem for problem in error.value.problems)


def test_key_files_are_created_private_not_made_private_afterwards(isolated_home, monkeypatch):
    """The key is never readable by others, not even for the moment between creating the file and a chmod:
    the file is created 0600 in a folder created 0700, whatever the umask."""
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    previous = os.umask(0)
    try:
        remote_run()
    finally:
        os.umask(previous)
    key_file = login_home() / f".ssh/cloudify-pulumi/cloudify-manager-{isolated_home}/id"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(key_file.parent).st_mode) == 0o700


def test_a_changed_key_replaces_the_written_one_and_ends_in_one_newline(isolated_home):
    other_key = PRIVATE_KEY.replace("throwaway", "another")
    assert other_key != PRIVATE_KEY
    remote_run()
    run_program(stack_config("prod"), secrets={"sshPrivateKey": other_key + "\n\n"})
    key_file = login_home() / f".ssh/cloudify-pulumi/cloudify-manager-{isolated_home}/id"
    assert key_file.read_text() == other_key + "\n"


def test_behind_a_bastion_with_an_ssh_agent_neither_hop_names_a_key_file(monkeypatch):
    run = agent_run(monkeypatch, **{k: v for k, v in stack_config("bastion").items() if k.startswith("sshProxy")})
    opts = json.loads(run.one(PROVIDER).inputs["sshOpts"])
    (proxy_command,) = [option for option in opts if option.startswith("ProxyCommand=")]
    assert "Identit" not in proxy_command and not [o for o in opts if o.startswith("Identit")], opts

"""The commands the component declares, run over real SSH on real hosts (containers) on a real engine.

Every command string comes from rendering the program under the mocks and
reading the command resource's `create` input: the exact text the command
provider would send. Nothing here runs a copy of a script.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import re
import shlex
import ssl
import subprocess
import tarfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from cloudify_pulumi.host import host_scripts
from cloudify_pulumi.host.docker_endpoint import checked_docker_host
from harness import (
    MOCK_BACKUP_FILE,
    MOCK_PREVIOUS_IMAGE,
    declared_commands,
    render_for_host,
    settings_from_text,
    stack_config,
)
from hostbed import (
    PackageServer,
    ca,
    docker,
    docker_step_report,
    free_port,
    server_certificate,
    start_app_container,
)

pytestmark = pytest.mark.hosts


def test_trusty_with_working_docker_installs_nothing(make_host, engine):
    host = make_host("trusty-docker", identity="ubuntu-14.04", with_engine=True, docker_group=True)
    result = host.ssh(declared_commands(host)["docker-engine"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == docker_step_report("ubuntu 14.04", engine, host)
    assert not host.exists("/etc/apt/sources.list.d/docker.list") and not host.exists("/usr/local/bin/docker")


@pytest.mark.parametrize(
    ("identity", "named"),
    [
        ("debian-12", "Debian GNU/Linux 12 (bookworm)"),
        ("ubuntu-16.04", "Ubuntu 16.04.7 LTS"),
        ("centos-7", "CentOS Linux 7 (Core)"),
    ],
)
def test_other_distributions_without_docker_fail_without_installing(make_host, identity, named):
    host = make_host(identity, identity=identity)
    host.put("/usr/local/bin/apt-get", "#!/bin/sh\ntouch /tmp/apt-get-ran\n", mode="755")
    result = host.ssh(declared_commands(host)["docker-engine"])
    assert result.returncode == 10
    assert f"Docker is not installed on {named}" in result.stderr
    assert "install Docker on this host before bootstrapping" in result.stderr
    assert result.stdout == ""
    assert not host.exists("/tmp/apt-get-ran") and not host.exists("/usr/bin/docker")


def test_host_with_working_docker_prints_the_server_and_client_versions(make_host, engine):
    host = make_host("docker", with_engine=True, docker_group=True)
    result = host.ssh(declared_commands(host)["docker-engine"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == docker_step_report("debian 12", engine, host)
    on_this_host = {**stack_config("prod"), "managementIp": host.address}  # the agent ports' address must be its own
    assert checked_docker_host(
        settings_from_text(on_this_host, has_private_key=True, has_ssh_agent=False), result.stdout
    ).startswith("ssh://")


INIT_SCRIPT = """#!/bin/sh
# Test bed docker service: "starting" connects the engine's socket where clients look.
echo "$(id -u) $1" >> /var/log/docker-service.log
[ "$1" = start ] && ln -sf /outer/docker.sock /var/run/docker.sock
"""


def test_stopped_daemon_is_started_as_root(make_host, engine):
    host = make_host("stopped", with_engine=True, engine_socket="/outer/docker.sock")
    host.put("/etc/init.d/docker", INIT_SCRIPT, mode="755")
    result = host.ssh(declared_commands(host)["docker-engine"])
    assert result.returncode == 0, result.stderr
    assert "the Docker daemon does not answer: starting it" in result.stderr
    assert host.root("cat /var/log/docker-service.log").stdout == "0 start\n"
    assert result.stdout == docker_step_report("debian 12", engine, host)


def test_daemon_that_cannot_start_fails_clearly(make_host):
    host = make_host("broken", with_engine=True, engine_socket="/outer/docker.sock")
    host.put("/etc/init.d/docker", "#!/bin/sh\necho 'dockerd: failed to start' >&2\nexit 1\n", mode="755")
    result = host.ssh(declared_commands(host)["docker-engine"])
    assert result.returncode == 12
    assert "its daemon is not running and could not be started" in result.stderr


# -- what runs against the application container -----------------------------


@pytest.fixture
def package_server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    server = PackageServer(root)
    yield server
    server.close()


def build_deb(folder: Path, name: str, version: str, depends: str | None = None) -> Path:
    tree = folder / f"{name}-{version}"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN/control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: tests <t@example.com>\n"
        + (f"Depends: {depends}\n" if depends else "")
        + "Description: test agent package\n"
    )
    (tree / f"opt/{name}").mkdir(parents=True)
    (tree / f"opt/{name}/VERSION").write_text(version + "\n")
    deb = folder / f"{name}_{version}_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(tree), str(deb)], check=True, capture_output=True)
    return deb


def build_tarball(path: Path, content: bytes) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("agent/README")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return path


@pytest.fixture
def app_container(engine):
    """Start a real application container named as the component names it (`<prefix>-manager`)."""
    started: list[str] = []

    def start(*command: str) -> tuple[str, str]:
        prefix = f"cfytest{uuid.uuid4().hex[:8]}"
        started.append(start_app_container(f"{prefix}-manager", *command))
        return prefix, started[-1]

    yield start
    for name in started:
        docker("rm", "-f", "-v", name, check=False)


def in_container(name: str, script: str) -> subprocess.CompletedProcess:
    return docker("exec", name, "sh", "-c", script, check=False)


def agents_config(**agents: object) -> str:
    return json.dumps({"agents": agents})


def test_agent_packages_are_installed_inside_the_app_container_idempotently(make_host, package_server, app_container):
    prefix, container = app_container("sleep", "3600")
    deb = build_deb(package_server.root, "cloudify-test-agent", "3.2.0")
    tarball = build_tarball(package_server.root / "Ubuntu-trusty-agent.tar.gz", b"agent files\n")
    host = make_host("agents", with_engine=True)
    create = declared_commands(
        host,
        namePrefix=prefix,
        cloudifyPackages=agents_config(
            ubuntu_deb=package_server.pinned(deb.name), ubuntu_tar=package_server.pinned(tarball.name)
        ),
    )["agent-packages"]

    first = host.ssh(create)
    assert first.returncode == 0, first.stderr
    assert "installed cloudify-test-agent 3.2.0" in first.stdout + first.stderr
    status = in_container(container, "dpkg-query -W -f='${Status} ${Version}' cloudify-test-agent")
    assert status.stdout == "install ok installed 3.2.0"
    assert in_container(container, "cat /opt/cloudify-test-agent/VERSION").stdout == "3.2.0\n"
    placed = "/opt/manager/resources/packages/agents/Ubuntu-trusty-agent.tar.gz"
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    assert in_container(container, f"sha256sum {placed}").stdout.split()[0] == digest

    state = "stat -c %Y /var/lib/dpkg/status " + placed
    before = in_container(container, state).stdout
    second = host.ssh(create)
    assert second.returncode == 0, second.stderr
    assert "cloudify-test-agent 3.2.0 is already installed" in second.stdout + second.stderr
    assert f"{placed} is already in place" in second.stderr
    assert in_container(container, state).stdout == before, "a second run must change nothing"


def test_agent_url_answering_404_fails_naming_the_url(make_host, package_server, app_container):
    prefix, _ = app_container("sleep", "3600")
    missing = f"{package_server.url}/missing-agent_1.0_all.deb"
    host = make_host("agents404", with_engine=True)
    pinned = package_server.pinned("missing-agent_1.0_all.deb")
    create = declared_commands(host, namePrefix=prefix, cloudifyPackages=agents_config(ubuntu=pinned))["agent-packages"]
    result = host.ssh(create)
    assert result.returncode == 20
    assert f"could not download agent package {missing}" in result.stderr


def test_hostile_agent_url_is_inert_on_host_and_in_container(make_host, package_server, app_container):
    prefix, container = app_container("sleep", "3600")
    payload = "a$(touch${IFS}/tmp/pwned)b`touch${IFS}/tmp/pwned2`;touch${IFS}/tmp/pwned3;'\".deb"
    hostile = f"{package_server.url}/{payload}"
    host = make_host("hostile", with_engine=True)
    pinned = package_server.pinned(payload)
    create = declared_commands(host, namePrefix=prefix, cloudifyPackages=agents_config(ubuntu=pinned))["agent-packages"]
    result = host.ssh(create)
    assert result.returncode == 20 and hostile in result.stderr
    for marker in ("/tmp/pwned", "/tmp/pwned2", "/tmp/pwned3"):
        assert not host.exists(marker)
        assert in_container(container, f"test -e {marker}").returncode != 0


def test_offline_image_is_imported_from_docker_url(make_host, package_server, engine):
    with tarfile.open(package_server.root / "cloudify-docker.tar", "w") as archive:
        info = tarfile.TarInfo("hello.txt")
        data = b"cloudify offline image\n"
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    tag = uuid.uuid4().hex[:8]
    data_image, app_image = f"cfytest/data:{tag}", f"cfytest/app:{tag}"
    host = make_host("import", with_engine=True)
    commands = declared_commands(
        host,
        appImage=app_image,
        dataImage=data_image,
        cloudifyPackages=json.dumps({"docker": {"docker_url": package_server.pinned("cloudify-docker.tar")}}),
    )
    try:
        for step, image in (("data-image-import", data_image), ("app-image-import", app_image)):
            result = host.ssh(commands[step])
            assert result.returncode == 0, result.stderr
            image_id = docker("image", "inspect", "-f", "{{.Id}}", image).stdout.strip()
            assert result.stdout == f"IMAGE_ID={image_id}\n"
        again = host.ssh(commands["data-image-import"])
        assert again.returncode == 0 and f"{data_image} is already present" in again.stderr
    finally:
        docker("rmi", "-f", data_image, app_image, check=False)


def offline_tarball(path, text: bytes) -> None:
    """A gzip-compressed image tarball of one file, as Cloudify's offline `docker_url` may be."""
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("hello.txt")
        info.size = len(text)
        archive.addfile(info, io.BytesIO(text))


def test_the_same_app_tarball_again_keeps_its_image_and_a_new_one_is_imported(make_host, package_server, engine):
    """The app import runs again when its step does for another reason (a new release's first up, a new useSudo):
    the same content keeps the image ID the app container was made from, so it is not replaced for nothing."""
    tag = uuid.uuid4().hex[:8]
    app_image = f"cfytest/app:{tag}"
    host = make_host("import-again", with_engine=True)

    def imported(content: bytes) -> tuple[str, str]:
        offline_tarball(package_server.root / "cloudify-docker.tar.gz", content)
        pinned = package_server.pinned("cloudify-docker.tar.gz")
        step = declared_commands(
            host, appImage=app_image, cloudifyPackages=json.dumps({"docker": {"docker_url": pinned}})
        )["app-image-import"]
        result = host.ssh(step)
        assert result.returncode == 0, result.stderr
        return result.stdout, result.stderr

    try:
        first, _ = imported(b"release 1\n")
        again, said = imported(b"release 1\n")
        assert again == first and "nothing was imported" in said
        upgraded, said = imported(b"release 2\n")
        assert upgraded != first and "nothing was imported" not in said
        assert upgraded == f"IMAGE_ID={docker('image', 'inspect', '-f', '{{.Id}}', app_image).stdout.strip()}\n"
    finally:
        docker("rmi", "-f", app_image, check=False)


# -- readiness -----------------------------------------------------------------


@pytest.fixture
def web_container(app_container):
    """An app container answering HTTP on a free port of the host network, and logging a marker."""
    port = free_port()
    prefix, _ = app_container(
        "sh",
        "-c",
        "mkdir -p /www && echo ok > /www/version && echo MANAGER-LOG-MARKER && "
        f"exec busybox httpd -f -p 127.0.0.1:{port} -h /www",
    )
    return prefix, port


def test_readiness_succeeds_once_the_rest_port_answers(make_host, web_container):
    """That it waits for a late answer: test_a_long_readiness_wait_reports_progress_until_the_manager_answers."""
    prefix, port = web_container
    host = make_host("ready", with_engine=True)
    create = declared_commands(host, namePrefix=prefix, readinessPort=str(port))["ready"]
    result = host.ssh(create)
    assert result.returncode == 0, result.stderr
    assert f"manager answers at http://127.0.0.1:{port}/version" in result.stderr


def way_back() -> str:
    """The rollback wait_ready.sh prints, for the mocks' backup step report."""
    return (
        f"pulumi config set appImage {MOCK_PREVIOUS_IMAGE}; pulumi config set restoreFrom {MOCK_BACKUP_FILE}; pulumi up"
    )


def test_readiness_timeout_fails_with_the_container_log(make_host, web_container):
    prefix, port = web_container
    host = make_host("notready", with_engine=True)
    create = declared_commands(
        host, namePrefix=prefix, readinessPort=str(port), readinessPath="/not-there", readinessTimeout="3"
    )["ready"]
    result = host.ssh(create)
    assert result.returncode == 40
    assert f"did not answer http://127.0.0.1:{port}/not-there within 3 seconds" in result.stderr
    assert "MANAGER-LOG-MARKER" in result.stderr
    assert (
        f"sudo sh restore_backup.sh false {prefix}-manager {prefix}-data {MOCK_BACKUP_FILE}" in result.stderr
        and way_back() in result.stderr
    ), result.stderr


def readiness_failing_at_once(host, prefix: str, code: int):
    """The declared readiness step, with a long timeout, must fail with `code` well before it."""
    create = declared_commands(host, namePrefix=prefix, readinessPort=str(free_port()), readinessTimeout="120")["ready"]
    started = time.monotonic()
    result = host.ssh(create)
    assert result.returncode == code, result.stderr
    assert time.monotonic() - started < 30, "reported at once, not after readinessTimeout"
    return result


def test_readiness_reports_a_database_schema_mismatch_at_once_with_the_way_back(make_host, app_container):
    """cloudify-manager-install 7.0.4 restservice/db.py `validate_schema_version` refuses a database written by
    another schema revision; the manager then never answers, so waiting out the timeout would say nothing."""
    message = (
        "ValidationError: Database schema version mismatch: this manager expects schema revision "
        "8e8314b1d848 but the database is 272e61bf5f4a)"
    )
    prefix, _ = app_container("sh", "-c", f"echo '{message}' && exec sleep 600")
    result = readiness_failing_at_once(make_host("schema", with_engine=True), prefix, 43)
    assert way_back() in result.stderr
    assert message in result.stderr, "the container's own log line is shown"


def test_a_long_readiness_wait_reports_progress_until_the_manager_answers(make_host, app_container):
    port = free_port()
    prefix, container = app_container(
        "sh",
        "-c",
        "mkdir -p /www && echo ok > /www/version && "
        "until [ -f /www/go ]; do sleep 0.2; done && "
        f"exec busybox httpd -f -p 127.0.0.1:{port} -h /www",
    )
    host = make_host("slow", with_engine=True)
    create = declared_commands(host, namePrefix=prefix, readinessPort=str(port), readinessTimeout="60")["ready"]
    # The manager starts answering 13 s into the wait, whatever the test bed's own start-up took.
    threading.Timer(13, lambda: docker("exec", container, "touch", "/www/go")).start()
    result = host.ssh(create)
    assert result.returncode == 0, result.stderr
    url = f"http://127.0.0.1:{port}/version"
    lines = result.stderr.splitlines()
    assert lines[0] == f"wait-ready: waiting up to 60 s for the manager to answer {url}"
    assert re.fullmatch(rf"wait-ready: waiting for {re.escape(url)}: (1[0-2]) s elapsed, (4[8-9]|50) s left", lines[1])
    assert re.fullmatch(rf"wait-ready: manager answers at {re.escape(url)} after 1[3-6] s", lines[-1])


def test_a_readiness_wait_that_times_out_reports_progress_then_fails(make_host, web_container):
    prefix, port = web_container
    host = make_host("slow-timeout", with_engine=True)
    result = host.ssh(
        declared_commands(
            host, namePrefix=prefix, readinessPort=str(port), readinessPath="/not-there", readinessTimeout="12"
        )["ready"]
    )
    assert result.returncode == 40
    url = f"http://127.0.0.1:{port}/not-there"
    progress = [line for line in result.stderr.splitlines() if "s elapsed" in line]
    assert len(progress) == 1 and re.fullmatch(
        rf"wait-ready: waiting for {re.escape(url)}: 1[0-2] s elapsed, [0-2] s left", progress[0]
    ), progress
    assert f"did not answer {url} within 12 seconds" in result.stderr


def test_readiness_fails_at_once_when_the_container_stops(make_host, app_container):
    prefix, container = app_container("sh", "-c", "echo MANAGER-DIED-MARKER; exit 3")
    result = readiness_failing_at_once(make_host("stopped-app", with_engine=True), prefix, 41)
    assert f"container {container} is not running" in result.stderr and "MANAGER-DIED-MARKER" in result.stderr


def test_readiness_needs_an_http_client_on_the_host(make_host, web_container):
    prefix, port = web_container
    host = make_host("no-curl", with_engine=True)
    host.setup("rm -f /usr/bin/curl && ! command -v wget")
    result = host.ssh(declared_commands(host, namePrefix=prefix, readinessPort=str(port))["ready"])
    assert result.returncode == 42, result.stderr
    assert "neither curl nor wget is installed on the Docker host" in result.stderr


def test_a_readiness_failure_shows_the_last_40_lines_of_the_container_log(make_host, app_container):
    prefix, _ = app_container(
        "sh", "-c", "i=1; while [ $i -le 100 ]; do echo log-line-$i; i=$((i+1)); done; exec sleep 600"
    )
    host = make_host("log-tail", with_engine=True)
    result = host.ssh(
        declared_commands(host, namePrefix=prefix, readinessPort=str(free_port()), readinessTimeout="3")["ready"]
    )
    assert result.returncode == 40, result.stderr
    shown = re.findall(r"^log-line-(\d+)$", result.stderr, re.M)
    assert shown == [str(n) for n in range(61, 101)]


def test_an_agent_package_that_dpkg_refuses_fails_naming_it(make_host, package_server, app_container):
    prefix, _ = app_container("sleep", "3600")
    deb = build_deb(package_server.root, "cloudify-broken-agent", "1.0", depends="no-such-package-anywhere")
    url = f"{package_server.url}/{deb.name}"
    host = make_host("agents-dpkg", with_engine=True)
    result = host.ssh(
        declared_commands(host, namePrefix=prefix, cloudifyPackages=agents_config(a=package_server.pinned(deb.name)))[
            "agent-packages"
        ]
    )
    assert result.returncode == 21, result.stderr
    assert f"dpkg could not install the package from {url} inside container {prefix}-manager" in result.stderr


def test_an_agent_package_whose_checksum_differs_is_refused_before_it_reaches_the_container(
    make_host, package_server, app_container
):
    prefix, container = app_container("sleep", "3600")
    tarball = build_tarball(package_server.root / "agent.tar.gz", b"what the mirror serves today\n")
    pinned = {**package_server.pinned(tarball.name), "sha256": "f" * 64}
    host = make_host("agents-sha", with_engine=True)
    create = declared_commands(host, namePrefix=prefix, cloudifyPackages=agents_config(a=pinned))["agent-packages"]
    result = host.ssh(create)
    assert result.returncode == 23, result.stderr
    actual = hashlib.sha256(tarball.read_bytes()).hexdigest()
    assert f"does not have the configured sha256 {'f' * 64} (it has {actual}); nothing was installed" in result.stderr
    assert in_container(container, "test -e /opt/manager/resources/packages/agents/agent.tar.gz").returncode != 0


def test_an_image_tarball_whose_checksum_differs_is_not_imported(make_host, package_server, engine):
    (package_server.root / "cloudify-docker.tar").write_bytes(b"not what was pinned\n")
    tag = uuid.uuid4().hex[:8]
    host = make_host("import-sha", with_engine=True)
    pinned = {**package_server.pinned("cloudify-docker.tar"), "sha256": "f" * 64}
    commands = declared_commands(
        host,
        appImage=f"cfytest/app:{tag}",
        dataImage=f"cfytest/data:{tag}",
        cloudifyPackages=json.dumps({"docker": {"docker_url": pinned}}),
    )
    result = host.ssh(commands["data-image-import"])
    assert result.returncode == 32, result.stderr
    assert "does not have the configured sha256" in result.stderr and "nothing was imported" in result.stderr
    assert docker("image", "inspect", f"cfytest/data:{tag}", check=False).returncode != 0


def test_agents_need_a_running_app_container(make_host, package_server, app_container):
    prefix, container = app_container("sleep", "3600")
    docker("stop", "-t", "0", container)
    tarball = build_tarball(package_server.root / "agent.tar.gz", b"x\n")
    host = make_host("agents-stopped", with_engine=True)
    result = host.ssh(
        declared_commands(
            host, namePrefix=prefix, cloudifyPackages=agents_config(a=package_server.pinned(tarball.name))
        )["agent-packages"]
    )
    assert result.returncode == 22, result.stderr
    assert f"container {container} is not running; check 'docker logs {container}'" in result.stderr


@pytest.mark.parametrize(
    ("served", "code", "message"),
    [
        (None, 30, "could not download the image tarball"),
        (b"this is not a tar archive\n" * 100, 31, "docker import of"),
    ],
)
def test_offline_import_failures_name_the_tarball(make_host, package_server, engine, served, code, message):
    if served is not None:
        (package_server.root / "cloudify-docker.tar").write_bytes(served)
    url = f"{package_server.url}/cloudify-docker.tar"
    tag = uuid.uuid4().hex[:8]
    host = make_host("import-fails", with_engine=True)
    commands = declared_commands(
        host,
        appImage=f"cfytest/app:{tag}",
        dataImage=f"cfytest/data:{tag}",
        cloudifyPackages=json.dumps({"docker": {"docker_url": package_server.pinned("cloudify-docker.tar")}}),
    )
    try:
        result = host.ssh(commands["data-image-import"])
        assert result.returncode == code, result.stderr
        assert message in result.stderr and url in result.stderr
    finally:
        docker("rmi", "-f", f"cfytest/data:{tag}", check=False)


def test_a_config_folder_that_cannot_be_created_fails_naming_the_setting(make_host, engine):
    host = make_host("config-dir", with_engine=True)
    run = render_for_host(host, managerProfile="cloudify-7", configDir="/proc/cloudify-pulumi")
    step = run.one("command:remote:Command", "-manager-config").inputs
    result = host.ssh(step["create"], input_text=step["stdin"])
    assert result.returncode == 51, result.stderr
    assert "could not create /proc/cloudify-pulumi (configDir)" in result.stderr


@pytest.mark.parametrize("shell", ["/bin/bash", "/usr/bin/zsh"])
def test_the_declared_steps_run_for_users_whose_login_shell_is_bash_or_zsh(make_host, engine, shell):
    """The command provider hands each `create` string to the user's login shell: bash and zsh parse the
    `sh -c '<script>' <args>` form as sh does, hostile-looking arguments included."""
    host = make_host("shells", with_engine=True, docker_group=True)
    host.setup(f"usermod -s {shell} tester")
    assert host.ssh("echo $0").stdout.strip().endswith(shell.rsplit("/", 1)[1])
    hostile = "https://mirror.example.com/d?a=$(touch${IFS}/tmp/pwned)&b=`touch${IFS}/tmp/pwned2`;touch${IFS}/tmp/p3'\""
    run = render_for_host(host, managerProfile="cloudify-7", dockerAptRepo=hostile)
    engine_step = host.ssh(run.commands()["docker-engine"])
    assert engine_step.returncode == 0, engine_step.stderr
    assert engine_step.stdout == docker_step_report("debian 12", engine, host)
    step = run.one("command:remote:Command", "-manager-config").inputs
    written = host.ssh(step["create"], input_text=step["stdin"])
    assert written.returncode == 0, written.stderr
    assert written.stdout == "CONFIG_FILE=/etc/cloudify-pulumi/cloudify/config.yaml\n"
    assert host.root("cat /etc/cloudify-pulumi/cloudify/config.yaml").stdout == step["stdin"]
    for marker in ("/tmp/pwned", "/tmp/pwned2", "/tmp/p3"):
        assert not host.exists(marker)


@pytest.mark.parametrize("exists", [True, False])
def test_the_config_folder_is_made_0700_only_when_the_step_creates_it(make_host, engine, exists):
    host = make_host("config-mode", with_engine=True)
    folder = f"/srv/cfg-{uuid.uuid4().hex[:6]}/manager"
    if exists:
        host.root(f"mkdir -p {folder} && chmod 755 {folder}")
    run = render_for_host(host, managerProfile="cloudify-7", configDir=folder)
    step = run.one("command:remote:Command", "-manager-config").inputs
    result = host.ssh(step["create"], input_text=step["stdin"])
    assert result.returncode == 0, result.stderr
    modes = host.root(f"stat -c '%a' {folder} {folder}/config.yaml").stdout.split()
    assert modes == (["755", "600"] if exists else ["700", "600"])


class _RedirectToPlainHttp(http.server.BaseHTTPRequestHandler):
    """An https mirror that sends every download on to plain http, except `/direct`, which it serves itself."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/direct":
            self.send_response(200)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"direct")
            return
        self.send_response(302)
        self.send_header("Location", self.server.plain_url + self.path)  # type: ignore[attr-defined]
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_an_https_download_never_follows_a_redirect_to_plain_http(make_host, tmp_path):
    """common.sh `download` as the scripts ship it, on a test host that trusts the mirror's CA: a redirect from
    https to http is refused (curl --proto-redir =https), so an https URL without a sha256 cannot be downgraded."""
    www = tmp_path / "www"
    www.mkdir()
    (www / "agent.tar.gz").write_bytes(b"served over plain http\n")
    plain = PackageServer(www)
    signer = ca(tmp_path, "mirror-ca")
    certificate, key = server_certificate(tmp_path, "mirror", "localhost", signer)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RedirectToPlainHttp)
    server.plain_url = plain.url  # type: ignore[attr-defined]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host = make_host("https-only")
        host.root(
            f"printf '%s' {shlex.quote(signer[1].read_text())} > /usr/local/share/ca-certificates/mirror.crt"
            " && update-ca-certificates >/dev/null 2>&1"
        )
        library = (host_scripts.SCRIPTS_DIR / "common.sh").read_text()
        fetch = shlex.quote(f'SCRIPT=test\nUSE_SUDO=false\n{library}\ndownload "$1" "$2" && cat "$2"')
        mirror = f"https://localhost:{server.server_address[1]}"
        served = host.ssh(f"sh -c {fetch} test {mirror}/direct /tmp/direct")
        assert (served.returncode, served.stdout) == (0, "direct"), served.stderr
        redirected = host.ssh(f"sh -c {fetch} test {mirror}/agent.tar.gz /tmp/agent")
        assert redirected.returncode != 0 and "served over plain http" not in redirected.stdout, redirected.stderr
        assert "Protocol" in redirected.stderr and "not supported or disabled" in redirected.stderr, redirected.stderr
    finally:
        server.shutdown()
        server.server_close()
        plain.close()

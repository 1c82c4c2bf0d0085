"""Docker on Ubuntu 14.04, installed the way that still works today, over real SSH.

The test host has trusty's identity; the network tools (`apt-get`, `apt-key`,
`apt-mark`, `curl`) are stubs that record each call with the caller's uid, and
`uname -r` reports the kernel under test. Everything else is real: the
declared command string, `sh`, `sudo`, `gpg` checking the repository key's
fingerprint, `sha256sum` checking the CLI tarball, `tar`, `install`,
`service docker start` (an init script that connects the real engine's socket,
standing in for the upstart job), and the Docker provider's own connection
through the installed static CLI.

The repository key is a key made for the test (the program's default
fingerprint is Docker's, 9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88,
which a test cannot sign with); the CLI tarball wraps this machine's real
docker CLI. No test runs anything downloaded from the network.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from cloudify_pulumi.config.rules import DOCKER_APT_KEY_FINGERPRINT
from connhelper import ping
from harness import render_for_host
from hostbed import SshHost, docker, docker_step_report, real_docker_client
from test_provider_connection import provider_inputs

pytestmark = pytest.mark.hosts
REPO = "https://download.docker.com"
CLI_URL = f"{REPO}/linux/static/stable/x86_64/docker-20.10.24.tgz"
HTTPS_ONLY = "-fsSL --proto =https --proto-redir =https --retry 2"  # common.sh `download` of an https:// URL
LOG = "/tmp/stub-calls.log"

RECORD = f'printf "%s %s %s\\n" "$(id -u)" "$(basename "$0")" "$*" >> {LOG}\n'

STUBS = {
    # apt-get: records; installing docker-ce lays down what the package would, with 18.06's CLI.
    "apt-get": "#!/bin/sh\n"
    + RECORD
    + r"""
[ -e /etc/stub-apt-installs-nothing ] && exit 0
for arg in "$@"; do
    case "$arg" in docker-ce=*)
        version=${arg#docker-ce=}
        cat > /usr/bin/docker <<DOCKER
#!/bin/sh
# docker-ce $version's CLI: no 'system dial-stdio' (added in 18.09).
case "\$*" in
--version) echo "Docker version ${version%%~*}-ce, build e68fc7a" ;;
"system dial-stdio") echo "docker: 'system dial-stdio' is not a docker command." >&2; exit 1 ;;
*) exec /opt/engine-cli/docker "\$@" ;;
esac
DOCKER
        chmod 755 /usr/bin/docker
        printf '#!/bin/sh\n[ "$1" = start ] && ln -sf /outer/docker.sock /var/run/docker.sock\nexit 0\n' \
            > /etc/init.d/docker
        chmod 755 /etc/init.d/docker
        ;;
    esac
done
""",
    "apt-key": "#!/bin/sh\n" + RECORD + '[ "$1" = add ] && cp "$2" /tmp/apt-key-added\n',
    "apt-mark": "#!/bin/sh\n" + RECORD,
    # curl: records, then serves the fixture named like the URL's last path segment (404 when absent).
    "curl": "#!/bin/sh\n"
    + RECORD
    + """out= url=
while [ $# -gt 0 ]; do case "$1" in -o) out=$2; shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done
[ -f "/srv/fixtures/${url##*/}" ] || exit 22
cp "/srv/fixtures/${url##*/}" "$out"
""",
    "uname": '#!/bin/sh\n[ "$1" = -r ] && { cat /etc/stub-kernel; exit 0; }\nexec /bin/uname "$@"\n',
}


@dataclass(frozen=True)
class Fixtures:
    folder: Path
    fingerprint: str
    cli_sha256: str


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory) -> Fixtures:
    """A repository key made for the test, and a CLI tarball around this machine's real docker CLI."""
    folder = tmp_path_factory.mktemp("fixtures")
    gnupg = tmp_path_factory.mktemp("gnupg")
    gpg = ["gpg", "--homedir", str(gnupg), "--batch"]
    subprocess.run(
        [*gpg, "--passphrase", "", "--quick-gen-key", "Test Repo <repo@example.com>", "ed25519", "sign", "never"],
        check=True,
        capture_output=True,
    )
    (folder / "gpg").write_bytes(subprocess.run([*gpg, "--armor", "--export"], check=True, capture_output=True).stdout)
    listing = subprocess.run([*gpg, "--with-colons", "--fingerprint"], check=True, capture_output=True, text=True)
    fingerprint = next(line.split(":")[9] for line in listing.stdout.splitlines() if line.startswith("fpr:"))
    tarball = folder / "docker-20.10.24.tgz"
    with tarfile.open(tarball, "w:gz", compresslevel=1) as archive:
        archive.add(real_docker_client(), arcname="docker/docker")
    return Fixtures(folder, fingerprint, hashlib.sha256(tarball.read_bytes()).hexdigest())


def trusty_host(make_host, fixtures: Fixtures, kernel: str = "4.4.0-148-generic", **options) -> SshHost:
    """Ubuntu 14.04 without Docker; the engine's socket waits at /outer for `service docker start`.
    What the network serves is in /srv/fixtures (the curl stub serves a URL's last path segment from there)."""
    host = make_host(
        "trusty",
        identity="ubuntu-14.04",
        with_engine=True,
        engine_socket="/outer/docker.sock",
        client_path="/opt/engine-cli/docker",
        **options,
    )
    for name, text in STUBS.items():
        host.put(f"/usr/local/bin/{name}", text, mode="755")
    host.put("/etc/stub-kernel", kernel + "\n")
    host.put(LOG, "", mode="666")
    host.setup("mkdir -p /srv/fixtures")
    for fixture in fixtures.folder.iterdir():
        docker("cp", str(fixture), f"{host.name}:/srv/fixtures/{fixture.name}")
    return host


def calls(host: SshHost) -> list[str]:
    """The recorded calls, temporary file names made stable."""
    return [re.sub(r"/tmp/tmp\.\w+", "/tmp/TMP", line) for line in host.root(f"cat {LOG}").stdout.splitlines()]


def settings(fixtures: Fixtures, **overrides: str) -> dict[str, str]:
    return {"dockerAptKeyFingerprint": fixtures.fingerprint, "dockerCliSha256": fixtures.cli_sha256, **overrides}


@pytest.mark.parametrize(
    ("kernel", "wanted", "version"),
    [
        ("4.4.0-148-generic", "auto", "18.06.3~ce~3-0~ubuntu"),  # the HWE kernel: the last trusty build
        # trusty's stock kernel, where 18.06.2+'s runc fix cannot run: only when asked for by name
        ("3.13.0-170-generic", "18.06.1~ce~3-0~ubuntu", "18.06.1~ce~3-0~ubuntu"),
    ],
)
def test_trusty_installs_docker_from_the_apt_repository_and_serves_the_providers_connection(
    make_host, fixtures, engine, kernel, wanted, version
):
    host = trusty_host(make_host, fixtures, kernel)
    run = render_for_host(host, **settings(fixtures, dockerTrustyVersion=wanted))
    result = host.ssh(run.commands()["docker-engine"])
    assert result.returncode == 0, result.stderr

    assert calls(host) == [
        "0 apt-get -q -y update",
        "0 apt-get -q -y install apt-transport-https ca-certificates curl",
        f"1000 curl {HTTPS_ONLY} -o /tmp/TMP {REPO}/linux/ubuntu/gpg",
        "0 apt-key add /tmp/TMP",
        "0 apt-get -q -y update",
        f"0 apt-get -q -y install docker-ce={version}",
        "0 apt-mark hold docker-ce",
        f"1000 curl {HTTPS_ONLY} -o /tmp/TMP/docker.tgz {CLI_URL}",
    ]
    assert (
        host.root("cat /etc/apt/sources.list.d/docker.list").stdout
        == f"deb [arch=amd64] {REPO}/linux/ubuntu trusty stable\n"
    )
    assert host.root("cmp /tmp/apt-key-added /srv/fixtures/gpg").returncode == 0, "apt trusts the checked key"
    assert f"installing docker-ce {version} from {REPO}" in result.stderr

    assert result.stdout == docker_step_report("ubuntu 14.04", engine, host)
    assert host.ssh("command -v docker").stdout.strip() == "/usr/local/bin/docker"
    assert "adding tester to group docker" in result.stderr

    connection = ping(*provider_inputs(run))
    assert connection.answered_ok, connection.stderr

    again = host.ssh(run.commands()["docker-engine"])
    assert again.returncode == 0 and len(calls(host)) == 8, "a second run installs nothing"


def test_trusty_without_a_cli_checksum_fails_before_changing_anything(make_host, fixtures):
    host = trusty_host(make_host, fixtures)
    run = render_for_host(host, dockerAptKeyFingerprint=fixtures.fingerprint)
    result = host.ssh(run.commands()["docker-engine"])
    assert result.returncode == 15
    assert "Set dockerCliSha256 to the SHA-256 of " + CLI_URL in result.stderr
    assert "Nothing was changed" in result.stderr
    assert calls(host) == [] and not host.exists("/usr/bin/docker")


def test_trusty_refuses_a_repository_key_with_another_fingerprint(make_host, fixtures):
    host = trusty_host(make_host, fixtures)
    run = render_for_host(host, dockerCliSha256=fixtures.cli_sha256)  # Docker's own fingerprint, the default
    result = host.ssh(run.commands()["docker-engine"])
    assert result.returncode == 18
    assert f"has fingerprint '{fixtures.fingerprint}', not {DOCKER_APT_KEY_FINGERPRINT}" in result.stderr
    assert not any(" apt-key " in call or "docker-ce" in call for call in calls(host))
    assert not host.exists("/etc/apt/sources.list.d/docker.list") and not host.exists("/usr/bin/docker")


def test_trusty_refuses_a_cli_tarball_with_another_checksum(make_host, fixtures):
    host = trusty_host(make_host, fixtures)
    run = render_for_host(host, **settings(fixtures, dockerCliSha256="0" * 64))
    result = host.ssh(run.commands()["docker-engine"])
    assert result.returncode == 19
    assert f"{CLI_URL} has SHA-256 {fixtures.cli_sha256}, not {'0' * 64}" in result.stderr
    assert not host.exists("/usr/local/bin/docker")


def test_trusty_user_without_sudo_gets_a_clear_message_and_nothing_is_done(make_host, fixtures):
    host = trusty_host(make_host, fixtures, sudo=False)
    result = host.ssh(render_for_host(host, **settings(fixtures)).commands()["docker-engine"])
    assert result.returncode == 11
    assert "user tester cannot run sudo without a password" in result.stderr
    assert calls(host) == [] and not host.exists("/usr/bin/docker")


def test_hostile_repository_url_reaches_the_host_as_inert_data(make_host, fixtures):
    host = trusty_host(make_host, fixtures)
    hostile = (
        "https://mirror.example.com/d?a=$(touch${IFS}/tmp/pwned)&b=`touch${IFS}/tmp/pwned2`;touch${IFS}/tmp/pwned3'\""
    )
    result = host.ssh(render_for_host(host, **settings(fixtures, dockerAptRepo=hostile)).commands()["docker-engine"])
    assert result.returncode == 0, result.stderr
    assert calls(host)[2] == f"1000 curl {HTTPS_ONLY} -o /tmp/TMP {hostile}/linux/ubuntu/gpg"
    assert (
        host.root("cat /etc/apt/sources.list.d/docker.list").stdout
        == f"deb [arch=amd64] {hostile}/linux/ubuntu trusty stable\n"
    )
    for marker in ("/tmp/pwned", "/tmp/pwned2", "/tmp/pwned3"):
        assert not host.exists(marker)


def test_trusty_refuses_a_key_file_that_holds_another_key_besides_the_pinned_one(make_host, fixtures, tmp_path):
    """apt-key would trust every key in the file, so the pinned fingerprint must be the only key
    (docs/connectivity.md)."""
    gnupg = tmp_path / "gnupg"
    gnupg.mkdir(mode=0o700)
    gpg = ["gpg", "--homedir", str(gnupg), "--batch"]
    subprocess.run([*gpg, "--import", str(fixtures.folder / "gpg")], check=True, capture_output=True)
    subprocess.run(
        [*gpg, "--passphrase", "", "--quick-gen-key", "Intruder <x@example.com>", "ed25519", "sign", "never"],
        check=True,
        capture_output=True,
    )
    both = subprocess.run([*gpg, "--armor", "--export"], check=True, capture_output=True).stdout
    host = trusty_host(make_host, fixtures)
    host.put("/srv/fixtures/gpg", both.decode())
    result = host.ssh(render_for_host(host, **settings(fixtures)).commands()["docker-engine"])
    assert result.returncode == 18, result.stderr
    assert "fingerprint 'none, or more than one key'" in result.stderr
    assert not any(" apt-key " in call or "docker-ce" in call for call in calls(host))
    assert not host.exists("/etc/apt/sources.list.d/docker.list")


def test_trusty_names_the_key_url_when_it_cannot_be_downloaded(make_host, fixtures):
    host = trusty_host(make_host, fixtures)
    host.setup("rm /srv/fixtures/gpg")
    result = host.ssh(render_for_host(host, **settings(fixtures)).commands()["docker-engine"])
    assert result.returncode == 13, result.stderr
    assert f"could not download Docker's repository key from {REPO}/linux/ubuntu/gpg" in result.stderr
    assert not host.exists("/etc/apt/sources.list.d/docker.list")


def test_trusty_stops_when_the_installed_package_left_no_docker_command(make_host, fixtures):
    host = trusty_host(make_host, fixtures)
    host.put("/etc/stub-apt-installs-nothing", "")
    result = host.ssh(render_for_host(host, **settings(fixtures)).commands()["docker-engine"])
    assert result.returncode == 14, result.stderr
    assert "docker-ce 18.06.3~ce~3-0~ubuntu is installed but no docker command is on PATH" in result.stderr


def test_auto_on_a_3_x_kernel_is_refused_naming_the_cve_the_hwe_kernel_and_the_explicit_version(make_host, fixtures):
    """On 3.13 the only docker-ce whose containers start lacks the CVE-2019-5736 runc fix: nothing is installed."""
    host = trusty_host(make_host, fixtures, "3.13.0-170-generic")
    result = host.ssh(render_for_host(host, **settings(fixtures)).commands()["docker-engine"])
    assert result.returncode == 20, result.stderr
    for words in (
        "dockerTrustyVersion is auto, and Ubuntu 14.04",
        "runs kernel 3.13.0-170-generic",
        "CVE-2019-5736",
        "sudo apt-get install linux-generic-lts-xenial",
        "pulumi config set dockerTrustyVersion 18.06.1~ce~3-0~ubuntu",
        "Nothing was installed.",
    ):
        assert words in result.stderr, result.stderr
    assert calls(host) == [] and not host.exists("/etc/apt/sources.list.d/docker.list")


def test_trusty_refuses_a_static_cli_older_than_dial_stdio_needs(make_host, fixtures, tmp_path):
    old = tmp_path / "docker-18.06.1-ce.tgz"
    script = tmp_path / "docker"
    script.write_text('#!/bin/sh\necho "Docker version 18.06.1-ce, build e68fc7a"\n')
    script.chmod(0o755)
    with tarfile.open(old, "w:gz") as archive:
        archive.add(script, arcname="docker/docker")
    host = trusty_host(make_host, fixtures)
    docker("cp", str(old), f"{host.name}:/srv/fixtures/{old.name}")
    url = f"{REPO}/linux/static/stable/x86_64/{old.name}"
    run = render_for_host(
        host, **settings(fixtures, dockerCliUrl=url, dockerCliSha256=hashlib.sha256(old.read_bytes()).hexdigest())
    )
    result = host.ssh(run.commands()["docker-engine"])
    assert result.returncode == 16, result.stderr
    assert f"/usr/local/bin/docker from {url} reports version '18.06.1-ce', older than 18.09" in result.stderr

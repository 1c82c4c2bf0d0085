"""The test bed for host scripts: SSH host containers on a real Docker engine.

One locally built image (a `debootstrap --variant=minbase` Debian rootfs with
openssh-server, sudo, curl and busybox, `docker import`ed) backs every
scenario. Each `SshHost` is a container running sshd on its own loopback port
in the host network namespace, so that, like a real Docker host, whatever it
publishes through the engine is on its 127.0.0.1. A scenario gives it a
distribution identity (/etc/os-release, /etc/lsb-release), a non-root user
with or without passwordless sudo, and optionally the real `docker` client
with the engine's socket.

The rootfs tarball is cached under ~/.cache/cloudify-pulumi-tests keyed on the
recipe below, and the image tag carries the same key, so later runs start in
seconds.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import http.server
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

SUITE = "bookworm"
PACKAGES = "openssh-server,sudo,curl,ca-certificates,busybox,procps,gpg,zsh,zstd"
IMAGE_SETUP = (
    "useradd -m -s /bin/sh tester && mkdir -p /run/sshd /home/tester/.ssh && "
    "chown tester /home/tester/.ssh && chmod 700 /home/tester/.ssh && ssh-keygen -A && "
    "rm -f /etc/sudoers.d/tester"
)
RECIPE_KEY = hashlib.sha256(f"{SUITE}|{PACKAGES}|{IMAGE_SETUP}|v1".encode()).hexdigest()[:12]
IMAGE = f"cloudify-pulumi-testhost:{RECIPE_KEY}"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cloudify-pulumi-tests"
LABEL = "cloudify-pulumi-test=1"

# Everything the code under test printed on the hosts (stdout and stderr), for
# conftest's check that no configured secret ever appears in it.
EMITTED: list[str] = []
WATCHED_SECRETS: set[str] = set()

OS_RELEASES = {
    "ubuntu-14.04": (
        'NAME="Ubuntu"\nVERSION="14.04.6 LTS, Trusty Tahr"\nID=ubuntu\nID_LIKE=debian\n'
        'PRETTY_NAME="Ubuntu 14.04.6 LTS"\nVERSION_ID="14.04"\n',
        'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=14.04\nDISTRIB_CODENAME=trusty\nDISTRIB_DESCRIPTION="Ubuntu 14.04.6 LTS"\n',
    ),
    "ubuntu-16.04": (
        'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="Ubuntu 16.04.7 LTS"\nVERSION_ID="16.04"\n',
        'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=16.04\nDISTRIB_CODENAME=xenial\nDISTRIB_DESCRIPTION="Ubuntu 16.04.7 LTS"\n',
    ),
    "centos-7": (
        'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\n'
        'VERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\n',
        None,
    ),
    "debian-12": (None, None),  # the image's own, real identity
}


class TestBedUnavailable(RuntimeError):
    """The Docker engine or the image the host tests need is not available."""


def docker(*args: str, check: bool = True, input_text: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], check=check, capture_output=True, text=True, input=input_text)


def engine_version() -> str:
    """The engine's server version; raises TestBedUnavailable with the reason when none answers."""
    if shutil.which("docker") is None:
        raise TestBedUnavailable("the docker client is not installed (scripts/test installs docker.io)")
    result = docker("version", "--format", "{{.Server.Version}}", check=False)
    if result.returncode != 0:
        raise TestBedUnavailable(f"no Docker engine answers (scripts/test starts dockerd): {result.stderr.strip()}")
    return result.stdout.strip()


@functools.cache
def engine_root() -> str:
    """The engine's data folder (`docker info`: DockerRootDir), where its named volumes live."""
    return docker("info", "--format", "{{.DockerRootDir}}").stdout.strip()


def ensure_image() -> str:
    """Build (or reuse) the test host image; returns its tag. One build at a time on this machine: test workers
    side by side wait for the first one's."""
    if docker("image", "inspect", IMAGE, check=False).returncode == 0:
        return IMAGE
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "image.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if docker("image", "inspect", IMAGE, check=False).returncode == 0:
            return IMAGE
        return _build_image()


def _build_image() -> str:
    tarball = CACHE / f"rootfs-{RECIPE_KEY}.tar"
    if not tarball.exists():
        _build_rootfs(tarball)
    docker("import", str(tarball), f"{IMAGE}-base")
    name = f"cfy-testbed-setup-{uuid.uuid4().hex[:8]}"
    try:
        docker("run", "--name", name, f"{IMAGE}-base", "/bin/sh", "-c", IMAGE_SETUP)
        docker("commit", "--change", 'CMD ["/usr/sbin/sshd", "-D", "-e"]', name, IMAGE)
    finally:
        docker("rm", "-f", name, check=False)
        docker("rmi", f"{IMAGE}-base", check=False)
    return IMAGE


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses for SUITE (TESTBED_DEBIAN_MIRROR wins): no registry host name is
    written in the repository, and the test bed fetches from wherever this machine is allowed to."""
    if os.environ.get("TESTBED_DEBIAN_MIRROR"):
        return os.environ["TESTBED_DEBIAN_MIRROR"]
    sources = Path("/etc/apt")
    for path in sorted(sources.glob("sources.list.d/*.sources")):
        for stanza in path.read_text().split("\n\n"):
            lines = [line for line in stanza.splitlines() if ":" in line and not line.startswith("#")]
            fields = dict(line.split(":", 1) for line in lines)
            suites = fields.get("Suites", "").split()
            if SUITE in suites and "deb" in fields.get("Types", "").split():
                return fields["URIs"].split()[0]
    for path in [sources / "sources.list", *sorted(sources.glob("sources.list.d/*.list"))]:
        for line in path.read_text().splitlines() if path.exists() else []:
            words = [w for w in line.split() if not w.startswith("[")]
            if len(words) >= 3 and words[0] == "deb" and words[2] == SUITE:
                return words[1]
    raise TestBedUnavailable(f"no Debian {SUITE} mirror in /etc/apt; set TESTBED_DEBIAN_MIRROR")


def _build_rootfs(tarball: Path) -> None:
    if shutil.which("debootstrap") is None:
        raise TestBedUnavailable("debootstrap is not installed (scripts/test installs it)")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as work:
        root = Path(work) / "rootfs"
        subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={PACKAGES}", SUITE, str(root), debian_mirror()],
            check=True,
            capture_output=True,
        )
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(root), "-cf", str(partial), "."], check=True)
        partial.rename(tarball)


def real_docker_client() -> str:
    """This machine's docker CLI binary (static), which the test hosts run as theirs."""
    return os.path.realpath(shutil.which("docker") or "docker")


def real_client_version() -> str:
    """The version of that CLI, as `docker --version` prints it."""
    out = subprocess.run([real_docker_client(), "--version"], capture_output=True, text=True, check=True).stdout
    return out.split("Docker version ", 1)[1].split(",", 1)[0]


def docker_step_report(distribution: str, server: str, host: SshHost) -> str:
    """What the Docker step prints on a test host whose docker CLI is this machine's, on the default socket."""
    return (
        f"HOST_DISTRIBUTION={distribution}\nDOCKER_SERVER_VERSION={server}\n"
        f"DOCKER_CLIENT_VERSION={real_client_version()}\nDOCKER_ENDPOINT=unix:///var/run/docker.sock\n"
        f"HOST_ADDRESSES={' '.join(host.own_addresses())}\n"
    )


def engine_socket_gid() -> int:
    """The engine socket's group: scripts/test makes dockerd give it to a `docker` group, not root."""
    gid = os.stat("/var/run/docker.sock").st_gid
    if gid == 0:
        raise TestBedUnavailable(
            "/var/run/docker.sock is group-owned by root; create a docker group and restart "
            "dockerd (scripts/test does) so that test hosts can grant access by group"
        )
    return gid


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


class SshHost:
    """A container reached only over SSH, as the command provider reaches a host."""

    def __init__(
        self,
        scenario: str,
        *,
        key_dir: Path,
        identity: str = "debian-12",
        sudo: bool = True,
        with_engine: bool = False,
        engine_socket: str = "/var/run/docker.sock",
        client_path: str = "/usr/bin/docker",
        docker_group: bool = False,
        shared_dirs: tuple[str, ...] = (),
        networks: tuple[str, ...] = (),
        allow_from: str | None = None,
    ) -> None:
        """`with_engine`: the real `docker` client at `client_path`, and the engine's socket mounted at
        `engine_socket`, group-owned by a group named `docker` as on a real host, and the engine's volume folders
        at their paths, read-only (a real host has them locally); `docker_group`: the user
        is in it. `shared_dirs` are this machine's folders at the same paths, so that what a host command
        writes there is what the engine bind-mounts. `networks`: Docker networks instead of this machine's
        network namespace (sshd on port 22 of the first one's address, `address`); `allow_from`: sshd
        accepts the user only from that address (AllowUsers), so that nothing bypasses a bastion."""
        self.name = f"cfy-testhost-{scenario}-{uuid.uuid4().hex[:8]}"
        self.port = free_port() if not networks else 22
        self.user = "tester"
        self.key = key_dir / "id_ed25519"
        if not self.key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.key)], check=True)
        WATCHED_SECRETS.update(line for line in self.key.read_text().splitlines() if "PRIVATE KEY" not in line)
        network = networks[0] if networks else "host"
        run_args = ["run", "-d", "--name", self.name, "--label", LABEL, "--network", network]
        if with_engine:
            # On a real Docker host the engine's volume folders are local: the backup step measures them there.
            volumes = f"{engine_root()}/volumes"
            run_args += ["-v", f"/var/run/docker.sock:{engine_socket}", "-v", f"{volumes}:{volumes}:ro"]
        for folder in shared_dirs:
            run_args += ["-v", f"{folder}:{folder}"]
        listen = ["-p", str(self.port), "-o", "ListenAddress=127.0.0.1"] if not networks else ["-p", "22"]
        allowed = ["-o", f"AllowUsers={self.user}@{allow_from}"] if allow_from else []
        docker(*run_args, ensure_image(), "/usr/sbin/sshd", "-D", "-e", *listen, *allowed)
        try:
            for network in networks[1:]:
                docker("network", "connect", network, self.name)
            self.address = self.address_on(networks[0]) if networks else "127.0.0.1"
            self._configure(identity, sudo, with_engine, client_path, docker_group)
            if not networks or networks[0] == "bridge":
                self._wait_for_ssh()  # a host on an internal network waits for its bastion: wait_via
        except BaseException:
            self.remove()
            raise

    def _configure(self, identity: str, sudo: bool, with_engine: bool, client_path: str, docker_group: bool) -> None:
        self.put(
            "/home/tester/.ssh/authorized_keys", self.key.with_suffix(".pub").read_text(), mode="600", owner="tester"
        )
        if sudo:
            self.put("/etc/sudoers.d/tester", "tester ALL=(ALL) NOPASSWD:ALL\n", mode="440")
        os_release, lsb_release = OS_RELEASES[identity]
        if os_release is not None:
            self.root("rm -f /etc/os-release /usr/lib/os-release")
            self.put("/etc/os-release", os_release)
        if lsb_release is not None:
            self.put("/etc/lsb-release", lsb_release)
        if with_engine:
            self.setup(f"mkdir -p {os.path.dirname(client_path)}")
            docker("cp", real_docker_client(), f"{self.name}:{client_path}")
            # The group the engine's socket has on this machine, named `docker` inside, as on a real host.
            self.setup(f"groupadd -g {engine_socket_gid()} docker")
        if docker_group:
            self.setup("usermod -aG docker tester")

    def put(self, path: str, text: str, *, mode: str = "644", owner: str = "root") -> None:
        """Write a file on the host as root (test bed setup, not the code under test)."""
        docker(
            "exec",
            "-i",
            self.name,
            "sh",
            "-c",
            'cat > "$1" && chmod "$2" "$1" && chown "$3" "$1"',
            "put",
            path,
            mode,
            owner,
            input_text=text,
        )

    def root(self, script: str) -> Result:
        """Run setup or inspection as root, outside SSH."""
        done = docker("exec", self.name, "sh", "-c", script, check=False)
        return Result(done.returncode, done.stdout, done.stderr)

    def setup(self, script: str) -> None:
        """Run a test bed setup step as root; a failure stops the test with its output."""
        done = self.root(script)
        if done.returncode != 0:
            raise TestBedUnavailable(f"setup step {script!r} failed on {self.name}: {done.stdout}{done.stderr}")

    def address_on(self, network: str) -> str:
        """This host's IPv4 address on a Docker network."""
        return docker(
            "inspect", "-f", f'{{{{(index .NetworkSettings.Networks "{network}").IPAddress}}}}', self.name
        ).stdout.strip()

    def ssh_options(self) -> list[str]:
        """OpenSSH options for this host: batch mode, its key, no known_hosts (the test bed's own access)."""
        return [
            "-i",
            str(self.key),
            "-p",
            str(self.port),
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
        ]

    def ssh_argv(self, via: SshHost | None = None) -> list[str]:
        """OpenSSH's argv up to the remote command; through `via` (a bastion, with its own key) when given."""
        argv = ["ssh", *self.ssh_options()]
        if via is not None:
            hop = " ".join(["ssh", *via.ssh_options(), "-W", "'[%h]:%p'", f"{via.user}@{via.address}"])
            argv += ["-o", f"ProxyCommand={hop}"]
        return [*argv, f"{self.user}@{self.address}"]

    def own_addresses(self) -> list[str]:
        """The host's addresses as ensure_docker.sh reports them (IPv4 dotted, IPv6 as 32 hex digits, sorted,
        link-local IPv6 left out), read by another route: this machine's `ip -o addr show` inside the container's
        network namespace."""
        pid = docker("inspect", "-f", "{{.State.Pid}}", self.name).stdout.strip()
        shown = subprocess.run(
            ["nsenter", "-t", pid, "-n", "ip", "-o", "addr", "show"], check=True, capture_output=True, text=True
        ).stdout
        found = set()
        for line in shown.splitlines():
            family, address = line.split()[2:4]
            ip = ipaddress.ip_address(address.split("/")[0])
            if family == "inet6" and ip.is_link_local:
                continue
            found.add(ip.exploded.replace(":", "") if family == "inet6" else str(ip))
        return sorted(found)

    def exists(self, path: str) -> bool:
        return docker("exec", self.name, "test", "-e", path, check=False).returncode == 0

    def ssh(
        self, command: str, timeout: float = 120, input_text: str | None = None, via: SshHost | None = None
    ) -> Result:
        """Run one command string over real SSH, exactly as the command provider sends it (with its stdin);
        through the bastion `via` when given."""
        done = subprocess.run(
            [*self.ssh_argv(via), command],
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input_text,
            stdin=subprocess.DEVNULL if input_text is None else None,
        )
        EMITTED.extend([done.stdout, done.stderr])
        return Result(done.returncode, done.stdout, done.stderr)

    def _wait_for_ssh(self, via: SshHost | None = None) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.ssh("true", timeout=10, via=via).returncode == 0:
                return
            time.sleep(0.3)
        logs = docker("logs", self.name, check=False)
        raise TestBedUnavailable(f"sshd in {self.name} did not answer: {logs.stdout}{logs.stderr}")

    def wait_via(self, bastion: SshHost) -> None:
        """Wait until sshd answers through `bastion` (a host only on an internal network)."""
        self._wait_for_ssh(via=bastion)

    def remove(self) -> None:
        docker("rm", "-f", "-v", self.name, check=False)


# An application stand-in that stops at once on SIGTERM, as a manager's init
# does (a bare `sleep` as PID 1 ignores it, and `docker stop` waits it out).
# It waits for each second's `sleep` with `wait`, which a trapped signal
# interrupts (POSIX, Shell Command Language 2.11): a shell in the foreground
# `sleep` runs its trap only once that second is over, and every `docker stop`
# of it, the benchmarks' timed ones among them, would hold up to a second of
# the stand-in's own sleep.
IDLE_UNTIL_TERM = ("sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done")


def create_declared_data_container(data_inputs: dict, image: str) -> None:
    """The data container exactly as the program declares it (its registered inputs): named volumes at their
    paths, or anonymous ones (`dataVolumes: anonymous`). With `start` false the provider only creates it
    (kreuzwerker v4.5.0 resource_docker_container_funcs.go line 584: ContainerStart only `if d.Get("start")`)."""
    assert data_inputs["start"] is False and data_inputs["mustRun"] is False
    mounts = [
        arg
        for volume in data_inputs["volumes"]
        for arg in (
            "-v",
            f"{volume['volumeName']}:{volume['containerPath']}" if "volumeName" in volume else volume["containerPath"],
        )
    ]
    docker("create", "--name", data_inputs["name"], "--label", LABEL, *mounts, image, *data_inputs["command"])


def run_declared_app_container(app_inputs: dict, image: str, *command: str, publish: bool = True) -> str:
    """Start the application container from the program's registered inputs, as the provider creates it
    (kreuzwerker v4.5.0 resource_docker_container_funcs.go `resourceDockerContainerCreate`: name, hostname, env,
    volumes_from, mounts, port bindings, privileged, tmpfs, capabilities, security options, memory, swap, CPUs,
    restart policy, log config, healthcheck),
    with `image` (a local image) for the registered image ID and `command` for the registered one, if given.
    `publish=False` leaves the port bindings out (a profile's ports 80 and 443 are this machine's too).
    Returns the container name."""
    args = ["run", "-d", "--name", app_inputs["name"], "--label", LABEL, "--restart", app_inputs["restart"]]
    args += ["--hostname", app_inputs["hostname"]] if "hostname" in app_inputs else []
    for env in app_inputs.get("envs", []):
        args += ["-e", env]
    for volume in app_inputs.get("volumes", []):
        args += ["--volumes-from", volume["fromContainer"]]
    for mount in app_inputs.get("mounts", []):
        readonly = ",readonly" if mount["readOnly"] else ""
        args += ["--mount", f"type={mount['type']},source={mount['source']},target={mount['target']}{readonly}"]
    for port in app_inputs.get("ports", []) if publish else []:
        args += ["-p", f"{port['ip']}:{int(port['external'])}:{int(port['internal'])}/{port['protocol']}"]
    for path, options in app_inputs.get("tmpfs", {}).items():
        args += ["--tmpfs", f"{path}:{options}" if options else path]
    for capability in app_inputs.get("capabilities", {}).get("adds", []):
        args += ["--cap-add", capability]
    for option in app_inputs.get("securityOpts", []):
        args += ["--security-opt", option]
    args += ["--privileged"] if app_inputs.get("privileged") else []
    # resource_docker_container_funcs.go lines 334-360: memory and memory_swap in MB (times 1024 * 1024, a swap
    # of -1 as is), cpus through moby's opts.ParseCPUs, which `docker run --cpus` uses too.
    args += ["--memory", f"{int(app_inputs['memory']) * 1024 * 1024}b"] if app_inputs.get("memory") else []
    if app_inputs.get("memorySwap"):
        swap = int(app_inputs["memorySwap"])
        args += ["--memory-swap", f"{swap * 1024 * 1024}b" if swap > 0 else str(swap)]
    args += ["--cpus", app_inputs["cpus"]] if app_inputs.get("cpus") else []
    args += ["--log-driver", app_inputs["logDriver"]] if "logDriver" in app_inputs else []
    for option, value in app_inputs.get("logOpts", {}).items():
        args += ["--log-opt", f"{option}={value}"]
    health = app_inputs.get("healthcheck")
    if health:
        assert health["tests"][0] == "CMD-SHELL" and health["startInterval"] == "0s"
        args += [
            "--health-cmd",
            health["tests"][1],
            "--health-interval",
            health["interval"],
            "--health-timeout",
            health["timeout"],
            "--health-start-period",
            health["startPeriod"],
            "--health-retries",
            str(int(health["retries"])),
        ]
    docker(*args, image, *(command or app_inputs.get("command", [])))
    return app_inputs["name"]


def delete_as_the_provider_does(name: str, remove_volumes: bool = True) -> None:
    """kreuzwerker v4.5.0 resource_docker_container_funcs.go `resourceDockerContainerDelete` (lines 1079-1102):
    ContainerRemove with Force and RemoveVolumes = `remove_volumes` (default true: `docker rm -f -v`)."""
    docker("rm", "-f", *(["-v"] if remove_volumes else []), name)


def wrap_docker(host: SshHost, before: str = "", after: str = "") -> None:
    """Put a `docker` in front of the host's real one (first on PATH, also under sudo's secure_path) that runs
    `before` (it may `exit` to fail a call), then the real client, then `after`, which sees the real exit
    status as $status. One injected failure; everything else is the real engine."""
    host.put(
        "/usr/local/bin/docker",
        f'#!/bin/sh\n{before}\n/usr/bin/docker "$@"\nstatus=$?\n{after}\nexit $status\n',
        mode="755",
    )


def start_app_container(name: str, *command: str) -> str:
    """A stand-in application container on the real engine, in the host network like the SSH hosts."""
    docker("run", "-d", "--name", name, "--label", LABEL, "--network", "host", ensure_image(), *command)
    return name


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - base class name
        owner: PackageServer = self.server.owner  # type: ignore[attr-defined]
        owner.requests.append(self.path)
        time.sleep(owner.delay)
        super().do_GET()


class PackageServer:
    """Serves files over HTTP on 127.0.0.1, which the SSH hosts share (host network)."""

    def __init__(self, root: Path, delay: float = 0) -> None:
        """`delay`: seconds each answer waits (a slow mirror: a fault test interrupts the download)."""
        self.root = root
        self.delay = delay
        self.requests: list[str] = []  # the paths asked for, in order
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.owner = self  # type: ignore[attr-defined]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def pinned(self, name: str) -> dict[str, str]:
        """`cloudifyPackages`' form of the served file `name` with its checksum, which a plain http:// URL needs
        (zeros for a file that is not there: the download fails before any check)."""
        path = self.root / name
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "0" * 64
        return {"url": f"{self.url}/{name}", "sha256": sha256}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- a private CA and server certificates, for the HTTPS stand-ins of the manager ----------------------------------


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def ca(folder: Path, label: str) -> tuple[Path, Path]:
    """A self-signed CA in `folder`: (key, certificate)."""
    key, cert = folder / f"{label}.key", folder / f"{label}.pem"
    openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", f"/CN={label}", "-keyout", str(key), "-out", str(cert),
    )  # fmt: skip
    return key, cert


def server_certificate(folder: Path, label: str, name: str, signer: tuple[Path, Path]) -> tuple[Path, Path]:
    """A certificate for the DNS name `name` signed by `signer` (a `ca`): (certificate, key)."""
    key, csr, cert, ext = (folder / f"{label}.{s}" for s in ("key", "csr", "pem", "ext"))
    openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", f"/CN={name}",
        "-keyout", str(key), "-out", str(csr),
    )  # fmt: skip
    ext.write_text(f"subjectAltName=DNS:{name}\n")
    openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(signer[1]), "-CAkey", str(signer[0]), "-CAcreateserial",
        "-days", "2", "-extfile", str(ext), "-out", str(cert),
    )  # fmt: skip
    return cert, key

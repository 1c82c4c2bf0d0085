"""The backup test bed: a manager's data container as declared, a stand-in app container, and the app side of
`pulumi up` run step by step in the engine's order, over real SSH, on the real engine."""

from __future__ import annotations

import json
import shlex
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cloudify_pulumi.host import host_scripts
from cloudify_pulumi.host.docker_resources import REPLACEMENT_KEY_ENV
from harness import MOCK_BACKUP_FILE, MOCK_PREVIOUS_IMAGE, Run, render_for_host, script_arguments
from hostbed import (
    IDLE_UNTIL_TERM,
    LABEL,
    PackageServer,
    Result,
    SshHost,
    create_declared_data_container,
    delete_as_the_provider_does,
    docker,
    ensure_image,
    run_declared_app_container,
    wrap_docker,
)

STATE_PATHS = ["/srv/cfy-state", "/var/lib/cfy-db"]

# zstd on the host, in front of the real one: the compression of pass {which} of the backup step (1: the copy while
# the manager runs; 2: the copy of what changed, the manager stopped) waits first; the other goes at full speed.
# Tests (-t) and reads (-d) are not delayed.
SLOW_PASS = """#!/bin/sh
case "$*" in *-t*|*-d*) exec /usr/bin/zstd "$@" ;; esac
n=1
while ! mkdir /tmp/zstd-pass-$n 2>/dev/null; do n=$((n + 1)); done
[ "$n" != {which} ] || sleep {seconds}
exec /usr/bin/zstd "$@"
"""


@dataclass
class Manager:
    """A data container as declared, an app container from `image`, and the declared commands for them."""

    host: SshHost
    run: Run
    prefix: str
    backup_dir: str  # the backupDir setting: shared with other managers in some tests
    settings: dict[str, str] = field(default_factory=dict)  # the stack settings `run` was rendered with

    def declared(self, **more: str) -> Run:
        """The stack again with `more` settings (a new appImage, restoreFrom, backupNow): a later `pulumi up`."""
        return render_for_host(self.host, **{**self.settings, **more})

    @property
    def app(self) -> str:
        return f"{self.prefix}-manager"

    @property
    def backups(self) -> str:
        """This manager's own folder of archives: backupDir/<app container>."""
        return f"{self.backup_dir}/{self.app}"

    @property
    def data(self) -> str:
        return f"{self.prefix}-data"

    def backup_command(self, key: str | None = None) -> str:
        """The declared backup command; `key` stands in for a new replacement key (a new image or setting)."""
        create = self.run.commands()["backup"]
        return create if key is None else create.replace(self.declared_key, key)

    def restore_command(self, archive: str) -> str:
        return host_scripts.invocation("restore_backup.sh", "true", self.app, self.data, archive)

    @property
    def declared_key(self) -> str:
        return self.run.one("command:remote:Command", "-backup").inputs["triggers"][0]

    def start_app(self, image: str, key: str = "created-from-older-inputs") -> None:
        """(Re)create the app container from `image`, carrying replacement key `key` as the program's does."""
        docker("rm", "-f", self.app, check=False)
        docker(
            "run",
            "-d",
            "--name",
            self.app,
            "--label",
            LABEL,
            "--volumes-from",
            self.data,
            "-e",
            f"{REPLACEMENT_KEY_ENV}={key}",
            image,
            *IDLE_UNTIL_TERM,
        )

    def running(self) -> bool:
        return docker("inspect", "-f", "{{.State.Running}}", self.app).stdout.strip() == "true"

    def archives(self) -> list[str]:
        return sorted(p.name for p in Path(self.backups).glob(f"{self.app}-*.tar*"))

    def in_app(self, script: str) -> str:
        return docker("exec", self.app, "sh", "-c", script).stdout


def slow_pass(manager: Manager, which: int, seconds: int = 30) -> None:
    """Pass `which` of the backup step (1: while the manager runs; 2: the manager stopped) takes `seconds`."""
    manager.host.setup("rm -rf /tmp/zstd-pass-*")
    manager.host.put("/usr/local/bin/zstd", SLOW_PASS.format(which=which, seconds=seconds), mode="755")


def slow_second_pass(manager: Manager, seconds: int = 30) -> None:
    slow_pass(manager, 2, seconds)


FAILING_PASS = """#!/bin/sh
case "$*" in *-t*|*-d*) exec /usr/bin/zstd "$@" ;; esac
n=1
while ! mkdir /tmp/zstd-pass-$n 2>/dev/null; do n=$((n + 1)); done
[ "$n" != 2 ] || { echo "stub: zstd failed" >&2; exit 1; }
exec /usr/bin/zstd "$@"
"""


def failing_second_pass(manager: Manager) -> None:
    """The compression of the backup step's second pass (the manager stopped) fails once its copy begins."""
    manager.host.setup("rm -rf /tmp/zstd-pass-*")
    manager.host.put("/usr/local/bin/zstd", FAILING_PASS, mode="755")


FIRST_PASS_DONE = "/tmp/first-pass-done"


def after_first_pass(manager: Manager, script: str = "") -> None:
    """Once the backup step's first pass (the copy while the manager runs, level 0) is written: the host file
    FIRST_PASS_DONE, then `script` inside the app container, before the step stops it. Through a `docker` in
    front of the host's real one, which watches for the run of that pass (its snapshot, `level0`)."""
    manager.host.setup(f"rm -f {FIRST_PASS_DONE}")
    hook = f"/usr/bin/docker exec {manager.app} sh -c {shlex.quote(script)}" if script else ":"
    wrap_docker(manager.host, after=f'case "$*" in *"/snapshot/level0"*) touch {FIRST_PASS_DONE}; {hook} ;; esac')


def first_pass_under_way(manager: Manager) -> bool:
    """The archive is being written and the manager still runs."""
    partial = ".partial" in manager.host.root(f"ls -a {manager.backups} 2>/dev/null").stdout
    return partial and manager.running()


def second_pass_under_way(manager: Manager) -> bool:
    """The archive is being written and the manager is stopped: the window an interruption must not strand."""
    partial = ".partial" in manager.host.root(f"ls -a {manager.backups} 2>/dev/null").stdout
    return partial and not manager.running()


def create_data_container(run: Run, image: str) -> None:
    """The data container as `run` declares it (named volumes at their paths), never started."""
    create_declared_data_container(run.one("docker:index/container:Container", "-data").inputs, image)


def fingerprint(manager: Manager) -> str:
    """Every file under the state paths with its mode and content digest."""
    return manager.in_app(
        "cd / && find "
        + " ".join(p.lstrip("/") for p in STATE_PATHS)
        + " -type f -exec sha256sum {} + | sort && find "
        + " ".join(p.lstrip("/") for p in STATE_PATHS)
        + " -exec stat -c '%a %n' {} + | sort"
    )


def fill(manager: Manager) -> None:
    manager.in_app(
        "mkdir -p /srv/cfy-state/nested/deeper && head -c 300000 /dev/urandom > /var/lib/cfy-db/base.bin && "
        "echo config > /srv/cfy-state/nested/deeper/conf.yaml && echo hidden > /srv/cfy-state/.dotfile && "
        "chmod 600 /var/lib/cfy-db/base.bin"
    )


def image_with_marker(tag: str) -> str:
    """A local image, distinct from the others, tagged `tag` (no registry involved)."""
    name = f"cfy-build-{uuid.uuid4().hex[:8]}"
    docker("run", "--name", name, ensure_image(), "sh", "-c", f"echo {tag} > /IMAGE")
    try:
        docker("commit", name, tag)
    finally:
        docker("rm", "-f", name, check=False)
    return tag


def values(stdout: str) -> dict[str, str]:
    return host_scripts.parse_key_values(stdout)


# A stand-in manager: answers the readiness path with its image's marker, and stops on SIGTERM as an init does.
WEB_APP = [
    "sh",
    "-c",
    "mkdir -p /www && cat /IMAGE > /www/version && busybox httpd -f -p 8080 -h /www & "
    "trap 'kill $!; exit 0' TERM; wait",
]


# The app side of `pulumi up`, in the engine's order (each step depends on the one before it; the provider deletes
# the old app container just before it creates the new one, delete_before_replace): what the steps around the app
# container are named in the declarations.
BEFORE_APP = ("restore", "backup")
AFTER_APP = ("agent-packages", "ready", "admin-password", "prune-backups", "backup-now")


def resolved(create: str, backup_report: dict[str, str]) -> str:
    """A declared command with the backup step's outputs in place of the mocks' (as the engine resolves them):
    BACKUP_FILE and PREVIOUS_IMAGE, as the readiness and prune steps take them."""
    name, args = script_arguments(create)
    real = {
        MOCK_BACKUP_FILE: backup_report.get("BACKUP_FILE", ""),
        MOCK_PREVIOUS_IMAGE: backup_report.get("PREVIOUS_IMAGE", ""),
    }
    if not any(arg in real for arg in args):
        return create
    return host_scripts.invocation(name, *[real.get(arg, arg) for arg in args])


@dataclass
class AppSide:
    """The app side of one `pulumi up` of `run`: host steps over SSH, the container replaced from its registered
    inputs on the local `image` that its registered image ID stands for."""

    host: SshHost
    run: Run
    image: str
    report: dict[str, str] = field(default_factory=dict)  # the backup step's, once it has run
    outputs: dict[str, Result] = field(default_factory=dict)

    def order(self) -> list[str]:
        declared = self.run.commands()
        return [s for s in BEFORE_APP if s in declared] + ["replace"] + [s for s in AFTER_APP if s in declared]

    def command(self, step: str) -> str:
        return resolved(self.run.commands()[step], self.report)

    def replace(self) -> None:
        """The provider's delete of the old app container and create of the new one, when the engine would: the
        container is missing, or it carries another replacement key (a digest of every input that replaces it,
        manager.py), so its inputs differ."""
        app = self.run.one("docker:index/container:Container", "-app").inputs
        key = next(env for env in app["envs"] if env.startswith(f"{REPLACEMENT_KEY_ENV}="))
        found = docker("inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", app["name"], check=False)
        if found.returncode == 0 and key in found.stdout.split():
            return
        if found.returncode == 0:
            delete_as_the_provider_does(app["name"])
        run_declared_app_container(app, self.image)

    def step(self, name: str) -> Result:
        """One step; a host step's failure is returned, not raised (a fault test looks at it)."""
        if name == "replace":
            self.replace()
            return Result(0, "", "")
        result = self.host.ssh(self.command(name))
        self.outputs[name] = result
        if name == "backup" and result.returncode == 0:
            self.report = host_scripts.parse_key_values(result.stdout)
        return result

    def up(self, until: str | None = None) -> dict[str, str]:
        """Every step in order (stopping before `until`), each required to succeed; the backup step's report."""
        for name in self.order():
            if name == until:
                break
            result = self.step(name)
            assert result.returncode == 0, f"{name} ({result.returncode}): {result.stderr}"
        return self.report

    def start(self, step: str) -> subprocess.Popen:
        """A host step started over real SSH and left running: a fault test kills its ssh client."""
        return subprocess.Popen(
            [*self.host.ssh_argv(), self.command(step)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def web_app_settings(port: int, agents: PackageServer | None = None, timeout: int = 30) -> dict[str, str]:
    """Stack settings of a manager whose stand-in answers readiness on `port` (WEB_APP), with the agent package
    `agent.tar.gz` of `agents` when given."""
    packages = {"agents": {"a": agents.pinned("agent.tar.gz")}} if agents else {}
    return {
        "ports": f'["127.0.0.1:{port}:8080"]',  # the readiness step's address, and nothing wider
        "appCommand": json.dumps(WEB_APP),
        "readinessPort": str(port),
        "readinessTimeout": str(timeout),
        "cloudifyPackages": json.dumps(packages),
    }


def image_marker(manager: Manager) -> str:
    """Which image_with_marker image the app container runs."""
    return manager.in_app("cat /IMAGE").strip()


def up_app_side(host: SshHost, run: Run, image: str) -> dict[str, str]:
    """The app side of `pulumi up` of `run`, every step succeeding; the backup step's report."""
    return AppSide(host, run, image).up()


def wait_for(condition, seconds: float, what: str, show=None) -> float:  # noqa: ANN001 - callables
    """Poll `condition` until it holds; the seconds it took. Fails naming `what` after `seconds`, with what
    `show()` returns then."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds} s" + (f": {show()}" if show else ""))

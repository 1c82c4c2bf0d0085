"""Benchmarks: what this program adds to `pulumi preview`/`up`, and what a re-run costs on a host.

    .venv/bin/python benchmarks/bench.py            # after scripts/test has prepared Docker

1. Rendering the whole program (config validation + resource graph) under the
   SDK mocks: the Python-side cost of every preview and up, for the prod stack
   (cloudify-3.2) and the dev stack (cloudify-7, which derives the REST keys).
2. The Docker step on a host whose Docker already works and whose SSH user
   may open the socket (the path of every re-run), over real SSH to a test host.
3. Writing the Cloudify 7 config.yaml from stdin over real SSH.
4. The agent-package step when everything is already installed (idempotent
   re-run), over real SSH.
5. The backup step before a replacement, for a data set of known size
   (BACKUP_MIB of incompressible data in the named volumes): stop, archive,
   list back, prune; and the restore of that archive.
Prints the median and spread of repeated runs.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]
os.environ["HOME"] = tempfile.mkdtemp(prefix="cfy-bench-home-")

import hostbed  # noqa: E402
from harness import declared_commands, render_for_host, run_program, stack_config, stack_secrets  # noqa: E402

from components import host_scripts  # noqa: E402


def measure(label: str, action: Callable[[], object], repeats: int) -> None:
    action()  # warm-up
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    print(f"{label:<58} median {statistics.median(samples) * 1000:8.1f} ms "
          f"(min {min(samples) * 1000:.1f}, max {max(samples) * 1000:.1f}, n={repeats})")


BACKUP_MIB = 100


def check(result: hostbed.Result) -> None:
    if result.returncode != 0:
        raise SystemExit(f"benchmark step failed: {result.stderr}")


def main() -> None:
    logging.disable(logging.WARNING)  # the program's "pin sshHostKey" warning, once per render
    for stack in ("prod", "dev"):
        config = stack_config(stack)
        measure(f"render program under mocks ({stack} stack)",
                lambda config=config: run_program(config, secrets=stack_secrets(config)), 20)
    hostbed.engine_version()
    hostbed.ensure_image()
    with tempfile.TemporaryDirectory() as keys:
        host = hostbed.SshHost("bench", with_engine=True, docker_group=True, key_dir=Path(keys))
        www = Path(keys) / "www"
        www.mkdir()
        (www / "agent.tar.gz").write_bytes(os.urandom(1 << 20))
        server = hostbed.PackageServer(www)
        container = "cfybench-manager"
        try:
            measure("baseline: one SSH round trip (`true`)", lambda: check(host.ssh("true")), 10)
            ensure = declared_commands(host, namePrefix="cfybench")["docker-engine"]
            measure("ensure_docker.sh over SSH, Docker already working", lambda: check(host.ssh(ensure)), 10)
            step = render_for_host(host, namePrefix="cfybench", managerProfile="cloudify-7",
                                   configDir="/tmp/cfybench").one("command:remote:Command", "-manager-config").inputs
            measure("write_manager_config.sh over SSH (stdin)",
                    lambda: check(host.ssh(step["create"], input_text=step["stdin"])), 10)
            hostbed.start_app_container(container, "sleep", "3600")
            agents = f'{{"agents": {{"a": "{server.url}/agent.tar.gz"}}}}'
            install = declared_commands(host, namePrefix="cfybench", cloudifyPackages=agents)["agent-packages"]
            check(host.ssh(install))
            measure("install_agents.sh over SSH, 1 MiB tarball already in place", lambda: check(host.ssh(install)), 10)
            hostbed.docker("rm", "-f", container, check=False)
            measure_backup(host, Path(keys))
        finally:
            server.close()
            hostbed.docker("rm", "-f", container, check=False)
            host.remove()


def measure_backup(host: hostbed.SshHost, work: Path) -> None:
    """Backup and restore of BACKUP_MIB MiB, over SSH, on a host folder the engine shares."""
    shared = work / "backups"
    shared.mkdir()
    backup_host = hostbed.SshHost("bench-backup", with_engine=True, docker_group=True, key_dir=work,
                                  shared_dirs=(str(shared),))
    run = render_for_host(backup_host, namePrefix="cfybench", backupDir=str(shared), backupsToKeep="3",
                          volumePaths='["/srv/data"]')
    data = run.one("docker:index/container:Container", "-data").inputs
    volume = data["volumes"][0]
    image = hostbed.ensure_image()
    hostbed.create_declared_data_container(data, image)
    hostbed.docker("run", "-d", "--name", "cfybench-manager", "--volumes-from", "cfybench-data", image,
                   *hostbed.IDLE_UNTIL_TERM)
    hostbed.docker("exec", "cfybench-manager", "sh", "-c",
                   f"head -c {BACKUP_MIB << 20} /dev/urandom > /srv/data/payload.bin")
    create = run.commands()["backup"]
    key = run.one("command:remote:Command", "-backup").inputs["triggers"][0]
    rounds = iter(range(1000))

    def backup() -> None:
        hostbed.docker("start", "cfybench-manager")
        check(backup_host.ssh(create.replace(key, f"bench-{next(rounds)}")))
        time.sleep(1.05)  # archive names carry the second

    try:
        measure(f"backup_data.sh over SSH, {BACKUP_MIB} MiB (incl. 1 s pause)", backup, 3)
        archive = max(shared.glob("cfybench-manager-*.tar.gz"), key=lambda p: p.stat().st_mtime)
        restore = host_scripts.invocation("restore_backup.sh", "true", "cfybench-manager", "cfybench-data",
                                          str(archive))
        measure(f"restore_backup.sh over SSH, {BACKUP_MIB} MiB", lambda: check(backup_host.ssh(restore)), 3)
    finally:
        hostbed.docker("rm", "-f", "cfybench-manager", "cfybench-data", check=False)
        hostbed.docker("volume", "rm", "-f", volume["volumeName"], check=False)
        backup_host.remove()


if __name__ == "__main__":
    main()

"""Benchmarks: what an upgrade, the Docker step and the program cost, each as a ratio against a baseline measured
in the same run (the 2-core machine is noisy; only ratios count).

    scripts/bench            # after scripts/test (or scripts/testbed) has prepared Docker
    scripts/bench --quick    # 5 repeats instead of 15
    scripts/bench --smoke    # every row once on small data: a check that it runs, no figures

Only the command under test is timed: each side of a comparison is a `Side`, whose `prepare` (starting the
container, clearing earlier archives, waiting for a new second) runs before the clock starts. A `time.sleep` or
an `untimed` setup step inside a timed region fails the run (benchmarks/timing.py). Every row is the median of as
many runs per side as the repeats say, baseline and subject interleaved.

Rows:
1. `program`: rendering the dev stack under the SDK mocks, against a program that imports the same SDKs and
   registers nothing (benchmarks/baseline_program.py), and against one registering the same resource types, as
   many of each, with only their required inputs (benchmarks/same_types_program.py); and a stack of 64 managers
   against the same types for 64.
2. `docker`: the Docker step on a host where Docker already works, against a bare `ssh host true`.
3. `backup`: the backup step before an upgrade of 200 MiB in two named volumes (100 MiB random, 100 MiB of
   repetitive text like database pages), against stopping the app container and copying the same volumes with a
   plain `tar -cf` into the same folder (`PLAIN_COPY`): on a host with zstd, and on one with gzip only.
4. `downtime`: an upgrade's downtime, with 200 MiB and with 2 GiB of data of which 1 % changes while the manager
   runs: from the old container's stop to the new one's start, with this release's backup step and with the
   previous release's (benchmarks/downtime.py); on a host with zstd and on one with gzip only.
5. `downtime-idle`: the rows of 4 on a host with zstd, with a manager that writes nothing while it runs.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import tempfile
import time
from pathlib import Path

import downtime
import hostbed
import program_rows
from harness import declared_commands, render_for_host
from timing import ROWS, Side, check, compare, sleep, timed, untimed

MIB = 1 << 20


def docker_step(repeats: int, keys: Path) -> None:
    host = hostbed.SshHost("bench", with_engine=True, docker_group=True, key_dir=keys)
    try:
        ensure = declared_commands(host, namePrefix="cfybench")["docker-engine"]
        compare(
            "Docker step, Docker already working",
            Side(lambda: check(host.ssh(ensure))),
            Side(lambda: check(host.ssh("true"))),
            repeats,
            "ssh host true",
        )
    finally:
        host.remove()


FILL = {
    "random": "head -c {size} /dev/urandom > /srv/{volume}/payload.bin",
    # Repetitive text like database pages: compresses well.
    "text": "yes 'row 0042|cloudify|deployment_update|pending|2026-11-28T06:00:00Z|{{}}' | head -c {size} "
    "> /srv/{volume}/payload.txt",
}


PLAIN_COPY = (
    "sudo docker stop -t 120 {app} >/dev/null && sudo docker run --rm --volumes-from {data} -v {folder}:/backup "
    "-w / {image} tar -cf /backup/plain.tar {paths}"
)
"""The floor the backup step is compared with: what any backup of a stopped manager must do, stop it and copy its
volumes, with nothing compressed, listed or tested."""


class BackupBed:
    """A data container with two named volumes, an app container using them, and the declared backup step."""

    def __init__(self, keys: Path, name: str, without: tuple[str, ...] = ()) -> None:
        self.shared = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=keys))
        self.host = hostbed.SshHost(
            name, with_engine=True, docker_group=True, key_dir=keys, shared_dirs=(str(self.shared),)
        )
        for command in without:
            self.host.setup(f"rm -f /usr/bin/{command}")
        self.run = render_for_host(
            self.host,
            namePrefix=name,
            backupDir=str(self.shared),
            backupsToKeep="1",
            volumePaths='["/srv/random", "/srv/text"]',
        )
        self.data = self.run.one("docker:index/container:Container", "-data").inputs
        self.app, self.image = f"{name}-manager", hostbed.ensure_image()
        hostbed.create_declared_data_container(self.data, self.image)
        hostbed.docker(
            "run", "-d", "--name", self.app, "--volumes-from", self.data["name"], self.image, *hostbed.IDLE_UNTIL_TERM
        )
        self.create = self.run.commands()["backup"]
        self.key = self.run.one("command:remote:Command", "-backup").inputs["triggers"][0]
        self.folder = self.shared / f"{name}-manager"
        self.rounds = 0
        self.plain = PLAIN_COPY.format(
            app=self.app, data=self.data["name"], folder=self.shared, image=self.image, paths="srv/random srv/text"
        )

    @untimed
    def fill(self, random_mib: int, text_mib: int) -> None:
        hostbed.docker("start", self.app)
        hostbed.docker("exec", self.app, "sh", "-c", "rm -f /srv/random/* /srv/text/*")
        for kind, mib in (("random", random_mib), ("text", text_mib)):
            if mib:
                hostbed.docker("exec", self.app, "sh", "-c", FILL[kind].format(size=mib * MIB, volume=kind))

    @untimed
    def ready_for_backup(self) -> None:
        """What an upgrade starts from: the manager running, and (archive names carry the second) a new second; the
        archives of earlier rounds removed, so that no round's free space or pruning differs."""
        hostbed.docker("start", self.app)
        hostbed.docker("run", "--rm", "-v", f"{self.shared}:/b", self.image, "sh", "-c", "rm -rf /b/*")
        self.rounds += 1
        sleep(max(0.0, 1.05 - (time.time() % 1)))

    def backup(self) -> None:
        """The declared step, for a replacement key it has not seen (as an upgrade would bring)."""
        check(self.host.ssh(self.create.replace(self.key, f"bench-{self.rounds}")))

    def plain_copy(self) -> None:
        check(self.host.ssh(self.plain))

    def kept_size(self) -> int:
        return sum(p.stat().st_size for p in self.folder.glob(f"{self.app}-*.tar*"))

    def remove(self) -> None:
        hostbed.docker("rm", "-f", self.app, self.data["name"], check=False)
        hostbed.docker("volume", "rm", "-f", *[v["volumeName"] for v in self.data["volumes"]], check=False)
        self.host.remove()


def backups(repeats: int, keys: Path, mib: int = 100) -> None:
    """The backup step against the floor, with `mib` MiB of random and as many of text data."""
    for label, without in (("zstd on the host", ()), ("gzip only (like Ubuntu 14.04)", ("zstd",))):
        bed = BackupBed(keys, f"cfybench{len(ROWS)}", without)
        try:
            bed.fill(mib, mib)
            compare(
                f"backup step, {2 * mib} MiB, {label}",
                Side(bed.backup, bed.ready_for_backup),
                Side(bed.plain_copy, bed.ready_for_backup),
                repeats,
                "stop + plain tar -cf of the same volumes",
            )
            print(f"  kept: {bed.kept_size() / MIB:.0f} MiB for {2 * mib} MiB", flush=True)
            ROWS.append((f"  archive kept, {label}", f"{bed.kept_size() / MIB:.0f} MiB for {2 * mib} MiB"))
            for kind in ("random", "text"):
                bed.fill(mib if kind == "random" else 0, mib if kind == "text" else 0)
                seconds = statistics.median(timed(Side(bed.backup, bed.ready_for_backup)) for _ in range(repeats))
                rate = f"{mib * MIB / seconds / 1e6:.0f} MB/s ({bed.kept_size() / MIB:.0f} MiB kept)"
                print(f"  backup of {mib} MiB {kind} data: {rate}", flush=True)
                ROWS.append((f"  throughput, {kind} data, {label} (median of {repeats})", rate))
        finally:
            bed.remove()


ROW_GROUPS = ("program", "docker", "backup", "downtime", "downtime-idle")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5 repeats instead of 15")
    parser.add_argument("--repeats", type=int, help="runs per side of every row (default 15, --quick 5)")
    parser.add_argument("--only", nargs="+", choices=ROW_GROUPS, default=ROW_GROUPS, help="these rows only")
    parser.add_argument(
        "--smoke", action="store_true", help="every row once on small data (2 managers, a few MiB): a check, no figures"
    )
    options = parser.parse_args(argv)
    os.environ["HOME"] = tempfile.mkdtemp(prefix="cfy-bench-home-")
    repeats = options.repeats or (5 if options.quick else 15)
    managers, mib, sizes = 64, 100, (200, 2048)
    if options.smoke:
        repeats, managers, mib, sizes = 1, 2, 4, (8, 16)
    if "program" in options.only:
        program_rows.program_costs(repeats, managers)
    if set(options.only) - {"program"}:
        on_hosts(options.only, repeats, mib, sizes)
    print("\n| what | result |\n| --- | --- |")
    for label, result in ROWS:
        print(f"| {label} | {result} |")


def on_hosts(groups: list[str], repeats: int, mib: int, sizes: tuple[int, int]) -> None:
    """The rows that run on the Docker test bed's hosts (the program rows need no Docker)."""
    hostbed.engine_version()
    hostbed.ensure_image()
    with tempfile.TemporaryDirectory() as keys:
        if "docker" in groups:
            docker_step(repeats, Path(keys))
        if "backup" in groups:
            backups(repeats, Path(keys), mib)
        if "downtime" in groups:
            for label, without in (("zstd on the host", ()), ("gzip only (like Ubuntu 14.04)", ("zstd",))):
                downtime.measure(label, repeats, lambda name, w=without: BackupBed(Path(keys), name, w), sizes)
        if "downtime-idle" in groups:
            idle_bed = functools.partial(BackupBed, Path(keys))
            downtime.measure("zstd on the host, the manager idle", repeats, idle_bed, sizes, changing=False)


if __name__ == "__main__":
    main()

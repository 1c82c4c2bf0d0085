"""Benchmarks: what this program and its host steps cost, each as a ratio against a baseline measured in the
same run (the 2-core machine is noisy; only ratios count).

    .venv/bin/python benchmarks/bench.py            # after scripts/test (or scripts/testbed) has prepared Docker
    .venv/bin/python benchmarks/bench.py --quick    # fewer repeats

Rows (median of repeated runs, baseline and subject interleaved):
1. Rendering the dev stack under the SDK mocks, against a program that imports the same SDKs and registers
   nothing (benchmarks/baseline_program.py), and against one registering the same resources bare (see 2).
2. A stack of 64 managers, against a program registering as many trivial resources (the SDK's floor), and against
   one registering the same resource types, as many of each, with only their required inputs
   (benchmarks/same_types_program.py: what registering these types costs the SDK at all).
3. The Docker step on a host where Docker already works, against a bare `ssh host true`.
4. The backup step before an upgrade (stop, archive, test, prune) of 200 MiB in two named volumes (100 MiB
   random, 100 MiB of repetitive text like database pages), against stopping the app container and copying the
   same volumes with a plain `tar -cf` into the same folder: on a host with zstd, and on one with gzip only.
   Throughput (MB/s) for random and for compressible data alone, and the archive size kept.
5. The part of an upgrade's downtime that is ours: from the old container's stop to the new one running
   (backup, the provider's delete, create and start), excluding Cloudify's own start-up.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the test helpers (harness, hostbed); the package is installed
os.environ["HOME"] = tempfile.mkdtemp(prefix="cfy-bench-home-")

import hostbed  # noqa: E402
from harness import MAIN, declared_commands, render_for_host, run_program, stack_config, stack_secrets  # noqa: E402

BASELINE_PROGRAM = REPO / "benchmarks" / "baseline_program.py"
SAME_TYPES_PROGRAM = REPO / "benchmarks" / "same_types_program.py"
MIB = 1 << 20
ROWS: list[tuple[str, str]] = []


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def compare(
    label: str, subject: Callable[[], object], baseline: Callable[[], object], repeats: int, baseline_label: str
) -> float:
    """Median of each, interleaved so that both see the same machine; prints and records the ratio."""
    subject()
    baseline()
    ours, theirs = [], []
    for _ in range(repeats):
        theirs.append(timed(baseline))
        ours.append(timed(subject))
    ratio = statistics.median(ours) / statistics.median(theirs)
    line = (
        f"{label}: {statistics.median(ours) * 1000:.0f} ms vs {baseline_label}: "
        f"{statistics.median(theirs) * 1000:.0f} ms = {ratio:.2f}x (n={repeats})"
    )
    print(line, flush=True)
    ROWS.append((f"{label}, against {baseline_label}", f"{ratio:.2f}x"))
    return ratio


def check(result: hostbed.Result) -> hostbed.Result:
    if result.returncode != 0:
        raise SystemExit(f"benchmark step failed: {result.stderr}")
    return result


def under_mocks(program: Path, stack: str, env: dict[str, str] | None = None) -> int:
    """Run `program` in a fresh Python process under the mocks (as each `pulumi preview` does); resources."""
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run_under_mocks.py"), str(program), stack],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=True,
    )
    return int(done.stdout.strip().splitlines()[-1])


def program_costs(repeats: int) -> None:
    """Whole processes, interpreter start and imports included, as the language host runs the program."""
    compare(
        "render the dev stack under mocks (process)",
        lambda: under_mocks(MAIN, "dev"),
        lambda: under_mocks(BASELINE_PROGRAM, "-"),
        repeats,
        "empty program importing the same SDKs",
    )
    one = {"BASELINE_MANAGERS": "1", "BASELINE_TYPES": json.dumps(types_per_manager("dev"))}
    compare(
        "render the dev stack under mocks (process)",
        lambda: under_mocks(MAIN, "dev"),
        lambda: under_mocks(SAME_TYPES_PROGRAM, "-", one),
        repeats,
        "the same resource types, as many, each with only its required inputs",
    )
    fleet = {
        "managers": json.dumps({f"m{i}": {"namePrefix": f"m{i}", "ports": f'["{10000 + i}:80"]'} for i in range(64)})
    }
    env = {"BENCH_CONFIG": json.dumps(fleet)}
    registered = under_mocks(MAIN, "prod", env)
    compare(
        f"render 64 managers ({registered} resources, process)",
        lambda: under_mocks(MAIN, "prod", env),
        lambda: under_mocks(BASELINE_PROGRAM, "-", {"BASELINE_RESOURCES": str(registered)}),
        max(3, repeats // 3),
        f"{registered} trivial resources",
    )
    same = {"BASELINE_MANAGERS": "64", "BASELINE_TYPES": json.dumps(types_per_manager("prod"))}
    compare(
        "render 64 managers (process)",
        lambda: under_mocks(MAIN, "prod", env),
        lambda: under_mocks(SAME_TYPES_PROGRAM, "-", same),
        max(3, repeats // 3),
        "the same resource types, as many, each with only its required inputs",
    )


def types_per_manager(stack: str) -> dict[str, int]:
    """How many resources of each type one manager of `stack` registers."""
    config = stack_config(stack)
    run = run_program(config, secrets=stack_secrets(config))
    return dict(collections.Counter(registration.type for registration in run.registrations))


def docker_step(repeats: int, keys: Path) -> None:
    host = hostbed.SshHost("bench", with_engine=True, docker_group=True, key_dir=keys)
    try:
        ensure = declared_commands(host, namePrefix="cfybench")["docker-engine"]
        compare(
            "Docker step, Docker already working",
            lambda: check(host.ssh(ensure)),
            lambda: check(host.ssh("true")),
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
        self.rounds = 0

    def fill(self, random_mib: int, text_mib: int) -> None:
        hostbed.docker("start", self.app)
        hostbed.docker("exec", self.app, "sh", "-c", "rm -f /srv/random/* /srv/text/*")
        for kind, mib in (("random", random_mib), ("text", text_mib)):
            if mib:
                hostbed.docker("exec", self.app, "sh", "-c", FILL[kind].format(size=mib * MIB, volume=kind))

    def backup(self) -> None:
        """The declared step, for a replacement key it has not seen (as an upgrade would bring)."""
        hostbed.docker("start", self.app)
        self.rounds += 1
        check(self.host.ssh(self.create.replace(self.key, f"bench-{self.rounds}")))
        time.sleep(1.05)  # archive names carry the second

    def plain_copy(self) -> None:
        """The floor: stop the app container, copy the same volumes with a plain tar -cf into the same folder."""
        hostbed.docker("start", self.app)
        script = (
            f"sudo docker stop -t 120 {self.app} >/dev/null && sudo docker run --rm --volumes-from "
            f"{self.data['name']} -v {self.shared}:/backup -w / {self.image} tar -cf /backup/plain.tar "
            "srv/random srv/text && sudo rm -f " + str(self.shared / "plain.tar")
        )
        check(self.host.ssh(script))
        time.sleep(1.05)

    def kept_size(self) -> int:
        return sum(p.stat().st_size for p in self.shared.glob(f"{self.app}-*.tar*"))

    def remove(self) -> None:
        hostbed.docker("rm", "-f", self.app, self.data["name"], check=False)
        hostbed.docker("volume", "rm", "-f", *[v["volumeName"] for v in self.data["volumes"]], check=False)
        self.host.remove()


def backups(repeats: int, keys: Path) -> None:
    for label, without in (("zstd on the host", ()), ("gzip only (like Ubuntu 14.04)", ("zstd",))):
        bed = BackupBed(keys, f"cfybench{len(ROWS)}", without)
        try:
            bed.fill(100, 100)
            compare(
                f"backup step, 200 MiB, {label}",
                bed.backup,
                bed.plain_copy,
                repeats,
                "stop + plain tar -cf of the same volumes",
            )
            print(f"  kept: {bed.kept_size() / MIB:.0f} MiB for 200 MiB", flush=True)
            ROWS.append((f"  archive kept, {label}", f"{bed.kept_size() / MIB:.0f} MiB for 200 MiB"))
            for kind in ("random", "text"):
                bed.fill(100 if kind == "random" else 0, 100 if kind == "text" else 0)
                seconds = statistics.median(timed(bed.backup) - 1.05 for _ in range(repeats))
                rate = f"{100 * MIB / seconds / 1e6:.0f} MB/s ({bed.kept_size() / MIB:.0f} MiB kept)"
                print(f"  backup of 100 MiB {kind} data: {rate}", flush=True)
                ROWS.append((f"  throughput, {kind} data, {label}", rate))
        finally:
            bed.remove()


def replacement_window(repeats: int, keys: Path) -> None:
    """From the old container's stop to the new one running: the backup step, the provider's delete, the create
    and start of the new container from its declared inputs; against a bare `ssh host true`."""
    bed = BackupBed(keys, "cfybenchswap")
    app_inputs = bed.run.one("docker:index/container:Container", "-app").inputs
    try:
        bed.fill(100, 100)

        def swap() -> None:
            bed.backup()
            hostbed.delete_as_the_provider_does(bed.app)
            hostbed.run_declared_app_container(app_inputs, bed.image, *hostbed.IDLE_UNTIL_TERM, publish=False)

        samples = [timed(swap) - 1.05 for _ in range(repeats)]
        line = f"{statistics.median(samples):.1f} s for 200 MiB (zstd host)"
        print(f"replacement window (ours): {line}", flush=True)
        ROWS.append(("replacement window, ours (backup, delete, create, start)", line))
    finally:
        bed.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    options = parser.parse_args()
    repeats = 5 if options.quick else 15
    program_costs(repeats)
    hostbed.engine_version()
    hostbed.ensure_image()
    with tempfile.TemporaryDirectory() as keys:
        docker_step(repeats, Path(keys))
        backups(3, Path(keys))
        replacement_window(3, Path(keys))
    print("\n| what | result |\n| --- | --- |")
    for label, result in ROWS:
        print(f"| {label} | {result} |")


if __name__ == "__main__":
    main()

"""An upgrade's downtime: how long the old container is stopped before the new one starts, with this release's
backup step (a first pass while the manager runs, the stop, a second pass of what changed) and with the previous
release's (the stop, then the whole copy), in the same run, on the same host.

The manager stand-in keeps rewriting 1 % of its data in place (a database's pages) while it runs, so the second
pass always has that much to copy. The figures come from the engine's own clock: the old container's
`State.FinishedAt` (its process gone) and the new one's `State.StartedAt`. Split into the backup step's part after
the stop, the provider's delete, and its create and start (kreuzwerker v4.5.0, as hostbed runs them). Beside them:
the host's CPU time (all processes, /proc/stat, steal time left out) and bytes read and written (/proc/diskstats)
during the whole swap, less the manager's own (its writes: read from its cgroup), and the backup folder's peak size
while the step runs.

The previous release's step is its own shipped script, read from git at `PREVIOUS_RELEASE` and run with the same
arguments the declared step has today (the signature did not change).
"""

from __future__ import annotations

import shlex
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Self

import hostbed
from cloudify_pulumi.host.host_scripts import LIBRARIES, _sourcing
from harness import script_arguments
from timing import ROWS, check, sleep, untimed

REPO = Path(__file__).resolve().parent.parent
PREVIOUS_RELEASE = "5c44047"
"""main before issue 26: the backup step that stops the manager for the whole copy."""
SCRIPTS = "components/cloudify_pulumi/host/scripts"
MIB = 1 << 20


def previous_release_command(create: str) -> str:
    """The declared backup command with the previous release's scripts in place of this one's."""
    name, args = script_arguments(create)

    def at_release(file: str) -> str:
        shown = ["git", "-C", str(REPO), "show", f"{PREVIOUS_RELEASE}:{SCRIPTS}/{file}"]
        return subprocess.run(shown, capture_output=True, text=True, check=True).stdout

    body = at_release(name)
    for library in LIBRARIES:
        if _sourcing(library) in body:  # a library added since (gzip_block.sh) is not there
            body = body.replace(_sourcing(library), at_release(library))
    return " ".join(["sh", "-c", shlex.quote(body), shlex.quote(name), *map(shlex.quote, args)])


def engine_time(container: str, field: str) -> float:
    """A container's `State.<field>` (RFC 3339 with nanoseconds, UTC) as seconds since the epoch."""
    text = hostbed.docker("inspect", "-f", f"{{{{.State.{field}}}}}", container).stdout.strip()
    whole, _, fraction = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(whole + "+00:00").timestamp() + float(f"0.{fraction or 0}")


def cpu_seconds(stat: str | None = None) -> float:
    """Busy CPU time of the whole machine so far (every process: the host's, the engine's, the containers'),
    from /proc/stat's first line (or STAT): user, nice, system, irq and softirq (guest time is in user already).
    Not idle or iowait, and not steal: the time a virtual machine's hypervisor gave to another guest is no work
    of this machine's, and it grows with the wall time and with the neighbours, not with the swap's work
    (proc(5))."""
    line = stat if stat is not None else Path("/proc/stat").read_text().split("\n", 1)[0]
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in line.split()[1:8])
    return (user + nice + system + irq + softirq) / 100  # USER_HZ


def disk_bytes() -> tuple[int, int]:
    """Bytes read from and written to the machine's disks so far (/proc/diskstats: whole disks, 512-byte
    sectors)."""
    disks = {entry.name for entry in Path("/sys/block").iterdir() if (entry / "device").exists()}
    read = written = 0
    for line in Path("/proc/diskstats").read_text().splitlines():
        parts = line.split()
        if parts[2] in disks:
            read, written = read + int(parts[5]) * 512, written + int(parts[9]) * 512
    return read, written


class Watcher:
    """Calls `poll` every 50 ms on a thread of its own while it is entered (`with`), and once more at the end."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def poll(self) -> None:
        raise NotImplementedError

    def _watch(self) -> None:
        while not self._done.is_set():
            self.poll()
            self._done.wait(0.05)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()


class PeakSize(Watcher):
    """The largest size a folder reaches while it is watched."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder, self.peak = folder, 0

    def poll(self) -> None:
        try:
            size = sum(self._size(p) for p in self.folder.rglob("*"))
        except OSError:  # a folder removed while it was walked (a pass's work folder): the next sample counts
            return
        self.peak = max(self.peak, size)

    @staticmethod
    def _size(path: Path) -> int:
        """A file's size; 0 for a folder, or a file gone since it was listed (the step removes its blocks)."""
        try:
            return path.stat().st_size if path.is_file() else 0
        except FileNotFoundError:
            return 0


@dataclass
class Swap:
    """One replacement of the application container, measured."""

    downtime: float  # old container's process gone -> new container started
    step_after_stop: float
    delete: float
    create_and_start: float
    cpu: float
    read: int
    written: int
    peak: int
    manager_found: bool  # whether the manager's own usage could be read (and taken out)


WRITER = (
    "while :; do dd if=/dev/urandom of=/srv/text/pages.db bs=65536 count={blocks} conv=notrunc 2>/dev/null; "
    "sleep 1; done"
)
"""The manager's own writes: its 1 % rewritten in place every second, until it stops."""
BACKGROUND = ("WRITER",)
"""Shell texts that run inside the manager, in the background, never in a timed region (the benchmark tests let
them pause)."""


class ContainerUsage(Watcher):
    """The CPU time and disk bytes a container has used, sampled while watched: the last values seen
    before its cgroup goes (it goes when the container stops). cgroup v1 (cpuacct, blkio) or v2; where neither
    is found, `found` stays false and the rows say so."""

    def __init__(self, container: str) -> None:
        super().__init__()
        self.id = hostbed.docker("inspect", "-f", "{{.Id}}", container).stdout.strip()
        self.cpu, self.read, self.written, self.found = 0.0, 0, 0, False

    def _sample(self) -> tuple[float, int, int] | None:
        try:
            return self._v1() or self._v2()
        except (OSError, ValueError, KeyError, IndexError):
            return None

    def _v1(self) -> tuple[float, int, int] | None:
        cpu = Path("/sys/fs/cgroup/cpuacct/docker") / self.id / "cpuacct.usage"
        if not cpu.exists():
            return None
        io = (Path("/sys/fs/cgroup/blkio/docker") / self.id / "blkio.throttle.io_service_bytes").read_text()
        rows = [line.split() for line in io.splitlines()]
        read = sum(int(row[2]) for row in rows if row[1:2] == ["Read"])
        written = sum(int(row[2]) for row in rows if row[1:2] == ["Write"])
        return int(cpu.read_text()) / 1e9, read, written

    def _v2(self) -> tuple[float, int, int] | None:
        group = Path("/sys/fs/cgroup/docker") / self.id
        if not group.exists():
            return None
        stat = dict(line.split() for line in (group / "cpu.stat").read_text().splitlines())
        io = [dict(f.split("=") for f in line.split()[1:]) for line in (group / "io.stat").read_text().splitlines()]
        return int(stat["usage_usec"]) / 1e6, sum(int(d["rbytes"]) for d in io), sum(int(d["wbytes"]) for d in io)

    def poll(self) -> None:
        sample = self._sample()
        if sample is not None:
            (self.cpu, self.read, self.written), self.found = sample, True


class DowntimeBed:
    """A BackupBed whose manager rewrites 1 % of its data in place while it runs; with `changing` false, one whose
    manager writes nothing (the same data), so that the second pass has nothing to copy: what is left of the
    whole swap's cost beyond the previous release's is then the two passes' own, not the data's."""

    def __init__(self, bed, mib: int, changing: bool = True) -> None:  # noqa: ANN001 - bench.BackupBed (no cycle)
        self.bed, self.mib, self.changing = bed, mib, changing
        self.app_inputs = bed.run.one("docker:index/container:Container", "-app").inputs
        bed.fill(mib // 2, mib // 2)
        self.blocks = max(1, mib * MIB // 100 // 65536)  # 1 % of the data, in 64 KiB pages

    @untimed
    def running_and_writing(self) -> None:
        """The manager as an upgrade finds it: running, writing its 1 % (unless nothing is changing); the folder
        empty; a new second; nothing of the data in the page cache, so that both releases read it from the
        disk."""
        self.bed.ready_for_backup()
        pages = f"head -c {self.blocks * 65536} /dev/urandom > /srv/text/pages.db"
        hostbed.docker("exec", self.bed.app, "sh", "-c", pages)
        subprocess.run(["sh", "-c", "sync && echo 3 > /proc/sys/vm/drop_caches"], check=False)
        if self.changing:
            hostbed.docker("exec", "-d", self.bed.app, "sh", "-c", WRITER.format(blocks=self.blocks))

    def swap(self, command: str) -> Swap:
        """Run `command` (a backup step) as the engine would, then the provider's delete, create and start."""
        self.running_and_writing()
        cpu, (read, written) = cpu_seconds(), disk_bytes()
        with PeakSize(self.bed.folder) as peak, ContainerUsage(self.bed.app) as manager:
            sleep(0.1)  # a first sample of the manager's usage (swap is never in a timed region)
            before = (manager.cpu, manager.read, manager.written)
            check(self.bed.host.ssh(command))
        step_end = time.time()
        stopped = engine_time(self.bed.app, "FinishedAt")
        deleting = time.time()
        hostbed.delete_as_the_provider_does(self.bed.app)
        deleted = time.time()
        hostbed.run_declared_app_container(self.app_inputs, self.bed.image, *hostbed.IDLE_UNTIL_TERM, publish=False)
        started = engine_time(self.bed.app, "StartedAt")
        read_after, written_after = disk_bytes()
        # The manager's own work (its writes) is not the upgrade's: taken out of the machine's figures.
        own = (manager.cpu - before[0], manager.read - before[1], manager.written - before[2])
        return Swap(
            downtime=started - stopped,
            step_after_stop=step_end - stopped,
            delete=deleted - deleting,
            create_and_start=started - deleted,
            cpu=cpu_seconds() - cpu - own[0],
            read=read_after - read - own[1],
            written=written_after - written - own[2],
            peak=peak.peak,
            manager_found=manager.found,
        )


def median(swaps: list[Swap], field: str) -> float:
    return statistics.median(getattr(s, field) for s in swaps)


def measure(
    label: str, repeats: int, make_bed: Callable[[str], object], sizes: tuple[int, int], changing: bool = True
) -> None:
    """Both releases at both sizes, interleaved round by round (both managers exist throughout, so that a machine
    that slows down in the meantime weighs on both sizes alike); the rows: this release's downtime at each size,
    its split, the ratio of the larger to the smaller, the ratio against the previous release at the larger, CPU,
    disk, peak. With `changing` false the manager writes nothing while it runs."""
    results: dict[tuple[str, int], list[Swap]] = {(release, mib): [] for release in ("ours", "before") for mib in sizes}
    beds = []
    try:
        for mib in sizes:
            beds.append(make_bed(f"cfydown{mib}"))
        pairs = zip(sizes, beds, strict=True)
        downs = [(mib, DowntimeBed(bed, mib, changing), previous_release_command(bed.create)) for mib, bed in pairs]
        for round_ in range(repeats):  # each a replacement key the container does not carry yet
            for mib, down, previous in downs:
                key = down.bed.key
                results[("ours", mib)].append(down.swap(down.bed.create.replace(key, f"ours-{round_}-{key}")))
                results[("before", mib)].append(down.swap(previous.replace(key, f"before-{round_}-{key}")))
    finally:
        for bed in beds:
            bed.remove()
    small, large = sizes
    for mib in sizes:
        ours = results[("ours", mib)]
        split = (
            f"{median(ours, 'downtime'):.2f} s: the step after the stop {median(ours, 'step_after_stop'):.2f} s, "
            f"delete {median(ours, 'delete'):.2f} s, create and start {median(ours, 'create_and_start'):.2f} s"
        )
        ROWS.append(
            (f"downtime, {mib} MiB, {'1 %' if changing else 'nothing'} changing, {label} (median of {repeats})", split)
        )
        print(f"downtime {mib} MiB {label}: {split}", flush=True)
    growth = median(results[("ours", large)], "downtime") / median(results[("ours", small)], "downtime")
    against = median(results[("ours", large)], "downtime") / median(results[("before", large)], "downtime")
    ROWS.append((f"downtime {large} MiB / downtime {small} MiB, {label}", f"{growth:.2f}x"))
    previous = median(results[("before", large)], "downtime")
    ROWS.append(
        (f"downtime at {large} MiB against the previous release's ({previous:.1f} s), {label}", f"{against:.2f}x")
    )
    for release in ("ours", "before"):
        swaps = results[(release, large)]
        ROWS.append(
            (
                f"whole swap at {large} MiB, {'this release' if release == 'ours' else 'previous release'}, {label}",
                f"CPU {median(swaps, 'cpu'):.1f} s, read {median(swaps, 'read') / MIB:.0f} MiB, written "
                f"{median(swaps, 'written') / MIB:.0f} MiB, folder at peak {median(swaps, 'peak') / MIB:.0f} MiB"
                + ("" if all(s.manager_found for s in swaps) else " (the manager's own usage not taken out)"),
            )
        )
    for row in ROWS[-5:]:
        print(f"  {row[0]}: {row[1]}", flush=True)

"""An upgrade's downtime: how long the old container is stopped before the new one starts, with this release's
backup step (a first pass while the manager runs, the stop, a second pass of what changed) and with the previous
release's (the stop, then the whole copy), in the same run, on the same host.

The manager stand-in keeps rewriting 1 % of its data in place (a database's pages) while it runs, so the second
pass always has that much to copy. The figures come from the engine's own clock: the old container's
`State.FinishedAt` (its process gone) and the new one's `State.StartedAt`. Split into the backup step's part after
the stop, the provider's delete, and its create and start (kreuzwerker v4.5.0, as hostbed runs them). Beside them:
the host's CPU time (all processes, /proc/stat) and bytes read and written (/proc/diskstats) during the whole
swap, and the backup folder's peak size while the step runs.

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

import hostbed
from cloudify_pulumi.host_scripts import LIBRARIES, _sourcing
from harness import script_arguments
from timing import ROWS, check, untimed

REPO = Path(__file__).resolve().parent.parent
PREVIOUS_RELEASE = "5c44047"
"""main before issue 26: the backup step that stops the manager for the whole copy."""
SCRIPTS = "components/cloudify_pulumi/scripts"
MIB = 1 << 20


def previous_release_command(create: str) -> str:
    """The declared backup command with the previous release's scripts in place of this one's."""
    name, args = script_arguments(create)

    def at_release(file: str) -> str:
        shown = ["git", "-C", str(REPO), "show", f"{PREVIOUS_RELEASE}:{SCRIPTS}/{file}"]
        return subprocess.run(shown, capture_output=True, text=True, check=True).stdout

    body = at_release(name)
    for library in LIBRARIES:
        body = body.replace(_sourcing(library), at_release(library))
    return " ".join(["sh", "-c", shlex.quote(body), shlex.quote(name), *map(shlex.quote, args)])


def engine_time(container: str, field: str) -> float:
    """A container's `State.<field>` (RFC 3339 with nanoseconds, UTC) as seconds since the epoch."""
    text = hostbed.docker("inspect", "-f", f"{{{{.State.{field}}}}}", container).stdout.strip()
    whole, _, fraction = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(whole + "+00:00").timestamp() + float(f"0.{fraction or 0}")


def cpu_seconds() -> float:
    """Busy CPU time of the whole machine so far (every process: the host's, the engine's, the containers')."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / 100  # USER_HZ


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


class PeakSize:
    """The largest size a folder reaches while it is watched (every 50 ms)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.peak, self._done = folder, 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._done.is_set():
            size = sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file()) if self.folder.exists() else 0
            self.peak = max(self.peak, size)
            self._done.wait(0.05)

    def __enter__(self) -> PeakSize:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()


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


WRITER = (
    "i=0; while :; do dd if=/dev/urandom of=/srv/text/pages.db bs=65536 count=1 seek=$((i % {blocks})) "
    "conv=notrunc 2>/dev/null; i=$((i + 1)); done"
)


class DowntimeBed:
    """A BackupBed whose manager rewrites 1 % of its data in place while it runs."""

    def __init__(self, bed, mib: int) -> None:  # noqa: ANN001 - bench.BackupBed (no import cycle)
        self.bed, self.mib = bed, mib
        self.app_inputs = bed.run.one("docker:index/container:Container", "-app").inputs
        bed.fill(mib // 2, mib // 2)
        self.blocks = max(1, mib * MIB // 100 // 65536)  # 1 % of the data, in 64 KiB pages

    @untimed
    def running_and_writing(self) -> None:
        """The manager as an upgrade finds it: running, writing its 1 %; the folder empty; a new second; nothing
        of the data in the page cache, so that both releases read it from the disk."""
        self.bed.ready_for_backup()
        pages = f"head -c {self.blocks * 65536} /dev/urandom > /srv/text/pages.db"
        hostbed.docker("exec", self.bed.app, "sh", "-c", pages)
        subprocess.run(["sh", "-c", "sync && echo 3 > /proc/sys/vm/drop_caches"], check=False)
        hostbed.docker("exec", "-d", self.bed.app, "sh", "-c", WRITER.format(blocks=self.blocks))

    def swap(self, command: str) -> Swap:
        """Run `command` (a backup step) as the engine would, then the provider's delete, create and start."""
        self.running_and_writing()
        cpu, (read, written) = cpu_seconds(), disk_bytes()
        with PeakSize(self.bed.folder) as peak:
            check(self.bed.host.ssh(command))
        step_end = time.time()
        stopped = engine_time(self.bed.app, "FinishedAt")
        deleting = time.time()
        hostbed.delete_as_the_provider_does(self.bed.app)
        deleted = time.time()
        hostbed.run_declared_app_container(self.app_inputs, self.bed.image, *hostbed.IDLE_UNTIL_TERM, publish=False)
        started = engine_time(self.bed.app, "StartedAt")
        read_after, written_after = disk_bytes()
        return Swap(
            downtime=started - stopped,
            step_after_stop=step_end - stopped,
            delete=deleted - deleting,
            create_and_start=started - deleted,
            cpu=cpu_seconds() - cpu,
            read=read_after - read,
            written=written_after - written,
            peak=peak.peak,
        )


def median(swaps: list[Swap], field: str) -> float:
    return statistics.median(getattr(s, field) for s in swaps)


def measure(label: str, repeats: int, make_bed: Callable[[str], object], sizes: tuple[int, int]) -> None:
    """Both releases at both sizes, interleaved; the rows: this release's downtime at each size, its split, the
    ratio of the larger to the smaller, the ratio against the previous release at the larger, CPU, disk, peak."""
    results: dict[tuple[str, int], list[Swap]] = {}
    for mib in sizes:
        bed = make_bed(f"cfydown{mib}")
        try:
            down = DowntimeBed(bed, mib)
            previous = previous_release_command(bed.create)
            ours, before = [], []
            for round_ in range(repeats):  # each a replacement key the container does not carry yet
                ours.append(down.swap(bed.create.replace(bed.key, f"ours-{round_}-{bed.key}")))
                before.append(down.swap(previous.replace(bed.key, f"before-{round_}-{bed.key}")))
            results[("ours", mib)], results[("before", mib)] = ours, before
        finally:
            bed.remove()
    small, large = sizes
    for mib in sizes:
        ours = results[("ours", mib)]
        split = (
            f"{median(ours, 'downtime'):.2f} s: the step after the stop {median(ours, 'step_after_stop'):.2f} s, "
            f"delete {median(ours, 'delete'):.2f} s, create and start {median(ours, 'create_and_start'):.2f} s"
        )
        ROWS.append((f"downtime, {mib} MiB, 1 % changing, {label} (median of {repeats})", split))
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
                f"{median(swaps, 'written') / MIB:.0f} MiB, folder at peak {median(swaps, 'peak') / MIB:.0f} MiB",
            )
        )
    for row in ROWS[-5:]:
        print(f"  {row[0]}: {row[1]}", flush=True)

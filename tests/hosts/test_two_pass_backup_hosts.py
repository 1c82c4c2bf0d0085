"""The backup step copies while the manager runs, then stops it and copies only what changed (issue 26); its
archive is the data as it was at the stop, every file, whatever changed during or after the first pass.

The data "as it was at the stop" is read after the step, from a one-off container on the data container's
volumes: the app container is stopped then, and nothing else writes them. The archive is then put back with the
shipped restore_backup.sh into the same volumes, after they were changed again, and read the same way.

Changes land where they must: a hook that runs once the first pass (level 0) is written, before the step stops
the container (backupbed `after_first_pass`); a writer inside the container that rewrites a database-like file in
place without pause, until the container stops.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
from backupbed import STATE_PATHS, Manager, after_first_pass, fill, fingerprint, values
from hostbed import docker, ensure_image, wrap_docker

pytestmark = pytest.mark.hosts

FINGERPRINT = (
    "cd / && find {paths} -type f -exec sha256sum {{}} + | sort && find {paths} -exec stat -c '%a %n' {{}} + | sort"
)


def at_rest(manager: Manager) -> str:
    """Every file of the volumes with its mode and digest, read by a one-off container (the app may be stopped)."""
    paths = " ".join(p.lstrip("/") for p in STATE_PATHS)
    return docker(
        "run", "--rm", "--volumes-from", manager.data, ensure_image(), "sh", "-c", FINGERPRINT.format(paths=paths)
    ).stdout


def backup_and_restore(manager: Manager) -> tuple[str, str, str]:
    """The declared backup step for a replacement; the data at the stop; the data after the archive was put back
    into the volumes (changed again in between); the step's progress lines."""
    result = manager.host.ssh(manager.backup_command(key="new-key"))
    assert result.returncode == 0, result.stderr
    assert not manager.running(), "left stopped for the delete"
    at_stop = at_rest(manager)
    docker("start", manager.app)
    manager.in_app("rm -rf /srv/cfy-state/* && echo stale > /var/lib/cfy-db/stale")
    docker("stop", manager.app)
    restored = manager.host.ssh(manager.restore_command(values(result.stdout)["BACKUP_FILE"]))
    assert restored.returncode == 0, restored.stderr
    return at_stop, at_rest(manager), result.stderr


@pytest.fixture
def running(manager: Manager) -> Manager:
    manager.start_app(ensure_image())
    fill(manager)
    return manager


def test_the_first_pass_runs_while_the_manager_runs_and_the_second_after_the_stop(running):
    after_first_pass(running, "cat /proc/1/cmdline > /srv/cfy-state/level-0-done-while-running")
    at_stop, restored, progress = backup_and_restore(running)
    assert "while" in progress and "runs" in progress.split("stopping", 1)[0], progress
    assert "level-0-done-while-running" in at_stop, "the hook ran in the running container, after level 0"
    assert re.search(r"stopped \d+ s for the copy of what changed while it ran", progress), progress
    assert restored == at_stop


def test_a_file_changed_after_the_first_pass_is_restored_as_it_was_at_the_stop(running):
    after_first_pass(running, "echo changed-after-level-0 > /srv/cfy-state/nested/deeper/conf.yaml")
    at_stop, restored, _ = backup_and_restore(running)
    assert restored == at_stop
    assert (
        docker(
            "run",
            "--rm",
            "--volumes-from",
            running.data,
            ensure_image(),
            "cat",
            "/srv/cfy-state/nested/deeper/conf.yaml",
        ).stdout
        == "changed-after-level-0\n"
    )


def test_a_file_created_after_the_first_pass_is_restored(running):
    after_first_pass(running, "mkdir -p /srv/cfy-state/new && echo created > /srv/cfy-state/new/file")
    at_stop, restored, _ = backup_and_restore(running)
    assert "srv/cfy-state/new/file" in restored
    assert restored == at_stop


def test_a_file_deleted_after_the_first_pass_is_absent_after_the_restore(running):
    after_first_pass(running, "rm -f /srv/cfy-state/.dotfile && rm -rf /srv/cfy-state/nested")
    at_stop, restored, _ = backup_and_restore(running)
    assert ".dotfile" not in restored and "nested" not in restored
    assert restored == at_stop


def test_a_database_file_rewritten_in_place_during_the_first_pass_is_restored_as_it_was_at_the_stop(running):
    """A 48 MiB file, its blocks rewritten in place without pause from before the step until the container stops,
    so during the first pass too (a database's pages)."""
    running.in_app("head -c 50331648 /dev/urandom > /var/lib/cfy-db/pages.db")
    subprocess.Popen(
        [
            "docker", "exec", "-d", running.app, "sh", "-c",
            "i=0; while :; do dd if=/dev/urandom of=/var/lib/cfy-db/pages.db bs=65536 count=4 "
            "seek=$(( (i * 37) % 760 )) conv=notrunc 2>/dev/null; i=$((i + 1)); done",
        ]
    ).wait()  # fmt: skip
    first = running.in_app("sha256sum /var/lib/cfy-db/pages.db")
    assert running.in_app("sleep 0.3; sha256sum /var/lib/cfy-db/pages.db") != first, "the writer is writing"
    at_stop, restored, _ = backup_and_restore(running)
    assert "var/lib/cfy-db/pages.db" in at_stop
    assert restored == at_stop


@pytest.fixture
def short_of_space(make_manager, tmp_path):
    """A running manager, its data filled, whose backupDir is on a 32 MiB file system: the data takes more than
    that with the 64 MiB margin."""
    shared = tmp_path / "small"
    shared.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(shared)], check=True)
    try:
        manager = make_manager(shared=str(shared))
        manager.start_app(ensure_image())
        fill(manager)
        yield manager
    finally:
        subprocess.run(["umount", "-l", str(shared)], check=False)


def test_not_enough_free_space_is_refused_before_the_manager_is_stopped(short_of_space):
    manager = short_of_space
    before = fingerprint(manager)
    result = manager.host.ssh(manager.backup_command(key="new-key"))
    assert result.returncode == 66, result.stderr
    wanted = rf"the backup needs \d+ MiB free in {re.escape(manager.backups)} \(backupDir\): .* it has \d+ MiB"
    assert re.search(wanted, result.stderr), result.stderr
    assert "nothing was stopped" in result.stderr and "stopping" not in result.stderr
    assert manager.running() and fingerprint(manager) == before
    assert manager.archives() == []


NO_DU_CONTAINER = 'case "$*" in *"--entrypoint du"*) echo "stub: no du container" >&2; exit 1 ;; esac'
"""The one-off `du` container refused: the data must be measured on the host."""
SOURCES_ELSEWHERE = """case "$*" in *.Source*)
    /usr/bin/docker "$@" | sed 's|^/|/not-on-this-host/|'
    exit 0 ;;
esac"""
"""Every mount's source a folder this host does not have (another volume driver): the data must be measured by
the one-off container."""


@pytest.mark.parametrize("measured", ["on the host", "in a one-off container"])
def test_the_free_space_needed_is_the_data_measured_on_the_host_or_else_in_a_one_off_container(
    short_of_space, measured
):
    """Measured on the host, in the engine's volume folders (no container to start), or, where those are not
    folders on this host, by `du` in a one-off container: either way the figure is the data's own."""
    manager = short_of_space
    manager.in_app("head -c 40000000 /dev/urandom > /var/lib/cfy-db/big.bin")
    sizes = manager.in_app("cd / && du -sk " + " ".join(p.lstrip("/") for p in STATE_PATHS)).split()[::2]
    wrap_docker(manager.host, before=NO_DU_CONTAINER if measured == "on the host" else SOURCES_ELSEWHERE)
    result = manager.host.ssh(manager.backup_command(key="new-key"))
    assert result.returncode == 66, result.stderr
    data_mib = sum(int(kib) for kib in sizes) // 1024
    assert f"the data takes {data_mib} MiB uncompressed" in result.stderr, result.stderr
    assert manager.running()


EARLIER_RELEASE = (
    "docker run --rm --entrypoint tar --volumes-from {data} {image} -cf - {paths} | {compress} > {archive}"
)


@pytest.mark.parametrize(("compress", "suffix"), [("zstd -q -1", ".tar.zst"), ("gzip -1", ".tar.gz"), ("cat", ".tar")])
def test_an_archive_of_an_earlier_release_still_restores(running, compress, suffix):
    """Releases up to 2.0 wrote one plain `tar -c` stream, compressed (backup_data.sh at 5c44047)."""
    wanted = fingerprint(running)
    Path(running.backups).mkdir(parents=True, exist_ok=True)
    archive = f"{running.backups}/{running.app}-20261101T000000Z-earlier{suffix}"
    paths = " ".join(p.lstrip("/") for p in STATE_PATHS)
    made = running.host.root(
        EARLIER_RELEASE.format(data=running.data, image=ensure_image(), paths=paths, compress=compress, archive=archive)
    )
    assert made.returncode == 0, made.stderr
    running.in_app("rm -rf /srv/cfy-state/nested && echo later > /srv/cfy-state/later")
    restored = running.host.ssh(running.restore_command(archive))
    assert restored.returncode == 0, restored.stderr
    assert fingerprint(running) == wanted


# Every fsync the step asks for, logged on the host once done: the file, its size then and whether the app container
# ran then; and every `sync` of a folder, with what the folder held then. FAIL_AT makes the Nth fsync fail.
FLUSH_LOG = "/tmp/flushes.log"
FSYNC_LOGGED = """#!/bin/sh
case "$*" in *conv=notrunc,fsync*) ;; *) exec /bin/dd "$@" ;; esac
n=$(($(grep -c '^fsync' {log} 2>/dev/null || true) + 1))
for a in "$@"; do case "$a" in of=*) file=${{a#of=}} ;; esac; done
status=0
if [ "$n" = {fail_at} ]; then status=1; else /bin/dd "$@" || status=$?; fi
echo "fsync $file $(stat -c %s "$file") $(docker inspect -f '{{{{.State.Running}}}}' {app}) $status" >> {log}
exit $status
"""
SYNC_LOGGED = """#!/bin/sh
/bin/sync "$@"
status=$?
echo "sync $* $(ls -A "$1" | tr '\\n' ' ')" >> {log}
exit $status
"""


def flushed(manager: Manager, fail_at: int = 0) -> tuple[subprocess.CompletedProcess, list[list[str]]]:
    """The declared backup step for a replacement, with every fsync and folder sync logged; the log's lines."""
    fsync = FSYNC_LOGGED.format(log=FLUSH_LOG, fail_at=fail_at, app=manager.app)
    manager.host.put("/usr/local/bin/dd", fsync, mode="755")
    manager.host.put("/usr/local/bin/sync", SYNC_LOGGED.format(log=FLUSH_LOG), mode="755")
    try:
        result = manager.host.ssh(manager.backup_command(key="new-key"))
        lines = manager.host.root(f"cat {FLUSH_LOG} 2>/dev/null || true").stdout.splitlines()
    finally:
        manager.host.root(f"rm -f /usr/local/bin/dd /usr/local/bin/sync {FLUSH_LOG}")
    return result, [line.split() for line in lines]


def test_the_archive_is_on_the_disk_part_by_part_and_under_its_final_name_before_the_step_ends(running):
    """A read-back test reads the page cache; only an fsync says the disk has the bytes. The first part is flushed
    while the manager still runs (its writeback out of the downtime), the whole file once both parts are in it,
    then the folder that holds its final name: all before the step ends, and so before the old container can be
    deleted."""
    result, log = flushed(running)
    assert result.returncode == 0, result.stderr
    archive = values(result.stdout)["BACKUP_FILE"]
    folder, name = archive.rsplit("/", 1)
    partial = log[0][1]  # a file mktemp made beside the final name: nobody could have planted a link there
    assert re.fullmatch(rf"{re.escape(folder)}/\.{re.escape(name)}\.partial\.[A-Za-z0-9]{{6}}", partial), partial
    assert [line[:2] for line in log] == [["fsync", partial], ["fsync", partial], ["sync", folder]], log
    first, whole, names = log
    assert first[3:] == ["true", "0"], "the first part flushed while the manager ran"
    assert int(first[2]) < int(whole[2]) == Path(archive).stat().st_size, "the whole file flushed, both parts in it"
    assert whole[3:] == ["false", "0"]
    assert name in names[2:], "the folder flushed once it holds the final name"


@pytest.mark.parametrize(("fail_at", "stopped"), [(1, False), (2, True)])
def test_an_archive_the_disk_does_not_take_fails_the_step_and_the_manager_runs(running, fail_at, stopped):
    before = fingerprint(running)
    result, _ = flushed(running, fail_at=fail_at)
    assert result.returncode == 67, result.stderr
    assert "could not be written to the disk" in result.stderr and "nothing was deleted" in result.stderr
    assert ("stopping" in result.stderr) is stopped, result.stderr
    assert running.running() and fingerprint(running) == before
    assert running.archives() == [] and not list(Path(running.backups).glob(".*.partial"))


# Every `docker run`, `docker stop` and `touch` of the step, logged on the host with whether the app container ran
# then: the engine calls that start or release a pass, in the order the step made them.
CALLS_LOG = "/tmp/calls.log"
CALL_LOGGED = """case "$1 $*" in
run*/snapshot/level*|stop*) level=$(printf '%s' "$*" | grep -o 'snapshot/level[01]' || echo stop)
    echo "$level $(/usr/bin/docker inspect -f '{{{{.State.Running}}}}' {app})" >> {log} ;;
esac"""
TOUCH_LOGGED = """#!/bin/sh
case "$*" in */go) echo "go $(docker inspect -f '{{{{.State.Running}}}}' {app})" >> {log} ;; esac
exec /usr/bin/touch "$@"
"""


def test_the_second_pass_is_started_before_the_stop_and_released_after_it(running):
    """Nothing is left to start once the manager is stopped: the second pass's one-off container is created and
    started while the manager runs, and waits; the step releases it once the stop is done."""
    running.host.put("/usr/local/bin/touch", TOUCH_LOGGED.format(app=running.app, log=CALLS_LOG), mode="755")
    wrap_docker(running.host, before=CALL_LOGGED.format(app=running.app, log=CALLS_LOG))
    try:
        result = running.host.ssh(running.backup_command(key="new-key"))
        calls = running.host.root(f"cat {CALLS_LOG}").stdout.splitlines()
    finally:
        running.host.root(f"rm -f /usr/local/bin/touch {CALLS_LOG}")
    assert result.returncode == 0, result.stderr
    assert calls == ["snapshot/level0 true", "snapshot/level1 true", "stop true", "go false"], calls


# Once /tmp/last-write exists: the `docker stop` of the app container first waits 2 s (an ungated second pass has
# run by then), then writes a file in the container, as a manager shutting down writes its last pages.
LAST_WRITE = """case "$1 $2" in "stop "*) if [ -e /tmp/last-write ]; then sleep 2
    /usr/bin/docker exec {app} sh -c 'echo checkpoint > /srv/cfy-state/written-at-the-stop'; fi ;;
esac"""


def test_what_the_manager_writes_up_to_its_stop_is_in_the_archive(running):
    """The second pass's container is started before the stop, but copies nothing until the stop is done."""
    wrap_docker(running.host, before=LAST_WRITE.format(app=running.app))
    running.host.setup("touch /tmp/last-write")
    at_stop, restored, _ = backup_and_restore(running)
    assert "written-at-the-stop" in at_stop
    assert restored == at_stop


def test_a_second_pass_that_cannot_start_fails_the_step_before_the_stop_within_seconds(running):
    """A one-off container that does not start is found before the stop, as soon as its run has failed (the step
    waits up to 120 s for one that starts slowly)."""
    before = fingerprint(running)
    wrap_docker(running.host, before='case "$*" in *"/snapshot/level1"*) echo "stub: run refused" >&2; exit 1 ;; esac')
    began = time.monotonic()
    result = running.host.ssh(running.backup_command(key="new-key"))
    assert time.monotonic() - began < 60, "the failed run is noticed at once, not after the 120 s wait"
    assert result.returncode == 61, result.stderr
    assert "the copy of what changes could not be started" in result.stderr and "still runs" in result.stderr
    assert "stopping" not in result.stderr, result.stderr
    assert running.running() and fingerprint(running) == before
    assert running.host.root(f"ls -A {running.backups}").stdout.split() in ([], [".images"])
    assert docker("ps", "-aq", "--filter", f"name={running.app}-archiver").stdout == ""

"""Whatever ends the backup step before it succeeds, the manager it stopped runs again, and what the step says
is what happened: a real ssh client killed mid-archive, SIGTERM, SIGPIPE on a progress line, a stopped manager
that no replacement follows, and the way back printed before the old container can be deleted."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid

import pytest
from backupbed import (
    Manager,
    failing_second_pass,
    fill,
    fingerprint,
    second_pass_under_way,
    slow_second_pass,
    values,
    wait_for,
)
from hostbed import docker, ensure_image, wrap_docker

pytestmark = pytest.mark.hosts


def backup_processes(manager: Manager) -> str:
    """The backup script's processes still on the host (its own, and those of a pass: their arguments name its
    work folder, `.stream.*`), and its one-off containers still on the engine."""
    processes = manager.host.root("ps -eo args | grep -e '[b]ackup_data.sh' -e '[.]stream[.]' || true").stdout
    containers = docker("ps", "-aq", "--filter", f"name={manager.app}-archiver").stdout
    return processes + containers


# The script's own shell: the runner execs `sh <installed folder>/backup_data.sh ...` (its guardian, a subshell, is
# younger; the login shell around it has the whole command as one argument).
MAIN_PROCESS = """for p in /proc/[0-9]*; do
    case "$(head -c 300 "$p/cmdline" 2>/dev/null | tr '\\0' ' ')" in
    "sh /"*/.cloudify-pulumi/*/backup_data.sh" "*) echo "${p#/proc/}" ;;
    esac
done | sort -n | head -n 1"""


def start_backup(manager: Manager, key: str = "new-key") -> subprocess.Popen:
    """The declared backup step for a replacement, over real SSH, left running."""
    return subprocess.Popen(
        [*manager.host.ssh_argv(), manager.backup_command(key=key)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def left_in_folder(manager: Manager) -> list[str]:
    listing = manager.host.root(f"ls -A {manager.backups}").stdout.split()
    return [name for name in listing if name != ".images"]


def test_killing_the_ssh_client_mid_archive_starts_the_old_manager_again_within_seconds(manager):
    manager.start_app(ensure_image())
    fill(manager)
    before = fingerprint(manager)
    slow_second_pass(manager)
    client = start_backup(manager)
    wait_for(lambda: second_pass_under_way(manager), 30, "the second pass under way, the manager stopped")

    client.kill()  # SIGKILL: the connection drops as a lost network or a killed `pulumi up` drops it
    client.wait()
    # The guardian notices the connection gone within a second (not at its next progress line, 10 s on).
    wait_for(manager.running, 6, "the old container running again after the ssh client was killed")
    wait_for(
        lambda: not backup_processes(manager),
        15,
        "the script, its guardian and its archiver gone",
        show=lambda: backup_processes(manager),
    )
    assert left_in_folder(manager) == [], "no partial archive or work folder is left"
    assert fingerprint(manager) == before


# The archiver's own cleanup made slow: once /tmp/slow-cleanup exists, its root shell's removal of its one-off
# container (the first thing its TERM trap does, before its work folder goes) takes 3 s.
SLOW_ARCHIVER_CLEANUP = """case "$*" in "rm -f "*-archiver)
    [ -e /tmp/slow-cleanup ] && grep -q 'umask 077' "/proc/$PPID/cmdline" 2>/dev/null && sleep 3 ;;
esac"""


# Once /tmp/slow-stop exists, the `docker stop` of the app container returns 5 s after the container has stopped,
# as the engine's own work after a manager's exit can take.
SLOW_STOP = """case "$1" in stop) [ -e /tmp/slow-stop ] && sleep 5 ;; esac"""


def test_killing_the_ssh_client_while_the_manager_stops_leaves_it_running_and_nothing_behind(manager):
    """The second pass's container is started before the stop and waits through it, its reader waiting for tar to
    open the fifo: an interruption then ends them too, and the manager runs again."""
    manager.start_app(ensure_image())
    fill(manager)
    before = fingerprint(manager)
    wrap_docker(manager.host, after=SLOW_STOP)
    manager.host.setup("touch /tmp/slow-stop")
    client = start_backup(manager)
    wait_for(lambda: stopping(manager) and not manager.running(), 30, "the manager stopped, `docker stop` not done")
    client.kill()
    client.wait()
    wait_for(manager.running, 20, "the old container running again")
    wait_for(
        lambda: not backup_processes(manager),
        15,
        "the script, its guardian and its archiver gone",
        show=lambda: backup_processes(manager),
    )
    assert left_in_folder(manager) == [] and fingerprint(manager) == before


def stopping(manager: Manager) -> bool:
    """The step's `docker stop` of the app container is under way."""
    return f"docker stop -t 120 {manager.app}" in manager.host.root("ps -eo args").stdout


def test_the_manager_starts_again_only_once_the_archiver_has_cleaned_up_after_itself(manager):
    """An interrupted step stops its archiver (a root shell under sudo) and waits for it to finish its traps: when
    the manager runs again, the archiver's work folder is gone, however long its cleanup takes (up to 10 s). Before,
    it waited only for the subshell around sudo, and the manager could run again while the work folder was still
    there (seen once in CI)."""
    manager.start_app(ensure_image())
    fill(manager)
    slow_second_pass(manager)
    wrap_docker(manager.host, before=SLOW_ARCHIVER_CLEANUP)
    client = start_backup(manager)
    wait_for(lambda: second_pass_under_way(manager), 30, "the second pass under way, the manager stopped")
    manager.host.setup("touch /tmp/slow-cleanup")
    client.kill()
    client.wait()
    wait_for(manager.running, 15, "the old container running again")
    assert left_in_folder(manager) == [], "the archiver's work folder is gone before the manager runs again"


def test_sigterm_from_a_cancelled_up_mid_archive_starts_the_old_manager_again_and_says_so(manager):
    manager.start_app(ensure_image())
    slow_second_pass(manager)
    client = start_backup(manager)
    wait_for(lambda: second_pass_under_way(manager), 30, "the second pass under way, the manager stopped")
    main = manager.host.root(MAIN_PROCESS).stdout.strip()
    manager.host.setup(f"kill -TERM {main}")
    _, stderr = client.communicate(timeout=60)
    assert client.returncode == 128 + signal.SIGTERM, stderr
    assert f"started {manager.app} again" in stderr
    wait_for(
        lambda: not backup_processes(manager), 15, "nothing of the backup left", show=lambda: backup_processes(manager)
    )
    assert manager.running() and left_in_folder(manager) == []


def test_sigpipe_on_a_progress_line_starts_the_old_manager_again(manager):
    """The reader of the step's progress goes away after the first line (as an ssh channel whose far end is
    gone): the next line the script writes raises SIGPIPE, and its trap starts the stopped container."""
    manager.start_app(ensure_image())
    fill(manager)
    command = manager.backup_command(key="new-key")
    done = manager.host.ssh(f"{{ {command} 2>&1 >/dev/null; echo status=$? >/tmp/status; }} | head -n 1 >/dev/null")
    assert done.returncode == 0, done.stderr
    status = manager.host.root("cat /tmp/status").stdout.strip()
    assert status == f"status={128 + signal.SIGPIPE}", "the script died of SIGPIPE on its second line"
    wait_for(manager.running, 10, "the old container running again")
    wait_for(lambda: not backup_processes(manager), 15, "nothing of the backup left running")
    assert manager.archives() == []


def test_a_manager_found_stopped_with_no_replacement_to_follow_is_started(manager):
    """An abandoned upgrade: an earlier run stopped the container, then `appImage` was set back. The backup step
    finds the container it wants, stopped, and starts it."""
    manager.start_app(ensure_image(), key=manager.declared_key)
    docker("stop", "-t", "1", manager.app)
    result = manager.host.ssh(manager.backup_command())
    assert result.returncode == 0, result.stderr
    assert "runs what is wanted but was stopped" in result.stderr
    assert manager.running() and manager.archives() == []


def test_a_backup_that_fails_after_finding_the_manager_stopped_starts_it_and_says_so(manager):
    manager.start_app(ensure_image())
    docker("stop", "-t", "1", manager.app)
    refuse_the_copy = 'case "$*" in *"/snapshot/level0"*) echo "stub: run refused" >&2; exit 1 ;; esac'
    wrap_docker(manager.host, before=refuse_the_copy)
    result = manager.host.ssh(manager.backup_command(key="new-key"))
    assert result.returncode == 61, result.stderr
    assert f"{manager.app} is stopped already" in result.stderr
    assert f"started {manager.app} again" in result.stderr and manager.running()


def test_a_manager_that_cannot_be_started_again_is_reported_with_the_command_that_starts_it(manager):
    manager.start_app(ensure_image())
    # The second pass (the manager stopped) fails, and so does the start that would undo the stop.
    failing_second_pass(manager)
    wrap_docker(manager.host, before='case "$*" in start*) echo "stub: $1 refused" >&2; exit 1 ;; esac')
    result = manager.host.ssh(manager.backup_command(key="new-key"))
    assert result.returncode == 61, result.stderr
    assert "started again" not in result.stderr, "no claim that did not happen"
    assert f"could not start {manager.app}: on the host, run: sudo docker start {manager.app}" in result.stderr
    assert not manager.running()


def test_the_way_back_is_printed_before_the_old_container_can_be_deleted(manager):
    manager.start_app(ensure_image())
    result = manager.host.ssh(manager.backup_command(key="new-key"))
    assert result.returncode == 0, result.stderr
    archive = values(result.stdout)["BACKUP_FILE"]
    assert (
        f"the way back, if the new container does not come up: pulumi config set appImage {ensure_image()}; "
        f"pulumi config set restoreFrom {archive}; pulumi up"
    ) in result.stderr
    assert f"'sudo docker start {manager.app}' on the host brings it back as it was" in result.stderr
    assert not manager.running()


def untagged_image() -> str:
    """A local image with no tag and no digest: the host knows only its ID (as for an appImage pinned by
    digest whose repository digest the engine did not keep)."""
    name = f"cfy-untagged-{uuid.uuid4().hex[:8]}"
    docker("run", "--name", name, ensure_image(), "true")
    try:
        return docker("commit", name).stdout.strip()
    finally:
        docker("rm", "-f", name, check=False)


PINNED = "registry.example.com/cloudify/cloudify-manager@sha256:" + "ab" * 32


def test_the_way_back_names_the_app_image_the_stack_had_not_an_image_id(make_manager):
    manager = make_manager(appImage=PINNED)
    image_id = untagged_image()
    try:
        first = manager.host.ssh(manager.backup_command())  # the first up records which appImage its key runs
        assert first.returncode == 0, first.stderr
        manager.start_app(image_id, key=manager.declared_key)
        result = manager.host.ssh(manager.backup_command(key="new-key"))
        assert result.returncode == 0, result.stderr
        assert values(result.stdout)["PREVIOUS_IMAGE"] == PINNED
        assert f"pulumi config set appImage {PINNED};" in result.stderr
    finally:
        docker("rm", "-f", manager.app, check=False)
        docker("rmi", "-f", image_id, check=False)


def test_a_container_of_an_earlier_release_on_an_untagged_image_gets_no_image_id_as_its_way_back(manager):
    image_id = untagged_image()
    try:
        manager.start_app(image_id)  # a key no run of this release recorded
        result = manager.host.ssh(manager.backup_command(key="new-key"))
        assert result.returncode == 0, result.stderr
        assert "pulumi config set appImage sha256:" not in result.stderr
        assert f"<the reference the stack had: this host knows only its image ID {image_id}>" in result.stderr
    finally:
        docker("rm", "-f", manager.app, check=False)
        docker("rmi", "-f", image_id, check=False)


# The guardian's second made ten minutes long: `sleep 1` on the host, and only that, sleeps 600 s.
LONG_SECOND = '#!/bin/sh\n[ "$*" = 1 ] && exec /bin/sleep 600\nexec /bin/sleep "$@"\n'


def test_the_step_ends_when_its_script_does_not_when_the_guardians_second_does(manager):
    """The SSH session, hence the step and the old container's downtime, ends as the script ends: the guardian's
    second passes in a background sleep that holds none of the session's output and whose wait the run's end
    interrupts. A sleep in the foreground, on the session's output, kept the session open until it was over (up to
    a second on every upgrade; here, ten minutes)."""
    manager.start_app(ensure_image())
    fill(manager)
    manager.host.put("/usr/local/bin/sleep", LONG_SECOND, mode="755")
    try:
        started = time.monotonic()
        result = manager.host.ssh(manager.backup_command(key="new-key"), timeout=40)
        took = time.monotonic() - started
    finally:
        manager.host.root("rm -f /usr/local/bin/sleep; pkill -f '/bin/sleep 600' || true")
    assert result.returncode == 0, result.stderr
    assert "BACKUP_FILE=" in result.stdout and took < 30
    assert not backup_processes(manager), "the guardian is gone with the run"

"""restoreFrom and backupNow through the declared steps in the engine's order; retention that keeps the archive
taken before the last upgrade that became ready; and managers sharing one backupDir, each with its own archives."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from backupbed import (
    AppSide,
    Manager,
    fill,
    fingerprint,
    image_with_marker,
    resolved,
    values,
    wait_for,
    web_app_settings,
)
from hostbed import docker, ensure_image, free_port, wrap_docker

pytestmark = pytest.mark.hosts


@pytest.fixture(scope="module")
def image():
    """The app image: the stand-in (WEB_APP) serves its marker."""
    made = image_with_marker(f"cfytest/app:r-{uuid.uuid4().hex[:8]}")
    yield made
    docker("rmi", "-f", made, check=False)


@pytest.fixture
def web_manager(make_manager, agents, image) -> Manager:
    """A manager whose stand-in answers readiness, brought up once through the declared steps, data filled."""
    manager = make_manager(appImage=image, **web_app_settings(free_port(), agents))
    AppSide(manager.host, manager.run, image).up()
    fill(manager)
    return manager


def backup_now(manager: Manager, value: str = "before-risky-work") -> str:
    """The backupNow step of a stack with `backupNow: value`; the archive it took."""
    side = AppSide(manager.host, manager.declared(backupNow=value), manager.settings["appImage"])
    result = side.step("backup-now")
    assert result.returncode == 0, result.stderr
    assert manager.running(), "stop, archive, start again"
    return values(result.stdout)["BACKUP_FILE"]


def test_restore_from_puts_the_archive_back_in_one_up_after_archiving_the_current_data(web_manager):
    wanted = fingerprint(web_manager)
    archive = backup_now(web_manager)
    web_manager.in_app("rm -rf /srv/cfy-state/nested && echo later > /srv/cfy-state/later")
    changed = fingerprint(web_manager)

    side = AppSide(web_manager.host, web_manager.declared(restoreFrom=archive), web_manager.settings["appImage"])
    assert side.order()[:3] == ["restore", "backup", "replace"]
    side.up()
    assert fingerprint(web_manager) == wanted and web_manager.running()
    assert "runs what is wanted but was stopped" in side.outputs["backup"].stderr, "the current image, started"
    safe = values(side.outputs["restore"].stdout)["BACKUP_FILE"]
    assert safe != archive and Path(safe).name in web_manager.archives()

    put_back = web_manager.host.ssh(web_manager.restore_command(safe))
    assert put_back.returncode == 0, put_back.stderr
    assert fingerprint(web_manager) == changed, "the restore archived the data it replaced, first"


def damaged(manager: Manager, archive: str, kind: str) -> str:
    """A copy of `archive` cut short, a path with no file, or an archive of files outside the volume paths."""
    bad = f"{manager.backups}/{manager.app}-{kind}.tar" + ("" if kind == "foreign" else ".zst")
    if kind == "truncated":
        data = Path(archive).read_bytes()
        Path(bad).write_bytes(data[: len(data) // 2])
    elif kind == "foreign":
        subprocess.run(["tar", "-cf", bad, "-C", "/", "etc/hostname"], check=True)
    return bad


@pytest.mark.parametrize("kind", ["truncated", "missing", "foreign"])
def test_restore_from_a_damaged_or_missing_archive_is_refused_with_nothing_touched(web_manager, kind):
    bad = damaged(web_manager, backup_now(web_manager), kind)
    before, archives = fingerprint(web_manager), web_manager.archives()
    side = AppSide(web_manager.host, web_manager.declared(restoreFrom=bad), web_manager.settings["appImage"])
    result = side.step("restore")
    assert result.returncode == 70, result.stderr
    assert f"restoreFrom: {bad} is missing, does not read back whole" in result.stderr
    assert "nothing was stopped or changed" in result.stderr
    assert web_manager.running() and fingerprint(web_manager) == before and web_manager.archives() == archives


def test_a_later_up_with_the_same_restore_from_runs_nothing_on_the_host(web_manager):
    """pulumi-command v1.2.1 runs `create` again only when the triggers change; another change to the step's
    inputs runs `update`, declared as a no-op (`true`). Running what a second up would run changes nothing."""
    archive = backup_now(web_manager)
    first = web_manager.declared(restoreFrom=archive)
    AppSide(web_manager.host, first, web_manager.settings["appImage"]).up()
    after = fingerprint(web_manager)
    second = web_manager.declared(restoreFrom=archive, backupsToKeep="3")
    step = first.one("command:remote:Command", "-restore").inputs
    again = second.one("command:remote:Command", "-restore").inputs
    assert again["triggers"] == step["triggers"] == [archive]
    assert again["create"] != step["create"], "an input changed: the provider runs `update`, not `create`"
    assert again["update"] == "true"
    assert web_manager.host.ssh(again["update"]).returncode == 0
    assert fingerprint(web_manager) == after and web_manager.running()


IDLE = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]


def test_pruning_waits_for_readiness_and_keeps_the_archive_taken_before_the_upgrade(make_manager, agents, image):
    manager = make_manager(appImage=image, backupsToKeep="1", **web_app_settings(free_port(), agents))
    AppSide(manager.host, manager.run, image).up()
    fill(manager)
    taken = []
    for attempt in range(3):  # upgrades that never become ready: a container that never answers
        command = json.dumps([*IDLE[:2], f"{IDLE[2]} # attempt {attempt}"])
        side = AppSide(manager.host, manager.declared(appCommand=command, readinessTimeout="2"), image)
        side.up(until="ready")
        assert side.step("ready").returncode == 40
        taken.append(Path(side.report["BACKUP_FILE"]).name)
        time.sleep(1.1)  # archive names carry the second
    assert manager.archives() == sorted(taken), "nothing pruned while no upgrade became ready"

    good = AppSide(manager.host, manager.declared(), image)
    good.up()
    before_upgrade = Path(good.report["BACKUP_FILE"]).name
    assert manager.archives() == [before_upgrade], "pruned to backupsToKeep once ready"

    time.sleep(1.1)
    now = Path(backup_now(manager)).name
    assert manager.archives() == sorted([before_upgrade, now]), "backupNow's pruning keeps the pre-upgrade archive"


def legacy_archive(folder: str, app: str, stamp: str, mtime: float) -> Path:
    """An archive as releases before 2.1.0 left it, in backupDir itself."""
    path = Path(folder) / f"{app}-{stamp}-registry.example.com_cloudify_old.tar.gz"
    path.write_bytes(b"")
    os.utime(path, (mtime, mtime))
    return path


def test_two_managers_sharing_a_backup_dir_never_prune_report_or_restore_each_others_archives(make_manager):
    """Prefixes `cfyX` and `cfyX-manager`: the first's container name, `cfyX-manager`, begins the second's,
    `cfyX-manager-manager`, so a pattern `<container>-*` of the first matches the second's archives."""
    tag = uuid.uuid4().hex[:6]
    first = make_manager(prefix=f"cfy{tag}")
    second = make_manager(host=first.host, prefix=f"cfy{tag}-manager", backup_dir=first.backup_dir)
    Path(first.backup_dir).mkdir(parents=True)
    old_first = legacy_archive(first.backup_dir, first.app, "20250101T000000Z", time.time() - 7200)
    old_second = legacy_archive(first.backup_dir, second.app, "20260101T000000Z", time.time() - 3600)

    reported = {first.app: [], second.app: []}
    for made in (first, second):
        found = made.host.ssh(made.backup_command())  # no container yet: the newest archive of this manager
        assert found.returncode == 0, found.stderr
        reported[made.app].append(values(found.stdout)["BACKUP_FILE"])
        made.start_app(ensure_image())
        made.in_app(f"echo {made.app} > /srv/cfy-state/owner")
    assert reported == {first.app: [str(old_first)], second.app: [str(old_second)]}

    for attempt in range(3):
        for made in (first, second):
            made.start_app(ensure_image(), key=f"key-{attempt}")
            backup = made.host.ssh(made.backup_command(key=f"key-{attempt + 1}"))
            assert backup.returncode == 0, backup.stderr
            report = values(backup.stdout)
            pruned = made.host.ssh(resolved(made.run.commands()["prune-backups"], report))
            assert pruned.returncode == 0, pruned.stderr
            reported[made.app] += [report["BACKUP_FILE"], values(pruned.stdout)["BACKUP_FILE"]]
        time.sleep(1.1)

    for made in (first, second):
        assert all(path.startswith(f"{made.backups}/{made.app}-") for path in reported[made.app][1:])
        assert len(made.archives()) == 2, "each pruned to its own backupsToKeep"
        latest = reported[made.app][-1]
        assert Path(latest).name == made.archives()[-1]
        made.start_app(ensure_image())
        restored = made.host.ssh(made.restore_command(latest))
        assert restored.returncode == 0, restored.stderr
        assert made.in_app("cat /srv/cfy-state/owner") == f"{made.app}\n"
    assert old_first.exists() and old_second.exists(), "archives of earlier releases are never pruned"


# The first refill of the volumes (the restore's) completes, then hangs: the ssh client is killed meanwhile.
SLOW_FIRST_REFILL = """case "$1 $*" in "run "*-restore*)
    if [ -e /tmp/slow-restore ]; then rm -f /tmp/slow-restore; /usr/bin/docker "$@"; sleep 30; exit 0; fi ;;
esac"""


def test_a_restore_cut_short_puts_back_the_data_it_archived_and_starts_the_manager(web_manager):
    archive = backup_now(web_manager)
    web_manager.in_app("echo later > /srv/cfy-state/later")
    before = fingerprint(web_manager)
    wrap_docker(web_manager.host, before=SLOW_FIRST_REFILL)
    web_manager.host.setup("touch /tmp/slow-restore")
    side = AppSide(web_manager.host, web_manager.declared(restoreFrom=archive), web_manager.settings["appImage"])
    client = side.start("restore")
    wait_for(lambda: not web_manager.host.exists("/tmp/slow-restore"), 60, "the refill under way")
    client.kill()
    client.wait()
    wait_for(web_manager.running, 30, "the manager running again")
    assert fingerprint(web_manager) == before, "the data as it was before the restore"

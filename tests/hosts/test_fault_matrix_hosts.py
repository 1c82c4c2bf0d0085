"""The fault matrix: an upgrade interrupted at each point in turn. Each case checks the state right after (the
manager running, or stopped with the exact command printed), then runs the steps again in the engine's order:
the manager ends on the intended image with its data byte-identical. Interruptions kill the ssh client for real.
docs/operations.md reports the matrix."""

from __future__ import annotations

import re
import subprocess
import uuid

import pytest
from backupbed import (
    AppSide,
    Manager,
    fill,
    fingerprint,
    first_pass_under_way,
    image_marker,
    image_with_marker,
    second_pass_under_way,
    slow_pass,
    slow_second_pass,
    wait_for,
    web_app_settings,
)
from hostbed import docker, free_port

pytestmark = pytest.mark.hosts

SLOW_CURL = '#!/bin/sh\nsleep 30\nexec /usr/bin/curl "$@"\n'


@pytest.fixture
def images():
    tag = uuid.uuid4().hex[:8]
    made = image_with_marker(f"cfytest/app:a-{tag}"), image_with_marker(f"cfytest/app:b-{tag}")
    yield made
    docker("rmi", "-f", *made, check=False)


@pytest.fixture
def upgrade(make_manager, images, agents):
    """A manager up on image A with data, and the AppSide of the upgrade to image B (not yet run)."""
    image_a, image_b = images
    manager = make_manager(appImage=image_a, **web_app_settings(free_port(), agents))
    AppSide(manager.host, manager.run, image_a).up()
    fill(manager)
    return manager, AppSide(manager.host, manager.declared(appImage=image_b), image_b), fingerprint(manager)


def kill_client(client: subprocess.Popen) -> None:
    """SIGKILL the ssh client, as a lost network or a killed `pulumi up` drops the connection."""
    client.kill()
    client.wait()


def ends_upgraded(manager: Manager, side: AppSide, data: str) -> None:
    """Run every step again in the engine's order: the intended image, the data as it was, the agents in place."""
    AppSide(side.host, side.run, side.image).up()
    assert image_marker(manager) == side.image and manager.running()
    assert fingerprint(manager) == data
    assert manager.in_app("cat /opt/manager/resources/packages/agents/agent.tar.gz") == "agent package\n"


def test_interrupted_during_the_first_pass_the_old_manager_never_stops_and_a_rerun_upgrades(upgrade, images):
    manager, side, data = upgrade
    slow_pass(manager, 1)
    client = side.start("backup")
    wait_for(lambda: first_pass_under_way(manager), 30, "the first pass under way, the manager running")
    kill_client(client)
    wait_for(
        lambda: ".partial" not in manager.host.root(f"ls -a {manager.backups}").stdout, 15, "the partial archive gone"
    )
    assert manager.running() and image_marker(manager) == images[0] and manager.archives() == []
    assert "stopping" not in client.stderr.read(), "it never stopped the manager"
    manager.host.setup("rm /usr/local/bin/zstd")
    ends_upgraded(manager, side, data)


def test_interrupted_during_the_second_pass_the_old_manager_runs_again_and_a_rerun_upgrades(upgrade, images):
    manager, side, data = upgrade
    slow_second_pass(manager)
    client = side.start("backup")
    wait_for(lambda: second_pass_under_way(manager), 30, "the second pass under way, the manager stopped")
    kill_client(client)
    wait_for(manager.running, 6, "the old manager running again")
    assert image_marker(manager) == images[0] and manager.archives() == []
    manager.host.setup("rm /usr/local/bin/zstd")
    ends_upgraded(manager, side, data)


def test_interrupted_after_the_backup_before_the_delete_the_printed_command_starts_the_old_manager(upgrade):
    manager, side, data = upgrade
    backup = side.step("backup")
    assert backup.returncode == 0, backup.stderr
    assert not manager.running(), "stopped, archived, ready for its delete"
    printed = f"'sudo docker start {manager.app}' on the host brings it back as it was"
    assert printed in backup.stderr
    started = manager.host.ssh(f"sudo docker start {manager.app}")
    assert started.returncode == 0 and manager.running() and fingerprint(manager) == data
    ends_upgraded(manager, side, data)


def test_a_create_that_fails_after_the_delete_leaves_the_way_back_printed_and_a_rerun_upgrades(upgrade, images):
    manager, side, data = upgrade
    backup = side.step("backup")
    assert backup.returncode == 0, backup.stderr
    archive = side.report["BACKUP_FILE"]
    assert (
        f"pulumi config set appImage {images[0]}; pulumi config set restoreFrom {archive}; pulumi up" in backup.stderr
    )
    docker("rm", "-f", "-v", manager.app)  # the provider's delete (delete_before_replace)
    missing = AppSide(side.host, side.run, f"cfytest/app:missing-{uuid.uuid4().hex[:8]}")
    with pytest.raises(subprocess.CalledProcessError):
        missing.replace()  # the image is not on the host: the create fails, nothing is made
    assert docker("inspect", manager.app, check=False).returncode != 0
    rerun = AppSide(side.host, side.run, side.image)
    rerun.up()
    assert rerun.report["BACKUP_FILE"] == archive, "latestBackup and the archive pruning keeps: the pre-upgrade one"
    assert archive.rsplit("/", 1)[1] in manager.archives()
    assert image_marker(manager) == side.image and fingerprint(manager) == data


def test_interrupted_during_the_agents_the_new_manager_runs_and_a_rerun_installs_them(upgrade, agents):
    manager, side, data = upgrade
    side.up(until="agent-packages")
    agents.delay = 30
    asked = len(agents.requests)
    client = side.start("agent-packages")
    wait_for(lambda: len(agents.requests) > asked, 30, "the agent package being downloaded")
    kill_client(client)
    agents.delay = 0
    assert manager.running() and image_marker(manager) == side.image
    ends_upgraded(manager, side, data)


def test_interrupted_during_readiness_the_new_manager_runs_and_a_rerun_waits_again(upgrade):
    manager, side, data = upgrade
    side.up(until="ready")
    manager.host.put("/usr/local/bin/curl", SLOW_CURL, mode="755")
    client = side.start("ready")
    wait_for(lambda: "sleep 30" in manager.host.root("ps -eo args").stdout, 30, "the readiness check under way")
    kill_client(client)
    manager.host.setup("rm /usr/local/bin/curl")
    assert manager.running() and image_marker(manager) == side.image
    ends_upgraded(manager, side, data)


def test_the_printed_way_back_rolls_back_image_and_data_in_one_up(upgrade, images):
    """The commands the backup step prints (docs/operations.md, Roll back): appImage and restoreFrom set as
    printed, one `up`. The restore archives the new version's data first; the backup step then knows the
    container was archived by it and archives nothing twice."""
    manager, side, data = upgrade
    side.up()
    manager.in_app("echo changed-by-b > /srv/cfy-state/record")
    printed = re.search(
        r"pulumi config set appImage (\S+); pulumi config set restoreFrom (\S+); pulumi up",
        side.outputs["backup"].stderr,
    )
    assert printed, side.outputs["backup"].stderr
    image, archive = printed.groups()
    assert image == images[0]
    count = len(manager.archives())
    back = AppSide(side.host, manager.declared(appImage=image, restoreFrom=archive), image)
    back.up()
    assert image_marker(manager) == images[0] and fingerprint(manager) == data
    assert "archived by the restore step" in back.outputs["backup"].stderr
    assert len(manager.archives()) == count + 1, "one archive of the new version's data, not two"

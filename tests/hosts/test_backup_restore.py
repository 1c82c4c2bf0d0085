"""Backups, restore and the upgrade cycle on the real engine, with the declared commands run over real SSH.

The data container is created from the program's own declaration (its named
volumes at their paths); the application container is a stand-in running
from locally built images. The backup folder is shared between the SSH test
host and this machine, as a host folder is between a real host and its engine.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
import zlib
from pathlib import Path

import pytest
from backupbed import (
    STATE_PATHS,
    WEB_APP,
    Manager,
    after_first_pass,
    create_data_container,
    fill,
    fingerprint,
    image_with_marker,
    resolved,
    up_app_side,
    values,
)
from cloudify_pulumi.config.rules import path_slug
from cloudify_pulumi.host import host_scripts
from harness import REPO, Run, render_for_host, script_arguments
from hostbed import (
    PackageServer,
    delete_as_the_provider_does,
    docker,
    ensure_image,
    free_port,
    wrap_docker,
)

pytestmark = pytest.mark.hosts


def leftovers(manager: Manager) -> list[str]:
    """What a failed run left in the manager's folder, besides its record of images (.images)."""
    return sorted(p.name for p in Path(manager.backups).iterdir() if p.name != ".images")


def test_the_declared_data_container_is_never_started_and_fills_its_named_volumes_at_create(make_host, engine):
    """Declared with start and must_run false, the provider only creates it; creating it as declared copies the
    image's files into the empty named volume, as Docker does for anonymous volumes."""
    host = make_host("fill", with_engine=True)
    prefix = f"cfytest{uuid.uuid4().hex[:8]}"
    run = render_for_host(host, namePrefix=prefix, volumePaths='["/etc/ssh"]')
    try:
        create_data_container(run, ensure_image())  # asserts the declaration: start and mustRun false
        assert docker("inspect", "-f", "{{.State.Status}}", f"{prefix}-data").stdout.strip() == "created"
        listing = docker("run", "--rm", "-v", f"{prefix}-etc-ssh:/probe", ensure_image(), "ls", "/probe").stdout
        assert "sshd_config" in listing.split()
    finally:
        docker("rm", "-f", f"{prefix}-data", check=False)
        docker("volume", "rm", "-f", f"{prefix}-etc-ssh", check=False)


def test_the_first_up_has_nothing_to_back_up(manager):
    result = manager.host.ssh(manager.backup_command())
    assert result.returncode == 0, result.stderr
    assert "nothing to back up" in result.stderr
    assert values(result.stdout) == {"BACKUP_FILE": "", "PREVIOUS_IMAGE": ""}


@pytest.mark.parametrize(
    ("compression", "without", "suffix"),
    [
        ("auto", (), ".tar.zst"),  # the host has zstd
        ("auto", ("zstd",), ".tar.gz"),  # a host with gzip only, like Ubuntu 14.04
        ("gzip", (), ".tar.gz"),
        ("none", (), ".tar"),
    ],
)
def test_backup_then_wipe_then_restore_gives_back_identical_files(make_manager, compression, without, suffix):
    manager = make_manager(compression=compression, without=without)
    manager.start_app(ensure_image())
    fill(manager)
    before = fingerprint(manager)
    result = manager.host.ssh(manager.backup_command())
    assert result.returncode == 0, result.stderr
    report = values(result.stdout)
    archive = report["BACKUP_FILE"]
    assert Path(archive).name.startswith(f"{manager.app}-") and archive.endswith(
        ensure_image().replace(":", "_") + suffix
    ), "the name says its format"
    assert report["PREVIOUS_IMAGE"] == ensure_image() and ensure_image().replace(":", "_") in archive
    assert not manager.running(), "the old container is stopped for a consistent copy and left for deletion"
    assert oct(Path(archive).stat().st_mode & 0o777) == "0o600"
    assert oct(Path(manager.backups).stat().st_mode & 0o777) == "0o700"

    docker("start", manager.app)
    manager.in_app("rm -rf /srv/cfy-state/nested /var/lib/cfy-db/base.bin && echo junk > /srv/cfy-state/junk")
    assert fingerprint(manager) != before
    restored = manager.host.ssh(manager.restore_command(archive))
    assert restored.returncode == 0, restored.stderr
    assert manager.running(), "restore starts the container again when it was running"
    assert fingerprint(manager) == before


def gzip_members(data: bytes) -> int:
    """How many gzip members follow one another in `data` (RFC 1952, 2.2), each read to its end."""
    count = 0
    while data:
        reader = zlib.decompressobj(16 + zlib.MAX_WBITS)
        reader.decompress(data)
        assert reader.eof, "a member cut short"
        data, count = reader.unused_data, count + 1
    return count


def test_a_gzip_only_host_compresses_blocks_on_every_core_and_restores_them(make_manager):
    """Ubuntu 14.04 has gzip and no pigz: one gzip would make the copy the downtime. The stream is cut into 8 MiB
    blocks compressed side by side by `gzip -1` and appended in order, one gzip member each; the archive restores
    byte for byte."""
    manager = make_manager(without=("zstd",))
    assert manager.host.ssh("nproc").stdout.strip() not in ("", "1"), "this test needs a host with two cores"
    manager.start_app(ensure_image())
    fill(manager)
    manager.in_app(
        "head -c 20000000 /dev/urandom > /var/lib/cfy-db/big.bin && "
        "yes 'row|cloudify|pending' | head -c 20000000 > /srv/cfy-state/table.txt"
    )
    before = fingerprint(manager)
    result = manager.host.ssh(manager.backup_command())
    assert result.returncode == 0, result.stderr
    archive = values(result.stdout)["BACKUP_FILE"]
    assert archive.endswith(".tar.gz") and "(gzip -1)" in result.stderr
    assert gzip_members(Path(archive).read_bytes()) == 6, "the first pass's 40 MB in 8 MiB blocks; the second's one"
    assert not [p for p in leftovers(manager) if p.startswith(".")], "no block or work folder left"

    docker("start", manager.app)
    manager.in_app("rm -rf /srv/cfy-state/* /var/lib/cfy-db/*")
    restored = manager.host.ssh(manager.restore_command(archive))
    assert restored.returncode == 0, restored.stderr
    assert fingerprint(manager) == before


# A gzip that waits a moment before compressing, and records how many gzips were compressing a block at its start.
COUNTING_GZIP = """#!/bin/sh
[ "$*" = -1 ] || exec /usr/bin/gzip "$@"
mkdir -p /tmp/gzips-running
touch "/tmp/gzips-running/$$"
ls /tmp/gzips-running | wc -l >> /tmp/gzips-at-once
sleep 0.3
/usr/bin/gzip "$@"
status=$?
rm -f "/tmp/gzips-running/$$"
exit $status
"""


@pytest.mark.parametrize(("cores", "at_once"), [(1, 1), (2, 3), (8, 4)])
def test_a_gzip_only_host_compresses_one_block_more_than_its_cores_at_once_and_never_more_than_4(
    make_manager, cores, at_once
):
    """With as many gzips as cores, reading the stream waits whenever every core is busy: one block more keeps
    it flowing. At most 4, so that the blocks waiting (8 MiB each, and their compressed copies) fit in the 64 MiB
    the free-space check adds. One core: one gzip streams, no blocks."""
    manager = make_manager(without=("zstd",))
    manager.host.put("/usr/local/bin/nproc", f"#!/bin/sh\necho {cores}\n", mode="755")
    manager.host.put("/usr/local/bin/gzip", COUNTING_GZIP, mode="755")
    manager.start_app(ensure_image())
    fill(manager)
    manager.in_app("head -c 50000000 /dev/urandom > /var/lib/cfy-db/big.bin")  # 6 blocks and more
    result = manager.host.ssh(manager.backup_command())
    assert result.returncode == 0, result.stderr
    counts = [int(n) for n in manager.host.ssh("sudo -n cat /tmp/gzips-at-once").stdout.split()]
    assert max(counts) == at_once, counts


def test_pruning_keeps_the_newest_backups_to_keep_archives(manager):
    manager.start_app(ensure_image())
    fill(manager)
    taken = []
    for attempt in range(3):
        docker("start", manager.app)
        result = manager.host.ssh(manager.backup_command(key=f"key-{attempt}"))
        assert result.returncode == 0, result.stderr
        taken.append(Path(values(result.stdout)["BACKUP_FILE"]).name)
        assert len(manager.archives()) == attempt + 1, "the backup step itself prunes nothing"
        pruned = manager.host.ssh(resolved(manager.run.commands()["prune-backups"], values(result.stdout)))
        assert pruned.returncode == 0, pruned.stderr
        time.sleep(1.1)  # archive names carry the second
    assert len(set(taken)) == 3
    assert manager.archives() == sorted(taken[1:]), "the two newest are kept, the one just taken among them"


def test_pruning_keeps_the_archive_taken_before_the_upgrade_beside_the_newest(manager):
    """The prune step, once the new container is ready, keeps the archive the backup step took before the upgrade
    (the way back), however many are newer: here four, with backupsToKeep 2. Archives as backup_data.sh names
    them, made directly in the manager's folder, the oldest the one taken before the upgrade."""
    names = [f"{manager.app}-2026010{day}T000000Z-registry.example.com_cloudify_old.tar.gz" for day in range(1, 6)]
    made = " && ".join(f": > {name} && touch -d 2026-01-0{day} {name}" for day, name in enumerate(names, start=1))
    manager.host.root(f"mkdir -p -m 700 {manager.backups} && cd {manager.backups} && {made} && chmod 600 *")
    before_upgrade = f"{manager.backups}/{names[0]}"
    pruned = manager.host.ssh(resolved(manager.run.commands()["prune-backups"], {"BACKUP_FILE": before_upgrade}))
    assert pruned.returncode == 0, pruned.stderr
    assert manager.archives() == [names[0], *names[-2:]], "the way back and the two newest"


def test_a_second_run_with_nothing_changed_archives_nothing(manager):
    manager.start_app(ensure_image())
    first = manager.host.ssh(manager.backup_command())
    assert first.returncode == 0, first.stderr
    manager.start_app(ensure_image(), key=manager.declared_key)  # the replacement the backup preceded
    second = manager.host.ssh(manager.backup_command())
    assert second.returncode == 0, second.stderr
    assert "already runs what is wanted and is not being replaced: nothing to back up" in second.stderr
    assert len(manager.archives()) == 1 and manager.running(), "nothing archived, nothing stopped"
    assert values(second.stdout)["BACKUP_FILE"] == values(first.stdout)["BACKUP_FILE"]


def test_an_unwritable_backup_folder_stops_before_anything_is_stopped(make_host, engine):
    host = make_host("nobackup", with_engine=True, docker_group=True)
    prefix = f"cfytest{uuid.uuid4().hex[:8]}"
    run = render_for_host(host, namePrefix=prefix, backupDir="/etc/hostname/backups", volumePaths='["/srv/x"]')
    made = Manager(host, run, prefix, "/nonexistent")
    try:
        create_data_container(run, ensure_image())
        made.start_app(ensure_image())
        result = host.ssh(made.backup_command())
        assert result.returncode == 60
        assert (
            f"the backup folder /etc/hostname/backups/{made.app} (backupDir) cannot be created or written"
            in result.stderr
        )
        assert made.running()
    finally:
        docker("rm", "-f", made.app, made.data, check=False)
        docker("volume", "rm", "-f", f"{prefix}-srv-x", check=False)


ROOMY_DF = """#!/bin/sh
echo 'Filesystem 1024-blocks Used Available Capacity Mounted on'
echo 'tmpfs 1073741824 0 1073741824 0% /'
"""


@pytest.mark.parametrize("compression", ["zstd", "gzip"])  # gzip: blocks compressed side by side (two cores)
def test_a_full_disk_fails_the_backup_and_starts_the_old_container_again(make_manager, tmp_path, compression):
    small = tmp_path / "small-disk"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(small)], check=True)
    manager = None
    try:
        manager = make_manager(str(small), compression=compression)
        # The disk fills after the step has checked its free space (another writer): df says there is room.
        manager.host.put("/usr/local/bin/df", ROOMY_DF, mode="755")
        manager.start_app(ensure_image())
        # The first pass fits; what changes after it, the second pass (the manager stopped) cannot write.
        after_first_pass(manager, "head -c 3000000 /dev/urandom > /var/lib/cfy-db/big.bin")
        result = manager.host.ssh(manager.backup_command())
        assert result.returncode == 61, result.stderr
        assert "archiving the data of" in result.stderr and "disk full?" in result.stderr
        assert f"started {manager.app} again" in result.stderr and "nothing was deleted" in result.stderr
        assert manager.running()
        assert not leftovers(manager), "no partial archive, block or work folder is left behind"
        assert not manager.archives()
    finally:
        if manager is not None:
            manager.host.remove()  # it holds the mount; the fixture removes the rest
        subprocess.run(["umount", "-l", str(small)], check=True)


# On a gzip-only host the stream is cut into blocks (dd) and each is compressed by its own gzip. A block that fails
# leaves the archive without it, yet
# every member left is valid: neither the listing of the stream nor the test of the file would notice. The failing
# tool's own status must stop the backup.
FAILING_BLOCK = {
    "dd": """#!/bin/sh
[ -e /tmp/first-pass-done ] || exec /bin/dd "$@"
case "$*" in
*/1) for last; do :; done
     /bin/dd "$@"
     truncate -s 1000 "${last#of=}"
     exit 1 ;;
esac
exec /bin/dd "$@"
""",
    "gzip": """#!/bin/sh
[ -e /tmp/first-pass-done ] || exec /bin/gzip "$@"
case "$(readlink /proc/$$/fd/1)" in */1.gz) exit 1 ;; esac
exec /bin/gzip "$@"
""",
}
# What changes after the first pass, in two blocks or more.
CHANGED_BLOCKS = {"dd": "head -c 12000000 /dev/urandom", "gzip": "yes 'row|cloudify|pending' | head -c 12000000"}


@pytest.mark.parametrize("tool", sorted(FAILING_BLOCK))
def test_a_gzip_block_that_cannot_be_written_whole_fails_the_backup_and_starts_the_old_container_again(
    make_manager, tool
):
    manager = make_manager(without=("zstd",))
    manager.start_app(ensure_image())
    # Written after the first pass: the second pass (the manager stopped) has two blocks, and block 1 fails.
    after_first_pass(manager, f"{CHANGED_BLOCKS[tool]} > /var/lib/cfy-db/big.bin")
    manager.host.put(f"/usr/local/bin/{tool}", FAILING_BLOCK[tool], mode="755")
    result = manager.host.ssh(manager.backup_command(key="new-key"))
    assert result.returncode == 61, result.stderr
    assert (
        f"started {manager.app} again" in result.stderr and "nothing was deleted" in result.stderr and manager.running()
    )
    assert not leftovers(manager), "no partial archive, block or work folder is left behind"


def test_upgrade_and_rollback_through_the_declared_steps_keep_the_data(make_host, engine, tmp_path_factory):
    tag = uuid.uuid4().hex[:8]
    image_a, image_b = image_with_marker(f"cfytest/app:a-{tag}"), image_with_marker(f"cfytest/app:b-{tag}")
    shared = str(tmp_path_factory.mktemp("backups"))
    host = make_host("upgrade", with_engine=True, docker_group=True, shared_dirs=(shared,))
    agents = tmp_path_factory.mktemp("www")
    (agents / "agent.tar.gz").write_bytes(b"agent package\n")
    server = PackageServer(agents)
    prefix, port = f"cfytest{tag}", free_port()
    made = Manager(host, Run([], {}), prefix, f"{shared}/{prefix}")

    def declared(image: str) -> Run:
        return render_for_host(
            host,
            namePrefix=prefix,
            appImage=image,
            backupDir=made.backup_dir,
            ports=f'["127.0.0.1:{port}:8080"]',  # this machine's loopback, which the test host shares
            volumePaths=json.dumps(STATE_PATHS),
            appCommand=json.dumps(WEB_APP),
            readinessPort=str(port),
            readinessTimeout="30",
            cloudifyPackages=json.dumps({"agents": {"a": server.pinned("agent.tar.gz")}}),
        )

    try:
        first = declared(image_a)
        create_data_container(first, ensure_image())
        assert up_app_side(host, first, image_a) == {"BACKUP_FILE": "", "PREVIOUS_IMAGE": ""}
        made.in_app("echo written-by-a > /srv/cfy-state/record")

        upgrade = declared(image_b)
        report = up_app_side(host, upgrade, image_b)
        assert report["PREVIOUS_IMAGE"] == image_a and Path(report["BACKUP_FILE"]).exists()
        assert made.in_app("cat /IMAGE /srv/cfy-state/record") == f"{image_b}\nwritten-by-a\n"
        assert made.in_app("cat /opt/manager/resources/packages/agents/agent.tar.gz") == "agent package\n"

        time.sleep(1.1)  # archive names carry the second
        report = up_app_side(host, declared(image_a), image_a)
        assert report["PREVIOUS_IMAGE"] == image_b
        assert made.in_app("cat /IMAGE /srv/cfy-state/record") == f"{image_a}\nwritten-by-a\n"
        assert len(made.archives()) == 2

        again = host.ssh(declared(image_a).commands()["backup"])
        assert again.returncode == 0 and "nothing to back up" in again.stderr and made.running()
    finally:
        server.close()
        docker("rm", "-f", made.app, made.data, check=False)
        docker("volume", "rm", "-f", *[f"{prefix}-{path_slug(path)}" for path in STATE_PATHS], check=False)
        docker("rmi", "-f", image_a, image_b, check=False)


# The compressor's output starts at $start in the file it appends to (the first pass's part comes before).
DAMAGE = {
    "truncated": 'truncate -s $((start + 2000)) "$out"',
    "corrupt": 'printf garbage-in-the-middle | dd of="$out" bs=1 seek=$((start + 3000)) conv=notrunc 2>/dev/null',
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
@pytest.mark.parametrize(("compression", "compressor"), [("zstd", "zstd"), ("gzip", "gzip")])
def test_an_archive_that_cannot_be_read_back_is_refused_and_the_old_container_starts_again(
    make_manager, compression, compressor, damage
):
    """The compressor exits 0 but the part it wrote after the stop (appended to the first pass's) is damaged
    afterwards: the test of the written part (with gzip on several cores, the test of each block by the process
    that compressed it, before it is appended) refuses it before anything is deleted."""
    manager = make_manager(compression=compression)
    manager.start_app(ensure_image())
    fill(manager)
    # What changes after the first pass makes the second pass's part larger than the damage's 2000 bytes, and it
    # compresses, so it is the compressor that writes it.
    after_first_pass(manager, "seq 1 40000 > /var/lib/cfy-db/changed.txt")
    manager.host.put(
        f"/usr/local/bin/{compressor}",
        f"""#!/bin/sh
out=$(readlink /proc/$$/fd/1)
start=$(stat -c %s "$out" 2>/dev/null) || start=0
/usr/bin/{compressor} "$@" || exit $?
case "$*" in *-t*|*-d*) exit 0 ;; esac
[ -f "$out" ] && [ -e /tmp/first-pass-done ] || exit 0
{DAMAGE[damage]}
""",
        mode="755",
    )
    result = manager.host.ssh(manager.backup_command(key="new-key"))
    assert result.returncode == 62, result.stderr
    assert (
        "cannot be read back" in result.stderr
        and f"started {manager.app} again" in result.stderr
        and "nothing was deleted" in result.stderr
    )
    assert manager.running()
    assert not leftovers(manager), "neither the partial nor a final archive is left"


CUT_SHORT = """if [ "$1" = run ]; then
    n=$#
    for arg in "$@"; do
        case "$arg" in *:/stream) dir=${arg%:/stream} ;; /stream/tar) arg=/stream/full.tar ;; esac
        set -- "$@" "$arg"
    done
    shift "$n"
    /usr/bin/docker "$@" && head -c 20000 "$dir/full.tar" > "$dir/tar"
    exit 0
fi"""


def test_a_tar_stream_cut_short_is_refused_in_the_same_pass(manager):
    """The container's `tar -c` reports success but only the start of its stream arrives: the listing of the
    stream, in the same pass as the compression, refuses it."""
    manager.start_app(ensure_image())
    fill(manager)
    wrap_docker(manager.host, before=CUT_SHORT)
    result = manager.host.ssh(manager.backup_command(key="new-key"))
    assert result.returncode == 61, result.stderr
    assert manager.running() and not leftovers(manager)


def test_zstd_asked_for_on_a_host_without_it_stops_before_anything(make_manager):
    manager = make_manager(compression="zstd", without=("zstd",))
    manager.start_app(ensure_image())
    result = manager.host.ssh(manager.backup_command(key="new-key"))
    assert result.returncode == 64, result.stderr
    assert "backupCompression is zstd, but zstd is not installed on this host" in result.stderr
    assert manager.running()


def test_a_container_that_cannot_be_stopped_is_not_archived(manager):
    manager.start_app(ensure_image())
    wrap_docker(manager.host, before='[ "$1" = stop ] && { echo "stub: stop refused" >&2; exit 1; }')
    result = manager.host.ssh(manager.backup_command(key="new-key"))
    assert result.returncode == 63, result.stderr
    assert f"could not stop {manager.app}; nothing was archived or deleted" in result.stderr
    assert manager.running() and manager.archives() == []


def test_restore_refuses_a_missing_or_unreadable_archive_before_stopping_anything(manager):
    manager.start_app(ensure_image())
    junk = Path(manager.backups) / f"{manager.app}-junk.tar.gz"
    junk.parent.mkdir(parents=True, exist_ok=True)
    junk.write_bytes(b"not a gzip file")
    for archive in (f"{manager.backups}/missing.tar.gz", str(junk)):
        result = manager.host.ssh(manager.restore_command(archive))
        assert result.returncode == 70, result.stderr
        assert f"{archive} is missing, does not read back whole, or holds files outside" in result.stderr
        assert manager.running()


def test_restore_needs_the_app_container_to_restore_for(manager):
    manager.start_app(ensure_image())
    archive = values(manager.host.ssh(manager.backup_command(key="new-key")).stdout)["BACKUP_FILE"]
    docker("rm", "-f", manager.app)
    result = manager.host.ssh(manager.restore_command(archive))
    assert result.returncode == 71, result.stderr
    assert f"there is no container {manager.app} to restore for" in result.stderr


def test_a_failed_restore_leaves_the_app_container_stopped_and_says_so(manager):
    manager.start_app(ensure_image())
    archive = values(manager.host.ssh(manager.backup_command(key="new-key")).stdout)["BACKUP_FILE"]
    docker("start", manager.app)
    wrap_docker(manager.host, before='[ "$1" = run ] && { echo "stub: run refused" >&2; exit 1; }')
    result = manager.host.ssh(manager.restore_command(archive))
    assert result.returncode == 72, result.stderr
    assert f"{manager.app} is left stopped: check, then 'docker start {manager.app}'" in result.stderr
    assert not manager.running()


@pytest.mark.parametrize("kind", ["named", "anonymous"])
def test_deleting_the_app_container_as_the_provider_does_keeps_the_data(make_host, engine, kind):
    """The provider deletes a replaced app container with `remove_volumes` true, its default (`docker rm -f -v`):
    the volumes it uses through --volumes-from belong to the data container and stay, in both kinds."""
    host = make_host("rm-v", with_engine=True, docker_group=True)
    prefix = f"cfytest{uuid.uuid4().hex[:8]}"
    run = render_for_host(host, namePrefix=prefix, dataVolumes=kind, volumePaths='["/srv/cfy-state"]')
    made = Manager(host, run, prefix, "/nonexistent")
    assert "removeVolumes" not in run.one("docker:index/container:Container", "-app").inputs, "the default: true"
    try:
        create_data_container(run, ensure_image())
        made.start_app(ensure_image())
        made.in_app("echo precious > /srv/cfy-state/record")
        delete_as_the_provider_does(made.app)
        made.start_app(ensure_image())
        assert made.in_app("cat /srv/cfy-state/record") == "precious\n"
    finally:
        docker("rm", "-f", "-v", made.app, check=False)
        docker("rm", "-f", made.data, check=False)  # keeps anonymous volumes; removed below by label
        docker("volume", "rm", "-f", f"{prefix}-srv-cfy-state", check=False)


def documented_restore_commands() -> str:
    """The restore commands exactly as docs/operations.md prints them."""
    section = (REPO / "docs" / "operations.md").read_text().split("## Restore", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_documented_restore_commands_work_as_written(manager):
    manager.start_app(ensure_image())
    fill(manager)
    before = fingerprint(manager)
    archive = values(manager.host.ssh(manager.backup_command(key="new-key")).stdout)["BACKUP_FILE"]
    docker("start", manager.app)
    manager.in_app("rm -rf /srv/cfy-state/nested && echo junk > /srv/cfy-state/junk")

    written = documented_restore_commands()
    assert written.startswith("python3 components/cloudify_pulumi/host/shipping.py restore_backup.sh |\n")
    assert "scp" not in written and "/tmp" not in written, "nothing is copied to a folder others may write in"
    commands = re.sub(r"/var/lib/cloudify-backups/cloudify-manager/\S+\.tar\.gz", archive, written)
    commands = commands.replace("cloudify-manager", manager.app).replace("cloudify-data", manager.data)
    commands = commands.replace("manager.example.com", f"{manager.host.user}@127.0.0.1")
    options = (
        f"-i {manager.host.key} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
        "-o LogLevel=ERROR"
    )
    planted = "/tmp/common.sh"  # what another user of the host could leave for a runbook that copies files there
    manager.host.root(f"printf 'echo PLANTED >&2; exit 99\\n' > {planted} && chown 1000 {planted}")
    shell = f'ssh() {{ command ssh {options} -p {manager.host.port} "$@"; }}\nset -e\n{commands}'
    done = subprocess.run(["sh", "-c", shell], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"restored {archive} into the volumes of {manager.data}" in done.stderr and "PLANTED" not in done.stderr
    assert fingerprint(manager) == before and manager.running()


def test_a_private_backup_folder_that_already_exists_keeps_its_mode_and_a_new_one_is_made_0700(make_manager):
    """An existing backupDir that only root may write in (an admin's 0755 folder) is used as it is: only a folder
    the script creates gets 0700 (common.sh private_dir); the archive itself is 0600 either way."""
    manager = make_manager()
    Path(manager.backup_dir).mkdir(mode=0o755)
    os.chmod(manager.backup_dir, 0o755)
    manager.start_app(ensure_image())
    result = manager.host.ssh(manager.backup_command())
    assert result.returncode == 0, result.stderr
    assert oct(Path(manager.backup_dir).stat().st_mode & 0o7777) == "0o755"
    assert oct(Path(manager.backups).stat().st_mode & 0o7777) == "0o700", "the manager's own folder is made 0700"
    assert oct(Path(values(result.stdout)["BACKUP_FILE"]).stat().st_mode & 0o777) == "0o600"


PRECIOUS = "root's own file: a planted link must not reach it\n"


def precious_file(manager: Manager) -> Path:
    """A root-owned file the test host sees, for planted links to point at."""
    path = Path(manager.backup_dir).parent / "precious"
    path.write_text(PRECIOUS)
    path.chmod(0o644)
    return path


def another_users(path: Path) -> None:
    os.chown(path, 1000, 1000)


@pytest.mark.parametrize(
    ("shape", "named"),
    [
        ("backupDir 1777", "is owned by uid 0 with mode 1777"),
        ("backupDir of another user", "is owned by uid 1000 with mode 755"),
        ("manager folder of another user, links planted", "-manager is owned by uid 1000 with mode 755"),
        ("inside a folder of another user", "which is owned by uid 1000 with mode 755"),
    ],
)
def test_a_backup_folder_another_user_owns_or_may_write_in_is_refused_before_anything_is_stopped(
    make_manager, shape, named
):
    """An unprivileged user who owns or may write in the folder could plant `.write-test` or `.kept` as links to
    a root file, which the step running as root would then overwrite (issue 49): refused with exit 12 before the
    manager is stopped, the root file unchanged."""
    manager = make_manager()
    precious = precious_file(manager)
    folder = Path(manager.backup_dir)
    if shape == "inside a folder of another user":
        another_users(folder.parent)
        folder.parent.chmod(0o755)
    folder.mkdir(mode=0o755)
    if shape == "backupDir 1777":
        folder.chmod(0o1777)
    elif shape == "backupDir of another user":
        another_users(folder)
    elif shape.startswith("manager folder"):
        backups = Path(manager.backups)
        backups.mkdir(mode=0o755)
        for name in (".write-test", ".kept", ".at-rest", ".images"):
            (backups / name).symlink_to(precious)
        another_users(backups)
    manager.start_app(ensure_image())
    result = manager.host.ssh(manager.backup_command(key="new-key"))
    assert result.returncode == 12 and result.stdout == "", result.stderr
    assert f"backupDir: {manager.backup_dir if 'manager folder' not in shape else manager.backups}" in result.stderr
    assert named in result.stderr and "sudo install -d -o root -g root -m 700" in result.stderr
    assert "nothing was stopped" in result.stderr and manager.running()
    assert precious.read_text() == PRECIOUS and oct(precious.stat().st_mode & 0o777) == "0o644"


def test_links_at_each_fixed_name_in_a_private_folder_are_replaced_never_followed(make_manager):
    """Temporary files come from mktemp, and markers are renamed into place: a link found at `.kept`,
    `.at-rest`, `.images` or the old `.write-test` and `.images.new` is never written through."""
    manager = make_manager()
    precious = precious_file(manager)
    backups = Path(manager.backups)
    backups.mkdir(parents=True, mode=0o700)
    for name in (".write-test", ".images.new", ".at-rest", ".images", ".kept", "config.yaml.new"):
        (backups / name).symlink_to(precious)
    manager.start_app(ensure_image())
    backup = manager.host.ssh(manager.backup_command(key="new-key"))
    assert backup.returncode == 0, backup.stderr
    archive = values(backup.stdout)["BACKUP_FILE"]
    assert oct(Path(archive).stat().st_mode & 0o777) == "0o600"
    prune = manager.host.ssh(resolved(manager.run.commands()["prune-backups"], values(backup.stdout)))
    assert prune.returncode == 0, prune.stderr
    assert precious.read_text() == PRECIOUS and oct(precious.stat().st_mode & 0o777) == "0o644"
    assert (backups / ".kept").read_text() == Path(archive).name + "\n" and not (backups / ".kept").is_symlink()


def test_a_config_dir_others_may_write_in_is_refused_and_nothing_is_written(make_host, tmp_path_factory):
    shared = tmp_path_factory.mktemp("config")
    host = make_host("config-dir", shared_dirs=(str(shared),))
    config_dir = shared / "cloudify"
    config_dir.mkdir(mode=0o755)
    config_dir.chmod(0o1777)
    precious = shared / "precious"
    precious.write_text(PRECIOUS)
    (config_dir / "config.yaml.new").symlink_to(precious)
    done = host.ssh(host_scripts.invocation("write_manager_config.sh", "true", str(config_dir)), input_text="a: 1\n")
    assert done.returncode == 12 and done.stdout == "", done.stderr
    assert f"configDir: {config_dir} is owned by uid 0 with mode 1777" in done.stderr
    assert precious.read_text() == PRECIOUS and not (config_dir / "config.yaml").exists()
    config_dir.chmod(0o700)
    written = host.ssh(host_scripts.invocation("write_manager_config.sh", "true", str(config_dir)), input_text="a: 1\n")
    assert written.returncode == 0, written.stderr
    assert (config_dir / "config.yaml").read_text() == "a: 1\n", "written through a new file, renamed into place"
    assert precious.read_text() == PRECIOUS, "the link at the old fixed name is not followed"


def test_an_archive_to_restore_from_a_folder_others_may_write_in_is_refused_before_anything_is_stopped(manager):
    """Its owner could swap the archive between the check and the read."""
    manager.start_app(ensure_image())
    archive = values(manager.host.ssh(manager.backup_command(key="new-key")).stdout)["BACKUP_FILE"]
    docker("start", manager.app)
    dropped = Path(manager.backup_dir).parent / "dropbox"
    dropped.mkdir(mode=0o755)
    another_users(dropped)
    moved = dropped / Path(archive).name
    os.rename(archive, moved)
    restore = manager.run.commands()["backup"].replace(manager.declared_key, "restore-key")
    name, words = script_arguments(restore)
    words = [*words[:7], "restore", words[8], str(moved)]  # MODE, APP_IMAGE, ARCHIVE (backup_data.sh usage)
    done = manager.host.ssh(host_scripts.invocation(name, *words))
    assert done.returncode == 12, done.stderr
    assert f"restoreFrom: {moved} is in {dropped}, which is owned by uid 1000" in done.stderr
    assert manager.running()

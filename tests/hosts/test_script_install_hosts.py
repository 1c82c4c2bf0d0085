"""The scripts step on a real SSH test host: what it installs, where nobody else may change it, and what a step
does when the scripts are gone (host_scripts.py, install_scripts.sh)."""

from __future__ import annotations

import pytest
from harness import render_for_host

FOLDER = "/home/tester/.cloudify-pulumi"


def installed_for(host, prefix: str) -> str:  # type: ignore[no-untyped-def]
    """The manager's script folder, once render_for_host ran its scripts step on `host` as `pulumi up` does."""
    render_for_host(host, namePrefix=prefix)
    return f"{FOLDER}/{prefix}-manager"


def test_the_scripts_are_installed_private_to_the_ssh_user_and_a_step_runs_them(make_host, engine):
    host = make_host("install", with_engine=True)
    folder = installed_for(host, "inst")
    modes = host.root(f"stat -c '%U %a %n' {FOLDER} {folder} {folder}/common.sh {folder}/backup_data.sh").stdout
    assert modes.split("\n")[:4] == [
        f"tester 700 {FOLDER}",
        f"tester 700 {folder}",
        f"tester 600 {folder}/common.sh",
        f"tester 600 {folder}/backup_data.sh",
    ]
    engine_step = render_for_host(host, namePrefix="inst").commands()["docker-engine"]
    ran = host.ssh(engine_step)
    assert ran.returncode == 0 and "DOCKER_SERVER_VERSION=" in ran.stdout, ran.stderr
    leftovers = host.root(f"ls -A {FOLDER}").stdout.split()
    assert leftovers == ["inst-manager"], "nothing half-unpacked is left beside it"


@pytest.mark.parametrize(
    ("planted", "why"),
    [
        (f"install -d -o tester -m 777 {FOLDER}", "a folder anyone may write in"),
        (f"install -d -o nobody -m 700 {FOLDER}", "a folder another user owns"),
        (f"install -d -o nobody -m 755 /srv/theirs && ln -s /srv/theirs {FOLDER}", "a link to another user's folder"),
    ],
)
def test_a_scripts_folder_another_user_could_change_is_refused(make_host, engine, planted, why):
    host = make_host("install-open", with_engine=True)
    host.setup(planted)
    with pytest.raises(Exception, match=r"\(12\).*the program's scripts folder: .*nothing was stopped"):
        render_for_host(host, namePrefix="open")
    assert not host.exists(f"{FOLDER}/open-manager"), why


def test_a_step_whose_scripts_are_gone_stops_before_doing_anything_naming_the_way_back(make_host, engine):
    host = make_host("install-gone", with_engine=True)
    folder = installed_for(host, "gone")
    host.root(f"rm -rf {folder}")
    backup = render_for_host(host, namePrefix="gone").commands()["backup"]
    host.root(f"rm -rf {folder}")  # rendering installed them again, as an up would: gone behind the stack's back
    ran = host.ssh(backup)
    assert ran.returncode == 99, ran.stderr
    assert f"{folder}/backup_data.sh is missing" in ran.stderr
    assert "pulumi up with --replace set to the URN of this manager's scripts step" in ran.stderr

"""Fixtures of the host tier: managers on SSH test hosts with the real engine (see backupbed)."""

from __future__ import annotations

import json
import uuid

import pytest
from backupbed import STATE_PATHS, Manager, create_data_container
from cloudify_pulumi.config.rules import path_slug
from harness import render_for_host
from hostbed import PackageServer, SshHost, docker, ensure_image


@pytest.fixture(autouse=True)
def _a_stack_per_test(isolated_home):
    """Each test's hosts are new machines, and test hosts reuse addresses: a stack of its own per test, so that
    no test's known_hosts vouches for (or objects to) another's host at the same address (ssh_trust.py)."""
    return isolated_home


@pytest.fixture
def make_manager(make_host, engine, tmp_path_factory):
    """A manager whose backupDir is `<shared>/<prefix>` (its archives in `<shared>/<prefix>/<prefix>-manager`);
    `shared` is shared with the SSH host as it is when the host starts (so a file system mounted there
    beforehand is seen alike by host and engine)."""
    made: list[Manager] = []

    def make(
        shared: str | None = None,
        compression: str = "auto",
        without: tuple[str, ...] = (),
        *,
        host: SshHost | None = None,
        prefix: str | None = None,
        backup_dir: str | None = None,
        **settings: str,
    ) -> Manager:
        """`without`: commands the host does not have (a host with gzip only, like Ubuntu 14.04); `host`,
        `prefix` and `backup_dir`: a second manager on the same host, with the name and backupDir given;
        `settings`: more stack settings."""
        shared = shared or str(tmp_path_factory.mktemp("backups"))
        if host is None:
            host = make_host("backup", with_engine=True, docker_group=True, shared_dirs=(shared,))
            for command in without:
                host.setup(f"rm -f /usr/bin/{command}")
        prefix = prefix or f"cfytest{uuid.uuid4().hex[:8]}"
        backup_dir = backup_dir or f"{shared}/{prefix}"
        stack = {
            "namePrefix": prefix,
            "backupDir": backup_dir,
            "backupsToKeep": "2",
            "volumePaths": json.dumps(STATE_PATHS),
            "backupCompression": compression,
            **settings,
        }
        run = render_for_host(host, **stack)
        create_data_container(run, ensure_image())
        made.append(Manager(host, run, prefix, backup_dir, stack))
        return made[-1]

    yield make
    for manager in made:
        docker("rm", "-f", manager.app, manager.data, check=False)
        docker("volume", "rm", "-f", *[f"{manager.prefix}-{path_slug(path)}" for path in STATE_PATHS], check=False)


@pytest.fixture
def manager(make_manager) -> Manager:
    return make_manager()


@pytest.fixture
def agents(tmp_path_factory):
    """A package server with one agent package, `agent.tar.gz`."""
    root = tmp_path_factory.mktemp("www")
    (root / "agent.tar.gz").write_bytes(b"agent package\n")
    server = PackageServer(root)
    yield server
    server.close()

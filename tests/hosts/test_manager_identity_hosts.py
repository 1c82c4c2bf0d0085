"""On the test bed (real Docker and SSH hosts): the host tests of test_manager_identity.

The tests that need no host are in engine/test_manager_identity.py.
"""

from __future__ import annotations

import uuid

import pytest
from cloudify_pulumi.cloudify.profiles import PROFILES
from cloudify_pulumi.config.rules import path_slug
from engine.test_manager_identity import CONTAINER, app, config_step
from harness import (
    THROWAWAY_ADMIN_PASSWORD,
    render_for_host,
)
from hostbed import create_declared_data_container, docker, ensure_image, run_declared_app_container


@pytest.mark.hosts
def test_the_config_written_over_ssh_is_private_and_the_app_container_sees_it_read_only(
    make_host, engine, tmp_path_factory
):
    shared = str(tmp_path_factory.mktemp("cfyconf"))
    host = make_host("config", with_engine=True, docker_group=True, shared_dirs=(shared,))
    prefix = f"cfytest{uuid.uuid4().hex[:8]}"
    run = render_for_host(host, managerProfile="cloudify-7", namePrefix=prefix, configDir=f"{shared}/{prefix}")
    step = config_step(run).inputs
    written = host.ssh(step["create"], input_text=step["stdin"])
    assert written.returncode == 0, written.stderr
    path = f"{shared}/{prefix}/config.yaml"
    assert written.stdout == f"CONFIG_FILE={path}\n"
    assert THROWAWAY_ADMIN_PASSWORD not in written.stdout + written.stderr
    assert host.root(f"stat -c '%a %U' {path} {shared}/{prefix}").stdout.split("\n")[:2] == ["600 root", "700 root"]

    # The engine side, built as declared: the data container holding /etc/cloudify as a named volume, then the
    # app container from its registered inputs (--volumes-from, and the read-only bind mount on that volume).
    data, manager = f"{prefix}-data", f"{prefix}-manager"
    try:
        create_declared_data_container(run.one(CONTAINER, "-data").inputs, ensure_image())
        run_declared_app_container(app(run).inputs, ensure_image(), "sleep", "600", publish=False)
        inside = docker("exec", manager, "cat", "/etc/cloudify/config.yaml").stdout
        assert inside == step["stdin"]
        assert docker("exec", manager, "sh", "-c", "echo x >> /etc/cloudify/config.yaml", check=False).returncode != 0
        assert docker("exec", manager, "sh", "-c", "touch /etc/cloudify/kept && ls /etc/cloudify").returncode == 0

        again = host.ssh(step["create"], input_text="")
        assert again.returncode == 50 and "nothing was written" in again.stderr
        assert docker("exec", manager, "cat", "/etc/cloudify/config.yaml").stdout == step["stdin"]
    finally:
        docker("rm", "-f", "-v", manager, data, check=False)
        docker(
            "volume",
            "rm",
            "-f",
            *[f"{prefix}-{path_slug(p)}" for p in PROFILES["cloudify-7"].volume_paths],
            check=False,
        )

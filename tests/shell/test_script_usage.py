"""The host scripts refuse malformed arguments with exit 2 before they touch anything.

These run the shipped text (`common.sh` inlined, as the component sends it)
on this machine with `sh -c`, in an empty working folder, with `docker`,
`sudo`, `curl`, `wget` and every tool that changes files (`mkdir`, `chmod`,
`rm`, ...) on the PATH replaced by stubs that record every call: a usage
error must be found before any of them is used, and the folder stays empty.
"""

from __future__ import annotations

import subprocess

import pytest
from cloudify_pulumi.host import host_scripts

SCRIPTS = sorted(p.name for p in host_scripts.SCRIPTS_DIR.glob("*.sh") if p.name not in host_scripts.LIBRARIES)
ARGUMENT_COUNTS = {
    "backup_data.sh": 9,
    "ensure_docker.sh": 7,
    "import_image.sh": 4,
    "restore_backup.sh": 4,
    "wait_ready.sh": 10,
    "write_manager_config.sh": 2,
    "install_agents.sh": 2,
    "set_admin_password.sh": 2,
    "host_key.sh": 3,  # scan HOST PORT; `own` alone: test_each_mode_of_host_key_takes_its_own_arguments
    "agent_key.sh": 3,
    "bootstrap_context.sh": 4,
    "manager_secret.sh": 5,
    "install_scripts.sh": 1,
}
OPTIONAL_ARGUMENTS = {
    "backup_data.sh": 1,
    "install_agents.sh": 1,
    "wait_ready.sh": 3,
    "import_image.sh": 1,
    "write_manager_config.sh": 1,
    "manager_secret.sh": 2,
}
"""Counts past the required ones that are still usage: wait_ready.sh takes an optional ADDRESS, then TLS_NAME and
TLS_CA together (12 is usage: test_wait_ready_takes_the_tls_name_and_ca_together), import_image.sh an optional
SHA256, write_manager_config.sh an optional NAME, manager_secret.sh TLS_NAME and TLS_CA together (6 is usage:
test_manager_secret_takes_the_tls_name_and_ca_together); install_agents.sh is tried with two more (not a whole KIND URL
SHA256 TARGET group)."""


TOUCHING_TOOLS = (
    "docker",
    "sudo",
    "curl",
    "wget",
    "mkdir",
    "chmod",
    "chown",
    "touch",
    "rm",
    "mv",
    "cp",
    "tee",
    "ln",
    "install",
    "tar",
    "gzip",
    "zstd",
    "dd",
)


@pytest.fixture(autouse=True)
def recording_stubs(tmp_path, monkeypatch):
    """Stubs first on the PATH; after the test, none of them was called and the working folder is empty."""
    stubs, workdir = tmp_path / "stubs", tmp_path / "work"
    stubs.mkdir()
    workdir.mkdir()
    log = tmp_path / "calls"
    for tool in TOUCHING_TOOLS:
        stub = stubs / tool
        stub.write_text(f'#!/bin/sh\necho "{tool} $*" >> {log}\nexit 1\n')
        stub.chmod(0o755)
    monkeypatch.setenv("PATH", f"{stubs}:/usr/bin:/bin")
    monkeypatch.chdir(workdir)
    yield
    assert not log.exists(), log.read_text()
    assert list(workdir.iterdir()) == [], "a usage error left something behind"


def run_shipped(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", "-c", host_scripts.shipped_script(script), script, *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=30,
    )


def test_every_script_is_listed():
    assert set(SCRIPTS) == set(ARGUMENT_COUNTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_wrong_number_of_arguments_is_a_usage_error(script):
    wanted = ARGUMENT_COUNTS[script]
    for count in (0, wanted - 1, wanted + OPTIONAL_ARGUMENTS.get(script, 0) + 1):
        result = run_shipped(script, *["x"] * count)
        assert result.returncode == 2, (count, result.stderr)
        assert result.stderr.startswith(f"usage: {script} "), result.stderr
        assert result.stdout == ""


def test_wait_ready_takes_the_tls_name_and_ca_together():
    result = run_shipped("wait_ready.sh", *["x"] * 12)
    assert result.returncode == 2 and result.stderr.startswith("usage: wait_ready.sh "), result.stderr


def test_manager_secret_takes_the_tls_name_and_ca_together():
    result = run_shipped("manager_secret.sh", *["x"] * 6)
    assert result.returncode == 2 and result.stderr.startswith("usage: manager_secret.sh "), result.stderr


@pytest.mark.parametrize(
    "args", [["own", "extra"], ["scan", "host"], ["scan", "host", "22", "extra"], ["keyscan", "host", "22"]]
)
def test_each_mode_of_host_key_takes_its_own_arguments(args):
    result = run_shipped("host_key.sh", *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("usage: host_key.sh scan HOST PORT | host_key.sh own")


@pytest.mark.parametrize(
    ("script", "args", "message"),
    [
        (
            "backup_data.sh",
            ["true", "app", "data", "/srv/b", "three", "key", "auto", "replace", "img:1"],
            "KEEP must be a whole number",
        ),
        (
            "backup_data.sh",
            ["sometimes", "app", "data", "/srv/b", "3", "key", "none", "replace", "img:1"],
            "USE_SUDO must be true or false",
        ),
        (
            "backup_data.sh",
            ["true", "app", "data", "/srv/b", "3", "-", "auto", "later", "-"],
            "MODE must be replace, now",
        ),
        (
            "backup_data.sh",
            ["true", "app", "data", "/srv/b", "3", "-", "auto", "restore", "-", "relative.tar.gz"],
            "ARCHIVE must be an absolute path",
        ),
        (
            "backup_data.sh",
            ["true", "app", "data", "/srv/b", "3", "-", "auto", "restore", "-", "/srv/b/x.zip"],
            "ARCHIVE must be a .tar.zst, .tar.gz or .tar",
        ),
        (
            "backup_data.sh",
            ["true", "app", "data", "/srv/b", "3", "key", "lz4", "replace", "img:1"],
            "COMPRESSION must be auto, zstd",
        ),
        ("restore_backup.sh", ["false", "app", "data", "/srv/b/x.zip"], "ARCHIVE must be a .tar.zst, .tar.gz or .tar"),
        ("restore_backup.sh", ["false", "app", "data", "relative.tar.gz"], "ARCHIVE must be an absolute path"),
        ("import_image.sh", ["false", "http://x/i.tar", "img:1", "sometimes"], "MODE must be always or if-missing"),
        ("write_manager_config.sh", ["false", "relative/dir"], "DIR must be an absolute path"),
        ("write_manager_config.sh", ["false", "/etc/x", "../config.yaml"], "NAME must be a plain file name"),
        ("write_manager_config.sh", ["false", "/etc/x", ".."], "NAME must be a plain file name"),
        ("agent_key.sh", ["false", "app", "root/.ssh/agent_key.pem"], "TARGET must be an absolute path"),
        ("manager_secret.sh", ["false", "app", "443", "agent key", "10.0.0.5"], "NAME must be a secret name"),
        ("manager_secret.sh", ["false", "app", "443", "../x", "10.0.0.5"], "NAME must be a secret name"),
        ("install_scripts.sh", [".."], "FOLDER must be a container name"),
        ("install_scripts.sh", ["app/../../x"], "FOLDER must be a container name"),
        ("install_scripts.sh", [""], "FOLDER must be a container name"),
    ],
)
def test_a_malformed_argument_is_a_usage_error_naming_it(script, args, message):
    result = run_shipped(script, *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr

"""The pip package: build the `cloudify-pulumi` wheel from a copy of the checkout, install it into a fresh target,
and run a program that lives outside the checkout against it, under the mocks, with an Output host."""

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import cloudify_pulumi
import harness
import pytest
from harness import THROWAWAY_KEY

REPO = harness.REPO
PACKAGE = REPO / "components" / "cloudify_pulumi"
SHIPPED = {"components", "pyproject.toml", "README.md"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built by pip from a copy of what the package is made of (no build output in the checkout)."""
    work = tmp_path_factory.mktemp("wheel")
    (work / "src").mkdir()
    for name in SHIPPED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, work / "src" / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, work / "src" / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(work / "src")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    (found,) = (work / "dist").glob("cloudify_pulumi-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return target


def test_the_wheel_is_the_package_version_and_carries_every_host_script(wheel):
    version = cloudify_pulumi.__version__
    assert tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dynamic"] == ["version"]
    assert wheel.name == f"cloudify_pulumi-{version}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    scripts = {p.name for p in (PACKAGE / "host" / "scripts").glob("*.sh")}
    assert {n.rsplit("/", 1)[-1] for n in names if n.startswith("cloudify_pulumi/host/scripts/")} == scripts
    modules = {str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py")}
    assert {n for n in names if n.endswith(".py")} == modules
    assert "cloudify_pulumi/py.typed" in names, "type checkers read the package's hints only with py.typed"


def test_a_program_outside_the_checkout_renders_from_the_installed_wheel_with_an_output_host(installed, tmp_path):
    consumer = tmp_path / "consumer"
    consumer.mkdir()
    shutil.copy(REPO / "examples" / "python" / "__main__.py", consumer / "__main__.py")
    shutil.copy(REPO / "tests" / "wheel_consumer.py", consumer / "wheel_consumer.py")
    config = {
        "sshHostImage": "example/sshd-docker:1",
        "sshPublicKey": "ssh-ed25519 AAAAexample",
        "appImage": "registry.example.com/cloudify/cloudify-manager:3.2.0",
        "dataImage": "registry.example.com/cloudify/cloudify-manager:3.2.0",
        "sshPrivateKey": THROWAWAY_KEY,
    }
    env = {**os.environ, "PYTHONPATH": str(installed), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-s", "wheel_consumer.py", "__main__.py", json.dumps(config)],
        cwd=consumer,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(result["library"]).is_relative_to(installed), "the library came from the wheel, not the checkout"
    registered = {(r["type"], r["name"]): r for r in result["registrations"]}
    host = registered[("docker:index/container:Container", "ssh-host")]
    engine = registered[("command:remote:Command", "cfy-docker-engine")]
    assert host["urn"] in engine["dependencies"]
    assert harness.unwrap_secrets(engine["inputs"]["connection"])["host"] == "10.77.0.9"
    assert "ensure_docker.sh" in engine["inputs"]["create"], "the script text came from the wheel's package data"
    provider = registered[("pulumi:providers:docker", "cfy-docker")]
    assert provider["inputs"]["host"] == "ssh://root@10.77.0.9:22" and host["urn"] in provider["dependencies"]

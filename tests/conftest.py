import json
import os
import shutil
import uuid
from pathlib import Path

import harness
import hostbed
import pytest
from cloudify_pulumi.cloudify.manager_config import flask_security
from cloudify_pulumi.host.docker_endpoint import SshIdentity
from hypothesis import settings

# Property tests (test_config_properties.py): a fixed seed and a bounded number of examples in CI; a longer
# search, with a new seed each run, on demand (CLOUDIFY_PROPERTIES=long).
settings.register_profile("ci", max_examples=12, derandomize=True, deadline=None, print_blob=True)
settings.register_profile("long", max_examples=400, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("CLOUDIFY_PROPERTIES", "ci"))


HOST_TIER = Path(__file__).resolve().parent / "hosts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tiers are folders: every test under tests/hosts needs the test bed and is marked `hosts`.

    Under mutmut only (docs/testing.md, "Mutation score"): run the fastest tests first.

    mutmut 3.8.1 hands pytest each mutant's covering tests in set order and stops at the first failure, so
    a mutant the fast tests kill may wait behind the slow ones. Its own test durations (mutmut-stats.json,
    in the `mutants/` folder it runs from) give the order. Which tests run is unchanged; a normal run is
    untouched."""
    for item in items:
        if item.path.is_relative_to(HOST_TIER):
            item.add_marker(pytest.mark.hosts)
    stats = Path("mutmut-stats.json")
    if "MUTANT_UNDER_TEST" not in os.environ or not stats.is_file():
        return
    durations = json.loads(stats.read_text())["duration_by_test"]
    items.sort(key=lambda item: durations.get(item.nodeid, float("inf")))


def configured_secrets() -> list[str]:
    """Every secret the tests configure, the REST keys derived from managerSecret included (computed when a
    test runs, not at import: nothing of the code under test runs while tests are collected)."""
    return [
        harness.THROWAWAY_ADMIN_PASSWORD,
        harness.THROWAWAY_MANAGER_SECRET,
        *[v for v in flask_security(harness.THROWAWAY_MANAGER_SECRET).values() if isinstance(v, str)],
        *[line for line in harness.THROWAWAY_KEY.splitlines() if "PRIVATE KEY" not in line],
    ]


@pytest.fixture(autouse=True)
def no_secret_in_what_the_scripts_print():
    """Every line our scripts print on a test host (streamed live into `pulumi up`) is free of every
    secret the tests configure: passwords, derived REST keys, SSH private keys."""
    hostbed.EMITTED.clear()
    yield
    if not hostbed.EMITTED:
        return
    secrets = configured_secrets() + sorted(hostbed.WATCHED_SECRETS)
    leaks = {secret[:6] + "..." for secret in secrets for text in hostbed.EMITTED if secret in text}
    assert not leaks, f"secrets printed by a host script: {sorted(leaks)}"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch) -> str:
    """A stack name of this test's own; returns it.

    The program writes the Docker provider's ssh identity under the passwd home
    (where ssh expands `~`), never under `$HOME`: `$HOME` points elsewhere here
    to prove it. Each test gets its own stack, hence its own identity folder,
    removed afterwards, so no test sees another's known hosts. A developer's
    ssh-agent must not stand in for a missing key either.
    """
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    stack = f"test-{uuid.uuid4().hex[:10]}"
    monkeypatch.setattr(harness, "DEFAULT_STACK", stack)
    yield stack
    identity = SshIdentity.for_stack(harness.PROJECT, stack)
    shutil.rmtree(identity.local_path(identity.key_file).parent, ignore_errors=True)


@pytest.fixture(scope="session")
def engine() -> str:
    """The real Docker engine and test host image; an unusable engine fails the host tests loudly."""
    try:
        version = hostbed.engine_version()
        hostbed.ensure_image()
    except hostbed.TestBedUnavailable as error:
        pytest.fail(f"host tests need a Docker engine: {error}", pytrace=False)
    return version


@pytest.fixture
def make_host(engine, tmp_path_factory):
    """Start SSH host containers for one test; every one is removed afterwards, pass or fail."""
    hosts: list[hostbed.SshHost] = []
    key_dir = tmp_path_factory.mktemp("ssh")

    def start(scenario: str, key_dir: Path = key_dir, **options) -> hostbed.SshHost:
        """`options` as for hostbed.SshHost; hosts share one key unless given their own `key_dir`."""
        host = hostbed.SshHost(scenario, key_dir=key_dir, **options)
        hosts.append(host)
        return host

    yield start
    for host in hosts:
        host.remove()

"""A new release of the host scripts changes one step per manager, the one that installs them (issue 50).

Every other host step runs its script from the installed folder by a fixed runner (host_scripts.py), so what the
engine diffs for it (its inputs, less `ignoreChanges`) does not hold the scripts' text: a changed comment in every
script, the libraries included, must leave each of them as it was, and so never stop the manager, take a backup,
import an image again or record a host key again. pulumi-command v1.2.1 runs `create` again (or `update`) on any
input change (provider/pkg/provider/remote/commandController.go `Update`), and replaces on `triggers`.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from cloudify_pulumi.host import shipping
from engine_requests import EXTRA_SECRETS, RENDERINGS, requests
from harness import run_program, stack_config, stack_secrets, unwrap_secrets

INSTALLER = "-scripts"


@pytest.fixture
def new_release(tmp_path, monkeypatch):
    """Switch to a copy of the scripts with a comment appended to each one, as a release that changed nothing else
    would ship them; the caches of the shipped texts are cleared on both sides."""

    def switch() -> None:
        copy = tmp_path / "scripts"
        shutil.copytree(Path(str(shipping.SCRIPTS_DIR)), copy)
        for script in copy.glob("*.sh"):
            script.write_text(script.read_text() + "# a comment of the next release\n")
        monkeypatch.setattr(shipping, "SCRIPTS_DIR", copy)
        shipping.shipped_script.cache_clear()
        shipping.bundle.cache_clear()

    yield switch
    shipping.shipped_script.cache_clear()
    shipping.bundle.cache_clear()


def diffed(request: dict) -> dict:
    """What the engine compares: the inputs, less the `ignoreChanges` paths (pulumi/pulumi#2657), secrets opened."""
    inputs = unwrap_secrets(request["inputs"])
    for path in request.get("ignoreChanges", []):
        head, _, rest = path.partition(".")
        if rest:
            inputs.get(head, {}).pop(rest, None)
        else:
            inputs.pop(head, None)
    return {**request, "inputs": inputs}


@pytest.mark.parametrize("rendering", sorted(RENDERINGS))
def test_a_new_text_of_every_script_changes_only_the_step_that_installs_them(rendering, new_release):
    stack_file = rendering.partition("-")[0]
    config = {**stack_config(stack_file), **RENDERINGS[rendering]}
    secrets = {**stack_secrets(config), **EXTRA_SECRETS.get(rendering, {})}
    stack = f"release-{uuid.uuid4().hex[:8]}"  # both runs are one stack: its URNs and recorded keys
    before = requests(run_program(config, secrets=secrets, stack=stack))
    new_release()
    after = requests(run_program(config, secrets=secrets, stack=stack))
    assert sorted(after) == sorted(before), "URNs moved"
    changed = sorted(urn for urn in before if diffed(after[urn]) != diffed(before[urn]))
    installers = sorted(urn for urn in before if urn.endswith(INSTALLER))
    assert installers and changed == installers, changed
    for urn in installers:
        assert after[urn]["inputs"]["stdin"] != before[urn]["inputs"]["stdin"], "the new scripts are installed"

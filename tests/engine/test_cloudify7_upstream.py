"""The cloudify-7 profile against what the 7.0 image does with it, mirrored from cloudify-manager-install 7.0.4.

No Cloudify image can be pulled here, so each test mirrors the upstream code
that decides, citing file and lines (tag 7.0.4; the files are the same at
7.0.0), and runs it on what the program declares:

- configure's validation of `manager.private_ip` (validations.py);
- configure on an existing database: the admin password, and sanity (restservice.py, main.py);
- the YAML 1.2 reader Cloudify loads config.yaml with (ruamel.yaml 0.16.10, the version setup.py pins);
- update-admin-password.py, whose logic set_admin_password.sh runs with the password on stdin.
Each mirror is also run on the configuration before the fix, to show it fails there.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from typing import Any

import pytest
import yaml
from cloudify_pulumi.cloudify.profiles import PROFILES
from cloudify_pulumi.host import host_scripts
from harness import (
    THROWAWAY_ADMIN_PASSWORD,
    Run,
    plain_strings,
    run_program,
    script_arguments,
    secret_strings,
    stack_config,
    stack_secrets,
)
from ruamel.yaml import YAML

from engine.test_upgrade import replaced_and_protected

SEVEN = {**stack_config("prod"), "managerProfile": "cloudify-7"}  # managementIp 10.0.0.10: a LAN address
CONTAINER_ADDRESSES = {"127.0.0.1", "172.17.0.2"}  # a container on Docker's default bridge


def render(config: dict[str, str] | None = None, **secrets: str) -> Run:
    config = config or SEVEN
    return run_program(config, secrets={**stack_secrets(config), **secrets})


def config_text(run: Run) -> str:
    return run.one("command:remote:Command", "-manager-config").inputs["stdin"]


def upstream_merge(defaults: dict[str, Any], text: str) -> dict[str, Any]:
    """cfy_manager/config.py: the user's config.yaml read with `yaml = YAML()` (ruamel.yaml's round-trip loader)
    and merged into the defaults by `dict_merge`, written out here from that function: for each key of the
    user's map, recurse where both sides are maps, else the user's value replaces the default."""

    def dict_merge(dct: dict[str, Any], merge_dct: Mapping[str, Any]) -> None:
        for k in merge_dct:
            if k in dct and isinstance(dct[k], dict) and isinstance(merge_dct[k], Mapping):
                dict_merge(dct[k], merge_dct[k])
            else:
                dct[k] = merge_dct[k]

    merged = copy.deepcopy(defaults)
    dict_merge(merged, YAML().load(text))
    return merged


def upstream_load(text: str) -> dict[str, Any]:
    """`upstream_merge` over the defaults that matter here: config.yaml lines 535-537
    (`validations.skip_validations: false`) and the `sanity.skip_sanity: false` default."""
    return upstream_merge({"validations": {"skip_validations": False}, "sanity": {"skip_sanity": False}}, text)


def upstream_validation_errors(config: dict[str, Any], local_addresses: set[str]) -> list[str]:
    """validations.py `validate` (lines 698-713) and `_validate_ip` (lines 106-166), for `manager.private_ip`."""
    if config["validations"]["skip_validations"]:
        return []
    private_ip = config["manager"]["private_ip"]
    if private_ip in local_addresses:
        return []
    return [
        f"The provided private IP ({private_ip}) is not associated with any INET-type address available on this machine"
    ]


def without(text: str, *keys: str) -> str:
    document = yaml.safe_load(text)
    for key in keys:
        document.pop(key)
    return yaml.safe_dump(document)


def test_a_lan_management_ip_passes_configures_validation():
    """agents reach the manager at private_ip (globals.py lines 72-73: networks.default), so it is the LAN
    address, which a bridged container never owns: validations are skipped, as the Helm chart does."""
    text = config_text(render())
    assert yaml.safe_load(text)["manager"]["private_ip"] == "10.0.0.10"
    assert upstream_validation_errors(upstream_load(text), CONTAINER_ADDRESSES) == []
    before_the_fix = without(text, "validations")
    assert upstream_validation_errors(upstream_load(before_the_fix), CONTAINER_ADDRESSES), "the mirror can fail"


class UpstreamManager:
    """A manager's database across container replacements, as configure treats it.

    restservice.py `_configure_db` (lines 248-272): a new database gets the config's admin password
    (`_initialize_db`); an existing one keeps its own (update_stored_manager.py does not touch it). main.py lines
    816-819: Sanity runs unless `sanity.skip_sanity`, logging in with the config's password (sanity.py
    lines 62-77, through the CLI profile cli.py configure sets with `-p`): a 401 fails configure."""

    def __init__(self) -> None:
        self.password: str | None = None

    def configure(self, config: dict[str, Any]) -> None:
        wanted = config["manager"]["security"]["admin_password"]
        if self.password is None:
            self.password = wanted
        if not config["sanity"]["skip_sanity"] and self.password != wanted:
            raise RuntimeError("sanity: 401 Unauthorized with the configured admin password; configure failed")


def admin_password_step(run: Run):
    return run.one("command:remote:Command", "-admin-password")


def up(manager: UpstreamManager, run: Run, *, strip: tuple[str, ...] = ()) -> None:
    """A replacement of the app container: configure at its start, then the declared admin-password step."""
    manager.configure(upstream_load(without(config_text(run), *strip) if strip else config_text(run)))
    step = admin_password_step(run)
    assert script_arguments(step.inputs["create"])[0] == "set_admin_password.sh"
    manager.password = step.inputs["stdin"]  # what the step sets, from its stdin


def test_a_changed_admin_password_is_applied_and_never_fails_configure():
    first, changed = render(), render(adminPassword="An0ther-admin-p4ssword")
    assert (
        first.one("docker:index/container:Container", "-app").inputs
        != changed.one("docker:index/container:Container", "-app").inputs
    ), "a new password replaces the app container"
    manager = UpstreamManager()
    up(manager, first)
    up(manager, changed)
    assert manager.password == "An0ther-admin-p4ssword"

    unfixed = UpstreamManager()
    up(unfixed, first, strip=("sanity",))
    with pytest.raises(RuntimeError, match="401"):
        unfixed.configure(upstream_load(without(config_text(changed), "sanity")))


def test_the_admin_password_step_follows_readiness_and_every_replacement_with_the_password_secret():
    run = render()
    step, ready, app = (
        admin_password_step(run),
        run.one("command:remote:Command", "-ready"),
        run.one("docker:index/container:Container", "-app"),
    )
    assert ready.urn in step.dependencies
    assert step.inputs["triggers"] == [run.manager_outputs["appContainerId"]]
    assert step.property_dependencies["triggers"] == [app.urn]
    assert THROWAWAY_ADMIN_PASSWORD in secret_strings(step.wire_inputs["stdin"])
    assert THROWAWAY_ADMIN_PASSWORD not in " ".join(plain_strings(step.wire_inputs))
    assert "stdin" in step.additional_secret_outputs


def test_the_readiness_step_gets_the_password_to_mask_and_waits_for_configure_to_finish():
    ready = render().one("command:remote:Command", "-ready")
    _, args = script_arguments(ready.inputs["create"])
    assert args[8:10] == ["Configuration finished successfully!", "true"]
    assert THROWAWAY_ADMIN_PASSWORD in secret_strings(ready.wire_inputs["stdin"])
    seed = run_program(stack_config("prod"), secrets=stack_secrets(stack_config("prod")))
    seed_ready = seed.one("command:remote:Command", "-ready")
    # then ADDRESS: 3.2's API (no login) is on the management address, which the readiness check asks
    assert script_arguments(seed_ready.inputs["create"])[1][8:] == ["-", "false", "10.0.0.10"]
    assert "stdin" not in seed_ready.inputs
    assert not [r for r in seed.registrations if r.name.endswith("-admin-password")]


HOSTILE_PASSWORDS = [
    "1e3",
    "0o777",
    "0x1F",
    "010",
    "yes",
    "off",
    "null",
    "~",
    ".inf",
    "2001-01-01",
    "'quoted'",
    '"double"',
    "a: b",
    "- item",
    "#comment",
    "{x}",
    "[1]",
    " leading",
    "trailing ",
    "ünïcödé",
]


@pytest.mark.parametrize("password", HOSTILE_PASSWORDS)
def test_every_value_reads_back_the_same_in_cloudifys_yaml_1_2_reader(password):
    text = config_text(render(adminPassword=password))
    intended = yaml.safe_load(text)  # what we meant, read by the writer's own YAML 1.1
    read = json.loads(json.dumps(YAML().load(text)))  # ruamel.yaml 0.16.10 round-trip loader, as cfy_manager
    assert read == intended
    assert read["manager"]["security"]["admin_password"] == password


def test_plain_pyyaml_output_is_what_broke_yaml_1_2():
    """The writer before the fix: an unquoted 1e3 became the number 1000.0 in Cloudify."""
    plain = yaml.safe_dump({"admin_password": "1e3"})
    assert YAML().load(plain)["admin_password"] == 1000.0


def test_the_ui_user_data_is_a_state_path_and_existing_stacks_can_keep_their_data_container():
    """cloudify-helm after_hook.yaml lines 69-71 and 99 keep /opt/cloudify-stage/dist/userData. A stack made
    before it was a state path would have its protected data container replaced, which the engine refuses;
    CHANGELOG.md (1.0.0) says to keep the old list in volumePaths, which changes nothing protected."""
    assert "/opt/cloudify-stage/dist/userData" in PROFILES["cloudify-7"].volume_paths
    old_paths = [p for p in PROFILES["cloudify-7"].volume_paths if p != "/opt/cloudify-stage/dist/userData"]
    earlier = render({**SEVEN, "volumePaths": json.dumps(old_paths)})
    assert replaced_and_protected(earlier, render()) == {"cloudify-data"}
    assert replaced_and_protected(earlier, render({**SEVEN, "volumePaths": json.dumps(old_paths)})) == set()


# -- update-admin-password.py, as set_admin_password.sh runs it --------------------------------------------------

STUBS = {
    # The manager venv's modules that cfy_manager/scripts/update-admin-password.py uses, recording what is done.
    "flask_security/__init__.py": "",
    "flask_security/utils.py": """
        def hash_password(password):
            return "hashed:" + password
    """,
    "manager_rest/__init__.py": """
        import json, os
        LOG = []
        def record(*event):
            LOG.append(event)
            open(os.environ["RECORD"], "w").write(json.dumps(LOG))
    """,
    "manager_rest/config.py": """
        from manager_rest import record
        class _Config:
            def load_from_file(self, path, namespace=None):
                record("load", path, namespace)
            def load_configuration(self):
                record("load_configuration")
        instance = _Config()
    """,
    "manager_rest/flask_utils.py": """
        from manager_rest import record
        class _Context:
            def __enter__(self):
                record("enter")
            def __exit__(self, *exc):
                record("exit")
        class _App:
            def app_context(self):
                return _Context()
        def setup_flask_app():
            return _App()
    """,
    "manager_rest/storage.py": """
        from manager_rest import record
        class User:
            pass
        class _Store:
            def get_user(self, name):
                record("get_user", name)
                self.user = User()
                return self.user
            def commit(self):
                record("commit", self.user.password, self.user.failed_logins_counter, self.user.active)
        user_datastore = _Store()
    """,
}


def shipped_update_program() -> str:
    script = host_scripts.shipped_script("set_admin_password.sh")
    return script.split("\nUPDATE='\n", 1)[1].split("\n'\n", 1)[0]


def test_the_shipped_update_does_what_update_admin_password_py_does(tmp_path):
    for name, text in STUBS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    record = tmp_path / "record.json"
    done = subprocess.run(
        [sys.executable, "-c", shipped_update_program()],
        input=THROWAWAY_ADMIN_PASSWORD + "\n",
        text=True,
        capture_output=True,
        env={"PYTHONPATH": str(tmp_path), "RECORD": str(record)},
    )
    assert done.returncode == 0, done.stderr
    assert [tuple(e) for e in json.loads(record.read_text())] == [
        ("load", "/opt/manager/cloudify-rest.conf", None),
        ("load", "/opt/manager/rest-security.conf", "security"),
        ("enter",),
        ("load_configuration",),
        ("get_user", "admin"),
        ("commit", "hashed:" + THROWAWAY_ADMIN_PASSWORD, 0, True),
        ("exit",),
    ]
    empty = subprocess.run(
        [sys.executable, "-c", shipped_update_program()],
        input="",
        text=True,
        capture_output=True,
        env={"PYTHONPATH": str(tmp_path), "RECORD": str(record)},
    )
    assert empty.returncode == 82


def test_the_ui_path_keeps_a_distinct_volume_name():
    run = render()
    names = [v["volumeName"] for v in run.one("docker:index/container:Container", "-data").inputs["volumes"]]
    assert "cloudify-opt-cloudify-stage-dist-userdata" in names and len(set(names)) == len(names)


class UpstreamBroker:
    """The broker user's password across container replacements, as configure treats it (7.0.4).

    rabbitmq.py `_init_service` (lines 90-104): until `queue_service` is among the configured services (kept in
    /etc/cloudify, a data volume) it deletes the broker's store and writes definitions.json with the config's
    `rabbitmq.password` (`_write_definitions_file`, 605-635); afterwards it returns at once.
    `_create_rabbitmq_user` (126-140) adds the user only when it is missing. restservice.py `_initialize_db`
    (274-291) gives the new database the same `rabbitmq` section; an existing database is not re-initialised."""

    def __init__(self) -> None:
        self.password: str | None = None
        self.configured = False

    def configure(self, config: dict[str, Any]) -> None:
        if not self.configured:
            self.password = config["rabbitmq"]["password"]
            self.configured = True


def test_a_new_manager_takes_the_broker_password_and_an_existing_one_keeps_its_own():
    """What brokerPassword's reference says: it applies to a new manager only."""
    first = render()
    broker = UpstreamBroker()
    broker.configure(upstream_load(config_text(first)))
    generated = yaml.safe_load(config_text(first))["rabbitmq"]["password"]
    assert broker.password == generated != "c10udify"
    broker.configure(upstream_load(config_text(render(brokerPassword="Br0ker-changed-p4ss"))))
    assert broker.password == generated, "configure does not apply a changed password to an existing broker"

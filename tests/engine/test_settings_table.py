"""The settings table (settings.py) is the one definition of every setting: the args, the configuration reference
and the plugin's hosted class are generated from it, and Pulumi.yaml's declarations agree with it."""

import dataclasses
import subprocess
import sys

import generate
import pytest
import yaml
from cloudify_pulumi import CloudifyManagerArgs
from cloudify_pulumi.config.keys import ARGS_FIELDS
from cloudify_pulumi.config.settings import SETTING, SETTINGS, Setting
from harness import REPO

PULUMI_TYPES = {str: "string", int: "integer", bool: "boolean"}


def test_every_generated_file_is_what_the_table_gives():
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "generate.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_the_check_fails_when_the_reference_differs_from_the_table(monkeypatch):
    monkeypatch.setattr(generate, "SETTINGS", (*SETTINGS[:-1], dataclasses.replace(SETTINGS[-1], doc="changed")))
    assert generate.reference() != generate.REFERENCE.read_text()


def test_the_args_are_the_table_s_fields_in_its_types():
    assert set(CloudifyManagerArgs.__annotations__) == set(ARGS_FIELDS)
    assert "int" in str(CloudifyManagerArgs.__annotations__["backups_to_keep"])
    assert CloudifyManagerArgs.__required_keys__ == {s.field for s in SETTINGS if s.required}


def test_pulumi_yaml_declares_each_key_with_the_table_s_type_and_default():
    declared = yaml.safe_load((REPO / "Pulumi.yaml").read_text())["config"]
    assert declared
    for key, declaration in declared.items():
        setting = SETTING[key]
        assert declaration["type"] == PULUMI_TYPES[setting.kind], key
        assert declaration.get("default") == setting.default, key


def test_a_new_entry_in_the_table_is_a_field_of_the_args_and_a_row_of_the_reference(monkeypatch):
    """Adding a setting is one entry (CONTRIBUTING.md): the generated files follow it."""
    entry = Setting("exampleTimeout", int, default=7, bounds=(1, 9), doc="An example setting.")
    monkeypatch.setattr(generate, "SETTINGS", (*SETTINGS, entry))
    assert "    example_timeout: NotRequired[int | None]" in generate.args_module()
    assert '    """An example setting. Default: `7`."""' in generate.args_module()
    assert "    example_timeout: int\n" in generate.setting_values_module(), "the rules read it as an attribute"
    assert "| `exampleTimeout` | whole number | `7` | no | yes | An example setting. |" in generate.reference()


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.key)
def test_each_entry_is_consistent(setting):
    assert setting.kind in (str, int, bool, list, dict)
    assert setting.default is None or isinstance(setting.default, setting.kind), "the default has the entry's type"
    assert not (setting.default is not None and setting.default_doc), "a fixed default or a computed one"
    assert not (setting.secret and setting.per_manager), "secrets are set once, for every manager"
    assert (setting.bounds is not None) <= (setting.kind is int)

"""The cloudify-7 profile: a replaced container is still the same manager, and its secrets stay secret.

Under the mocks: what the program declares. On a test host: the declared
config step, fed the declared stdin over real SSH, writes a 0600 file that a
container built the way the program declares it sees, read-only, on top of the
data container's /etc/cloudify volume.
"""

from __future__ import annotations

import json

import yaml
from cloudify_pulumi.cloudify.manager_config import flask_security
from harness import (
    THROWAWAY_ADMIN_PASSWORD,
    THROWAWAY_MANAGER_SECRET,
    Run,
    plain_strings,
    run_program,
    script_arguments,
    secret_strings,
    stack_config,
    stack_secrets,
)

CONTAINER = "docker:index/container:Container"
SEVEN = {**stack_config("prod"), "managerProfile": "cloudify-7"}


def render(config: dict[str, str] | None = None, **secrets: str) -> Run:
    config = config or SEVEN
    return run_program(config, secrets={**stack_secrets(config), **secrets})


def app(run: Run):
    return run.one(CONTAINER, "-app")


def config_step(run: Run):
    return run.one("command:remote:Command", "-manager-config")


def test_cloudify_7_profile_gives_the_images_paths_ports_readiness_and_no_systemd_flags():
    run = render()
    data, manager = run.one(CONTAINER, "-data").inputs, app(run).inputs
    assert [v["containerPath"] for v in data["volumes"]] == [
        "/etc/cloudify",
        "/var/lib/pgsql",
        "/var/lib/rabbitmq",
        "/opt/manager/resources",
        "/opt/mgmtworker/env/plugins",
        "/opt/mgmtworker/work",
        "/var/log/cloudify",
        "/opt/cloudify-stage/dist/userData",
    ]
    # A remote cloudify-7 manager serves HTTPS only (managerTls): plain 80 is not published (test_tls.py).
    assert [(p["internal"], p["external"]) for p in manager["ports"]] == [(443, 443), (5671, 5671), (53333, 53333)]
    for systemd_only in ("capabilities", "securityOpts", "cgroupnsMode", "tmpfs", "privileged"):
        assert not manager.get(systemd_only), systemd_only
    assert manager["hostname"] == "cloudify"
    assert not any(env.startswith("MANAGEMENT_IP=") for env in manager["envs"])
    script, args = script_arguments(run.one("command:remote:Command", "-ready").inputs["create"])
    assert script == "wait_ready.sh" and args[2:5] == ["443", "/api/v3.1/ok", "600"]


def test_the_generated_config_pins_identity_services_and_rest_keys():
    text = config_step(render()).inputs["stdin"]
    document = yaml.safe_load(text)
    assert document["manager"] == {
        "hostname": "cloudify",
        "private_ip": "10.0.0.10",
        "public_ip": "10.0.0.10",
        "security": {"admin_password": THROWAWAY_ADMIN_PASSWORD, "ssl_enabled": True},  # test_tls.py
    }
    assert document["services_to_install"] == [
        "database_service",
        "queue_service",
        "manager_service",
        "monitoring_service",
    ]
    keys = document["flask_security"]
    # The names and fixed values Cloudify generates itself (cloudify-manager-install 7.0.4
    # restservice.py `_generate_flask_security_config`, lines 136-141): a misspelt key would be ignored and
    # regenerated on every start.
    assert set(keys) == {
        "hash_salt",
        "secret_key",
        "encoding_alphabet",
        "encoding_block_size",
        "encoding_min_length",
        "encryption_key",
    }
    assert (keys["encoding_block_size"], keys["encoding_min_length"]) == (24, 5)
    assert keys == flask_security(THROWAWAY_MANAGER_SECRET), "derived from managerSecret, stable"
    alphabet = keys["encoding_alphabet"]
    assert len(alphabet) == 31 and len(set(alphabet)) == 31 and alphabet.isalnum()
    assert flask_security("another-manager-secret-0123456789abcdef") != keys


def test_config_reaches_the_host_on_stdin_only_and_stays_secret():
    run = render()
    step = config_step(run)
    assert any(THROWAWAY_ADMIN_PASSWORD in s for s in secret_strings(step.wire_inputs["stdin"])), (
        "the password reaches stdin, as a secret"
    )
    assert "stdin" in step.additional_secret_outputs, "the state's copy of stdin is secret too"
    assert THROWAWAY_ADMIN_PASSWORD not in step.inputs["create"]
    for registration in run.registrations:
        plain = " ".join(plain_strings(registration.wire_inputs))
        for secret in (
            THROWAWAY_ADMIN_PASSWORD,
            THROWAWAY_MANAGER_SECRET,
            flask_security(THROWAWAY_MANAGER_SECRET)["encryption_key"],
        ):
            assert secret not in plain, registration.name
    for outputs in run.outputs.values():
        assert THROWAWAY_ADMIN_PASSWORD not in json.dumps(plain_strings(outputs))


def test_the_app_container_mounts_the_config_read_only_and_waits_for_it():
    run = render()
    manager, step = app(run), config_step(run)
    assert {
        "type": "bind",
        "source": "/etc/cloudify-pulumi/cloudify/config.yaml",
        "target": "/etc/cloudify/config.yaml",
        "readOnly": True,
    } in manager.inputs["mounts"]
    assert step.urn in manager.property_dependencies["envs"], "created only once the file is written"
    engine = run.one("command:remote:Command", "-docker-engine")
    assert engine.urn in step.dependencies


def revision(run: Run) -> str:
    return next(e for e in app(run).inputs["envs"] if e.startswith("CLOUDIFY_CONFIG_REVISION="))


def test_a_config_change_replaces_the_app_container_and_a_rerun_does_not():
    first, again = render(), render()
    assert revision(first) == revision(again)
    new_password = render(adminPassword="An0ther-admin-p4ssword")
    assert revision(new_password) != revision(first), "the env var is ForceNew: the container is replaced"
    assert THROWAWAY_ADMIN_PASSWORD not in revision(first) and len(revision(first).split("=")[1]) == 64
    moved = render({**SEVEN, "managementIp": "10.0.0.11"})
    assert revision(moved) != revision(first)


def test_the_seed_profile_keeps_its_shape():
    """cloudify-3.2 (the default) adds no config step, hostname, config mount or revision."""
    run = render(stack_config("prod"))
    assert not [r for r in run.registrations if r.name.endswith("-manager-config")]
    assert [e for e in app(run).inputs["envs"] if not e.startswith("CLOUDIFY_PULUMI_REPLACEMENT_KEY=")] == [
        "MANAGEMENT_IP=10.0.0.10"
    ]
    assert "hostname" not in app(run).inputs and "mounts" not in app(run).inputs


def test_explicit_settings_override_the_profile():
    run = render(
        {
            **SEVEN,
            "volumePaths": '["/etc/cloudify", "/var/lib/pgsql"]',
            "ports": '["8080:80"]',
            "readinessPath": "/custom",
            "hostname": "mgr-1",
            "configDir": "/srv/cfy",
        }
    )
    assert [v["containerPath"] for v in run.one(CONTAINER, "-data").inputs["volumes"]] == [
        "/etc/cloudify",
        "/var/lib/pgsql",
    ]
    assert [(p["internal"], p["external"]) for p in app(run).inputs["ports"]] == [(80, 8080)]
    assert app(run).inputs["hostname"] == "mgr-1"
    assert script_arguments(config_step(run).inputs["create"]) == ("write_manager_config.sh", ["true", "/srv/cfy"])
    assert any(m["source"] == "/srv/cfy/config.yaml" for m in app(run).inputs["mounts"])
    assert script_arguments(run.one("command:remote:Command", "-ready").inputs["create"])[1][3] == "/custom"

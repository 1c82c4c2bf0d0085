"""TLS for cloudify-7 (`managerTls`): what the engine is asked to create, and config.yaml read back as cfy_manager
reads it.

cloudify-manager-install 7.0.4: the image switches `ssl_enabled` off (packaging/docker/Dockerfile line 34); with it
on, the external listener is 443 and port 80 only refuses the API and redirects (cfy_manager/components/
globals.py lines 46-59; nginx `manager.upstream` 62-86). For an IP address `public_ip`, 443 is folded into the
internal listeners and serves the certificate of the manager's own CA; a certificate of the user's is served only
for a DNS name, by SNI (globals.py lines 101-147, `_set_nginx_listeners`, mirrored in `upstream_listeners`). The
readiness script against a real HTTPS stand-in: hosts/test_tls_hosts.py.
"""

from __future__ import annotations

import asyncio
import shlex

import pulumi
import pytest
import yaml
from cloudify_pulumi.config.rules import ConfigError
from harness import (
    MOCK_MANAGER_CA,
    Run,
    plain_strings,
    run_program,
    script_arguments,
    secret_strings,
    stack_config,
    stack_secrets,
)

from engine.test_cloudify7_upstream import upstream_load

SEVEN = {**stack_config("prod"), "managerProfile": "cloudify-7"}  # managementIp 10.0.0.10
INTERNAL_CA = "/etc/cloudify/ssl/cloudify_internal_ca_cert.pem"
PEM_CERT = "-----BEGIN CERTIFICATE-----\nTWFuYWdlciBjZXJ0\n-----END CERTIFICATE-----\n"
PEM_CA = "-----BEGIN CERTIFICATE-----\nVXNlciBDQQ==\n-----END CERTIFICATE-----\n"
PEM_KEY = "-----BEGIN PRIVATE KEY-----\nS2V5IHRocm93YXdheQ==\n-----END PRIVATE KEY-----\n"
OWN_CERT = {"managerTlsCert": PEM_CERT, "managerTlsCaCert": PEM_CA, "publicName": "manager.example.com"}


def render(config: dict[str, str] | None = None, **secrets: str) -> Run:
    config = config or SEVEN
    return run_program(config, secrets={**stack_secrets(config), **secrets})


def config_document(run: Run) -> dict:
    step = next(r for r in run.registrations if r.name.endswith("-manager-config"))
    return yaml.safe_load(step.inputs["stdin"])


def ready_arguments(run: Run) -> list[str]:
    step = next(r for r in run.registrations if r.name.endswith("-ready"))
    return script_arguments(step.inputs["create"])[1]


def probe(run: Run) -> str:
    app = next(r for r in run.registrations if r.name.endswith("-app"))
    tests = app.inputs["healthcheck"]["tests"]
    assert tests[0] == "CMD-SHELL"
    return tests[1]


def upstream_listeners(config: dict) -> list[dict]:
    """globals.py `_set_nginx_listeners` (lines 101-147) and `_set_external_port_and_protocol` (46-59), for the
    defaults of config.yaml (`internal_rest_port: 443`, `additional_internal_rest_listeners: [53333]`, lines
    41-55; no `nginx.port`)."""
    ssl = config["manager"]["security"].get("ssl_enabled", False)
    external = 443 if ssl else 80
    internal = {443, 53333}
    listeners = []
    if ssl:
        public_ip = config["manager"]["public_ip"]
        if all(part.isdigit() for part in public_ip.split(".")) or ":" in public_ip:  # parse_ip
            internal.add(external)
        else:
            listeners.append({"port": external, "server_name": public_ip, "ssl": True, "cert": "external"})
    else:
        listeners.append({"port": external, "server_name": "_", "ssl": False})
    listeners += [{"port": p, "server_name": "_", "ssl": True, "cert": "internal"} for p in sorted(internal)]
    return listeners


def test_a_remote_cloudify_7_manager_serves_https_only_with_its_own_ca_by_default():
    run = render()
    document = upstream_load(yaml.safe_dump(config_document(run)))
    assert document["manager"]["security"]["ssl_enabled"] is True
    assert document["manager"]["public_ip"] == "10.0.0.10"
    assert "ssl_inputs" not in document, "no certificate of the user's: the manager's CA issues one"
    assert upstream_listeners(document) == [
        {"port": 443, "server_name": "_", "ssl": True, "cert": "internal"},
        {"port": 53333, "server_name": "_", "ssl": True, "cert": "internal"},
    ], "no plain listener; 443 serves the internal certificate, for the IP address"
    assert ready_arguments(run)[2] == "443" and ready_arguments(run)[-3:] == ["127.0.0.1", "10.0.0.10", INTERNAL_CA]
    assert run.manager_outputs["managerUrl"] == "https://10.0.0.10"


def test_the_ca_to_trust_is_the_one_the_readiness_step_checked_the_manager_against(monkeypatch):
    exported: dict[str, pulumi.Output] = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.__setitem__(name, value))
    run = render()
    assert run.manager_outputs["managerCaCert"] == MOCK_MANAGER_CA
    loop = asyncio.get_event_loop()
    assert loop.run_until_complete(exported["managerCaCert"].future()) == MOCK_MANAGER_CA, "a stack output too"


def test_the_healthcheck_checks_the_certificate_for_the_managers_name():
    assert shlex.split(probe(render())) == [
        "curl",
        "-fsS",
        "-o",
        "/dev/null",
        "--cacert",
        INTERNAL_CA,
        "--resolve",
        "10.0.0.10:443:127.0.0.1",
        "https://10.0.0.10:443/api/v3.1/ok",
    ]


@pytest.mark.parametrize("config", [SEVEN, {**SEVEN, **OWN_CERT}, {**SEVEN, **OWN_CERT, "managerTlsCaCert": ""}])
def test_no_check_skips_certificate_verification(config):
    run = render(config, **({"managerTlsKey": PEM_KEY} if config.get("managerTlsCert") else {}))
    for words in (shlex.split(probe(run)), ready_arguments(run)):
        assert not {"-k", "--insecure"} & set(words), words


def test_a_manager_on_this_machine_stays_on_plain_http_on_loopback():
    run = render(stack_config("dev"))
    assert "ssl_enabled" not in config_document(run)["manager"]["security"]
    assert run.manager_outputs["managerUrl"] == "http://127.0.0.1"
    assert "managerCaCert" not in run.manager_outputs
    assert len(ready_arguments(run)) == 10, "the readiness step as before TLS existed"


def test_a_certificate_of_the_users_is_written_from_stdin_mounted_read_only_and_served_by_sni():
    run = render({**SEVEN, **OWN_CERT}, managerTlsKey=PEM_KEY)
    steps = {r.name.removeprefix("cloudify-"): r for r in run.registrations if r.name.startswith("cloudify-tls-")}
    assert sorted(steps) == ["tls-ca", "tls-cert", "tls-key"]
    for which, content in (("cert", PEM_CERT), ("key", PEM_KEY), ("ca", PEM_CA)):
        step = steps[f"tls-{which}"]
        assert script_arguments(step.inputs["create"]) == (
            "write_manager_config.sh",
            ["true", "/etc/cloudify-pulumi/cloudify", f"tls-{which}.pem"],
        )
        assert step.inputs["stdin"] == content and "stdin" in step.additional_secret_outputs
    assert PEM_KEY in secret_strings(steps["tls-key"].wire_inputs["stdin"])
    for registration in run.registrations:
        assert PEM_KEY not in " ".join(plain_strings(registration.wire_inputs) + plain_strings(registration.state))
    app = next(r for r in run.registrations if r.name.endswith("-app"))
    assert [m for m in app.inputs["mounts"] if "/tls-" in m["source"]] == [
        {
            "type": "bind",
            "source": f"/etc/cloudify-pulumi/cloudify/tls-{w}.pem",
            "target": f"/etc/cloudify-pulumi/tls/tls-{w}.pem",
            "readOnly": True,
        }
        for w in ("cert", "key", "ca")
    ]
    document = upstream_load(yaml.safe_dump(config_document(run)))
    assert document["ssl_inputs"] == {
        "external_cert_path": "/etc/cloudify-pulumi/tls/tls-cert.pem",
        "external_key_path": "/etc/cloudify-pulumi/tls/tls-key.pem",
        "external_ca_cert_path": "/etc/cloudify-pulumi/tls/tls-ca.pem",
    }
    assert upstream_listeners(document)[0] == {
        "port": 443,
        "server_name": "manager.example.com",
        "ssl": True,
        "cert": "external",
    }
    assert ready_arguments(run)[-2:] == ["manager.example.com", "/etc/cloudify-pulumi/tls/tls-ca.pem"]
    assert "--cacert /etc/cloudify-pulumi/tls/tls-ca.pem" in probe(run)
    assert run.manager_outputs["managerUrl"] == "https://manager.example.com"
    assert run.manager_outputs["managerCaCert"] == PEM_CA


def test_without_a_ca_of_the_users_the_systems_trusted_cas_check_the_certificate():
    run = render({**SEVEN, **OWN_CERT, "managerTlsCaCert": ""}, managerTlsKey=PEM_KEY)
    assert ready_arguments(run)[-1] == "system"
    assert "--cacert" not in probe(run)
    assert run.manager_outputs["managerCaCert"] == ""


def test_a_new_certificate_replaces_the_app_container():
    first = render({**SEVEN, **OWN_CERT}, managerTlsKey=PEM_KEY)
    renewed = render({**SEVEN, **OWN_CERT, "managerTlsCert": PEM_CERT.replace("TWFu", "UmVu")}, managerTlsKey=PEM_KEY)

    def envs(run: Run) -> list[str]:
        return next(r for r in run.registrations if r.name.endswith("-app")).inputs["envs"]

    assert envs(first) != envs(renewed), "the config revision follows the certificate: configure copies it in"


@pytest.mark.parametrize(
    ("config", "secrets", "problem"),
    [
        ({**SEVEN, "managerTlsCert": PEM_CERT, "publicName": "m.example.com"}, {}, "managerTlsKey: managerTlsCert and"),
        ({**SEVEN, "publicName": "m.example.com"}, {"managerTlsKey": PEM_KEY}, "managerTlsCert: managerTlsCert and"),
        ({**SEVEN, "managerTlsCaCert": PEM_CA}, {}, "managerTlsCaCert: is set without managerTlsCert"),
        (
            {**SEVEN, "managerTlsCert": PEM_CERT},
            {"managerTlsKey": PEM_KEY},
            "publicName: must be set with managerTlsCert",
        ),
        (
            {**SEVEN, "managerTlsCert": PEM_CERT, "publicName": "10.0.0.10"},
            {"managerTlsKey": PEM_KEY},
            "publicName: '10.0.0.10' is an IP address",
        ),
        (
            {**SEVEN, **OWN_CERT, "managerTls": "false"},
            {"managerTlsKey": PEM_KEY},
            "managerTls: is false, but managerTlsCert/managerTlsKey are set",
        ),
        ({**stack_config("prod"), "managerTls": "true"}, {}, "managerTls: cloudify-3.2 has no TLS setting here"),
        (
            {**SEVEN, **OWN_CERT, "managerTlsCert": "not a certificate"},
            {"managerTlsKey": PEM_KEY},
            "managerTlsCert: must be a PEM",
        ),
        ({**SEVEN, **OWN_CERT}, {"managerTlsKey": "not a key"}, "managerTlsKey: must be a PEM private key"),
    ],
)
def test_tls_settings_that_cannot_work_are_refused_naming_the_setting(config, secrets, problem):
    with pytest.raises(ConfigError) as error:
        render(config, **secrets)
    assert any(p.startswith(problem) for p in error.value.problems), error.value.problems
    assert "not a key" not in str(error.value), "a secret is never echoed"

"""A manager ready for work (issue 25): the declared steps over real SSH, against the real engine.

The bootstrap context goes to a stand-in of the Cloudify 3.2 REST service's `/provider/context` (`ContextService`
below), which answers as cloudify-manager 3.2 does:
- rest-service/manager_rest/resources.py `ProviderContext` (lines 1280-1333): GET returns the stored context;
  POST needs a JSON body with `name` and `context` (`verify_json_content_type`, `verify_parameter_in_request_body`,
  else 400), creates it with 201, or with `?update=true` updates it with 200;
- es_storage_manager.py: `get_provider_context` raises NotFoundError (404) when there is none (385-389);
  `put_provider_context` is `_put_doc_if_not_exists` (379-383: 409 when it exists); `update_provider_context` is an
  Elasticsearch partial update (296-306: `{"doc": ...}`, 404 when there is none), which merges objects key by key
  and replaces every other value.
The stand-in listens on this machine's loopback; the stand-in application container is in the host network, as
the SSH hosts' engine is this machine's, so `localhost` inside it is that loopback. Its port is a free one rather
than 8101 (a test must not depend on a fixed port of the machine): the step's PORT argument is the only word of
the declared command that is changed.
"""

from __future__ import annotations

import base64
import json
import shlex
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cloudify_pulumi.cloudify import operator_config
from cloudify_pulumi.cloudify.profiles import PROFILES
from cloudify_pulumi.config.rules import path_slug
from harness import THROWAWAY_ADMIN_PASSWORD, Run, render_for_host
from hostbed import (
    ca,
    create_declared_data_container,
    delete_as_the_provider_does,
    docker,
    ensure_image,
    free_port,
    run_declared_app_container,
    server_certificate,
    start_app_container,
)

pytestmark = pytest.mark.hosts
CONTAINER = "docker:index/container:Container"
AGENT_KEY = "-----BEGIN RSA PRIVATE KEY-----\nYWdlbnRzIGtleSBvbiBhIHRlc3QgaG9zdA==\n-----END RSA PRIVATE KEY-----\n"
KEY_PATH = "/root/.ssh/agent_key.pem"


def es_partial_update(stored: dict[str, Any], doc: dict[str, Any]) -> None:
    """Elasticsearch's partial update of `_source` with `doc`: objects merged key by key, other values replaced."""
    for key, value in doc.items():
        if isinstance(value, dict) and isinstance(stored.get(key), dict):
            es_partial_update(stored[key], value)
        else:
            stored[key] = value


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet request handler that answers JSON, as both REST services do."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
        pass

    def answer(self, code: int, body: object) -> None:
        text = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)


class ContextService:
    """The 3.2 REST service's provider context, as cited in the module docstring; `requests` records each one."""

    def __init__(self) -> None:
        self.stored: dict[str, Any] | None = None
        self.requests: list[tuple[str, str]] = []
        service = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:  # noqa: N802 - base class name
                service.requests.append(("GET", self.path))
                if urlsplit(self.path).path != "/provider/context":
                    return self.answer(404, {"message": "not found"})
                if service.stored is None:
                    return self.answer(404, {"message": "Provider Context not found"})
                return self.answer(200, service.stored)

            def do_POST(self) -> None:  # noqa: N802 - base class name
                service.requests.append(("POST", self.path))
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if url.path != "/provider/context" or self.headers.get("Content-Type") != "application/json":
                    return self.answer(400, {"message": "Content-Type must be application/json"})
                document = json.loads(body)
                if "name" not in document or "context" not in document:
                    return self.answer(400, {"message": "Missing name or context in json request body"})
                update = parse_qs(url.query).get("update", ["false"])[0]
                if update not in ("true", "false"):
                    return self.answer(400, {"message": f"invalid boolean value {update}"})
                if update == "true":
                    if service.stored is None:
                        return self.answer(404, {"message": "Provider Context not found"})
                    es_partial_update(service.stored, document)
                    return self.answer(200, {"status": "ok"})
                if service.stored is not None:
                    return self.answer(409, {"message": "Provider Context already exists"})
                service.stored = document
                return self.answer(201, {"status": "ok"})

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def context_service():
    service = ContextService()
    yield service
    service.close()


@pytest.fixture
def names():
    """A name prefix; its containers and volumes are removed afterwards."""
    prefix = f"cfytest{uuid.uuid4().hex[:8]}"
    yield prefix
    docker("rm", "-f", "-v", f"{prefix}-manager", f"{prefix}-data", check=False)
    for profile in ("cloudify-3.2", "cloudify-7"):
        volumes = [f"{prefix}-{path_slug(p)}" for p in PROFILES[profile].volume_paths]
        docker("volume", "rm", "-f", *volumes, check=False)


def inputs(run: Run, suffix: str) -> dict:
    return run.one("command:remote:Command", f"-{suffix}").inputs


def on_port(create: str, port: int) -> str:
    """The declared bootstrap-context command with the stand-in's port for PORT (its fourth argument)."""
    words = shlex.split(create)
    assert words[3] == "bootstrap_context.sh" and words[6] == "8101", words[3:7]
    words[6] = str(port)
    return shlex.join(words)


def upload(host, run: Run, service: ContextService):  # type: ignore[no-untyped-def]
    return host.ssh(on_port(inputs(run, "bootstrap-context")["create"], service.port))


def planned_to_run(before: Run, after: Run, suffix: str) -> bool:
    """pulumi-command v1.2.1 runs `create` again only on a diff of its inputs (provider/pkg/provider/local/
    commandController.go and remote/commandController.go: `Update` runs `Create` unless `update` is set, and an
    unchanged resource gets no `Update`); the engine diffs the inputs it was sent."""
    return inputs(before, suffix) != inputs(after, suffix)


def test_the_context_is_created_updated_on_a_change_and_left_alone_on_an_unchanged_up(
    make_host, engine, context_service, names
):
    host = make_host("context", with_engine=True)
    start_app_container(f"{names}-manager", "sleep", "600")
    first = render_for_host(host, namePrefix=names)

    created = upload(host, first, context_service)
    assert created.returncode == 0, created.stderr
    assert "created the bootstrap context" in created.stderr
    assert context_service.requests == [("GET", "/provider/context"), ("POST", "/provider/context")]
    body = json.loads(shlex.split(inputs(first, "bootstrap-context")["create"])[7])
    assert context_service.stored == body

    context_service.requests.clear()
    same = render_for_host(host, namePrefix=names)
    assert not planned_to_run(first, same, "bootstrap-context")
    assert context_service.requests == [], "nothing on an unchanged up"

    changed = render_for_host(
        host, namePrefix=names, workflows='{"task_retries": 4}', cloudifyAgent='{"user": "centos"}'
    )
    assert planned_to_run(first, changed, "bootstrap-context")
    updated = upload(host, changed, context_service)
    assert updated.returncode == 0, updated.stderr
    assert context_service.requests == [("GET", "/provider/context"), ("POST", "/provider/context?update=true")]
    cloudify = context_service.stored["context"]["cloudify"]
    assert cloudify["workflows"] == {"task_retries": 4, "task_retry_interval": 30}
    assert cloudify["cloudify_agent"]["user"] == "centos"


def test_a_rest_service_that_does_not_answer_fails_naming_the_container_and_port(make_host, engine, names):
    host = make_host("silent", with_engine=True)
    start_app_container(f"{names}-manager", "sleep", "600")
    closed = free_port()
    result = host.ssh(on_port(inputs(render_for_host(host, namePrefix=names), "bootstrap-context")["create"], closed))
    assert result.returncode == 91, result.stderr
    assert f"the REST service in {names}-manager did not answer on port {closed}" in result.stderr


def test_the_agents_key_is_placed_0600_in_the_data_volumes_and_is_still_there_after_an_upgrade(
    make_host, engine, names
):
    host = make_host("agent-key", with_engine=True)
    run = render_for_host(host, namePrefix=names, secrets={"agentPrivateKey": AGENT_KEY})
    app_inputs = run.one(CONTAINER, "-app").inputs
    create_declared_data_container(run.one(CONTAINER, "-data").inputs, ensure_image())
    manager = run_declared_app_container(app_inputs, ensure_image(), "sleep", "600", publish=False)
    step = inputs(run, "agent-key")
    placed = host.ssh(step["create"], input_text=step["stdin"])
    assert placed.returncode == 0, placed.stderr
    assert AGENT_KEY.splitlines()[1] not in placed.stdout + placed.stderr + step["create"]

    def key_as_found() -> tuple[str, str]:
        modes = docker("exec", manager, "stat", "-c", "%a %U", KEY_PATH, "/root/.ssh").stdout.split("\n")[:2]
        return docker("exec", manager, "cat", KEY_PATH).stdout, " ".join(modes)

    assert key_as_found() == (AGENT_KEY, "600 root 700 root")

    # An upgrade: the provider deletes the old container (not its volumes) and creates the new one on them.
    delete_as_the_provider_does(manager, remove_volumes=False)
    run_declared_app_container(app_inputs, ensure_image(), "sleep", "600", publish=False)
    assert key_as_found() == (AGENT_KEY, "600 root 700 root"), "the key lives in the data container's /root"
    again = host.ssh(step["create"], input_text=step["stdin"])
    assert again.returncode == 0, again.stderr
    assert key_as_found() == (AGENT_KEY, "600 root 700 root")

    empty = host.ssh(step["create"], input_text="")
    assert empty.returncode == 82 and "nothing was changed" in empty.stderr
    assert key_as_found() == (AGENT_KEY, "600 root 700 root")


def test_memory_and_cpus_are_what_docker_reports_for_the_created_container(make_host, engine, names):
    """As the provider reads them back (resource_docker_container_funcs.go 932-947: Memory and MemorySwap in MB,
    NanoCPUs through `nanoInt64ToDecimalString`), equal to what was declared: no diff on the next `up`."""
    host = make_host("limits", with_engine=True)
    run = render_for_host(host, namePrefix=names, memoryLimit="2048", cpus="1.5")
    app_inputs = run.one(CONTAINER, "-app").inputs
    create_declared_data_container(run.one(CONTAINER, "-data").inputs, ensure_image())
    manager = run_declared_app_container(app_inputs, ensure_image(), "sleep", "600", publish=False)
    found = json.loads(docker("inspect", "-f", "{{json .HostConfig}}", manager).stdout)
    assert (found["Memory"], found["MemorySwap"], found["NanoCpus"]) == (2048 * 2**20, 2048 * 2**20, 1_500_000_000)
    read_back = (
        found["Memory"] // 2**20,
        found["MemorySwap"] // 2**20,
        operator_config.read_back_cpus(found["NanoCpus"]),
    )
    assert read_back == (app_inputs["memory"], app_inputs["memorySwap"], app_inputs["cpus"])


# -- cloudify-7: the agents' key as the manager secret `agent_key` --------------------------------------------------


class SecretsService:
    """The Cloudify 7 REST API's `PUT /api/v3.1/secrets/<key>`, over TLS, as cloudify-manager 7.0.4 answers it:
    - rest-service/manager_rest/rest/resources_v3/secrets.py `SecretsKey.put` and `_get_secret_params`: a JSON body
      whose `value` is required and not empty (400 otherwise); created when new; when it exists, updated if
      `update_if_exists` is true, else 409 (`ConflictError`); answered with the secret (200, Flask-RESTful's
      default, `marshal_with`), whose value is never echoed here;
    - the credentials: HTTP basic auth, with the tenant in the `Tenant` header (cloudify-rest-client
      `cloudify_rest_client/client.py`: `BASIC_AUTH_PREFIX`, `CLOUDIFY_TENANT_HEADER = 'Tenant'`); wrong ones are
      answered 401. `requests` records each request's path, tenant and Content-Type."""

    def __init__(self, certificate: tuple[Any, Any], password: str) -> None:
        self.stored: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str | None, str | None]] = []
        service = self
        expected = "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()

        class Handler(JsonHandler):
            def do_PUT(self) -> None:  # noqa: N802 - base class name
                service.requests.append((self.path, self.headers.get("Tenant"), self.headers.get("Content-Type")))
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Authorization") != expected:
                    return self.answer(401, {"message": "User unauthorized"})
                prefix = "/api/v3.1/secrets/"
                if not self.path.startswith(prefix):
                    return self.answer(404, {"message": "not found"})
                key, document = self.path[len(prefix) :], json.loads(body)
                if not document.get("value"):
                    return self.answer(400, {"message": f"Cannot create a secret with empty value: {key}"})
                if key in service.stored and document.get("update_if_exists") is not True:
                    return self.answer(409, {"message": f"<Secret id=`{key}`> already exists"})
                service.stored[key] = document
                return self.answer(200, {"key": key, "visibility": document.get("visibility")})

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*map(str, certificate))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


MANAGER_NAME = "manager.test"
INTERNAL_CA = "/etc/cloudify/ssl/cloudify_internal_ca_cert.pem"


@pytest.fixture
def secrets_service(tmp_path):
    signer = ca(tmp_path, "manager-ca")
    service = SecretsService(server_certificate(tmp_path, "manager", MANAGER_NAME, signer), THROWAWAY_ADMIN_PASSWORD)
    service.ca_file = signer[1]  # type: ignore[attr-defined]
    yield service
    service.close()


def secret_step(host, names: str, service: SecretsService, key: str, **overrides: str) -> dict:  # type: ignore[no-untyped-def]
    run = render_for_host(
        host,
        managerProfile="cloudify-7",
        namePrefix=names,
        publicName=MANAGER_NAME,
        ports=json.dumps([f"{service.port}:443"]),
        readinessPort=str(service.port),
        secrets={"agentPrivateKey": key, **overrides},
    )
    return inputs(run, "agent-key")


def test_cloudify_7_stores_the_agents_key_as_a_hidden_tenant_secret_and_updates_it_when_it_changes(
    make_host, engine, secrets_service, names
):
    host = make_host("secret", with_engine=True)
    manager = start_app_container(f"{names}-manager", "sh", "-c", "mkdir -p /etc/cloudify/ssl && exec sleep 600")
    docker("exec", manager, "sh", "-c", "until [ -d /etc/cloudify/ssl ]; do sleep 0.2; done")
    docker("cp", str(secrets_service.ca_file), f"{manager}:{INTERNAL_CA}")  # type: ignore[attr-defined]

    step = secret_step(host, names, secrets_service, AGENT_KEY)
    stored = host.ssh(step["create"], input_text=step["stdin"])
    assert stored.returncode == 0, stored.stderr
    assert f"the manager secret agent_key is stored in {manager}" in stored.stderr
    assert secrets_service.stored["agent_key"] == {
        "value": AGENT_KEY,
        "update_if_exists": True,
        "is_hidden_value": True,
        "visibility": "tenant",
    }
    assert secrets_service.requests == [("/api/v3.1/secrets/agent_key", "default_tenant", "application/json")]
    secret_words = (AGENT_KEY.splitlines()[1], THROWAWAY_ADMIN_PASSWORD)
    assert not any(word in stored.stdout + stored.stderr + step["create"] for word in secret_words)

    rotated = AGENT_KEY.replace("YWdlbnRz", "bmV3IGtl")
    again = secret_step(host, names, secrets_service, rotated)
    assert again["create"] == step["create"] and again["stdin"] != step["stdin"], "a new key changes stdin only"
    updated = host.ssh(again["create"], input_text=again["stdin"])
    assert updated.returncode == 0, updated.stderr
    assert secrets_service.stored["agent_key"]["value"] == rotated, "the existing secret is updated, not refused"


def test_cloudify_7_secret_step_fails_clearly_on_refused_credentials(make_host, engine, secrets_service, names):
    host = make_host("secret-401", with_engine=True)
    manager = start_app_container(f"{names}-manager", "sh", "-c", "mkdir -p /etc/cloudify/ssl && exec sleep 600")
    docker("exec", manager, "sh", "-c", "until [ -d /etc/cloudify/ssl ]; do sleep 0.2; done")
    docker("cp", str(secrets_service.ca_file), f"{manager}:{INTERNAL_CA}")  # type: ignore[attr-defined]
    step = secret_step(host, names, secrets_service, AGENT_KEY, adminPassword="An0ther-throwaway-pass")
    refused = host.ssh(step["create"], input_text=step["stdin"])
    assert refused.returncode == 95, refused.stderr
    assert "the manager refused the admin credentials" in refused.stderr
    assert "agent_key" not in secrets_service.stored

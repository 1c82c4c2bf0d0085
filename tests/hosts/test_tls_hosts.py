"""The declared readiness step of a TLS manager (`managerTls`), run on an SSH test host against a real HTTPS
stand-in for the manager's nginx.

The stand-in answers `GET /api/v3.1/ok` with 200 "OK", as cloudify-manager 7.0.4
`rest-service/manager_rest/rest/resources_v3_1/status.py` (lines 69-85) does once the manager is healthy, over TLS
with a certificate for the manager's name. The application container is a stand-in that holds the CA where
configure writes it (`/etc/cloudify/ssl/cloudify_internal_ca_cert.pem`, cfy_manager constants.CA_CERT_PATH) and
logs configure's last line. The readiness step must succeed with the right CA only: a certificate from another
CA, one for another name, and plain HTTP on the TLS port all fail, with curl's own words.
"""

from __future__ import annotations

import base64
import http.server
import json
import ssl
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import THROWAWAY_ADMIN_PASSWORD, render_for_host
from hostbed import ca, docker, server_certificate, start_app_container

pytestmark = pytest.mark.hosts
NAME = "manager.test"
CA_IN_CONTAINER = "/etc/cloudify/ssl/cloudify_internal_ca_cert.pem"


class _Status(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - base class API
        body = b"OK" if self.path == "/api/v3.1/ok" else b"not found"
        self.send_response(200 if self.path == "/api/v3.1/ok" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class signature
        pass


def serve(certificate: tuple[Path, Path] | None) -> tuple[http.server.ThreadingHTTPServer, int]:
    """The stand-in on 127.0.0.1, which the SSH test hosts share: HTTPS with `certificate`, else plain HTTP."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    if certificate is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*map(str, certificate))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


@pytest.fixture
def pki(tmp_path) -> dict[str, Any]:
    right, other = ca(tmp_path, "manager-ca"), ca(tmp_path, "other-ca")
    return {
        "ca": right[1],
        "right": server_certificate(tmp_path, "right", NAME, right),
        "other-ca": server_certificate(tmp_path, "from-other-ca", NAME, other),
        "other-name": server_certificate(tmp_path, "other-name", "elsewhere.test", right),
    }


@pytest.fixture
def manager_container(pki) -> Iterator[str]:
    """A stand-in app container holding the manager's CA where configure writes it, having logged its end."""
    prefix = f"cfytls{uuid.uuid4().hex[:8]}"
    name = start_app_container(
        f"{prefix}-manager",
        "sh", "-c", "mkdir -p /etc/cloudify/ssl && echo 'Configuration finished successfully!' && exec sleep 600",
    )  # fmt: skip
    docker("exec", name, "sh", "-c", "until [ -d /etc/cloudify/ssl ]; do sleep 0.2; done")
    docker("cp", str(pki["ca"]), f"{name}:{CA_IN_CONTAINER}")
    yield prefix
    docker("rm", "-f", "-v", name, check=False)


def readiness(make_host, prefix: str, port: int):
    host = make_host("tls-ready", with_engine=True)
    run = render_for_host(
        host,
        managerProfile="cloudify-7",
        namePrefix=prefix,
        publicName=NAME,
        ports=json.dumps([f"{port}:443"]),
        readinessPort=str(port),
        readinessTimeout="6",
    )
    create = run.one("command:remote:Command", "-ready").inputs["create"]
    return host.ssh(create, input_text=THROWAWAY_ADMIN_PASSWORD + "\n")


def test_with_the_right_ca_the_manager_is_ready_and_its_ca_is_reported(make_host, pki, manager_container):
    server, port = serve(pki["right"])
    try:
        result = readiness(make_host, manager_container, port)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert f"manager answers at https://{NAME}:{port}/api/v3.1/ok" in result.stderr
    assert result.stdout == f"MANAGER_CA_CERT={base64.b64encode(pki['ca'].read_bytes()).decode()}\n"


@pytest.mark.parametrize(
    ("served", "curl_says"),
    [
        ("other-ca", "curl: (60)"),  # unable to get local issuer certificate
        ("other-name", "curl: (60)"),  # no alternative certificate subject name matches
        (None, "curl: (35)"),  # plain HTTP where TLS was expected: wrong version number
    ],
)
def test_a_wrong_certificate_or_plain_http_never_counts_as_ready(make_host, pki, manager_container, served, curl_says):
    server, port = serve(pki[served] if served else None)
    try:
        result = readiness(make_host, manager_container, port)
    finally:
        server.shutdown()
    assert result.returncode == 40 and result.stdout == "", result.stderr
    assert f"the last try over TLS said: {curl_says}" in result.stderr, result.stderr

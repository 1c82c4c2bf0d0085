"""The `cliProfile` output run as users run it (`pulumi stack output cliProfile --show-secrets | sh`), with the
real Cloudify CLI, cloudify 7.0.5 from PyPI (the test bed's .venv-cfy), against a stand-in of the manager's
status endpoint that checks the admin's credentials as a manager does.

What cfy asks is cfy's own: `cfy profiles use` checks the manager with `client.manager.get_status()`, which is
`GET /api/v3.1/status` (cloudify-cli 7.0.5 `commands/profiles.py` line 688, `_assert_manager_available`), then
reads the provider context, tolerating an error (lines 705-717). A manager answers 401 to wrong credentials; the
stand-in does too, and answers nothing else.
"""

from __future__ import annotations

import base64
import http.server
import os
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from harness import THROWAWAY_ADMIN_PASSWORD, run_program, stack_config, stack_secrets

pytestmark = pytest.mark.hosts
# Beside the virtualenv running the tests (a scratch copy of the tree, as scripts/mutants makes, has no .venv-cfy).
CFY = Path(sys.executable).parents[2] / ".venv-cfy" / "bin" / "cfy"


class _Status(http.server.BaseHTTPRequestHandler):
    """GET /api/v3.1/status: 200 with the admin's credentials, 401 without; 404 for anything else."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        expected = "Basic " + base64.b64encode(f"admin:{self.server.password}".encode()).decode()  # type: ignore[attr-defined]
        self.server.seen.append((self.path, self.headers.get("Authorization")))  # type: ignore[attr-defined]
        if not self.path.startswith("/api/v3.1/status"):
            self.send_error(404)
        elif self.headers.get("Authorization") != expected:
            self.send_error(401)
        else:
            body = b'{"status": "OK", "services": {}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def manager():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    server.password = THROWAWAY_ADMIN_PASSWORD  # type: ignore[attr-defined]
    server.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def cli_profile(port: int) -> str:
    """The dev stack's cliProfile (cloudify-7 on this machine, plain HTTP on 127.0.0.1), aimed at the stand-in."""
    config = stack_config("dev")
    text = run_program(config, secrets=stack_secrets(config)).manager_outputs["cliProfile"]["value"]
    assert "--rest-port 80\n" in text
    return text.replace("--rest-port 80\n", f"--rest-port {port}\n")


def run_as_users_do(text: str, home: Path) -> tuple[subprocess.CompletedProcess[str], list[list[str]]]:
    """`... | sh` with a `cfy` on PATH that records the argument list it is started with, then runs the real one."""
    shim = home / "bin"
    shim.mkdir(parents=True)
    (shim / "cfy").write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {home}/argv\nexec {CFY} "$@"\n')
    (shim / "cfy").chmod(0o755)
    environment = {"PATH": f"{shim}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    done = subprocess.run(["sh"], input=text, capture_output=True, text=True, timeout=120, env=environment)
    argv = [shlex.split(line) for line in (home / "argv").read_text().splitlines()]
    return done, argv


def test_the_real_cfy_reaches_the_manager_with_the_admin_password_that_no_command_line_holds(manager, tmp_path):
    assert CFY.is_file(), "the test bed makes .venv-cfy (scripts/testbed)"
    done, argv = run_as_users_do(cli_profile(manager.server_address[1]), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert argv and argv[0][:3] == ["profiles", "use", "127.0.0.1"]
    assert not any(THROWAWAY_ADMIN_PASSWORD in word for words in argv for word in words), argv
    expected = "Basic " + base64.b64encode(f"admin:{THROWAWAY_ADMIN_PASSWORD}".encode()).decode()
    assert ("/api/v3.1/status", expected) in manager.seen
    stored = [p for p in (tmp_path / ".cloudify").rglob("*") if p.is_file()]
    assert stored and not any(THROWAWAY_ADMIN_PASSWORD in p.read_text(errors="replace") for p in stored), (
        "no file of cfy's holds the password: later commands read it from the environment"
    )


def test_the_stand_in_refuses_a_wrong_password_as_a_manager_does(manager, tmp_path):
    """So that the test above cannot pass on a stand-in that lets anyone in."""
    manager.password = "another-password"
    done, _ = run_as_users_do(cli_profile(manager.server_address[1]), tmp_path)
    assert done.returncode != 0
    assert any(path == "/api/v3.1/status" for path, _ in manager.seen)
    assert os.environ.get("CLOUDIFY_PASSWORD") is None

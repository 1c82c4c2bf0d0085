"""The cloudify-7 profile's host steps, run over real SSH against stand-in manager containers.

The stand-ins behave as cloudify-manager-install 7.0.4 says the image does:
configure prints "Admin password: ..." and a `cfy profiles use ... -p ...`
line into the container log (main.py `_print_finish_message`, lines 656-690),
`/api/v3.1/ok` answers before configure logs "Configuration finished
successfully!" (main.py line 1041), and the manager's venv python runs
update-admin-password.py's logic (here a recording stand-in for
/opt/manager/env/bin/python).
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from harness import THROWAWAY_ADMIN_PASSWORD, Run, render_for_host
from hostbed import LABEL, docker, ensure_image, free_port

pytestmark = pytest.mark.hosts


@pytest.fixture
def stand_in(engine):
    """Start a stand-in manager container named as the program names it; removed afterwards."""
    started: list[str] = []

    def start(script: str) -> str:
        prefix = f"cfytest{uuid.uuid4().hex[:8]}"
        docker(
            "run",
            "-d",
            "--name",
            f"{prefix}-manager",
            "--label",
            LABEL,
            "--network",
            "host",
            ensure_image(),
            "sh",
            "-c",
            script,
        )
        started.append(f"{prefix}-manager")
        return prefix

    yield start
    for name in started:
        docker("rm", "-f", name, check=False)


def seven(host, prefix: str, **overrides: str) -> Run:
    """A remote cloudify-7 manager on plain HTTP: these stand-ins speak HTTP (HTTPS readiness: test_tls_hosts.py)."""
    return render_for_host(host, managerProfile="cloudify-7", namePrefix=prefix, **{"managerTls": "false", **overrides})


def step(run: Run, suffix: str) -> dict:
    return run.one("command:remote:Command", f"-{suffix}").inputs


FINISH_MESSAGE = (
    f"echo '##################################################'; "
    f"echo 'Manager is up at http://10.0.0.10'; echo 'Admin password: {THROWAWAY_ADMIN_PASSWORD}'; "
    f"echo 'cfy profiles use 10.0.0.10 -u admin -p {THROWAWAY_ADMIN_PASSWORD} -t default_tenant'; "
    f"echo 'sanity: login as admin:{THROWAWAY_ADMIN_PASSWORD} refused'"
)


def test_a_failed_readiness_wait_never_shows_the_admin_password(make_host, stand_in):
    """The conftest fixture fails the test if the password appears anywhere the script printed."""
    prefix = stand_in(f"{FINISH_MESSAGE}; exec sleep 600")
    host = make_host("mask", with_engine=True)
    ready = step(seven(host, prefix, readinessPort=str(free_port()), readinessTimeout="3"), "ready")
    result = host.ssh(ready["create"], input_text=ready["stdin"])
    assert result.returncode == 40, result.stderr
    assert "Admin password: ********" in result.stderr
    assert "cfy profiles use 10.0.0.10 -u admin -p ******** -t default_tenant" in result.stderr
    assert "login as admin:******** refused" in result.stderr
    assert THROWAWAY_ADMIN_PASSWORD not in result.stdout + result.stderr


def test_readiness_waits_for_configure_to_finish_after_the_rest_api_answers(make_host, stand_in):
    port = free_port()
    prefix = stand_in(
        f"mkdir -p /www/api/v3.1 && echo ok > /www/api/v3.1/ok && "
        f"busybox httpd -p 127.0.0.1:{port} -h /www && until [ -f /go ]; do sleep 0.2; done && "
        "echo 'Configuration finished successfully!' && exec sleep 600"
    )
    host = make_host("configured", with_engine=True)
    ready = step(seven(host, prefix, readinessPort=str(port), readinessTimeout="60"), "ready")
    started = time.monotonic()
    docker("exec", "-d", f"{prefix}-manager", "sh", "-c", "sleep 6 && touch /go")
    result = host.ssh(ready["create"], input_text=ready["stdin"])
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 6, "the API answered at once, but configure had not finished"
    assert re.search(r"manager answers at http://127\.0\.0\.1:\d+/api/v3\.1/ok after [6-9] s", result.stderr)


RECORDING_PYTHON = """#!/bin/sh
# Stand-in for the manager venv's python: records its arguments and what arrives on stdin.
printf '%s\\n' "$@" > /tmp/python-args
cat > /tmp/python-stdin
exit "${STUB_EXIT:-0}"
"""


def admin_container(stand_in, exit_code: int = 0) -> str:
    prefix = stand_in("exec sleep 600")
    name = f"{prefix}-manager"
    docker("exec", name, "mkdir", "-p", "/opt/manager/env/bin")
    docker(
        "exec",
        "-i",
        name,
        "sh",
        "-c",
        "cat > /opt/manager/env/bin/python && chmod 755 /opt/manager/env/bin/python",
        input_text=RECORDING_PYTHON.replace("${STUB_EXIT:-0}", str(exit_code)),
    )
    return prefix


def test_the_admin_password_reaches_the_managers_python_on_stdin_only(make_host, stand_in):
    prefix = admin_container(stand_in)
    host = make_host("admin", with_engine=True)
    admin = step(seven(host, prefix), "admin-password")
    result = host.ssh(admin["create"], input_text=admin["stdin"])
    assert result.returncode == 0, result.stderr
    name = f"{prefix}-manager"
    assert docker("exec", name, "cat", "/tmp/python-stdin").stdout == THROWAWAY_ADMIN_PASSWORD
    args = docker("exec", name, "cat", "/tmp/python-args").stdout
    assert args.startswith("-c\n") and 'user_datastore.get_user("admin")' in args
    assert THROWAWAY_ADMIN_PASSWORD not in args and THROWAWAY_ADMIN_PASSWORD not in admin["create"]
    assert f"the admin password of the manager in {name} is the configured one" in result.stderr


def test_an_admin_password_the_manager_refuses_fails_naming_the_container(make_host, stand_in):
    prefix = admin_container(stand_in, exit_code=1)
    host = make_host("admin-refused", with_engine=True)
    admin = step(seven(host, prefix), "admin-password")
    result = host.ssh(admin["create"], input_text=admin["stdin"])
    assert result.returncode == 81, result.stderr
    assert f"the manager in {prefix}-manager did not accept the new admin password" in result.stderr


def test_the_admin_password_needs_a_running_manager(make_host, stand_in):
    prefix = admin_container(stand_in)
    docker("stop", "-t", "0", f"{prefix}-manager")
    host = make_host("admin-stopped", with_engine=True)
    admin = step(seven(host, prefix), "admin-password")
    result = host.ssh(admin["create"], input_text=admin["stdin"])
    assert result.returncode == 80, result.stderr
    assert f"container {prefix}-manager is not running" in result.stderr


# A stand-in of `rabbitmqctl authenticate_user USER PASSWORD` (RabbitMQ's CLI: exit 0 only when the broker accepts
# them), for a broker whose `cloudify` user has the password PASSWORD.
RABBITMQCTL = """#!/bin/sh
[ "$1" = authenticate_user ] && [ "$2" = cloudify ] && [ "$3" = "$(cat /broker-password)" ] && exit 0
echo "Error: failed to authenticate user \\"$2\\"" >&2
exit 65
"""


@pytest.mark.parametrize(("password", "warned"), [("c10udify", True), ("a-generated-broker-password", False)])
def test_a_manager_whose_broker_still_takes_the_shipped_password_is_warned_about_once_ready(
    make_host, stand_in, password, warned
):
    """A manager configured before 2.0.0 generated a broker password keeps the image's (config.yaml 113-114)."""
    port = free_port()
    prefix = stand_in(
        f"printf '%s' {password} > /broker-password && printf '%s' '{RABBITMQCTL}' > /usr/local/bin/rabbitmqctl && "
        "chmod 755 /usr/local/bin/rabbitmqctl && mkdir -p /www/api/v3.1 && echo ok > /www/api/v3.1/ok && "
        f"busybox httpd -p 127.0.0.1:{port} -h /www && echo 'Configuration finished successfully!' && exec sleep 600"
    )
    host = make_host("shipped-broker", with_engine=True)
    ready = step(seven(host, prefix, readinessPort=str(port), readinessTimeout="60"), "ready")
    result = host.ssh(ready["create"], input_text=ready["stdin"])
    assert result.returncode == 0, result.stderr
    warning = f"WARNING: the broker in {prefix}-manager still accepts the password the Cloudify 7 image shipped"
    assert (warning in result.stderr) is warned, result.stderr

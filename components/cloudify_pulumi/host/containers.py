"""The application container's inputs, as data, in the form the Docker provider reads back.

Kept as data so that the backup step's trigger is derived from exactly what the container is given, and cannot
drift from it. Every value is declared as kreuzwerker/terraform-provider-docker v4.5.0
`resourceDockerContainerRead` stores it, so a second `up` plans nothing (tests/engine/test_provider_readback.py).

`plan` (the plain settings, see inputs.py) decides which inputs exist and holds every graph-shaping value; values
that may come from another resource's Output (the hostname, the management IP) are read from `settings`.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import dataclass
from typing import Any

import pulumi

from ..cloudify import manager_config, operator_config
from ..config.model import ManagerPlan, ManagerSettings
from ..config.rules import LOG_DRIVER_OF_THE_DAEMON, ROTATING_LOG_DRIVERS, url_host
from .derive import Settings, derive

# Where the generated config.yaml is mounted (cloudify-manager-install 7.0.4
# constants.USER_CONFIG_PATH); read-only: configure only reads it.
MANAGER_CONFIG_TARGET = "/etc/cloudify/config.yaml"
CONFIG_REVISION_ENV = "CLOUDIFY_CONFIG_REVISION"


def app_inputs(
    plan: ManagerPlan,
    settings: Settings,
    image_id: pulumi.Input[str],
    data_container_name: pulumi.Input[str],
    config_revision: pulumi.Output[str] | None,
) -> dict[str, Any]:
    """Every input of the application container but its restart policy and replacement key."""
    envs: list[pulumi.Input[str]] = []
    if plan.profile.management_ip_env:
        envs.append(derive(settings, lambda s: f"MANAGEMENT_IP={s.management_ip}"))
    mounts: list[dict[str, Any]] = [
        {"type": "bind", "source": m.source, "target": m.target, "read_only": m.read_only} for m in plan.host_mounts
    ]
    if config_revision is not None:
        envs.append(config_revision.apply(lambda revision: f"{CONFIG_REVISION_ENV}={revision}"))
        mounts.append(
            {
                "type": "bind",
                "source": f"{plan.manager_config_dir}/config.yaml",
                "target": MANAGER_CONFIG_TARGET,
                "read_only": True,
            }
        )
        mounts += tls_mounts(plan)
        if plan.has_license:
            mounts.append(
                {
                    "type": "bind",
                    "source": f"{plan.manager_config_dir}/{operator_config.LICENSE_FILE}",
                    "target": operator_config.LICENSE_TARGET,
                    "read_only": True,
                }
            )
    inputs: dict[str, Any] = {
        "name": plan.app_container_name,
        "image": image_id,
        "hostname": derive(settings, lambda s: s.hostname) if plan.has_hostname else None,
        "command": list(plan.app_command) or None,
        "volumes": [{"from_container": data_container_name}],
        "ports": derive(settings, published_ports),
        "envs": envs or None,
        "privileged": plan.privileged,
        "tmpfs": dict(plan.tmpfs) or None,
        "capabilities": {"adds": list(plan.cap_add)} if plan.cap_add else None,
        "security_opts": list(plan.security_opts) or None,
        "cgroupns_mode": plan.cgroupns_mode,
        "mounts": mounts or None,
        **log_config(plan),
        "healthcheck": healthcheck(plan, settings),
        "cpus": plan.cpus,  # ForceNew (resource_docker_container.go 1158-1163): part of the replacement key
    }
    return {key: value for key, value in inputs.items() if value is not None}


def replacement_key(inputs: dict[str, Any]) -> pulumi.Output[str]:
    """A digest of the container's inputs once known: what the backup step compares, and the container carries.

    The same digest as of `Output.from_input(inputs)`, which would lift every value of the nested inputs into an
    Output of its own; here only the Outputs among them are awaited (a handful: the image, the data container's
    name, the config revision), so the key costs the SDK a few Outputs, not one per value. It is unknown while one
    of them is, secret if one is, and depends on what made each.
    """
    outputs: list[pulumi.Output[Any]] = []

    def hollow(value: Any) -> Any:
        """`value` with each Output replaced by its index in `outputs`."""
        if isinstance(value, pulumi.Output):
            outputs.append(value)
            return _Slot(len(outputs) - 1)
        if isinstance(value, dict):
            return {key: hollow(item) for key, item in value.items()}
        if isinstance(value, list):
            return [hollow(item) for item in value]
        return value

    def filled(value: Any, known: list[Any]) -> Any:
        if isinstance(value, _Slot):
            return known[value.index]
        if isinstance(value, dict):
            return {key: filled(item, known) for key, item in value.items()}
        if isinstance(value, list):
            return [filled(item, known) for item in value]
        return value

    template = hollow(inputs)
    return pulumi.Output.all(*outputs).apply(
        lambda known: hashlib.sha256(json.dumps(filled(template, known), sort_keys=True).encode()).hexdigest()
    )


@dataclass(frozen=True)
class _Slot:
    """Where `replacement_key` puts an Output's value back."""

    index: int


def published_ports(settings: ManagerSettings) -> list[dict[str, Any]]:
    """Each port on the address its role calls for (`ManagerSettings.binding_address`), never on every address
    unless asked: Docker's published ports bypass the host's firewall."""
    return [
        {"internal": p.container, "external": p.host, "ip": settings.binding_address(p), "protocol": "tcp"}
        for p in settings.ports
    ]


def log_config(plan: ManagerPlan) -> dict[str, Any]:
    """Bounded logs: Docker's default json-file driver keeps a container's output forever.

    Declared as the engine stores them, so they read back unchanged (kreuzwerker v4.5.0
    resource_docker_container_funcs.go line 951 `LogConfig.Type`, line 952 and 983-989 the options as
    given); both are ForceNew. `logDriver: daemon` declares neither and keeps the daemon's default.
    """
    if plan.log_driver == LOG_DRIVER_OF_THE_DAEMON:
        return {}
    if plan.log_driver not in ROTATING_LOG_DRIVERS:
        return {"log_driver": plan.log_driver}
    return {
        "log_driver": plan.log_driver,
        "log_opts": {"max-size": plan.log_max_size, "max-file": str(plan.log_max_file)},
    }


def tls_mounts(plan: ManagerPlan) -> list[dict[str, Any]]:
    """The user's certificate files, read-only where config.yaml's `ssl_inputs` names them."""
    if not plan.has_tls_cert:
        return []
    which = ["cert", "key", *(["ca"] if plan.has_tls_ca else [])]
    return [
        {
            "type": "bind",
            "source": f"{plan.manager_config_dir}/{manager_config.TLS_FILES[w]}",
            "target": manager_config.tls_target(w),
            "read_only": True,
        }
        for w in which
    ]


def healthcheck(plan: ManagerPlan, settings: Settings) -> dict[str, Any] | None:
    """A Docker healthcheck on the readiness URL, inside the container, so that `docker ps` and monitoring
    that reads Docker health see whether the manager answers.

    Durations are declared as Go's `time.Duration.String` writes them, which is what the provider reads
    back (kreuzwerker v4.5.0 resource_docker_container_funcs.go lines 960-970); the provider neither
    replaces nor updates on a change of it, so it is in `replace_on_changes`. The start period is its own
    setting (default: the profile's readiness time), not `readinessTimeout`, so that a longer wait for
    `pulumi up` does not replace the container.
    """
    if not plan.healthcheck:
        return None
    port = next((p.container for p in plan.ports if p.host == plan.readiness_port), plan.readiness_port)
    if plan.tls:
        probe: pulumi.Input[str] = derive(settings, lambda s: https_probe(s, port))
    else:
        url = shlex.quote(f"http://127.0.0.1:{port}{plan.readiness_path}")
        probe = f"curl -fsS -o /dev/null {url} || wget -q -O /dev/null {url}"
    return {
        "tests": ["CMD-SHELL", probe],
        "interval": go_duration(plan.healthcheck_interval),
        "timeout": go_duration(10),
        "start_period": go_duration(plan.healthcheck_start_period),
        "start_interval": go_duration(0),
        "retries": 3,
    }


def https_probe(settings: ManagerSettings, port: int) -> str:
    """The readiness URL over HTTPS from inside the container, the certificate checked for the manager's name
    against the CA it chains to (no `-k`): curl connects to 127.0.0.1 and checks the name (`--resolve`)."""
    name = url_host(settings.tls_name)
    ca = manager_config.served_ca(settings)
    words = ["curl", "-fsS", "-o", "/dev/null", *(["--cacert", ca] if ca else [])]
    words += ["--resolve", f"{name}:{port}:127.0.0.1", f"https://{name}:{port}{settings.readiness_path}"]
    return shlex.join(words)


def go_duration(seconds: int) -> str:
    """Whole seconds as Go's `time.Duration.String` writes them: 0s, 45s, 10m0s, 1h0m0s."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"

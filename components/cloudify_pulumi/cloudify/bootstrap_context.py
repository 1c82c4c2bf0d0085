"""Cloudify 3.2's bootstrap context: what its own bootstrap uploaded once the containers answered.

cloudify-cli 3.2 `cloudify_cli/bootstrap/tasks.py` `_upload_provider_context` (lines 620-656) POSTs
`{"name": "provider", "context": {"cloudify": ...}}` to `localhost:8101/provider/context`, run inside the
manager's container (`_run_command_in_cfy`, 659-668). The `cloudify` part is the manager blueprint's `cloudify`
properties, with `cloudify_agent.agent_key_path` set to where `_copy_agent_key` put the agents' key (588-595,
`DEFAULT_REMOTE_AGENT_KEY_PATH`, line 41). The defaults are cloudify-manager-blueprints 3.2
`simple/simple-manager-blueprint.yaml` lines 22-28 and 49-63.

Readers: cloudify-manager 3.2 `plugins/agent-installer/worker_installer/__init__.py` lines 136-198 (worker
counts, key, user, port, when a blueprint does not give them) and `plugins/riemann-controller/
riemann_controller/tasks.py` line 122 (`policy_engine.start_timeout`).

The context holds no secret: the key is named by its path, never carried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..config.rules import SAFE_NAME

if TYPE_CHECKING:
    from ..config.rules import Problems
    from ..config.setting_values import SettingValues

AGENT_KEY_PATH = "/root/.ssh/agent_key.pem"
"""Where the agents' key goes, inside the application container: `/root` is a data volume (cloudify-3.2's paths),
so it survives every replacement. tasks.py named `~/.ssh/agent_key.pem` on the host, which the data container
copied into `/root` (`_get_backup_files_cmd`, 414-418); the absolute path is the same file for the agent
installer, which runs as root, and does not depend on whose `~` it is expanded for."""
CONTEXT_PORT = 8101
"""The REST service's internal port inside the container, the one tasks.py posts to."""

# (key, lowest, highest, 3.2 simple blueprint default) of each whole number, by section.
_NUMBERS: dict[str, tuple[tuple[str, int, int, int], ...]] = {
    "cloudifyAgent": (
        ("remote_execution_port", 1, 65535, 22),
        ("min_workers", 0, 1000, 0),
        ("max_workers", 1, 1000, 5),
    ),
    "workflows": (("task_retries", -1, 1_000_000, -1), ("task_retry_interval", 0, 86_400, 30)),
    "policyEngine": (("start_timeout", 1, 3600, 30),),
}
_TEXTS: dict[str, tuple[tuple[str, str], ...]] = {"cloudifyAgent": (("user", "ubuntu"),)}


@dataclass(frozen=True)
class BootstrapContext:
    """The `cloudify` part of the provider context, as the 3.2 manager blueprint's properties give it."""

    resources_prefix: str
    cloudify_agent: tuple[tuple[str, Any], ...]
    workflows: tuple[tuple[str, int], ...]
    policy_engine: tuple[tuple[str, int], ...]

    def document(self, *, has_agent_key: bool) -> dict[str, Any]:
        """The body tasks.py posts. Without a key, `agent_key_path` is null: the 3.2 REST service's update is an
        Elasticsearch partial update (es_storage_manager.py 296-306), which keeps a key that is left out, so a
        path uploaded before is only cleared by a null."""
        agent = {**dict(self.cloudify_agent), "agent_key_path": AGENT_KEY_PATH if has_agent_key else None}
        cloudify = {
            "resources_prefix": self.resources_prefix,
            "cloudify_agent": agent,
            "workflows": dict(self.workflows),
            "policy_engine": dict(self.policy_engine),
        }
        return {"name": "provider", "context": {"cloudify": cloudify}}

    def text(self, *, has_agent_key: bool) -> str:
        """The body as compact JSON with sorted keys: the same values give the same text, so the step's triggers
        do not change on an `up` that changes nothing."""
        return json.dumps(self.document(has_agent_key=has_agent_key), sort_keys=True, separators=(",", ":"))


def judge(v: SettingValues, *, wanted: bool) -> BootstrapContext | None:
    """The context of a cloudify-3.2 manager (`wanted`); with another profile, each of its settings is refused."""
    given = {
        "cloudifyAgent": v.cloudify_agent,
        "workflows": v.workflows,
        "policyEngine": v.policy_engine,
        "resourcesPrefix": v.resources_prefix,
    }
    if not wanted:
        for key, value in given.items():
            if value is not None:
                v.problems.add(
                    key,
                    "is a cloudify-3.2 setting (its bootstrap context); cloudify-7 has none: use "
                    "managerConfig (mgmtworker.workflows) for the workflow retries",
                )
        return None
    prefix = v.resources_prefix or ""
    if any(ch.isspace() for ch in prefix):
        v.problems.add("resourcesPrefix", f"{prefix!r} must not contain white space")
    agent = _section(v.problems, "cloudifyAgent", v.cloudify_agent)
    user = agent[0][1]
    if not SAFE_NAME.match(str(user)):
        v.problems.add("cloudifyAgent", f"user {user!r} must be a user name (letters, digits, '.', '_', '-')")
    numbers = dict(agent)
    if numbers["min_workers"] > numbers["max_workers"]:
        v.problems.add(
            "cloudifyAgent",
            f"min_workers ({numbers['min_workers']}) must not be greater than max_workers ({numbers['max_workers']})",
        )
    return BootstrapContext(
        resources_prefix=prefix,
        cloudify_agent=agent,
        workflows=_section(v.problems, "workflows", v.workflows),
        policy_engine=_section(v.problems, "policyEngine", v.policy_engine),
    )


def _section(problems: Problems, key: str, value: object) -> tuple[tuple[str, Any], ...]:
    """One map setting: its known keys with their defaults, each value checked; an unknown key is refused."""
    given = value or {}
    if not isinstance(given, dict):
        problems.add(key, f"must be a map, got {given!r}")
        given = {}
    texts, numbers = _TEXTS.get(key, ()), _NUMBERS.get(key, ())
    known = [name for name, _ in texts] + [name for name, *_ in numbers]
    for name in sorted(set(given) - set(known)):
        problems.add(key, f"unknown key {name!r} (known: {', '.join(known)})")
    values: list[tuple[str, Any]] = []
    for name, default in texts:
        text = given.get(name, default)
        if not isinstance(text, str) or not text:
            problems.add(key, f"{name} must be text, got {text!r}")
            text = default
        values.append((name, text))
    for name, lowest, highest, fallback in numbers:
        values.append((name, _number(problems, key, name, given.get(name, fallback), (lowest, highest), fallback)))
    return tuple(values)


def _number(problems: Problems, key: str, name: str, value: Any, bounds: tuple[int, int], default: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # other Pulumi languages send every number as a float
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(key, f"{name} must be a whole number, got {value!r}")
        return default
    if not bounds[0] <= value <= bounds[1]:
        problems.add(key, f"{name} must be between {bounds[0]} and {bounds[1]}, got {value}")
    return value

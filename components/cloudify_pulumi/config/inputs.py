"""CloudifyManagerArgs -> the settings model: plain values judged at once, Outputs once they are known.

The args are typed values, judged by the same rules (`resolve.py`) as the stack configuration, so a value gets
the same message whichever way it came. What shapes the resource graph (`plan`) is plain and judged now, all
problems together, before anything is registered. What may be an Output (the host, the SSH connection, the names
the manager has on it: `Setting.output`) is judged as far as it is known now; an Output is judged inside an
`apply` once it is known, before any step that needs it can run on the host. In a preview an unknown value is
not judged. Nothing stands in for a value that is not known yet: the plan does not hold those settings at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from ..host.derive import Settings, combine
from .host_settings import judge_host
from .keys import ARGS_FIELDS, INPUT_FIELDS, REGISTRY_AUTH_FIELDS, SECRET_FIELDS, SECRET_MARKER, config_key
from .model import ManagerPlan, ManagerSettings
from .resolve import judge_plan
from .rules import ConfigError, Problems, parse_registry_auth, secret_problems
from .values import is_output, load

# The secrets with rules on their value (rules.secret_problems).
CHECKED_SECRETS = ("admin_password", "manager_secret", "broker_password", "manager_tls_key")
TLS_FIELDS = ("docker_tls_ca_cert", "docker_tls_cert", "docker_tls_key")


@dataclass(frozen=True)
class Resolved:
    """One manager's validated args."""

    args: Mapping[str, Any]
    """The args they were resolved from."""
    plan: ManagerPlan
    """The plain settings: what shapes the resource graph."""
    settings: Settings
    """Every setting: known now when no field is an Output (`known`), else once every Output field is known.
    What resources are given, through `derive.derive` and `derive.combine`."""
    known: ManagerSettings | None
    """The same settings when no field is an Output (a stack's own managers): known now."""
    secrets: dict[str, pulumi.Output[str]]
    """Each secret field that is set, as a secret Output, checked once known."""
    registry: tuple[pulumi.Input[str], pulumi.Input[str], pulumi.Output[str]] | None
    """Server, username and (secret) password of the private registry, or None."""
    tls: dict[str, pulumi.Output[str | None]]
    """The TLS material for the provider, by field (the key secret): for a tcp:// `docker_host` only, which
    requires all three; empty when no key is set."""
    manager_tls: dict[str, pulumi.Output[str]]
    """The manager's own certificate files, by `manager_config.TLS_FILES` key (cert, key secret, ca): those set."""


def resolve_args(args: Mapping[str, Any], *, has_ssh_agent: bool) -> Resolved:
    """Judge every plain value now, raising one ConfigError with every problem; judge the Outputs once known."""
    given = {field: value for field, value in args.items() if value is not None}
    problems = Problems()
    problems.items += [
        f"{field}: unknown field (known: {', '.join(ARGS_FIELDS)})" for field in sorted(set(given) - set(ARGS_FIELDS))
    ]
    problems.items += [
        f"{config_key(field)}: must be a plain value, not an Output: it shapes the resource graph"
        for field in sorted(given)
        if field in ARGS_FIELDS and field not in INPUT_FIELDS and is_output(given[field])
    ]
    problems.items += _secret_problems(given) + _registry_problems(given)
    values = _values(given)
    pending = {field for field, value in values.items() if is_output(value)}
    now = load(values, problems)
    has_private_key = "ssh_private_key" in given
    plan = judge_plan(now, has_private_key=has_private_key, has_ssh_agent=has_ssh_agent)
    host = judge_host(now, plan)
    if problems.items:
        raise ConfigError(problems.items)
    known = ManagerSettings.of(plan, host) if host is not None else None
    settings: Settings
    if known is not None:
        settings = known
    else:
        settings = pulumi.Output.all(**{key: values[key] for key in pending}).apply(
            lambda resolved: _settings_once_known(plan, {**values, **resolved})
        )
    secrets = {field: _checked_secret(field, given[field]) for field in sorted(SECRET_FIELDS & set(given))}
    registry = None
    if REGISTRY_AUTH_FIELDS["server"] in given:
        registry = (given["registry_server"], given["registry_username"], secrets["registry_password"])
    tls = (
        {field: _for_tcp(settings, secrets.get(field, given.get(field))) for field in TLS_FIELDS}
        if "docker_tls_key" in given
        else {}
    )
    manager_tls = {
        which: secrets.get(field) or pulumi.Output.from_input(given[field])
        for which, field in (("cert", "manager_tls_cert"), ("key", "manager_tls_key"), ("ca", "manager_tls_ca_cert"))
        if field in given
    }
    return Resolved(args, plan, settings, known, secrets, registry, tls, manager_tls)


def _settings_once_known(plan: ManagerPlan, values: Mapping[str, Any]) -> ManagerSettings:
    """The host settings judged once every Output among them is known, with the same messages."""
    problems = Problems()
    host = judge_host(load(values, problems), plan)
    if problems.items:
        raise ConfigError(problems.items)
    assert host is not None  # nothing is pending any more
    return ManagerSettings.of(plan, host)


def _for_tcp(settings: Settings, material: Any) -> pulumi.Output[str | None]:
    """TLS material goes to the provider only when it connects over tcp://, as in every earlier release."""
    return combine(settings, [material], lambda s, v: v[0] if (s.docker_host or "").startswith("tcp://") else None)


def _values(given: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the model holds; a secret only as the marker that it is set (its value is judged apart)."""
    return {
        field: SECRET_MARKER if field in SECRET_FIELDS else value
        for field, value in given.items()
        if field in ARGS_FIELDS and field not in REGISTRY_AUTH_FIELDS.values()
    }


def _secret_problems(given: Mapping[str, Any]) -> list[str]:
    """The rules on secret values, for those given as plain strings (an Output is checked once known)."""
    plain = {config_key(f): v for f, v in given.items() if f in CHECKED_SECRETS and isinstance(v, str)}
    return secret_problems(plain, ())


def _registry_problems(given: Mapping[str, Any]) -> list[str]:
    """All three registry fields or none; a plain server is checked now."""
    fields = REGISTRY_AUTH_FIELDS.values()
    present = [f for f in fields if f in given]
    if not present:
        return []
    if len(present) < len(fields):
        return [
            f"registryAuth: set registry_server, registry_username and registry_password together (missing: "
            f"{', '.join(f for f in fields if f not in given)})"
        ]
    server, username = given["registry_server"], given["registry_username"]
    if is_output(server) or is_output(username):
        return []
    return parse_registry_auth(json.dumps({"server": server, "username": username, "password": SECRET_MARKER}))[1]


def _checked_secret(field: str, value: Any) -> pulumi.Output[str]:
    """A secret field as a secret Output (a component plugin receives no secret flag from the schema), judged
    by the secret rules once known, without ever echoing it."""

    def checked(text: str) -> str:
        found = secret_problems({config_key(field): text}, ()) if field in CHECKED_SECRETS else []
        if found:
            raise ConfigError(found)
        return text

    return pulumi.Output.secret(pulumi.Output.from_input(value).apply(checked))

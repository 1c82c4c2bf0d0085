"""CloudifyManagerArgs -> the settings model: plain values judged at once, Outputs once they are known.

Every field goes through the same `parse_settings` the stack configuration goes through, so a value gets the
same message whichever way it came. A field that arrives as an Output (a VM's address) cannot be judged when
the program runs: it is replaced by a placeholder that passes every rule, so the plain fields are judged at
once, all problems together; the real value is judged inside an `apply`, before any command that needs it
exists on the host. In a preview an unknown value is not judged.

The placeholders only ever reach `Resolved.plan`, which the component reads for what shapes its resource
graph (which resources, their names, volumes, ports). Everything sent to a resource comes from
`Resolved.settings`, the Output of the real values (tests/test_library.py checks no placeholder leaks).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from .keys import ARGS_FIELDS, REGISTRY_AUTH_FIELDS, SECRET_FIELDS, SECRET_MARKER, config_key
from .model import ManagerSettings
from .resolve import as_config_string, parse_settings
from .rules import ConfigError, parse_registry_auth, secret_problems

# Values an Output field takes while the plain ones are judged: valid, and recognisable should one ever leak.
PLACEHOLDERS: dict[str, Any] = {
    "host": "output-pending.invalid",
    "ssh_user": "output-pending",
    "ssh_port": 22,
    "ssh_host_key": "ssh-ed25519 AAAAoutputpending",
    "ssh_proxy_host": "output-pending-bastion.invalid",
    "ssh_proxy_user": "output-pending",
    "ssh_proxy_port": 22,
    "ssh_proxy_host_key": "ssh-ed25519 AAAAoutputpending",
    "management_ip": "output-pending.invalid",
    "hostname": "output-pending",
    "docker_host": "unix:///output-pending.sock",
}
PLACEHOLDER_MARK = "output-pending"
CHECKED_SECRETS = ("admin_password", "manager_secret")  # the secrets with rules on their value (rules.secret_problems)
TLS_FIELDS = ("docker_tls_ca_cert", "docker_tls_cert", "docker_tls_key")


@dataclass(frozen=True)
class Resolved:
    """One manager's validated args."""

    plan: ManagerSettings
    """For the graph's shape only: fields that arrived as Outputs hold placeholders here."""
    settings: pulumi.Output[ManagerSettings]
    """The real settings, once every Output field is known: what resources are given."""
    secrets: dict[str, pulumi.Output[str]]
    """Each secret field that is set, as a secret Output, checked once known."""
    registry: tuple[pulumi.Input[str], pulumi.Input[str], pulumi.Output[str]] | None
    """Server, username and (secret) password of the private registry, or None."""
    tls: dict[str, pulumi.Output[str | None]]
    """The TLS material for the provider, by field (the key secret): for a tcp:// `docker_host` only, which
    requires all three; empty when no key is set."""


def is_output(value: Any) -> bool:
    """Known only later: an Output of another resource (or an awaitable, which Pulumi accepts as an Input)."""
    return isinstance(value, pulumi.Output) or inspect.isawaitable(value)


def resolve_args(args: Mapping[str, Any], *, has_ssh_agent: bool) -> Resolved:
    """Judge every plain value now, raising one ConfigError with every problem; defer the Outputs."""
    given = {field: value for field, value in args.items() if value is not None}
    problems = [f"{field}: unknown field (known: {', '.join(ARGS_FIELDS)})"
                for field in sorted(set(given) - set(ARGS_FIELDS))]
    deferred = {f: v for f, v in given.items() if f in PLACEHOLDERS and is_output(v)}
    known = {f: v for f, v in given.items() if f not in deferred and f in ARGS_FIELDS}
    problems += _secret_problems(known) + _registry_problems(given)
    has_private_key = "ssh_private_key" in given

    def settings_of(values: Mapping[str, Any]) -> ManagerSettings:
        return parse_settings(_raw(values), has_private_key=has_private_key, has_ssh_agent=has_ssh_agent)

    try:
        plan = settings_of({**known, **{field: PLACEHOLDERS[field] for field in deferred}})
    except ConfigError as error:
        raise ConfigError(problems + error.problems) from None
    if problems:
        raise ConfigError(problems)
    if deferred:
        settings = pulumi.Output.all(**deferred).apply(lambda values: settings_of({**known, **values}))
    else:
        settings = pulumi.Output.from_input(plan)
    secrets = {field: _checked_secret(field, given[field]) for field in sorted(SECRET_FIELDS & set(given))}
    registry = None
    if REGISTRY_AUTH_FIELDS["server"] in given:
        registry = (given["registry_server"], given["registry_username"], secrets["registry_password"])
    tls = {field: _for_tcp(settings, secrets.get(field, given.get(field))) for field in TLS_FIELDS
           } if "docker_tls_key" in given else {}
    return Resolved(plan, settings, secrets, registry, tls)


def _for_tcp(settings: pulumi.Output[ManagerSettings], material: Any) -> pulumi.Output[str | None]:
    """TLS material goes to the provider only when it connects over tcp://, as in every earlier release."""
    return pulumi.Output.all(settings, material).apply(
        lambda values: values[1] if (values[0].docker_host or "").startswith("tcp://") else None)


def _raw(values: Mapping[str, Any]) -> dict[str, str | None]:
    """The fields in the configuration's text form, by key; a secret only as the marker that it is set."""
    return {config_key(field): SECRET_MARKER if field in SECRET_FIELDS else as_config_string(value)
            for field, value in values.items() if field not in REGISTRY_AUTH_FIELDS.values()}


def _secret_problems(known: Mapping[str, Any]) -> list[str]:
    """The rules on secret values, for those given as plain strings (an Output is checked once known)."""
    plain = {config_key(f): v for f, v in known.items() if f in CHECKED_SECRETS and isinstance(v, str)}
    return secret_problems(plain, ())


def _registry_problems(given: Mapping[str, Any]) -> list[str]:
    """All three registry fields or none; a plain server is checked now."""
    fields = REGISTRY_AUTH_FIELDS.values()
    present = [f for f in fields if f in given]
    if not present:
        return []
    if len(present) < len(fields):
        return [f"registryAuth: set registry_server, registry_username and registry_password together (missing: "
                f"{', '.join(f for f in fields if f not in given)})"]
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

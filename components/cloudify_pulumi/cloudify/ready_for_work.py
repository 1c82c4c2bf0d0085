"""After readiness: what makes the manager ready for work, as Cloudify's own bootstrap left it.

- `agent-key` (only with `agentPrivateKey`): cloudify-3.2 places the key in the data volumes, where the bootstrap
  context names it (cloudify-cli 3.2 `bootstrap/tasks.py` `_copy_agent_key`); cloudify-7 stores it as the manager
  secret `agent_key`, which blueprints read with `{get_secret: agent_key}`. The key travels on stdin only.
- `bootstrap-context` (cloudify-3.2): uploads the provider context (bootstrap_context.py) after the key.
- `cli_profile`: the `cfy` command that reaches this manager, a secret.

Each step runs again whenever the application container is replaced or restored (`backups.after_app`): its work
lives in the data volumes, so a rerun changes nothing, but a restored archive may predate it. A change of the
values changes the step's command or stdin, which pulumi-command v1.2.1 applies by running `create` again
(`commandController.go` `Update`, no `update` set); an `up` that changes nothing runs neither.
"""

from __future__ import annotations

import shlex

import pulumi
import pulumi_docker as docker

from ..config.model import ManagerPlan, ManagerSettings
from ..config.rules import url_host
from ..host import backups, host_scripts
from ..host.backups import HostCommand, StepMaker
from ..host.derive import Settings, combine

AGENT_KEY_SECRET = "agent_key"
"""The manager secret (cloudify-7) the agents' key is stored as."""
TENANT = "default_tenant"


def agent_key(
    step: StepMaker,
    plan: ManagerPlan,
    settings: Settings,
    app: docker.Container,
    key: pulumi.Output[str] | None,
    admin_password: pulumi.Output[str] | None,
    after: HostCommand,
) -> HostCommand | None:
    """Place (cloudify-3.2) or store (cloudify-7) `agentPrivateKey`; None when it is unset."""
    if key is None:
        return None
    triggers = backups.after_app(app, plan)
    if plan.bootstrap_context is not None:
        create = combine(settings, [app.name], lambda s, v: host_scripts.place_agent_key(s, v[0]))
        return step("agent-key", create, triggers=triggers, depends_on=[after], stdin=key)
    if admin_password is None:
        return None  # a profile with neither a bootstrap context nor a REST password has nowhere to keep it
    create = combine(settings, [app.name], lambda s, v: host_scripts.store_manager_secret(s, v[0], AGENT_KEY_SECRET))
    request: pulumi.Output[str] = pulumi.Output.secret(
        pulumi.Output.all(admin_password, key).apply(lambda v: host_scripts.secret_request(v[0], v[1], TENANT))
    )
    return step("agent-key", create, triggers=triggers, depends_on=[after], stdin=request)


def bootstrap_context(
    step: StepMaker,
    plan: ManagerPlan,
    settings: Settings,
    app: docker.Container,
    after: HostCommand,
) -> HostCommand | None:
    """cloudify-3.2: create or update the provider context once the manager (and the agents' key) is ready."""
    if plan.bootstrap_context is None:
        return None
    create = combine(settings, [app.name], lambda s, v: host_scripts.upload_bootstrap_context(s, v[0]))
    return step("bootstrap-context", create, triggers=backups.after_app(app, plan), depends_on=[after])


def cli_profile(
    settings: Settings,
    ready: HostCommand,
    admin_password: pulumi.Output[str] | None,
    ca_cert: pulumi.Output[str] | None,
) -> pulumi.Output[str]:
    """The command that points a `cfy` CLI at this manager (secret: it holds the admin password), known once the
    manager is ready; with TLS, it first writes the CA to trust beside it."""
    return pulumi.Output.secret(
        combine(
            settings,
            [admin_password or "", ca_cert or "", ready.id],
            lambda s, v: profile_command(s, v[0] if admin_password is not None else None, v[1]),
        )
    )


def profile_command(settings: ManagerSettings, admin_password: str | None, ca_cert: str) -> str:
    """cloudify-7: `cfy profiles use` (cloudify-cli 7.0.4 `commands/profiles.py` `use`, lines 131-146, options
    in `cli/cfy.py`: `-t`, `--rest-port`, `--ssl`, `-c/--rest-certificate`), with the admin's credentials in the
    environment, never on its command line, where `ps` would show them: cloudify-cli 7.0.5 reads
    `CLOUDIFY_USERNAME` and `CLOUDIFY_PASSWORD` for every request (`env.py` `get_from_profile_or_env_var`), and
    refuses `-u` without `-p` (`check_configured_auth`), so neither flag is given. cloudify-3.2, whose REST API
    has no users: `cfy use -t <address> --port <port>` (cloudify-cli 3.2 `config/parser_config.py` 667-685)."""
    if admin_password is None:
        address = settings.user_address
        return shlex.join(["cfy", "use", "-t", address, "--port", str(settings.readiness_port)]) + "\n"
    address = settings.tls_name if settings.tls else settings.user_address
    credentials = f"export CLOUDIFY_USERNAME=admin CLOUDIFY_PASSWORD={shlex.quote(admin_password)}\n"
    words = ["cfy", "profiles", "use", url_host(address).strip("[]"), "-t", TENANT]
    words += ["--rest-port", str(settings.readiness_port)]
    if not settings.tls:
        return credentials + shlex.join(words) + "\n"
    words.append("--ssl")
    if not ca_cert:
        return credentials + shlex.join(words) + "\n"  # a certificate the system's CAs check
    ca_file = f"{settings.name_prefix}-ca.pem"
    words += ["-c", ca_file]
    write_ca = f"umask 077\ncat > {shlex.quote(ca_file)} <<'CLOUDIFY_CA'\n{ca_cert.strip()}\nCLOUDIFY_CA\n"
    return write_ca + credentials + shlex.join(words) + "\n"

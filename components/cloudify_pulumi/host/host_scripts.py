"""The host scripts as the exact command strings the command resources run.

Each script under `scripts/` is a real POSIX `sh` file that runs on its own (it sources `common.sh` next to it).
The `scripts` step installs this release's scripts on the host (`install_scripts`, shipping.py), and every other
step runs its script from there by a fixed path: `sh -c '<runner>' <name> <arg>...`. The runner's text names the
manager's folder and nothing of the scripts' content, so a new release of the scripts changes the `scripts` step
alone, and a step runs again only when its own arguments change (docs/operations.md, "What a new release runs").
The host-key steps, which run before anything is installed, send the script's text itself (`invocation`).
Every argument is shell-quoted, so values from the stack configuration reach the script as data in `$1..$n` and
are never parsed by a shell; nothing depends on which environment variables the SSH server accepts.

The login shell of the SSH user must be POSIX-compatible (sh, bash, dash, zsh).
"""

from __future__ import annotations

import json
import shlex

from ..cloudify import bootstrap_context, manager_config
from ..config.model import LOOPBACK, AgentPackage, ManagerSettings
from .shipping import LIBRARIES, SCRIPTS_DIR, SCRIPTS_HOME, _sourcing, bundle, shipped_script

__all__ = ["LIBRARIES", "SCRIPTS_DIR", "_sourcing", "bundle", "shipped_script"]

MISSING_SCRIPTS = 99
"""The runner's exit code when the manager's scripts are not on the host."""


def invocation(name: str, *args: str) -> str:
    """`sh -c <script> <name> <args...>`, the script's own text, with every piece quoted for a POSIX shell."""
    words = ["sh", "-c", shlex.quote(shipped_script(name)), shlex.quote(name)]
    return " ".join(words + [shlex.quote(arg) for arg in args])


def runner(folder: str) -> str:
    """The text that runs an installed script of the manager whose folder is `folder` (`$0` the script's name,
    `$@` its arguments): the same for every script and every release, so that only arguments decide a re-run."""
    home = f'"$HOME"/{SCRIPTS_HOME}/{shlex.quote(folder)}'
    return (
        f'f={home}/"$0"; '
        'if [ ! -r "$f" ]; then echo "cloudify-pulumi: $f is missing: this manager\'s scripts are not on this host'
        " (it was rebuilt, or the folder was removed); run pulumi up with --replace set to the URN of this"
        f" manager's scripts step (pulumi stack --show-urns: the one ending in -scripts); nothing was changed\" >&2;"
        f" exit {MISSING_SCRIPTS}; fi; "
        'exec sh "$f" "$@"'
    )


def installed(folder: str, name: str, *args: str) -> str:
    """`sh -c <runner> <name> <args...>`: the installed `name` with these arguments."""
    words = ["sh", "-c", shlex.quote(runner(folder)), shlex.quote(name)]
    return " ".join(words + [shlex.quote(arg) for arg in args])


def install_scripts(settings: ManagerSettings) -> str:
    """Install this release's scripts (`bundle`, on stdin) for this manager (install_scripts.sh)."""
    return invocation("install_scripts.sh", settings.app_container_name)


def _run(settings: ManagerSettings, name: str, *args: str) -> str:
    """The step's command: `name`, installed for this manager, with these arguments."""
    return installed(settings.app_container_name, name, *args)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def ensure_docker(settings: ManagerSettings, provider_ssh_user: str | None) -> str:
    """Make Docker usable on the host (install online only on Ubuntu 14.04), and usable by
    `provider_ssh_user`, the user the Docker provider's ssh:// connection logs in as (None: no ssh://)."""
    trusty = settings.trusty_docker
    return _run(
        settings,
        "ensure_docker.sh",
        _flag(settings.use_sudo),
        provider_ssh_user or "-",
        trusty.apt_repo,
        trusty.apt_key_fingerprint,
        trusty.version,
        trusty.cli_url,
        trusty.cli_sha256 or "-",
    )


def scan_host_key(host_variable: str, port_variable: str) -> str:
    """On this machine: the SSH host key presented on the host and port that the two environment variables hold
    (ssh-keyscan), to trust from now on. The address is not in the text, so that the text is the same for every
    host and a step can ignore its changes (ssh_trust.py)."""
    return f'{invocation("host_key.sh", "scan")} "${host_variable}" "${port_variable}"'


def own_host_key() -> str:
    """On the host: its own public SSH host key, for a host behind a bastion that ssh-keyscan cannot reach."""
    return invocation("host_key.sh", "own")


def write_manager_config(settings: ManagerSettings, name: str = "config.yaml") -> str:
    """Write config.yaml (or the file `name`), which arrives on stdin, into the manager's config folder."""
    extra = [] if name == "config.yaml" else [name]  # so that existing stacks' config step stays as it was
    return _run(settings, "write_manager_config.sh", _flag(settings.use_sudo), settings.manager_config_dir, *extra)


def _agent_words(agent: AgentPackage) -> list[str]:
    return [agent.kind, agent.url, agent.sha256 or "-", agent.target or "-"]


def install_agents(settings: ManagerSettings, container: str) -> str:
    """Install every `cloudifyPackages.agents` package inside `container`."""
    words = [word for agent in settings.agents for word in _agent_words(agent)]
    return _run(settings, "install_agents.sh", _flag(settings.use_sudo), container, *words)


def import_image(settings: ManagerSettings, image: str, *, only_if_missing: bool) -> str:
    """`docker import` the `cloudifyPackages.docker.docker_url` tarball as `image`."""
    if settings.docker_image_url is None:
        raise ValueError("import_image needs cloudifyPackages.docker.docker_url")
    mode = "if-missing" if only_if_missing else "always"
    checksum = [settings.docker_image_sha256] if settings.docker_image_sha256 else []  # optional, last
    return _run(
        settings, "import_image.sh", _flag(settings.use_sudo), settings.docker_image_url, image, mode, *checksum
    )


def wait_ready(settings: ManagerSettings, container: str, backup_file: str, previous_image: str) -> str:
    """Wait for the manager's REST port to answer (and, where the profile says, for configure to finish), or fail
    with the container log and the way back. Profiles with a generated config.yaml send the admin password on
    stdin, so that the script can mask it in the log it shows."""
    profile = settings.profile
    return _run(
        settings,
        "wait_ready.sh",
        _flag(settings.use_sudo),
        container,
        str(settings.readiness_port),
        settings.readiness_path,
        str(settings.readiness_timeout),
        settings.data_container_name,
        backup_file,
        previous_image,
        profile.ready_log_line or "-",
        _flag(profile.manager_config),
        *_readiness_endpoint(settings),
    )


def _readiness_endpoint(settings: ManagerSettings) -> list[str]:
    """ADDRESS, only when it is not the script's default, so existing stacks' readiness step stays as it was;
    with TLS, also the name the certificate is checked for and the CA it chains to (inside the container)."""
    if not settings.tls:
        return [] if settings.readiness_address == LOOPBACK else [settings.readiness_address]
    return [settings.readiness_address, settings.tls_name, manager_config.served_ca(settings) or "system"]


def set_admin_password(settings: ManagerSettings, container: str) -> str:
    """Make the running manager's admin password the configured one, which arrives on stdin."""
    return _run(settings, "set_admin_password.sh", _flag(settings.use_sudo), container)


def _backup_words(settings: ManagerSettings, key: str, mode: str, app_image: str = "-") -> list[str]:
    """backup_data.sh's arguments: USE_SUDO APP DATA DIR KEEP KEY COMPRESSION MODE APP_IMAGE."""
    return [
        _flag(settings.use_sudo),
        settings.app_container_name,
        settings.data_container_name,
        settings.backup_folder,
        str(settings.backups_to_keep),
        key,
        settings.backup_compression,
        mode,
        app_image,
    ]


def backup_data(settings: ManagerSettings, replacement_key: str) -> str:
    """Stop the old app container and archive the data volumes, before the container is replaced (recording which
    `appImage` the new container, made with `replacement_key`, runs: the way back names it)."""
    return _run(settings, "backup_data.sh", *_backup_words(settings, replacement_key, "replace", settings.app_image))


def restore_data(settings: ManagerSettings, archive: str) -> str:
    """`restoreFrom`: archive the current data, then refill the volumes from `archive` (tested first)."""
    return _run(settings, "backup_data.sh", *_backup_words(settings, "-", "restore"), archive)


def backup_now(settings: ManagerSettings) -> str:
    """`backupNow`: stop the app container, archive the data, start it again."""
    return _run(settings, "backup_data.sh", *_backup_words(settings, "-", "now"))


def prune_backups(settings: ManagerSettings, kept_archive: str) -> str:
    """After readiness: keep `kept_archive` (taken before this replacement) and the newest `backupsToKeep`."""
    return _run(settings, "backup_data.sh", *_backup_words(settings, "-", "prune"), kept_archive)


def parse_key_values(stdout: str) -> dict[str, str]:
    """The `KEY=value` result lines a host script prints on stdout."""
    pairs = (line.split("=", 1) for line in stdout.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def place_agent_key(settings: ManagerSettings, container: str) -> str:
    """cloudify-3.2: put the agents' key, which arrives on stdin, where the bootstrap context names it."""
    return _run(settings, "agent_key.sh", _flag(settings.use_sudo), container, bootstrap_context.AGENT_KEY_PATH)


def upload_bootstrap_context(settings: ManagerSettings, container: str) -> str:
    """cloudify-3.2: create or update the provider context, as cloudify-cli 3.2's bootstrap uploaded it."""
    context = settings.bootstrap_context
    if context is None:
        raise ValueError("upload_bootstrap_context needs a cloudify-3.2 plan")
    body = context.text(has_agent_key=settings.has_agent_key)
    return _run(
        settings, "bootstrap_context.sh", _flag(settings.use_sudo), container, str(bootstrap_context.CONTEXT_PORT), body
    )


def store_manager_secret(settings: ManagerSettings, container: str, name: str) -> str:
    """cloudify-7: create or update the manager secret `name` through the REST API the readiness step reached;
    the credentials and the value arrive on stdin (`secret_request`)."""
    endpoint = _readiness_endpoint(settings) if settings.tls else [settings.readiness_address]
    return _run(
        settings,
        "manager_secret.sh",
        _flag(settings.use_sudo),
        container,
        str(settings.readiness_port),
        name,
        *endpoint,
    )


def secret_request(admin_password: str, value: str, tenant: str = "default_tenant") -> str:
    """The curl config manager_secret.sh reads on stdin (secret): the admin's credentials, the tenant and the
    body of secrets.py's PUT (hidden value, tenant visibility, `update_if_exists`). Quoted as curl's config
    format reads a double-quoted value (`\\\\` and `\\"` escaped), so no character of either can end it."""
    body = json.dumps({"value": value, "update_if_exists": True, "is_hidden_value": True, "visibility": "tenant"})
    lines = [
        ("user", f"admin:{admin_password}"),
        ("header", f"Tenant: {tenant}"),
        ("header", "Content-Type: application/json"),
        ("data-binary", body),
    ]
    return "".join(f'{option} = "{_curl_quoted(text)}"\n' for option, text in lines)


def _curl_quoted(text: str) -> str:
    if any(ch in text for ch in "\r\n"):
        raise ValueError("a curl config value is one line")  # json.dumps escapes newlines; a password has none
    return text.replace("\\", "\\\\").replace('"', '\\"')

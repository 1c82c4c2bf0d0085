"""The settings table: one entry per setting, the only place a setting is defined.

Each entry says the stack configuration key, its Python field, its type, its default, whether it is a secret,
whether it may be an Output of another resource, whether one manager of `managers` may override it, and its
documentation. Everything else is derived from it:
- `args.py` (the component's typed contract) and `docs/configuration.md` are generated from it by
  `scripts/generate`; a test fails when either differs from what the table gives;
- the config declarations in `Pulumi.yaml` are checked against it;
- the stack boundary (`stack_config.py`) turns text into the entry's type, and the rules (`resolve.py`) take
  fixed defaults and ranges from it.

Defaults that depend on other settings (the profile's ports, `host` for `managementIp`) are computed in
`resolve.py`; the entry documents them in `default_doc`.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One setting of a CloudifyManager: a key of the stack configuration and a field of its args."""

    key: str
    """The stack configuration key and the plugin schema's input name (camelCase)."""
    kind: type
    """The value's type: str, int, bool, list or dict."""
    doc: str
    """What it means; the reference, the args docstring and the schema description."""
    default: Any = None
    """A fixed default, used when the setting is unset; None when unset means unset or a computed default."""
    default_doc: str | None = None
    """How a computed default is found ("the profile's"); the reference shows it instead of `default`."""
    secret: bool = False
    """A secret: only ever a secret Output, never in plain state, logs or command lines."""
    output: bool = False
    """May be an Output of another resource (a VM's address); every other setting shapes the resource graph
    and must be a plain value when the program runs."""
    per_manager: bool = True
    """One manager of `managers` may set its own (secrets are set once, for every manager)."""
    required: bool = False
    """Must be set."""
    bounds: tuple[int, int] | None = None
    """The inclusive range of a whole number."""
    item: str = "str"
    """The element type of a list, or the value type of a map, as written in args.py."""
    fields: tuple[tuple[str, str], ...] = ()
    """For a structured secret, which the args flatten (a nested object that carries a secret reaches a
    component plugin as one opaque Output): each field's name and doc."""
    stack_only: bool = False
    """Read for the whole stack, not for one manager: not a field of the component's args."""

    @property
    def field(self) -> str:
        """`appImage` -> `app_image`: the setting as a field of CloudifyManagerArgs."""
        return field_name(self.key)


def field_name(key: str) -> str:
    """`appImage` -> `app_image`."""
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in key)


def config_key(field: str) -> str:
    """`app_image` -> `appImage`: the inverse of `field_name`, the name the plugin's schema gives a field."""
    head, *rest = field.split("_")
    return head + "".join(word.capitalize() for word in rest)


# Written once here; resolve.py and the scripts' defaults read them from the table.
_PORT = (1, 65535)
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "host",
        str,
        output=True,
        doc="SSH address of the Docker host: a DNS name, an IPv4 or an IPv6 address. Unset: this machine "
        "(local commands, the local Docker socket).",
    ),
    Setting(
        "sshUser",
        str,
        default="ubuntu",
        output=True,
        doc="SSH user. Its login shell must be POSIX (sh, bash, dash, zsh).",
    ),
    Setting("sshPort", int, default=22, output=True, bounds=_PORT, doc="SSH port of the Docker host."),
    Setting(
        "sshPrivateKey",
        str,
        secret=True,
        output=True,
        per_manager=False,
        doc="Private key for SSH. Required with `host` unless an ssh-agent (`SSH_AUTH_SOCK`) holds the key.",
    ),
    Setting(
        "sshHostKey",
        str,
        output=True,
        doc="The host's public key (`ssh-ed25519 AAAA...`), pinned. Without it the key the host presents on the "
        "first `up` is recorded in the stack, and every connection (the host steps and the Docker provider) is "
        "checked against it (docs/connectivity.md, host keys). Set it for production.",
    ),
    Setting(
        "sshProxyHost",
        str,
        output=True,
        doc="A bastion (jump host) every SSH connection goes through; `host` is then the address the bastion "
        "reaches (docs/connectivity.md).",
    ),
    Setting("sshProxyUser", str, output=True, default_doc="`sshUser`", doc="The bastion's SSH user."),
    Setting("sshProxyPort", int, default=22, output=True, bounds=_PORT, doc="The bastion's SSH port."),
    Setting(
        "sshProxyHostKey",
        str,
        output=True,
        doc="The bastion's public host key, pinned. Unset, the key it presents on the first `up` is recorded and "
        "checked on every hop through it, as for `sshHostKey`. Set it for production.",
    ),
    Setting(
        "sshProxyPrivateKey",
        str,
        secret=True,
        output=True,
        per_manager=False,
        default_doc="the host's `sshPrivateKey`",
        doc="The bastion's private key, when it is not the host's.",
    ),
    Setting(
        "appImage",
        str,
        required=True,
        doc="Cloudify application image, pinned by tag or digest (`latest` is refused). Changing it upgrades "
        "only the application container, after a backup of the data.",
    ),
    Setting(
        "dataImage",
        str,
        required=True,
        doc="Image the data-only container is created from, once. Pinned separately: it never follows `appImage`.",
    ),
    Setting(
        "volumePaths",
        list,
        default_doc="the profile's",
        doc="Absolute container paths the data container holds as volumes.",
    ),
    Setting(
        "ports",
        list,
        default_doc="the profile's public and agent ports",
        doc='Published ports: a number (the same on host and container), `"hostPort:containerPort"` or '
        '`"address:hostPort:containerPort"` (an IPv6 address in brackets). Without an address, the port\'s role '
        "decides it (docs/network-exposure.md): public ports on `publicAddress`, agent ports on `managementIp`, "
        "the profile's internal ports on 127.0.0.1, any other port on `publicAddress`. Host ports and container "
        "ports must each be unique; the list is sorted by container port.",
    ),
    Setting(
        "publicAddress",
        str,
        default_doc="with `host` set, `0.0.0.0` for a profile with a login (cloudify-7), the management address for "
        "one without (cloudify-3.2); else `127.0.0.1`",
        doc="Host address the public ports (UI and REST) are published on: an IPv4 or IPv6 address of the Docker "
        "host, or `0.0.0.0` for all of them. Docker's published ports bypass the host's firewall (ufw, "
        "firewalld), so this address is the exposure. cloudify-3.2's REST API has no login: `0.0.0.0` publishes it "
        "to whoever reaches the host, and every `up` warns (docs/network-exposure.md).",
    ),
    Setting(
        "managerTls",
        bool,
        default_doc="`true` with `cloudify-7` and `host` set, else `false`",
        doc="Serve the UI and REST API over HTTPS only (cloudify-7): config.yaml's `ssl_enabled`, port 443, and "
        "plain port 80 no longer published. Without `managerTlsCert` the manager's own CA issues the "
        "certificate; `managerCaCert` is the CA to trust (docs/tls.md).",
    ),
    Setting(
        "managerTlsCert",
        str,
        output=True,
        per_manager=False,
        doc="PEM certificate (with its chain) for `publicName`, served instead of one from the manager's own CA "
        "(cloudify-7). Needs `managerTlsKey` and `publicName`: Cloudify serves a certificate of yours only by "
        "SNI, for a DNS name.",
    ),
    Setting(
        "managerTlsKey",
        str,
        secret=True,
        output=True,
        per_manager=False,
        doc="The PEM private key of `managerTlsCert`. Reaches the host on stdin, mode 0600, mounted read-only.",
    ),
    Setting(
        "managerTlsCaCert",
        str,
        output=True,
        per_manager=False,
        doc="PEM certificate of the CA that signed `managerTlsCert`, when clients do not trust it already: the "
        "readiness check and `managerCaCert` use it. Unset, the system's trusted CAs are used.",
    ),
    Setting(
        "publicName",
        str,
        output=True,
        default_doc="`managementIp`",
        doc="The DNS name users reach the manager by (cloudify-7): config.yaml's `manager.public_ip`, the host of "
        "`managerUrl` and the name the certificate is checked for. Needed with `managerTlsCert`.",
    ),
    Setting(
        "cloudifyPackages",
        dict,
        item="Any",
        doc="Cloudify's `cloudify_packages`: `agents` maps a name to the http(s) URL of a `.deb` (installed with "
        "`dpkg -i`, skipped when that version is installed) or a `.tar.gz` (placed under "
        "`/opt/manager/resources/packages/agents/`, skipped when identical); `docker: {docker_url: ...}` "
        "imports the images from that tarball on the host instead of pulling them. Each URL may instead be a map "
        "`{url: ..., sha256: ...}`: the file is checked on the host before it is used. A plain `http://` URL needs "
        "the sha256.",
    ),
    Setting(
        "managementIp",
        str,
        output=True,
        default_doc="`host`, else `127.0.0.1`",
        doc="The manager's address: `MANAGEMENT_IP` (cloudify-3.2), or `private_ip` and `public_ip` in "
        "config.yaml (cloudify-7).",
    ),
    Setting("privileged", bool, default=False, doc="Run the application container privileged (SELinux hosts)."),
    Setting(
        "useSudo",
        bool,
        default_doc="`true` when `host` is set and `sshUser` is not `root`",
        doc="Run Docker and installs through `sudo -n` (never prompts).",
    ),
    Setting(
        "dockerAptRepo",
        str,
        default="https://download.docker.com",
        doc="Ubuntu 14.04 only: Docker's apt repository or a mirror of it (`<repo>/linux/ubuntu trusty stable`, "
        "key at `<repo>/linux/ubuntu/gpg`).",
    ),
    Setting(
        "dockerAptKeyFingerprint",
        str,
        default="9DC858229FC7DD38854AE2D88D81803C0EBFCD88",
        doc="Ubuntu 14.04 only: the repository key must have exactly this fingerprint (Docker's) and be the only "
        "key in the file, or nothing is installed. Change it only for a mirror that re-signs.",
    ),
    Setting(
        "dockerTrustyVersion",
        str,
        default="auto",
        doc="Ubuntu 14.04 only: `auto` installs `18.06.3~ce~3-0~ubuntu`, the last build, whose CVE-2019-5736 "
        "runc fix needs a 4.x kernel (the HWE kernel, `linux-generic-lts-xenial`); on a 3.x kernel `auto` is "
        "refused, since the build that runs there, `18.06.1~ce~3-0~ubuntu`, lacks the fix: set it explicitly to "
        "accept that. Or any apt version. It is held (`apt-mark hold`).",
    ),
    Setting(
        "dockerCliUrl",
        str,
        default="https://download.docker.com/linux/static/stable/x86_64/docker-20.10.24.tgz",
        doc="Ubuntu 14.04 with `ssh://` only: a static Docker CLI (18.09+) installed at `/usr/local/bin/docker` "
        "for the provider's `docker system dial-stdio`.",
    ),
    Setting(
        "dockerCliSha256",
        str,
        default_doc="none: required where that CLI is installed",
        doc="SHA-256 of `dockerCliUrl` (`curl -fsSL <url> | sha256sum`). Without it the Docker step stops "
        "before changing anything where the CLI is needed.",
    ),
    Setting(
        "dockerHost",
        str,
        output=True,
        default_doc="`ssh://sshUser@host:sshPort`, or the local endpoint",
        doc="Docker address for the provider: `ssh://`, `unix://`, or `tcp://host:2376`, which needs the three "
        "TLS settings.",
    ),
    Setting("dockerTlsCaCert", str, output=True, doc="PEM CA certificate for a `tcp://` `dockerHost`."),
    Setting("dockerTlsCert", str, output=True, doc="PEM client certificate for a `tcp://` `dockerHost`."),
    Setting(
        "dockerTlsKey",
        str,
        secret=True,
        output=True,
        per_manager=False,
        doc="PEM client key for a `tcp://` `dockerHost`.",
    ),
    Setting(
        "namePrefix",
        str,
        default="cloudify",
        doc="Containers are `<namePrefix>-data` and `<namePrefix>-manager`; volumes `<namePrefix>-<path slug>`.",
    ),
    Setting(
        "readinessPath",
        str,
        default_doc="the profile's",
        doc="URL path `pulumi up` waits on: `GET http://127.0.0.1:<readinessPort><readinessPath>` on the host "
        "(with `managerTls`, `https://` for the manager's name, its certificate checked) must answer 2xx or 3xx "
        "(with `cloudify-7`, configure must also have logged its end).",
    ),
    Setting(
        "readinessPort",
        int,
        default_doc="443 with `managerTls`, else 80",
        bounds=_PORT,
        doc="Host port of the manager's REST API.",
    ),
    Setting(
        "readinessTimeout",
        int,
        default_doc="the profile's",
        bounds=(1, 3600),
        doc="Seconds `pulumi up` waits for the manager; on timeout it fails with the last 40 lines of the "
        "container log, the admin password masked.",
    ),
    Setting(
        "tmpfs",
        dict,
        doc='Container path -> tmpfs mount options (`""` for the defaults). A change replaces '
        "the application container (the provider's update would ignore it).",
    ),
    Setting(
        "capAdd",
        list,
        doc="Extra capabilities; `sys_admin`, `SYS_ADMIN` and `CAP_SYS_ADMIN` are all declared as "
        "`CAP_SYS_ADMIN`, the form the engine stores. Refused on Docker older than 18.09.",
    ),
    Setting("securityOpts", list, doc="Security options of the application container."),
    Setting("hostMounts", list, doc='Bind mounts `"/host/path:/container/path[:ro|:rw]"`.'),
    Setting("cgroupnsMode", str, doc="Cgroup namespace of the application container: `host` or `private`."),
    Setting(
        "appCommand",
        list,
        default_doc="the image's",
        doc="Command of the application container (needed for images made with `docker import`, which have none).",
    ),
    Setting(
        "managerProfile",
        str,
        default="cloudify-3.2",
        doc="What the image needs (paths, ports, readiness, identity): `cloudify-3.2` or `cloudify-7`. Explicit "
        "settings override the profile's values.",
    ),
    Setting(
        "hostname",
        str,
        output=True,
        default_doc="`namePrefix` with `cloudify-7`, else the engine's",
        doc="Fixed hostname of the application container (RFC 1123, lower case). Cloudify 7 stores it as the "
        "manager's name: a new one makes configure try to join a cluster.",
    ),
    Setting(
        "configDir",
        str,
        default_doc="`/etc/cloudify-pulumi/<namePrefix>` on a remote host, `~/.cloudify-pulumi/<namePrefix>` "
        "(passwd home) on this machine",
        doc="Host folder of the generated `config.yaml` (mode 0600; cloudify-7). Created with mode 0700; a folder "
        "that already exists keeps its mode, and must be owned by root and writable by root only, as must each "
        "folder above it (or be sticky), or the step refuses it.",
    ),
    Setting(
        "adminPassword",
        str,
        secret=True,
        output=True,
        per_manager=False,
        default_doc="generated (24 characters) with `cloudify-7`",
        doc="The manager's admin password (cloudify-7), written to its config.yaml and set in its database after "
        "every replacement of the application container; a change replaces that container (after a "
        "backup). Never printed.",
    ),
    Setting(
        "brokerPassword",
        str,
        secret=True,
        output=True,
        per_manager=False,
        default_doc="generated (24 characters) with `cloudify-7`",
        doc="The password of the message broker's user (cloudify-7), instead of the image's shipped `c10udify`. "
        "Cloudify's configure sets it only when it creates the broker and the database, so it applies to a new "
        "manager; an existing manager keeps the password its broker has (docs/cloudify-7.md, broker).",
    ),
    Setting(
        "managerSecret",
        str,
        secret=True,
        output=True,
        per_manager=False,
        default_doc="generated (48 characters, protected) with `cloudify-7`",
        doc="32+ characters, set once and never changed (cloudify-7): the REST service's hash salt, secret key, "
        "encoding alphabet and encryption key derive from it. A new one makes stored secrets unreadable.",
    ),
    Setting(
        "dataVolumes",
        str,
        default="named",
        doc="`named`: one Docker volume per state path, kept even if the data container goes. `anonymous`: the "
        "data container's own volumes, as releases before named volumes made them; set it on such stacks.",
    ),
    Setting(
        "backupDir",
        str,
        default_doc="`/var/lib/cloudify-backups` on a remote host, `~/.cloudify-pulumi/backups` (passwd home) on "
        "this machine",
        doc="Host folder of the backup archives: each manager's go into its own folder in it, `<namePrefix>-manager` "
        "(archives mode 0600). A folder the program creates gets mode 0700. One that already exists must be owned "
        "by root and writable by root only, and so must each folder above it (or be sticky): root writes fixed "
        "file names there, so a backup refuses, before the manager is stopped, a folder another user owns or may "
        "write in, such as /tmp itself. Managers may share it. A backup needs free space there as large as the "
        "data uncompressed, plus 64 MiB; with less, it stops before the manager is stopped (docs/operations.md).",
    ),
    Setting(
        "backupsToKeep",
        int,
        default=3,
        bounds=(1, 100),
        doc="How many archives of this manager are kept. Older ones are deleted once a replaced container is ready, "
        "or after `backupNow`; the archive taken before the last replacement that became ready is always kept.",
    ),
    Setting(
        "restoreFrom",
        str,
        doc="An archive on the host to put back into the data volumes (`latestBackup` names one). Each new value "
        "runs once: the current data is archived first, the archive is tested whole, the volumes are refilled from "
        "it, and the current `appImage` starts on them. The same value does nothing on later ups. A missing or "
        "damaged archive is refused before anything is stopped.",
    ),
    Setting(
        "backupNow",
        str,
        doc="Any new value (a date, a ticket number) takes a backup now: the manager is stopped, its data archived "
        "and the manager started again, with no replacement. The same value does nothing on later ups.",
    ),
    Setting(
        "backupCompression",
        str,
        default="auto",
        doc="How the backup is compressed on the host, at the fastest level: `auto` (zstd if the host has it, "
        "else gzip), `zstd`, `gzip` or `none` (a plain `.tar`).",
    ),
    Setting(
        "cloudifyAgent",
        dict,
        item="Any",
        default_doc="`user: ubuntu`, `remote_execution_port: 22`, `min_workers: 0`, `max_workers: 5`",
        doc="cloudify-3.2: the bootstrap context's `cloudify_agent`, in the keys of the manager blueprint's "
        "`cloudify.cloudify_agent` (`user`, `remote_execution_port`, `min_workers`, `max_workers`): what the agent "
        "installer uses when a blueprint does not say. Those not set keep the 3.2 simple blueprint's defaults.",
    ),
    Setting(
        "workflows",
        dict,
        item="Any",
        default_doc="`task_retries: -1` (for ever), `task_retry_interval: 30`",
        doc="cloudify-3.2: the bootstrap context's `workflows` (`task_retries`, `task_retry_interval` in seconds).",
    ),
    Setting(
        "policyEngine",
        dict,
        item="Any",
        default_doc="`start_timeout: 30`",
        doc="cloudify-3.2: the bootstrap context's `policy_engine` (`start_timeout` in seconds).",
    ),
    Setting(
        "resourcesPrefix",
        str,
        default_doc='`""`',
        doc="cloudify-3.2: the bootstrap context's `resources_prefix`, which IaaS plugins put before the names of "
        "what they create.",
    ),
    Setting(
        "agentPrivateKey",
        str,
        secret=True,
        output=True,
        per_manager=False,
        doc="The private SSH key the manager's agent installer logs in to new hosts with. cloudify-3.2: placed at "
        "`/root/.ssh/agent_key.pem` (0600) in the data volumes and named by the bootstrap context; cloudify-7: "
        "the manager secret `agent_key` (`{get_secret: agent_key}`). Reaches the host on stdin only. Unset, "
        "blueprints carry their own agent key (docs/ready-for-work.md).",
    ),
    Setting(
        "managerConfig",
        dict,
        item="Any",
        doc="cloudify-7: a map merged into the generated config.yaml (external database, queue, networks, rate "
        "limits, worker settings). Keys the program owns (the manager's identity, security, SSL, services, "
        "licence) are refused, naming the setting that owns them.",
    ),
    Setting(
        "licenseFile",
        str,
        secret=True,
        output=True,
        per_manager=False,
        doc="cloudify-7: the text of a Cloudify licence (`cloudify_license.yaml`). Written beside config.yaml "
        "(0600) from stdin, mounted read-only and named by config.yaml's `manager.cloudify_license_path`; configure "
        "uploads it on every start. A new licence replaces the application container.",
    ),
    Setting(
        "memoryLimit",
        int,
        bounds=(6, 4_194_304),
        doc="Memory limit of the application container, in MB (swap not added). cloudify-7 refuses less than "
        "Cloudify's minimum, 1838 MB. A change is applied to the running container, without a replacement.",
    ),
    Setting(
        "cpus",
        str,
        doc='CPUs the application container may use (`"1.5"`), as `docker run --cpus`. With cloudify-7 it also '
        "sizes the REST service's and the API's workers, which Cloudify otherwise derives from every CPU of the "
        "host. A change replaces the application container.",
    ),
    Setting(
        "registryAuth",
        dict,
        secret=True,
        output=True,
        per_manager=False,
        doc="Private registry credentials for image pulls: `server`, `username` and the secret `password` "
        "(`pulumi config set --secret --path registryAuth.password`).",
        fields=(
            (
                "registry_server",
                "Private registry for image pulls (`registry.example.com`); with "
                "`registry_username` and `registry_password`.",
            ),
            ("registry_username", "User of the private registry."),
            ("registry_password", "Secret. Password of the private registry."),
        ),
    ),
    Setting(
        "logDriver",
        str,
        default="json-file",
        doc="Log driver of the application container; `daemon` declares none and keeps the Docker daemon's default.",
    ),
    Setting(
        "logMaxSize", str, default="50m", doc="Rotation size of the `json-file` and `local` drivers' logs (`max-size`)."
    ),
    Setting("logMaxFile", int, default=5, bounds=(1, 100), doc="Rotated log files kept (`max-file`)."),
    Setting(
        "healthcheck",
        bool,
        default=True,
        doc="A Docker healthcheck on `readinessPath` inside the container, so that `docker ps` and monitoring "
        "that reads Docker health see whether the manager answers.",
    ),
    Setting(
        "healthcheckInterval",
        int,
        default=30,
        bounds=(1, 3600),
        doc="Seconds between health checks (timeout 10 s, 3 retries).",
    ),
    Setting(
        "healthcheckStartPeriod",
        int,
        default_doc="the profile's readiness time",
        bounds=(0, 7200),
        doc="Seconds before health check failures count.",
    ),
    Setting(
        "managers",
        dict,
        item="Any",
        per_manager=False,
        stack_only=True,
        doc="Several managers from one stack: manager name -> the settings it overrides (any but the secrets; "
        "`{}` inherits them all). Without it the stack has the one manager `cloudify`.",
    ),
)
SETTING: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}

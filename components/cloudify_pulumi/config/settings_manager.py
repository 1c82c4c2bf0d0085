"""The settings table, its second part: the containers, the Cloudify profile and its settings, the backups,
the logs and health checks, and `managers` (`settings.py` puts the parts together, in this order)."""

from .setting import PORT, Setting

MANAGER_SETTINGS: tuple[Setting, ...] = (
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
        bounds=PORT,
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

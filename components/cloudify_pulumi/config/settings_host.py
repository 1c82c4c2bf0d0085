"""The settings table, its first part: the Docker host, the SSH connection and bastion, the images, what the
manager publishes, and Docker on the host (`settings.py` puts the parts together, in this order)."""

from .setting import PORT, Setting

HOST_SETTINGS: tuple[Setting, ...] = (
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
    Setting("sshPort", int, default=22, output=True, bounds=PORT, doc="SSH port of the Docker host."),
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
    Setting("sshProxyPort", int, default=22, output=True, bounds=PORT, doc="The bastion's SSH port."),
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
)

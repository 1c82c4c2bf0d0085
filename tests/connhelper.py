"""The Docker provider's own ssh:// connection, as a real process.

pulumi-docker 5.x (kreuzwerker/terraform-provider-docker v4.5.0,
internal/provider/config.go) hands `host` and `ssh_opts` to docker/cli's
`connhelper.GetConnectionHelperWithSSHOpts`. At docker/cli v28.5.2 that builds
(cli/connhelper/connhelper.go `getConnectionHelper`, ssh/ssh.go `Spec.args`):

    ssh -l USER -p PORT <ssh_opts...> "-o ConnectTimeout=30" -T -- HOST "docker system dial-stdio"

with "-o ConnectTimeout=30" appended as one argument unless an option already
names ConnectTimeout, and -T unless present, and runs it without a shell. The
provider then speaks HTTP to the Docker API over that pipe. This module builds
the same argv from the provider inputs the program registered and sends
`GET /_ping` through it.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PING = b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"


def provider_address(provider_inputs: dict[str, Any]) -> tuple[str, list[str]]:
    """A registered Docker provider's `host` and `sshOpts` as the provider gets them: the generated SDK
    sends `ssh_opts` JSON-encoded (pulumi_docker/provider.py `pulumi.runtime.to_json`), and the bridge
    decodes it back into a list."""
    ssh_opts = provider_inputs["sshOpts"]
    return provider_inputs["host"], json.loads(ssh_opts) if isinstance(ssh_opts, str) else ssh_opts


def connhelper_argv(host: str, ssh_opts: list[str]) -> list[str]:
    """docker/cli v28.5.2's ssh argv for an `ssh://user@host:port` Docker host."""
    url = urlsplit(host)
    assert url.scheme == "ssh" and url.hostname, host
    flags = list(ssh_opts)
    if "ConnectTimeout" not in "".join(flags):
        flags.append("-o ConnectTimeout=30")
    if "-T" not in flags:
        flags.append("-T")
    argv = ["ssh"]
    if url.username:
        argv += ["-l", url.username]
    if url.port:
        argv += ["-p", str(url.port)]
    remote = "docker system dial-stdio"
    if url.path.strip("/"):
        remote = f"docker --host=unix://{url.path} system dial-stdio"
    return [*argv, *flags, "--", url.hostname, remote]


@dataclass
class PingResult:
    returncode: int
    response: str
    stderr: str

    @property
    def answered_ok(self) -> bool:
        head, _, body = self.response.partition("\r\n\r\n")
        return head.startswith("HTTP/1.1 200") and body.strip() == "OK"


def ping(host: str, ssh_opts: list[str], timeout: float = 60) -> PingResult:
    """Open the provider's connection and ask the engine `GET /_ping`."""
    done = subprocess.run(connhelper_argv(host, ssh_opts), input=PING, capture_output=True, timeout=timeout)
    return PingResult(done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"))

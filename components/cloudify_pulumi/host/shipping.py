"""The host scripts as they ship: installed on the host once per release, or one self-contained text.

The program installs every script of this release on the host by a step of its own (`bundle`, keyed by the
scripts' content: `install_scripts.sh`), and each host step runs its script from there by a fixed path, so that a
new release of the scripts changes that one step and nothing else (host_scripts.py). The steps that run before
anything can be installed (the host-key record) send a script's text itself, with the libraries it sources
inlined (`shipped_script`), as `sh -c '<script>' <name> <args...>`. An operator who restores by hand
(docs/operations.md, Restore) sends the same text over SSH, from this file run on its own with no dependency:

    python3 components/cloudify_pulumi/host/shipping.py restore_backup.sh |
        ssh HOST 'sudo sh -c "$(cat)" restore_backup.sh ARGS...'

so that nothing is copied to a folder another user of the host could plant a file in first.
"""

from __future__ import annotations

import base64
import functools
import gzip
import io
import sys
import tarfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

# Package data of the `cloudify_pulumi` wheel as much as files of this checkout: read through importlib.resources,
# or beside this file when it runs on its own.
SCRIPTS_DIR: Traversable = (
    resources.files(__package__) if __package__ else Path(__file__).resolve().parent
) / "scripts"
LIBRARIES = ("common.sh", "archive.sh", "guardian.sh", "two_pass.sh")
"""Files the scripts source from beside them; every script sources common.sh."""


def _sourcing(library: str) -> str:
    return f'. "$(dirname "$0")/{library}"\n'


_SOURCE_COMMON = _sourcing("common.sh")


@functools.cache
def shipped_script(name: str) -> str:
    """The text of `scripts/<name>` with each library it sources (`common.sh`, `archive.sh`,
    `guardian.sh`, `two_pass.sh`) inlined."""
    body = (SCRIPTS_DIR / name).read_text()
    if _SOURCE_COMMON not in body:
        raise ValueError(f"{name} does not source common.sh the expected way")
    for library in LIBRARIES:
        body = body.replace(_sourcing(library), (SCRIPTS_DIR / library).read_text())
    return body


SCRIPTS_HOME = ".cloudify-pulumi"
"""The folder in the SSH user's home where `install_scripts.sh` puts each manager's scripts (`<folder>/<app>`)."""


@functools.cache
def bundle() -> str:
    """Every script of this release, as `install_scripts.sh` reads it on stdin: a gzip-compressed tar, base64.

    The same scripts give the same text, byte for byte (no times, owners or order of the checkout in it), so the
    installation step runs again exactly when a script changed."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name in sorted(entry.name for entry in SCRIPTS_DIR.iterdir() if entry.name.endswith(".sh")):
            data = (SCRIPTS_DIR / name).read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o600, 0
            archive.addfile(info, io.BytesIO(data))
    packed = gzip.compress(raw.getvalue(), compresslevel=9, mtime=0)
    encoded = base64.b64encode(packed).decode()
    return "".join(encoded[i : i + 76] + "\n" for i in range(0, len(encoded), 76))


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] in LIBRARIES or not (SCRIPTS_DIR / sys.argv[1]).is_file():
        sys.exit("usage: python3 shipping.py SCRIPT.sh  (a script of components/cloudify_pulumi/host/scripts/)")
    sys.stdout.write(shipped_script(sys.argv[1]))

"""A host script as it ships: its text with the libraries it sources inlined, one self-contained file.

The program sends that text as `sh -c '<script>' <name> <args...>`. An operator who restores by hand
(docs/operations.md, Restore) sends the same text over SSH, from this file run on its own with no dependency:

    python3 components/cloudify_pulumi/shipping.py restore_backup.sh |
        ssh HOST 'sudo sh -c "$(cat)" restore_backup.sh ARGS...'

so that nothing is copied to a folder another user of the host could plant a file in first.
"""

from __future__ import annotations

import functools
import sys
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

# Package data of the `cloudify_pulumi` wheel as much as files of this checkout: read through importlib.resources,
# or beside this file when it runs on its own.
SCRIPTS_DIR: Traversable = (
    resources.files(__package__) if __package__ else Path(__file__).resolve().parent
) / "scripts"
LIBRARIES = ("common.sh", "archive.sh", "gzip_block.sh", "guardian.sh", "two_pass.sh")
"""Files the scripts source from beside them; every script sources common.sh."""


def _sourcing(library: str) -> str:
    return f'. "$(dirname "$0")/{library}"\n'


_SOURCE_COMMON = _sourcing("common.sh")


@functools.cache
def shipped_script(name: str) -> str:
    """The text of `scripts/<name>` with each library it sources (`common.sh`, `archive.sh`, `gzip_block.sh`,
    `guardian.sh`, `two_pass.sh`) inlined."""
    body = (SCRIPTS_DIR / name).read_text()
    if _SOURCE_COMMON not in body:
        raise ValueError(f"{name} does not source common.sh the expected way")
    for library in LIBRARIES:
        body = body.replace(_sourcing(library), (SCRIPTS_DIR / library).read_text())
    return body


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] in LIBRARIES or not (SCRIPTS_DIR / sys.argv[1]).is_file():
        sys.exit("usage: python3 shipping.py SCRIPT.sh  (a script of components/cloudify_pulumi/scripts/)")
    sys.stdout.write(shipped_script(sys.argv[1]))

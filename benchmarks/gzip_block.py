"""One 8 MiB block of the backup stream on a gzip-only host, as the block's own process handles it: written as a
gzip member by the shipped library's `gzip_block` (sampled, then compressed, or stored with its CRC from cksum),
then tested by `gzip -t`; against `gzip -1` and the same test, the work each block had before blocks that do not
compress were stored. On random data (stored now) and on repetitive text (compressed either way: what the sample
adds). Then, on random data, how that stored block's time divides: writing it alone against writing and testing
it (what `gzip -t` adds), and its full stored blocks copied by one perl against one head each (a host without
perl: a `perl` that is not found, first on the PATH). Both sides run in `sh -c` after the library's definitions,
each started, with the library's tables built, before its clock starts (the step builds them once per pass, not
per block); the block is written once, before anything is timed, and each side's earlier member is removed by its
`prepare`, untimed. Runs on this machine's `sh`, gzip and coreutils, not on a test host: no Docker
is involved.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from timing import Side, compare, untimed

LIBRARY = Path(__file__).resolve().parent.parent / "components" / "cloudify_pulumi" / "scripts" / "gzip_block.sh"
BLOCK = 8 * 1024 * 1024
"""two_pass.sh's block (dd bs=8388608)."""
CONTENT = {
    "random data": lambda: os.urandom(BLOCK),
    "repetitive text": lambda: (b"row|cloudify|pending\n" * (BLOCK // 21 + 1))[:BLOCK],
}
THIS_RELEASE = "gzip_block block out.gz && gzip -t out.gz"
BEFORE = "gzip -1 < block > out.gz && gzip -t out.gz"
WRITE_ONLY = "gzip_block block out.gz"


NO_PERL = {"perl": "#!/bin/sh\nexit 127\n"}
"""A host without perl: the shell finds no such command."""


def in_library(folder: Path, body: str, shims: dict[str, str] | None = None) -> Side:
    """`body` in `sh -c`, after GZIP_BLOCK's definitions, as two_pass.sh's STREAM runs it. Only `body` is timed:
    `prepare` removes the earlier member and starts the shell, which builds the library's tables (and probes for
    perl) once per pass in the step, not per block, and then waits; `run` lets it go and waits for its word that
    `body` is done. `shims`: commands first on the PATH, by name, as their script text."""
    inner = f"echo ready\nread _go\n{{ {body}\n}} < /dev/null || exit 1\necho done\n"
    script = LIBRARY.read_text() + '\nexec sh -c "$GZIP_BLOCK$0"\n'
    out = folder / "out.gz"
    env = dict(os.environ)
    if shims:
        bin_dir = folder / "shims"
        bin_dir.mkdir(exist_ok=True)
        for name, text in shims.items():
            (bin_dir / name).write_text(text)
            (bin_dir / name).chmod(0o755)
        env["PATH"] = f"{bin_dir}:{env['PATH']}"
    shell: list[subprocess.Popen] = []

    @untimed
    def start() -> None:
        out.unlink(missing_ok=True)
        process = subprocess.Popen(
            ["sh", "-c", script, inner], cwd=folder, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        shell[:] = [process]

    def run() -> None:
        process = shell.pop()
        said, _ = process.communicate("go\n")
        if process.returncode != 0 or said != "done\n":
            raise SystemExit(f"{body} failed ({process.returncode})")

    return Side(run=run, prepare=start)


def measure(repeats: int) -> None:
    for kind, content in CONTENT.items():
        with tempfile.TemporaryDirectory(prefix="cfy-gzip-block-") as name:
            folder = Path(name)
            (folder / "block").write_bytes(content())
            compare(
                f"one 8 MiB block of {kind}, gzip only: gzip_block and gzip -t",
                in_library(folder, THIS_RELEASE),
                in_library(folder, BEFORE),
                repeats,
                "gzip -1 and gzip -t",
            )
            if kind != "random data":
                continue
            compare(
                "one 8 MiB block of random data, gzip only: gzip_block alone",
                in_library(folder, WRITE_ONLY),
                in_library(folder, THIS_RELEASE),
                repeats,
                "gzip_block and gzip -t",
            )
            compare(
                "one 8 MiB block of random data, gzip only: gzip_block, one perl copying its stored blocks",
                in_library(folder, WRITE_ONLY),
                in_library(folder, WRITE_ONLY, NO_PERL),
                repeats,
                "one head per stored block (no perl)",
            )

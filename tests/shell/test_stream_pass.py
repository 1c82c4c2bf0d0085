"""One pass of the backup's copy (two_pass.sh's STREAM), run in this machine's `sh` with a `docker` stand-in:
the pass ends on its own whether the one-off container wrote the archive or never ran. CI once waited 120 s on a
`docker run` refused at once: the reader had not opened the fifo yet when the pass gave it its end of file, and
then waited for a writer forever (the backup step, and the stopped manager it was to start again, with it). That
order is a race that a loaded machine loses now and then (about 1 run in 60, four side by side on 2 cores): the
refused pass is run 240 times, four at once."""

from __future__ import annotations

import concurrent.futures
import io
import os
import signal
import subprocess
import tarfile
from pathlib import Path

import pytest
from cloudify_pulumi.host import shipping

# The one-off container as the pass starts it: `docker rm -f NAME` (nothing to remove), then `docker run ...
# -v WORK:/stream ... -cf /stream/tar PATH...`. RUN says what the run does: `refuse` exits at once, as a
# daemon refusing the run does, without opening the fifo; `write` writes a tar of $SOURCE into it, as tar does.
DOCKER = """#!/bin/sh
[ "$1" = run ] || exit 0
case "$RUN" in
refuse) echo "docker: refused" >&2; exit 1 ;;
esac
for arg in "$@"; do
    case "$arg" in *:/stream) work=${arg%:/stream} ;; esac
done
exec tar -cf "$work/tar" -C "$SOURCE" .
"""


def run_pass(tmp_path: Path, run: str, compress: str = "cat") -> subprocess.CompletedProcess[str]:
    """One pass into `tmp_path/out.tar` of `tmp_path/data` (made here, with 1 MiB more than a pipe holds), with
    the `docker` stand-in."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(DOCKER)
    (bin_dir / "docker").chmod(0o755)
    source = tmp_path / "data"
    source.mkdir()
    (source / "state").write_text("kept\n")
    (source / "bulk").write_bytes(os.urandom(1 << 20))
    out = tmp_path / "out.tar"
    script = (shipping.SCRIPTS_DIR / "two_pass.sh").read_text()
    body = f'{script}\nsh -c "$STREAM" stream "$@" "$GATED_TAR" /srv'
    args = [str(out), compress, "data", "image", "archiver", str(tmp_path / "level0"), "0", "0"]
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "RUN": run, "SOURCE": str(source)}
    # A session of its own, so that a pass that hangs is ended whole: its reader too, not only the outer `sh`.
    with subprocess.Popen(
        ["sh", "-c", body, "two_pass.sh", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_a_refused_run_always_ends_the_pass_with_a_failure(tmp_path):
    def refused(run: int) -> subprocess.CompletedProcess[str] | None:
        folder = tmp_path / str(run)
        folder.mkdir()
        try:
            return run_pass(folder, "refuse")
        except subprocess.TimeoutExpired:
            return None

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for first in range(0, 240, 4):
            results = list(pool.map(refused, range(first, first + 4)))
            assert None not in results, f"a pass waited forever for an end of file its reader never got (run {first})"
            for done in results:
                assert done is not None and done.returncode == 1 and "docker: refused" in done.stderr, done


def test_a_pass_copies_every_byte_the_container_writes(tmp_path):
    done = run_pass(tmp_path, "write")
    assert done.returncode == 0, done.stderr
    with tarfile.open(fileobj=io.BytesIO((tmp_path / "out.tar").read_bytes())) as archive:
        member = archive.extractfile("./state")
        assert member is not None and member.read() == b"kept\n"


def test_a_compressor_that_dies_ends_the_pass_instead_of_leaving_tar_waiting_on_a_full_fifo(tmp_path):
    """With nobody left to read the fifo, tar's next write fails (EPIPE): no other open of the fifo may read."""
    try:
        done = run_pass(tmp_path, "write", compress="false")
    except subprocess.TimeoutExpired:
        pytest.fail("tar waited forever on a fifo that nobody reads any more")
    assert done.returncode == 1, done.stderr

"""A gzip-only host's backup block, run in this machine's `sh` from the shipped library (gzip_block.sh): a block
that does not compress is written as a gzip member of stored deflate blocks, with the CRC-32 that gzip would
write, computed from POSIX cksum. Python's zlib and gzip are the independent readers (RFC 1951, RFC 1952)."""

from __future__ import annotations

import gzip
import os
import subprocess
import zlib
from pathlib import Path

import pytest
from cloudify_pulumi import host_scripts
from gzipformat import member_headers, stored_length

LIBRARY = (host_scripts.SCRIPTS_DIR / "gzip_block.sh").read_text()


def run_library(body: str, cwd: Path, shims: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`body` after GZIP_BLOCK's definitions, in `sh -c` as backup_data.sh runs them; `shims`: commands found
    first on the PATH, by name, as their script text."""
    script = LIBRARY + '\nexec sh -c "$GZIP_BLOCK$0" "$@"\n'
    env = dict(os.environ)
    if shims:
        bin_dir = cwd.parent / f"{cwd.name}-bin"
        bin_dir.mkdir(exist_ok=True)
        for name, text in shims.items():
            (bin_dir / name).write_text(text)
            (bin_dir / name).chmod(0o755)
        env["PATH"] = f"{bin_dir}:{env['PATH']}"
    return subprocess.run(["sh", "-c", script, body], capture_output=True, text=True, timeout=60, cwd=cwd, env=env)


# A host without perl (not every distribution ships it): the shell finds no such command.
NO_PERL = {"perl": "#!/bin/sh\necho 'perl: not found' >&2\nexit 127\n"}
# How the full stored blocks are copied: one perl, or (without it) one head each.
COPIERS = {"perl": None, "head": NO_PERL}


# Around a stored block's 65535 bytes, and a backup block's 8 MiB; 4 bytes is the least the CRC's start takes.
SIZES = [4, 5, 255, 256, 65534, 65535, 65536, 131070, 196605, 196606, 8 * 1024 * 1024]


@pytest.mark.parametrize("copier", sorted(COPIERS))
@pytest.mark.parametrize("size", SIZES)
def test_a_stored_member_reads_back_byte_for_byte_with_the_crc_gzip_computes(size, copier, tmp_path):
    data = os.urandom(size)
    (tmp_path / "block").write_bytes(data)
    done = run_library("stored_member block block.gz && gzip -t block.gz && ls -A", tmp_path, COPIERS[copier])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["block", "block.gz"], "nothing else is written beside the member"
    member = (tmp_path / "block.gz").read_bytes()
    assert gzip.decompress(member) == data
    assert len(member) == stored_length(size), "stored deflate blocks, not compressed ones"
    assert member[-8:] == zlib.crc32(data).to_bytes(4, "little") + size.to_bytes(4, "little")


# The length cksum appends takes 1, 2, 3 and 4 bytes.
@pytest.mark.parametrize("size", [4, 200, 70_000, 16_777_216, 16_777_217])
def test_the_crc_from_cksum_is_gzips_crc_32(size, tmp_path):
    data = os.urandom(size)
    (tmp_path / "data").write_bytes(data)
    done = run_library("gzip_crc data", tmp_path)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == zlib.crc32(data)


@pytest.mark.parametrize(
    ("content", "compresses"),
    [
        (lambda: os.urandom(1_000_000), False),
        (lambda: b"row|cloudify|pending\n" * 50_000, True),
        # the samples are spread over the block: one that starts with text is judged by the rest too
        (lambda: b"x" * 4_000 + os.urandom(996_000), False),
        (lambda: os.urandom(400_000) + b"row|cloudify|pending\n" * 30_000, True),
        # too small to sample (under 128 KiB): compressed, as gzip does anything that small in no time
        (lambda: os.urandom(130_000), True),
    ],
    ids=["random", "text", "random-after-a-text-head", "text-after-random", "small"],
)
def test_a_block_is_compressed_only_if_a_sample_of_it_shrinks_by_an_eighth(content, compresses, tmp_path):
    (tmp_path / "block").write_bytes(content())
    done = run_library("compresses block", tmp_path)
    assert done.returncode == (0 if compresses else 1), done.stderr


@pytest.mark.parametrize(("content", "xfl"), [(b"text\n" * 200_000, 4), (None, 0)], ids=["compressed", "stored"])
def test_gzip_block_writes_one_member_either_way(content, xfl, tmp_path):
    data = content if content is not None else os.urandom(1_000_000)
    (tmp_path / "block").write_bytes(data)
    done = run_library("gzip_block block block.gz", tmp_path)
    assert done.returncode == 0, done.stderr
    member = (tmp_path / "block.gz").read_bytes()
    assert gzip.decompress(member) == data
    assert [header[0] for header in member_headers(member)] == [xfl], (
        "gzip -1 marks its member 4 (fastest), a stored one 0"
    )


# A head that records its arguments, one line per run.
COUNTING_HEAD = '#!/bin/sh\necho "$*" >> "$HEAD_RUNS"\nexec /usr/bin/head "$@"\n'


@pytest.mark.parametrize(("copier", "heads"), [("perl", 0), ("head", 128)])
def test_where_perl_runs_one_perl_copies_a_blocks_full_stored_blocks_not_a_head_each(copier, heads, tmp_path):
    """A head is a process started per 64 KiB, 128 per 8 MiB block; perl is one."""
    data = os.urandom(8 * 1024 * 1024)
    (tmp_path / "block").write_bytes(data)
    runs = tmp_path.parent / f"{tmp_path.name}-head-runs"
    runs.touch()
    shims = {"head": COUNTING_HEAD.replace("$HEAD_RUNS", str(runs)), **(COPIERS[copier] or {})}
    done = run_library("stored_member block block.gz", tmp_path, shims)
    assert done.returncode == 0, done.stderr
    assert gzip.decompress((tmp_path / "block.gz").read_bytes()) == data
    assert runs.read_text().splitlines().count("-c 65535") == heads


def test_a_full_block_perl_cannot_read_whole_fails_the_member(tmp_path):
    """The member's header says how many full blocks follow: a block cut short must not be written as one."""
    (tmp_path / "block").write_bytes(os.urandom(200_000))
    done = run_library('full_blocks 4 < block > out; echo "status $?"', tmp_path)
    assert done.stdout.split() == ["status", "1"], done.stderr
    assert (tmp_path / "out").stat().st_size == 3 * 65540, "the three whole blocks, no fourth"


@pytest.mark.parametrize("limit", ["/dev/full", "the last bytes"])
@pytest.mark.parametrize("copier", sorted(COPIERS))
def test_full_blocks_that_cannot_be_written_fail(copier, limit, tmp_path):
    """A full disk, from the first byte or only for the last few: perl's writes are buffered, so those show when
    its output is flushed at the end (the library closes it and checks; perl 5.36 also fails its exit then)."""
    (tmp_path / "block").write_bytes(os.urandom(200_000))
    if limit == "/dev/full":
        body = "full_blocks 3 < block > /dev/full"
    else:  # one full block is 65540 bytes; the file may grow to 128 blocks of 512, 65536 (SIGXFSZ ignored: EFBIG)
        body = 'trap "" XFSZ; ulimit -f 128; full_blocks 1 < block > out'
    done = run_library(f'{body}; echo "status $?"', tmp_path, COPIERS[copier])
    assert done.stdout.split() == ["status", "1"], done.stderr


def test_perl_says_nothing_of_a_locale_the_host_lacks(tmp_path):
    """The step's stderr streams into `pulumi up`: perl's five lines about a missing locale would be noise."""
    (tmp_path / "block").write_bytes(os.urandom(200_000))
    done = run_library("export LC_ALL=xx_YY.UTF-8; stored_member block block.gz", tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr

"""The Docker step's parsing helpers, run in this machine's `sh` from the shipped script: they read
/etc/os-release and version strings with shell builtins only (issue 14), and must read them exactly as the
`sed`/`cut` pipelines they replaced did: the first value of a key, one pair of quotes removed, a version's
first two dot-separated fields."""

from __future__ import annotations

import subprocess

import pytest
from cloudify_pulumi.host import host_scripts

ARGS = ["false", "-", "http://repo", "0" * 40, "auto", "http://cli", "-"]


def run_functions(body: str) -> subprocess.CompletedProcess:
    """`body` after the shipped ensure_docker.sh's definitions (its `main` left out)."""
    script = host_scripts.shipped_script("ensure_docker.sh")
    definitions, tail = script.rsplit("\nmain\n", 1)
    assert tail.strip() == "", "main is the script's last command"
    return subprocess.run(
        ["sh", "-c", definitions + "\n" + body, "ensure_docker.sh", *ARGS], capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="Ubuntu 14.04.6 LTS"\nVERSION_ID="14.04"\n',
            "ubuntu|14.04|Ubuntu 14.04.6 LTS",
        ),
        (
            "ID='centos'\nVERSION_ID=7\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\nID=second\n",
            "centos|7|CentOS Linux 7 (Core)",
        ),
        ('ID=a=b\nVERSION_ID="\n PRETTY_NAME=indented\nPRETTY_NAME="a"b"', 'a=b|"|a"b'),
        ('# comment\n\nID=""\nVERSION_ID="x\nPRETTY_NAME=$(touch /tmp/never)', '|"x|$(touch /tmp/never)'),
    ],
)
def test_os_release_values_are_the_first_of_each_key_with_one_pair_of_quotes_removed(text, expected, tmp_path):
    release = tmp_path / "os-release"
    release.write_text(text)
    done = run_functions(
        f'release_fields "{release}" ID VERSION_ID PRETTY_NAME\n'
        'printf "%s|%s|%s" "$DISTRO_ID" "$DISTRO_VERSION" "$DISTRO_NAME"'
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected


@pytest.mark.parametrize(
    ("version", "major", "minor", "at_least"),
    [
        ("18.09.0", 18, 9, True),
        ("18.06.1-ce", 18, 9, False),
        ("18.06.1-ce", 18, 6, True),
        ("20.10.24+dfsg1", 18, 9, True),
        ("17.12.1-ce", 18, 6, False),
        ("28.2.2", 18, 9, True),
        ("18", 18, 9, True),  # no dot: `cut -f 2` gives the whole text, so the minor is 18
        ("18.", 18, 0, False),
        ("v18.09", 18, 9, False),
        ("", 18, 9, False),
        ("1.13.1", 1, 8, True),
    ],
)
def test_a_version_is_compared_by_its_first_two_fields(version, major, minor, at_least):
    done = run_functions(f'version_at_least "{version}" {major} {minor} && echo yes || echo no')
    assert done.stdout.strip() == ("yes" if at_least else "no"), done.stderr


@pytest.mark.parametrize(
    ("address", "url"),
    [
        (None, "http://127.0.0.1:80/version"),
        ("10.0.0.5", "http://10.0.0.5:80/version"),
        ("fd00::5", "http://[fd00::5]:80/version"),
    ],
)
def test_the_readiness_check_asks_the_address_it_is_given_an_ipv6_one_in_brackets(tmp_path, address, url):
    """wait_ready.sh with a stub curl that records its arguments and answers 200: the first probe is ready."""
    log = tmp_path / "curl.log"
    stub = tmp_path / "curl"
    stub.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {log}\nprintf 200\n')
    stub.chmod(0o755)
    args = ["false", "cfy-manager", "80", "/version", "5", "cfy-data", "", "", "-", "false"]
    args += [address] if address else []
    done = subprocess.run(
        ["sh", "-c", host_scripts.shipped_script("wait_ready.sh"), "wait_ready.sh", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert log.read_text().splitlines()[-1] == url
    assert f"manager answers at {url}" in done.stderr

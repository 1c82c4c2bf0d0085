"""Bad configuration never crashes the program: property-based tests over every key (Hypothesis).

Whatever a user writes in a stack file, `pulumi preview` ends in a clean plan
or in our ConfigError naming the key, never in a traceback. Each property sets
one key, through the real entry point: `__main__.py` run under the mocks with
the value as Pulumi hands it to a program (text; YAML lists and maps as JSON
text; secret keys as secrets), on the remote `prod` stack. The same values, as
Python values, go to `resolve_args`, what the component judges the
CloudifyManagerArgs of a program that builds its own with.

Values are drawn from: wrong JSON types (lists, maps, numbers, booleans, null
where a string is wanted, and the reverse), empty and blank text, very long
text, Unicode with right-to-left marks and combining characters, brackets,
quotes and shell metacharacters, numbers out of range, negative or not whole,
and nested nonsense inside the structured keys. Text never holds a lone UTF-16
surrogate: a stack file is UTF-8, which cannot encode one.

CI runs a fixed seed and `max_examples` from the `ci` profile (conftest.py);
`CLOUDIFY_PROPERTIES=long scripts/test tests/engine/test_config_properties.py`
searches longer, with a new seed each run.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from cloudify_pulumi.config.inputs import resolve_args
from cloudify_pulumi.config.keys import SECRET_KEYS, SETTING_KEYS, STACK_ONLY_KEYS, field_name
from cloudify_pulumi.config.rules import ConfigError
from cloudify_pulumi.config.typed import typed
from harness import REPO, THROWAWAY_KEY, as_config_string, run_program, stack_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROD = stack_config("prod")
TEXT = st.characters(exclude_categories=("Cs",))
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\t",
        "\n",
        "\u200f",
        "\u202e",
        "\u2066",
        "a\u0301\u0301",
        "\ufeff",
        "\x00",
        "x" * 5000,
        "$(touch /tmp/pwned)",
        "`id`",
        ";rm -rf /",
        "|",
        "&&",
        "'",
        '"',
        "\\",
        "[",
        "]",
        "{",
        "}",
        "[]",
        "{}",
        "-1",
        "0",
        "1.5",
        "65536",
        "1e309",
        "nan",
        "-0",
        "٣",
        "１２",
        "true",
        "null",
        "~",
        "*",
        "../..",
        "//",
    ]
)
SCALARS = st.one_of(
    NASTY,
    st.text(TEXT, max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.one_of(NASTY, st.text(TEXT, max_size=8)), children, max_size=4)
    ),
    max_leaves=12,
)
# Plausible shapes with nonsense inside, so that the deeper checks of the structured keys are reached too.
STRUCTURED: dict[str, st.SearchStrategy[Any]] = {
    "cloudifyPackages": st.fixed_dictionaries(
        {},
        optional={
            "agents": st.dictionaries(st.one_of(NASTY, st.text(TEXT, max_size=8)), JSON_VALUES, max_size=3)
            | JSON_VALUES,
            "docker": st.fixed_dictionaries({}, optional={"docker_url": JSON_VALUES}) | JSON_VALUES,
        },
    ),
    "managers": st.dictionaries(
        st.one_of(st.sampled_from(["a", "site-b", "A", "-x", ""]), NASTY),
        st.dictionaries(st.sampled_from([*SETTING_KEYS, "nope"]), JSON_VALUES, max_size=3) | JSON_VALUES,
        max_size=3,
    ),
    "ports": st.lists(
        st.one_of(
            JSON_VALUES,
            st.integers(-5, 70000),
            st.tuples(st.integers(-5, 70000), st.integers(-5, 70000)).map(lambda pair: f"{pair[0]}:{pair[1]}"),
        ),
        max_size=5,
    ),
    "tmpfs": st.dictionaries(
        st.one_of(NASTY, st.text(TEXT, max_size=8).map(lambda t: "/" + t)), JSON_VALUES, max_size=3
    ),
    "registryAuth": st.fixed_dictionaries(
        {}, optional={"server": JSON_VALUES, "username": JSON_VALUES, "password": JSON_VALUES}
    ),
}


def value_for(key: str) -> st.SearchStrategy[Any]:
    return STRUCTURED.get(key, JSON_VALUES) | JSON_VALUES


def names_the_key(error: ConfigError, key: str) -> bool:
    return any(
        problem.startswith((f"{key}:", f"{key}.")) or (key == "managers" and problem.startswith("managers"))
        for problem in error.problems
    )


def render_with(key: str, value: Any) -> None:
    """The remote stack with `key` set to `value`, as the engine hands it over."""
    text = as_config_string(value)
    secrets = {"sshPrivateKey": THROWAWAY_KEY}
    config = dict(PROD)
    if key in SECRET_KEYS:
        secrets[key] = text
    else:
        config[key] = text
    run_program(config, secrets=secrets)


@pytest.fixture(autouse=True, scope="module")
def quiet():
    logging.disable(logging.WARNING)  # the "pin sshHostKey" warning, once per example
    yield
    logging.disable(logging.NOTSET)


@pytest.mark.parametrize("key", SETTING_KEYS)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_value_of_any_key_renders_or_is_refused_naming_the_key(key, data):
    value = data.draw(value_for(key), label=key)
    try:
        render_with(key, value)
    except ConfigError as error:
        assert names_the_key(error, key), error.problems


PROD_ARGS = {field_name(key): typed(key, value) for key, value in PROD.items()}


@pytest.mark.parametrize("key", [k for k in SETTING_KEYS if k not in SECRET_KEYS and k not in STACK_ONLY_KEYS])
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_the_component_refuses_or_accepts_any_python_value_of_its_args_but_never_crashes(key, data):
    value = data.draw(value_for(key), label=key)
    args = {**PROD_ARGS, "ssh_private_key": THROWAWAY_KEY, field_name(key): value}
    try:
        resolve_args(args, has_ssh_agent=False)
    except ConfigError as error:
        assert names_the_key(error, key), error.problems


# -- every crash the properties found, as a plain example ------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["[", "]", "[]", "[1]", "[null]", "[[]]", "a..b", "-a", "[example.com]", "host:22", "a b", "\u200f"]
)
def test_a_host_that_is_no_address_is_refused_not_a_crash(host):
    """urlsplit raised ValueError ('Invalid IPv6 URL') on the ssh:// address built from an unchecked host."""
    with pytest.raises(ConfigError) as error:
        render_with("host", host)
    assert any(
        p.startswith("host: ") and "must be a host name, an IPv4 address or an IPv6 address" in p
        for p in error.value.problems
    )


@pytest.mark.parametrize(
    ("given_host", "address", "url"),
    [
        ("2001:db8::10", "ssh://ubuntu@[2001:db8::10]:22", "http://[2001:db8::10]"),
        ("[2001:db8::10]", "ssh://ubuntu@[2001:db8::10]:22", "http://[2001:db8::10]"),
        ("10.0.0.5", "ssh://ubuntu@10.0.0.5:22", "http://10.0.0.5"),
    ],
)
def test_an_ipv6_host_is_bracketed_in_every_url(given_host, address, url):
    config = {**PROD, "host": given_host, "publicAddress": "0.0.0.0"}  # the URL names the host where it is public
    run = run_program(config, secrets={"sshPrivateKey": THROWAWAY_KEY})
    assert run.one("pulumi:providers:docker").inputs["host"] == address
    assert run.manager_outputs["managerUrl"] == url


@pytest.mark.parametrize(
    "host_key",
    [
        "\ud800",
        "ssh-ed25519",
        "ssh-ed25519 AAAA\nmalicious.example.com ssh-rsa AAAA",
        "AAAAC3NzaC1lZDI1NTE5",
        "ssh-ed25519 AAAA$(id)",
        "ssh-dss AAAAB3Nza",
    ],
)
def test_a_malformed_host_key_is_refused_before_it_reaches_known_hosts(host_key):
    """A surrogate crashed the serialisation of the outputs; a second line would have been a second trusted
    known_hosts entry."""
    with pytest.raises(ConfigError) as error:
        render_with("sshHostKey", host_key)
    assert any(p.startswith("sshHostKey: must be one public host key") for p in error.value.problems)


def test_every_key_the_program_reads_is_documented_and_has_its_properties():
    """The properties are parametrised over SETTING_KEYS, the keys the program reads (any other key is refused
    as unknown); the configuration reference documents exactly those keys."""
    table = (REPO / "docs" / "configuration.md").read_text()
    documented = {
        key
        for row in table.splitlines()
        if row.startswith("| `")
        for key in re.findall(r"`([A-Za-z][A-Za-z0-9]*)`", row.split("|")[1])
    }
    assert documented == set(SETTING_KEYS)

"""Bad configuration fails before any resource is registered, with one message per problem."""

from __future__ import annotations

import json

import pytest
from cloudify_pulumi.config.keys import SETTING_KEYS
from cloudify_pulumi.config.rules import ConfigError, secret_problems
from harness import THROWAWAY_KEY, last_registrations, run_program, settings_from_text, stack_config

GOOD = {"appImage": "cloudify/manager:3.2.0", "dataImage": "cloudify/manager:3.2.0"}
NO_CREDENTIALS = {"has_private_key": False, "has_ssh_agent": False}


def problems_for(raw: dict[str, str | None], *, has_private_key: bool = False) -> list[str]:
    with pytest.raises(ConfigError) as error:
        settings_from_text(raw, has_private_key=has_private_key, has_ssh_agent=False)
    return error.value.problems


def only_problem(raw: dict[str, str | None], **kwargs: bool) -> str:
    problems = problems_for(raw, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


@pytest.mark.parametrize(
    "reference",
    [
        "Cloudify/Manager:3.2",  # upper case repository
        "cloudify manager:3.2",  # space
        "cloudify/manager:3.2;rm -rf /",  # command separator
        "cloudify/manager:$(touch /tmp/pwned)",
        "cloudify/manager:`id`",
        "cloudify/manager:'3.2'",
    ],
)
def test_malformed_image_reference_is_rejected_naming_the_key(reference):
    message = only_problem({**GOOD, "appImage": reference})
    assert message.startswith("appImage:") and "not a valid Docker image reference" in message


@pytest.mark.parametrize("reference", ["cloudify/manager", "cloudify/manager:latest"])
def test_unpinned_image_is_rejected(reference):
    assert "must pin a tag or digest" in only_problem({**GOOD, "dataImage": reference})


def test_digest_and_registry_port_references_are_accepted():
    settings = settings_from_text(
        {
            "appImage": "registry.local:5000/cfy/manager@sha256:" + "a" * 64,
            "dataImage": "registry.local:5000/cfy/manager:3.2.0-ga",
        },
        has_private_key=False,
        has_ssh_agent=False,
    )
    assert settings.app_image.endswith("a" * 64)


def test_missing_data_image_while_app_image_is_set_is_explained():
    message = only_problem({"appImage": "cloudify/manager:3.2.0"})
    assert message.startswith("dataImage: is required") and "never follows appImage" in message


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        ([80, 70000], "70000 is out of range"),
        ([0], "0 is out of range"),
        ([80, 8080, 80], "host port 80 is published more than once"),
        (["8080:80", 8080], "host port 8080 is published more than once"),
        (["http"], "must be a port number, 'hostPort:containerPort' or 'address:hostPort:containerPort'"),
    ],
)
def test_bad_ports_are_rejected(ports, expected):
    message = only_problem({**GOOD, "ports": json.dumps(ports)})
    assert message.startswith("ports:") and expected in message


def test_port_mappings_publish_host_port_to_container_port():
    settings = settings_from_text(
        {**GOOD, "ports": json.dumps(["8080:80", 443])}, has_private_key=False, has_ssh_agent=False
    )
    assert [(p.host, p.container) for p in settings.ports] == [(8080, 80), (443, 443)]


def test_relative_volume_path_is_rejected():
    message = only_problem({**GOOD, "volumePaths": json.dumps(["/root", "var/log/cloudify"])})
    assert message.startswith("volumePaths:") and "'var/log/cloudify' must be an absolute" in message


def test_host_without_ssh_credential_is_rejected_with_the_fix():
    message = only_problem({**GOOD, "host": "10.0.0.5"})
    assert message.startswith("sshPrivateKey:") and "pulumi config set --secret sshPrivateKey" in message


def test_host_with_an_ssh_agent_needs_no_key():
    settings = settings_from_text({**GOOD, "host": "10.0.0.5"}, has_private_key=False, has_ssh_agent=True)
    assert settings.is_remote and settings.use_sudo, "a non-root user gets sudo by default"


@pytest.mark.parametrize("url", ["ftp://mirror/agent.deb", "file:///tmp/agent.deb", "/tmp/agent.deb"])
def test_agent_url_that_is_not_http_is_rejected(url):
    message = only_problem({**GOOD, "cloudifyPackages": json.dumps({"agents": {"ubuntu": url}})})
    assert message.startswith("cloudifyPackages.agents.ubuntu:") and "http:// or https://" in message


def test_agent_url_of_an_unknown_package_kind_is_rejected():
    message = only_problem({**GOOD, "cloudifyPackages": json.dumps({"agents": {"ubuntu": "http://m/agent.rpm"}})})
    assert "must end in .deb or .tar.gz" in message


def test_docker_url_must_be_http():
    message = only_problem({**GOOD, "cloudifyPackages": json.dumps({"docker": {"docker_url": "ftp://m/i.tar"}})})
    assert message.startswith("cloudifyPackages.docker.docker_url:")


def test_every_problem_is_reported_at_once():
    problems = problems_for(
        {"appImage": "Bad Image", "ports": "[70000]", "volumePaths": '["relative"]', "host": "10.0.0.5"}
    )
    keys = sorted(p.split(":", 1)[0] for p in problems)
    assert keys == ["appImage", "dataImage", "ports", "sshPrivateKey", "volumePaths"]


def test_invalid_configuration_registers_no_resource():
    config = {**stack_config("dev"), "ports": "[80, 80]"}
    with pytest.raises(ConfigError, match="host port 80 is published more than once"):
        run_program(config)
    assert last_registrations() == []


def test_misspelt_setting_is_reported_with_every_setting_there_is():
    with pytest.raises(ConfigError) as error:
        run_program({**stack_config("dev"), "appImg": "cloudify/manager:3.3"})
    assert error.value.problems == [f"appImg: unknown setting (known: {', '.join(SETTING_KEYS)})"]


def test_capabilities_are_normalised_to_the_form_the_engine_stores():
    settings = settings_from_text(
        {**GOOD, "capAdd": json.dumps(["sys_admin", "CAP_NET_ADMIN", "SYS_ADMIN", "all"])},
        has_private_key=False,
        has_ssh_agent=False,
    )
    assert settings.cap_add == ("ALL", "CAP_NET_ADMIN", "CAP_SYS_ADMIN")


@pytest.mark.parametrize("name", ["SYS ADMIN", "$(id)", "", "CAP_"])
def test_malformed_capability_is_rejected(name):
    message = only_problem({**GOOD, "capAdd": json.dumps([name])})
    assert message.startswith("capAdd:") and "capability name" in message


def test_one_container_port_published_twice_is_rejected():
    message = only_problem({**GOOD, "ports": json.dumps(["8080:80", 80])})
    assert message.startswith("ports: container port 80 is published more than once")


def test_ports_are_kept_in_the_order_the_provider_reads_them_back():
    settings = settings_from_text(
        {**GOOD, "ports": json.dumps([443, "8080:80", 53333])}, has_private_key=False, has_ssh_agent=False
    )
    assert [p.container for p in settings.ports] == [80, 443, 53333]


def test_unknown_profile_is_rejected_naming_the_choices():
    message = only_problem({**GOOD, "managerProfile": "cloudify-6"})
    assert message == "managerProfile: 'cloudify-6' is not a profile; choose one of cloudify-3.2, cloudify-7"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("hostname", "Manager_1", "lower-case RFC 1123 host name"),
        ("configDir", "relative/dir", "absolute host path"),
        ("configDir", "/etc/../root", "without '..'"),
        ("dockerCliSha256", "abc", "64-digit hexadecimal"),
        ("dockerAptKeyFingerprint", "9DC8 5822", "40-digit hexadecimal"),
        ("dockerTrustyVersion", "18.06; rm -rf /", "'auto' or an apt version"),
        ("dockerAptRepo", "ftp://mirror", "http:// or https://"),
    ],
)
def test_bad_host_settings_are_rejected_naming_the_key(key, value, expected):
    message = only_problem({**GOOD, key: value})
    assert message.startswith(f"{key}:") and expected in message


def test_the_docker_apt_key_fingerprint_accepts_the_spaced_form():
    settings = settings_from_text(
        {**GOOD, "dockerAptKeyFingerprint": "9dc8 5822 9fc7 dd38 854a e2d8 8d81 803c 0ebf cd88"},
        has_private_key=False,
        has_ssh_agent=False,
    )
    assert settings.trusty_docker.apt_key_fingerprint == "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"


def test_the_retired_install_url_setting_says_what_replaced_it():
    with pytest.raises(ConfigError, match=r"dockerInstallUrl: no longer used: .*dockerAptRepo.*pulumi config rm"):
        run_program(
            {**stack_config("prod"), "dockerInstallUrl": "https://get.docker.com/"},
            secrets={"sshPrivateKey": THROWAWAY_KEY},
        )
    assert last_registrations() == []


def test_a_secret_set_in_plain_text_is_refused_before_any_resource():
    config = {
        **stack_config("prod"),
        "managerProfile": "cloudify-7",
        "adminPassword": "in-the-stack-file",
        "managerSecret": "m" * 40,
    }
    with pytest.raises(ConfigError) as error:
        run_program(config, secrets={"sshPrivateKey": THROWAWAY_KEY})
    assert error.value.problems == [
        "adminPassword: is stored in plain text in the stack file; set it again with "
        "`pulumi config set --secret adminPassword`",
        "managerSecret: is stored in plain text in the stack file; set it again with "
        "`pulumi config set --secret managerSecret`",
    ]
    assert "in-the-stack-file" not in str(error.value)
    assert last_registrations() == []


def test_a_short_manager_secret_is_refused_without_echoing_it():
    config = {**stack_config("prod"), "managerProfile": "cloudify-7"}
    with pytest.raises(ConfigError, match="managerSecret: must be at least 32 characters") as error:
        run_program(config, secrets={"sshPrivateKey": THROWAWAY_KEY, "adminPassword": "pw", "managerSecret": "short"})
    assert "short" not in str(error.value).replace("managerSecret: must", "")
    assert last_registrations() == []


def agents(entries: object) -> dict[str, str]:
    return {**GOOD, "cloudifyPackages": json.dumps({"agents": entries})}


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (
            {"bad name": "https://m/a.deb"},
            "cloudifyPackages.agents: agent name 'bad name' may use only letters, digits, '.', '_' and '-'",
        ),
        (
            {"ubuntu": 5},
            "cloudifyPackages.agents.ubuntu: must be the .deb or .tar.gz package's URL, or a map with 'url' and "
            "'sha256'",
        ),
        (
            {"ubuntu": {"url": "https://m/a.deb", "md5": "x"}},
            "cloudifyPackages.agents.ubuntu: must be the .deb or .tar.gz package's URL, or a map with 'url' and "
            "'sha256'",
        ),
        (
            {"ubuntu": {"url": "https://m/a.deb", "sha256": "abc"}},
            "cloudifyPackages.agents.ubuntu: sha256 must be the 64-digit hexadecimal SHA-256 of the file "
            "(sha256sum prints it)",
        ),
        (
            {"ubuntu": "http://m/a.deb"},
            "cloudifyPackages.agents.ubuntu: 'http://m/a.deb' is plain HTTP without a checksum: use https://, or "
            "give {url: ..., sha256: ...} (`sha256sum` of the file you trust)",
        ),
        (
            {"centos": "https://m/dir/centos%20agent.tar.gz"},
            "cloudifyPackages.agents.centos: tarball file name 'centos%20agent.tar.gz' may use only letters, digits, "
            "'.', '_' and '-'",
        ),
        (
            {"ubuntu": "https://m/agent.rpm"},
            "cloudifyPackages.agents.ubuntu: 'https://m/agent.rpm' must end in .deb or .tar.gz",
        ),
    ],
)
def test_each_bad_agent_entry_is_refused_with_its_own_message(entries, expected):
    assert only_problem(agents(entries)) == expected


def test_agent_packages_become_the_kind_url_and_place_the_agent_step_installs():
    """`.deb` packages are installed by dpkg (no place); tarballs go where the file server hands them out, under
    their own file name (the path's last part, the query left out)."""
    settings = settings_from_text(
        agents(
            {
                "ubuntu_trusty": "https://m/3.2/cloudify-ubuntu-agent_3.2.0_amd64.deb",
                "centos": "https://m/3.2/sub/centos-core-agent.tar.gz?sig=1",
                "win": {"url": "http://m/win.tgz", "sha256": "AB" * 32},
            }
        ),
        has_private_key=False,
        has_ssh_agent=False,
    )
    assert [(a.name, a.url, a.kind, a.target, a.sha256) for a in settings.agents] == [
        ("ubuntu_trusty", "https://m/3.2/cloudify-ubuntu-agent_3.2.0_amd64.deb", "deb", None, None),
        (
            "centos",
            "https://m/3.2/sub/centos-core-agent.tar.gz?sig=1",
            "tar.gz",
            "/opt/manager/resources/packages/agents/centos-core-agent.tar.gz",
            None,
        ),
        # plain HTTP is accepted with a checksum, read in lower case as sha256sum prints it
        ("win", "http://m/win.tgz", "tar.gz", "/opt/manager/resources/packages/agents/win.tgz", "ab" * 32),
    ]


def test_a_plain_http_image_tarball_needs_a_checksum_and_https_does_not():
    def docker_url(value: object) -> dict[str, str]:
        return {**GOOD, "cloudifyPackages": json.dumps({"docker": {"docker_url": value}})}

    assert only_problem(docker_url("http://m/c.tar")) == (
        "cloudifyPackages.docker.docker_url: 'http://m/c.tar' is plain HTTP without a checksum: use https://, or "
        "give {url: ..., sha256: ...} (`sha256sum` of the file you trust)"
    )
    checked = settings_from_text(docker_url({"url": "http://m/c.tar", "sha256": "c" * 64}), **NO_CREDENTIALS)
    assert (checked.docker_image_url, checked.docker_image_sha256) == ("http://m/c.tar", "c" * 64)
    secure = settings_from_text(docker_url("https://m/c.tar"), **NO_CREDENTIALS)
    assert (secure.docker_image_url, secure.docker_image_sha256) == ("https://m/c.tar", None)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (
            "configDir",
            "/etc/../root",
            "configDir: '/etc/../root' must be an absolute host path of letters, digits, '.', "
            "'_', '-' and '/' without '..'",
        ),
        (
            "volumePaths",
            '["/var/lib/my db"]',
            "volumePaths: '/var/lib/my db' must be an absolute container path (such "
            "as /var/log/cloudify) of letters, digits, '.', '_', '-' and '/' without "
            "'..'",
        ),
    ],
)
def test_a_path_that_is_not_plain_is_refused_saying_what_a_plain_path_is(key, value, expected):
    assert only_problem({**GOOD, key: value}) == expected


def test_the_error_pulumi_prints_lists_each_problem_on_its_own_line():
    error = ConfigError(["appImage: bad", "ports: bad too"])
    assert str(error) == "invalid stack configuration (2 problem(s)):\n  - appImage: bad\n  - ports: bad too"


def settings_of(**raw: str):
    return settings_from_text({**GOOD, **raw}, has_private_key=True, has_ssh_agent=False)


def test_settings_that_are_given_are_the_ones_used():
    given = settings_of(host="10.0.0.5", managementIp="192.168.7.7", healthcheckStartPeriod="95", cgroupnsMode="host")
    assert (given.management_ip, given.healthcheck_start_period, given.cgroupns_mode) == ("192.168.7.7", 95, "host")
    assert (
        settings_of(dockerHost="unix:///run/user/1000/docker.sock").docker_host == "unix:///run/user/1000/docker.sock"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"appImage": None}, "appImage: is required: the Cloudify application image, pinned by tag or digest"),
        (
            {"host": "10.0.0.5"},
            "sshPrivateKey: host is set but no SSH credential is configured: run `pulumi config "
            "set --secret sshPrivateKey < ~/.ssh/id_ed25519` or start an ssh-agent (SSH_AUTH_SOCK)",
        ),
        ({"backupCompression": "xz"}, "backupCompression: 'xz' must be one of auto, zstd, gzip, none"),
        ({"volumePaths": '["/var/lib/a", "/var/lib/a"]'}, "volumePaths: '/var/lib/a' is listed more than once"),
        (
            {"cloudifyPackages": '{"agents": ["http://m/a.deb"]}'},
            "cloudifyPackages.agents: must map agent names to package URLs",
        ),
    ],
)
def test_each_of_these_problems_has_its_own_message(raw, expected):
    config = {key: value for key, value in {**GOOD, **raw}.items() if value is not None}
    assert only_problem(config) == expected


@pytest.mark.parametrize("docker_host", ["ssh:10.0.0.5", "tcp:10.0.0.5:2376", "http://10.0.0.5:2375"])
def test_a_docker_host_needs_one_of_the_three_schemes_and_its_slashes(docker_host):
    assert only_problem({**GOOD, "dockerHost": docker_host}).startswith("dockerHost:")


def test_a_management_ip_is_checked_and_read_as_an_address_like_host():
    assert settings_of(managementIp="[fd00::7]").management_ip == "fd00::7"
    assert only_problem({**GOOD, "managementIp": "not an address!"}).startswith("managementIp:")


def test_a_short_manager_secret_is_refused_with_the_command_that_makes_a_good_one():
    assert secret_problems({"managerSecret": "too-short"}, ()) == [
        "managerSecret: must be at least 32 characters; generate one with `openssl rand -base64 48 | pulumi config "
        "set --secret managerSecret`"
    ]

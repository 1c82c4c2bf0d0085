"""Planted bugs: each one must make the test named for it fail.

    scripts/mutants                 # the kept bugs, as CI runs them (after the test bed is up)
    scripts/mutants --all           # every planted bug: the kept ones and the rest (on demand)
    scripts/mutants --list          # the table, kept rows marked with *
    scripts/mutants B62 D18         # only these

Each row plants one bug (one exact text replacement in one file) in a scratch
copy of the working tree, then runs the named test(s) there with this
checkout's virtualenv. The bug is *caught* when pytest reports a test failure
(exit 1). A test run that passes is an escape; one that cannot even start (a
planted bug that breaks collection, exit 2-5) is an error. Either fails the
run, so a test that stops guarding what it is named for is noticed.

pytest also exits 1 when a fixture fails in setup, so a host test with no
Docker engine would "catch" every bug planted for it: a run whose planted
bugs name host tests refuses to start until `docker info` works (scripts/mutants
starts the test bed first), and a run that ends in setup errors with no test
failed is an error too: the bug was not caught by the test named for it.

The table starts with the six bugs that once escaped the whole suite, then
one bug per exit code and per safety check of every host script.

CI runs the rows in KEPT: those that guard lost data, leaked secrets (host keys
included: a machine in the middle reads them), open ports and a stranded
manager, and the historic escapes. Every other row runs with --all.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = REPO / ".venv" / "bin" / "python"
S = "components/cloudify_pulumi/host/scripts/"
P = "components/cloudify_pulumi/"


@dataclass(frozen=True)
class Mutant:
    """One planted bug: replace `old` (which must occur exactly once in `path`) with `new`."""

    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    why: str


def m(name: str, path: str, old: str, new: str, why: str, *tests: str) -> Mutant:
    return Mutant(name, path, old, new, tests, why)


T = "tests/"

KEPT = frozenset(
    {
        # the six bugs that once escaped the whole suite
        *("E1", "E2", "E3", "E4", "E5", "E6"),
        # lost data: the data container, the archive, the restore, the pruning
        *("G-protect", "K7-userdata", "W-key-not-in-volumes", "M50", "F-pattern", "F-kept"),
        *("B62", "B-listing", "B-stop", "B-block", "B-gzip", "H-no-append", "H-no-deletions"),
        *("H-first-archive-only", "H-second-pass-overwrites", "B-whole-not-flushed", "B-failed-flush-ignored"),
        *("F-restore-check", "F-refill-back", "F-restore-swappable", "R72", "F-runbook-in-tmp"),
        # leaked secrets, and what lets a machine in the middle read them
        *("K7-mask", "M-mode", "W-key-mode", "W-key-plain", "W-profile-plain", "O-secret", "L-password-argv"),
        *("L-key-mode-kept", "F-any-mode", "F-any-owner", "F-not-above", "F-marker-followed", "F-config-followed"),
        *("D-new-open", "X-pin", "K-one-command", "K-provider", "K-bastion-unchecked", "K-known-replaced"),
        *(
            "K-known-hashed",
            "K-rerun-on-text",
            "K-rescan-on-text",
            "K-global-known-hosts",
            "L-https-downgrade",
            "S-agent-sha",
        ),
        *("S-image-sha", "S-plain-http", "D18", "D19", "T-k-readiness", "T-k-healthcheck"),
        # open ports
        *("N-agents-all", "N-internal", "N-local-all", "N-open-api", "N-unowned", "T-80-open", "T-ssl-off"),
        # a stranded manager
        *("B61-start", "B63", "F-trap-restart", "F-guard-session", "F-start-stopped", "F-way-back", "R-start"),
        *("G-worker-not-waited-for", "B-gate-failure-ignored", "W-way-back", "H-space", "B60"),
        # a new release that stops, backs up or replaces for nothing; scripts another user could change
        *("I-script-text-in-step", "I-import-again", "I-folder-not-private"),
    }
)
"""The rows CI runs (see the module's docstring); the table test checks that each names a row."""

MUTANTS: tuple[Mutant, ...] = (
    # -- the six that once escaped ------------------------------------------------------------------------------
    m(
        "E1",
        "components/cloudify_pulumi/host/docker_resources.py",
        "        volumes = [docker.ContainerVolumeArgs(container_path=p) for p in s.volume_paths]\n",
        "        volumes = [docker.ContainerVolumeArgs(container_path=p) for p in s.volume_paths]\n"
        "        kept = pulumi.ResourceOptions(parent=parent, provider=provider)\n",
        "anonymous mode: the data container without protect and retainOnDelete",
        T
        + "engine/test_data_protection.py::test_with_anonymous_volumes_the_data_container_is_as_protected_as_with_named_ones",
    ),
    m(
        "E2",
        "components/cloudify_pulumi/host/docker_resources.py",
        "        remove_volumes=False,\n",
        '        remove_volumes=s.data_volumes == "anonymous",\n',
        "anonymous mode: the data container with remove_volumes=True",
        T
        + "engine/test_data_protection.py::test_with_anonymous_volumes_the_data_container_is_as_protected_as_with_named_ones",
    ),
    m(
        "E3",
        "components/cloudify_pulumi/host/docker_resources.py",
        "        remove_volumes=False,\n",
        "        remove_volumes=s.privileged,\n",
        "remove_volumes=True in one configuration only",
        T + "engine/test_provider_readback.py::test_create_only_inputs_never_depend_on_configuration",
    ),
    m(
        "E4",
        "components/cloudify_pulumi/host/docker_resources.py",
        'app = docker.RemoteImage(f"{name}-app-image", name=plan.app_image, keep_locally=True, opts=child)',
        'app = docker.RemoteImage(f"{name}-app-image", name=plan.app_image, keep_locally=False, opts=child)',
        "the app image not kept on the host: a rollback would pull",
        T + "engine/test_data_protection.py::test_every_image_stays_on_the_host_so_a_rollback_pulls_nothing",
    ),
    m(
        "E5",
        S + "backup_data.sh",
        'as_root sh -c \'ls -1t "$1"/"$2"-$3-*.tar* 2>/dev/null | tail',
        'as_root sh -c \'ls -1tr "$1"/"$2"-$3-*.tar* 2>/dev/null | tail',
        "pruning deletes the newest archives, the one just taken among them",
        T + "hosts/test_backup_restore.py::test_pruning_keeps_the_newest_backups_to_keep_archives",
    ),
    m(
        "E6",
        S + "ensure_docker.sh",
        "grep -c '^pub:')\" -eq 1 ]",
        "grep -c '^pub:')\" -ge 1 ]",
        "a repository key file with several keys is trusted",
        T
        + "hosts/test_trusty_install.py::test_trusty_refuses_a_key_file_that_holds_another_key_besides_the_pinned_one",
    ),
    # -- the cloudify-7 profile against the 7.0 image -----------------------------------------------------------
    m(
        "K7-validations",
        "components/cloudify_pulumi/cloudify/manager_config.py",
        '        "validations": {"skip_validations": True},\n',
        "",
        "configure's private-IP validation fails a LAN managementIp",
        T + "engine/test_cloudify7_upstream.py::test_a_lan_management_ip_passes_configures_validation",
    ),
    m(
        "K7-sanity",
        "components/cloudify_pulumi/cloudify/manager_config.py",
        '        "sanity": {"skip_sanity": True},\n',
        "",
        "a changed adminPassword fails configure's sanity (401)",
        T + "engine/test_cloudify7_upstream.py::test_a_changed_admin_password_is_applied_and_never_fails_configure",
    ),
    m(
        "K7-quote",
        "components/cloudify_pulumi/cloudify/manager_config.py",
        "value, style='\"')\n",
        "value)\n",
        "a password such as 1e3 is read back by Cloudify as a number",
        T + "engine/test_cloudify7_upstream.py::test_every_value_reads_back_the_same_in_cloudifys_yaml_1_2_reader",
    ),
    m(
        "K7-admin-step",
        "components/cloudify_pulumi/component/manager.py",
        "        ready = self._admin_password(app, ready_step) or ready_step\n",
        "",
        "a changed adminPassword never reaches the manager's database",
        T + "engine/test_cloudify7_upstream.py::test_a_changed_admin_password_is_applied_and_never_fails_configure",
    ),
    m(
        "K7-userdata",
        "components/cloudify_pulumi/cloudify/profiles.py",
        '            "/opt/cloudify-stage/dist/userData",\n',
        "",
        "the UI's user data is lost on every upgrade",
        T
        + "engine/test_cloudify7_upstream.py::test_the_ui_user_data_is_a_state_path_and_existing_stacks_can_keep_their_data_container",
    ),
    m(
        "K7-configured",
        S + "wait_ready.sh",
        "        answers && configured && {",
        "        answers && {",
        "readiness ends before configure has finished",
        T + "hosts/test_cloudify7_host.py::test_readiness_waits_for_configure_to_finish_after_the_rest_api_answers",
    ),
    m(
        "K7-mask",
        S + "wait_ready.sh",
        "| masked >&2",
        ">&2",
        "the admin password from the container log is shown",
        T + "hosts/test_cloudify7_host.py::test_a_failed_readiness_wait_never_shows_the_admin_password",
    ),
    m(
        "K7-mask-literal",
        S + "wait_ready.sh",
        '            if (secret != "") {',
        "            if (0) {",
        "the admin password is shown where no known pattern masks it",
        T + "hosts/test_cloudify7_host.py::test_a_failed_readiness_wait_never_shows_the_admin_password",
    ),
    m(
        "P80",
        S + "set_admin_password.sh",
        "        fail 80 ",
        "        fail 1 ",
        "exit 80: a stopped manager is not named",
        T + "hosts/test_cloudify7_host.py::test_the_admin_password_needs_a_running_manager",
    ),
    m(
        "P81",
        S + "set_admin_password.sh",
        "    *) fail 81 ",
        "    *) fail 1 ",
        "exit 81: a refused update is not named",
        T + "hosts/test_cloudify7_host.py::test_an_admin_password_the_manager_refuses_fails_naming_the_container",
    ),
    m(
        "P82",
        S + "set_admin_password.sh",
        "    sys.exit(82)",
        "    pass",
        "exit 82: an empty password is set",
        T + "engine/test_cloudify7_upstream.py::test_the_shipped_update_does_what_update_admin_password_py_does",
    ),
    m(
        "P2",
        S + "set_admin_password.sh",
        "[ $# -eq 2 ] ||",
        "[ $# -ge 0 ] ||",
        "exit 2: wrong argument count accepted",
        T + "shell/test_script_usage.py::test_a_wrong_number_of_arguments_is_a_usage_error",
    ),
    # -- container logs and health ---------------------------------------------------------------------------
    m(
        "L-logs",
        "components/cloudify_pulumi/host/containers.py",
        '        "log_opts": {"max-size": plan.log_max_size, "max-file": str(plan.log_max_file)},\n',
        "",
        "the app container's json-file log grows without bound",
        T
        + "engine/test_container_health_and_logs.py::test_the_app_container_keeps_at_most_five_50_megabyte_json_log_files_by_default",
    ),
    m(
        "L-health-replace",
        "components/cloudify_pulumi/host/docker_resources.py",
        'replace_on_changes=["tmpfs", "healthcheck"]',
        'replace_on_changes=["tmpfs"]',
        "a healthcheck change shows in preview and is never applied",
        T + "engine/test_provider_readback.py::test_no_declared_change_is_silently_ignored",
    ),
    m(
        "L-health-quote",
        "components/cloudify_pulumi/host/containers.py",
        '    url = shlex.quote(f"http://127.0.0.1:{port}{plan.readiness_path}")',
        '    url = f"http://127.0.0.1:{port}{plan.readiness_path}"',
        "the readiness path reaches the healthcheck's shell as code",
        T
        + "engine/test_container_health_and_logs.py::test_a_hostile_readiness_path_stays_one_word_in_the_healthcheck_shell",
    ),
    m(
        "L-duration",
        "components/cloudify_pulumi/host/containers.py",
        '        return f"{minutes}m{secs}s"',
        '        return f"{minutes}m"',
        "healthcheck durations read back differently: a perpetual diff",
        T + "engine/test_provider_readback.py::test_the_declared_durations_are_already_in_the_form_go_writes_them",
    ),
    # -- generated secrets ------------------------------------------------------------------------------------
    m(
        "G-protect",
        "components/cloudify_pulumi/component/manager.py",
        "opts=pulumi.ResourceOptions(parent=self, protect=True),\n",
        "opts=pulumi.ResourceOptions(parent=self),\n",
        "the generated manager secret can be deleted, and every stored secret with it",
        T
        + "engine/test_generated_secrets.py::test_the_generated_manager_secret_is_protected_and_the_admin_password_is_not",
    ),
    m(
        "G-set-wins",
        "components/cloudify_pulumi/component/manager.py",
        'self._given.get("admin_password", admin.result),',
        "admin.result,",
        "a set adminPassword is ignored for the generated one",
        T + "engine/test_generated_secrets.py::test_set_values_win_and_the_generators_stay_declared",
    ),
    m(
        "G-broker-set-wins",
        "components/cloudify_pulumi/component/manager.py",
        'self._given.get("broker_password", broker.result),',
        "broker.result,",
        "a set brokerPassword is ignored for the generated one",
        T + "engine/test_generated_secrets.py::test_a_set_broker_password_wins_over_the_generated_one",
    ),
    m(
        "G-broker-shipped",
        "components/cloudify_pulumi/cloudify/manager_config.py",
        '        "rabbitmq": {"password": broker_password},\n',
        "",
        "config.yaml leaves the broker on the image's shipped password",
        T
        + "engine/test_generated_secrets.py::test_a_generated_broker_password_replaces_the_shipped_one_and_stays_secret",
        T
        + "engine/test_cloudify7_upstream.py::test_a_new_manager_takes_the_broker_password_and_an_existing_one_keeps_its_own",
    ),
    # -- behind a bastion -------------------------------------------------------------------------------------
    m(
        "X-provider-hop",
        "components/cloudify_pulumi/host/docker_endpoint.py",
        '            opts += ["-o", self._proxy_command(settings.ssh_proxy, proxy_key)]\n',
        "",
        "the Docker provider's ssh tries the target directly",
        T + "hosts/test_bastion_hosts.py::test_the_providers_own_connection_reaches_the_target_through_the_bastion",
    ),
    m(
        "X-command-hop",
        "components/cloudify_pulumi/host/ssh_trust.py",
        "        host_key=host_key,\n        proxy=proxy,\n    )",
        "        host_key=host_key,\n    )",
        "the host steps try the target directly",
        T + "engine/test_bastion.py::test_every_command_goes_through_the_bastion_with_each_hop_pinned_to_its_own_key",
    ),
    m(
        "X-quote",
        "components/cloudify_pulumi/host/docker_endpoint.py",
        '" ".join(shlex.quote(word) for word in words)',
        '" ".join(words)',
        "bash expands ~ in the bastion hop from $HOME, not where the keys are",
        T + "engine/test_bastion.py::test_no_shell_expands_the_proxy_command_differently_from_ssh",
    ),
    m(
        "X-pin",
        "components/cloudify_pulumi/host/docker_endpoint.py",
        '        "StrictHostKeyChecking=yes",\n',
        '        "StrictHostKeyChecking=accept-new",\n',
        "the provider's ssh takes any new key instead of the pinned or recorded one",
        T + "engine/test_bastion.py::test_the_providers_ssh_reaches_the_bastion_with_its_own_options_as_one_argument",
        T
        + "engine/test_host_keys.py::test_without_a_pinned_key_the_key_scanned_at_first_use_is_given_to_every_connection",
    ),
    m(
        "X-own-key",
        "components/cloudify_pulumi/host/ssh_trust.py",
        "private_key=proxy_private_key or private_key,",
        "private_key=private_key,",
        "the bastion's own key is ignored by the host steps",
        T + "engine/test_bastion.py::test_the_bastion_has_its_own_key_when_one_is_set_and_it_stays_secret",
    ),
    # -- host keys: trust on first use for both transports (issue 23) ---------------------------------------------
    m(
        "K-one-command",
        "components/cloudify_pulumi/host/node.py",
        "            connection=self._connection,\n",
        '            connection=self._connection if suffix != "backup" else ssh_trust.connection(\n'
        '                self._settings, self._given.get("ssh_private_key"), None, None, None\n'
        "            ),\n",
        "the host key dropped from one command's connection (the backup step's)",
        T
        + "engine/test_host_keys.py::test_without_a_pinned_key_the_key_scanned_at_first_use_is_given_to_every_connection",
    ),
    m(
        "K-provider",
        "components/cloudify_pulumi/host/node.py",
        "[key, proxy_key, keys.host, keys.bastion],",
        '[key, proxy_key, pulumi.Output.from_input(keys.host).apply(lambda _: ""), keys.bastion],',
        "the Docker provider's known_hosts does not get the recorded key",
        T
        + "engine/test_host_keys.py::test_without_a_pinned_key_the_key_scanned_at_first_use_is_given_to_every_connection",
    ),
    m(
        "K-bastion-unchecked",
        "components/cloudify_pulumi/host/ssh_trust.py",
        "connection=connection(settings, private_key, proxy_private_key, None, bastion_key),",
        "connection=connection(settings, private_key, proxy_private_key, None, bastion_key.apply(lambda _: None)),",
        "the step that reads the key of a host behind a bastion checks no key on the bastion hop",
        T
        + "engine/test_host_keys.py::test_behind_a_bastion_its_key_is_scanned_and_the_hosts_own_key_read_over_the_checked_hop",
    ),
    m(
        "K-known-replaced",
        P + "host/ssh_trust.py",
        "if not trusted or key.split()[1] in",
        "if True or key.split()[1] in",
        "a host that presents another key than the one this machine knows (1.1.0's record, a pin) is trusted",
        T + "engine/test_host_keys.py::test_a_key_other_than_the_one_this_machine_knows_for_the_host_is_refused",
        T
        + "hosts/test_host_keys_hosts.py::test_a_key_that_1_1_0_recorded_with_accept_new_is_not_replaced_by_a_changed_one",
        T
        + "hosts/test_host_keys_hosts.py::test_a_key_regenerated_between_two_ups_is_refused_until_accepted_with_the_printed_command",
    ),
    m(
        "K-known-hashed",
        P + "host/ssh_trust.py",
        'if pattern.startswith("|1|"):',
        'if pattern.startswith("|1|") and False:',
        "a hashed known_hosts entry (Debian's HashKnownHosts yes) vouches for nothing: its key is replaced",
        T + "engine/test_host_keys.py::test_a_key_other_than_the_one_this_machine_knows_for_the_host_is_refused",
    ),
    m(
        "K-rerun-on-text",
        P + "host/ssh_trust.py",
        'READ_IGNORES = ["create", "connection.user", "connection.privateKey", "connection.proxy"]',
        'READ_IGNORES = ["connection.user", "connection.proxy"]',
        "a new script text or a rotated SSH key runs the record again, which trusts whatever key answers",
        T
        + "engine/test_host_keys.py::test_a_new_text_of_every_script_and_a_rotated_key_leave_the_record_steps_requests_unchanged",
    ),
    m(
        "K-rescan-on-text",
        P + "host/ssh_trust.py",
        'SCAN_IGNORES = ["create"]',
        "SCAN_IGNORES: list[str] = []",
        "a new text of the scan script runs the scan again, on every stack, at the next up",
        T
        + "engine/test_host_keys.py::test_a_new_text_of_every_script_and_a_rotated_key_leave_the_record_steps_requests_unchanged",
    ),
    m(
        "K-global-known-hosts",
        P + "host/docker_endpoint.py",
        """        "-o",
        "GlobalKnownHostsFile=/dev/null",
""",
        "",
        "/etc/ssh/ssh_known_hosts on the machine running pulumi vouches for a key the stack never recorded",
        T
        + "engine/test_host_keys.py::test_without_a_pinned_key_the_key_scanned_at_first_use_is_given_to_every_connection",
    ),
    m(
        "F-any-mode",
        S + "common.sh",
        "[ $(((_group | _other) & 2)) = 0 ] && return 0",
        "return 0",
        "a backupDir others may write in (/tmp) is used: they plant links to files root then overwrites",
        T
        + "hosts/test_backup_restore.py::test_a_backup_folder_another_user_owns_or_may_write_in_is_refused_before_anything_is_stopped",
    ),
    m(
        "F-any-owner",
        S + "common.sh",
        '[ "$2" = 0 ] || [ "$2" = "$4" ] || return 1',
        ":",
        "a backupDir another user owns is used: they plant links to files root then overwrites",
        T
        + "hosts/test_backup_restore.py::test_a_backup_folder_another_user_owns_or_may_write_in_is_refused_before_anything_is_stopped",
    ),
    m(
        "F-not-above",
        S + "common.sh",
        '[ "$_path" != / ] || return 0',
        "return 0",
        "a backupDir inside another user's folder is used: they can swap it for one of their own",
        T
        + "hosts/test_backup_restore.py::test_a_backup_folder_another_user_owns_or_may_write_in_is_refused_before_anything_is_stopped",
    ),
    m(
        "F-marker-followed",
        S + "backup_data.sh",
        """WRITE_MARKER='umask 077 && t=$(mktemp "$1.XXXXXX") && echo "$2" > "$t" && mv -f "$t" "$1"'""",
        """WRITE_MARKER='umask 077 && echo "$2" > "$1"'""",
        "a link at .kept or .at-rest is written through: root overwrites the file it points at",
        T
        + "hosts/test_backup_restore.py::test_links_at_each_fixed_name_in_a_private_folder_are_replaced_never_followed",
    ),
    m(
        "F-config-followed",
        S + "write_manager_config.sh",
        'new=$(mktemp "$1.XXXXXX") || exit 51',
        "new=$1.new",
        "a link at config.yaml.new is written through: root overwrites the file it points at with the secrets",
        T + "hosts/test_backup_restore.py::test_a_config_dir_others_may_write_in_is_refused_and_nothing_is_written",
    ),
    m(
        "F-restore-swappable",
        S + "backup_data.sh",
        '! as_root test -e "$ARCHIVE" || private_folder "$ARCHIVE" restoreFrom',
        ":",
        "an archive in a folder another user owns is restored: they can swap it for data of their own",
        T
        + "hosts/test_backup_restore.py::test_an_archive_to_restore_from_a_folder_others_may_write_in_is_refused_before_anything_is_stopped",
    ),
    m(
        "L-https-downgrade",
        S + "common.sh",
        "https://*) curl -fsSL --proto =https --proto-redir =https --retry 2",
        "https://*) curl -fsSL --retry 2",
        "an https URL without a sha256 follows a redirect to plain http: a network attacker swaps the package",
        T + "hosts/test_host_scripts.py::test_an_https_download_never_follows_a_redirect_to_plain_http",
    ),
    m(
        "L-password-argv",
        P + "cloudify/ready_for_work.py",
        'words = ["cfy", "profiles", "use", url_host(address).strip("[]"), "-t", TENANT]',
        'words = ["cfy", "profiles", "use", url_host(address).strip("[]"), "-p", admin_password, "-t", TENANT]',
        "the admin password on cfy's command line: `cliProfile | sh` shows it to every user of the machine in ps",
        T + "engine/test_ready_for_work.py::test_the_admin_password_is_on_no_command_line_of_the_cli_profile",
        T
        + "hosts/test_cli_profile_hosts.py::test_the_real_cfy_reaches_the_manager_with_the_admin_password_that_no_command_line_holds",
    ),
    m(
        "L-key-mode-kept",
        P + "host/docker_endpoint.py",
        "            handle.write(text)\n    path.chmod(0o600)\n",
        "            handle.write(text)\n        path.chmod(0o600)\n",
        "an SSH private key file loosened since the last run (0644) stays readable to other users",
        T
        + "engine/test_resource_graph.py::test_a_key_file_loosened_since_or_replaced_by_a_link_is_closed_again_on_the_next_run",
    ),
    m(
        "L-shipped-broker-quiet",
        S + "wait_ready.sh",
        "            warn_if_shipped_broker_password\n",
        "",
        "a manager from before 2.0.0 keeps the broker password every Cloudify 7 image ships, and nothing says so",
        T
        + "hosts/test_cloudify7_host.py::test_a_manager_whose_broker_still_takes_the_shipped_password_is_warned_about_once_ready",
    ),
    m(
        "F-runbook-in-tmp",
        "docs/operations.md",
        """python3 components/cloudify_pulumi/host/shipping.py restore_backup.sh |
    ssh manager.example.com 'sudo sh -c "$(cat)" restore_backup.sh false""",
        """scp components/cloudify_pulumi/host/scripts/common.sh components/cloudify_pulumi/host/scripts/archive.sh components/cloudify_pulumi/host/scripts/restore_backup.sh manager.example.com:/tmp/
ssh manager.example.com 'sudo sh /tmp/restore_backup.sh false""",
        "the restore runbook copies the scripts to /tmp, where another user's common.sh is sourced as root",
        T + "hosts/test_backup_restore.py::test_the_documented_restore_commands_work_as_written",
    ),
    m(
        "K-accept",
        "components/cloudify_pulumi/host/ssh_trust.py",
        '&& pulumi up --replace {shlex.quote(urn)}"',
        '&& pulumi up --replace"',
        "the warning does not name the step whose replacement accepts a new key",
        T + "engine/test_host_keys.py::test_each_recorded_key_is_named_with_the_command_that_accepts_a_new_one",
    ),
    m(
        "K-type-order",
        S + "host_key.sh",
        "for _type in ssh-ed25519 ecdsa-sha2-nistp256 ssh-rsa; do",
        "for _type in ecdsa-sha2-nistp256 ssh-ed25519 ssh-rsa; do",
        "the recorded key is not the type pulumi-command then asks for first (ed25519)",
        T + "hosts/test_host_keys_hosts.py::test_the_first_run_records_the_key_the_host_presents",
    ),
    m(
        "K91",
        S + "host_key.sh",
        '        first_preferred) ||\n        fail 91 "no SSH host key answered on $HOST port $PORT; check the host and port, or pin the key with sshHostKey"\n',
        "        first_preferred) || true\n",
        "a host that answers no SSH records an empty key instead of failing",
        T + "hosts/test_host_keys_hosts.py::test_a_host_that_answers_no_ssh_fails_the_scan_naming_the_host_and_port",
    ),
    m(
        "K92",
        S + "host_key.sh",
        '        fail 92 "no readable public host key in /etc/ssh on $(hostname); pin the key with sshHostKey"\n',
        "        true\n",
        "a host without a readable key records an empty one",
        T + "hosts/test_host_keys_hosts.py::test_the_hosts_own_key_is_read_and_an_unreadable_one_fails_naming_the_fix",
    ),
    # -- TLS for cloudify-7 (issue 23) -------------------------------------------------------------------------
    m(
        "T-k-readiness",
        S + "wait_ready.sh",
        "_status=$(curl -sS -o /dev/null -m 5 -w '%{http_code}' ${CA_FILE:+",
        "_status=$(curl -k -sS -o /dev/null -m 5 -w '%{http_code}' ${CA_FILE:+",
        "-k in the readiness check: any certificate counts as the manager's",
        T + "hosts/test_tls_hosts.py::test_a_wrong_certificate_or_plain_http_never_counts_as_ready",
    ),
    m(
        "T-resolve",
        S + "wait_ready.sh",
        '        --resolve "$(bracketed "$TLS_NAME"):$PORT:$ADDRESS" "$URL"',
        '        "$URL"',
        "the readiness check looks the name up instead of connecting to the published address",
        T + "hosts/test_tls_hosts.py::test_with_the_right_ca_the_manager_is_ready_and_its_ca_is_reported",
    ),
    m(
        "T-k-healthcheck",
        "components/cloudify_pulumi/host/containers.py",
        'words = ["curl", "-fsS", "-o", "/dev/null",',
        'words = ["curl", "-k", "-fsS", "-o", "/dev/null",',
        "-k in the healthcheck",
        T + "engine/test_tls.py::test_no_check_skips_certificate_verification",
    ),
    m(
        "T-80-open",
        "components/cloudify_pulumi/cloudify/profiles.py",
        '"users, the CLI, `pulumi up`", plain_http=True',
        '"users, the CLI, `pulumi up`"',
        "plain HTTP port 80 stays published with TLS",
        T + "engine/test_network_exposure.py::"
        "test_a_remote_cloudify_7_manager_publishes_443_everywhere_and_the_agent_ports_on_the_management_ip",
    ),
    m(
        "T-ssl-off",
        "components/cloudify_pulumi/cloudify/manager_config.py",
        '        security["ssl_enabled"] = True\n',
        "        pass\n",
        "config.yaml leaves the image's ssl_enabled: false",
        T + "engine/test_tls.py::test_a_remote_cloudify_7_manager_serves_https_only_with_its_own_ca_by_default",
    ),
    m(
        "T-sni",
        "components/cloudify_pulumi/cloudify/manager_config.py",
        '            "public_ip": settings.tls_name,\n',
        '            "public_ip": settings.management_ip,\n',
        "the user's certificate is never served: public_ip is the address, not publicName",
        T
        + "engine/test_tls.py::test_a_certificate_of_the_users_is_written_from_stdin_mounted_read_only_and_served_by_sni",
    ),
    m(
        "T-ca-system",
        "components/cloudify_pulumi/cloudify/manager_config.py",
        '    return tls_target("ca") if settings.has_tls_ca else None\n',
        '    return tls_target("ca") if settings.has_tls_ca else INTERNAL_CA_CERT\n',
        "a certificate of the user's without a CA is checked against the manager's own CA",
        T + "engine/test_tls.py::test_without_a_ca_of_the_users_the_systems_trusted_cas_check_the_certificate",
    ),
    m(
        "T-renew",
        "components/cloudify_pulumi/component/manager.py",
        "        contents = [text, *(self._manager_tls[which] for which in sorted(self._manager_tls))]\n",
        "        contents = [text]\n",
        "a renewed certificate never reaches the manager (the container is not replaced)",
        T + "engine/test_tls.py::test_a_new_certificate_replaces_the_app_container",
    ),
    # -- usage errors touch nothing ------------------------------------------------------------------------------
    m(
        "U-late-check",
        S + "write_manager_config.sh",
        """    case "$DIR" in /*) ;; *) fail 2 "DIR must be an absolute path, got '$DIR'" ;; esac
    case "$NAME" in "" | . | .. | */*) fail 2 "NAME must be a plain file name, got '$NAME'" ;; esac
    require_root_access
    if ! private_dir "$DIR" configDir; then
        fail 51 "could not create $DIR (configDir)"
    fi
""",
        """    case "$NAME" in "" | . | .. | */*) fail 2 "NAME must be a plain file name, got '$NAME'" ;; esac
    require_root_access
    if ! private_dir "$DIR" configDir; then
        fail 51 "could not create $DIR (configDir)"
    fi
    case "$DIR" in /*) ;; *) fail 2 "DIR must be an absolute path, got '$DIR'" ;; esac
""",
        "a relative configDir is refused only after its folder was made (in the working folder)",
        T + "shell/test_script_usage.py::test_a_malformed_argument_is_a_usage_error_naming_it",
    ),
    # -- the library: Outputs as inputs ------------------------------------------------------------------------
    m(
        "O-floats",
        "components/cloudify_pulumi/config/values.py",
        "        value = int(value)  # other Pulumi languages send every number as a float\n",
        "        pass\n",
        "a port from another language reaches an address as 2222.0",
        T + "engine/test_library.py::test_whole_number_floats_are_read_as_integers_and_never_printed_as_floats",
    ),
    m(
        "O-host",
        "components/cloudify_pulumi/host/ssh_trust.py",
        "port=derive(settings, lambda s: s.ssh_port),",
        "port=22,",
        "the host steps connect on the default SSH port, not on the VM's",
        T + "engine/test_library.py::test_an_output_host_reaches_every_host_step_the_provider_and_the_manager_url",
    ),
    m(
        "O-hostname",
        "components/cloudify_pulumi/host/containers.py",
        '"hostname": derive(settings, lambda s: s.hostname) if plan.has_hostname',
        '"hostname": plan.name_prefix if plan.has_hostname',
        "an Output hostname is declared as the name prefix, not as its value",
        T + "engine/test_library.py::test_settings_given_as_outputs_reach_the_resources_once_known",
    ),
    m(
        "O-secret",
        "components/cloudify_pulumi/config/inputs.py",
        "    return pulumi.Output.secret(pulumi.Output.from_input(value).apply(checked))",
        "    return pulumi.Output.from_input(value).apply(checked)",
        "a registry password a YAML program sends in plain text lands in the state",
        T + "engine/test_library.py::test_secrets_given_as_plain_strings_are_kept_secret",  # first: seconds, not 90
        T + "packaging/test_plugin.py::test_construct_keeps_secrets_secret_though_the_schema_has_no_secret_flag",
    ),
    m(
        "O-tls",
        "components/cloudify_pulumi/config/inputs.py",
        'lambda s, v: v[0] if (s.docker_host or "").startswith("tcp://") else None)',
        "lambda s, v: v[0])",
        "TLS material is sent to a provider that connects over ssh://, a change for earlier stacks",
        T + "engine/test_library.py::test_tls_material_reaches_the_provider_only_for_a_tcp_docker_host",
    ),
    # -- common.sh ---------------------------------------------------------------------------------------------
    m(
        "C11",
        S + "common.sh",
        "        sudo -n true 2>/dev/null ||\n",
        "        true ||\n",
        "exit 11: a user without passwordless sudo is not stopped early",
        T + "hosts/test_trusty_install.py::test_trusty_user_without_sudo_gets_a_clear_message_and_nothing_is_done",
    ),
    m(
        "C2",
        S + "common.sh",
        '    *) fail 2 "USE_SUDO must be true or false',
        '    *) say "USE_SUDO must be true or false',
        "exit 2: a malformed USE_SUDO is accepted",
        T + "shell/test_script_usage.py::test_a_malformed_argument_is_a_usage_error_naming_it",
    ),
    # -- backup_data.sh ----------------------------------------------------------------------------------------
    m(
        "B2",
        S + "backup_data.sh",
        "if [ $# -ne 9 ] && [ $# -ne 10 ]; then",
        "if false; then",
        "exit 2: wrong argument count accepted",
        T + "shell/test_script_usage.py::test_a_wrong_number_of_arguments_is_a_usage_error",
    ),
    m(
        "B2k",
        S + "backup_data.sh",
        "    case \"$KEEP\" in '' | *[!0-9]*) fail 2",
        '    case "$KEEP" in x) fail 2',
        "exit 2: a KEEP that is not a number is accepted",
        T + "shell/test_script_usage.py::test_a_malformed_argument_is_a_usage_error_naming_it",
    ),
    m(
        "B-first",
        S + "backup_data.sh",
        '    if [ -z "$IMAGE_ID" ]; then',
        "    if false; then",
        "the first up (no container yet) is not recognised",
        T + "hosts/test_backup_restore.py::test_the_first_up_has_nothing_to_back_up",
    ),
    m(
        "B-key",
        S + "backup_data.sh",
        'grep -qxF "CLOUDIFY_PULUMI_REPLACEMENT_KEY=$KEY"',
        'grep -qxF "CLOUDIFY_PULUMI_REPLACEMENT_KEY=x$KEY"',
        "a rerun for another reason stops the manager and archives again",
        T + "hosts/test_backup_restore.py::test_a_second_run_with_nothing_changed_archives_nothing",
    ),
    m(
        "B60",
        S + "backup_data.sh",
        '        fail 60 "the backup folder',
        '        say "the backup folder',
        "exit 60: an unwritable backupDir is not refused before the stop",
        T + "hosts/test_backup_restore.py::test_an_unwritable_backup_folder_stops_before_anything_is_stopped",
    ),
    m(
        "B61",
        S + "two_pass.sh",
        'fail 61 "archiving',
        'fail 1 "archiving',
        "exit 61: a failed archive is not reported as such",
        T + "hosts/test_backup_restore.py::test_a_full_disk_fails_the_backup_and_starts_the_old_container_again",
    ),
    m(
        "B61-start",
        S + "guardian.sh",
        '    if as_root docker start "$APP" >/dev/null 2>&1; then',
        "    if true; then",
        "a failed backup leaves the manager stopped",
        T + "hosts/test_backup_restore.py::test_a_full_disk_fails_the_backup_and_starts_the_old_container_again",
    ),
    m(
        "B61-partial",
        S + "guardian.sh",
        '            [ -z "$PARTIAL" ] || as_root rm -f "$PARTIAL"\n',
        "            :\n",
        "a failed backup leaves a partial archive",
        T + "hosts/test_backup_restore.py::test_a_full_disk_fails_the_backup_and_starts_the_old_container_again",
    ),
    m(
        "B62",
        S + "two_pass.sh",
        '    test_part "$1" "$OFFSET" 2>/dev/null || fail 62',
        "    true || fail 62",
        "exit 62: a truncated archive is kept as a backup",
        T
        + "hosts/test_backup_restore.py::test_an_archive_that_cannot_be_read_back_is_refused_and_the_old_container_starts_again",
    ),
    m(
        "B63",
        S + "guardian.sh",
        'stop -t 120 "$APP" >/dev/null || fail 63',
        'stop -t 120 "$APP" >/dev/null || true',
        "exit 63: a container that could not be stopped is archived while running",
        T + "hosts/test_backup_restore.py::test_a_container_that_cannot_be_stopped_is_not_archived",
    ),
    m(
        "B-listing",
        S + "two_pass.sh",
        '[ "$source" = 0 ] && [ "$(cat "$work/listed")" = 0 ] || exit 1',
        '[ "$source" = 0 ] || exit 1',
        "a tar stream cut short is kept as a backup",
        T + "hosts/test_backup_restore.py::test_a_tar_stream_cut_short_is_refused_in_the_same_pass",
    ),
    m(
        "B64",
        S + "backup_data.sh",
        "            fail 64 ",
        "            say ",
        "exit 64: zstd asked for but missing is not named before the stop",
        T + "hosts/test_backup_restore.py::test_zstd_asked_for_on_a_host_without_it_stops_before_anything",
    ),
    m(
        "B-format",
        S + "backup_data.sh",
        "    auto) if command -v zstd >/dev/null 2>&1; then COMPRESSION=zstd; else COMPRESSION=gzip; fi ;;",
        "    auto) COMPRESSION=gzip ;;",
        "auto never uses the host's zstd",
        T + "hosts/test_backup_restore.py::test_backup_then_wipe_then_restore_gives_back_identical_files",
    ),
    m(
        "B-stop",
        S + "guardian.sh",
        '    as_root docker stop -t 120 "$APP" >/dev/null ||',
        "    true ||",
        "the data is archived while the manager writes to it",
        T + "hosts/test_backup_restore.py::test_backup_then_wipe_then_restore_gives_back_identical_files",
    ),
    m(
        "B-append",
        S + "two_pass.sh",
        'cat "$work/$_block.gz" >> "$1"',
        'cat "$work/$_block.gz" > "$1"',
        "each gzip block overwrites the archive instead of being appended (the file still tests whole)",
        T + "hosts/test_backup_restore.py::test_a_gzip_only_host_compresses_blocks_on_every_core_and_restores_them",
    ),
    m(
        "B-cores",
        S + "two_pass.sh",
        '    [ "$workers" -le 4 ] || workers=4\n',
        "    workers=1\n",
        "a gzip-only host compresses on one core",
        T + "hosts/test_backup_restore.py::test_a_gzip_only_host_compresses_blocks_on_every_core_and_restores_them",
    ),
    m(
        "B-one-more",
        S + "two_pass.sh",
        '    [ "$workers" -lt 2 ] || workers=$((workers + 1))\n',
        "",
        "a gzip-only host compresses as many blocks as cores: the stream waits whenever every core is busy",
        T + "hosts/test_backup_restore.py::test_a_gzip_only_host_compresses_one_block_more_than_its_cores_at_once_"
        "and_never_more_than_4",
    ),
    m(
        "B-one-more-on-one-core",
        S + "two_pass.sh",
        '    [ "$workers" -lt 2 ] || workers=$((workers + 1))\n',
        "    workers=$((workers + 1))\n",
        "a one-core host cuts the stream into blocks for two gzips on one core",
        T + "hosts/test_backup_restore.py::test_a_gzip_only_host_compresses_one_block_more_than_its_cores_at_once_"
        "and_never_more_than_4",
    ),
    m(
        "B-at-most-4",
        S + "two_pass.sh",
        '    [ "$workers" -le 4 ] || workers=4\n',
        "",
        "more blocks wait than the free-space check's 64 MiB allows for",
        T + "hosts/test_backup_restore.py::test_a_gzip_only_host_compresses_one_block_more_than_its_cores_at_once_"
        "and_never_more_than_4",
    ),
    m(
        "B-block",
        S + "two_pass.sh",
        'of="$work/$started" 2> /dev/null || { drain_blocks; return 1; }',
        'of="$work/$started" 2> /dev/null || true',
        "a gzip block that could not be written is passed over",
        T
        + "hosts/test_backup_restore.py::test_a_gzip_block_that_cannot_be_written_whole_fails_the_backup_and_starts_the_old_container_again",
    ),
    m(
        "B-gzip",
        S + "two_pass.sh",
        '    drain_blocks\n    [ "$_failed" = 62 ] || _failed=1\n    return "$_failed"\n}',
        "    drain_blocks\n    return 0\n}",
        "a gzip block that failed is left out of the archive",
        T
        + "hosts/test_backup_restore.py::test_a_gzip_block_that_cannot_be_written_whole_fails_the_backup_and_starts_the_old_container_again",
    ),
    m(
        "B-block-test",
        S + "two_pass.sh",
        '{ status=62; gzip -t < "$work/$started.gz" 2> /dev/null; }',
        "{ status=62; true; }",
        "a gzip block is appended untested, and its part is not read back either",
        T
        + "hosts/test_backup_restore.py::test_an_archive_that_cannot_be_read_back_is_refused_and_the_old_container_starts_again",
    ),
    m(
        "B-block-test-61",
        S + "two_pass.sh",
        '    [ "$_failed" = 62 ] || _failed=1\n',
        "    _failed=1\n",
        "a gzip block that does not read back is reported as a failed copy (61), not as an unreadable archive (62)",
        T
        + "hosts/test_backup_restore.py::test_an_archive_that_cannot_be_read_back_is_refused_and_the_old_container_starts_again",
    ),
    m(
        "B-tested-serial",
        S + "two_pass.sh",
        '        $compress >> "$1"\n',
        '        $compress >> "$1" && : > "$tested"\n',
        "a part compressed in one stream (zstd, pigz) is taken as tested block by block, and never read back",
        T
        + "hosts/test_backup_restore.py::test_an_archive_that_cannot_be_read_back_is_refused_and_the_old_container_starts_again",
    ),
    m(
        "B-mark-always",
        S + "two_pass.sh",
        '[ ! -e "$mark" ] || { rm -f "$mark"; exit 0; }',
        "exit 0",
        "every part is taken as tested block by block, whether or not its pass left the mark",
        T
        + "hosts/test_backup_restore.py::test_an_archive_that_cannot_be_read_back_is_refused_and_the_old_container_starts_again",
    ),
    # -- restore_backup.sh -------------------------------------------------------------------------------------
    m(
        "R2",
        S + "restore_backup.sh",
        "[ $# -eq 4 ] ||",
        "[ $# -ge 0 ] ||",
        "exit 2: wrong argument count accepted",
        T + "shell/test_script_usage.py::test_a_wrong_number_of_arguments_is_a_usage_error",
    ),
    m(
        "R2a",
        S + "restore_backup.sh",
        '    case "$ARCHIVE" in /*) ;; *) fail 2',
        '    case "$ARCHIVE" in *) ;; x) fail 2',
        "exit 2: a relative archive path is accepted",
        T + "shell/test_script_usage.py::test_a_malformed_argument_is_a_usage_error_naming_it",
    ),
    m(
        "R70",
        S + "restore_backup.sh",
        '    archive_holds_only "$ARCHIVE" $_paths ||',
        "    true ||",
        "exit 70: a missing or unreadable archive stops the manager first",
        T
        + "hosts/test_backup_restore.py::test_restore_refuses_a_missing_or_unreadable_archive_before_stopping_anything",
    ),
    m(
        "R71",
        S + "restore_backup.sh",
        '"$APP") || fail 71',
        '"$APP") || _image=missing',
        "exit 71: a missing app container is not named",
        T + "hosts/test_backup_restore.py::test_restore_needs_the_app_container_to_restore_for",
    ),
    m(
        "R72",
        S + "restore_backup.sh",
        '        fail 72 "restoring',
        '        fail 1 "restoring',
        "exit 72: a failed restore is not reported as such",
        T + "hosts/test_backup_restore.py::test_a_failed_restore_leaves_the_app_container_stopped_and_says_so",
    ),
    m(
        "R-empty",
        S + "archive.sh",
        '    rm -rf "$path"/* "$path"/.[!.]* "$path"/..?* || exit 1\n',
        "    :\n",
        "files that were not in an earlier release's archive survive its restore (an archive of this release's "
        "two passes deletes them itself: tar -G)",
        T + "hosts/test_two_pass_backup_hosts.py::test_an_archive_of_an_earlier_release_still_restores",
    ),
    m(
        "R-start",
        S + "restore_backup.sh",
        '        as_root docker start "$APP" >/dev/null || fail 72',
        "        true || fail 72",
        "a restored manager is not started again",
        T + "hosts/test_backup_restore.py::test_backup_then_wipe_then_restore_gives_back_identical_files",
    ),
    # -- wait_ready.sh -----------------------------------------------------------------------------------------
    m(
        "W2",
        S + "wait_ready.sh",
        "if [ $# -ne 10 ] && [ $# -ne 11 ] && [ $# -ne 13 ]; then",
        "if false; then",
        "exit 2: wrong argument count accepted",
        T + "shell/test_script_usage.py::test_a_wrong_number_of_arguments_is_a_usage_error",
    ),
    m(
        "W-wait",
        S + "wait_ready.sh",
        "        answers && configured && {\n",
        "        true && {\n",
        "readiness never waits for the manager",
        T + "hosts/test_host_scripts.py::test_a_long_readiness_wait_reports_progress_until_the_manager_answers",
    ),
    m(
        "W-progress",
        S + "wait_ready.sh",
        "progress_every 10 ",
        "progress_every 20 ",
        "no progress line every 10 s",
        T + "hosts/test_host_scripts.py::test_a_long_readiness_wait_reports_progress_until_the_manager_answers",
    ),
    m(
        "W40",
        S + "wait_ready.sh",
        "show_log_and_fail 40 ",
        "show_log_and_fail 1 ",
        "exit 40: a timeout is not one",
        T + "hosts/test_host_scripts.py::test_readiness_timeout_fails_with_the_container_log",
    ),
    m(
        "W41",
        S + "wait_ready.sh",
        "show_log_and_fail 41 ",
        "show_log_and_fail 40 ",
        "exit 41: a stopped container is reported as a timeout",
        T + "hosts/test_host_scripts.py::test_readiness_fails_at_once_when_the_container_stops",
    ),
    m(
        "W42",
        S + "wait_ready.sh",
        '        fail 42 "neither curl',
        '        fail 1 "neither curl',
        "exit 42: no HTTP client is not named",
        T + "hosts/test_host_scripts.py::test_readiness_needs_an_http_client_on_the_host",
    ),
    m(
        "W43",
        S + "wait_ready.sh",
        "show_log_and_fail 43 ",
        "show_log_and_fail 40 ",
        "exit 43: a schema mismatch is reported as a timeout",
        T + "hosts/test_host_scripts.py::test_readiness_reports_a_database_schema_mismatch_at_once_with_the_way_back",
    ),
    m(
        "W-tail",
        S + "wait_ready.sh",
        "docker logs --tail 40 ",
        "docker logs --tail 60 ",
        "a failure shows more than the last 40 log lines",
        T + "hosts/test_host_scripts.py::test_a_readiness_failure_shows_the_last_40_lines_of_the_container_log",
    ),
    m(
        "W-way-back",
        S + "wait_ready.sh",
        '"pulumi config set appImage $PREVIOUS_IMAGE; pulumi config set restoreFrom',
        '"pulumi config set restoreFrom',
        "a failure does not name the image to go back to",
        T + "hosts/test_host_scripts.py::test_readiness_timeout_fails_with_the_container_log",
    ),
    # -- ensure_docker.sh --------------------------------------------------------------------------------------
    m(
        "D2",
        S + "ensure_docker.sh",
        "if [ $# -ne 7 ]; then",
        "if false; then",
        "exit 2: wrong argument count accepted",
        T + "shell/test_script_usage.py::test_a_wrong_number_of_arguments_is_a_usage_error",
    ),
    m(
        "D10",
        S + "ensure_docker.sh",
        "        is_trusty || fail 10",
        "        true || fail 10",
        "exit 10: Docker is installed on a distribution other than Ubuntu 14.04",
        T + "hosts/test_host_scripts.py::test_other_distributions_without_docker_fail_without_installing",
    ),
    m(
        "D12",
        S + "ensure_docker.sh",
        "        start_daemon || fail 12",
        "        start_daemon || fail 1",
        "exit 12: a daemon that cannot start is not named",
        T + "hosts/test_host_scripts.py::test_daemon_that_cannot_start_fails_clearly",
    ),
    # The test host has no systemd, and `service` is in /usr/sbin, off a non-root login's PATH (as on Debian
    # and Ubuntu): the init script is what starts the daemon there.
    m(
        "D-root",
        S + "ensure_docker.sh",
        "        as_root /etc/init.d/docker start\n",
        "        /etc/init.d/docker start\n",
        "the stopped daemon is started without root",
        T + "hosts/test_host_scripts.py::test_stopped_daemon_is_started_as_root",
    ),
    m(
        "D13",
        S + "ensure_docker.sh",
        "        fail 13 \"could not download Docker's repository key",
        "        fail 1 \"could not download Docker's repository key",
        "exit 13: a failed download is not named",
        T + "hosts/test_trusty_install.py::test_trusty_names_the_key_url_when_it_cannot_be_downloaded",
    ),
    m(
        "D14",
        S + "ensure_docker.sh",
        'fail 14 "docker-ce $_version is installed but no docker command',
        'fail 1 "docker-ce $_version is installed but no docker command',
        "exit 14: a package without docker",
        T + "hosts/test_trusty_install.py::test_trusty_stops_when_the_installed_package_left_no_docker_command",
    ),
    m(
        "D15",
        S + "ensure_docker.sh",
        '    [ "$CLI_SHA256" != - ] && return 0\n',
        "    return 0\n",
        "exit 15: the static CLI is installed without a checksum to check",
        T + "hosts/test_trusty_install.py::test_trusty_without_a_cli_checksum_fails_before_changing_anything",
    ),
    m(
        "D16",
        S + "ensure_docker.sh",
        "client_serves_ssh || fail 16",
        "client_serves_ssh || true",
        "exit 16: a static CLI too old for dial-stdio is accepted",
        T + "hosts/test_trusty_install.py::test_trusty_refuses_a_static_cli_older_than_dial_stdio_needs",
    ),
    m(
        "D17",
        S + "ensure_docker.sh",
        '    fail 17 "user $1 cannot open $DOCKER_SOCKET (group $_group)',
        '    fail 1 "user $1 cannot open $DOCKER_SOCKET (group $_group)',
        "exit 17: the missing access is not named",
        T + "hosts/test_provider_connection.py::test_a_user_without_sudo_or_group_gets_the_exact_command_to_run",
    ),
    m(
        "D-group",
        S + "ensure_docker.sh",
        '    as_root usermod -aG "$_group" "$PROVIDER_USER" ||',
        "    true ||",
        "the provider's user is never given access to the socket",
        T
        + "hosts/test_provider_connection.py::test_a_sudo_only_user_is_refused_until_the_docker_step_adds_it_to_the_group",
    ),
    m(
        "D18",
        S + "ensure_docker.sh",
        '    if [ "$_found" != "$KEY_FINGERPRINT" ]; then',
        "    if false; then",
        "exit 18: a repository key with another fingerprint is trusted",
        T + "hosts/test_trusty_install.py::test_trusty_refuses_a_repository_key_with_another_fingerprint",
    ),
    m(
        "D19",
        S + "ensure_docker.sh",
        '    if [ "$_sum" != "$CLI_SHA256" ]; then',
        "    if false; then",
        "exit 19: a CLI tarball with another checksum is installed",
        T + "hosts/test_trusty_install.py::test_trusty_refuses_a_cli_tarball_with_another_checksum",
    ),
    m(
        "D-hold",
        S + "ensure_docker.sh",
        "    as_root apt-mark hold docker-ce >&2 ||",
        "    true ||",
        "the installed docker-ce is not held at its version",
        T
        + "hosts/test_trusty_install.py::test_trusty_installs_docker_from_the_apt_repository_and_serves_the_providers_connection",
    ),
    m(
        "D-unquote",
        S + "ensure_docker.sh",
        '    \\"*\\")\n',
        '    \\"*\\"-no)\n',
        "os-release values keep their double quotes (the distribution is misnamed)",
        T + "hosts/test_host_scripts.py::test_other_distributions_without_docker_fail_without_installing",
    ),
    m(
        "D-minor",
        S + "ensure_docker.sh",
        "    _minor=${1#*.}\n",
        "    _minor=$1\n",
        "the minor version is read as the major (18.06 passes as 18.18)",
        T + "hosts/test_trusty_install.py::test_trusty_refuses_a_static_cli_older_than_dial_stdio_needs",
    ),
    # -- install_agents.sh -------------------------------------------------------------------------------------
    m(
        "A2",
        S + "install_agents.sh",
        "if [ $# -lt 2 ] || [ $((($# - 2) % 4)) -ne 0 ]; then",
        "if false; then",
        "exit 2: wrong argument count accepted",
        T + "shell/test_script_usage.py::test_a_wrong_number_of_arguments_is_a_usage_error",
    ),
    m(
        "A20",
        S + "install_agents.sh",
        '            fail 20 "could not download',
        '            fail 1 "could not download',
        "exit 20: a failed download is not named",
        T + "hosts/test_host_scripts.py::test_agent_url_answering_404_fails_naming_the_url",
    ),
    m(
        "A21",
        S + "install_agents.sh",
        '        fail 21 "dpkg could not install',
        '        fail 1 "dpkg could not install',
        "exit 21: a refused package is not named",
        T + "hosts/test_host_scripts.py::test_an_agent_package_that_dpkg_refuses_fails_naming_it",
    ),
    m(
        "A22",
        S + "install_agents.sh",
        "    container_running || fail 22",
        "    true || fail 22",
        "exit 22: a stopped app container is not named",
        T + "hosts/test_host_scripts.py::test_agents_need_a_running_app_container",
    ),
    m(
        "A-deb",
        S + "install_agents.sh",
        '= "install ok installed $ver" ]',
        '= "never" ]',
        "an installed agent package is installed again on every run",
        T + "hosts/test_host_scripts.py::test_agent_packages_are_installed_inside_the_app_container_idempotently",
    ),
    m(
        "A-tar",
        S + "install_agents.sh",
        '    if [ "$_want" = "$_have" ]; then',
        "    if false; then",
        "an identical agent tarball is copied again on every run",
        T + "hosts/test_host_scripts.py::test_agent_packages_are_installed_inside_the_app_container_idempotently",
    ),
    # -- import_image.sh ---------------------------------------------------------------------------------------
    m(
        "I2",
        S + "import_image.sh",
        "[ $# -eq 4 ] ||",
        "[ $# -ge 0 ] ||",
        "exit 2: wrong argument count accepted",
        T + "shell/test_script_usage.py::test_a_wrong_number_of_arguments_is_a_usage_error",
    ),
    m(
        "I30",
        S + "import_image.sh",
        "        fail 30 ",
        "        fail 1 ",
        "exit 30: a failed download is not named",
        T + "hosts/test_host_scripts.py::test_offline_import_failures_name_the_tarball",
    ),
    m(
        "I31",
        S + "import_image.sh",
        "        fail 31 ",
        "        fail 1 ",
        "exit 31: a failed import is not named",
        T + "hosts/test_host_scripts.py::test_offline_import_failures_name_the_tarball",
    ),
    m(
        "I-once",
        S + "import_image.sh",
        '    if [ "$MODE" = if-missing ] && _id=$(image_id); then',
        "    if false; then",
        "the data image is imported again on every run",
        T + "hosts/test_host_scripts.py::test_offline_image_is_imported_from_docker_url",
    ),
    # -- write_manager_config.sh -------------------------------------------------------------------------------
    m(
        "M2",
        S + "write_manager_config.sh",
        "if [ $# -ne 2 ] && [ $# -ne 3 ]; then",
        "if false; then",
        "exit 2: wrong argument count accepted",
        T + "shell/test_script_usage.py::test_a_wrong_number_of_arguments_is_a_usage_error",
    ),
    m(
        "M50",
        S + "write_manager_config.sh",
        'if [ ! -s "$new" ]; then rm -f "$new"; exit 50; fi',
        ":",
        "exit 50: empty input replaces the manager's config",
        T
        + "hosts/test_manager_identity_hosts.py::test_the_config_written_over_ssh_is_private_and_the_app_container_sees_it_read_only",
    ),
    m(
        "M51",
        S + "write_manager_config.sh",
        '        fail 51 "could not create',
        '        fail 1 "could not create',
        "exit 51: an unwritable configDir is not named",
        T + "hosts/test_host_scripts.py::test_a_config_folder_that_cannot_be_created_fails_naming_the_setting",
    ),
    m(
        "M-mode",
        S + "write_manager_config.sh",
        'chmod 600 "$new"',
        'chmod 644 "$new"',
        "the config with the admin password is world-readable",
        T
        + "hosts/test_manager_identity_hosts.py::test_the_config_written_over_ssh_is_private_and_the_app_container_sees_it_read_only",
    ),
    # -- network exposure (issue 23) -----------------------------------------------------------------------------
    m(
        "N-agents-all",
        "components/cloudify_pulumi/config/model.py",
        "        if role == AGENTS:\n            return self.management_ip\n",
        '        if role == AGENTS:\n            return "0.0.0.0"\n',
        "0.0.0.0 back on the agent ports",
        T + "engine/test_network_exposure.py::test_a_remote_3_2_manager_whose_api_has_no_login_publishes_it_on_the_"
        "management_ip_with_the_agent_ports",
        T + "hosts/test_network_exposure_hosts.py::test_the_declared_bindings_are_what_docker_publishes_and_what_a_"
        "client_elsewhere_can_reach",
    ),
    m(
        "N-internal",
        "components/cloudify_pulumi/cloudify/profiles.py",
        "for p in self.ports if p.role != INTERNAL",
        "for p in self.ports",
        "the profile's internal ports published again",
        T + "engine/test_network_exposure.py::test_a_remote_3_2_manager_whose_api_has_no_login_publishes_it_on_the_"
        "management_ip_with_the_agent_ports",
        T + "hosts/test_network_exposure_hosts.py::test_the_declared_bindings_are_what_docker_publishes_and_what_a_"
        "client_elsewhere_can_reach",
    ),
    m(
        "N-local-all",
        "components/cloudify_pulumi/config/exposure.py",
        '            return "127.0.0.1"',
        '            return "0.0.0.0"',
        "a manager on this machine published on every address",
        T + "engine/test_network_exposure.py::test_a_manager_on_this_machine_is_published_on_loopback_only",
    ),
    m(
        "N-open-api",
        P + "config/exposure.py",
        'return "0.0.0.0" if profile.rest_login else None',
        'return "0.0.0.0"',
        "cloudify-3.2's REST API, which has no login, is published on every address of a remote host by default",
        T
        + "engine/test_network_exposure.py::test_a_remote_3_2_manager_whose_api_has_no_login_publishes_it_on_the_management_ip_with_the_agent_ports",
    ),
    m(
        "N-open-api-quiet",
        P + "component/manager.py",
        "        if warning is not None and public:",
        "        if False:",
        "publishing an API without a login on every address, as asked, passes without a word",
        T
        + "engine/test_network_exposure.py::test_publishing_an_api_without_a_login_on_every_address_warns_on_every_run",
    ),
    m(
        "N-unowned",
        "components/cloudify_pulumi/host/docker_endpoint.py",
        "        if address in WILDCARDS or address in report.addresses:",
        "        if True:",
        "an address the host does not own reaches Docker's create",
        T + "engine/test_network_exposure.py::test_a_nat_address_as_management_ip_stops_the_program_after_the_"
        "docker_step_before_any_container",
    ),
    m(
        "N-report",
        S + "ensure_docker.sh",
        '$1 == "/32" && $2 == "host" && $3 == "LOCAL"',
        '$1 == "/32" && $2 == "link"',
        "the Docker step reports no IPv4 address of the host",
        T + "hosts/test_host_scripts.py::test_host_with_working_docker_prints_the_server_and_client_versions",
    ),
    m(
        "N-ready-address",
        "components/cloudify_pulumi/config/model.py",
        '        return dict(zip(WILDCARDS, (LOOPBACK, "::1"), strict=True)).get(address, address)',
        "        return LOOPBACK",
        "the readiness check looks on loopback for a port published elsewhere",
        T + "engine/test_network_exposure.py::test_the_readiness_check_reaches_the_public_port_on_the_address_it_is_"
        "published_on",
    ),
    m(
        "T-auto-3x",
        S + "ensure_docker.sh",
        "    refuse_unfixed_runc\n    _version=$(trusty_docker_version)\n",
        "    _version=$(trusty_docker_version)\n",
        "auto installs on a 3.x kernel (a docker-ce without the CVE-2019-5736 fix, or one that cannot run)",
        T + "hosts/test_trusty_install.py::test_auto_on_a_3_x_kernel_is_refused_naming_the_cve_the_hwe_kernel_and_"
        "the_explicit_version",
    ),
    m(
        "D-chmod-existing",
        S + "common.sh",
        '    if ! as_root test -d "$1"; then\n',
        '    as_root test -d "$1" && as_root chmod 700 "$1"\n    if ! as_root test -d "$1"; then\n',
        "a folder the program did not create is made 0700 (an existing backupDir's mode is the admin's)",
        T + "hosts/test_backup_restore.py::test_a_private_backup_folder_that_already_exists_keeps_its_mode_and_a_new_"
        "one_is_made_0700",
        T + "hosts/test_host_scripts.py::test_the_config_folder_is_made_0700_only_when_the_step_creates_it",
    ),
    m(
        "D-new-open",
        S + "common.sh",
        '    as_root mkdir -m 700 "$1" 2>/dev/null',
        '    as_root mkdir "$1" 2>/dev/null',
        "a folder the program creates for archives or config is left open to other users",
        T + "hosts/test_host_scripts.py::test_the_config_folder_is_made_0700_only_when_the_step_creates_it",
        T + "hosts/test_backup_restore.py::test_backup_then_wipe_then_restore_gives_back_identical_files",
    ),
    m(
        "S-agent-sha",
        S + "install_agents.sh",
        '        sha256_matches "$_work/package" "$_sha256" ||',
        "        true ||",
        "an agent package is installed whatever its checksum",
        T + "hosts/test_host_scripts.py::test_an_agent_package_whose_checksum_differs_is_refused_before_it_reaches_"
        "the_container",
    ),
    m(
        "S-image-sha",
        S + "import_image.sh",
        "SHA256=${5:--}",
        "SHA256=-",
        "the image tarball's checksum is never checked",
        T + "hosts/test_host_scripts.py::test_an_image_tarball_whose_checksum_differs_is_not_imported",
    ),
    m(
        "S-plain-http",
        "components/cloudify_pulumi/config/cloudify_packages.py",
        '    if sha256 is None and urlsplit(url).scheme == "http":',
        "    if False:",
        "a plain http:// package URL without a checksum is accepted",
        T + "engine/test_config_validation.py::test_each_bad_agent_entry_is_refused_with_its_own_message",
        T + "engine/test_config_validation.py::test_a_plain_http_image_tarball_needs_a_checksum_and_https_does_not",
    ),
    m(
        "W-ipv6",
        S + "wait_ready.sh",
        """bracketed() { case $1 in *:*) printf '[%s]' "$1" ;; *) printf '%s' "$1" ;; esac; }""",
        """bracketed() { printf '%s' "$1"; }""",
        "the readiness URL of an IPv6 address without brackets",
        T + "shell/test_shell_functions.py::test_the_readiness_check_asks_the_address_it_is_given_an_ipv6_one_in_"
        "brackets",
    ),
    # -- operations that never strand the manager (issue 24) ---------------------------------------------------
    m(
        "F-pattern",
        S + "backup_data.sh",
        """NEWEST='ls -1t "$1"/"$2"-$3-*.tar* 2>/dev/null | head -n 1'""",
        """NEWEST='ls -1t "$1"/"$2"-*.tar* 2>/dev/null | head -n 1'""",
        "the old pattern <container>-*: another manager's archive is reported as this one's",
        T
        + "hosts/test_restore_in_up_hosts.py::test_two_managers_sharing_a_backup_dir_never_prune_report_or_restore_each_others_archives",
    ),
    m(
        "F-first-up-newest",
        S + "backup_data.sh",
        'report "$(newest_archive)" ""\n        return 0\n    fi\n    begin',
        'report "" ""\n        return 0\n    fi\n    begin',
        "with no app container (a failed create) latestBackup and the archive pruning keeps go empty",
        T
        + "hosts/test_restore_in_up_hosts.py::test_two_managers_sharing_a_backup_dir_never_prune_report_or_restore_each_others_archives",
        T
        + "hosts/test_fault_matrix_hosts.py::test_a_create_that_fails_after_the_delete_leaves_the_way_back_printed_and_a_"
        "rerun_upgrades",
    ),
    m(
        "F-trap-restart",
        S + "guardian.sh",
        "            # shellcheck disable=SC2086\n            recover $PATHS\n        fi",
        "            :\n        fi",
        "the restart dropped from the interruption trap",
        T
        + "hosts/test_never_stranded_hosts.py::test_sigterm_from_a_cancelled_up_mid_archive_starts_the_old_manager_again_and_says_so",
        T + "hosts/test_never_stranded_hosts.py::test_sigpipe_on_a_progress_line_starts_the_old_manager_again",
    ),
    m(
        "F-guard-session",
        S + "guardian.sh",
        'if [ -n "$_session" ] && [ ! -e "/proc/$_session" ]; then',
        "if false; then",
        "the guardian does not notice the SSH connection gone",
        T
        + "hosts/test_never_stranded_hosts.py::test_killing_the_ssh_client_mid_archive_starts_the_old_manager_again_within_seconds",
    ),
    m(
        "F-prune-early",
        S + "backup_data.sh",
        '    as_root rm -f "$FOLDER/.at-rest"\n    case "$_previous" in',
        '    as_root rm -f "$FOLDER/.at-rest"\n    prune\n    case "$_previous" in',
        "pruning moved back before readiness: failed tries eat the archive taken before the upgrade",
        T
        + "hosts/test_restore_in_up_hosts.py::test_pruning_waits_for_readiness_and_keeps_the_archive_taken_before_the_upgrade",
    ),
    m(
        "F-kept",
        S + "backup_data.sh",
        '[ "${old##*/}" = "$5" ] || rm -f "$old"',
        'rm -f "$old"',
        "pruning deletes the archive taken before the last upgrade, the way back",
        T + "hosts/test_backup_restore.py::test_pruning_keeps_the_archive_taken_before_the_upgrade_beside_the_newest",
    ),
    m(
        "F-start-stopped",
        S + "backup_data.sh",
        '            as_root docker start "$APP" >/dev/null || fail 63 "could not start $APP: on the host',
        '            true || fail 63 "could not start $APP: on the host',
        "an abandoned upgrade leaves the manager stopped",
        T + "hosts/test_never_stranded_hosts.py::test_a_manager_found_stopped_with_no_replacement_to_follow_is_started",
    ),
    m(
        "F-way-back",
        S + "backup_data.sh",
        '    say "the way back, if the new container does not come up:',
        '    : "the way back, if the new container does not come up:',
        "no way back printed before the old container can be deleted",
        T + "hosts/test_never_stranded_hosts.py::test_the_way_back_is_printed_before_the_old_container_can_be_deleted",
    ),
    m(
        "F-recorded-image",
        S + "backup_data.sh",
        '    [ -z "$_key" ] ||\n        _ref=$(as_root cat',
        "    true ||\n        _ref=$(as_root cat",
        "the way back names the image ID, not the appImage the stack had",
        T + "hosts/test_never_stranded_hosts.py::test_the_way_back_names_the_app_image_the_stack_had_not_an_image_id",
    ),
    m(
        "F-image-id",
        "components/cloudify_pulumi/config/rules.py",
        "    if IMAGE_ID.match(reference):",
        "    if False:",
        "sha256:<id> accepted as appImage (read as docker.io/library/sha256)",
        T + "engine/test_restore_and_backup_now.py::test_an_image_id_as_app_image_is_refused_as_not_a_reference",
    ),
    m(
        "F-restore-check",
        S + "backup_data.sh",
        '    archive_holds_only "$ARCHIVE" $PATHS ||',
        "    true ||",
        "restoreFrom empties the volumes for a damaged archive",
        T
        + "hosts/test_restore_in_up_hosts.py::test_restore_from_a_damaged_or_missing_archive_is_refused_with_nothing_touched",
    ),
    m(
        "F-restore-once",
        "components/cloudify_pulumi/host/backups.py",
        'return step("restore", create, triggers=[archive], depends_on=after, update=UNCHANGED)',
        'return step("restore", create, triggers=[archive], depends_on=after)',
        "a later up with any other change restores the archive again",
        T + "engine/test_restore_and_backup_now.py::test_a_restore_runs_once_per_value_and_reruns_the_steps_after_it",
        T + "hosts/test_restore_in_up_hosts.py::test_a_later_up_with_the_same_restore_from_runs_nothing_on_the_host",
    ),
    m(
        "F-restore-order",
        "components/cloudify_pulumi/component/manager.py",
        "            after=[data] if restore is None else [data, restore],",
        "            after=[data],",
        "the backup no longer waits for the restore",
        T + "engine/test_restore_and_backup_now.py::test_the_restore_runs_before_the_backup_which_runs_before_the_app_"
        "container",
    ),
    m(
        "F-refill-back",
        S + "guardian.sh",
        '        if refill_volumes "$SAFE" "$IMAGE_ID" "$@" && wait "$REFILLER"; then',
        "        if true; then",
        "a restore cut short starts the manager on half-restored data",
        T + "hosts/test_restore_in_up_hosts.py::test_a_restore_cut_short_puts_back_the_data_it_archived_and_starts_the_"
        "manager",
    ),
    m(
        "F-at-rest",
        S + "backup_data.sh",
        '    if ! running && [ -n "$_rest" ] && [ "${_rest% *}" = "$_state" ]; then',
        "    if false; then",
        "a rollback with restoreFrom archives the same data twice",
        T + "hosts/test_fault_matrix_hosts.py::test_the_printed_way_back_rolls_back_image_and_data_in_one_up",
    ),
    # -- issue 25: a manager ready for work ---------------------------------------------------------------------
    m(
        "W-context-update",
        S + "bootstrap_context.sh",
        "    200) _query='?update=true' _done=updated _want=200 ;;",
        "    200) _query='' _done=updated _want=201 ;;",
        "a context that exists is posted again as new (the 3.2 REST service answers 409)",
        T + "hosts/test_ready_for_work_hosts.py::test_the_context_is_created_updated_on_a_change_and_left_alone_on_an_"
        "unchanged_up",
    ),
    m(
        "W-context-every-up",
        P + "cloudify/ready_for_work.py",
        "lambda s, v: host_scripts.upload_bootstrap_context(s, v[0]))",
        'lambda s, v: host_scripts.upload_bootstrap_context(s, v[0]) + " # " + str(__import__("time").time_ns()))',
        "the context step changes on every up, so an unchanged up uploads it again",
        T + "hosts/test_ready_for_work_hosts.py::test_the_context_is_created_updated_on_a_change_and_left_alone_on_an_"
        "unchanged_up",
    ),
    m(
        "W-context-key-path",
        P + "cloudify/bootstrap_context.py",
        '"agent_key_path": AGENT_KEY_PATH if has_agent_key else None}',
        '"agent_key_path": AGENT_KEY_PATH}',
        "without agentPrivateKey the context names a key that is not there",
        T + "engine/test_ready_for_work.py::test_a_cloudify_3_2_manager_uploads_the_simple_blueprints_context_once_it_"
        "answers",
    ),
    m(
        "W-context-before-key",
        P + "component/manager.py",
        "self._settings, app, key or ready)",
        "self._settings, app, ready)",
        "the context may be uploaded before the key it names is in place",
        T + "engine/test_ready_for_work.py::test_cloudify_3_2_places_the_key_from_stdin_where_the_context_names_it_"
        "before_uploading_it",
    ),
    m(
        "W-key-mode",
        S + "agent_key.sh",
        'chmod 600 "$1.new" && mv -f "$1.new" "$1"',
        'chmod 644 "$1.new" && mv -f "$1.new" "$1"',
        "the agents' key readable by every user of the container",
        T + "hosts/test_ready_for_work_hosts.py::test_the_agents_key_is_placed_0600_in_the_data_volumes_and_is_still_"
        "there_after_an_upgrade",
    ),
    m(
        "W-key-not-in-volumes",
        P + "cloudify/bootstrap_context.py",
        'AGENT_KEY_PATH = "/root/.ssh/agent_key.pem"',
        'AGENT_KEY_PATH = "/etc/cloudify-agent/agent_key.pem"',
        "the agents' key outside the data volumes: an upgrade loses it",
        T + "hosts/test_ready_for_work_hosts.py::test_the_agents_key_is_placed_0600_in_the_data_volumes_and_is_still_"
        "there_after_an_upgrade",
    ),
    m(
        "W-key-plain",
        P + "cloudify/ready_for_work.py",
        "stdin=key)",
        "stdin=pulumi.Output.unsecret(key))",
        "the agents' key in plain state",
        T + "engine/test_ready_for_work.py::test_cloudify_3_2_places_the_key_from_stdin_where_the_context_names_it_"
        "before_uploading_it",
    ),
    m(
        "W-secret-no-update",
        P + "host/host_scripts.py",
        '"update_if_exists": True',
        '"update_if_exists": False',
        "a changed agentPrivateKey is refused (409) by a manager that has agent_key",
        T + "engine/test_ready_for_work.py::test_cloudify_7_stores_the_key_as_the_manager_secret_agent_key_with_"
        "everything_secret_on_stdin",
    ),
    m(
        "W-secret-tenant",
        P + "host/host_scripts.py",
        '        ("header", f"Tenant: {tenant}"),\n',
        "",
        "the agents' key stored without naming the tenant its blueprints run in",
        T + "hosts/test_ready_for_work_hosts.py::test_cloudify_7_stores_the_agents_key_as_a_hidden_tenant_secret_and_"
        "updates_it_when_it_changes",
    ),
    m(
        "W-secret-401",
        S + "manager_secret.sh",
        '    401) fail 95 "the manager refused',
        '    401-never) fail 95 "the manager refused',
        "refused credentials reported as a manager that did not answer",
        T + "hosts/test_ready_for_work_hosts.py::test_cloudify_7_secret_step_fails_clearly_on_refused_credentials",
    ),
    m(
        "W-owned-key",
        P + "cloudify/operator_config.py",
        '    ("manager", "private_ip"): "managementIp",\n',
        "",
        "managerConfig may move the manager's private IP behind managementIp's back",
        T + "engine/test_ready_for_work.py::test_a_key_the_program_owns_is_refused_naming_the_setting_that_owns_it",
    ),
    m(
        "W-generated-lost",
        P + "cloudify/operator_config.py",
        "    dict_merge(document, copy.deepcopy(dict(generated)))\n",
        "",
        "config.yaml holds managerConfig alone, without the generated identity",
        T + "engine/test_ready_for_work.py::test_manager_config_is_merged_into_config_yaml_as_cfy_manager_reads_it",
    ),
    m(
        "W-licence-unnamed",
        P + "cloudify/manager_config.py",
        '        document["manager"]["cloudify_license_path"] = operator_config.LICENSE_TARGET\n',
        "        pass\n",
        "the licence is written and mounted but config.yaml does not name it",
        T + "engine/test_ready_for_work.py::test_a_licence_is_written_from_stdin_mounted_read_only_and_named_in_"
        "config_yaml",
    ),
    m(
        "W-memory-minimum",
        P + "cloudify/operator_config.py",
        "    if profile.manager_config and memory < CLOUDIFY_MINIMUM_MEMORY_MB:",
        "    if False:",
        "a memory limit Cloudify 7 cannot run in is accepted",
        T + "engine/test_ready_for_work.py::test_a_memory_limit_below_cloudifys_minimum_is_refused",
    ),
    m(
        "W-memory-swap",
        P + "host/docker_resources.py",
        '{"memory": memory, "memory_swap": memory}',
        '{"memory": memory}',
        "swap left to Docker (twice the limit): the manager swaps, and every preview shows a diff",
        T
        + "hosts/test_ready_for_work_hosts.py::test_memory_and_cpus_are_what_docker_reports_for_the_created_container",
    ),
    m(
        "W-cpus-read-back",
        P + "cloudify/operator_config.py",
        '    if nine.count("0") == 9:',
        "    if rest == 0:",
        "cpus declared in another form than the provider reads back: a replacement on every up",
        T + "engine/test_ready_for_work.py::test_the_cpus_read_back_mirrors_the_providers_decimal_string",
    ),
    m(
        "W-workers",
        P + "cloudify/operator_config.py",
        "    return min(int(math.ceil(Decimal(cpus)) * ratio) + 1, most)",
        "    return min(int(math.ceil(Decimal(cpus)) * ratio), most)",
        "the worker counts for cpus are not Cloudify's formula",
        T
        + "engine/test_ready_for_work.py::test_cpus_are_declared_as_the_provider_reads_them_back_and_size_the_workers",
    ),
    m(
        "W-profile-plain",
        P + "cloudify/ready_for_work.py",
        "    return pulumi.Output.secret(\n",
        "    return (\n",
        "the CLI profile, which holds the admin password, in plain outputs",
        T + "engine/test_ready_for_work.py::test_the_cli_profile_of_a_cloudify_3_2_manager_is_cfy_use_on_the_address_"
        "its_api_is_published_on",
    ),
    # -- issue 50: the scripts installed by a step of their own ----------------------------------------------------
    m(
        "I-script-text-in-step",
        P + "host/host_scripts.py",
        "    return installed(settings.app_container_name, name, *args)",
        "    return invocation(name, *args)",
        "each step's command holds its script's text: a new release stops the manager, backs up and imports again",
        T + "engine/test_script_releases.py::test_a_new_text_of_every_script_changes_only_the_step_that_installs_them",
    ),
    m(
        "I-before-install",
        P + "host/node.py",
        "            depends_on=[*installed, *(depends_on or [])],",
        "            depends_on=list(depends_on or []),",
        "a step may run before the scripts it runs are on the host",
        T + "engine/test_requests_unchanged.py::test_the_engine_receives_the_same_requests_as_before_the_library",
    ),
    m(
        "I-folder-not-private",
        S + "install_scripts.sh",
        'private_dir "$BASE" "the program\'s scripts folder"',
        'mkdir -p "$BASE"',
        "the scripts root runs go in a folder another user may write in or owns",
        T + "hosts/test_script_install_hosts.py::test_a_scripts_folder_another_user_could_change_is_refused",
    ),
    m(
        "I-files-readable",
        S + "install_scripts.sh",
        'chmod 600 "$NEW"/*',
        'chmod 644 "$NEW"/*',
        "the installed scripts are readable by every user of the host",
        T + "hosts/test_script_install_hosts.py::test_the_scripts_are_installed_private_to_the_ssh_user_and_a_step_"
        "runs_them",
    ),
    m(
        "I-import-again",
        S + "import_image.sh",
        '    if [ "$MODE" = always ] && holds_content "$(content_id "$_work/image.tar")"; then',
        "    if false; then",
        "the app import runs again for another reason and its new image ID replaces the container for nothing",
        T + "hosts/test_host_scripts.py::test_the_same_app_tarball_again_keeps_its_image_and_a_new_one_is_imported",
    ),
    # -- issue 26: honest figures, and downtime that does not grow with the data ----------------------------------
    m(
        "M-docker-unchecked",
        "scripts/mutants.py",
        "    if not answered:\n",
        "    if False:\n",
        "planted bugs for host tests run with no Docker engine, each counted as caught by its setup error",
        T + "engine/test_planted_bugs_table.py::test_a_run_naming_host_tests_refuses_to_start_without_a_docker_engine",
    ),
    m(
        "M-setup-error-as-failure",
        "scripts/mutants.py",
        '    if verdict == "caught" and not re.search(r"\\b\\d+ failed\\b", output):\n',
        "    if False:\n",
        "a run that ends in a fixture's setup error counts as a catch",
        T + "engine/test_planted_bugs_table.py::test_a_run_that_ends_in_a_setup_error_is_an_error_not_a_catch",
    ),
    m(
        "H-stand-in-sleeps-through-term",
        "tests/hostbed.py",
        "while :; do sleep 1 & wait $!; done",
        "while :; do sleep 1; done",
        "the stand-in manager runs its SIGTERM trap only after its second's sleep: up to a second of its own in "
        "every timed stop, on both sides of the backup rows",
        T + "hosts/test_benchmarks_hosts.py::test_the_stand_in_manager_exits_as_soon_as_it_is_sent_sigterm",
    ),
    m(
        "K-key-wrong-slot",
        "components/cloudify_pulumi/host/containers.py",
        "            return known[value.index]",
        "            return known[0]",
        "the replacement key digests the first Output's value wherever an Output was (a config change unseen)",
        T + "engine/test_generated_secrets.py::test_switching_from_a_generated_to_a_set_password_replaces_only_the_"
        "app_side",
    ),
    m(
        "K-key-lists-not-walked",
        "components/cloudify_pulumi/host/containers.py",
        "        if isinstance(value, list):\n            return [hollow(item) for item in value]",
        "",
        "the replacement key misses the Outputs inside lists (the environment's config revision)",
        T + "engine/test_requests_unchanged.py::test_the_engine_receives_the_same_requests_as_before_the_library",
    ),
    m(
        "G-second-in-the-foreground",
        S + "guardian.sh",
        "        sleep 1 </dev/null >/dev/null 2>&1 &\n        wait $!\n",
        "        sleep 1\n",
        "the guardian sleeps in the foreground on the session's output: the step ends up to a second after its script",
        T + "hosts/test_never_stranded_hosts.py::test_the_step_ends_when_its_script_does_not_when_the_guardians_"
        "second_does",
    ),
    m(
        "G-second-holds-the-output",
        S + "guardian.sh",
        "        sleep 1 </dev/null >/dev/null 2>&1 &\n",
        "        sleep 1 &\n",
        "the guardian's sleep keeps the session's output open after the run, and the step with it",
        T + "hosts/test_never_stranded_hosts.py::test_the_step_ends_when_its_script_does_not_when_the_guardians_"
        "second_does",
    ),
    m(
        "B-first-part-not-flushed",
        S + "two_pass.sh",
        '        to_disk "$PARTIAL" || fail 67 "the archive $PARTIAL could not be written to the disk (fsync failed: a disk '
        'error?); $APP still runs, nothing was deleted"\n',
        "",
        "the first part's writeback waits in the page cache into the downtime",
        T
        + "hosts/test_two_pass_backup_hosts.py::test_the_archive_is_on_the_disk_part_by_part_and_under_its_final_name_"
        "before_the_step_ends",
    ),
    m(
        "B-whole-not-flushed",
        S + "two_pass.sh",
        '    to_disk "$PARTIAL" || fail 67 "the archive $PARTIAL could not be written to the disk (fsync failed: a disk '
        'error?); nothing was deleted"\n',
        "",
        "the archive's second part may still be in the page cache when the old container is deleted",
        T
        + "hosts/test_two_pass_backup_hosts.py::test_the_archive_is_on_the_disk_part_by_part_and_under_its_final_name_"
        "before_the_step_ends",
    ),
    m(
        "B-name-flushed-before-the-rename",
        S + "two_pass.sh",
        '    as_root mv -f "$PARTIAL" "$FOLDER/$_name"\n    PARTIAL=\n    name_to_disk "$FOLDER"\n',
        '    name_to_disk "$FOLDER"\n    as_root mv -f "$PARTIAL" "$FOLDER/$_name"\n    PARTIAL=\n',
        "the folder is flushed before it holds the archive's final name",
        T
        + "hosts/test_two_pass_backup_hosts.py::test_the_archive_is_on_the_disk_part_by_part_and_under_its_final_name_"
        "before_the_step_ends",
    ),
    m(
        "B-no-fsync",
        S + "two_pass.sh",
        'of="$1" oflag=append conv=notrunc,fsync 2>/dev/null; }',
        'of="$1" oflag=append conv=notrunc 2>/dev/null; }',
        "dd appends nothing and flushes nothing",
        T
        + "hosts/test_two_pass_backup_hosts.py::test_the_archive_is_on_the_disk_part_by_part_and_under_its_final_name_"
        "before_the_step_ends",
    ),
    m(
        "B-failed-flush-ignored",
        S + "two_pass.sh",
        '    to_disk "$PARTIAL" || fail 67 "the archive $PARTIAL could not be written to the disk (fsync failed: a disk '
        'error?); nothing was deleted"\n',
        '    to_disk "$PARTIAL" || true\n',
        "an archive the disk did not take is reported as the way back",
        T
        + "hosts/test_two_pass_backup_hosts.py::test_an_archive_the_disk_does_not_take_fails_the_step_and_the_manager_"
        "runs",
    ),
    m(
        "B-failed-first-flush-ignored",
        S + "two_pass.sh",
        '        to_disk "$PARTIAL" || fail 67 "the archive $PARTIAL could not be written to the disk (fsync failed: a disk '
        'error?); $APP still runs, nothing was deleted"\n',
        '        to_disk "$PARTIAL" || true\n',
        "a first part the disk did not take is built on after the stop",
        T
        + "hosts/test_two_pass_backup_hosts.py::test_an_archive_the_disk_does_not_take_fails_the_step_and_the_manager_"
        "runs",
    ),
    m(
        "G-worker-not-waited-for",
        S + "guardian.sh",
        '    while [ "$tries" -lt 100 ] && read -r _ _ state _',
        '    while [ "$tries" -lt 0 ] && read -r _ _ state _',
        "the manager is started again while the archiver is still cleaning up",
        T + "hosts/test_never_stranded_hosts.py::test_the_manager_starts_again_only_once_the_archiver_has_cleaned_up_"
        "after_itself",
    ),
    m(
        "B-second-pass-started-after-the-stop",
        S + "two_pass.sh",
        '        start_pass 1 "$PARTIAL" 1\n        at_the_gate\n        stop_app "$1"\n',
        '        stop_app "$1"\n        start_pass 1 "$PARTIAL" 1\n        at_the_gate\n',
        "the second pass's one-off container is created and started during the downtime",
        T
        + "hosts/test_two_pass_backup_hosts.py::test_the_second_pass_is_started_before_the_stop_and_released_after_it",
    ),
    m(
        "B-gate-not-waited-at",
        S + "two_pass.sh",
        "    until [ -e /snapshot/go ]; do",
        "    until :; do",
        "the second pass copies as soon as its container starts, while the manager still runs and writes",
        T + "hosts/test_two_pass_backup_hosts.py::test_what_the_manager_writes_up_to_its_stop_is_in_the_archive",
    ),
    m(
        "B-gate-failure-ignored",
        S + "two_pass.sh",
        '    as_root sh -c "$AT_THE_GATE" gate "$SNAPSHOTS" "$WORKER" ||',
        '    as_root sh -c "$AT_THE_GATE" gate "$SNAPSHOTS" "$WORKER" || true ||',
        "a second pass that could not start is found only after the manager is stopped",
        T + "hosts/test_two_pass_backup_hosts.py::test_a_second_pass_that_cannot_start_fails_the_step_before_the_stop_"
        "within_seconds",
    ),
    m(
        "B-eof-before-reader",
        S + "two_pass.sh",
        'until [ -e "$work/opened" ] || ! kill -0 "$reader" 2> /dev/null; do\n',
        "until true; do\n",
        "the refused run's end of file is given once, and can come before the reader's open of the fifo",
        T + "shell/test_stream_pass.py::test_a_refused_run_always_ends_the_pass_with_a_failure",
    ),
    m(
        "B-fifo-second-reader",
        S + "two_pass.sh",
        "reader=$!\ndocker run",
        'reader=$!\nexec 3<> "$work/tar"\ndocker run',
        "the pass keeps a reader of its own on the fifo, and a tar whose compressor died waits on it forever",
        T + "shell/test_stream_pass.py::test_a_compressor_that_dies_ends_the_pass_instead_of_leaving_tar_waiting_on_a_"
        "full_fifo",
    ),
    m(
        "C-every-queue-joins",
        P + "cloudify/cluster_config.py",
        "    if me != queues[0]:\n",
        "    if True:\n",
        "the first queue node is told to join a cluster that does not exist yet",
        T + "engine/test_cluster_layout.py::test_the_queue_nodes_join_the_first_as_cloudifys_queue_configs_do",
    ),
    m(
        "C-premium-without-licence",
        P + "config/cluster_layout.py",
        "    if counts[MANAGER] > 1 and not (premium and has_license):\n",
        "    if counts[MANAGER] > 1 and not premium:\n",
        "a second manager is configured without the licence the first must be given",
        T + "engine/test_cluster_layout.py::test_cloudifys_two_layouts_with_three_managers_need_premium_and_a_licence",
    ),
    m(
        "C-even-database-tier",
        P + "config/cluster_layout.py",
        "    if counts[DATABASE] % 2 == 0 and counts[DATABASE]:\n",
        "    if False:\n",
        "two database nodes: losing either loses etcd's quorum, and the database with it",
        T + "engine/test_cluster_layout.py::test_an_even_database_tier_is_refused",
    ),
    m(
        "C-two-nodes-one-address",
        P + "config/cluster_layout.py",
        "    for host in sorted({h for h in hosts if hosts.count(h) > 1}):\n",
        "    for host in sorted({h for h in hosts if hosts.count(h) > 2}):\n",
        "two nodes on one address publish the same ports, and the second fails halfway",
        T + "engine/test_cluster_layout.py::test_bad_layouts_are_refused_with_every_problem_naming_its_setting",
    ),
    m(
        "B-gate-failed-run-unnoticed",
        S + "two_pass.sh",
        '    kill -0 "$2" 2> /dev/null && [ "$tries" -lt 6000 ] || exit 1',
        '    [ "$tries" -lt 6000 ] || exit 1',
        "a one-off container whose run failed is waited for 120 s, as one that starts slowly",
        T + "hosts/test_two_pass_backup_hosts.py::test_a_second_pass_that_cannot_start_fails_the_step_before_the_stop_"
        "within_seconds",
    ),
    m(
        "G-waiting-reader-not-released",
        S + "two_pass.sh",
        "    kill -TERM $(descendants) 2> /dev/null\n    wait\n",
        "    kill -TERM $reader 2> /dev/null\n",
        "a pass interrupted before its tar opened the fifo (the gated second pass, during the stop) leaves its "
        "reader waiting forever, holding the step's output open",
        T + "hosts/test_backup_restore.py::test_a_container_that_cannot_be_stopped_is_not_archived",
    ),
    m(
        "H-secret-input-rule",
        "tests/harness.py",
        "inputs.fields.items() if _is_secret_on_wire(value)}",
        "inputs.fields.items() if value is None}",
        "the harness's engine stores an output plain though its input of the same name was secret",
        T + "engine/test_harness_engine_rules.py::test_an_output_whose_input_was_secret_is_stored_as_a_secret",
    ),
    m(
        "H-secret-additional-names",
        "tests/harness.py",
        "    secret_names = set(additional) | {name for name",
        "    secret_names = set() | {name for name",
        "the harness's engine ignores additionalSecretOutputs",
        T
        + "engine/test_harness_engine_rules.py::"
        + "test_an_output_named_in_additional_secret_outputs_is_stored_as_a_secret",
    ),
    m(
        "H-secret-additional-rule",
        "tests/harness.py",
        " if name in outputs.fields and not _is_secret_on_wire(",
        " if name in outputs.fields and _is_secret_on_wire(",
        "the harness's engine never marks an output secret: a secret leaking into the state would pass",
        T
        + "engine/test_harness_engine_rules.py::"
        + "test_an_output_named_in_additional_secret_outputs_is_stored_as_a_secret",
    ),
    m(
        "H-wald-ceiling",
        "scripts/mutation_score.py",
        "    high = min(ceiling, killed + stratum * high_rate) / total",
        "    high = (killed + stratum * high_rate) / total",
        "the interval reaches above what the known survivors allow",
        T + "engine/test_mutation_score.py::test_a_sample_of_every_mutant_without_a_result_gives_the_exact_score_"
        "and_no_wider_interval",
    ),
    m(
        "H-space-in-container",
        S + "backup_data.sh",
        '    [ -z "$_sources" ] || return 0\n',
        "",
        "the data is always measured in a one-off container: a container's start more before every backup",
        T + "hosts/test_two_pass_backup_hosts.py::test_the_free_space_needed_is_the_data_measured_on_the_host_or_"
        "else_in_a_one_off_container",
    ),
    m(
        "H-space-no-fallback",
        S + "backup_data.sh",
        '    [ -z "$_sources" ] || return 0\n',
        "    return 0\n",
        "a volume whose folder is not on the host leaves the data unmeasured: the step refuses every backup",
        T + "hosts/test_two_pass_backup_hosts.py::test_the_free_space_needed_is_the_data_measured_on_the_host_or_"
        "else_in_a_one_off_container",
    ),
    m(
        "H-space-missing-source",
        S + "backup_data.sh",
        '    [ -d "$source" ] || exit 1\n',
        '    [ -d "$source" ] || continue\n',
        "a volume whose folder is not on the host counts as empty: too little free space is asked for",
        T + "hosts/test_two_pass_backup_hosts.py::test_the_free_space_needed_is_the_data_measured_on_the_host_or_"
        "else_in_a_one_off_container",
    ),
    m(
        "H-one-pass",
        S + "two_pass.sh",
        "    if running; then\n        printf 'copying %s while %s runs",
        "    if false; then\n        printf 'copying %s while %s runs",
        "the whole copy made after the stop: the downtime grows with the data",
        T + "hosts/test_two_pass_backup_hosts.py::test_the_first_pass_runs_while_the_manager_runs_and_the_second_"
        "after_the_stop",
    ),
    m(
        "H-no-append",
        S + "two_pass.sh",
        '        start_pass 1 "$PARTIAL" 1\n',
        '        start_pass 1 "$PARTIAL.changes" 1\n',
        "the changes copied after the stop are not kept in the archive",
        T + "hosts/test_two_pass_backup_hosts.py::test_a_file_changed_after_the_first_pass_is_restored_as_it_was_"
        "at_the_stop",
    ),
    m(
        "H-second-pass-overwrites",
        S + "two_pass.sh",
        '        $compress >> "$1"\n',
        '        $compress > "$1"\n',
        "the second pass's part (zstd) written over the first's instead of after it",
        T + "hosts/test_two_pass_backup_hosts.py::test_a_database_file_rewritten_in_place_during_the_first_pass_is_"
        "restored_as_it_was_at_the_stop",
        T + "hosts/test_two_pass_backup_hosts.py::test_a_file_created_after_the_first_pass_is_restored",
    ),
    m(
        "H-no-deletions",
        S + "archive.sh",
        "tar -x -i -G -p -f - -C /",
        "tar -x -i -p -f - -C /",
        "a file deleted after the first pass comes back on restore",
        T + "hosts/test_two_pass_backup_hosts.py::test_a_file_deleted_after_the_first_pass_is_absent_after_the_restore",
    ),
    m(
        "H-first-archive-only",
        S + "archive.sh",
        "tar -x -i -G -p -f - -C /",
        "tar -x -G -p -f - -C /",
        "the restore reads the first pass only",
        T + "hosts/test_two_pass_backup_hosts.py::test_a_file_created_after_the_first_pass_is_restored",
    ),
    m(
        "H-space",
        S + "backup_data.sh",
        '    [ "$_free" -ge "$_need" ] ||',
        "    true ||",
        "not enough free space found only after the manager is stopped",
        T + "hosts/test_two_pass_backup_hosts.py::test_not_enough_free_space_is_refused_before_the_manager_is_stopped",
    ),
)


def tracked_files() -> list[str]:
    """What a clean clone plus this session's new files would hold (tracked, and untracked but not ignored)."""
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    return [line for line in out.splitlines() if (REPO / line).is_file()]


def snapshot(files: list[str], folder: Path) -> Path:
    """The tree as it is when the run starts: edits made while it runs do not leak into later trials."""
    for name in files:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    return folder


def plant(mutant: Mutant, scratch: Path, base: Path) -> None:
    shutil.copytree(base, scratch, dirs_exist_ok=True)
    path = scratch / mutant.path
    text = path.read_text()
    if text.count(mutant.old) != 1:
        raise LookupError(f"the text to replace occurs {text.count(mutant.old)} times in {mutant.path}")
    path.write_text(text.replace(mutant.old, mutant.new))


def trial(mutant: Mutant, base: Path) -> tuple[str, float]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"mutant-{mutant.name}-") as scratch:
        try:
            plant(mutant, Path(scratch), base)
        except LookupError as error:  # the table no longer matches the code: the row must be mended
            print(f"{mutant.name}: {error}", file=sys.stderr)
            return "ERROR (not planted)", time.monotonic() - started
        done = subprocess.run(
            [str(PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutant.tests],
            cwd=scratch,
            capture_output=True,
            text=True,
        )
    verdict = verdict_of(done.returncode, done.stdout)
    if verdict != "caught":
        print(done.stdout[-3000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
    return verdict, time.monotonic() - started


def on_hosts(mutant: Mutant) -> bool:
    """Whether a test named for the bug runs on the test hosts (the Docker engine), not in the engine lane."""
    return any(test.startswith(T + "hosts/") for test in mutant.tests)


def alone(mutant: Mutant) -> bool:
    """Whether a test named for the bug is marked `alone` (it changes this machine's addresses, which the test
    hosts share): such trials run after the others, one at a time, as scripts/test runs those tests."""
    files = {test.split("::", 1)[0] for test in mutant.tests}
    return any("pytest.mark.alone" in (REPO / file).read_text() for file in files)


def drain(rows: queue.SimpleQueue[Mutant]) -> Iterator[Mutant]:
    """The rows of a queue shared by lanes, each row to the one lane that takes it."""
    while True:
        try:
            yield rows.get_nowait()
        except queue.Empty:
            return


def run_lane(mutants: Iterable[Mutant], base: Path) -> int:
    """One lane's trials, one after another; the number not caught. Two host lanes (as the host tier runs two
    files at a time) and the engine lane (no Docker: it mostly computes while the host lanes mostly wait) run side
    by side; then the trials of `alone` tests, one at a time."""
    failures = 0
    for mutant in mutants:
        verdict, seconds = trial(mutant, base)
        failures += verdict != "caught"
        print(f"{mutant.name:<16} {verdict:<8} {seconds:6.1f} s  {mutant.why}", flush=True)
    return failures


def verdict_of(returncode: int, output: str) -> str:
    """pytest's exit status and output as a verdict. Exit 1 with no failed test is a fixture's setup error: the
    test named for the bug never ran to its assertions, so it is an error, not a catch."""
    verdict = {0: "ESCAPED", 1: "caught"}.get(returncode, f"ERROR (pytest exit {returncode})")
    if verdict == "caught" and not re.search(r"\b\d+ failed\b", output):
        verdict = "ERROR (a setup error, no test failed)"
    return verdict


def require_docker_for(mutants: list[Mutant]) -> None:
    """Refuse to start when a planted bug names a host test and the Docker engine does not answer: each such
    test would fail in setup, and pytest exits 1 for that too, so every one would count as caught."""
    if not any(on_hosts(mutant) for mutant in mutants):
        return
    try:
        answered = subprocess.run(["docker", "info"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        answered = False
    if not answered:
        raise SystemExit(
            "scripts/mutants.py: the Docker engine does not answer (`docker info`), and host tests are named: "
            "run scripts/testbed first (scripts/mutants does), or name only engine-lane bugs"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="only these planted bugs")
    parser.add_argument("--all", action="store_true", help="every planted bug, not only the kept ones CI runs")
    parser.add_argument("--list", action="store_true", help="print the table and stop")
    options = parser.parse_args()
    chosen = [
        mutant
        for mutant in MUTANTS
        if mutant.name in options.names or (not options.names and (options.all or options.list or mutant.name in KEPT))
    ]
    unknown = set(options.names) - {mutant.name for mutant in MUTANTS}
    if unknown:
        raise SystemExit(f"no planted bug named {', '.join(sorted(unknown))}")
    if options.list:
        for mutant in chosen:
            print(f"{'*' if mutant.name in KEPT else ' '}{mutant.name:<16} {mutant.path:<40} {mutant.why}")
        return 0
    require_docker_for(chosen)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutants-base-") as base:
        snapshot(tracked_files(), Path(base))
        # The two host lanes take the next row from one queue as each finishes its last, so neither waits idle.
        on_hosts_now: queue.SimpleQueue[Mutant] = queue.SimpleQueue()
        for mutant in chosen:
            if on_hosts(mutant) and not alone(mutant):
                on_hosts_now.put(mutant)
        lanes = [drain(on_hosts_now), drain(on_hosts_now), iter([mt for mt in chosen if not on_hosts(mt)])]
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(lanes)) as pool:
            failures = sum(pool.map(lambda lane: run_lane(lane, Path(base)), lanes))
        failures += run_lane([mt for mt in chosen if alone(mt)], Path(base))
    print(f"planted bugs caught in {time.monotonic() - started:.0f} s; caught = passed, escaped = failed:")
    print(f"mutants: {len(chosen) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

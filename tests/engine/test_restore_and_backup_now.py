"""restoreFrom and backupNow as the engine sees them: steps declared only when set, in the order that makes a
restore one `pulumi up`, run once per value, with an archive path and an image reference checked early."""

from __future__ import annotations

import pytest
from cloudify_pulumi.config.rules import ConfigError
from harness import THROWAWAY_KEY, HostMocks, Run, run_program, script_arguments, stack_config

COMMAND = "command:remote:Command"
PROD = stack_config("prod")
ARCHIVE = "/var/lib/cloudify-backups/cloudify-manager/cloudify-manager-20261201T000000Z-cloudify_3.2.0.tar.zst"


def render(mocks: HostMocks | None = None, **overrides: str) -> Run:
    return run_program({**PROD, **overrides}, secrets={"sshPrivateKey": THROWAWAY_KEY}, mocks=mocks)


def step_names(run: Run) -> set[str]:
    return {r.name for r in run.registrations if r.type == COMMAND}


def test_neither_step_is_declared_while_its_setting_is_unset():
    names = step_names(render())
    assert "cloudify-restore" not in names and "cloudify-backup-now" not in names


def test_the_restore_runs_before_the_backup_which_runs_before_the_app_container():
    run = render(restoreFrom=ARCHIVE)
    restore, backup = run.one(COMMAND, "-restore"), run.one(COMMAND, "-backup")
    app = run.one("docker:index/container:Container", "-app")
    assert restore.urn in backup.dependencies and backup.urn in app.dependencies
    assert run.one("docker:index/container:Container", "-data").urn in restore.dependencies
    script, args = script_arguments(restore.inputs["create"])
    assert script == "backup_data.sh" and args[7:] == ["restore", "-", ARCHIVE]


def test_a_restore_runs_once_per_value_and_reruns_the_steps_after_it():
    run = render(restoreFrom=ARCHIVE)
    restore = run.one(COMMAND, "-restore").inputs
    assert restore["triggers"] == [ARCHIVE]
    assert restore["update"] == "true", "another change to its inputs runs a no-op, not the restore again"
    for step in ("-backup", "-agent-packages", "-ready", "-prune-backups"):
        assert ARCHIVE in run.one(COMMAND, step).inputs["triggers"], f"{step} runs again after the restore"


def test_without_restore_from_the_steps_keep_the_triggers_existing_stacks_have():
    run = render()
    assert run.one(COMMAND, "-backup").inputs["triggers"] == [run.one(COMMAND, "-backup").inputs["triggers"][0]]


def test_backup_now_runs_once_per_value_after_pruning():
    run = render(backupNow="before-upgrade-2026-12-01")
    now, prune = run.one(COMMAND, "-backup-now"), run.one(COMMAND, "-prune-backups")
    assert now.inputs["triggers"] == ["before-upgrade-2026-12-01"] and now.inputs["update"] == "true"
    assert prune.urn in now.dependencies
    assert script_arguments(now.inputs["create"])[1][7] == "now"


def test_pruning_runs_only_after_the_manager_is_ready_and_keeps_the_archive_the_backup_took():
    run = render(mocks=HostMocks(backup_file=ARCHIVE))
    prune = run.one(COMMAND, "-prune-backups")
    assert run.one(COMMAND, "-ready").urn in prune.dependencies
    args = script_arguments(prune.inputs["create"])[1]
    assert args[7:] == ["prune", "-", ARCHIVE]
    assert "prune" not in script_arguments(run.one(COMMAND, "-backup").inputs["create"])[1][7:]


class PerModeMocks(HostMocks):
    """backup_data.sh reporting a different archive in each mode, as on a host."""

    def __init__(self, reports: dict[str, str]) -> None:
        super().__init__()
        self.reports = reports

    def _stdout(self, inputs: dict, docker_version: str) -> str:
        create = inputs.get("create", "")
        if "backup_data.sh" in create:
            mode = script_arguments(create)[1][7]
            return f"BACKUP_FILE={self.reports.get(mode, '')}\nPREVIOUS_IMAGE=\n"
        return super()._stdout(inputs, docker_version)


def test_latest_backup_is_the_newest_of_the_upgrade_backup_and_backup_now():
    older = ARCHIVE
    newer = ARCHIVE.replace("20261201T000000Z", "20261202T000000Z")
    run = render(mocks=PerModeMocks({"replace": older, "now": newer}), backupNow="1")
    assert run.manager_outputs["latestBackup"] == newer
    run = render(mocks=PerModeMocks({"replace": newer, "now": older}), backupNow="1")
    assert run.manager_outputs["latestBackup"] == newer


@pytest.mark.parametrize(
    "value",
    ["relative/archive.tar.zst", "/var/lib/cloudify-backups/archive.zip", "/srv/a b.tar", "/srv/$(id).tar.gz"],
)
def test_a_restore_from_that_is_not_an_archive_path_is_refused_naming_the_setting(value):
    with pytest.raises(ConfigError, match="restoreFrom"):
        render(restoreFrom=value)


def test_an_image_id_as_app_image_is_refused_as_not_a_reference():
    with pytest.raises(ConfigError, match="is an image ID, not a reference"):
        render(appImage="sha256:" + "0123456789abcdef" * 4)

"""The backup steps around the application container, in the engine's order:

- `restore` (only while `restoreFrom` is set): runs once per value, before the backup step. It archives the
  current data, refills the volumes from the archive, and leaves the container stopped for the backup step;
- `backup`: before the app container is replaced (its replacement key changed), stops it and archives the
  data; when no replacement follows, it starts a container it finds stopped (after a restore, or an interrupted
  run). It reruns when its key or `restoreFrom` changes;
- `prune-backups`: after readiness, deletes old archives, never the one taken before this replacement, so that
  failed tries in a row cannot prune away the archive that a rollback needs;
- `backup-now` (only while `backupNow` is set): runs once per value, after readiness: stop, archive, start.

The once-per-value steps run their script on create only: their `update` is a no-op, and their trigger is the
value (pulumi-command v1.2.1 `provider/pkg/provider/remote/commandController.go` `Update` runs `update` when set,
else `create` again; a change of `triggers` replaces the resource, which runs `create`). So a change of any other
setting never restores or backs up a second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import pulumi
import pulumi_command as command
import pulumi_docker as docker

from ..config.model import ManagerPlan
from . import host_scripts
from .derive import Settings, combine, derive

HostCommand = command.local.Command | command.remote.Command

# Every step's `update`: for a step whose script must run once per value, a change of anything else runs this.
UNCHANGED = "true"


class StepMaker(Protocol):
    """HostNode.command: declares one command on the Docker host."""

    def __call__(
        self,
        suffix: str,
        create: pulumi.Input[str],
        *,
        triggers: list[pulumi.Input[str]] | None = None,
        depends_on: Sequence[pulumi.Resource] | None = None,
        stdin: pulumi.Input[str] | None = None,
        update: str | None = None,
    ) -> HostCommand: ...


def reruns_after_restore(plan: ManagerPlan) -> list[pulumi.Input[str]]:
    """Triggers that the steps after the app container add, so that they run again after a restore without a
    replacement (none while `restoreFrom` is unset: existing stacks' triggers stay as they were)."""
    return [plan.restore_from] if plan.restore_from else []


def after_app(app: docker.Container, plan: ManagerPlan) -> list[pulumi.Input[str]]:
    """The triggers of a step that runs once per app container, and again after a restore."""
    return [app.id, *reruns_after_restore(plan)]


def restore(
    step: StepMaker, plan: ManagerPlan, settings: Settings, after: Sequence[pulumi.Resource]
) -> HostCommand | None:
    """Put `restoreFrom` back into the volumes, once per value (None while it is unset)."""
    archive = plan.restore_from
    if not archive:
        return None
    create = derive(settings, lambda s: host_scripts.restore_data(s, archive))
    return step("restore", create, triggers=[archive], depends_on=after, update=UNCHANGED)


def backup(
    step: StepMaker,
    plan: ManagerPlan,
    settings: Settings,
    replacement_key: pulumi.Output[str],
    after: Sequence[pulumi.Resource],
) -> HostCommand:
    """Archive the data before the app container is replaced; a no-op when it is not.

    `replacement_key` is a digest of every app input that forces replacement
    (all of them: `restart` and `must_run`, which update in place, are set
    apart and never vary), so the step reruns exactly when the container is
    replaced, and after the new image is on the host. On the host the script
    compares it with the key the running container carries, so a rerun for
    any other reason (a new backupDir, a restore) backs nothing up and stops nothing.
    """
    create = combine(settings, [replacement_key], lambda s, key: host_scripts.backup_data(s, *key))
    return step("backup", create, triggers=[replacement_key, *reruns_after_restore(plan)], depends_on=after)


def prune(
    step: StepMaker,
    plan: ManagerPlan,
    settings: Settings,
    app: docker.Container,
    backup_file: pulumi.Output[str],
    ready: HostCommand,
) -> HostCommand:
    """Once the manager is ready: keep the archive taken before this replacement and the newest `backupsToKeep`."""
    create = combine(settings, [backup_file], lambda s, kept: host_scripts.prune_backups(s, *kept))
    return step("prune-backups", create, triggers=after_app(app, plan), depends_on=[ready])


def backup_now(step: StepMaker, plan: ManagerPlan, settings: Settings, after: HostCommand) -> HostCommand | None:
    """Stop, archive, start, once per `backupNow` value (None while it is unset)."""
    if not plan.backup_now:
        return None
    return step(
        "backup-now",
        derive(settings, host_scripts.backup_now),
        triggers=[plan.backup_now],
        depends_on=[after],
        update=UNCHANGED,
    )


def newest(*archives: str) -> str:
    """The newest of these archive paths (their names start with the container's name, then the UTC time)."""
    named = [path for path in archives if path]
    return max(named, key=lambda path: path.rsplit("/", 1)[-1], default="")


def backup_file(step: HostCommand) -> pulumi.Output[str]:
    """The `BACKUP_FILE=` line a backup step printed."""
    return step.stdout.apply(lambda out: host_scripts.parse_key_values(out).get("BACKUP_FILE", ""))

"""The host steps that run inside a node's application container once it exists: its agent packages and its
readiness. Each runs again whenever the container is replaced, and after a restore (`backups.after_app`).

Functions of the step maker a component gives them (host/node.py `HostNode.command`), like the backup steps, so
that any component that places a Cloudify node's application container can run them.
"""

from __future__ import annotations

import pulumi
import pulumi_docker as docker

from ..config.model import ManagerPlan
from . import host_scripts
from .backups import HostCommand, StepMaker, after_app
from .derive import Settings, combine


def agent_packages(step: StepMaker, plan: ManagerPlan, settings: Settings, app: docker.Container) -> HostCommand | None:
    """Install the agents inside the app container (None without `cloudifyPackages.agents`)."""
    if not plan.agents:
        return None
    create = combine(settings, [app.name], lambda s, v: host_scripts.install_agents(s, *v))
    return step("agent-packages", create, triggers=after_app(app, plan), depends_on=[app])


def readiness(
    step: StepMaker,
    plan: ManagerPlan,
    settings: Settings,
    app: docker.Container,
    agents: HostCommand | None,
    backup_report: pulumi.Output[dict[str, str]],
    admin_password: pulumi.Output[str] | None,
) -> HostCommand:
    """Block until the node answers its REST port; on failure, the container log and the way back (the backup
    and the image the backup step reported). The admin password, where the profile has one, arrives on stdin,
    so that the script can mask it in the log it shows."""
    create = combine(
        settings,
        [app.name, backup_report],
        lambda s, v: host_scripts.wait_ready(s, v[0], v[1].get("BACKUP_FILE", ""), v[1].get("PREVIOUS_IMAGE", "")),
    )
    after = [app] + ([agents] if agents is not None else [])
    return step("ready", create, triggers=after_app(app, plan), depends_on=after, stdin=admin_password)

"""Composition root: read the stack configuration, build one CloudifyManager per manager, export outputs."""

import pulumi
from cloudify_pulumi import CloudifyManager
from cloudify_pulumi.config.stack_config import load_managers

stack = load_managers()
managers = {
    name: CloudifyManager(name, manager.args, ssh_identity=manager.ssh_identity, resolved=manager.resolved)
    for name, manager in stack.managers.items()
}

if not stack.fleet:
    # One manager: the outputs of earlier releases, unchanged.
    (manager,) = managers.values()
    pulumi.export("managerUrl", manager.manager_url)
    pulumi.export("dockerServerVersion", manager.docker_server_version)
    pulumi.export("dataContainerName", manager.data_container_name)
    pulumi.export("dataContainerId", manager.data_container_id)
    pulumi.export("appContainerName", manager.app_container_name)
    pulumi.export("appContainerId", manager.app_container_id)
    pulumi.export("latestBackup", manager.latest_backup)
    if manager.admin_password is not None:
        pulumi.export("adminPassword", manager.admin_password)  # secret: `pulumi stack output --show-secrets`
    if manager.manager_ca_cert is not None:
        pulumi.export("managerCaCert", manager.manager_ca_cert)  # the CA a CLI trusts: docs/tls.md
    pulumi.export("cliProfile", manager.cli_profile)  # secret: `pulumi stack output --show-secrets cliProfile | sh`
else:
    pulumi.export(
        "managers",
        {
            name: {
                "managerUrl": manager.manager_url,
                "dockerServerVersion": manager.docker_server_version,
                "dataContainerName": manager.data_container_name,
                "appContainerName": manager.app_container_name,
                "latestBackup": manager.latest_backup,
                **({"adminPassword": manager.admin_password} if manager.admin_password is not None else {}),
                **({"managerCaCert": manager.manager_ca_cert} if manager.manager_ca_cert is not None else {}),
            }
            for name, manager in managers.items()
        },
    )
    # Apart from `managers`, which a secret inside would make secret as a whole (unreadable without
    # --show-secrets): `pulumi stack output --show-secrets cliProfiles`, one command per manager.
    pulumi.export("cliProfiles", {name: manager.cli_profile for name, manager in managers.items()})

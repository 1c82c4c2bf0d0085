"""Composition root: read the stack configuration, build one CloudifyManager, export outputs."""

import pulumi

from components import CloudifyManager
from components.stack_config import load_manager_args

manager = CloudifyManager("cloudify", load_manager_args())

pulumi.export("managerUrl", manager.manager_url)
pulumi.export("dockerServerVersion", manager.docker_server_version)
pulumi.export("dataContainerName", manager.data_container_name)
pulumi.export("dataContainerId", manager.data_container_id)
pulumi.export("appContainerName", manager.app_container_name)
pulumi.export("appContainerId", manager.app_container_id)
pulumi.export("latestBackup", manager.latest_backup)

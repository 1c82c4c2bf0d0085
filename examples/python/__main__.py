"""A program that makes its own host and bootstraps a Cloudify Manager onto it through the host's Output address.

The host is a throwaway container on the local Docker that runs sshd (and Docker, for the manager's own
containers): a way to try the manager on a laptop, and the shape of any real program, where the host is a VM
whose address is known only once it exists. Every step that needs the host (the SSH commands, the Docker
provider's ssh:// address, managerUrl) depends on that container.

    pulumi config set sshHostImage <an image running sshd, with Docker inside>
    pulumi config set sshPublicKey "$(cat ~/.ssh/cloudify_lab.pub)"
    pulumi config set --secret sshPrivateKey < ~/.ssh/cloudify_lab
    pulumi config set appImage <registry>/cloudify-manager:<tag>
    pulumi config set dataImage <registry>/cloudify-manager:<tag>
    pulumi up
"""

import pulumi
import pulumi_docker as docker
from cloudify_pulumi import CloudifyManager, CloudifyManagerArgs

config = pulumi.Config()

network = docker.Network("lab", name="cloudify-lab")
host = docker.Container(
    "ssh-host",
    name="cloudify-lab-host",
    image=config.require("sshHostImage"),
    privileged=True,  # Docker runs inside it
    envs=[f"AUTHORIZED_KEY={config.require('sshPublicKey')}"],
    networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=network.name)],
    must_run=True,
)

args: CloudifyManagerArgs = {
    "host": host.network_datas.apply(lambda networks: networks[0].ip_address),
    "ssh_user": config.get("sshUser") or "root",
    "ssh_port": config.get_int("sshPort") or 22,
    "ssh_private_key": config.require_secret("sshPrivateKey"),
    "app_image": config.require("appImage"),
    "data_image": config.require("dataImage"),
}
manager = CloudifyManager("cfy", args)

pulumi.export("hostAddress", args["host"])
pulumi.export("managerUrl", manager.manager_url)

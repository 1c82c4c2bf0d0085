"""The manager's Docker resources on its host: the images, the data-only container with its volumes, and the
application container. manager.py composes the graph; these build its Docker part, each resource a child of the
component (`parent`) through the component's own provider.

Every container input is declared in the form the provider reads back (kreuzwerker/terraform-provider-docker
v4.5.0 `resourceDockerContainerRead`), so a second `up` plans nothing (tests/engine/test_provider_readback.py).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_docker as docker

from ..config.model import ManagerPlan
from ..config.rules import path_slug
from . import host_scripts
from .backups import HostCommand, StepMaker
from .derive import Settings, derive

# The app container carries the digest of its own other inputs: the backup step
# compares it with the desired one to know whether a replacement follows.
REPLACEMENT_KEY_ENV = "CLOUDIFY_PULUMI_REPLACEMENT_KEY"


def images(
    name: str,
    plan: ManagerPlan,
    settings: Settings,
    step: StepMaker,
    engine: HostCommand,
    provider: docker.Provider,
    parent: pulumi.Resource,
) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    """Image IDs for the data and app containers: pulled, or imported offline."""
    if plan.docker_image_url is not None:
        data_import = step(
            "data-image-import",
            derive(settings, lambda real: host_scripts.import_image(real, real.data_image, only_if_missing=True)),
            depends_on=[engine],
        )
        app_import = step(
            "app-image-import",
            derive(settings, lambda real: host_scripts.import_image(real, real.app_image, only_if_missing=False)),
            depends_on=[engine, data_import],
        )
        return _imported_id(data_import), _imported_id(app_import)
    child = pulumi.ResourceOptions(parent=parent, provider=provider)
    data = docker.RemoteImage(f"{name}-data-image", name=plan.data_image, keep_locally=True, opts=child)
    app = docker.RemoteImage(f"{name}-app-image", name=plan.app_image, keep_locally=True, opts=child)
    return data.image_id, app.image_id


def data_container(
    name: str, plan: ManagerPlan, image_id: pulumi.Input[str], provider: docker.Provider, parent: pulumi.Resource
) -> docker.Container:
    """Created once, never started, holds every persistent path as a volume.

    Named volumes (the default) outlive even the data container; Docker fills
    an empty one from the image's content when the container is created, as
    it does anonymous volumes (proved by a host test).
    """
    s = plan
    kept = pulumi.ResourceOptions(parent=parent, provider=provider, protect=True, retain_on_delete=True)
    if s.data_volumes == "named":
        volumes = [
            docker.ContainerVolumeArgs(
                container_path=path,
                volume_name=docker.Volume(f"{name}-volume-{path_slug(path)}", name=s.volume_name(path), opts=kept).name,
            )
            for path in s.volume_paths
        ]
    else:
        volumes = [docker.ContainerVolumeArgs(container_path=p) for p in s.volume_paths]
    return docker.Container(
        f"{name}-data",
        name=s.data_container_name,
        image=image_id,
        command=["true"],  # never run; imported images have no CMD to create from
        volumes=volumes,
        start=False,
        must_run=False,
        remove_volumes=False,
        opts=kept,
    )


def app_container(
    name: str,
    plan: ManagerPlan,
    app_inputs: dict[str, Any],
    replacement_key: pulumi.Output[str],
    after: tuple[docker.Container, HostCommand],
    provider: docker.Provider,
    parent: pulumi.Resource,
) -> docker.Container:
    """The Cloudify application; replaced (delete first) on every image or config change.

    Created only after the data container and the backup step (which needs the old container, `after`) exist.
    `tmpfs` is neither ForceNew nor applied by the provider's Update
    (kreuzwerker v4.5.0 resource_docker_container.go), so a change of it
    must replace the container, or it would show as an update that does nothing.
    """
    envs = [*app_inputs.get("envs", []), replacement_key.apply(lambda key: f"{REPLACEMENT_KEY_ENV}={key}")]
    # Not in the replacement key: the provider applies a new memory limit to the running container
    # (kreuzwerker v4.5.0 resourceDockerContainerUpdate, lines 1016-1066). Swap is the limit itself (none
    # added), declared because the engine would otherwise store twice the limit and every preview show it.
    memory = plan.memory_limit
    limits: dict[str, Any] = {"memory": memory, "memory_swap": memory} if memory is not None else {}
    return docker.Container(
        f"{name}-app",
        **{**app_inputs, "envs": envs, **limits},
        restart="always",
        must_run=True,
        opts=pulumi.ResourceOptions(
            parent=parent,
            provider=provider,
            protect=False,
            delete_before_replace=True,
            replace_on_changes=["tmpfs", "healthcheck"],
            depends_on=list(after),
        ),
    )


def _imported_id(step: HostCommand) -> pulumi.Output[str]:
    """The `IMAGE_ID=` line printed by import_image.sh."""
    return step.stdout.apply(lambda out: host_scripts.parse_key_values(out)["IMAGE_ID"])

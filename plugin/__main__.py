"""The component plugin: hosts CloudifyManager as `cloudify:index:CloudifyManager` for programs in any language.

The language host runs `python <this folder>`; the schema is inferred from CloudifyManagerArgs and the
component's output annotations (pulumi 3.272.0 `pulumi.provider.experimental`).
"""

from cloudify_pulumi import __version__
from cloudify_pulumi.component.plugin_host import CloudifyManager
from pulumi.provider.experimental import component_provider_host

if __name__ == "__main__":
    component_provider_host(name="cloudify", components=[CloudifyManager], version=__version__)

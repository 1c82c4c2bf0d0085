"""On the test bed (real Docker and SSH hosts): the host tests of test_examples.

The tests that need no host are in packaging/test_examples.py.
"""

import pytest
from connhelper import ping, provider_address
from harness import render_example


@pytest.mark.hosts
def test_on_the_test_bed_the_declared_steps_reach_the_address_the_created_host_resolves_to(make_host, engine):
    host = make_host("example-host", with_engine=True, docker_group=True)
    run = render_example(
        host.address, key=host.key.read_text(), real_host_keys=True, sshUser=host.user, sshPort=str(host.port)
    )
    install = run.one("command:remote:Command", "cfy-scripts").inputs  # the engine runs it first: the rest need it
    assert host.ssh(install["create"], input_text=install["stdin"]).returncode == 0
    step = host.ssh(run.one("command:remote:Command", "cfy-docker-engine").inputs["create"])
    assert step.returncode == 0, step.stderr
    result = ping(*provider_address(run.one("pulumi:providers:docker").inputs))
    assert result.answered_ok, result.stderr
    assert run.one("pulumi:providers:docker").inputs["host"] == f"ssh://{host.user}@{host.address}:{host.port}"

"""The settings that may be Outputs of other resources: the host, the SSH connection and bastion, the names the
manager has on it. A value not known yet is pending: its own checks wait until it is known, and no
`HostSettings` is built until every one is, so nothing ever stands in for a value."""

from __future__ import annotations

from ..cloudify.profiles import AGENTS, INTERNAL
from .model import HostSettings, ManagerPlan, SshProxy
from .rules import CONTAINER_HOSTNAME, HOST_KEY, SAFE_NAME, host_address, is_ip_address
from .setting_values import Pending, SettingValues
from .values import known


def _address(v: SettingValues, key: str, given: str | Pending | None) -> str | None:
    value = known(given)
    return None if value is None else host_address(key, value, v.problems)


def _user(v: SettingValues, key: str, user: str | None) -> str | None:
    if user is not None and not SAFE_NAME.match(user):
        v.problems.add(key, f"{user!r} is not a valid user name")
    return user


def _host_key(v: SettingValues, key: str, given: str | Pending | None, host: str) -> str | None:
    """A pinned public host key: one line, type and base64 (it goes into a known_hosts file as it is)."""
    value = known(given)
    if value is not None and not HOST_KEY.match(value):
        v.problems.add(
            key,
            "must be one public host key, type and base64 on one line, as "
            f"`ssh-keyscan -t ed25519 {host} | cut -d' ' -f2-` prints it (ssh-ed25519 AAAA...)",
        )
    return value


def _ssh_proxy(v: SettingValues, plan: ManagerPlan, ssh_user: str | None) -> SshProxy | None:
    """The bastion every SSH connection goes through (`sshProxy*`), or None."""
    if not plan.has_proxy:
        return None
    address = _address(v, "sshProxyHost", v.ssh_proxy_host)
    user = _user(v, "sshProxyUser", ssh_user if v.ssh_proxy_user is None else known(v.ssh_proxy_user))
    host_key = _host_key(v, "sshProxyHostKey", v.ssh_proxy_host_key, "BASTION")
    port = known(v.ssh_proxy_port)
    if address is None or user is None or port is None:
        return None  # pending
    return SshProxy(address, user, port, host_key)


def _hostname(v: SettingValues, plan: ManagerPlan) -> str | None:
    """The container hostname: set, or derived from namePrefix where the profile pins the manager's identity."""
    if v.hostname is not None:
        hostname = known(v.hostname)
    elif plan.profile.fixed_hostname:
        hostname = plan.name_prefix.lower().replace("_", "-").replace(".", "-")
    else:
        return None
    if hostname is not None and not CONTAINER_HOSTNAME.match(hostname):
        v.problems.add("hostname", f"{hostname!r} must be a lower-case RFC 1123 host name such as cloudify-manager")
    return hostname


def _public_name(v: SettingValues, plan: ManagerPlan) -> str | None:
    """`publicName`: a host name for a certificate of the user's (SNI needs one), else a host name or address."""
    name = _address(v, "publicName", v.public_name)
    if name is not None and not plan.profile.manager_config:
        v.problems.add("publicName", f"is for cloudify-7; {plan.profile.name} has no such name")
    if name is not None and plan.has_tls_cert and is_ip_address(name):
        v.problems.add(
            "publicName", f"{name!r} is an IP address: Cloudify serves managerTlsCert only for a DNS name (SNI)"
        )
    return name


def _check_agent_binding(v: SettingValues, plan: ManagerPlan, management_ip: str | None) -> None:
    """Agent ports (and, for a REST API without a login, the public ones) are published on the management address,
    so it must be an address Docker can bind."""
    on_it = [p for p in plan.ports if p.address is None and _on_management_address(plan, p.container)]
    if management_ip is None or not on_it or v.problems.names("managementIp", "host"):
        return  # pending, nothing to bind, or already refused
    if not is_ip_address(management_ip):
        what = repr(management_ip) if v.management_ip is not None else f"unset, so it is host {management_ip!r},"
        ports = ", ".join(str(p.host) for p in on_it)
        which = f"the agent ports ({ports}) are"
        if any(plan.profile.role_of(p.container) != AGENTS for p in on_it):
            which = f"{plan.profile.name}'s REST API has no login, so its ports ({ports}) are"
            what = what.replace("unset,", "unset (and publicAddress too),")
        v.problems.add(
            "managementIp",
            f"{what} a host name, but {which} "
            "published on the management address, which must be an IP address of the host: set managementIp to "
            "the private IP the agents reach (`pulumi config set managementIp 10.0.0.5`)",
        )


def _on_management_address(plan: ManagerPlan, container_port: int) -> bool:
    role = plan.profile.role_of(container_port)
    return role == AGENTS or (role != INTERNAL and plan.public_address is None)


def _docker_host(v: SettingValues) -> str | None:
    docker_host = known(v.docker_host)
    if docker_host is None:
        return None
    scheme = docker_host.split("://", 1)[0]
    if scheme not in ("tcp", "unix", "ssh") or "://" not in docker_host:
        v.problems.add("dockerHost", f"{docker_host!r} must be a tcp://, ssh:// or unix:// Docker address")
    tls_material = (v.docker_tls_ca_cert, v.docker_tls_cert, v.docker_tls_key)
    if scheme == "tcp" and any(given is None for given in tls_material):
        v.problems.add(
            "dockerHost",
            "a tcp:// Docker address needs dockerTlsCaCert, dockerTlsCert and "
            "dockerTlsKey (set the key with `pulumi config set --secret dockerTlsKey`)",
        )
    return docker_host


def judge_host(v: SettingValues, plan: ManagerPlan) -> HostSettings | None:
    """The settings that may be Outputs, judged as far as they are known; None while any is pending, or when any
    setting has a problem (the caller raises them all)."""
    host = _address(v, "host", v.host)
    ssh_host_key = _host_key(v, "sshHostKey", v.ssh_host_key, "HOST")
    ssh_user = _user(v, "sshUser", known(v.ssh_user))
    ssh_port = known(v.ssh_port)
    ssh_proxy = _ssh_proxy(v, plan, ssh_user)
    management_ip = _address(v, "managementIp", v.management_ip) if v.management_ip is not None else host or "127.0.0.1"
    _check_agent_binding(v, plan, management_ip)
    hostname = _hostname(v, plan)
    public_name = _public_name(v, plan)
    docker_host = _docker_host(v)
    use_sudo = plan.is_remote and ssh_user != "root" if v.use_sudo is None else v.use_sudo
    if v.pending or v.problems.items:
        return None
    assert ssh_user is not None and ssh_port is not None and management_ip is not None  # set, or the default
    return HostSettings(
        host=host,
        ssh_user=ssh_user,
        ssh_port=ssh_port,
        ssh_host_key=ssh_host_key,
        ssh_proxy=ssh_proxy,
        management_ip=management_ip,
        hostname=hostname,
        public_name=public_name,
        docker_host=docker_host,
        use_sudo=use_sudo,
    )

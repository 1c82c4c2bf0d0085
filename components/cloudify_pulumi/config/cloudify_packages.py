"""`cloudifyPackages`, Cloudify's `cloudify_packages`: the agent packages installed in the application
container, and the Docker image tarball. Each is downloaded as root, so a plain http:// URL needs a checksum."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .model import AgentPackage
from .rules import AGENT_TARBALL_DIR, SAFE_NAME, SHA256, Problems, check_http_url
from .setting_values import SettingValues


def _download(key: str, value: Any, what: str, problems: Problems) -> tuple[str, str | None] | None:
    """A package URL, as text or as `{url, sha256}`: the URL and its checksum."""
    url, sha256 = value, None
    if isinstance(value, dict):
        if set(value) - {"url", "sha256"} or "url" not in value:
            problems.add(key, f"must be {what} URL, or a map with 'url' and 'sha256'")
            return None
        url, sha256 = value["url"], value.get("sha256")
    if not isinstance(url, str):
        problems.add(key, f"must be {what} URL, or a map with 'url' and 'sha256'")
        return None
    if not check_http_url(key, url, problems):
        return None
    if sha256 is not None:
        sha256 = str(sha256).strip().lower()
        if not SHA256.match(sha256):
            problems.add(key, "sha256 must be the 64-digit hexadecimal SHA-256 of the file (sha256sum prints it)")
            return None
    return url, sha256


def _checksum_for_plain_http(key: str, url: str, sha256: str | None, problems: Problems) -> bool:
    """A plain http:// download needs a checksum: anyone on the path could replace what runs as root."""
    if sha256 is None and urlsplit(url).scheme == "http":
        problems.add(
            key,
            f"{url!r} is plain HTTP without a checksum: use https://, or give {{url: ..., sha256: ...}} "
            "(`sha256sum` of the file you trust)",
        )
        return False
    return True


def _agent(name: Any, value: Any, problems: Problems) -> AgentPackage | None:
    key = f"cloudifyPackages.agents.{name}"
    if not isinstance(name, str) or not SAFE_NAME.match(name):
        problems.add("cloudifyPackages.agents", f"agent name {name!r} may use only letters, digits, '.', '_' and '-'")
        return None
    download = _download(key, value, "the .deb or .tar.gz package's", problems)
    if download is None:
        return None
    url, sha256 = download
    path = urlsplit(url).path
    if path.endswith(".deb"):
        return (
            AgentPackage(name, url, "deb", None, sha256)
            if _checksum_for_plain_http(key, url, sha256, problems)
            else None
        )
    if path.endswith((".tar.gz", ".tgz")):
        filename = path.rsplit("/", 1)[-1]
        if not SAFE_NAME.match(filename):
            problems.add(key, f"tarball file name {filename!r} may use only letters, digits, '.', '_' and '-'")
            return None
        if not _checksum_for_plain_http(key, url, sha256, problems):
            return None
        return AgentPackage(name, url, "tar.gz", f"{AGENT_TARBALL_DIR}/{filename}", sha256)
    problems.add(key, f"{url!r} must end in .deb or .tar.gz")
    return None


def judge_cloudify_packages(v: SettingValues) -> tuple[tuple[AgentPackage, ...], tuple[str, str | None] | None]:
    """Cloudify's `cloudify_packages`: `agents` (name -> URL) and `docker.docker_url`."""
    value = v.cloudify_packages
    if value is None:
        return (), None
    problems = v.problems
    if not isinstance(value, dict):
        problems.add("cloudifyPackages", "must be a map with 'agents' and/or 'docker'")
        return (), None
    for unknown in sorted(set(value) - {"agents", "docker"}):
        problems.add("cloudifyPackages", f"unknown entry {unknown!r} (expected 'agents' or 'docker')")
    agents_value = value.get("agents") or {}
    agents: list[AgentPackage] = []
    if not isinstance(agents_value, dict):
        problems.add("cloudifyPackages.agents", "must map agent names to package URLs")
    else:
        for name, url in agents_value.items():
            agent = _agent(name, url, problems)
            if agent is not None:
                agents.append(agent)
    docker_value = value.get("docker") or {}
    docker_url = None
    if not isinstance(docker_value, dict) or set(docker_value) - {"docker_url"}:
        problems.add("cloudifyPackages.docker", "must be a map with the single key 'docker_url'")
    elif docker_value.get("docker_url") is not None:
        key = "cloudifyPackages.docker.docker_url"
        docker_url = _download(key, docker_value["docker_url"], "the tarball's", problems)
        if docker_url is not None and not _checksum_for_plain_http(key, *docker_url, problems):
            docker_url = None
    return tuple(agents), docker_url

"""What operators set on a manager beyond its identity: `managerConfig`, `licenseFile`, `memoryLimit`, `cpus`.

Cloudify's own ways of running Cloudify 7 carry the same: the Helm chart (cloudify-helm
`cloudify-manager-worker/values.yaml`: resources, a licence from a secret, a whole config.yaml template) and
cloudify-cluster-manager (`extra_config` per node). Facts, at cloudify-manager-install 7.0.4:

- configure reads the image's config.yaml and deep-merges the user's file into it (`cfy_manager/config.py`
  `load_config`, `_load_user_config` and `dict_merge`, lines 21-43 and 61-66; ruamel.yaml): a map merges key by
  key, anything else replaces the default. `merged` here merges the same way, and the generated keys win.
- `manager.cloudify_license_path` (config.yaml lines 31-33) is uploaded on each configure that is not a cluster
  join (`restservice.py` `_upload_cloudify_license` 455-476, `install` 545-551).
- The REST service's and the API's gunicorn workers are `min(int(nproc * cpu_ratio) + 1, max_worker_count)` when
  `worker_count` is 0 (`restservice.py` `_calculate_worker_count` 186-196, config.yaml 410-420 and 450-458:
  ratio 2.0 and at most 12, ratio 0.2 and at most 4). `nproc` counts the CPUs the container may be scheduled on,
  which a `--cpus` quota does not reduce: so with `cpus` set, the worker counts are computed here from it.
- The smallest memory Cloudify accepts is 1838 MB (config.yaml line 542,
  `minimum_required_total_physical_memory_in_mb`); configure's validations, which would check it, are skipped
  (manager_config.py says why), so it is checked here.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, MutableMapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config.setting_values import SettingValues
    from .profiles import ManagerProfile

CLOUDIFY_MINIMUM_MEMORY_MB = 1838
LICENSE_TARGET = "/etc/cloudify-pulumi/cloudify-license.yaml"
"""Where `licenseFile` is mounted, read-only, and what config.yaml's `manager.cloudify_license_path` names."""
LICENSE_FILE = "cloudify-license.yaml"
"""Its host file, beside config.yaml."""

# The keys the generated config.yaml owns, and the setting (or reason) that sets each.
OWNED: dict[tuple[str, ...], str] = {
    ("manager", "hostname"): "hostname",
    ("manager", "private_ip"): "managementIp",
    ("manager", "public_ip"): "publicName",
    ("manager", "security"): "adminPassword and managerTls",
    ("manager", "cloudify_license_path"): "licenseFile",
    ("rabbitmq", "password"): "brokerPassword",
    ("flask_security",): "managerSecret",
    ("ssl_inputs",): "managerTlsCert, managerTlsKey and managerTlsCaCert",
    ("services_to_install",): "managerProfile (the all-in-one image's services)",
    ("validations", "skip_validations"): "the program: they fail in a container (docs/cloudify-7.md)",
    ("sanity", "skip_sanity"): "the program: sanity fails after an admin password change (docs/cloudify-7.md)",
}
# (section, cpu_ratio, max_worker_count) of config.yaml lines 410-420 and 450-458.
GUNICORN_DEFAULTS = (("restservice", 2.0, 12), ("api", 0.2, 4))


def judge_manager_config(v: SettingValues, profile: ManagerProfile) -> dict[str, Any]:
    """`managerConfig`, checked: a map of maps and values, none of whose keys the program owns."""
    given = v.manager_config
    if given is None:
        return {}
    if not profile.manager_config:
        v.problems.add("managerConfig", f"is a cloudify-7 setting; {profile.name} has no config.yaml")
        return {}
    if not isinstance(given, dict):
        v.problems.add("managerConfig", f"must be a map of config.yaml's keys, got {given!r}")
        return {}
    for path, owner in OWNED.items():
        clash = _clash(given, path)
        if clash:
            v.problems.add("managerConfig", f"{clash} is set by {owner}, not here")
    whole: dict[str, Any] = _whole_numbers(given)
    return whole


def _clash(given: Mapping[str, Any], path: tuple[str, ...]) -> str | None:
    """The dotted key of `given` that would set (or replace a map holding) the owned `path`, if any."""
    node: Any = given
    for depth, key in enumerate(path):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
        if depth + 1 < len(path) and not isinstance(node, Mapping):
            return ".".join(path[: depth + 1])
    return ".".join(path)


def _whole_numbers(value: Any) -> Any:
    """Whole floats as integers (other Pulumi languages send every number as a float: a port must stay 5432)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def dict_merge(target: MutableMapping[str, Any], source: Mapping[str, Any]) -> MutableMapping[str, Any]:
    """cfy_manager/config.py `dict_merge` (7.0.4 lines 21-43): `source` into `target`, maps key by key."""
    to_merge = [(target, source)]
    while to_merge:
        left, right = to_merge.pop()
        overrides = {}
        for key in left.keys() | right.keys():
            if key not in right:
                continue
            original, updated = left.get(key), right[key]
            if isinstance(original, MutableMapping) and isinstance(updated, Mapping):
                to_merge.append((original, updated))
            else:
                overrides[key] = updated
        left.update(overrides)
    return target


def merged(generated: Mapping[str, Any], extra: Mapping[str, Any], cpus: str | None) -> dict[str, Any]:
    """config.yaml: `managerConfig` with the generated document merged over it (owned keys were refused, so
    nothing the user set is lost), and with `cpus` the worker counts it implies, unless set in `extra`."""
    document: dict[str, Any] = copy.deepcopy(dict(extra))
    if cpus is not None:
        for section, ratio, most in GUNICORN_DEFAULTS:
            part = document.get(section)
            gunicorn = part.get("gunicorn") if isinstance(part, dict) else None
            gunicorn = gunicorn if isinstance(gunicorn, dict) else {}
            if not gunicorn.get("worker_count"):
                count = worker_count(cpus, gunicorn.get("cpu_ratio", ratio), gunicorn.get("max_worker_count", most))
                dict_merge(document, {section: {"gunicorn": {"worker_count": count}}})
    dict_merge(document, copy.deepcopy(dict(generated)))
    return document


def worker_count(cpus: str, ratio: float, most: int) -> int:
    """`_calculate_worker_count` with the CPUs the quota allows (rounded up, as a count of CPUs) for `nproc`."""
    return min(int(math.ceil(Decimal(cpus)) * ratio) + 1, most)


def judge_memory(v: SettingValues, profile: ManagerProfile) -> int | None:
    """`memoryLimit` in MB; below Cloudify's minimum for cloudify-7."""
    memory = v.memory_limit
    if memory is None:
        return None
    if profile.manager_config and memory < CLOUDIFY_MINIMUM_MEMORY_MB:
        v.problems.add(
            "memoryLimit",
            f"{memory} MB is below the {CLOUDIFY_MINIMUM_MEMORY_MB} MB Cloudify 7 needs (config.yaml "
            "minimum_required_total_physical_memory_in_mb)",
        )
    return memory


def judge_cpus(v: SettingValues) -> str | None:
    """`cpus`, in the form the Docker provider reads back (kreuzwerker v4.5.0 helpers.go
    `nanoInt64ToDecimalString`, lines 133-149: "2.0", "1.5", "0.25"), so that a second `up` plans nothing."""
    text = v.cpus
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal(-1)
    nanos = value * 1_000_000_000
    # moby's opts.ParseCPUs refuses what is not a whole number of nano-CPUs.
    if not value.is_finite() or value <= 0 or nanos != nanos.to_integral_value() or value > 1024:
        v.problems.add("cpus", f"{text!r} must be a number of CPUs such as 1.5 (at most 9 decimals, at most 1024)")
        return None
    read_back = read_back_cpus(int(nanos))
    if Decimal(read_back) != value:
        # `cpus` forces a new container (resource_docker_container.go 1158-1163): a value read back as another
        # would replace the manager on every `up`.
        v.problems.add("cpus", f"{text!r} is read back by the Docker provider as {read_back!r}: give {read_back}")
        return None
    return read_back


def read_back_cpus(nanos: int) -> str:
    """kreuzwerker v4.5.0 helpers.go `nanoInt64ToDecimalString`, quirks included: big.Rat `FloatString(9)`, and
    `FloatString(1)` (rounded half away from zero) when that text holds exactly nine "0" characters, wherever they
    are; otherwise the trailing zeros cut ("10." for 10 CPUs)."""
    if nanos == 0:
        return "0"
    whole, rest = divmod(nanos, 1_000_000_000)
    nine = f"{whole}.{rest:09d}"
    if nine.count("0") == 9:
        tenths = (nanos + 50_000_000) // 100_000_000  # positive: half away from zero is half up
        return f"{tenths // 10}.{tenths % 10}"
    return nine.rstrip("0")

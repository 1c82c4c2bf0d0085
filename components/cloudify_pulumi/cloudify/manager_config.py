"""The `/etc/cloudify/config.yaml` that keeps a Cloudify 7 manager the same manager.

Every start of a Cloudify 7 container runs `cfy_manager configure` from this
file (cloudify-manager-install 7.0.4 `packaging/docker/starter.conf`,
`cfy_manager/main.py` `image_starter`). What it does not pin is made up anew
in each new container, so a replaced container would be a different manager:

- `manager.hostname`: a name the database does not know makes configure join
  a cluster (`restservice.py` `_configure_db`);
- `manager.private_ip`/`public_ip`: guessed from the container's own address;
- `manager.security.admin_password`: `admin` when unset;
- `flask_security` (hash salt, secret key, encoding alphabet, encryption key):
  regenerated into `/opt/manager/rest-security.conf`, which is not on a
  volume, unless pinned here (`restservice.py` `_generate_flask_security_config`);
  a new encryption key makes every stored secret unreadable;
- `services_to_install`: the image's services, stated (see profiles.py);
- `rabbitmq.password`: the broker user's password, `c10udify` in the image's config.yaml (lines 113-114). It takes
  effect on a new manager only: configure writes it into the broker's definitions.json and the manager's database
  when it creates them (`rabbitmq.py` `_init_service` lines 90-104, `_write_definitions_file` 605-635;
  `restservice.py` `_initialize_db` 274-291), and later configures skip both (`_init_service` returns once
  `queue_service` is configured; `_create_rabbitmq_user`, 126-140, only adds a missing user; an existing
  database is not re-initialised, `_configure_db` 248-271).

Two checks are switched off, as Cloudify's own Helm chart does
(cloudify-helm `cloudify-manager-worker/values.yaml` lines 508-511):

- `validations.skip_validations`: configure requires `manager.private_ip` to
  be an address of one of the container's own interfaces
  (`cfy_manager/components/validations.py` `validate`, lines 698-713, and
  `_validate_ip`, lines 106-166). A container on a bridge network never has
  the host's LAN address, and that address is what agents must reach
  (`networks.default` defaults to `private_ip`, `components/globals.py`
  lines 72-73). The dev stack's 127.0.0.1 passed only by luck.
- `sanity.skip_sanity`: sanity runs on every configure, i.e. every container
  start (`main.py` lines 816-819), logging in with the config.yaml password.
  After `adminPassword` changes, the database still holds the old one
  (configure sets it only when it creates the database, `restservice.py`
  lines 256-259), so sanity fails with 401 and configure with it. The
  `admin-password` step sets the configured password instead
  (scripts/set_admin_password.sh).

Every string is written double-quoted: Cloudify reads the file with
ruamel.yaml (YAML 1.2, `cfy_manager/config.py`), where an unquoted `1e3` or
`0o777` that PyYAML (YAML 1.1) writes plain is a number.

The REST keys are derived from one stack secret, `managerSecret`, with
HMAC-SHA-512 under a label per key: stable for the life of the stack, never
stored anywhere but in Pulumi's encrypted config and on the host.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import string
from typing import Any

import yaml

from ..config.model import ManagerSettings
from . import operator_config
from .profiles import CLOUDIFY_7_SERVICES

ALPHANUMERIC = string.ascii_letters + string.digits
ENCODING_ALPHABET_LENGTH = 31  # restservice.py `_random_alphanumeric(result_len=31)`


def _derive(manager_secret: str, label: str) -> bytes:
    return hmac.new(manager_secret.encode(), f"cloudify-pulumi/{label}".encode(), hashlib.sha512).digest()


def _encoding_alphabet(manager_secret: str) -> str:
    """31 distinct alphanumeric characters in a secret-dependent order, as Cloudify generates them."""
    ranked = sorted(ALPHANUMERIC, key=lambda ch: _derive(manager_secret, f"encoding_alphabet/{ch}"))
    return "".join(ranked[:ENCODING_ALPHABET_LENGTH])


def flask_security(manager_secret: str) -> dict[str, object]:
    """The REST service's security settings, in the shapes Cloudify generates them."""
    return {
        "hash_salt": base64.b64encode(_derive(manager_secret, "hash_salt")[:32]).decode("ascii"),
        "secret_key": base64.b64encode(_derive(manager_secret, "secret_key")[:32]).decode("ascii"),
        "encoding_alphabet": _encoding_alphabet(manager_secret),
        "encoding_block_size": 24,
        "encoding_min_length": 5,
        "encryption_key": base64.urlsafe_b64encode(_derive(manager_secret, "encryption_key")).decode("ascii"),
    }


class _QuotedStrings(yaml.SafeDumper):
    """Every string double-quoted, so that a YAML 1.2 reader cannot take it for a number or a boolean."""


_QuotedStrings.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
)


def render(settings: ManagerSettings, admin_password: str, manager_secret: str, broker_password: str) -> str:
    """The whole config.yaml text (secret: it holds the admin and broker passwords and the REST keys)."""
    security: dict[str, object] = {"admin_password": admin_password}
    if settings.tls:
        security["ssl_enabled"] = True
    document: dict[str, Any] = {
        "manager": {
            "hostname": settings.hostname,
            "private_ip": settings.management_ip,
            "public_ip": settings.tls_name,
            "security": security,
        },
        "rabbitmq": {"password": broker_password},
        "services_to_install": list(CLOUDIFY_7_SERVICES),
        "flask_security": flask_security(manager_secret),
        "validations": {"skip_validations": True},
        "sanity": {"skip_sanity": True},
    }
    if settings.has_tls_cert:
        document["ssl_inputs"] = ssl_inputs(settings)
    if settings.has_license:
        document["manager"]["cloudify_license_path"] = operator_config.LICENSE_TARGET
    whole = operator_config.merged(document, settings.manager_config_extra, settings.cpus)
    return yaml.dump(whole, Dumper=_QuotedStrings, sort_keys=True, default_flow_style=False, allow_unicode=True)


# Where the user's certificate files are mounted, read-only; configure copies them into /etc/cloudify/ssl
# (cfy_manager/components/nginx/nginx.py `_handle_external_cert`, `certificates.use_supplied_certificates`).
TLS_DIR = "/etc/cloudify-pulumi/tls"
TLS_FILES = {"cert": "tls-cert.pem", "key": "tls-key.pem", "ca": "tls-ca.pem"}
"""The host files of `managerTlsCert`, `managerTlsKey` and `managerTlsCaCert`, beside config.yaml."""
# The CA the manager's own certificates chain to, generated by configure unless given (constants.CA_CERT_PATH).
INTERNAL_CA_CERT = "/etc/cloudify/ssl/cloudify_internal_ca_cert.pem"


def tls_target(which: str) -> str:
    return f"{TLS_DIR}/{TLS_FILES[which]}"


def ssl_inputs(settings: ManagerSettings) -> dict[str, str]:
    """config.yaml's `ssl_inputs` (config.yaml lines 563-581) for a certificate of the user's: the external one,
    served by SNI for `public_ip` (globals.py lines 115-131); its CA, if given, for the on-manager CLI."""
    inputs = {"external_cert_path": tls_target("cert"), "external_key_path": tls_target("key")}
    if settings.has_tls_ca:
        inputs["external_ca_cert_path"] = tls_target("ca")
    return inputs


def served_ca(settings: ManagerSettings) -> str | None:
    """The CA file, inside the container, that the certificate the manager serves for `tls_name` chains to; None
    for a certificate of the user's without a CA: one the system's trusted CAs check."""
    if not settings.has_tls_cert:
        return INTERNAL_CA_CERT
    return tls_target("ca") if settings.has_tls_ca else None


def revision(manager_secret: str, text: str) -> str:
    """A fingerprint of the file that changes with it and reveals nothing of it.

    Keyed with `managerSecret`, so it can be shown in plain text (the app
    container's environment, hence the preview) without exposing the admin
    password to a guess-and-compare attack.
    """
    return hmac.new(manager_secret.encode(), text.encode(), hashlib.sha256).hexdigest()

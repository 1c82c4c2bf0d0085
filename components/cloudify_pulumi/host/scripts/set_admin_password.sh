#!/bin/sh
# Make the running Cloudify 7 manager's admin password the configured one.
#
#   set_admin_password.sh USE_SUDO CONTAINER < password
#
# Cloudify's configure sets the admin password only when it creates the
# database (cloudify-manager-install 7.0.4 restservice.py `_configure_db`), so
# a changed adminPassword would never reach a manager whose database is on the
# data volumes. After every replacement of the application container (and so
# after every change of config.yaml), this sets it in the database the way
# `cfy_manager reset-admin-password` does (cfy_manager/scripts/
# update-admin-password.py, run in the manager's venv /opt/manager/env), but
# with the password on stdin, never on a command line where `ps` shows it.
# Idempotent: setting the same password again changes nothing a user sees.
# Exit codes: 0 set, 2 usage, 11 no root access, 80 container not running,
# 81 the manager refused the update, 82 empty input.
set -eu
SCRIPT=admin-password
[ $# -eq 2 ] || { echo "usage: set_admin_password.sh USE_SUDO CONTAINER < password" >&2; exit 2; }
USE_SUDO=$1
CONTAINER=$2
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

MANAGER_PYTHON=/opt/manager/env/bin/python

# update-admin-password.py's `_update_admin_password`, reading the password
# from stdin instead of argv.
UPDATE='
import sys
from flask_security.utils import hash_password
from manager_rest import config
from manager_rest.flask_utils import setup_flask_app
from manager_rest.storage import user_datastore
new_password = sys.stdin.read().removesuffix("\n")
if not new_password:
    sys.exit(82)
config.instance.load_from_file("/opt/manager/cloudify-rest.conf")
config.instance.load_from_file("/opt/manager/rest-security.conf", namespace="security")
with setup_flask_app().app_context():
    config.instance.load_configuration()
    user = user_datastore.get_user("admin")
    user.password = hash_password(new_password)
    user.failed_logins_counter = 0
    user.active = True
    user_datastore.commit()
'

main() {
    require_root_access
    [ "$(docker_inspect '{{.State.Running}}' "$CONTAINER")" = true ] ||
        fail 80 "container $CONTAINER is not running; check 'docker logs $CONTAINER'"
    _status=0
    as_root docker exec -i "$CONTAINER" "$MANAGER_PYTHON" -c "$UPDATE" || _status=$?
    case "$_status" in
    0) say "the admin password of the manager in $CONTAINER is the configured one (adminPassword)" ;;
    82) fail 82 "no password arrived on standard input; nothing was changed" ;;
    *) fail 81 "the manager in $CONTAINER did not accept the new admin password (exit $_status); its log: docker logs $CONTAINER" ;;
    esac
}

main

#!/bin/sh
# Upload Cloudify 3.2's bootstrap (provider) context, as its CLI's bootstrap did.
#
#   bootstrap_context.sh USE_SUDO CONTAINER PORT BODY
#
# cloudify-cli 3.2 cloudify_cli/bootstrap/tasks.py `_upload_provider_context`
# (lines 620-656) runs `curl --fail -XPOST localhost:8101/provider/context`
# with the JSON BODY inside the manager's container (`_run_command_in_cfy`).
# The 3.2 REST service (cloudify-manager 3.2 rest-service/manager_rest/
# resources.py `ProviderContext`, lines 1280-1333) answers GET with 404 until
# a context exists; POST creates it (201; 409 if it exists), and POST
# `?update=true` updates it (200). So this asks first, then creates or updates:
# it can run again after every replacement of the container. BODY holds no
# secret (the agents' key is named by its path).
# Exit codes: 0 uploaded, 2 usage, 11 no root access, 80 container not
# running, 90 no HTTP client in the container, 91 the REST service refused.
set -eu
SCRIPT=bootstrap-context
[ $# -eq 4 ] || { echo "usage: bootstrap_context.sh USE_SUDO CONTAINER PORT BODY" >&2; exit 2; }
USE_SUDO=$1
CONTAINER=$2
PORT=$3
BODY=$4
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

URL="http://localhost:$PORT/provider/context"

# in_container CURL_ARGS...: curl inside the container; its exit status and, on stdout, the HTTP status.
in_container() { as_root docker exec -i "$CONTAINER" curl -sS -o /dev/null -w '%{http_code}' "$@"; }

main() {
    require_root_access
    [ "$(docker_inspect '{{.State.Running}}' "$CONTAINER")" = true ] ||
        fail 80 "container $CONTAINER is not running; check 'docker logs $CONTAINER'"
    _status=0
    _code=$(in_container "$URL" </dev/null) || _status=$?
    case "$_status" in
    0) ;;
    126 | 127) fail 90 "no curl in $CONTAINER, which Cloudify 3.2's image has: is appImage a Cloudify 3.2 image?" ;;
    *) fail 91 "the REST service in $CONTAINER did not answer on port $PORT (curl exit $_status)" ;;
    esac
    case "$_code" in
    200) _query='?update=true' _done=updated _want=200 ;;
    404) _query='' _done=created _want=201 ;;
    *) fail 91 "GET $URL in $CONTAINER answered $_code" ;;
    esac
    _code=$(printf '%s' "$BODY" | in_container -X POST -H 'Content-Type: application/json' --data-binary @- "$URL$_query") ||
        fail 91 "POST $URL$_query in $CONTAINER failed"
    [ "$_code" = "$_want" ] || fail 91 "POST $URL$_query in $CONTAINER answered $_code, not $_want"
    say "$_done the bootstrap context of $CONTAINER (cloudifyAgent, workflows, policyEngine, resourcesPrefix)"
}

main

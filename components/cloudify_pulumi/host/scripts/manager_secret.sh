#!/bin/sh
# Store a manager secret in a ready Cloudify 7 manager, through its REST API.
#
#   manager_secret.sh USE_SUDO CONTAINER PORT NAME ADDRESS [TLS_NAME TLS_CA] < curl-config
#
# PUT /api/v3.1/secrets/NAME with `update_if_exists` creates the secret or
# updates its value (cloudify-manager 7.0.4 rest-service/manager_rest/rest/
# resources_v3/secrets.py `SecretsKey.put`, lines 93-116), so it can run again
# after every replacement of the container. The request reaches the REST API
# where the readiness step does: http://ADDRESS:PORT, or with TLS_NAME
# https://TLS_NAME:PORT connected to ADDRESS, the certificate checked against
# the CA file TLS_CA inside the container (or the host's CAs with `system`),
# never with -k. Everything secret (the admin user's credentials, the
# tenant, the JSON body) arrives on stdin as a curl config (`curl -K -`),
# never on a command line; the answer's body is not shown.
# Exit codes: 0 stored, 2 usage, 11 no root access, 42 no curl on the host,
# 44 no private folder for the CA file, 80 container not running, 95 the
# credentials were refused, 96 the manager refused or did not answer.
set -eu
SCRIPT=manager-secret
if [ $# -ne 5 ] && [ $# -ne 7 ]; then
    echo "usage: manager_secret.sh USE_SUDO CONTAINER PORT NAME ADDRESS [TLS_NAME TLS_CA] < curl-config" >&2
    exit 2
fi
USE_SUDO=$1
CONTAINER=$2
PORT=$3
NAME=$4
ADDRESS=$5
TLS_NAME=${6:-}
TLS_CA=${7:-}
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

bracketed() { case $1 in *:*) printf '[%s]' "$1" ;; *) printf '%s' "$1" ;; esac; }

WORK=
cleanup() { [ -z "$WORK" ] || rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

main() {
    case "$NAME" in "" | *[!A-Za-z0-9_.-]*) fail 2 "NAME must be a secret name (letters, digits, '_', '.', '-'), got '$NAME'" ;; esac
    require_root_access
    command -v curl >/dev/null 2>&1 || fail 42 "curl is not installed on this host; install it"
    [ "$(docker_inspect '{{.State.Running}}' "$CONTAINER")" = true ] ||
        fail 80 "container $CONTAINER is not running; check 'docker logs $CONTAINER'"
    WORK=$(umask 077 && mktemp -d) || fail 44 "could not create a private temporary folder"
    if [ -n "$TLS_NAME" ]; then
        _url="https://$(bracketed "$TLS_NAME"):$PORT/api/v3.1/secrets/$NAME"
        set -- --resolve "$(bracketed "$TLS_NAME"):$PORT:$ADDRESS"
        if [ "$TLS_CA" != system ]; then
            as_root docker exec "$CONTAINER" cat "$TLS_CA" >"$WORK/ca.pem" 2>/dev/null || true
            [ -s "$WORK/ca.pem" ] || fail 96 "no CA file $TLS_CA in $CONTAINER"
            set -- "$@" --cacert "$WORK/ca.pem"
        fi
    else
        _url="http://$(bracketed "$ADDRESS"):$PORT/api/v3.1/secrets/$NAME"
        set --
    fi
    _status=0
    _code=$(curl -sS -m 30 -o "$WORK/answer" -w '%{http_code}' -K - -X PUT "$@" "$_url") || _status=$?
    [ "$_status" -eq 0 ] || fail 96 "PUT $_url failed (curl exit $_status)"
    case "$_code" in
    200 | 201) say "the manager secret $NAME is stored in $CONTAINER's manager (created, or its value updated)" ;;
    401) fail 95 "the manager refused the admin credentials for PUT $_url (401): is adminPassword the manager's?" ;;
    *) fail 96 "PUT $_url answered $_code; the manager's log: docker logs $CONTAINER" ;;
    esac
}

main

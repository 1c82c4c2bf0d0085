#!/bin/sh
# Wait until the manager answers HTTP on its REST port, on the Docker host.
#
#   wait_ready.sh USE_SUDO CONTAINER PORT PATH TIMEOUT_SECONDS DATA_CONTAINER BACKUP_FILE PREVIOUS_IMAGE \
#       READY_LOG_LINE SECRET_ON_STDIN [ADDRESS [TLS_NAME TLS_CA]] [< admin password]
#
# With TLS_NAME, readiness is GET https://TLS_NAME:PORT/PATH, connected to
# ADDRESS (curl --resolve) and checked for TLS_NAME, never with -k: against
# the CA file TLS_CA inside the container (read out with docker exec each try,
# since configure writes it; printed on stdout as MANAGER_CA_CERT=<base64>
# once ready), or the host's trusted CAs with TLS_CA `system`. A wrong
# certificate, or plain HTTP on the port, never counts as ready; the failure
# shows curl's last error.
#
# BACKUP_FILE and PREVIOUS_IMAGE (empty on the first up) come from the backup
# step: a failure message ends with the exact way back to them.
# Ready means a 2xx/3xx answer to GET http://ADDRESS:PORT/PATH and, unless
# READY_LOG_LINE is `-`, that line in the container's log: Cloudify 7 answers
# /api/v3.1/ok before its configure has finished (cloudify-manager-install
# 7.0.4 cfy_manager/main.py `configure` logs "Configuration finished
# successfully!" at its end). ADDRESS is the host address PORT is published
# on (default 127.0.0.1, also for a port published on every address). On timeout, or if the container stops, fail with
# the last lines of the container log.
# A Cloudify 7 manager whose data volumes hold another database schema than
# its image expects never becomes ready ("Database schema version mismatch",
# cloudify-manager-install 7.0.4 cfy_manager/components/restservice/db.py):
# that is reported at once, with the way back.
# The container log can hold the admin password (Cloudify 7's configure
# prints "Admin password: ..." and a `cfy profiles use ... -p ...` line,
# main.py `_print_finish_message`): those lines, and with SECRET_ON_STDIN
# `true` every occurrence of the password read from stdin, are masked in what
# this script shows.
# Exit codes: 0 ready, 2 usage, 11 no root access, 40 timeout, 41 container
# stopped, 42 no HTTP client (curl or wget; curl with TLS) on the host, 43
# schema mismatch, 44 no private folder for the CA file.
set -eu
SCRIPT=wait-ready
if [ $# -ne 10 ] && [ $# -ne 11 ] && [ $# -ne 13 ]; then
    echo "usage: wait_ready.sh USE_SUDO CONTAINER PORT PATH TIMEOUT DATA_CONTAINER BACKUP_FILE PREVIOUS_IMAGE" \
        "READY_LOG_LINE SECRET_ON_STDIN [ADDRESS [TLS_NAME TLS_CA]]" >&2
    exit 2
fi
USE_SUDO=$1
CONTAINER=$2
PORT=$3
URL_PATH=$4
TIMEOUT=$5
DATA_CONTAINER=$6
BACKUP_FILE=$7
PREVIOUS_IMAGE=$8
READY_LOG_LINE=$9
SECRET_ON_STDIN=${10}
ADDRESS=${11:-127.0.0.1}
TLS_NAME=${12:-}
TLS_CA=${13:-}
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

bracketed() { case $1 in *:*) printf '[%s]' "$1" ;; *) printf '%s' "$1" ;; esac; }

if [ -n "$TLS_NAME" ]; then
    URL="https://$(bracketed "$TLS_NAME"):$PORT$URL_PATH"
else
    URL="http://$(bracketed "$ADDRESS"):$PORT$URL_PATH"
fi
WORK=
CA_FILE=
cleanup() { [ -z "$WORK" ] || rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# answers_https: a 2xx/3xx over TLS, the certificate checked for TLS_NAME.
answers_https() {
    if [ "$TLS_CA" != system ]; then
        if ! as_root docker exec "$CONTAINER" cat "$TLS_CA" >"$CA_FILE" 2>/dev/null || [ ! -s "$CA_FILE" ]; then
            echo "no CA file $TLS_CA in $CONTAINER yet" >"$WORK/error"
            return 1
        fi
    fi
    _status=$(curl -sS -o /dev/null -m 5 -w '%{http_code}' ${CA_FILE:+--cacert "$CA_FILE"} \
        --resolve "$(bracketed "$TLS_NAME"):$PORT:$ADDRESS" "$URL" 2>"$WORK/error") || _status=000
    [ "$_status" -ge 200 ] && [ "$_status" -lt 400 ]
}

answers() {
    if [ -n "$TLS_NAME" ]; then
        answers_https
    elif command -v curl >/dev/null 2>&1; then
        _status=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$URL") || _status=000
        [ "$_status" -ge 200 ] && [ "$_status" -lt 400 ]
    else
        wget -q -T 5 -O /dev/null "$URL"
    fi
}

configured() {
    [ "$READY_LOG_LINE" = - ] && return 0
    as_root docker logs "$CONTAINER" 2>&1 | grep -qF -- "$READY_LOG_LINE"
}

# The container log as this script shows it: without the admin password.
masked() {
    MASK_SECRET=$SECRET awk '
        {
            line = $0
            secret = ENVIRON["MASK_SECRET"]
            if (secret != "") {
                out = ""
                while ((at = index(line, secret)) > 0) {
                    out = out substr(line, 1, at - 1) "********"
                    line = substr(line, at + length(secret))
                }
                line = out line
            }
            if (line ~ /Admin password: /) sub(/Admin password: .*/, "Admin password: ********", line)
            if (line ~ /cfy profiles use /) gsub(/ -p [^ ]+/, " -p ********", line)
            print line
        }'
}

schema_mismatch() {
    as_root docker logs --tail 200 "$CONTAINER" 2>&1 | grep -q 'Database schema version mismatch'
}

way_back() {
    if [ -z "$BACKUP_FILE" ] || [ -z "$PREVIOUS_IMAGE" ]; then
        echo "No backup was taken (first deployment): fix the cause and run pulumi up again."
        return 0
    fi
    echo "To go back to the image and the data from before this replacement:" \
        "pulumi config set appImage $PREVIOUS_IMAGE; pulumi config set restoreFrom $BACKUP_FILE; pulumi up" \
        "(on a host with no Pulumi: sudo sh restore_backup.sh false $CONTAINER $DATA_CONTAINER $BACKUP_FILE," \
        "components/cloudify_pulumi/host/scripts/restore_backup.sh with common.sh and archive.sh beside it)"
}

show_log_and_fail() {
    [ -z "$WORK" ] || [ ! -s "$WORK/error" ] || say "the last try over TLS said: $(cat "$WORK/error")"
    say "last lines of the log of container $CONTAINER:"
    { as_root docker logs --tail 40 "$CONTAINER" 2>&1 || true; } | masked >&2
    fail "$1" "$2 $(way_back)"
}

# warn_if_shipped_broker_password: a Cloudify 7 manager (READY_LOG_LINE set) whose broker still takes the password
# the image shipped (cloudify-manager-install 7.0.4 config.yaml lines 113-114, user `cloudify`, `c10udify`) is
# said to be one: a manager configured before this program generated a broker password keeps it, since configure
# adds the broker's user only when it does not exist (rabbitmq.py `_create_rabbitmq_user`, lines 126-143).
# `rabbitmqctl authenticate_user` exits 0 only for a user and password the broker accepts. The password is the
# image's public default, not a secret.
warn_if_shipped_broker_password() {
    [ "$READY_LOG_LINE" != - ] || return 0
    as_root docker exec "$CONTAINER" rabbitmqctl authenticate_user cloudify c10udify >/dev/null 2>&1 || return 0
    say "WARNING: the broker in $CONTAINER still accepts the password the Cloudify 7 image shipped (user cloudify," \
        "c10udify): this manager was first configured before a broker password was generated for it, and Cloudify's" \
        "configure never changes an existing broker user's password. Whoever reaches port 5671 on the management" \
        "address can act as the manager on the broker. See docs/cloudify-7.md (The shipped broker password)"
}

main() {
    case "$SECRET_ON_STDIN" in
    true) IFS= read -r SECRET || true ;;
    false) SECRET= ;;
    *) fail 2 "SECRET_ON_STDIN must be true or false, got '$SECRET_ON_STDIN'" ;;
    esac
    command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 ||
        fail 42 "neither curl nor wget is installed on the Docker host; install one to check readiness"
    if [ -n "$TLS_NAME" ]; then
        command -v curl >/dev/null 2>&1 ||
            fail 42 "curl is not installed on the Docker host; it checks the manager's HTTPS certificate (managerTls)"
        WORK=$(umask 077 && mktemp -d) || fail 44 "could not create a private temporary folder for the CA file"
        [ "$TLS_CA" = system ] || CA_FILE="$WORK/ca.pem"
    fi
    require_root_access
    _start=$(date +%s)
    say "waiting up to $TIMEOUT s for the manager to answer $URL"
    while :; do
        answers && configured && {
            say "manager answers at $URL after $(($(date +%s) - _start)) s"
            [ -z "$CA_FILE" ] || printf 'MANAGER_CA_CERT=%s\n' "$(base64 <"$CA_FILE" | tr -d '\n')"
            warn_if_shipped_broker_password
            return 0
        }
        progress_every 10 "$_start" "$TIMEOUT" "waiting for $URL"
        ! schema_mismatch ||
            show_log_and_fail 43 "the manager in $CONTAINER refuses the database in its data volumes: their schema differs from the one its image expects. This program swaps containers and does not migrate the database; upgrade across schema versions with Cloudify's snapshot and restore."
        [ "$(as_root docker inspect -f '{{.State.Running}}' "$CONTAINER" 2>/dev/null)" = true ] ||
            show_log_and_fail 41 "container $CONTAINER is not running"
        [ $(($(date +%s) - _start)) -lt "$TIMEOUT" ] ||
            show_log_and_fail 40 "the manager did not answer $URL within $TIMEOUT seconds (readinessTimeout)"
        sleep 2
    done
}

main

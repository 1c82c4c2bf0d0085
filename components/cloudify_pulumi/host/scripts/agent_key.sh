#!/bin/sh
# Place the agents' private SSH key inside the application container, from stdin.
#
#   agent_key.sh USE_SUDO CONTAINER TARGET < key
#
# cloudify-3.2: TARGET is /root/.ssh/agent_key.pem, on the data container's
# /root volume, so the key survives every replacement of the application
# container; the bootstrap context names it (cloudify-cli 3.2
# cloudify_cli/bootstrap/tasks.py `_copy_agent_key` and
# `_upload_provider_context`). The key arrives on stdin, never on a command
# line; the file is 0600, its folder 0700, both root's, written under a new
# name and renamed, so a reader never sees half a key. Idempotent.
# Exit codes: 0 placed, 2 usage, 11 no root access, 80 container not running,
# 82 empty input, 83 the file could not be written.
set -eu
SCRIPT=agent-key
[ $# -eq 3 ] || { echo "usage: agent_key.sh USE_SUDO CONTAINER TARGET < key" >&2; exit 2; }
USE_SUDO=$1
CONTAINER=$2
TARGET=$3
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

# Runs inside the container with TARGET as $1 and the key on stdin; nothing
# from the configuration is spliced into this text.
# shellcheck disable=SC2016
PLACE='
umask 077
mkdir -p "$(dirname "$1")" && chmod 700 "$(dirname "$1")" || exit 83
cat > "$1.new" || { rm -f "$1.new"; exit 83; }
if [ ! -s "$1.new" ]; then rm -f "$1.new"; exit 82; fi
chmod 600 "$1.new" && mv -f "$1.new" "$1" || { rm -f "$1.new"; exit 83; }'

main() {
    case "$TARGET" in /*) ;; *) fail 2 "TARGET must be an absolute path, got '$TARGET'" ;; esac
    require_root_access
    [ "$(docker_inspect '{{.State.Running}}' "$CONTAINER")" = true ] ||
        fail 80 "container $CONTAINER is not running; check 'docker logs $CONTAINER'"
    _status=0
    as_root docker exec -i -u 0 "$CONTAINER" sh -c "$PLACE" agent-key "$TARGET" || _status=$?
    case "$_status" in
    0) say "the agents' key (agentPrivateKey) is at $TARGET in $CONTAINER, mode 0600, on its data volumes" ;;
    82) fail 82 "no key arrived on standard input; nothing was changed" ;;
    *) fail 83 "could not write $TARGET in $CONTAINER (exit $_status)" ;;
    esac
}

main

#!/bin/sh
# Put a backup archive back into the manager's data volumes.
#
#   restore_backup.sh USE_SUDO APP_CONTAINER DATA_CONTAINER ARCHIVE
#
# Run it on the Docker host (copy this file and common.sh next to each other):
#   sudo sh restore_backup.sh false cloudify-manager cloudify-data /var/lib/cloudify-backups/<archive>.tar.gz
# The application container is stopped while every path the data container
# holds is emptied and refilled from ARCHIVE (made by backup_data.sh), through
# a one-off container of the application's image; then it is started again if
# it was running. Files that were not in the archive are gone afterwards.
# Exit codes: 0 restored, 2 usage, 11 no root access, 70 archive missing or
# unreadable, 71 containers missing, 72 restore failed.
# The inner `sh -c` text takes its values as arguments, never spliced in:
# shellcheck disable=SC2016
set -eu
SCRIPT=restore
[ $# -eq 4 ] || { echo "usage: restore_backup.sh USE_SUDO APP_CONTAINER DATA_CONTAINER ARCHIVE" >&2; exit 2; }
USE_SUDO=$1
APP=$2
DATA=$3
ARCHIVE=$4
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"


# Empties each path given, then unpacks the archive (its first argument, $0) at /.
REFILL='
archive=$0
for path in "$@"; do
    rm -rf "$path"/* "$path"/.[!.]* "$path"/..?* || exit 1
done
tar -xzpf "/backup/$archive" -C /'

main() {
    case "$ARCHIVE" in /*) ;; *) fail 2 "ARCHIVE must be an absolute path, got '$ARCHIVE'" ;; esac
    require_root_access
    as_root tar -tzf "$ARCHIVE" >/dev/null 2>&1 || fail 70 "$ARCHIVE is missing or is not a readable .tar.gz"
    _image=$(docker_inspect '{{.Image}}' "$APP") || fail 71 "there is no container $APP to restore for"
    _paths=$(data_paths "$DATA") || _paths=
    [ -n "$_paths" ] || fail 71 "the data container $DATA does not exist or holds no volumes"
    _was_running=$(docker_inspect '{{.State.Running}}' "$APP") || _was_running=false
    if [ "$_was_running" = true ]; then
        say "stopping $APP"
        as_root docker stop -t 120 "$APP" >/dev/null || fail 72 "could not stop $APP; nothing was restored"
    fi
    set -f
    # Volume paths are plain words (settings.py validates them).
    # shellcheck disable=SC2086
    set -- $_paths
    say "restoring $* from $ARCHIVE"
    if ! as_root docker run --rm --network none --entrypoint sh --volumes-from "$DATA" \
        -v "$(dirname "$ARCHIVE"):/backup:ro" "$_image" -c "$REFILL" "$(basename "$ARCHIVE")" "$@" >&2; then
        fail 72 "restoring $ARCHIVE into $DATA failed; $APP is left stopped: check, then 'docker start $APP'"
    fi
    if [ "$_was_running" = true ]; then
        as_root docker start "$APP" >/dev/null || fail 72 "restored, but $APP did not start again: docker start $APP"
    fi
    say "restored $ARCHIVE into the volumes of $DATA"
}

main

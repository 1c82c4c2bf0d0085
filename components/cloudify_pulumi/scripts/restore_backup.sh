#!/bin/sh
# Put a backup archive back into the manager's data volumes.
#
#   restore_backup.sh USE_SUDO APP_CONTAINER DATA_CONTAINER ARCHIVE
#
# Run it on the Docker host (copy this file and common.sh next to each other):
#   sudo sh restore_backup.sh false cloudify-manager cloudify-data /var/lib/cloudify-backups/<archive>
# ARCHIVE is one backup_data.sh made: .tar.zst, .tar.gz (also every release's
# before this one) or .tar. It is tested whole first; then the application
# container is stopped while every path the data container holds is emptied
# and refilled from it (decompressed on the host, unpacked by a one-off
# container of the application's image); then it is started again if it was
# running. Files that were not in the archive are gone afterwards.
# Exit codes: 0 restored, 2 usage, 11 no root access, 70 archive missing or
# unreadable, 71 containers missing, 72 restore failed.
# The inner `sh -c` texts take their values as arguments, never spliced in:
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


# Runs in the one-off container: empties each path given, then unpacks the tar stream on stdin at /.
REFILL='
for path in "$@"; do
    rm -rf "$path"/* "$path"/.[!.]* "$path"/..?* || exit 1
done
tar -xpf - -C /'

# Runs as root with: READ ARCHIVE DATA IMAGE REFILL PATH...; keeps both stages' exit status.
FEED='
read=$1 archive=$2 data=$3 image=$4 refill=$5
shift 5
status=$(mktemp) || exit 1
{ $read "$archive"; echo $? > "$status"; } |
    docker run -i --rm --network none --entrypoint sh --volumes-from "$data" "$image" -c "$refill" refill "$@"
unpacked=$?
read_status=$(cat "$status")
rm -f "$status"
[ "$read_status" = 0 ] && [ "$unpacked" = 0 ]'

main() {
    case "$ARCHIVE" in /*) ;; *) fail 2 "ARCHIVE must be an absolute path, got '$ARCHIVE'" ;; esac
    case "$ARCHIVE" in
    *.tar.zst) _read="zstd -q -dc" _test="zstd -q -t" ;;
    *.tar.gz) _read="gzip -dc" _test="gzip -t" ;;
    *.tar) _read=cat _test="tar -tf" ;;
    *) fail 2 "ARCHIVE must be a .tar.zst, .tar.gz or .tar that backup_data.sh made, got '$ARCHIVE'" ;;
    esac
    require_root_access
    # shellcheck disable=SC2086
    as_root $_test "$ARCHIVE" >/dev/null 2>&1 || fail 70 "$ARCHIVE is missing, or does not read back whole"
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
    if ! as_root sh -c "$FEED" feed "$_read" "$ARCHIVE" "$DATA" "$_image" "$REFILL" "$@" >&2; then
        fail 72 "restoring $ARCHIVE into $DATA failed; $APP is left stopped: check, then 'docker start $APP'"
    fi
    if [ "$_was_running" = true ]; then
        as_root docker start "$APP" >/dev/null || fail 72 "restored, but $APP did not start again: docker start $APP"
    fi
    say "restored $ARCHIVE into the volumes of $DATA"
}

main

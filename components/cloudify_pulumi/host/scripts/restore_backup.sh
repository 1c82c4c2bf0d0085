#!/bin/sh
# Put a backup archive back into the manager's data volumes.
#
#   restore_backup.sh USE_SUDO APP_CONTAINER DATA_CONTAINER ARCHIVE
#
# Send it to the Docker host as one self-contained text (docs/operations.md, Restore), never as files
# copied to a shared folder such as /tmp:
#   python3 components/cloudify_pulumi/host/shipping.py restore_backup.sh |
#       ssh HOST 'sudo sh -c "$(cat)" restore_backup.sh false cloudify-manager cloudify-data <archive>'
# (On a checkout on the host itself, `sudo sh restore_backup.sh ...` beside common.sh and archive.sh.)
# ARCHIVE is one backup_data.sh made: .tar.zst, .tar.gz (also every release's
# before this one) or .tar, one tar stream or the two passes of a copy made
# while the manager ran (archive.sh). It is tested whole first, and must hold the data
# container's volume paths only; then the application
# container is stopped while every path the data container holds is emptied
# and refilled from it (decompressed on the host, unpacked by a one-off
# container of the application's image); then it is started again if it was
# running. Files that were not in the archive are gone afterwards.
# Exit codes: 0 restored, 2 usage, 11 no root access, 12 ARCHIVE in a folder
# another user owns or may write in, 70 archive missing or
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

# shellcheck source=archive.sh
. "$(dirname "$0")/archive.sh"

main() {
    case "$ARCHIVE" in /*) ;; *) fail 2 "ARCHIVE must be an absolute path, got '$ARCHIVE'" ;; esac
    archive_reader "$ARCHIVE" ||
        fail 2 "ARCHIVE must be a .tar.zst, .tar.gz or .tar that backup_data.sh made, got '$ARCHIVE'"
    require_root_access
    ! as_root test -e "$ARCHIVE" || private_folder "$ARCHIVE" ARCHIVE
    _paths=$(data_paths "$DATA") || _paths=
    [ -n "$_paths" ] || fail 71 "the data container $DATA does not exist or holds no volumes"
    # Volume paths are plain words (settings.py validates them).
    # shellcheck disable=SC2086
    archive_holds_only "$ARCHIVE" $_paths ||
        fail 70 "$ARCHIVE is missing, does not read back whole, or holds files outside $_paths"
    _image=$(docker_inspect '{{.Image}}' "$APP") || fail 71 "there is no container $APP to restore for"
    _was_running=$(docker_inspect '{{.State.Running}}' "$APP") || _was_running=false
    if [ "$_was_running" = true ]; then
        say "stopping $APP"
        as_root docker stop -t 120 "$APP" >/dev/null || fail 72 "could not stop $APP; nothing was restored"
    fi
    set -f
    # shellcheck disable=SC2086
    set -- $_paths
    say "restoring $* from $ARCHIVE"
    REFILLER=
    if ! refill_volumes "$ARCHIVE" "$_image" "$@" || ! wait "$REFILLER"; then
        fail 72 "restoring $ARCHIVE into $DATA failed; $APP is left stopped: check, then 'docker start $APP'"
    fi
    if [ "$_was_running" = true ]; then
        as_root docker start "$APP" >/dev/null || fail 72 "restored, but $APP did not start again: docker start $APP"
    fi
    say "restored $ARCHIVE into the volumes of $DATA"
}

main

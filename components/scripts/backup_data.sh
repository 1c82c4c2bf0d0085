#!/bin/sh
# Back up the manager's data before its application container is replaced.
#
#   backup_data.sh USE_SUDO APP_CONTAINER DATA_CONTAINER BACKUP_DIR KEEP REPLACEMENT_KEY
#
# Runs after the new application image is on the host and before the old
# application container is deleted. It stops that container (so PostgreSQL and
# RabbitMQ files are at rest), archives every path the data container holds,
# through a one-off container of the old image with --volumes-from the data
# container, into BACKUP_DIR (mode 0700) as
#   <APP_CONTAINER>-<UTC timestamp>-<old image>.tar.gz   (mode 0600)
# lists the archive back, then keeps the newest KEEP archives. On success the
# old container stays stopped: it is deleted next. On failure it is started
# again and nothing is deleted.
# - no application container yet (first up): nothing to back up;
# - the container already carries REPLACEMENT_KEY in its environment
#   (CLOUDIFY_PULUMI_REPLACEMENT_KEY): it is what is wanted and will not be
#   replaced, so nothing is stopped or archived.
# Prints on stdout:
#   BACKUP_FILE=<newest archive, or empty>
#   PREVIOUS_IMAGE=<the image the old container ran, or empty>
# Exit codes: 0 done, 2 usage, 11 no root access, 60 BACKUP_DIR not usable,
# 61 archiving failed, 62 archive unreadable, 63 could not stop the container.
# The inner `sh -c` texts take their values as arguments, never spliced in:
# shellcheck disable=SC2016
set -eu
SCRIPT=backup
[ $# -eq 6 ] || { echo "usage: backup_data.sh USE_SUDO APP_CONTAINER DATA_CONTAINER BACKUP_DIR KEEP KEY" >&2; exit 2; }
USE_SUDO=$1
APP=$2
DATA=$3
DIR=$4
KEEP=$5
KEY=$6
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

newest_archive() { as_root sh -c 'ls -1t "$1"/"$2"-*.tar.gz 2>/dev/null | head -n 1' newest "$DIR" "$APP" || true; }

report() { # PREVIOUS_IMAGE
    printf 'BACKUP_FILE=%s\n' "$(newest_archive)"
    printf 'PREVIOUS_IMAGE=%s\n' "$1"
}

restart_and_fail() { # CODE MESSAGE
    if [ "$WAS_RUNNING" = true ]; then
        if as_root docker start "$APP" >/dev/null 2>&1; then
            say "started $APP again"
        else
            say "could not start $APP again: run 'docker start $APP' on the host"
        fi
    fi
    as_root rm -f "$PARTIAL"
    fail "$1" "$2"
}

main() {
    case "$KEEP" in '' | *[!0-9]*) fail 2 "KEEP must be a whole number, got '$KEEP'" ;; esac
    require_root_access
    if ! docker_inspect '{{.Id}}' "$APP" >/dev/null; then
        say "no container $APP yet (first up): nothing to back up"
        report ""
        return 0
    fi
    _image_id=$(docker_inspect '{{.Image}}' "$APP")
    _image=$(as_root docker image inspect -f '{{if .RepoTags}}{{index .RepoTags 0}}{{end}}' "$_image_id" 2>/dev/null) ||
        _image=
    _image=${_image:-$_image_id}
    if docker_inspect '{{range .Config.Env}}{{println .}}{{end}}' "$APP" | grep -qxF "CLOUDIFY_PULUMI_REPLACEMENT_KEY=$KEY"; then
        say "$APP already runs what is wanted and is not being replaced: nothing to back up"
        report "$_image"
        return 0
    fi
    if ! as_root mkdir -p "$DIR" || ! as_root chmod 700 "$DIR" ||
        ! as_root sh -c ': > "$1/.write-test" && rm -f "$1/.write-test"' probe "$DIR"; then
        fail 60 "the backup folder $DIR (backupDir) cannot be created or written; nothing was stopped or deleted"
    fi
    # Volume paths are plain words (settings.py validates them), so they are split on purpose below.
    _paths=$(data_paths "$DATA") || _paths=
    [ -n "$_paths" ] || fail 61 "the data container $DATA holds no volumes to back up; nothing was stopped"
    set -f
    # shellcheck disable=SC2086
    set -- $_paths
    _name="$APP-$(date -u +%Y%m%dT%H%M%SZ)-$(printf '%s' "$_image" | tr -c 'A-Za-z0-9._-' '_').tar.gz"
    PARTIAL="$DIR/.$_name.partial"
    WAS_RUNNING=$(docker_inspect '{{.State.Running}}' "$APP") || WAS_RUNNING=false
    say "stopping $APP ($_image) so that its data is at rest"
    as_root docker stop -t 120 "$APP" >/dev/null || restart_and_fail 63 "could not stop $APP; nothing was archived or deleted"
    say "archiving $* into $DIR/$_name"
    if ! as_root docker run --rm --network none --entrypoint tar --volumes-from "$DATA" -v "$DIR:/backup" \
        -w / "$_image_id" -czf "/backup/.$_name.partial" "$@" >&2; then
        restart_and_fail 61 "archiving the data of $DATA into $DIR failed (disk full? $(as_root df -h "$DIR" 2>/dev/null | tail -n 1)); $APP was started again and nothing was deleted"
    fi
    as_root tar -tzf "$PARTIAL" >/dev/null 2>&1 ||
        restart_and_fail 62 "the archive $PARTIAL cannot be read back; $APP was started again and nothing was deleted"
    as_root chmod 600 "$PARTIAL"
    as_root mv -f "$PARTIAL" "$DIR/$_name"
    as_root sh -c 'ls -1t "$1"/"$2"-*.tar.gz | tail -n +"$(($3 + 1))" | while read -r old; do rm -f "$old"; done' \
        prune "$DIR" "$APP" "$KEEP"
    say "backed up to $DIR/$_name (keeping the newest $KEEP)"
    report "$_image"
}

main

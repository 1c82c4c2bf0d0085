#!/bin/sh
# Back up the manager's data before its application container is replaced.
#
#   backup_data.sh USE_SUDO APP_CONTAINER DATA_CONTAINER BACKUP_DIR KEEP REPLACEMENT_KEY COMPRESSION
#
# Runs after the new application image is on the host and before the old
# application container is deleted. It stops that container (so PostgreSQL and
# RabbitMQ files are at rest), streams every path the data container holds out
# of a one-off container of the old image (`tar -c` with --volumes-from the
# data container) and compresses it on the host, into BACKUP_DIR (mode 0700) as
#   <APP_CONTAINER>-<UTC timestamp>-<old image>.tar.zst|.tar.gz|.tar   (mode 0600)
# COMPRESSION: `auto` (zstd if the host has it, else gzip: pigz if present),
# `zstd`, `gzip` or `none`; always the fastest level, since the copy is the
# manager's downtime. While it is written, the tar stream is listed in the same
# pass and every stage's exit status is kept; then the compressed file is
# tested. Only then the newest KEEP archives are kept. On success the old
# container stays stopped: it is deleted next. On failure it is started again
# and nothing is deleted.
# - no application container yet (first up): nothing to back up;
# - the container already carries REPLACEMENT_KEY in its environment
#   (CLOUDIFY_PULUMI_REPLACEMENT_KEY): it is what is wanted and will not be
#   replaced, so nothing is stopped or archived.
# Prints on stdout:
#   BACKUP_FILE=<newest archive, or empty>
#   PREVIOUS_IMAGE=<the image the old container ran, or empty>
# Exit codes: 0 done, 2 usage, 11 no root access, 60 BACKUP_DIR not usable,
# 61 archiving failed, 62 archive unreadable, 63 could not stop the container,
# 64 the COMPRESSION asked for is not installed on the host.
# The inner `sh -c` texts take their values as arguments, never spliced in:
# shellcheck disable=SC2016
set -eu
SCRIPT=backup
[ $# -eq 7 ] || {
    echo "usage: backup_data.sh USE_SUDO APP_CONTAINER DATA_CONTAINER BACKUP_DIR KEEP KEY COMPRESSION" >&2
    exit 2
}
USE_SUDO=$1
APP=$2
DATA=$3
DIR=$4
KEEP=$5
KEY=$6
COMPRESSION=$7
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

newest_archive() { as_root sh -c 'ls -1t "$1"/"$2"-*.tar* 2>/dev/null | head -n 1' newest "$DIR" "$APP" || true; }

# choose_format: FORMAT (zst, gz or tar) and COMPRESS, the host's fastest way to write it.
choose_format() {
    case "$COMPRESSION" in
    auto) if command -v zstd >/dev/null 2>&1; then COMPRESSION=zstd; else COMPRESSION=gzip; fi ;;
    zstd | gzip | none) ;;
    *) fail 2 "COMPRESSION must be auto, zstd, gzip or none, got '$COMPRESSION'" ;;
    esac
    case "$COMPRESSION" in
    zstd)
        command -v zstd >/dev/null 2>&1 ||
            fail 64 "backupCompression is zstd, but zstd is not installed on this host; install it, or set backupCompression to auto"
        FORMAT=zst COMPRESS="zstd -q -1 -T0"
        ;;
    gzip)
        FORMAT=gz COMPRESS="gzip -1"
        if command -v pigz >/dev/null 2>&1; then COMPRESS="pigz -1"; fi
        ;;
    none) FORMAT=tar COMPRESS=cat ;;
    esac
}

# Runs as root with: OUT COMPRESS DATA IMAGE PATH...; writes OUT. `tar -c` in
# the container writes into a fifo in OUT's folder (bind-mounted: the kernel
# moves the bytes, not the Docker CLI); the host compresses what comes out and,
# in the same pass, lists it (tar -t) through a second fifo. Each stage's exit
# status is kept: a pipeline in sh reports only its last.
# `gzip -1` (a host without zstd or pigz, like Ubuntu 14.04) compresses on one
# core, slower than the copy itself: on a host with more cores, blocks of the
# stream are compressed side by side (one gzip each, at most one per core, up
# to 4) and appended in order. A gzip file is a series of members (RFC 1952,
# 2.2) and gzip reads them as one stream. The blocks wait in the work folder
# (beside OUT) for a moment; GNU dd cuts them (iflag=fullblock), and without it
# one gzip does all.
STREAM='
out=$1 compress=$2 data=$3 image=$4
shift 4
work=$(mktemp -d "$(dirname "$out")/.stream.XXXXXX") || exit 1
trap "rm -rf \"$work\"" EXIT
mkfifo "$work/tar" "$work/list" || exit 1
workers=1
if [ "$compress" = "gzip -1" ] && dd if=/dev/null of=/dev/null iflag=fullblock 2> /dev/null; then
    workers=$(nproc 2> /dev/null) || workers=1
    [ "$workers" -le 4 ] || workers=4
fi
# compress_to OUT: standard input, compressed, into OUT.
compress_to() {
    if [ "$workers" -lt 2 ]; then
        $compress > "$1"
        return
    fi
    started=0 appended=0
    : > "$1" || return 1
    while :; do
        [ $((started - appended)) -lt "$workers" ] || append_next "$1" || return 1
        dd bs=8388608 count=1 iflag=fullblock of="$work/$started" 2> /dev/null || { drain_blocks; return 1; }
        [ -s "$work/$started" ] || break
        (gzip -1 < "$work/$started" > "$work/$started.gz"; status=$?; rm -f "$work/$started"; exit $status) &
        eval "block_$started=\$!"
        started=$((started + 1))
    done
    rm -f "$work/$started"
    while [ "$appended" -lt "$started" ]; do
        append_next "$1" || return 1
    done
}
# append_next OUT: wait for the oldest block not yet appended, append it to OUT.
# On a failure the blocks still being compressed are waited for (one block
# each, a second at most), so that nothing writes into the work folder once it
# is removed.
append_next() {
    _block=$appended
    appended=$((appended + 1))
    eval "wait \"\$block_$_block\"" && cat "$work/$_block.gz" >> "$1" && rm -f "$work/$_block.gz" && return 0
    drain_blocks
    return 1
}
drain_blocks() {
    while [ "$appended" -lt "$started" ]; do
        eval "wait \"\$block_$appended\""
        appended=$((appended + 1))
    done
}
tar -tf - < "$work/list" > /dev/null &
lister=$!
{ tee "$work/list" < "$work/tar" | compress_to "$out"; echo $? > "$work/compressed"; } &
reader=$!
docker run --rm --network none --entrypoint tar --volumes-from "$data" -v "$work:/stream" -w / "$image" \
    -cf /stream/tar "$@"
source=$?
# A tar that never opened the fifo leaves the reader waiting to: give it an end of file.
(exec 3> "$work/tar") &
opener=$!
wait "$reader"
wait "$lister"
listed=$?
kill "$opener" 2> /dev/null
[ "$source" = 0 ] && [ "$(cat "$work/compressed")" = 0 ] && [ "$listed" = 0 ]'

# test_archive FILE: the compressed file reads back whole (a truncated or corrupt one does not).
test_archive() {
    case "$FORMAT" in
    zst) as_root zstd -q -t "$1" ;;
    gz) as_root gzip -t "$1" ;;
    tar) as_root tar -tf "$1" >/dev/null ;;
    esac
}

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
    choose_format
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
    if ! private_dir "$DIR" ||
        ! as_root sh -c ': > "$1/.write-test" && rm -f "$1/.write-test"' probe "$DIR"; then
        fail 60 "the backup folder $DIR (backupDir) cannot be created or written; nothing was stopped or deleted"
    fi
    # Volume paths are plain words (settings.py validates them), so they are split on purpose below.
    _paths=$(data_paths "$DATA") || _paths=
    [ -n "$_paths" ] || fail 61 "the data container $DATA holds no volumes to back up; nothing was stopped"
    set -f
    # shellcheck disable=SC2086
    set -- $_paths
    _name="$APP-$(date -u +%Y%m%dT%H%M%SZ)-$(printf '%s' "$_image" | tr -c 'A-Za-z0-9._-' '_').tar"
    [ "$FORMAT" = tar ] || _name="$_name.$FORMAT"
    PARTIAL="$DIR/.$_name.partial"
    WAS_RUNNING=$(docker_inspect '{{.State.Running}}' "$APP") || WAS_RUNNING=false
    say "stopping $APP ($_image) so that its data is at rest"
    as_root docker stop -t 120 "$APP" >/dev/null || restart_and_fail 63 "could not stop $APP; nothing was archived or deleted"
    say "archiving $* into $DIR/$_name ($COMPRESS)"
    if ! as_root sh -c "umask 077; $STREAM" stream "$PARTIAL" "$COMPRESS" "$DATA" "$_image_id" "$@" >&2; then
        restart_and_fail 61 "archiving the data of $DATA into $DIR failed (disk full? $(as_root df -h "$DIR" 2>/dev/null | tail -n 1)); $APP was started again and nothing was deleted"
    fi
    test_archive "$PARTIAL" >/dev/null 2>&1 ||
        restart_and_fail 62 "the archive $PARTIAL cannot be read back; $APP was started again and nothing was deleted"
    as_root chmod 600 "$PARTIAL"
    as_root mv -f "$PARTIAL" "$DIR/$_name"
    as_root sh -c 'ls -1t "$1"/"$2"-*.tar* | tail -n +"$(($3 + 1))" | while read -r old; do rm -f "$old"; done' \
        prune "$DIR" "$APP" "$KEEP"
    say "backed up to $DIR/$_name (keeping the newest $KEEP)"
    report "$_image"
}

main

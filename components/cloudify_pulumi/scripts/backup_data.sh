#!/bin/sh
# The manager's backups: before its application container is replaced, when
# the user asks for one, and the restore of one, on the Docker host.
#
#   backup_data.sh USE_SUDO APP_CONTAINER DATA_CONTAINER BACKUP_DIR KEEP KEY COMPRESSION MODE APP_IMAGE [ARCHIVE]
#
# Archives go into BACKUP_DIR/APP_CONTAINER, one folder per manager (mode
# 0700, so no two managers' archives ever meet, whatever their names), as
#   <APP_CONTAINER>-<UTC timestamp>-<old image>.tar.zst|.tar.gz|.tar   (mode 0600)
# streamed out of one-off containers of the old image (`tar -c` with
# --volumes-from the data container) in two passes, so that the manager is
# down only for what changed: GNU tar's --listed-incremental, level 0 of every
# file while the manager still runs (compressed and tested then), then the app
# container is stopped, so that PostgreSQL and RabbitMQ files are at rest, and
# level 1 adds every file changed or created since, and the list of each
# folder's files, so that one deleted since is deleted on extraction (its
# one-off container is started before the stop and waits until the stop is
# done: nothing is left to start while the manager is down). The two
# compressed parts are one file, the second appended as it is written: zstd
# frames, gzip members and tar archives each may follow one another; each part
# is tested on its own, the second from where the first ends (nothing is
# written or read twice after the stop), or, compressed in gzip blocks on
# several cores, block by block as each is written; readers use `tar -x -i -G`
# (archive.sh), which reads archives of every earlier release alike. A
# container found stopped is copied in one pass. Before anything is copied,
# the free space the copy needs in the folder (the data's size uncompressed,
# plus 64 MiB) is checked. Each part is on the disk (fsync) before the step
# goes on: the first before the stop, the whole file and its final name
# before the step ends, so that the archive outlives a host that loses power
# after the old container is deleted.
# COMPRESSION: `auto` (zstd if the host has it, else gzip: pigz if present),
# `zstd`, `gzip` or `none`; always the fastest level. Each tar stream is listed
# in the same pass and every stage's exit status kept; then each compressed
# part is tested. Releases up to 1.1.0 wrote archives into
# BACKUP_DIR itself: those are still reported, matched on the timestamp after
# the name, until the folder has one, and are never pruned.
# MODE:
#  replace  the `backup` step, before the app container is replaced. KEY is
#           the new container's replacement key (CLOUDIFY_PULUMI_REPLACEMENT_KEY
#           in its environment), APP_IMAGE the appImage it is made from:
#           - no app container yet (first up, or the create after a delete
#             failed): nothing to back up; the newest archive is reported,
#             so that it stays latestBackup and the one pruning keeps;
#           - the container carries KEY: it is what is wanted and will not be
#             replaced: nothing is archived, and if it is stopped (an earlier
#             run was interrupted, or a restore left it so) it is started;
#           - else it is stopped and archived (unless the restore step has just
#             archived it and left it stopped), the way back is printed, and it
#             stays stopped: it is deleted next.
#  now      backupNow: stop, archive, start again, prune.
#  restore  restoreFrom: ARCHIVE is tested whole and must hold the volume
#           paths only; then the app container is stopped, the current data
#           archived, and the volumes emptied and refilled from ARCHIVE. The
#           container is left stopped for the `backup` step, which runs next: it
#           starts it, or archives nothing more before a replacement.
#  prune    after the new container is ready: ARCHIVE (the one taken before this
#           replacement) is kept whatever KEEP says; of the others, the newest
#           KEEP are kept.
# Whatever ends a run before it succeeded (an error, a full disk, SIGHUP,
# SIGPIPE on a progress line, SIGTERM from a cancelled `pulumi up`, the SSH
# connection dropping, or the script being killed outright), the container it
# found or left stopped is started again, by the script's EXIT trap or, if the
# script itself is gone, by a guardian process it started; a restore cut short
# first puts back the data it archived. Only a successful `replace` (and
# `restore`) leaves the container stopped.
# Prints on stdout:
#   BACKUP_FILE=<the archive taken now, or the newest; empty if none>
#   PREVIOUS_IMAGE=<the appImage the old container was made from, or empty>
# Exit codes: 0 done, 2 usage, 11 no root access, 60 BACKUP_DIR not usable,
# 61 archiving failed, 62 archive unreadable, 63 could not stop the container,
# 64 the COMPRESSION asked for is not installed on the host, 65 no container
# to back up (now), 70 ARCHIVE missing, damaged or not this manager's,
# 66 not enough free space in BACKUP_DIR (nothing was stopped), 67 the archive
# could not be written to the disk (fsync failed),
# 71 no data container, 72 refilling the volumes failed.
# The inner `sh -c` texts take their values as arguments, never spliced in:
# shellcheck disable=SC2016
set -eu
SCRIPT=backup
if [ $# -ne 9 ] && [ $# -ne 10 ]; then
    echo "usage: backup_data.sh USE_SUDO APP_CONTAINER DATA_CONTAINER BACKUP_DIR KEEP KEY COMPRESSION MODE" \
        "APP_IMAGE [ARCHIVE]" >&2
    exit 2
fi
USE_SUDO=$1
APP=$2
DATA=$3
DIR=$4
KEEP=$5
KEY=$6
COMPRESSION=$7
MODE=$8
APP_IMAGE=$9
ARCHIVE=${10:-}
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=archive.sh
. "$(dirname "$0")/archive.sh"
# shellcheck source=gzip_block.sh
. "$(dirname "$0")/gzip_block.sh"

FOLDER=$DIR/$APP
# The archives' names: the container's name, then this timestamp.
STAMP='[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z'
NEWEST='ls -1t "$1"/"$2"-$3-*.tar* 2>/dev/null | head -n 1'
newest_in() { as_root sh -c "$NEWEST" newest "$1" "$APP" "$STAMP" || true; }

# newest_archive: this manager's newest archive: in its folder, else one an earlier release left in BACKUP_DIR.
newest_archive() {
    _newest=$(newest_in "$FOLDER")
    [ -n "$_newest" ] || _newest=$(newest_in "$DIR")
    printf '%s' "$_newest"
}

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

# Runs in the one-off container, as its entrypoint, with: GATED TAR_ARGUMENTS...; with GATED 1, it first says it
# waits (the file `waiting` in the snapshot folder), and waits until the file `go` is there, then runs tar. So the
# second pass's container is created and started while the manager still runs, and after the stop only tar's own
# work is left.
GATED_TAR='
if [ "$1" = 1 ]; then
    : > /snapshot/waiting || exit 1
    until [ -e /snapshot/go ]; do sleep 0.02 2> /dev/null || sleep 1; done
fi
shift
exec tar "$@"'

# Runs as root with: OUT COMPRESS DATA IMAGE NAME SNAPSHOT LEVEL GATED GATED_TAR PATH...; appends to OUT (creates
# it, 0600). `tar -c --listed-incremental` in the container (behind GATED_TAR) reads and updates SNAPSHOT (a
# file on the host, its folder bind-mounted) and writes into a fifo in OUT's
# folder (bind-mounted: the kernel moves the bytes, not the Docker CLI); the
# host compresses what comes out and, in the same pass, lists it (tar -t)
# through a pipe (tee to /dev/fd/5: the fifo is then the only open that can
# wait, and an end of file given to it ends every reader). Each stage's exit
# status is kept: a pipeline in sh reports only its last. At level 0 the manager may be running: tar's exit 1
# (a file changed as it was read) is expected then, and level 1 copies that file
# again once it is at rest; at level 1 only 0 will do. --no-check-device: the
# volumes are the same folders in every one-off container.
# `gzip -1` (a host without zstd or pigz, like Ubuntu 14.04) compresses on one
# core, slower than the copy itself: on a host with more cores, blocks of the
# stream are compressed side by side (one process each, one more than the cores,
# so that reading the stream never waits for a core to free up; at most 4, so
# that the blocks waiting fit in the free space's 64 MiB) and appended in
# order. A gzip file is a series of members (RFC 1952, 2.2) and gzip reads
# them as one stream; a block that does not compress is stored in its member,
# not compressed (gzip_block.sh). Each block is tested (`gzip -t`) by the process that
# compressed it, before it is appended: the test runs side by side with the
# compression of the next blocks, not after the whole part (exit 62 if one
# does not read back), and the pass leaves SNAPSHOT.tested, so that the step
# does not read the part again. The blocks wait in the work folder (beside
# OUT) for a moment; GNU dd cuts them (iflag=fullblock), and without it one
# gzip does all.
STREAM='
out=$1 compress=$2 data=$3 image=$4 name=$5 snapshot=$6 level=$7 gated=$8 gated_tar=$9
shift 9
tested=$snapshot.tested
rm -f "$tested"
work=$(mktemp -d "$(dirname "$out")/.stream.XXXXXX") || exit 1
trap "rm -rf \"$work\"" EXIT
# descendants: every process this shell started, and every process they started.
descendants() {
    for stat in /proc/[0-9]*/stat; do
        read -r pid _ _ parent _ < "$stat" 2> /dev/null && echo "$pid $parent"
    done | awk -v root=$$ "{ parent[\$1] = \$2 }
        END { for (p in parent) { q = parent[p]; while (q != root && (q in parent)) q = parent[q]; if (q == root) print p } }"
}
# stop_pass: the pass interrupted (the backup step was): the one-off container goes, then every process of the
# pass, waited for: a reader whose open of the fifo still waits for tar (as it does while the gated second pass
# waits for the stop) would wait forever, holding the session'"'"'s output, and a compressor left running could
# write into the work folder as it goes.
stop_pass() {
    docker rm -f "$name" > /dev/null 2>&1
    kill -TERM $(descendants) 2> /dev/null
    wait
    exit 143
}
trap stop_pass TERM HUP INT
docker rm -f "$name" > /dev/null 2>&1
mkfifo "$work/tar" || exit 1
workers=1
if [ "$compress" = "gzip -1" ] && dd if=/dev/null of=/dev/null iflag=fullblock 2> /dev/null; then
    workers=$(nproc 2> /dev/null) || workers=1
    [ "$workers" -lt 2 ] || workers=$((workers + 1))
    [ "$workers" -le 4 ] || workers=4
fi
# compress_to OUT: standard input, compressed, appended to OUT.
compress_to() {
    if [ "$workers" -lt 2 ]; then
        $compress >> "$1"
        return
    fi
    started=0 appended=0
    while :; do
        [ $((started - appended)) -lt "$workers" ] || append_next "$1" || return
        dd bs=8388608 count=1 iflag=fullblock of="$work/$started" 2> /dev/null || { drain_blocks; return 1; }
        [ -s "$work/$started" ] || break
        (status=1
            gzip_block "$work/$started" "$work/$started.gz" && { status=62; gzip -t < "$work/$started.gz" 2> /dev/null; } &&
                status=0
            rm -f "$work/$started"
            exit $status) &
        eval "block_$started=\$!"
        started=$((started + 1))
    done
    rm -f "$work/$started"
    while [ "$appended" -lt "$started" ]; do
        append_next "$1" || return
    done
    : > "$tested"
}
# append_next OUT: wait for the oldest block not yet appended, append it to OUT.
# On a failure the blocks still being compressed are waited for (one block
# each, a second at most), so that nothing writes into the work folder once it
# is removed; returns 62 if the block does not read back, else 1.
append_next() {
    _block=$appended
    appended=$((appended + 1))
    eval "wait \"\$block_$_block\"" && cat "$work/$_block.gz" >> "$1" && rm -f "$work/$_block.gz" && return 0
    _failed=$?
    drain_blocks
    [ "$_failed" = 62 ] || _failed=1
    return "$_failed"
}
drain_blocks() {
    while [ "$appended" -lt "$started" ]; do
        eval "wait \"\$block_$appended\""
        appended=$((appended + 1))
    done
}
{
    { tee /dev/fd/5 < "$work/tar" | compress_to "$out" 5>&-; echo $? > "$work/compressed"; } 5>&1 >&4 |
        { tar -tf - > /dev/null; echo $? > "$work/listed"; }
} 4>&1 &
reader=$!
docker run --rm --name "$name" --network none --entrypoint sh --volumes-from "$data" -v "$work:/stream" \
    -v "$(dirname "$snapshot"):/snapshot" -w / "$image" -c "$gated_tar" tar "$gated" \
    --listed-incremental="/snapshot/${snapshot##*/}" --no-check-device --warning=no-file-changed \
    --warning=no-file-removed -cf /stream/tar "$@" &
wait $!
source=$?
[ "$source" != 1 ] || [ "$level" != 0 ] || source=0
# A tar that never opened the fifo leaves the reader waiting to: give it an end of file. Opened read-write,
# a fifo never blocks on Linux (fifo(7)): this completes the reader'"'"'s open, then closes it.
: 3<> "$work/tar"
wait "$reader"
[ "$source" = 0 ] && [ "$(cat "$work/listed")" = 0 ] || exit 1
compressed=$(cat "$work/compressed")
[ "$compressed" = 0 ] || [ "$compressed" = 62 ] || compressed=1
exit "$compressed"'

# Runs as root with: FILE OFFSET MARK TEST...; the bytes of FILE after its first OFFSET (the part a pass appended)
# read back whole by TEST, each stage's exit status kept; a whole file is read by TEST itself. An empty part
# fails TEST too. If the pass left MARK (it tested its part block by block as it wrote it), MARK is removed and
# nothing is read again.
TEST_PART='
file=$1 offset=$2 mark=$3
shift 3
[ ! -e "$mark" ] || { rm -f "$mark"; exit 0; }
[ "$offset" != 0 ] || exec "$@" < "$file" > /dev/null
status=$(mktemp) || exit 1
{ tail -c +"$((offset + 1))" "$file"; echo $? > "$status"; } | "$@" > /dev/null
tested=$?
read_status=$(cat "$status")
rm -f "$status"
[ "$read_status" = 0 ] && [ "$tested" = 0 ]'

# test_part FILE OFFSET: what a pass appended to FILE after its first OFFSET bytes reads back whole (a truncated or
# corrupt part does not), unless the pass tested it block by block (it left TESTED): one root call either way.
test_part() {
    case "$FORMAT" in
    zst) set -- "$1" "$2" "$TESTED" zstd -q -t ;;
    gz) set -- "$1" "$2" "$TESTED" gzip -t ;;
    tar) set -- "$1" "$2" "$TESTED" tar -t -i -f - ;;
    esac
    as_root sh -c "$TEST_PART" test "$@"
}

report() { # ARCHIVE PREVIOUS_IMAGE
    printf 'BACKUP_FILE=%s\n' "$1"
    printf 'PREVIOUS_IMAGE=%s\n' "$2"
}

# -- which appImage a container was made from (the way back names it) -------------------------------------------

# record_image: the container made with KEY runs APP_IMAGE, as the stack spells it (not its image ID).
record_image() {
    [ "$KEY" != - ] && [ "$APP_IMAGE" != - ] || return 0
    as_root sh -c 'f=$1/.images
        grep -q "^$2 " "$f" 2>/dev/null && exit 0
        (umask 077 && { cat "$f" 2>/dev/null; echo "$2 $3"; } | tail -n 50 > "$f.new") && mv -f "$f.new" "$f"' \
        record "$FOLDER" "$KEY" "$APP_IMAGE"
}

# previous_image: the appImage the app container was made from: as recorded for its key; for a container of an
# earlier release, its image's first tag or digest reference; else its image ID, which cannot be set back as is.
previous_image() {
    _key=$(docker_inspect '{{range .Config.Env}}{{println .}}{{end}}' "$APP" |
        sed -n 's/^CLOUDIFY_PULUMI_REPLACEMENT_KEY=//p') || _key=
    _ref=
    [ -z "$_key" ] ||
        _ref=$(as_root cat "$FOLDER/.images" 2>/dev/null | awk -v key="$_key" '$1 == key { ref = $2 } END { print ref }')
    [ -n "$_ref" ] || _ref=$(as_root docker image inspect -f \
        '{{if .RepoTags}}{{index .RepoTags 0}}{{else if .RepoDigests}}{{index .RepoDigests 0}}{{end}}' \
        "$IMAGE_ID" 2>/dev/null) || _ref=
    printf '%s' "${_ref:-$IMAGE_ID}"
}

# -- never strand the manager --------------------------------------------------------------------------------------

OPS=      # this run's private folder: its phase, for the EXIT trap and the guardian
GUARD=    # the guardian's process
WORKER=   # the archive or refill the main shell waits for
PARTIAL=  # the archive being written
SNAPSHOTS= # the folder of tar's snapshot files (--listed-incremental) of the archive being written
TESTED=    # the file the pass started last leaves if it tested its part itself (block by block)
SAFE=     # the archive of the data as it was before a restore
MAIN=$$

# phase stopped|refilling|finished: what undoes an interruption now: start the container; put back SAFE, then start
# it; nothing (it is meant to stay as it is).
phase() { printf '%s\n' "$1" >"$OPS/phase"; }

running() { [ "$(docker_inspect '{{.State.Running}}' "$APP")" = true ]; }

# start_again: start the app container if it exists and is stopped, and say what really happened.
start_again() {
    docker_inspect '{{.Id}}' "$APP" >/dev/null && ! running || return 0
    if as_root docker start "$APP" >/dev/null 2>&1; then
        say "started $APP again"
    else
        say "could not start $APP: on the host, run: sudo docker start $APP"
        return 1
    fi
}

# recover: once per run, from the EXIT trap or the guardian, whichever comes first.
recover() {
    mkdir "$OPS/recovering" 2>/dev/null || return 0
    case $(cat "$OPS/phase" 2>/dev/null) in
    stopped) start_again ;;
    refilling)
        say "putting back the data as it was before the restore, from $SAFE"
        REFILLER=
        if refill_volumes "$SAFE" "$IMAGE_ID" "$@" && wait "$REFILLER"; then
            start_again
        else
            say "the data could not be put back: on the host, run: sudo sh restore_backup.sh false $APP $DATA $SAFE"
        fi
        ;;
    esac
}

# Runs as root with: PID; TERM to the processes PID started (`sudo`, which passes it on to the root shell it
# runs, or the root shell itself), then waits, at most 10 s, until each has exited (a zombie counts as gone):
# sudo exits once its command has, and the root shell's traps remove its one-off container and its work folder,
# so that nothing of it is left when the manager is started again.
STOP_WORKER='
pids=$(for stat in /proc/[0-9]*/stat; do
    read -r pid comm state parent rest < "$stat" 2> /dev/null && [ "$parent" = "$1" ] && echo "$pid"
done)
[ -n "$pids" ] || exit 0
kill -TERM $pids 2> /dev/null
tries=0
for pid in $pids; do
    while [ "$tries" -lt 100 ] && read -r _ _ state _ < "/proc/$pid/stat" 2> /dev/null && [ "$state" != Z ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
done'

# stop_worker PID NAME: stop a background `as_root sh -c ...` and wait for it and its root shell. The shell's own
# trap removes its one-off container NAME; removing it here as well covers a shell that is gone already.
stop_worker() {
    as_root sh -c "$STOP_WORKER" stop "$1" 2>/dev/null
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    as_root docker rm -f "$2" >/dev/null 2>&1
}

on_exit() {
    _status=$1
    set +e
    trap '' HUP INT PIPE TERM
    [ -z "$WORKER" ] || stop_worker "$WORKER" "$APP-archiver"
    [ -z "$REFILLER" ] || stop_worker "$REFILLER" "$APP-restore"
    if [ -n "$OPS" ]; then
        if [ "$_status" != 0 ]; then
            [ -z "$PARTIAL" ] || as_root rm -f "$PARTIAL"
            [ -z "$SNAPSHOTS" ] || as_root rm -rf "$SNAPSHOTS"
            # shellcheck disable=SC2086
            recover $PATHS
        fi
        : >"$OPS/over"
        [ -z "$GUARD" ] || kill "$GUARD" 2>/dev/null
        rm -rf "$OPS"
    fi
    exit "$_status"
}

# session_process: the sshd process this run hangs from, if any: it ends when the connection does.
session_process() {
    _pid=$$
    while [ "${_pid:-1}" -gt 1 ]; do
        _pid=$(sed 's/.*) //' "/proc/$_pid/stat" 2>/dev/null | cut -d ' ' -f 2) || return 0
        case $(cat "/proc/${_pid:-1}/comm" 2>/dev/null) in sshd*) printf '%s' "$_pid" && return 0 ;; esac
    done
}

# guard SESSION: every second, until the run is over: if the main shell is gone, recover in its place; if the SSH
# connection is gone, or a progress line cannot be written, stop the main shell (its EXIT trap recovers). Every
# 10 s it says how long the manager has been stopped. Its second passes in a background `sleep` that holds none
# of the session's output, waited for: the TERM that ends the run ends the wait at once (a shell runs a trap only
# once a command in the foreground is done), so the SSH session closes as the run ends, not up to a second
# later, with the old container stopped meanwhile.
guard() {
    set +e
    trap '' HUP INT PIPE
    trap 'exit 0' TERM
    _session=$1 _since=$(date +%s) _beat=0
    while :; do
        # shellcheck disable=SC2217 # stdin too: the sleep holds none of the session's descriptors
        sleep 1 </dev/null >/dev/null 2>&1 &
        wait $!
        [ ! -e "$OPS/over" ] || exit 0
        if ! kill -0 "$MAIN" 2>/dev/null; then
            # shellcheck disable=SC2086
            recover $PATHS
            rm -rf "$OPS"
            exit 0
        fi
        if [ -n "$_session" ] && [ ! -e "/proc/$_session" ]; then
            _session=
            kill -TERM "$MAIN"
        fi
        _beat=$((_beat + 1))
        [ "$_beat" -ge 10 ] || continue
        _beat=0
        if _stopped=$(cat "$OPS/stopped-at" 2>/dev/null); then
            say "$APP stopped for $(($(date +%s) - _stopped)) s: $(cat "$OPS/doing" 2>/dev/null)" || kill -TERM "$MAIN"
        else
            say "$APP still running, $(($(date +%s) - _since)) s: $(cat "$OPS/doing" 2>/dev/null)" || kill -TERM "$MAIN"
        fi
    done
}

# begin: from here on, whatever ends the run, the container ends running (phase `stopped`).
begin() {
    OPS=$(mktemp -d) || fail 60 "could not create a private temporary folder; nothing was stopped"
    phase stopped
    trap 'on_exit $?' EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 141' PIPE
    trap 'exit 143' TERM
}

start_guard() {
    [ -z "$GUARD" ] || return 0
    guard "$(session_process)" &
    GUARD=$!
}

# stop_app IMAGE: stop the app container (made from appImage IMAGE), its guardian started first.
stop_app() {
    if ! running; then
        say "$APP is stopped already"
        return 0
    fi
    start_guard
    say "stopping $APP ($1) so that its data is at rest"
    date +%s >"$OPS/stopped-at"
    as_root docker stop -t 120 "$APP" >/dev/null || fail 63 "could not stop $APP; nothing was archived or deleted"
}

# to_disk FILE: FILE's bytes on the disk, not only in the page cache: fsync, by GNU dd's conv=fsync (every
# coreutils has it; `sync FILE` came in 8.24, after Ubuntu 14.04's and CentOS 7's). The test of a part reads the
# page cache, not the disk; a disk that failed to take the bytes says so here. Before the stop, this also moves
# the first part's writeback out of the manager's downtime: Linux lets written bytes wait in the page cache up to
# 30 s (vm.dirty_expire_centisecs), and a whole first part may wait on a host with memory to spare.
to_disk() { as_root dd if=/dev/null of="$1" oflag=append conv=notrunc,fsync 2>/dev/null; }

# name_to_disk FOLDER: the folder's entries on the disk (the archive's final name): fsync of the folder with
# coreutils 8.24 or later; an earlier `sync` ignores its arguments or refuses them, and then every file system is
# synced instead, which also covers it.
name_to_disk() { as_root sync "$1" 2>/dev/null || as_root sync; }

# -- archiving -----------------------------------------------------------------------------------------------------

# start_pass LEVEL OUT GATED: one tar pass of every volume path, appended to OUT, compressed, through the snapshot
# of LEVEL, started in the background (WORKER); OFFSET is where its part begins. With GATED 1, its one-off
# container is started but waits for open_gate before it reads anything.
start_pass() {
    OFFSET=$(as_root stat -c %s "$2" 2>/dev/null) || OFFSET=0
    TESTED=$SNAPSHOTS/level$1.tested
    # GZIP_BLOCK's tables and its perl probe serve only blocks of `gzip -1` (compress_to); other passes skip them.
    _blocks=""
    [ "$COMPRESS" != "gzip -1" ] || _blocks=$GZIP_BLOCK
    # shellcheck disable=SC2086
    as_root sh -c "umask 077; $_blocks$STREAM" stream "$2" "$COMPRESS" "$DATA" "$IMAGE_ID" "$APP-archiver" \
        "$SNAPSHOTS/level$1" "$1" "$3" "$GATED_TAR" $PATHS >&2 &
    WORKER=$!
}

# Runs as root with: SNAPSHOTS WORKER; waits until the gated container says it waits (at most 120 s), or fails
# once its pass is over (the run refused, or tar gone: WORKER has exited, and the step's shell, waiting for this
# one, has reaped it: sh and bash reap any child while they wait for the one in the foreground).
AT_THE_GATE='
tries=0
until [ -e "$1/waiting" ]; do
    kill -0 "$2" 2> /dev/null && [ "$tries" -lt 6000 ] || exit 1
    sleep 0.02
    tries=$((tries + 1))
done'

# at_the_gate: the second pass's one-off container runs and waits at its gate, so that nothing is left to start
# after the stop; else the step fails while the manager still runs.
at_the_gate() {
    as_root sh -c "$AT_THE_GATE" gate "$SNAPSHOTS" "$WORKER" ||
        fail 61 "the copy of what changes could not be started in a one-off container of $IMAGE_ID; $APP still runs, nothing was deleted"
}

open_gate() { as_root touch "$SNAPSHOTS/go" || fail 61 "could not start the copy of what changed into $FOLDER; nothing was deleted"; }

# end_pass OUT: the pass started last is done and its part of OUT reads back whole (a truncated or corrupt part is
# refused). A part compressed in blocks was tested block by block as each was written, on the core that
# compressed it (STREAM leaves TESTED then, and test_part takes its word); any other is read back here. Fails the
# step with 61 or 62.
end_pass() {
    _status=0
    wait "$WORKER" || _status=$?
    WORKER=
    [ "$_status" != 62 ] || fail 62 "the archive $1 cannot be read back; nothing was deleted"
    [ "$_status" = 0 ] ||
        fail 61 "archiving the data of $DATA into $FOLDER failed (disk full? $(as_root df -h "$FOLDER" 2>/dev/null | tail -n 1)); nothing was deleted"
    test_part "$1" "$OFFSET" 2>/dev/null || fail 62 "the archive $1 cannot be read back; nothing was deleted"
}

# copy_pass LEVEL OUT: one pass, start to end.
copy_pass() {
    start_pass "$1" "$2" 0
    end_pass "$2"
}

# archive_data IMAGE_NAME: every volume path into a new, tested archive, ARCHIVED, the app container stopped at
# the end. A running container is copied while it runs (level 0), then stopped, and what changed since is
# appended (level 1); one found stopped is copied in one pass. Nothing of the old container is deleted here.
archive_data() {
    _name="$APP-$(date -u +%Y%m%dT%H%M%SZ)-$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_').tar"
    [ "$FORMAT" = tar ] || _name="$_name.$FORMAT"
    PARTIAL="$FOLDER/.$_name.partial"
    SNAPSHOTS=$(as_root mktemp -d "$FOLDER/.snapshots.XXXXXX") || fail 60 "could not create a folder in $FOLDER"
    start_guard
    if running; then
        printf 'copying %s while %s runs (level 0 of 2)\n' "$PATHS" "$APP" >"$OPS/doing"
        say "copying $PATHS into $FOLDER/$_name while $APP runs ($COMPRESS)"
        copy_pass 0 "$PARTIAL"
        to_disk "$PARTIAL" || fail 67 "the archive $PARTIAL could not be written to the disk (fsync failed: a disk error?); $APP still runs, nothing was deleted"
        as_root cp "$SNAPSHOTS/level0" "$SNAPSHOTS/level1"
        start_pass 1 "$PARTIAL" 1
        at_the_gate
        stop_app "$1"
        _stopped=$(date +%s)
        open_gate
        printf 'adding what changed since the first pass (level 1 of 2)\n' >"$OPS/doing"
        end_pass "$PARTIAL"
        say "$APP stopped $(($(date +%s) - _stopped)) s for the copy of what changed while it ran"
    else
        say "$APP is stopped already"
        printf 'archiving into %s\n' "$FOLDER/$_name" >"$OPS/doing"
        say "archiving $PATHS into $FOLDER/$_name ($COMPRESS)"
        copy_pass 0 "$PARTIAL"
    fi
    as_root rm -rf "$SNAPSHOTS"
    SNAPSHOTS=
    as_root chmod 600 "$PARTIAL"
    to_disk "$PARTIAL" || fail 67 "the archive $PARTIAL could not be written to the disk (fsync failed: a disk error?); nothing was deleted"
    as_root mv -f "$PARTIAL" "$FOLDER/$_name"
    PARTIAL=
    name_to_disk "$FOLDER"
    ARCHIVED=$FOLDER/$_name
    say "backed up to $ARCHIVED"
}

# Runs as root, the data container's mount sources on stdin, one per line: the KiB they take, or fails if one is
# not a folder on this host.
SOURCES_KIB='
kib=0
while IFS= read -r source; do
    [ -n "$source" ] || continue
    [ -d "$source" ] || exit 1
    size=$(du -sk "$source" | cut -f 1) && [ -n "$size" ] || exit 1
    kib=$((kib + size))
done
echo "$kib"'

# data_kib: the KiB the volume paths take: measured on the host, in the folders the engine keeps them in (the
# mounts' sources: a named volume's _data, an anonymous one's); where one is not a folder on this host (another
# volume driver), by `du` in a one-off container of the old image, which costs a container's start.
data_kib() {
    _sources=$(docker_inspect '{{range .Mounts}}{{println .Source}}{{end}}' "$DATA") || _sources=
    [ -z "$_sources" ] || printf '%s\n' "$_sources" | as_root sh -c "$SOURCES_KIB" sources || _sources=
    [ -z "$_sources" ] || return 0
    # shellcheck disable=SC2086
    _sizes=$(as_root docker run --rm --network none --entrypoint du --volumes-from "$DATA" "$IMAGE_ID" -sk $PATHS) &&
        printf '%s\n' "$_sizes" | awk '{ kib += $1 } END { print kib }'
}

# check_space: the folder has room for the copy, the data's size uncompressed plus 64 MiB, before anything is
# stopped or copied: a full disk found halfway would cost the manager's downtime for nothing.
check_space() {
    _need='' _free=''
    if _kib=$(data_kib) && [ -n "$_kib" ]; then
        _need=$((_kib / 1024 + 64))
    fi
    if _df=$(as_root df -Pk "$FOLDER"); then
        _free=$(printf '%s\n' "$_df" | awk 'NR == 2 { print int($4 / 1024) }')
    fi
    if [ -z "$_need" ] || [ -z "$_free" ]; then
        fail 66 "could not measure the data of $DATA or the free space in $FOLDER; nothing was stopped"
    fi
    [ "$_free" -ge "$_need" ] ||
        fail 66 "the backup needs $_need MiB free in $FOLDER (backupDir): the data takes $((_need - 64)) MiB uncompressed, plus 64 MiB; it has $_free MiB. Free space there or set backupDir to a larger disk; nothing was stopped"
}

prune() {
    _kept=$(as_root cat "$FOLDER/.kept" 2>/dev/null) || _kept=
    as_root sh -c 'ls -1t "$1"/"$2"-$3-*.tar* 2>/dev/null | tail -n +"$(($4 + 1))" | while read -r old; do
            [ "${old##*/}" = "$5" ] || rm -f "$old"
        done' prune "$FOLDER" "$APP" "$STAMP" "$KEEP" "$_kept"
}

# -- the modes -------------------------------------------------------------------------------------------------------

# prepare: arguments checked, root access, the manager's backup folder usable, PATHS and IMAGE_ID known.
prepare() {
    case "$KEEP" in '' | *[!0-9]*) fail 2 "KEEP must be a whole number, got '$KEEP'" ;; esac
    choose_format
    require_root_access
    if ! private_dir "$DIR" || ! private_dir "$FOLDER" ||
        ! as_root sh -c ': > "$1/.write-test" && rm -f "$1/.write-test"' probe "$FOLDER"; then
        fail 60 "the backup folder $FOLDER (backupDir) cannot be created or written; nothing was stopped or deleted"
    fi
    # Volume paths are plain words (settings.py validates them), so they are split on purpose.
    PATHS=$(data_paths "$DATA") || PATHS=
    set -f
    IMAGE_ID=$(docker_inspect '{{.Image}}' "$APP") || IMAGE_ID=
}

replace() {
    prepare
    record_image || say "could not record which appImage $APP is made from in $FOLDER/.images; the way back will name its image"
    if [ -z "$IMAGE_ID" ]; then
        say "no container $APP yet (first up, or a create that failed): nothing to back up"
        report "$(newest_archive)" ""
        return 0
    fi
    begin
    if docker_inspect '{{range .Config.Env}}{{println .}}{{end}}' "$APP" | grep -qxF "CLOUDIFY_PULUMI_REPLACEMENT_KEY=$KEY"; then
        if running; then
            say "$APP already runs what is wanted and is not being replaced: nothing to back up"
        else
            say "$APP runs what is wanted but was stopped (an interrupted run, or a restore): starting it"
            as_root docker start "$APP" >/dev/null || fail 63 "could not start $APP: on the host, run: sudo docker start $APP"
        fi
        as_root rm -f "$FOLDER/.at-rest"
        phase finished
        report "$(newest_archive)" "$(previous_image)"
        return 0
    fi
    [ -n "$PATHS" ] || fail 61 "the data container $DATA holds no volumes to back up; nothing was stopped"
    _previous=$(previous_image)
    _state=$(docker_inspect '{{.Id}} {{.State.StartedAt}}' "$APP")
    _rest=$(as_root cat "$FOLDER/.at-rest" 2>/dev/null) || _rest=
    if ! running && [ -n "$_rest" ] && [ "${_rest% *}" = "$_state" ]; then
        ARCHIVED=${_rest##* }
        say "$APP was archived by the restore step and has stayed stopped since: $ARCHIVED"
    else
        check_space
        archive_data "$_previous"
    fi
    as_root rm -f "$FOLDER/.at-rest"
    case "$_previous" in
    sha256:*) _image_back="<the reference the stack had: this host knows only its image ID $_previous>" ;;
    *) _image_back=$_previous ;;
    esac
    say "the way back, if the new container does not come up: pulumi config set appImage $_image_back;" \
        "pulumi config set restoreFrom $ARCHIVED; pulumi up"
    say "until the new container is created, $APP is only stopped: 'sudo docker start $APP' on the host brings it back as it was"
    phase finished
    report "$ARCHIVED" "$_previous"
}

now() {
    prepare
    [ -n "$IMAGE_ID" ] || fail 65 "there is no container $APP to back up (backupNow); nothing was done"
    [ -n "$PATHS" ] || fail 61 "the data container $DATA holds no volumes to back up; nothing was stopped"
    check_space
    begin
    _previous=$(previous_image)
    archive_data "$_previous"
    start_again || fail 63 "backed up to $ARCHIVED, but $APP did not start again"
    phase finished
    prune
    report "$ARCHIVED" "$_previous"
}

restore() {
    case "$ARCHIVE" in /*) ;; *) fail 2 "ARCHIVE must be an absolute path, got '$ARCHIVE'" ;; esac
    archive_reader "$ARCHIVE" ||
        fail 2 "ARCHIVE must be a .tar.zst, .tar.gz or .tar that backup_data.sh made, got '$ARCHIVE'"
    prepare
    [ -n "$PATHS" ] || fail 71 "the data container $DATA does not exist or holds no volumes; nothing was restored"
    # shellcheck disable=SC2086
    archive_holds_only "$ARCHIVE" $PATHS ||
        fail 70 "restoreFrom: $ARCHIVE is missing, does not read back whole, or holds files outside $PATHS; nothing was stopped or changed"
    _previous=
    begin
    if [ -n "$IMAGE_ID" ]; then
        _previous=$(previous_image)
    else
        IMAGE_ID=$(docker_inspect '{{.Image}}' "$DATA") # no app container yet: the data container's image
    fi
    check_space
    archive_data "${_previous:-before-restore}"
    SAFE=$ARCHIVED
    phase refilling
    printf 'refilling the volumes from %s\n' "$ARCHIVE" >"$OPS/doing"
    say "restoring $PATHS from $ARCHIVE (the data as it was is in $SAFE)"
    REFILLER=
    # shellcheck disable=SC2086
    refill_volumes "$ARCHIVE" "$IMAGE_ID" $PATHS
    if ! wait "$REFILLER"; then
        REFILLER=
        fail 72 "refilling the volumes of $DATA from $ARCHIVE failed"
    fi
    REFILLER=
    if [ -n "$_previous" ]; then
        as_root sh -c 'umask 077 && echo "$2" > "$1/.at-rest"' at-rest "$FOLDER" \
            "$(docker_inspect '{{.Id}} {{.State.StartedAt}}' "$APP") $SAFE"
    fi
    phase finished
    say "restored $ARCHIVE into the volumes of $DATA; $APP stays stopped until the backup step"
    report "$SAFE" "$_previous"
}

prune_mode() {
    prepare
    case "$ARCHIVE" in "$FOLDER"/*) as_root sh -c 'umask 077 && echo "${2##*/}" > "$1/.kept"' kept "$FOLDER" "$ARCHIVE" ;; esac
    prune
    say "kept the newest $KEEP archives of $APP${ARCHIVE:+, and $ARCHIVE}"
    report "$(newest_archive)" ""
}

REFILLER=
case "$MODE" in
replace) replace ;;
now) now ;;
restore) restore ;;
prune) prune_mode ;;
*) fail 2 "MODE must be replace, now, restore or prune, got '$MODE'" ;;
esac

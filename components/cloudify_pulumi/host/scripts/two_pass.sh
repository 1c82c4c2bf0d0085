# shellcheck shell=sh
# The copy itself: tar passes of the volume paths in one-off containers of the
# old image, the first while the manager runs, the second gated until it is
# stopped, each compressed as it streams out and tested, then the whole archive
# on the disk under its final name (backup_data.sh's header says how and why).
# Sourced by backup_data.sh after common.sh and guardian.sh; it
# reads backup_data.sh's FORMAT, COMPRESS, PATHS, IMAGE_ID and FOLDER; the component
# inlines it as it inlines common.sh.
# The inner `sh -c` texts take their values as arguments, never spliced in:
# shellcheck disable=SC2016

TESTED= # the file the pass started last leaves if it tested its part itself (block by block)

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
# through a pipe (tee to /dev/fd/5), reading the fifo from a descriptor this
# shell opened for it (see below). Each stage's exit
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
# them as one stream. Each block is tested (`gzip -t`) by the process that
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
            gzip -1 < "$work/$started" > "$work/$started.gz" && { status=62; gzip -t < "$work/$started.gz" 2> /dev/null; } &&
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
# The reader opens the fifo itself, so that its end of file comes when tar closes it (and it is the fifo'"'"'s only
# reader: if it dies, tar'"'"'s next write fails, EPIPE, instead of waiting on a full fifo), and says so (the file
# `opened`). A tar that never opened the fifo (a refused `docker run`) leaves the reader'"'"'s open waiting for a
# writer: this shell then opens the fifo read-write and closes it (on Linux that never waits: fifo(7)), which
# completes the reader'"'"'s open with an end of file, again until the reader has said it opened: given once, it
# could come before the reader had even begun its open, and leave it waiting forever.
{
    { { : > "$work/opened"; exec tee /dev/fd/5; } < "$work/tar" | compress_to "$out" 5>&-
        echo $? > "$work/compressed"; } 5>&1 >&4 |
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
until [ -e "$work/opened" ] || ! kill -0 "$reader" 2> /dev/null; do
    : 3<> "$work/tar"
    sleep 0.01 2> /dev/null || sleep 1
done
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
    # shellcheck disable=SC2086
    as_root sh -c "umask 077; $STREAM" stream "$2" "$COMPRESS" "$DATA" "$IMAGE_ID" "$APP-archiver" \
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
    # A new file nobody could have planted a link at (mktemp, 0600); the passes write into it.
    PARTIAL=$(as_root mktemp "$FOLDER/.$_name.partial.XXXXXX") || fail 60 "could not create a file in $FOLDER"
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

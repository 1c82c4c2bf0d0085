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
# shellcheck source=guardian.sh
. "$(dirname "$0")/guardian.sh"
# shellcheck source=two_pass.sh
. "$(dirname "$0")/two_pass.sh"

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
        t=$(mktemp "$f.XXXXXX") && { cat "$f" 2>/dev/null; echo "$2 $3"; } | tail -n 50 > "$t" && mv -f "$t" "$f"' \
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

# Runs as root, the data container's mount sources on stdin, one per line: the KiB they take, or fails if one is
# not a folder on this host.
# WRITE_MARKER, run as root with FILE and TEXT: FILE holds the line TEXT afterwards. It is written to a new file
# beside it (mktemp: a name nobody could have planted) and renamed over FILE, so a link found at FILE is replaced,
# never followed.
# shellcheck disable=SC2016
WRITE_MARKER='umask 077 && t=$(mktemp "$1.XXXXXX") && echo "$2" > "$t" && mv -f "$t" "$1"'

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
    private_dir "$DIR" backupDir && private_dir "$FOLDER" backupDir || _writable=false
    if [ "${_writable:-true}" = false ] ||
        ! as_root sh -c 't=$(mktemp "$1/.write-test.XXXXXX") && rm -f "$t"' probe "$FOLDER"; then
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
    ! as_root test -e "$ARCHIVE" || private_folder "$ARCHIVE" restoreFrom
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
        as_root sh -c "$WRITE_MARKER" at-rest "$FOLDER/.at-rest" \
            "$(docker_inspect '{{.Id}} {{.State.StartedAt}}' "$APP") $SAFE"
    fi
    phase finished
    say "restored $ARCHIVE into the volumes of $DATA; $APP stays stopped until the backup step"
    report "$SAFE" "$_previous"
}

prune_mode() {
    prepare
    case "$ARCHIVE" in "$FOLDER"/*) as_root sh -c "$WRITE_MARKER" kept "$FOLDER/.kept" "${ARCHIVE##*/}" ;; esac
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

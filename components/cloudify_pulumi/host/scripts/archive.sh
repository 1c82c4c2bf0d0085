# shellcheck shell=sh
# Reading a backup archive and refilling the data volumes from it: shared by
# backup_data.sh (restoreFrom) and restore_backup.sh (a host with no Pulumi).
# Sourced after common.sh; the component inlines it as it inlines common.sh.
# An archive is one tar stream (every earlier release's backups, and a copy
# of a stopped manager) or two back to back: GNU tar's level 0 and level 1 of
# --listed-incremental (backup_data.sh). So every reader passes -i, which
# reads on past the first archive's end, and extraction passes -G, which
# deletes what level 1 lists as gone; neither changes how a single ordinary
# tar stream reads.
# The inner `sh -c` texts take their values as arguments, never spliced in:
# shellcheck disable=SC2016

# archive_reader ARCHIVE: sets ARCHIVE_READ, the command that writes its tar
# stream on stdout; fails for a name that backup_data.sh does not make.
archive_reader() {
    case "$1" in
    *.tar.zst) ARCHIVE_READ="zstd -q -dc" ;;
    *.tar.gz) ARCHIVE_READ="gzip -dc" ;;
    *.tar) ARCHIVE_READ="cat" ;;
    *) return 1 ;;
    esac
}

# Reads entries, one per line: fails unless each lies under one of the space-separated `paths`.
UNDER_PATHS='
BEGIN { n = split(paths, p, " "); for (i = 1; i <= n; i++) sub("^/", "", p[i]) }
{
    entry = $0
    sub("^/", "", entry)
    ok = 0
    for (i = 1; i <= n; i++) if (entry == p[i] || index(entry, p[i] "/") == 1) ok = 1
    if (!ok) outside++
}
END { exit (outside > 0 || NR == 0) }'

# Runs as root with: READ ARCHIVE UNDER_PATHS PATH...; decompresses and lists
# the whole archive in one pass, each stage's exit status kept, and fails
# unless every entry lies under one of the PATHs: a damaged archive, or one of
# something else, is refused before anything is stopped or emptied.
LISTS_ONLY='
read=$1 archive=$2 under=$3
shift 3
[ -f "$archive" ] || exit 1
status=$(mktemp -d) || exit 1
{ $read "$archive"; echo $? > "$status/read"; } | { tar -t -i -f -; echo $? > "$status/list"; } |
    awk -v paths="$*" "$under"
inside=$?
read_status=$(cat "$status/read") list_status=$(cat "$status/list")
rm -rf "$status"
[ "$read_status" = 0 ] && [ "$list_status" = 0 ] && [ "$inside" = 0 ]'

# archive_holds_only ARCHIVE PATH...: ARCHIVE reads back whole and holds files of those volume paths only.
archive_holds_only() {
    _archive=$1
    shift
    archive_reader "$_archive" || return 1
    # shellcheck disable=SC2086
    as_root sh -c "$LISTS_ONLY" lists "$ARCHIVE_READ" "$_archive" "$UNDER_PATHS" "$@" 2>/dev/null
}

# Runs in the one-off container: empties each path given, then unpacks the tar stream on stdin at /: every
# archive in it, in order (-i), each folder of a level-1 archive left with the files it lists (-G).
REFILL='
for path in "$@"; do
    rm -rf "$path"/* "$path"/.[!.]* "$path"/..?* || exit 1
done
tar -x -i -G -p -f - -C /'

# Runs as root with: READ ARCHIVE DATA IMAGE NAME REFILL PATH...; keeps both
# stages' exit status. The one-off container is named NAME, so that a TERM,
# HUP or INT (an interrupted restore) removes it too.
FEED='
read=$1 archive=$2 data=$3 image=$4 name=$5 refill=$6
shift 6
status=$(mktemp) || exit 1
docker rm -f "$name" > /dev/null 2>&1
trap "docker rm -f $name > /dev/null 2>&1; rm -f $status; exit 143" TERM HUP INT
{ $read "$archive"; echo $? > "$status"; } |
    docker run -i --rm --name "$name" --network none --entrypoint sh --volumes-from "$data" "$image" \
        -c "$refill" refill "$@" &
wait $!
unpacked=$?
wait
read_status=$(cat "$status")
rm -f "$status"
[ "$read_status" = 0 ] && [ "$unpacked" = 0 ]'

# refill_volumes ARCHIVE IMAGE PATH...: every PATH of the data container DATA
# emptied and refilled from ARCHIVE, by a one-off container of IMAGE, in the
# background: REFILLER is its process, for the caller to wait for (and to stop).
refill_volumes() {
    _archive=$1 _image=$2
    shift 2
    archive_reader "$_archive" || return 1
    as_root sh -c "$FEED" feed "$ARCHIVE_READ" "$_archive" "$DATA" "$_image" "$APP-restore" "$REFILL" "$@" >&2 &
    # shellcheck disable=SC2034 # read by the sourcing script
    REFILLER=$!
}

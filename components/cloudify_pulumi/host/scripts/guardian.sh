# shellcheck shell=sh
# Never strand the manager: whatever ends a backup_data.sh run before it
# succeeded, the app container it found or left stopped is started again (and a
# restore cut short first puts back the data it archived), by the run's EXIT
# trap or, if the script itself is gone, by the guardian process it started.
# Sourced by backup_data.sh after common.sh and archive.sh; it reads
# backup_data.sh's APP, DATA, PATHS, IMAGE_ID and FOLDER; the component inlines it as it inlines
# common.sh.
# The inner `sh -c` texts take their values as arguments, never spliced in:
# shellcheck disable=SC2016

# -- never strand the manager --------------------------------------------------------------------------------------

OPS=      # this run's private folder: its phase, for the EXIT trap and the guardian
GUARD=    # the guardian's process
WORKER=   # the archive or refill the main shell waits for
PARTIAL=  # the archive being written
SNAPSHOTS= # the folder of tar's snapshot files (--listed-incremental) of the archive being written
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

# shellcheck shell=sh
# Helpers shared by the host scripts. Each script sources this file when run
# on its own; the component inlines it when it ships a script to a host.
# Callers set SCRIPT (the name used in messages) and USE_SUDO (true|false).
# Exit codes owned here: 2 usage, 11 no way to act as root.

# Progress and errors go to stderr, which `pulumi up` streams live; stdout is
# kept for the KEY=value results. Nothing secret is ever passed to `say`.
say() { printf '%s: %s\n' "$SCRIPT" "$*" >&2; }

# progress_every SECONDS STARTED_AT LIMIT WHAT: during a wait, one line every
# SECONDS with the elapsed and remaining time. Call it on every turn of the
# loop; it keeps its own schedule in _PROGRESS_NEXT.
progress_every() {
    _now=$(date +%s)
    _elapsed=$((_now - $2))
    [ "$_elapsed" -ge "${_PROGRESS_NEXT:-$1}" ] || return 0
    _PROGRESS_NEXT=$((_elapsed + $1))
    say "$4: ${_elapsed} s elapsed, $(($3 - _elapsed)) s left"
}

fail() {
    _code=$1
    shift
    say "ERROR: $*"
    exit "$_code"
}

# Run a command as root: through `sudo -n` (never prompt, never hang) when the
# connecting user is not root.
as_root() {
    if [ "$USE_SUDO" = true ]; then
        sudo -n "$@"
    else
        "$@"
    fi
}

# Fail early, before anything changes, when root access is configured but absent.
require_root_access() {
    case "$USE_SUDO" in
    true)
        command -v sudo >/dev/null 2>&1 ||
            fail 11 "user $(id -un) is not root and sudo is not installed; install sudo or set sshUser to root"
        sudo -n true 2>/dev/null ||
            fail 11 "user $(id -un) cannot run sudo without a password; grant it passwordless sudo (NOPASSWD) or set sshUser to root"
        ;;
    false) ;;
    *) fail 2 "USE_SUDO must be true or false, got '$USE_SUDO'" ;;
    esac
}

# download URL FILE: fetch with curl, or wget where curl is missing.
download() {
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 2 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
    else
        say "neither curl nor wget is installed on this host"
        return 127
    fi
}

# docker_inspect FORMAT NAME: one field of a container, as root; fails when it does not exist.
docker_inspect() { as_root docker inspect -f "$1" "$2" 2>/dev/null; }

# private_dir DIR: DIR exists afterwards. A folder this call creates gets mode
# 0700 (its missing parents are made as `mkdir -p` makes them); a folder that
# already exists keeps its mode and owner: a host folder the program did not
# create (backupDir: /tmp) is never changed. The files put in it are 0600.
private_dir() {
    as_root test -d "$1" && return 0
    as_root mkdir -p "$(dirname "$1")" || return 1
    as_root mkdir -m 700 "$1" 2>/dev/null || as_root test -d "$1"
}

# sha256_matches FILE SHA256: FILE has that SHA-256 (lower-case hex), or
# SHA256 is `-` (none configured: the URL is https://, settings.py refuses a
# plain http:// one without a checksum).
sha256_matches() {
    [ "$2" = - ] && return 0
    [ "$(sha256sum "$1" | cut -d ' ' -f 1)" = "$2" ]
}

# data_paths CONTAINER: the paths a data container holds (its mount destinations).
data_paths() { docker_inspect '{{range .Mounts}}{{.Destination}} {{end}}' "$1"; }

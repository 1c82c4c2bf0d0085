# shellcheck shell=sh
# Helpers shared by the host scripts. Each script sources this file when run
# on its own; the component inlines it when it ships a script to a host.
# Callers set SCRIPT (the name used in messages) and USE_SUDO (true|false).
# Exit codes owned here: 2 usage, 11 no way to act as root, 12 a folder root
# writes in is not private to root (private_dir).

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

# download URL FILE: fetch with curl, or wget where curl is missing. An https://
# URL is fetched over https only, its redirects included: a redirect to plain
# http would otherwise bypass the rule that an http:// URL needs a sha256
# (settings.py). A wget too old to refuse such a redirect (below 1.17, as on
# Ubuntu 14.04) is not used for https:// URLs.
download() {
    if command -v curl >/dev/null 2>&1; then
        case "$1" in
        https://*) curl -fsSL --proto =https --proto-redir =https --retry 2 -o "$2" "$1" ;;
        *) curl -fsSL --retry 2 -o "$2" "$1" ;;
        esac
    elif command -v wget >/dev/null 2>&1; then
        case "$1" in
        https://*)
            if ! wget --help 2>/dev/null | grep -q -- --https-only; then
                say "this host's wget cannot refuse a redirect from https to plain http (it needs 1.17 or newer); install curl"
                return 1
            fi
            wget -q --https-only -O "$2" "$1"
            ;;
        *) wget -q -O "$2" "$1" ;;
        esac
    else
        say "neither curl nor wget is installed on this host"
        return 127
    fi
}

# docker_inspect FORMAT NAME: one field of a container, as root; fails when it does not exist.
docker_inspect() { as_root docker inspect -f "$1" "$2" 2>/dev/null; }

# private_dir DIR SETTING: DIR exists afterwards, and nobody but root (the user
# the script acts as) can plant a file or a link in it, or swap it for another
# folder. Root writes fixed names there (a temporary file, a marker, an
# archive), so a folder another user owns or may write in would let them point
# those names at any file root then overwrites, or read the archives. A folder
# this call creates gets mode 0700 (its missing parents are made as `mkdir -p`
# makes them); an existing one is never changed, and is refused (exit 12)
# unless private_folder says it is private.
private_dir() {
    if ! as_root test -d "$1"; then
        as_root mkdir -p "$(dirname "$1")" || return 1
        as_root mkdir -m 700 "$1" 2>/dev/null || as_root test -d "$1" || return 1
    fi
    private_folder "$1" "$2"
}

# private_folder PATH SETTING: exit 12, naming SETTING, unless PATH (a folder or a file), every link resolved, is
# owned by root (or the user the script acts as) and not writable by group or others, and so is each folder above
# it, except that a folder above may be sticky (/tmp: nobody else may rename or delete root's entries there).
# The rule of OpenSSH's StrictModes, and of sudo's for sudoers.
private_folder() {
    _path=$(as_root readlink -f -- "$1") || return 1
    _owner=$(as_root id -u)
    _level=own
    while :; do
        # shellcheck disable=SC2046
        set -- "$1" "$2" $(as_root stat -c '%u %a' -- "$_path") || return 1
        private_enough "$_level" "$3" "$4" "$_owner" || refuse_folder "$1" "$2" "$_path" "$3" "$4" "$_level"
        [ "$_path" != / ] || return 0
        _path=$(dirname "$_path")
        _level=above
    done
}

# private_enough LEVEL UID MODE OWNER: whether a folder (LEVEL own) or one above it (above) is owned by root or
# OWNER and not writable by group or others; above, sticky will do.
private_enough() {
    [ "$2" = 0 ] || [ "$2" = "$4" ] || return 1
    _mode=$(printf '%04d' "$3")
    _group=${_mode#??}
    _group=${_group%?}
    _other=${_mode#???}
    [ $(((_group | _other) & 2)) = 0 ] && return 0
    [ "$1" = above ] && [ $((${_mode%???} & 1)) = 1 ]
}

# refuse_folder PATH SETTING FOLDER UID MODE LEVEL: exit 12, naming the setting, the folder, its owner and mode,
# and the fix (PRIVATE_FIX, when the caller sets it, for a folder that is not root's).
refuse_folder() {
    _where="$1 is owned by uid $4 with mode $5"
    [ "$6" = own ] || _where="$1 is in $3, which is owned by uid $4 with mode $5"
    [ -z "${PRIVATE_FIX:-}" ] || fail 12 "$2: $_where. Another user who owns it or may write in it could change what the program runs; $PRIVATE_FIX; nothing was stopped"
    fail 12 "$2: $_where. Root writes and reads fixed file names there, so another user who owns it or may write in it could point them at files root then overwrites, swap an archive, or read one. Use a folder owned by root and writable by root only (not /tmp, nor a folder in a shared one), such as one made with: sudo install -d -o root -g root -m 700 /var/lib/cloudify-backups; and set $2 to a path in it; nothing was stopped"
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

#!/bin/sh
# Write the manager's config.yaml (or another file of its configuration: NAME,
# such as its TLS key), read from stdin, to DIR/NAME on this host.
#
#   write_manager_config.sh USE_SUDO DIR [NAME] < content
#
# The file holds secrets (admin password, REST keys, a private key), so it
# arrives on stdin, never on a command line where `ps` would show it. DIR is
# mode 0700 and the file 0600, owned by root when sudo is used. The new file
# replaces the old one by a rename, so a running container keeps the copy it
# started with. NAME (default config.yaml) is a plain file name.
# Prints `CONFIG_FILE=<path>` on stdout; never prints the content.
# Exit codes: 0 written, 2 usage, 11 no root access, 12 DIR not private to root, 50 empty input,
# 51 DIR or the file cannot be written.
set -eu
SCRIPT=manager-config
if [ $# -ne 2 ] && [ $# -ne 3 ]; then
    echo "usage: write_manager_config.sh USE_SUDO DIR [NAME] < content" >&2
    exit 2
fi
USE_SUDO=$1
DIR=$2
NAME=${3:-config.yaml}
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

# Runs as root (or the connecting user) with the file name as $1 and the
# content on stdin; nothing from the configuration is spliced into this text.
# shellcheck disable=SC2016
WRITE_FILE='
umask 077
new=$(mktemp "$1.XXXXXX") || exit 51
cat > "$new" || { rm -f "$new"; exit 51; }
if [ ! -s "$new" ]; then rm -f "$new"; exit 50; fi
chmod 600 "$new" && mv -f "$new" "$1" || { rm -f "$new"; exit 51; }'

main() {
    case "$DIR" in /*) ;; *) fail 2 "DIR must be an absolute path, got '$DIR'" ;; esac
    case "$NAME" in "" | . | .. | */*) fail 2 "NAME must be a plain file name, got '$NAME'" ;; esac
    require_root_access
    if ! private_dir "$DIR" configDir; then
        fail 51 "could not create $DIR (configDir)"
    fi
    _status=0
    as_root sh -c "$WRITE_FILE" write-config "$DIR/$NAME" || _status=$?
    case "$_status" in
    0) ;;
    50) fail 50 "no configuration arrived on standard input; nothing was written" ;;
    *) fail 51 "could not write $DIR/$NAME (configDir)" ;;
    esac
    say "wrote $DIR/$NAME (mode 0600)"
    printf 'CONFIG_FILE=%s\n' "$DIR/$NAME"
}

main

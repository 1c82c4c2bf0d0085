#!/bin/sh
# Print the SSH host key to trust from now on, for trust on first use.
#
#   host_key.sh scan HOST PORT   on this machine: the key HOST presents on PORT (ssh-keyscan)
#   host_key.sh own              on the host itself: its own public host key file
#
# Prints `HOST_KEY=<type> <base64>` on stdout, one line, the one key every
# later connection is checked against. Of the keys there are, the first of
# ssh-ed25519, ecdsa-sha2-nistp256 and ssh-rsa: the command provider asks the
# server for that key type only (pulumi-command v1.2.1
# provider/pkg/provider/remote/connection.go lines 86-94, HostKeyAlgorithms is
# the pinned key's type), so the record and the check agree on one key.
# `scan` reads the key the server presents, before any login: nothing secret
# crosses that connection. `own` is for a host only reachable through a
# bastion, where ssh-keyscan cannot go; it runs over a login whose bastion
# hop is checked, and reads the files sshd presents by default.
# Exit codes: 0 printed, 2 usage, 90 no ssh-keyscan here, 91 no key answered,
# 92 no readable public host key file on the host.
set -eu
SCRIPT=host-key
USE_SUDO=false
usage() { echo "usage: host_key.sh scan HOST PORT | host_key.sh own" >&2; exit 2; }
[ $# -ge 1 ] || usage
MODE=$1
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

# first_preferred: of "type base64" lines on stdin, the preferred type's.
first_preferred() {
    _keys=$(cat)
    for _type in ssh-ed25519 ecdsa-sha2-nistp256 ssh-rsa; do
        _line=$(printf '%s\n' "$_keys" | awk -v t="$_type" '$1 == t { print $1 " " $2; exit }')
        [ -z "$_line" ] || { printf '%s\n' "$_line"; return 0; }
    done
    return 1
}

scan() {
    command -v ssh-keyscan >/dev/null 2>&1 ||
        fail 90 "ssh-keyscan is not installed on this machine (it comes with the OpenSSH client); install it, or pin the key with sshHostKey"
    _key=$(ssh-keyscan -T 15 -p "$PORT" -t ed25519,ecdsa,rsa -- "$HOST" 2>/dev/null | awk '!/^#/ { print $2 " " $3 }' |
        first_preferred) ||
        fail 91 "no SSH host key answered on $HOST port $PORT; check the host and port, or pin the key with sshHostKey"
    printf 'HOST_KEY=%s\n' "$_key"
}

own() {
    _key=$(for _file in /etc/ssh/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_ecdsa_key.pub /etc/ssh/ssh_host_rsa_key.pub; do
        [ -r "$_file" ] && cat "$_file"
    done | first_preferred) ||
        fail 92 "no readable public host key in /etc/ssh on $(hostname); pin the key with sshHostKey"
    printf 'HOST_KEY=%s\n' "$_key"
}

case "$MODE" in
scan)
    [ $# -eq 3 ] || usage
    HOST=$2
    PORT=$3
    scan
    ;;
own)
    [ $# -eq 1 ] || usage
    own
    ;;
*) usage ;;
esac

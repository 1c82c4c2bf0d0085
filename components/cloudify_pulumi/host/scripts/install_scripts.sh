#!/bin/sh
# Install this release's host scripts for one manager, where its steps run them by a fixed path.
#
#   install_scripts.sh FOLDER < bundle
#
# The bundle (shipping.py `bundle`) is every script, a gzip-compressed tar in
# base64. They go into $HOME/.cloudify-pulumi/FOLDER (FOLDER: the manager's
# application container name, which Docker keeps unique on the host), a folder
# of the SSH user's that nobody else may write in (0700, files 0600; the home
# and each folder above it checked as OpenSSH's StrictModes checks them), so
# that no other user of the host can change what the steps run as root. Each
# step runs `sh $HOME/.cloudify-pulumi/FOLDER/<script>` (host_scripts.py), so a
# new release of the scripts re-runs this step alone, and a step runs again
# only when its own arguments change. The new scripts are unpacked beside the
# old ones and take their place in one rename, after every file arrived whole.
# Exit codes: 0 installed, 2 usage, 12 the folder (or one above it) is not
# private to the SSH user, 97 no HOME, 98 the bundle did not arrive whole.
set -eu
SCRIPT=install-scripts
USE_SUDO=false
[ $# -eq 1 ] || { echo "usage: install_scripts.sh FOLDER < bundle" >&2; exit 2; }
FOLDER=$1
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

case "$FOLDER" in
'' | .* | */*) fail 2 "FOLDER must be a container name, got '$FOLDER'" ;;
esac
if [ -z "${HOME:-}" ] || [ ! -d "$HOME" ]; then
    fail 97 "user $(id -un) has no home folder (HOME='${HOME:-}'); the program's scripts are installed there"
fi
BASE=$HOME/.cloudify-pulumi
umask 077
PRIVATE_FIX="make it private to $(id -un): chmod go-w on it and on each folder above it (OpenSSH's StrictModes asks the same of ~/.ssh)"
private_dir "$BASE" "the program's scripts folder"

NEW=$(mktemp -d "$BASE/.$FOLDER.XXXXXX")
trap 'rm -rf "$NEW"' EXIT
base64 -d | tar -xzf - -C "$NEW" --no-same-owner ||
    fail 98 "the scripts did not arrive whole; nothing was changed in $BASE/$FOLDER"
[ -f "$NEW/common.sh" ] || fail 98 "the scripts did not arrive whole (no common.sh); nothing was changed in $BASE/$FOLDER"
chmod 600 "$NEW"/*
rm -rf "${BASE:?}/$FOLDER"
mv "$NEW" "$BASE/$FOLDER"
trap - EXIT
say "installed this release's scripts in $BASE/$FOLDER"

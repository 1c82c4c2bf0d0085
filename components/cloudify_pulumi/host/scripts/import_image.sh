#!/bin/sh
# Cloudify's offline path: `docker import` an image tarball from a URL.
#
#   import_image.sh USE_SUDO URL IMAGE MODE [SHA256]
#
# MODE `always` imports (the application image: a new tarball is an upgrade),
# unless IMAGE already holds this tarball's content: `docker import` gives the
# same content a new image ID each time (its creation time is in it), which
# would replace the app container for nothing when the step runs again for
# another reason. An imported image has one layer, whose ID is the SHA-256 of
# the uncompressed tar (Docker's DiffID, as `docker image inspect` shows in
# RootFS.Layers); a gzip, bzip2 or xz tarball is decompressed to compute it.
# MODE `if-missing` keeps an existing IMAGE (the data image is made once).
# SHA256, when given, is checked before the tarball is imported.
# Prints `IMAGE_ID=<id>` on stdout.
# Exit codes: 0 done, 2 usage, 11 no root access, 30 download failed,
# 31 import failed, 32 checksum mismatch.
set -eu
SCRIPT=import-image
[ $# -eq 4 ] || [ $# -eq 5 ] || { echo "usage: import_image.sh USE_SUDO URL IMAGE always|if-missing [SHA256]" >&2; exit 2; }
USE_SUDO=$1
URL=$2
IMAGE=$3
MODE=$4
SHA256=${5:--}
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

image_id() { as_root docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null; }

# content_id TARBALL: sha256:<hex> of the tar inside TARBALL (uncompressed), the layer ID `docker import` gives it;
# empty when its compression cannot be read here.
content_id() {
    case "$(od -An -tx1 -N3 "$1" | tr -d ' ')" in
    1f8b*) _unpack="gzip -dc" ;;
    425a68) _unpack="bzip2 -dc" ;;
    fd377a) _unpack="xz -dc" ;;
    *) _unpack="cat" ;;
    esac
    command -v "${_unpack%% *}" >/dev/null 2>&1 || return 0
    # shellcheck disable=SC2086
    _sum=$($_unpack <"$1" | sha256sum | cut -d ' ' -f 1) || return 0
    printf 'sha256:%s' "$_sum"
}

# holds_content ID: whether IMAGE is one layer with that ID.
holds_content() {
    [ -n "$1" ] && [ "$(as_root docker image inspect -f '{{json .RootFS.Layers}}' "$IMAGE" 2>/dev/null)" = "[\"$1\"]" ]
}

main() {
    case "$MODE" in always | if-missing) ;; *) fail 2 "MODE must be always or if-missing" ;; esac
    require_root_access
    if [ "$MODE" = if-missing ] && _id=$(image_id); then
        say "$IMAGE is already present"
        printf 'IMAGE_ID=%s\n' "$_id"
        return 0
    fi
    _work=$(mktemp -d)
    trap 'rm -rf "$_work"' EXIT
    say "downloading $URL"
    download "$URL" "$_work/image.tar" ||
        fail 30 "could not download the image tarball $URL (cloudifyPackages.docker.docker_url)"
    sha256_matches "$_work/image.tar" "$SHA256" ||
        fail 32 "the image tarball $URL does not have the configured sha256 $SHA256; nothing was imported"
    if [ "$MODE" = always ] && holds_content "$(content_id "$_work/image.tar")"; then
        say "$IMAGE already holds the content of $URL; nothing was imported"
        printf 'IMAGE_ID=%s\n' "$(image_id)"
        return 0
    fi
    as_root docker import "$_work/image.tar" "$IMAGE" >/dev/null ||
        fail 31 "docker import of $URL as $IMAGE failed"
    printf 'IMAGE_ID=%s\n' "$(image_id)"
}

main

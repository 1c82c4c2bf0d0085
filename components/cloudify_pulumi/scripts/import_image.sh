#!/bin/sh
# Cloudify's offline path: `docker import` an image tarball from a URL.
#
#   import_image.sh USE_SUDO URL IMAGE MODE [SHA256]
#
# MODE `always` imports (the application image: a new tarball is an upgrade);
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
    as_root docker import "$_work/image.tar" "$IMAGE" >/dev/null ||
        fail 31 "docker import of $URL as $IMAGE failed"
    printf 'IMAGE_ID=%s\n' "$(image_id)"
}

main

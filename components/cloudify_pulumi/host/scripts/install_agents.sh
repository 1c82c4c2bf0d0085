#!/bin/sh
# Install Cloudify agent packages inside the running application container.
#
#   install_agents.sh USE_SUDO CONTAINER KIND URL SHA256 TARGET [KIND URL SHA256 TARGET ...]
#
# KIND is `deb` (downloaded on the host, copied in, `dpkg -i`; TARGET is `-`)
# or `tar.gz` (placed as it is at TARGET, under the manager's file server).
# SHA256 (`-` for none) is checked before anything reaches the container.
# Idempotent: a .deb whose package and version are already installed, or a
# tarball identical to the one in place, is left alone.
# Exit codes: 0 done, 2 usage, 11 no root access, 20 download failed,
# 21 install inside the container failed, 22 container not running,
# 23 checksum mismatch.
set -eu
SCRIPT=install-agents
if [ $# -lt 2 ] || [ $((($# - 2) % 4)) -ne 0 ]; then
    echo "usage: install_agents.sh USE_SUDO CONTAINER KIND URL SHA256 TARGET [...]" >&2
    exit 2
fi
USE_SUDO=$1
CONTAINER=$2
shift 2
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

# Runs inside the container with the package path as $1; nothing from the
# configuration is ever spliced into this text.
# shellcheck disable=SC2016
DPKG_IF_NEEDED='
pkg=$(dpkg-deb -f "$1" Package) && ver=$(dpkg-deb -f "$1" Version) || exit 1
if [ "$(dpkg-query -W -f="\${Status} \${Version}" "$pkg" 2>/dev/null)" = "install ok installed $ver" ]; then
    echo "$pkg $ver is already installed"
else
    dpkg -i "$1" && echo "installed $pkg $ver"
fi
status=$?
rm -f "$1"
exit $status'

container_running() {
    [ "$(as_root docker inspect -f '{{.State.Running}}' "$CONTAINER" 2>/dev/null)" = true ]
}

install_deb() { # FILE URL
    _inside=/tmp/cloudify-agent-$$.deb
    as_root docker cp "$1" "$CONTAINER:$_inside" ||
        fail 21 "could not copy the package from $2 into container $CONTAINER"
    as_root docker exec "$CONTAINER" sh -c "$DPKG_IF_NEEDED" install-agent "$_inside" ||
        fail 21 "dpkg could not install the package from $2 inside container $CONTAINER"
}

place_tarball() { # FILE URL TARGET
    _want=$(sha256sum "$1" | cut -d ' ' -f 1)
    # shellcheck disable=SC2016
    _have=$(as_root docker exec "$CONTAINER" sh -c 'sha256sum "$1" 2>/dev/null | cut -d " " -f 1' sha "$3") || _have=
    if [ "$_want" = "$_have" ]; then
        say "$3 is already in place"
        return 0
    fi
    if ! as_root docker exec "$CONTAINER" mkdir -p "$(dirname "$3")" ||
        ! as_root docker cp "$1" "$CONTAINER:$3"; then
        fail 21 "could not place the package from $2 at $3 inside container $CONTAINER"
    fi
    say "placed $3"
}

main() {
    require_root_access
    container_running || fail 22 "container $CONTAINER is not running; check 'docker logs $CONTAINER'"
    _work=$(mktemp -d)
    trap 'rm -rf "$_work"' EXIT
    while [ $# -gt 0 ]; do
        _kind=$1 _url=$2 _sha256=$3 _target=$4
        shift 4
        say "downloading $_url"
        download "$_url" "$_work/package" ||
            fail 20 "could not download agent package $_url (unreachable, or the server answered with an error)"
        sha256_matches "$_work/package" "$_sha256" ||
            fail 23 "agent package $_url does not have the configured sha256 $_sha256 (it has $(sha256sum "$_work/package" | cut -d ' ' -f 1)); nothing was installed from it"
        case "$_kind" in
        deb) install_deb "$_work/package" "$_url" ;;
        tar.gz) place_tarball "$_work/package" "$_url" "$_target" ;;
        *) fail 2 "unknown package kind '$_kind' for $_url" ;;
        esac
        rm -f "$_work/package"
    done
}

main "$@"

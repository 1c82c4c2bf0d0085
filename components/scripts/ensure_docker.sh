#!/bin/sh
# Make Docker usable on this host, the Cloudify "Manager Containers" way.
#
#   ensure_docker.sh USE_SUDO INSTALL_URL
#
# - docker installed and the daemon answers: change nothing;
# - installed but the daemon is stopped: start it;
# - missing on Ubuntu 14.04 (Trusty): install it online from INSTALL_URL;
# - missing anywhere else: fail, naming the distribution.
# On success stdout carries exactly two lines, for the program to parse:
#   HOST_DISTRIBUTION=<id> <version>
#   DOCKER_SERVER_VERSION=<version>
# Progress and errors go to stderr.
# Exit codes: 0 ready, 2 usage, 10 Docker missing on a distribution we do not
# install on, 11 no root access, 12 daemon cannot be started, 13 online
# install failed, 14 Docker still unusable after the install.
set -eu
SCRIPT=ensure-docker
[ $# -eq 2 ] || { echo "usage: ensure_docker.sh USE_SUDO INSTALL_URL" >&2; exit 2; }
USE_SUDO=$1
INSTALL_URL=$2
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

# release_field FILE KEY: a value from an os-release style file, unquoted.
# The file is parsed, never sourced: nothing on the host is executed.
release_field() {
    sed -n "s/^$2=//p" "$1" | head -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
}

# Identify the distribution from os-release, or lsb-release on older systems.
detect_distribution() {
    DISTRO_ID='' DISTRO_VERSION='' DISTRO_NAME=''
    if [ -r /etc/os-release ]; then
        DISTRO_ID=$(release_field /etc/os-release ID)
        DISTRO_VERSION=$(release_field /etc/os-release VERSION_ID)
        DISTRO_NAME=$(release_field /etc/os-release PRETTY_NAME)
    elif [ -r /etc/lsb-release ]; then
        DISTRO_ID=$(release_field /etc/lsb-release DISTRIB_ID | tr '[:upper:]' '[:lower:]')
        DISTRO_VERSION=$(release_field /etc/lsb-release DISTRIB_RELEASE)
        DISTRO_NAME=$(release_field /etc/lsb-release DISTRIB_DESCRIPTION)
    fi
    DISTRO_ID=${DISTRO_ID:-unknown}
    DISTRO_VERSION=${DISTRO_VERSION:-unknown}
    DISTRO_NAME=${DISTRO_NAME:-$DISTRO_ID $DISTRO_VERSION}
}

is_trusty() { [ "$DISTRO_ID" = ubuntu ] && [ "$DISTRO_VERSION" = 14.04 ]; }

# Print the daemon's version; fails when the daemon does not answer.
server_version() {
    _v=$(as_root docker version --format '{{.Server.Version}}' 2>/dev/null) || _v=
    if [ -z "$_v" ]; then
        # Docker before 1.8 has no --format.
        _v=$(as_root docker version 2>/dev/null | sed -n 's/^Server version: *//p' | head -n 1) || _v=
    fi
    [ -n "$_v" ] && printf '%s\n' "$_v"
}

start_daemon() {
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        as_root systemctl start docker
    elif command -v service >/dev/null 2>&1; then
        as_root service docker start
    elif [ -x /etc/init.d/docker ]; then
        as_root /etc/init.d/docker start
    else
        say "no service manager found to start docker"
        return 1
    fi
}

wait_for_daemon() {
    _tries=0
    while [ "$_tries" -lt 30 ]; do
        server_version >/dev/null && return 0
        _tries=$((_tries + 1))
        sleep 1
    done
    return 1
}

install_docker_online() {
    _installer=$(mktemp)
    say "Docker is missing on $DISTRO_NAME: installing it online from $INSTALL_URL"
    if ! download "$INSTALL_URL" "$_installer"; then
        rm -f "$_installer"
        fail 13 "could not download the Docker installer from $INSTALL_URL; set dockerInstallUrl to a reachable mirror"
    fi
    if ! as_root sh "$_installer" >&2; then
        rm -f "$_installer"
        fail 13 "the Docker installer from $INSTALL_URL failed on $DISTRO_NAME (see its output above)"
    fi
    rm -f "$_installer"
}

report() {
    printf 'HOST_DISTRIBUTION=%s %s\n' "$DISTRO_ID" "$DISTRO_VERSION"
    printf 'DOCKER_SERVER_VERSION=%s\n' "$1"
}

main() {
    detect_distribution
    if ! command -v docker >/dev/null 2>&1; then
        is_trusty || fail 10 "Docker is not installed on $DISTRO_NAME. Cloudify installs Docker online only on Ubuntu 14.04 (Trusty); install Docker on this host before bootstrapping, then run pulumi up again."
        require_root_access
        install_docker_online
        command -v docker >/dev/null 2>&1 ||
            fail 14 "the Docker installer finished but no docker command is on PATH"
    fi
    if _version=$(server_version); then
        report "$_version"
        return 0
    fi
    require_root_access
    say "the Docker daemon does not answer: starting it"
    start_daemon || fail 12 "Docker is installed on $DISTRO_NAME but its daemon is not running and could not be started; start it (e.g. 'sudo service docker start') and check its logs"
    wait_for_daemon || fail 12 "the Docker daemon was started but did not answer within 30 seconds; check its logs"
    report "$(server_version)"
}

main

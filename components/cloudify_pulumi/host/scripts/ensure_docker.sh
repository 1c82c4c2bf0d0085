#!/bin/sh
# Make Docker usable on this host, the Cloudify "Manager Containers" way, and
# usable by the Docker provider's own ssh:// connection.
#
#   ensure_docker.sh USE_SUDO PROVIDER_USER APT_REPO KEY_FINGERPRINT TRUSTY_VERSION CLI_URL CLI_SHA256
#
# - docker installed and the daemon answers: change nothing;
# - installed but the daemon is stopped: start it;
# - missing on Ubuntu 14.04 (Trusty): install docker-ce from Docker's apt
#   repository APT_REPO (key checked against KEY_FINGERPRINT), version
#   TRUSTY_VERSION or, with `auto`, the last one (refused on a 3.x kernel, where
#   it cannot run and the one that can lacks the CVE-2019-5736 fix); hold it;
#   start the upstart job;
# - missing anywhere else: fail, naming the distribution.
# PROVIDER_USER (`-` when the provider does not use ssh://) is the user the
# Docker provider logs in as to run `docker system dial-stdio`, without sudo:
# - that needs a docker CLI of 18.09 or newer on the non-interactive PATH. On
#   Ubuntu 14.04 (whose last docker-ce is 18.06) the static CLI from CLI_URL
#   (checked against CLI_SHA256, `-` when not configured) goes to
#   /usr/local/bin, ahead of /usr/bin; elsewhere an older CLI is an error;
# - the user must be able to open the Docker socket. Without that, and with
#   sudo, the user is added to the socket's group (root-equivalent access).
# On success stdout carries exactly five lines, for the program to parse:
#   HOST_DISTRIBUTION=<id> <version>
#   DOCKER_SERVER_VERSION=<version>
#   DOCKER_CLIENT_VERSION=<version of the docker CLI on the PATH>
#   DOCKER_ENDPOINT=<the daemon address that CLI uses: DOCKER_HOST, else the current docker context's>
#   HOST_ADDRESSES=<the host's own IPv4 addresses, then its IPv6 ones (not link-local) as 32 hex digits, space-separated>
# The program refuses a port binding on an address the host does not own
# before any container is created (Docker would fail at create time).
# Progress and errors go to stderr.
# Exit codes: 0 ready, 2 usage, 10 Docker missing on a distribution we do not
# install on, 11 no root access, 12 daemon cannot be started, 13 install
# failed (apt or download), 14 Docker still unusable after the install,
# 15 docker CLI too old for ssh://, 16 the new CLI is not first on PATH,
# 17 PROVIDER_USER cannot open the Docker socket, 18 repository key
# fingerprint mismatch, 19 CLI checksum mismatch, 20 `auto` on a 3.x kernel
# (CVE-2019-5736).
set -eu
SCRIPT=ensure-docker
if [ $# -ne 7 ]; then
    echo "usage: ensure_docker.sh USE_SUDO PROVIDER_USER APT_REPO KEY_FINGERPRINT TRUSTY_VERSION CLI_URL CLI_SHA256" >&2
    exit 2
fi
USE_SUDO=$1
PROVIDER_USER=$2
APT_REPO=$3
KEY_FINGERPRINT=$4
TRUSTY_VERSION=$5
CLI_URL=$6
CLI_SHA256=$7
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

STATIC_CLI=/usr/local/bin/docker

# The daemon this user's docker CLI talks to, into ENDPOINT: DOCKER_HOST, else
# the current context's endpoint (Docker Desktop, Colima, rootless setups),
# else the default. The CLI is asked only when a context other than `default`
# is current: its config file names it (docker/cli cli/config/configfile
# `currentContext`).
find_cli_endpoint() {
    if [ -n "${DOCKER_HOST:-}" ]; then
        ENDPOINT=$DOCKER_HOST
        return 0
    fi
    ENDPOINT=
    _config="${DOCKER_CONFIG:-${HOME:-/nonexistent}/.docker}/config.json"
    if [ -n "${DOCKER_CONTEXT:-}" ] || { [ -f "$_config" ] && grep -qs '"currentContext"' "$_config"; }; then
        ENDPOINT=$(docker context inspect --format '{{.Endpoints.docker.Host}}' 2>/dev/null) || ENDPOINT=
    fi
    ENDPOINT=${ENDPOINT:-unix:///var/run/docker.sock}
}

# works_as_is: Docker answers this user, without sudo, with a CLI the provider
# can use: one call to the daemon on every re-run. Sets _server and _client.
works_as_is() {
    command -v docker >/dev/null 2>&1 || return 1
    [ "$PROVIDER_USER" = - ] || [ "$PROVIDER_USER" = "$(id -un)" ] || return 1
    _versions=$(docker version --format '{{.Client.Version}} {{.Server.Version}}' 2>/dev/null) || return 1
    _client=${_versions%% *} _server=${_versions#* }
    [ -n "$_client" ] && [ -n "$_server" ] && [ "$_server" != "$_versions" ] || return 1
    ! provider_uses_ssh || version_at_least "$_client" 18 9
}

# release_fields FILE ID_KEY VERSION_KEY NAME_KEY: the first value of each key in
# an os-release style file, unquoted, into DISTRO_ID, DISTRO_VERSION and
# DISTRO_NAME. The file is parsed, never sourced: nothing on the host is
# executed. Shell builtins only: this runs on every `pulumi up`.
release_fields() {
    _seen=
    while IFS= read -r _line || [ -n "$_line" ]; do
        _key=${_line%%=*}
        [ "$_key" != "$_line" ] || continue
        case " $_seen " in *" $_key "*) continue ;; esac
        unquote "${_line#*=}"
        case $_key in
        "$2") DISTRO_ID=$_value ;;
        "$3") DISTRO_VERSION=$_value ;;
        "$4") DISTRO_NAME=$_value ;;
        *) continue ;;
        esac
        _seen="$_seen $_key"
    done <"$1"
}

# unquote VALUE: VALUE without one pair of surrounding double or single quotes,
# into _value (no subshell).
unquote() {
    _value=$1
    case $1 in
    \"*\")
        _value=${_value#\"}
        _value=${_value%\"}
        ;;
    \'*\')
        _value=${_value#\'}
        _value=${_value%\'}
        ;;
    esac
}

# Identify the distribution from os-release, or lsb-release on older systems.
detect_distribution() {
    DISTRO_ID='' DISTRO_VERSION='' DISTRO_NAME=''
    if [ -r /etc/os-release ]; then
        release_fields /etc/os-release ID VERSION_ID PRETTY_NAME
    elif [ -r /etc/lsb-release ]; then
        release_fields /etc/lsb-release DISTRIB_ID DISTRIB_RELEASE DISTRIB_DESCRIPTION
        DISTRO_ID=$(printf '%s' "$DISTRO_ID" | tr '[:upper:]' '[:lower:]')
    fi
    DISTRO_ID=${DISTRO_ID:-unknown}
    DISTRO_VERSION=${DISTRO_VERSION:-unknown}
    DISTRO_NAME=${DISTRO_NAME:-$DISTRO_ID $DISTRO_VERSION}
}

is_trusty() { [ "$DISTRO_ID" = ubuntu ] && [ "$DISTRO_VERSION" = 14.04 ]; }
provider_uses_ssh() { [ "$PROVIDER_USER" != - ]; }

# version_at_least VERSION MAJOR MINOR: '18.06.1-ce' is at least 18 6. The
# fields are cut as `cut -d . -f 1` and `-f 2` would (a version without a dot
# is its own minor), with parameter expansion only: no process.
version_at_least() {
    _major=${1%%.*}
    _minor=${1#*.}
    _minor=${_minor%%.*}
    _major=${_major%%[!0-9]*} _minor=${_minor%%[!0-9]*}
    [ -n "$_major" ] && [ -n "$_minor" ] || return 1
    [ "$_major" -gt "$2" ] || { [ "$_major" -eq "$2" ] && [ "$_minor" -ge "$3" ]; }
}

# Print the daemon's version; fails when the daemon does not answer.
server_version() {
    _v=$(as_root docker version --format '{{.Server.Version}}' 2>/dev/null) || _v=
    if [ -z "$_v" ]; then
        # Docker before 1.8 has no --format.
        _v=$(as_root docker version 2>/dev/null | sed -n 's/^Server version: *//p' | head -n 1) || _v=
    fi
    [ -n "$_v" ] && printf '%s\n' "$_v"
}

# The version of the docker CLI that this user's non-interactive PATH finds:
# the one `ssh host docker system dial-stdio` runs.
client_version() {
    hash -r
    docker --version 2>/dev/null | sed -n 's/^Docker version \([0-9][^ ,]*\).*/\1/p' | head -n 1
}

client_serves_ssh() {
    _client=$(client_version)
    [ -n "$_client" ] && version_at_least "$_client" 18 9
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
    _waiting_since=$(date +%s)
    while [ $(($(date +%s) - _waiting_since)) -lt 30 ]; do
        server_version >/dev/null && return 0
        progress_every 10 "$_waiting_since" 30 "waiting for the Docker daemon"
        sleep 1
    done
    return 1
}

# The docker-ce to install on trusty. `auto` is the last build, 18.06.3, which
# carries the CVE-2019-5736 runc fix; that fix needs a 4.x kernel, and trusty's
# stock kernel is 3.13. The last build whose containers start on 3.x, 18.06.1,
# lacks the fix, so `auto` refuses a 3.x kernel (refuse_unfixed_runc) rather
# than install it: only an explicit TRUSTY_VERSION installs it.
trusty_docker_version() {
    if [ "$TRUSTY_VERSION" != auto ]; then
        printf '%s\n' "$TRUSTY_VERSION"
    else
        echo 18.06.3~ce~3-0~ubuntu
    fi
}

refuse_unfixed_runc() {
    [ "$TRUSTY_VERSION" = auto ] || return 0
    _kernel=$(uname -r)
    [ "${_kernel%%.*}" -ge 4 ] 2>/dev/null && return 0
    fail 20 "dockerTrustyVersion is auto, and $DISTRO_NAME runs kernel $_kernel: the last docker-ce whose containers start on a 3.x kernel, 18.06.1~ce~3-0~ubuntu, lacks the fix for CVE-2019-5736 (a container can overwrite the host's runc and run as root on the host), and 18.06.3~ce~3-0~ubuntu, which has it, needs a 4.x kernel. Nothing was installed. Install the HWE kernel (sudo apt-get install linux-generic-lts-xenial, then reboot) and run pulumi up again; or accept the risk on purpose: pulumi config set dockerTrustyVersion 18.06.1~ce~3-0~ubuntu"
}

# key_fingerprint FILE: the fingerprint of the single primary key in FILE.
# A file with several keys is refused: apt-key would trust all of them.
key_fingerprint() {
    _gpg_home=$(mktemp -d)
    _listing=$(gpg --homedir "$_gpg_home" --batch --with-colons --with-fingerprint "$1" 2>/dev/null) || _listing=
    rm -rf "$_gpg_home"
    [ "$(printf '%s\n' "$_listing" | grep -c '^pub:')" -eq 1 ] || return 1
    printf '%s\n' "$_listing" | awk -F: '/^fpr:/ { print $10; exit }'
}

apt_get() { as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y "$@" >&2; }

install_docker_trusty() {
    refuse_unfixed_runc
    _version=$(trusty_docker_version)
    say "Docker is missing on $DISTRO_NAME (kernel $(uname -r)): installing docker-ce $_version from $APT_REPO"
    apt_get update || fail 13 "apt-get update failed on $DISTRO_NAME (see its output above)"
    apt_get install apt-transport-https ca-certificates curl ||
        fail 13 "could not install apt-transport-https, ca-certificates and curl (see apt-get's output above)"
    _key=$(mktemp)
    if ! download "$APT_REPO/linux/ubuntu/gpg" "$_key"; then
        rm -f "$_key"
        fail 13 "could not download Docker's repository key from $APT_REPO/linux/ubuntu/gpg; set dockerAptRepo to a reachable mirror"
    fi
    _found=$(key_fingerprint "$_key") || _found=
    if [ "$_found" != "$KEY_FINGERPRINT" ]; then
        rm -f "$_key"
        fail 18 "the key at $APT_REPO/linux/ubuntu/gpg has fingerprint '${_found:-none, or more than one key}', not $KEY_FINGERPRINT; nothing was installed (a mirror that re-signs needs dockerAptKeyFingerprint)"
    fi
    as_root apt-key add "$_key" >&2 || { rm -f "$_key"; fail 13 "apt-key could not add Docker's repository key"; }
    rm -f "$_key"
    # apt 1.0 ignores signed-by=: the key above is what apt trusts.
    printf 'deb [arch=amd64] %s/linux/ubuntu trusty stable\n' "$APT_REPO" |
        as_root tee /etc/apt/sources.list.d/docker.list >/dev/null ||
        fail 13 "could not write /etc/apt/sources.list.d/docker.list"
    apt_get update || fail 13 "apt-get update with Docker's repository $APT_REPO failed (see its output above)"
    apt_get install "docker-ce=$_version" ||
        fail 13 "could not install docker-ce=$_version from $APT_REPO (see apt-get's output above); set dockerTrustyVersion to a version the repository has"
    as_root apt-mark hold docker-ce >&2 || fail 13 "could not hold docker-ce at $_version (apt-mark hold)"
    command -v docker >/dev/null 2>&1 || fail 14 "docker-ce $_version is installed but no docker command is on PATH"
    if ! server_version >/dev/null; then
        as_root service docker start >&2 || fail 12 "docker-ce $_version is installed but 'service docker start' failed; check /var/log/upstart/docker.log"
    fi
    wait_for_daemon || fail 14 "docker-ce $_version is installed but its daemon did not answer within 30 seconds; check /var/log/upstart/docker.log"
}

require_cli_checksum() {
    [ "$CLI_SHA256" != - ] && return 0
    fail 15 "the Docker provider's ssh:// connection runs 'docker system dial-stdio', which needs a docker CLI of 18.09 or newer, and the newest docker-ce for $DISTRO_NAME is 18.06. Set dockerCliSha256 to the SHA-256 of $CLI_URL (curl -fsSL '$CLI_URL' | sha256sum) so that the static CLI can be installed and checked, or set dockerHost to tcp://<host>:2376 with TLS. Nothing was changed."
}

install_static_cli() {
    say "installing the docker CLI from $CLI_URL at $STATIC_CLI for the Docker provider's ssh:// connection"
    _cli_work=$(mktemp -d)
    if ! download "$CLI_URL" "$_cli_work/docker.tgz"; then
        rm -rf "$_cli_work"
        fail 13 "could not download the docker CLI from $CLI_URL (dockerCliUrl)"
    fi
    _sum=$(sha256sum "$_cli_work/docker.tgz" | cut -d ' ' -f 1)
    if [ "$_sum" != "$CLI_SHA256" ]; then
        rm -rf "$_cli_work"
        fail 19 "$CLI_URL has SHA-256 $_sum, not $CLI_SHA256 (dockerCliSha256); nothing was installed"
    fi
    if ! tar -xzf "$_cli_work/docker.tgz" -C "$_cli_work" docker/docker ||
        ! as_root install -m 0755 "$_cli_work/docker/docker" "$STATIC_CLI"; then
        rm -rf "$_cli_work"
        fail 13 "could not install docker/docker from $CLI_URL at $STATIC_CLI"
    fi
    rm -rf "$_cli_work"
    hash -r
    _found=$(command -v docker) || _found=
    [ "$_found" = "$STATIC_CLI" ] ||
        fail 16 "installed $STATIC_CLI, but this user's non-interactive PATH ($PATH) finds '${_found:-no docker}' first; put /usr/local/bin ahead of /usr/bin"
    client_serves_ssh || fail 16 "$STATIC_CLI from $CLI_URL reports version '$(client_version)', older than 18.09"
}

# user_reaches_daemon USER: in a fresh login (which re-reads its groups), can
# USER talk to the daemon without sudo, as `docker system dial-stdio` must?
user_reaches_daemon() {
    if [ "$1" = "$(id -un)" ] && docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
        return 0
    fi
    [ "$USE_SUDO" = true ] && sudo -n -u "$1" docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

socket_group() { stat -L -c %G "$DOCKER_SOCKET" 2>/dev/null; }

# fail_without_access USER WHY: USER cannot open the socket and we may not fix it.
fail_without_access() {
    _group=$(socket_group) || _group=
    if [ -z "$_group" ] || [ "$_group" = root ]; then
        fail 17 "user $1 cannot open $DOCKER_SOCKET, and the socket is not owned by a docker group (group: '${_group:-none}'); $2. Configure the daemon's socket group (dockerd --group docker), or set dockerHost to tcp:// with TLS."
    fi
    fail 17 "user $1 cannot open $DOCKER_SOCKET (group $_group); $2. On the host run: sudo usermod -aG $_group $1, then log in again; or, for rootless Docker, set DOCKER_HOST=unix:///run/user/$(id -u "$1" 2>/dev/null || echo UID)/docker.sock; then run pulumi up again."
}

ensure_provider_access() {
    user_reaches_daemon "$PROVIDER_USER" && return 0
    _why="the Docker provider's ssh:// connection runs 'docker system dial-stdio' as $PROVIDER_USER, without sudo"
    if [ "$USE_SUDO" != true ] || ! sudo -n true 2>/dev/null; then
        fail_without_access "$PROVIDER_USER" "$_why"
    fi
    _group=$(socket_group) || _group=
    case "$_group" in "" | root) fail_without_access "$PROVIDER_USER" "$_why" ;; esac
    say "adding $PROVIDER_USER to group $_group, so that the Docker provider's ssh:// connection can open $DOCKER_SOCKET (members of $_group have root-equivalent access to this host)"
    as_root usermod -aG "$_group" "$PROVIDER_USER" ||
        fail 17 "could not add $PROVIDER_USER to group $_group; on the host run: sudo usermod -aG $_group $PROVIDER_USER"
    # Group membership applies to new logins; `sudo -u` starts one with the groups re-read.
    user_reaches_daemon "$PROVIDER_USER" ||
        fail 17 "$PROVIDER_USER is in group $_group now but still cannot open $DOCKER_SOCKET; check the socket's permissions (ls -l $DOCKER_SOCKET)"
}

# The addresses of this host's network namespace, from the kernel's own tables (no ip, ifconfig or hostname
# needed): the IPv4 addresses the local routing table marks "/32 host LOCAL" (proc(5), /proc/net/fib_trie),
# and the IPv6 addresses of /proc/net/if_inet6, as its 32 hex digits, but the link-local ones (scope 20): Docker
# cannot publish on an address that needs an interface named beside it, and each container's veth brings one and
# takes it away again. Empty where neither file exists.
host_addresses() {
    {
        [ ! -r /proc/net/fib_trie ] || awk '$1 == "|--" { ip = $2 } $1 == "/32" && $2 == "host" && $3 == "LOCAL" { print ip }' /proc/net/fib_trie
        [ ! -r /proc/net/if_inet6 ] || awk '$4 != "20" { print $1 }' /proc/net/if_inet6
    } | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//'
}

report() { # SERVER_VERSION CLIENT_VERSION
    printf 'HOST_DISTRIBUTION=%s %s\n' "$DISTRO_ID" "$DISTRO_VERSION"
    printf 'DOCKER_SERVER_VERSION=%s\n' "$1"
    printf 'DOCKER_CLIENT_VERSION=%s\n' "$2"
    printf 'DOCKER_ENDPOINT=%s\n' "$ENDPOINT"
    printf 'HOST_ADDRESSES=%s\n' "$(host_addresses)"
}

main() {
    detect_distribution
    hash -r
    find_cli_endpoint
    case "$ENDPOINT" in
    unix://*) DOCKER_SOCKET=${ENDPOINT#unix://} ;;
    *) DOCKER_SOCKET=/var/run/docker.sock ;;
    esac
    if works_as_is; then
        report "$_server" "$_client"
        return 0
    fi
    _needs_cli=false
    if is_trusty && provider_uses_ssh && ! client_serves_ssh; then
        _needs_cli=true
        require_cli_checksum
    fi
    if ! command -v docker >/dev/null 2>&1; then
        is_trusty || fail 10 "Docker is not installed on $DISTRO_NAME. Cloudify installs Docker online only on Ubuntu 14.04 (Trusty); install Docker on this host before bootstrapping, then run pulumi up again."
        require_root_access
        install_docker_trusty
    fi
    if ! _server=$(server_version); then
        # A daemon that runs but whose socket this user may not open is not a stopped daemon.
        if [ "$USE_SUDO" = false ] && [ -S "$DOCKER_SOCKET" ] && [ ! -w "$DOCKER_SOCKET" ]; then
            fail_without_access "$(id -un)" "useSudo is false, so every Docker command runs as $(id -un)"
        fi
        require_root_access
        say "the Docker daemon does not answer: starting it"
        start_daemon || fail 12 "Docker is installed on $DISTRO_NAME but its daemon is not running and could not be started; start it (e.g. 'sudo service docker start') and check its logs"
        wait_for_daemon || fail 12 "the Docker daemon was started but did not answer within 30 seconds; check its logs"
        _server=$(server_version)
    fi
    if provider_uses_ssh && [ "$_needs_cli" = true ]; then
        require_root_access
        install_static_cli
    fi
    _client=$(client_version)
    if provider_uses_ssh; then
        version_at_least "${_client:-0}" 18 9 || fail 15 "the docker CLI on this host's non-interactive PATH ($(command -v docker), version '$_client') is older than 18.09; the Docker provider's ssh:// connection runs 'docker system dial-stdio', which needs 18.09 or newer. Upgrade Docker on this host, or set dockerHost to tcp://<host>:2376 with TLS."
        ensure_provider_access
    fi
    report "$_server" "$_client"
}

main

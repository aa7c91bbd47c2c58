#!/bin/sh
# install-deps.sh - installs the Debian 12 packages lnob needs to build, test
# and run, if any is missing. As root it runs apt-get; otherwise it prints the
# exact command to run and exits 1. Usage: deploy/install-deps.sh [--bench]
set -eu

PACKAGES="build-essential cmake pkg-config protobuf-c-compiler libprotobuf-c-dev \
libzmq3-dev libczmq-dev libhiredis-dev libcriterion-dev redis-server \
libsodium-dev libssl-dev libmicrohttpd-dev libcsv-dev libreadstat-dev zlib1g-dev libinih-dev libglpk-dev clang libclang-rt-14-dev valgrind \
stunnel4 openssl iproute2 python3 python3-yaml python3-scipy python3-zmq python3-protobuf protobuf-compiler curl systemd chromium"
# The browser test (tests/browser/) runs Node: Debian's, unless a node is on PATH already
# (one from elsewhere stays; Debian's npm would pull in Debian's nodejs beside it).
command -v node >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs npm"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "lnob: missing Debian packages:$missing" >&2
    echo "lnob: run as root:  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi

echo "lnob: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

#!/bin/sh
# Installs the Debian packages funnelscope builds and tests with, when missing.
# Needs root or sudo; does nothing when every package is already there.
# usage: deps.sh [build|all] [--list]
#   build: only what building needs (make demo, make install); all (the
#   default): also the programs the tests run. --list prints the packages.
set -eu

# Building: the compiler, CMake, and the libraries the programs link (zlib:
# gzipped captures are read directly; lwIP and jansson: fnode and fedge);
# cmocka because the build has tests.
BUILD_PKGS="build-essential cmake pkg-config libpcap-dev libssl-dev libcmocka-dev
libc-ares-dev libmaxminddb-dev libncurses-dev zlib1g-dev liblwip-dev libjansson-dev"
# Testing: real peers and oracles (prometheus: a real server scrapes fwatch's
# metrics, and its promtool checks them; jq: the JSON reader that
# json_keys.sh checks every JSON line and its keys with).
TEST_PKGS="clang tcpdump tshark wireguard-go wireguard-tools iproute2 python3 python3-nacl
coturn openssl curl dnsmasq libmaxmind-db-writer-perl time tmux iperf3 jq prometheus
goaccess python3-jsonschema"

case ${1:-all} in
build) PKGS=$BUILD_PKGS ;;
all | --list) PKGS="$BUILD_PKGS $TEST_PKGS" ;;
*) echo "usage: deps.sh [build|all] [--list]" >&2; exit 1 ;;
esac
if [ "${1:-}" = --list ] || [ "${2:-}" = --list ]; then
	echo $PKGS
	exit 0
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: missing packages:$missing; run as root or install sudo" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	$SUDO debconf-set-selections
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null

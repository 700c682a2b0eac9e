#!/bin/sh
# Installs the Debian packages funnelscope builds and tests with, when missing.
# Needs root or sudo; does nothing when every package is already there.
set -eu

PKGS="build-essential cmake pkg-config clang libpcap-dev libssl-dev libcmocka-dev
tcpdump tshark wireguard-go wireguard-tools iproute2 python3 python3-nacl coturn openssl curl
libc-ares-dev dnsmasq libmaxminddb-dev libmaxmind-db-writer-perl time
libncurses-dev tmux liblwip-dev
libjansson-dev"

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

#!/usr/bin/env bash
# deb.sh: what make deb runs. Builds BUILD/tracers_VERSION_ARCH.deb from the
# binary, man pages and completions make build, make man and make
# completions left in BIN and BUILD, with dpkg-deb: Debian's own tool, on
# every Debian machine already, so packaging adds no dependency (no
# debhelper tree, no Go packaging library).
#
# Environment: BIN (./tracers), BUILD (build), VERSION (git describe).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${BIN:-./tracers}"
BUILD="${BUILD:-build}"
VERSION="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
ARCH="$(dpkg --print-architecture)"

# A Debian version starts with a digit and, without a Debian revision,
# holds no hyphen: v1.2.0 -> 1.2.0, v1.2.0-4-gabc123 -> 1.2.0+4.gabc123,
# an untagged abc123-dirty -> 0.0~git.abc123+dirty.
v="${VERSION#v}"
if [[ ! "$v" =~ ^[0-9]+\.[0-9] ]]; then
	v="0.0~git.$v"
fi
v="${v/-/+}"
DEBVERSION="${v//-/.}"

command -v dpkg-deb >/dev/null || { echo "deb: dpkg-deb not found (Debian: apt-get install dpkg)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stage="$work/stage"
PREFIX=/usr DESTDIR="$stage" MANIFEST="$work/manifest" BIN="$BIN" BUILD="$BUILD" \
	bash scripts/install.sh install >/dev/null
install -D -m 0644 LICENSE "$stage/usr/share/doc/tracers/copyright"

mkdir -p "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<CONTROL
Package: tracers
Version: $DEBVERSION
Architecture: $ARCH
Maintainer: tracers developers <tracers@example.invalid>
Installed-Size: $(du -sk "$stage/usr" | cut -f1)
Depends: libpcap0.8 (>= 1.10), libc6
Recommends: libcap2-bin
Section: net
Priority: optional
Homepage: https://github.com/tracers/tracers
Description: traceroute that shows its work
 tracers crafts every probe with gopacket, captures its own probes and the
 replies with libpcap, writes them to pcap/pcapng, and replays any
 traceroute capture (traceroute, mtr, tracepath, scamper, ...) into hops.
 The binary gets cap_net_raw on install, so every user can
 run tracers run without sudo.
CONTROL

# postinst gives the binary its capabilities; the file (and with it the
# capabilities) goes when the package is removed, so no postrm is needed.
cat >"$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
	if ! command -v setcap >/dev/null 2>&1; then
		echo "tracers: setcap not found (apt-get install libcap2-bin); 'tracers run' needs root" >&2
	elif ! setcap cap_net_raw+ep /usr/bin/tracers; then
		echo "tracers: setcap failed on /usr/bin/tracers; 'tracers run' needs root" >&2
	fi
fi
exit 0
POSTINST
chmod 0755 "$stage/DEBIAN/postinst"
(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"

# gzip: a third of xz's time to build here, and every dpkg reads it.
out="$BUILD/tracers_${DEBVERSION}_${ARCH}.deb"
mkdir -p "$BUILD"
dpkg-deb --root-owner-group -Zgzip --build "$stage" "$out" >/dev/null
echo "$out"

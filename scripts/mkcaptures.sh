#!/usr/bin/env bash
# mkcaptures.sh [--only6] [OUTDIR] - regenerate testdata/captures: real
# captures of traceroute tools run across the namespace lab (scripts/lab.sh),
# each saved as NAME.pcap (or .pcapng) beside NAME.txt, what the tool
# printed. The IPv6 set (names with a 6 in them: traceroute -6, mtr -6,
# tracepath -6, scamper, busybox traceroute -6, a silent router, !H and !X,
# ECMP, and a dual-stack capture) comes from the lab with --ipv6; --only6
# makes that set alone and leaves every other capture as it is.
#
# Needs root, tcpdump, editcap, python3 and the tools: traceroute, mtr,
# tracepath, tcptraceroute, scamper, and tracers (built here); lft, nmap
# and inetutils-traceroute when installed. Traffic goes
# only to the lab's own namespaces (prefix "trc"), bounded by each tool's
# own limits and by `timeout`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ONLY6=""
if [[ "${1:-}" == --only6 ]]; then
	ONLY6=1
	shift
fi
OUT="${1:-$ROOT/testdata/captures}"
LAB="$ROOT/scripts/lab.sh"
P=trc
SRC="$P-src"
TMP="$(mktemp -d)"
trap 'bash "$LAB" down --prefix $P >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT

[[ "$(id -u)" == 0 ]] || { echo "mkcaptures.sh: needs root" >&2; exit 1; }
mkdir -p "$OUT"
TRACERS="$TMP/tracers"

# lab ARGS...: (re)build the lab; sets DST (and DST6 with --ipv6).
lab() {
	local out
	out="$(bash "$LAB" up --prefix $P "$@")"
	DST="$(awk '/^destination:/ {print $2}' <<<"$out")"
	DST6="$(awk '/^destination6:/ {print $2}' <<<"$out")"
}

# capture NAME IFACE TCPDUMP-OPTS -- COMMAND...: run COMMAND in the source
# namespace while tcpdump captures there; keep the capture and the output.
capture() {
	local name="$1" iface="$2" opts="$3"
	shift 4
	local file="$OUT/$name.pcap"
	rm -f "$OUT/$name".* "$TMP/tcpdump.err"
	: >"$TMP/tcpdump.err"
	# shellcheck disable=SC2086
	ip netns exec "$SRC" tcpdump -i "$iface" -U --immediate-mode -B 8192 -s ${SNAP:-256} $opts -w "$file" 2>"$TMP/tcpdump.err" &
	local pid=$!
	for _ in $(seq 50); do grep -q "listening on" "$TMP/tcpdump.err" && break; sleep 0.1; done
	sleep 0.2
	ip netns exec "$SRC" timeout 60 "$@" >"$OUT/$name.txt" 2>&1 || true
	sleep 0.3
	kill -INT "$pid"
	wait "$pid" || true
	# libpcap in immediate mode drops even a single burst with its default
	# buffer and snaplen (hence -B 8192 -s 256): refuse a lossy capture.
	if grep -q "[1-9][0-9]* packets dropped by kernel" "$TMP/tcpdump.err"; then
		echo "mkcaptures.sh: $name: tcpdump dropped packets" >&2
		cat "$TMP/tcpdump.err" >&2
		exit 1
	fi
	echo "$name: $(tcpdump -nr "$file" 2>/dev/null | wc -l) packets"
}

IF="$P-l1a"

captures4() {
(cd "$ROOT" && go build -o "$TMP/tracers" ./cmd/tracers)

# --- every tool, a plain lab of 4 routers
lab --routers 4
capture tracers "$IF" "" -- "$TRACERS" run -n "$DST"
capture traceroute-udp "$IF" "" -- traceroute -n "$DST"
capture traceroute-icmp "$IF" "" -- traceroute -n -I "$DST"
capture traceroute-tcp "$IF" "" -- traceroute -n -T "$DST"
capture traceroute-udp53 "$IF" "" -- traceroute -n -U -p 53 "$DST"
capture traceroute-q1 "$IF" "" -- traceroute -n -q 1 "$DST"
capture traceroute-N1 "$IF" "" -- traceroute -n -N 1 "$DST"
capture mtr-icmp "$IF" "" -- mtr -n -r -c 2 "$DST"
capture mtr-udp "$IF" "" -- mtr -n -r -c 2 -u "$DST"
capture tracepath "$IF" "" -- tracepath -n "$DST"
capture tcptraceroute "$IF" "" -- tcptraceroute -n "$DST"
capture scamper-icmp-paris "$IF" "" -- scamper -c "trace -P icmp-paris" -i "$DST"
capture scamper-udp-paris "$IF" "" -- scamper -c "trace -P udp-paris" -i "$DST"
capture scamper-tcp "$IF" "" -- scamper -c "trace -P tcp" -i "$DST"

# --- file variants of one traceroute -I trace
capture any-sll2 any "-y LINUX_SLL2" -- traceroute -n -I "$DST"
capture any-sll1 any "-y LINUX_SLL" -- traceroute -n -I "$DST"
capture snaplen96 "$IF" "-s 96" -- traceroute -n -I "$DST"
capture nanosecond "$IF" "--time-stamp-precision=nano" -- traceroute -n -I "$DST"
# A ping at constant TTL beside a trace: the ping must not join a trace.
capture ping-and-trace "$IF" "" -- bash -c "ping -n -c 3 -i 0.2 $DST; traceroute -n -I $DST"

# pcapng and big-endian copies of a tracers capture, with its output.
editcap -F pcapng "$OUT/tracers.pcap" "$OUT/tracers-ng.pcapng"
cp "$OUT/tracers.txt" "$OUT/tracers-ng.txt"
python3 - "$OUT/tracers.pcap" "$OUT/tracers-be.pcap" <<'EOF'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
b = open(src, "rb").read()
magic, = struct.unpack("<I", b[:4])
assert magic in (0xa1b2c3d4, 0xa1b23c4d), hex(magic)
out = [struct.pack(">IHHiIII", magic, *struct.unpack("<HHiIII", b[4:24]))]
i = 24
while i < len(b):
    sec, frac, incl, orig = struct.unpack("<IIII", b[i:i + 16])
    out.append(struct.pack(">IIII", sec, frac, incl, orig))
    out.append(b[i + 16:i + 16 + incl])
    i += 16 + incl
open(dst, "wb").write(b"".join(out))
EOF
cp "$OUT/tracers.txt" "$OUT/tracers-be.txt"

# --- lab variants
lab --routers 4 --silent 2
capture silent-tracers "$IF" "" -- "$TRACERS" run -n "$DST"
capture silent-traceroute-icmp "$IF" "" -- traceroute -n -I "$DST"
lab --routers 4 --lossy 3 --loss 50
capture lossy-tracers "$IF" "" -- "$TRACERS" run -n "$DST"
capture lossy-traceroute-icmp "$IF" "" -- traceroute -n -I "$DST"
lab --routers 4 --unreach 3
capture unreach-tracers "$IF" "" -- "$TRACERS" run -n "$DST"
capture unreach-traceroute-icmp "$IF" "" -- traceroute -n -I "$DST"
lab --routers 2
ip netns exec "$P-dst" iptables -w 5 -A INPUT -j DROP
capture noanswer-tracers "$IF" "" -- "$TRACERS" run -n -m 6 -w 1 "$DST"
capture noanswer-traceroute-icmp "$IF" "" -- traceroute -n -I -m 6 -w 1 "$DST"

# --- load balancing: router 1 splits UDP flows between router 2 and a
# twin (8 probes per hop, so that both paths show)
lab --routers 4 --ecmp 2
capture ecmp-traceroute-udp "$IF" "" -- traceroute -n -q 8 "$DST"

# --- an asymmetric route: replies from router 3 onwards take a detour
lab --routers 4 --asym 3
capture asym-traceroute-icmp "$IF" "" -- traceroute -n -I "$DST"

# --- other tools (when installed: apt-get install lft nmap
# inetutils-traceroute), with a silent router
lab --routers 4 --silent 2
others() {
	command -v lft >/dev/null && {
		capture lft-tcp "$IF" "" -- lft -n "$DST"
		capture lft-udp "$IF" "" -- lft -n -u "$DST"
	}
	command -v nmap >/dev/null && capture nmap "$IF" "" -- nmap -n -sn --traceroute "$DST"
	command -v inetutils-traceroute >/dev/null && {
		capture inetutils-udp "$IF" "" -- inetutils-traceroute "$DST"
		capture inetutils-icmp "$IF" "" -- inetutils-traceroute -M icmp "$DST"
	}
	return 0
}
others
}

# The IPv6 set: the lab with --ipv6 (IPv4 too, so that the dual-stack
# capture has both families on one link), checksums computed in software
# (--no-offload) so that probes and the packets routers quote carry complete
# UDP checksums, as on a real network: scamper's udp-paris tells its probes
# apart by that checksum (the IPv4 set above was made with offload on).
captures6() {
	lab6() { lab --routers 4 --ipv6 --no-offload "$@"; }
	lab6
	capture traceroute6-udp "$IF" "" -- traceroute -6 -n "$DST6"
	capture traceroute6-icmp "$IF" "" -- traceroute -6 -n -I "$DST6"
	capture traceroute6-tcp "$IF" "" -- traceroute -6 -n -T "$DST6"
	capture mtr6-icmp "$IF" "" -- mtr -6 -n -r -c 2 "$DST6"
	capture mtr6-udp "$IF" "" -- mtr -6 -n -r -c 2 -u "$DST6"
	capture tracepath6 "$IF" "" -- tracepath -6 -n "$DST6"
	capture scamper6-icmp-paris "$IF" "" -- scamper -c "trace -P icmp-paris" -i "$DST6"
	capture scamper6-udp-paris "$IF" "" -- scamper -c "trace -P udp-paris" -i "$DST6"
	# busybox (apt-get install busybox): UDP only, its ICMP mode is
	# compiled out in Debian's build.
	if command -v busybox >/dev/null && busybox --list | grep -qx traceroute6; then
		capture busybox-traceroute6 "$IF" "" -- busybox traceroute -6 -n "$DST6"
	else
		echo "mkcaptures.sh: busybox with traceroute6 not installed: no busybox-traceroute6 capture" >&2
	fi
	# Both families at once: an IPv4 and an IPv6 traceroute -I in
	# parallel, their outputs one after the other (IPv4 first).
	capture dual46-traceroute-icmp "$IF" "" -- bash -c \
		"traceroute -n -I $DST >$TMP/dual4.txt 2>&1 & traceroute -6 -n -I $DST6 >$TMP/dual6.txt 2>&1; wait; cat $TMP/dual4.txt $TMP/dual6.txt"

	lab6 --silent 2
	capture silent6-traceroute-icmp "$IF" "" -- traceroute -6 -n -I "$DST6"
	lab6 --unreach 3
	capture unreach6-traceroute-icmp "$IF" "" -- traceroute -6 -n -I "$DST6"
	lab6 --unreach 3 --unreach-kind admin
	capture prohibit6-traceroute-icmp "$IF" "" -- traceroute -6 -n -I "$DST6"
	lab6 --ecmp 2
	capture ecmp6-traceroute-udp "$IF" "" -- traceroute -6 -n -q 8 "$DST6"
}

[[ -n "$ONLY6" ]] || captures4
captures6

ls -la "$OUT"
du -sh "$OUT"

#!/usr/bin/env bash
# lab-compare.sh [-6] FILE - show FILE through tshark and through tracers,
# field by field, and print the differences (none, normally). Exit status 1
# when they differ. With -6 the IPv6 and ICMPv6 fields take the place of the
# IPv4 and ICMP ones. TRACERS names the tracers binary (default: tracers on
# PATH, else ./tracers).
set -euo pipefail
V6=""
if [[ "${1:-}" == -6 ]]; then
	V6=1
	shift
fi
FILE="${1:?usage: lab-compare.sh [-6] FILE}"
TRACERS="${TRACERS:-$(command -v tracers || echo ./tracers)}"
if [[ -n "$V6" ]]; then
	FIELDS=(frame.number frame.time_relative frame.len ipv6.src ipv6.dst ipv6.hlim ipv6.plen
		ipv6.nxt ipv6.flow icmpv6.type icmpv6.code icmpv6.echo.identifier
		icmpv6.echo.sequence_number udp.srcport udp.dstport tcp.srcport tcp.dstport)
else
	FIELDS=(frame.number frame.time_relative frame.len ip.src ip.dst ip.ttl ip.id ip.proto
		icmp.type icmp.code icmp.ident icmp.seq udp.srcport udp.dstport tcp.srcport tcp.dstport)
fi
args=()
for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tshark -r "$FILE" -T fields "${args[@]}" >"$tmp/tshark.txt" 2>"$tmp/tshark.err" || {
	cat "$tmp/tshark.err" >&2
	exit 2
}
"$TRACERS" replay --format fields "${args[@]}" "$FILE" >"$tmp/tracers.txt"
n="$(wc -l <"$tmp/tshark.txt")"
if diff -u --label tshark --label tracers "$tmp/tshark.txt" "$tmp/tracers.txt"; then
	echo "${#FIELDS[@]} fields of $(basename "$FILE"): no differences ($n lines)"
else
	exit 1
fi

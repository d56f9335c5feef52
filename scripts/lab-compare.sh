#!/usr/bin/env bash
# lab-compare.sh FILE - show FILE through tshark and through tracers, field
# by field, and print the differences (none, normally). Exit status 1 when
# they differ. TRACERS names the tracers binary (default: tracers on PATH,
# else ./tracers).
set -euo pipefail
FILE="${1:?usage: lab-compare.sh FILE}"
TRACERS="${TRACERS:-$(command -v tracers || echo ./tracers)}"
FIELDS=(frame.number frame.time_relative frame.len ip.src ip.dst ip.ttl ip.id ip.proto
	icmp.type icmp.code icmp.ident icmp.seq udp.srcport udp.dstport tcp.srcport tcp.dstport)
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

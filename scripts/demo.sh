#!/usr/bin/env bash
# demo.sh BIN - trace across the namespace lab, save the capture, replay it
# and show it with tshark. Needs root. Everything runs inside the lab's own
# namespaces (prefix "trd") and is removed at the end.
set -euo pipefail
BIN="$(realpath "${1:-./tracers}")"
HERE="$(cd "$(dirname "$0")" && pwd)"
LAB=(bash "$HERE/lab.sh")
OUT="$(mktemp -d)"
trap '"${LAB[@]}" down --prefix trd >/dev/null 2>&1 || true; rm -rf "$OUT"' EXIT

[[ "$(id -u)" == 0 ]] || { echo "demo.sh: needs root (network namespaces, raw sockets)" >&2; exit 1; }

echo "== lab: 4 kernel routers, router 2 silent"
"${LAB[@]}" up --prefix trd --routers 4 --silent 2
DST=10.77.5.2

echo
echo "== tracers run -n --write trace.pcapng $DST"
ip netns exec trd-src "$BIN" run -n --write "$OUT/trace.pcapng" "$DST"

echo
echo "== traceroute -I -n $DST (same lab, for comparison)"
if command -v traceroute >/dev/null; then
	ip netns exec trd-src traceroute -I -n "$DST" || true
fi

echo
echo "== tracers replay trace.pcapng --stats"
"$BIN" replay --stats "$OUT/trace.pcapng"

if command -v tshark >/dev/null; then
	echo
	echo "== tshark -r trace.pcapng (first 8 packets)"
	tshark -r "$OUT/trace.pcapng" -c 8 2>/dev/null
fi

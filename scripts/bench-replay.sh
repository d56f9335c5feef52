#!/usr/bin/env bash
# bench-replay.sh - time `tracers replay` on a large synthetic capture
# against tshark and tcpdump reading the same file.
#
#   scripts/bench-replay.sh
#   REPLAY_PACKETS=500000 scripts/bench-replay.sh
#
# It writes REPLAY_PACKETS packets (default 2000000) of traceroute traffic
# with scripts/gencap into a temporary pcap, builds tracers into the same
# temporary directory (both removed on exit), then runs on that file:
#
#   tracers   tracers replay --format json FILE >/dev/null
#   tshark    tshark -r FILE -T fields -e ip.src -e ip.ttl -e icmp.type >/dev/null
#   tcpdump   tcpdump -nr FILE >/dev/null              (decode and print)
#   bpf       tcpdump -r FILE -w /dev/null icmp         (libpcap + BPF pass)
#
# Wall time is the best of 2 x REPLAY_RUNS runs (default 3), half before
# and half after the slow printers tshark and tcpdump -n, which run once;
# packets/s is REPLAY_PACKETS / wall time; peak RSS is GNU time's %M
# (package "time", installed with apt-get when missing and running as root).
# Goals: tracers at least 100x tshark's packets/s, at least 1/3 of the
# libpcap+BPF pass, peak RSS under 64 MB.
#
# Environment:
#   REPLAY_PACKETS  packets in the capture (default 2000000)
#   REPLAY_RUNS     runs per fast command before, and again after, the slow ones (default 3)
#   REPLAY_OUT      result file (default bench-out/replay.txt under the repo root)
set -euo pipefail

PROG=bench-replay.sh
export PATH="${PATH:-/usr/bin:/bin}:/usr/sbin:/sbin:/usr/local/go/bin"

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
log() { echo "$PROG: $*" >&2; }

case "${1:-}" in
"") ;;
-h | --help)
	awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"
	exit 0
	;;
*) die "unknown argument: $1 (try --help)" ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${REPLAY_PACKETS:-2000000}"
RUNS="${REPLAY_RUNS:-3}"
OUT="${REPLAY_OUT:-$ROOT/bench-out/replay.txt}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || die "REPLAY_PACKETS must be a positive integer, got '$N'"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "REPLAY_RUNS must be a positive integer, got '$RUNS'"

for tool in go tshark tcpdump awk; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
if ! /usr/bin/time -f %M true >/dev/null 2>&1; then
	[[ $EUID -eq 0 ]] || die "GNU time missing: install package 'time' (apt-get install time)"
	log "installing GNU time"
	apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
		die "could not install package 'time'"
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/bench-replay.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
# tcpdump drops root for its own user after opening the file; let it in.
chmod 755 "$TMP"
FILE="$TMP/replay.pcap"

cd "$ROOT"
log "generating $N packets into $FILE"
go run ./scripts/gencap -o "$FILE" -packets "$N" 2>"$TMP/gencap.log" || {
	cat "$TMP/gencap.log" >&2
	die "gencap failed"
}
GENINFO="$(sed 's/^gencap: [^:]*: //' "$TMP/gencap.log")"
chmod 644 "$FILE"
log "building tracers"
go build -o "$TMP/tracers" ./cmd/tracers
VERSION="$(git -C "$ROOT" describe --tags --always --dirty 2>/dev/null || echo dev)"
SIZE=$(stat -c %s "$FILE")

# measure NAME RUNS CMD...: runs CMD RUNS times with stdout to /dev/null;
# sets WALL (best wall time in seconds) and RSS (its peak RSS in KiB).
measure() {
	local name=$1 runs=$2
	shift 2
	WALL="" RSS=""
	local i t0 t1 w
	for ((i = 1; i <= runs; i++)); do
		t0=$(date +%s%N)
		if ! /usr/bin/time -f %M -o "$TMP/rss" "$@" >/dev/null 2>"$TMP/err"; then
			cat "$TMP/err" >&2
			die "$name failed: $*"
		fi
		t1=$(date +%s%N)
		w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		log "$name: ${w}s, $(tail -n 1 "$TMP/rss") KiB"
		if [[ -z "$WALL" ]] || awk -v a="$w" -v b="$WALL" 'BEGIN { exit !(a < b) }'; then
			WALL=$w RSS=$(tail -n 1 "$TMP/rss")
		fi
	done
}

declare -A WALLS RSSES
row() { # row NAME RUNS CMD...
	local name=$1
	measure "$@"
	WALLS[$name]=$WALL RSSES[$name]=$RSS
}

# best NAME CMD...: one run of CMD, kept in WALLS/RSSES when it is NAME's
# fastest so far.
best() {
	local name=$1
	measure "$@"
	if [[ -z "${WALLS[$name]:-}" ]] || awk -v a="$WALL" -v b="${WALLS[$name]}" 'BEGIN { exit !(a < b) }'; then
		WALLS[$name]=$WALL RSSES[$name]=$RSS
	fi
}

# The capture just written is still dirty in the page cache: write it
# out now, not while a command is timed, and warm the cache and both
# programs with one untimed run each, as hyperfine --warmup 1 does.
sync "$FILE"
"$TMP/tracers" replay --format json "$FILE" >/dev/null || die "tracers failed on $FILE"
tcpdump -r "$FILE" -w /dev/null icmp 2>/dev/null || die "tcpdump failed on $FILE"

# fast: tracers and the libpcap+BPF pass take turns, RUNS times,
# so that a change in the machine's speed during the bench touches both
# alike.
fast() {
	for ((run = 1; run <= RUNS; run++)); do
		best tracers 1 "$TMP/tracers" replay --format json "$FILE"
		best bpf 1 tcpdump -r "$FILE" -w /dev/null icmp
	done
}
# The machine's speed drifts by a fifth from one minute to the next, and
# the slow printers take a minute each: the fast commands take their turns
# both before and after them, so that their best comes from the same
# stretch of time as the printers' one run, not only from the minute
# before it.
fast
row tshark 1 tshark -r "$FILE" -T fields -e ip.src -e ip.ttl -e icmp.type
row tcpdump 1 tcpdump -nr "$FILE"
fast

pps() { awk -v n="$N" -v t="$1" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

report() {
	echo "# tracers replay bench $(date -u +%Y-%m-%dT%H:%M:%SZ) host=$(hostname) cpus=$(nproc) tracers=$VERSION"
	echo "# capture: $N packets, $SIZE bytes, pcap, Ethernet (scripts/gencap)"
	echo "# gencap: $GENINFO"
	echo "# wall: best of $((2 * RUNS)), $RUNS before and $RUNS after tshark and tcpdump (1 run each); RSS: peak, GNU time %M"
	echo
	printf '%-8s %10s %14s %10s  %s\n' tool "wall (s)" "packets/s" "RSS (MB)" command
	printf '%-8s %10s %14s %10s  %s\n' tracers "${WALLS[tracers]}" "$(pps "${WALLS[tracers]}")" "$(mib "${RSSES[tracers]}")" "tracers replay --format json FILE >/dev/null"
	printf '%-8s %10s %14s %10s  %s\n' tshark "${WALLS[tshark]}" "$(pps "${WALLS[tshark]}")" "$(mib "${RSSES[tshark]}")" "tshark -r FILE -T fields -e ip.src -e ip.ttl -e icmp.type >/dev/null"
	printf '%-8s %10s %14s %10s  %s\n' tcpdump "${WALLS[tcpdump]}" "$(pps "${WALLS[tcpdump]}")" "$(mib "${RSSES[tcpdump]}")" "tcpdump -nr FILE >/dev/null"
	printf '%-8s %10s %14s %10s  %s\n' bpf "${WALLS[bpf]}" "$(pps "${WALLS[bpf]}")" "$(mib "${RSSES[bpf]}")" "tcpdump -r FILE -w /dev/null icmp"
	echo
	awk -v tr="${WALLS[tracers]}" -v ts="${WALLS[tshark]}" -v td="${WALLS[tcpdump]}" -v bp="${WALLS[bpf]}" -v rss="${RSSES[tracers]}" '
	function verdict(ok) { return ok ? "PASS" : "FAIL" }
	BEGIN {
		# ratios of packets/s are inverse ratios of wall time (same N)
		r1 = ts / tr; r2 = bp / tr; r3 = td / tr; mb = rss / 1024
		printf "tracers pps / tshark pps          %8.1fx   goal >= 100x    %s\n", r1, verdict(r1 >= 100)
		printf "tracers pps / libpcap+BPF pps     %8.3f    goal >= 0.333   %s\n", r2, verdict(r2 >= 1 / 3)
		printf "tracers pps / tcpdump -n pps      %8.2f    (no goal)\n", r3
		printf "tracers peak RSS                  %8.1f MB goal < 64 MB    %s\n", mb, verdict(mb < 64)
	}'
}

mkdir -p "$(dirname "$OUT")"
report | tee "$OUT"
log "wrote $OUT"

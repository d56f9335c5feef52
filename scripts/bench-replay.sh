#!/usr/bin/env bash
# bench-replay.sh - time `tracers replay` in every output mode on a large
# capture of real traceroute traffic, against tshark on the same file, and
# its memory on a yarrp-like scan.
#
#   scripts/bench-replay.sh
#   REPLAY_PACKETS=500000 REPLAY_RUNS=1 scripts/bench-replay.sh
#
# The capture: scripts/gencap -from testdata/captures plays the real
# captures of every tool in testdata (traceroute, tracers, mtr, scamper,
# tracepath, lft, inetutils, busybox, nmap, tcptraceroute; IPv4 and IPv6;
# Ethernet and Linux cooked) again and again, 64 at a time, shifted in
# time and moved to other addresses (checksum-neutral, gencap.Mix), up to
# REPLAY_PACKETS packets (default 2000000). REPLAY_SOURCE=synthetic uses
# gencap's synthetic traces instead. The scan: scripts/gencap -scan,
# REPLAY_SCAN_PROBES probes (default 1000000) within 10 s of capture time.
# Both files, and the tracers built for the bench, go in a temporary
# directory removed on exit.
#
# Modes and the tshark command each is compared with:
#
#   text      tracers replay FILE            tshark -r FILE -T fields -e frame.number
#   json      tracers replay --format json   (same)
#   csv       tracers replay --format csv    (same)
#   stats     tracers replay --stats         (same)
#   explain   tracers replay --explain       (same)
#   packets   tracers replay --packets       tshark -r FILE  (the one-line packet list)
#
# Why these: a trace mode needs, of every packet, the fields a tool
# would ask tshark for with -T fields (addresses, TTL, ICMP type and
# code, the quoted probe's ids); `-T fields -e frame.number` is the
# cheapest such run, so it is the peer of text, json, csv, stats and
# explain: on the first 200,000 packets of the capture (2026-12-02, two
# runs each in turns, machine loaded), -e frame.number took 4.1-4.6 s,
# with -e ip.src -e ip.dst -e ip.ttl -e icmp.type -e icmp.code too
# 4.4-5.3 s, and -T json, which prints the whole tree, 23-31 s. --packets prints a
# line per packet, the product of plain `tshark -r FILE`, its peer. Plain
# `tshark -r FILE` is faster than the fields run (2.8-4.2 s on those
# 200,000 packets; 21 s against 43 s on 2M): the column "vs list" gives every
# mode's ratio against it too, so that no mode's figure rests on the
# slower peer alone. Each tshark command runs once (about a minute on
# 2M packets), between two rounds of tracers' modes: wall time of a mode
# is its best of 2 x REPLAY_RUNS runs (default 2), half before tshark and
# half after, so that a drift of the machine's speed touches both alike.
# Packets/s = REPLAY_PACKETS / wall; peak RSS is GNU time's %M (package
# "time", installed with apt-get when missing and running as root).
# Goals: every mode at least 100x tshark's packets/s with peak RSS under
# 64 MB; the scan under 256 MB, with a warning that probes were forgotten.
#
# Environment:
#   REPLAY_PACKETS      packets in the capture (default 2000000)
#   REPLAY_RUNS         runs per mode before, and again after, tshark (default 2)
#   REPLAY_SOURCE       real (default) or synthetic
#   REPLAY_SCAN_PROBES  probes in the scan (default 1000000; 0 skips it)
#   REPLAY_OUT          result file (default bench-out/replay.txt under the repo root)
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
RUNS="${REPLAY_RUNS:-2}"
SOURCE="${REPLAY_SOURCE:-real}"
SCAN="${REPLAY_SCAN_PROBES:-1000000}"
OUT="${REPLAY_OUT:-$ROOT/bench-out/replay.txt}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || die "REPLAY_PACKETS must be a positive integer, got '$N'"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "REPLAY_RUNS must be a positive integer, got '$RUNS'"
[[ "$SCAN" =~ ^[0-9]+$ ]] || die "REPLAY_SCAN_PROBES must be a number, got '$SCAN'"
case "$SOURCE" in real | synthetic) ;; *) die "REPLAY_SOURCE must be real or synthetic, got '$SOURCE'" ;; esac

for tool in go tshark awk; do
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
chmod 755 "$TMP"
FILE="$TMP/replay.pcap"

cd "$ROOT"
log "generating $N packets ($SOURCE) into $FILE"
GENARGS=(-o "$FILE" -packets "$N")
[[ "$SOURCE" == real ]] && GENARGS+=(-from "$ROOT/testdata/captures")
go run ./scripts/gencap "${GENARGS[@]}" 2>"$TMP/gencap.log" || {
	cat "$TMP/gencap.log" >&2
	die "gencap failed"
}
GENINFO="$(sed 's/^gencap: [^:]*: //' "$TMP/gencap.log")"
chmod 644 "$FILE"
log "building tracers"
make -s -C "$ROOT" build BIN="$TMP/tracers" >/dev/null || die "make build failed"
VERSION="$(git -C "$ROOT" describe --tags --always --dirty 2>/dev/null || echo dev)"
SIZE=$(stat -c %s "$FILE")

# measure NAME CMD...: runs CMD once with stdout to /dev/null; keeps its
# wall time (seconds), peak RSS (KiB) and CPU time (user + system, seconds)
# in WALLS/RSSES/CPUS when the run is NAME's fastest so far. On a shared
# machine the CPU time says what the wall time cannot: tshark uses one
# CPU, tracers two, and others' load takes more from the latter.
declare -A WALLS RSSES CPUS
measure() {
	local name=$1
	shift
	local t0 t1 w rss cpu
	t0=$(date +%s%N)
	if ! /usr/bin/time -f '%M %U %S' -o "$TMP/rss" "$@" >/dev/null 2>"$TMP/err"; then
		cat "$TMP/err" >&2
		die "$name failed: $*"
	fi
	t1=$(date +%s%N)
	w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	read -r rss cpu < <(tail -n 1 "$TMP/rss" | awk '{ printf "%d %.2f\n", $1, $2 + $3 }')
	log "$name: ${w}s, ${cpu}s CPU, $rss KiB"
	if [[ -z "${WALLS[$name]:-}" ]] || awk -v a="$w" -v b="${WALLS[$name]}" 'BEGIN { exit !(a < b) }'; then
		WALLS[$name]=$w RSSES[$name]=$rss CPUS[$name]=$cpu
	fi
}

MODES=(text json csv stats explain packets)
declare -A ARGS=(
	[text]="" [json]="--format json" [csv]="--format csv"
	[stats]="--stats" [explain]="--explain" [packets]="--packets"
)
declare -A TSHARK=([text]=fields [json]=fields [csv]=fields [stats]=fields [explain]=fields [packets]=list)

# The capture just written is still dirty in the page cache: write it out
# now, not while a command is timed, and warm the cache with one untimed run.
sync "$FILE"
"$TMP/tracers" replay --format json "$FILE" >/dev/null || die "tracers failed on $FILE"

round() {
	local m run
	for ((run = 1; run <= RUNS; run++)); do
		for m in "${MODES[@]}"; do
			# shellcheck disable=SC2086 # ARGS holds flags to split
			measure "$m" "$TMP/tracers" replay ${ARGS[$m]} "$FILE"
		done
	done
}
round
measure tshark-fields tshark -r "$FILE" -T fields -e frame.number
measure tshark-list tshark -r "$FILE"
round

SCANRSS="" SCANWARN=""
if ((SCAN > 0)); then
	log "generating a scan of $SCAN probes"
	go run ./scripts/gencap -o "$TMP/scan.pcap" -scan -probes "$SCAN" 2>"$TMP/gencap-scan.log" ||
		die "gencap -scan failed: $(cat "$TMP/gencap-scan.log")"
	rm -f "$FILE" # room in the temporary directory
	/usr/bin/time -f %M -o "$TMP/rss" "$TMP/tracers" replay "$TMP/scan.pcap" >/dev/null 2>"$TMP/scan.err" ||
		die "tracers failed on the scan: $(cat "$TMP/scan.err")"
	SCANRSS=$(tail -n 1 "$TMP/rss")
	SCANWARN=$(grep -m1 'warning' "$TMP/scan.err" || true)
	log "scan: $SCANRSS KiB"
fi

pps() { awk -v n="$N" -v t="$1" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

report() {
	echo "# tracers replay bench $(date -u +%Y-%m-%dT%H:%M:%SZ) host=$(hostname) cpus=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg) tracers=$VERSION"
	echo "# capture: $N packets, $SIZE bytes, pcap, Ethernet ($SOURCE: scripts/gencap)"
	echo "# gencap: $GENINFO"
	echo "# wall: best of $((2 * RUNS)) per mode, $RUNS before and $RUNS after tshark (1 run each); RSS: peak, GNU time %M"
	echo "# tshark fields: tshark -r FILE -T fields -e frame.number: ${WALLS[tshark-fields]} s wall, ${CPUS[tshark-fields]} s CPU, $(mib "${RSSES[tshark-fields]}") MB"
	echo "# tshark list:   tshark -r FILE: ${WALLS[tshark-list]} s wall, ${CPUS[tshark-list]} s CPU, $(mib "${RSSES[tshark-list]}") MB"
	echo
	printf '%-8s %9s %12s %9s %8s %-7s %8s %8s %8s  %s\n' mode "wall (s)" "packets/s" "RSS (MB)" "CPU (s)" tshark "ratio" "CPU ratio" "vs list" verdict
	local m ts tc ok
	for m in "${MODES[@]}"; do
		ts=${WALLS[tshark-${TSHARK[$m]}]} tc=${CPUS[tshark-${TSHARK[$m]}]}
		ok=$(awk -v tr="${WALLS[$m]}" -v ts="$ts" -v rss="${RSSES[$m]}" 'BEGIN { print (ts / tr >= 100 && rss < 65536) ? "PASS" : "FAIL" }')
		printf '%-8s %9s %12s %9s %8s %-7s %7.1fx %8.1fx %7.1fx  %s\n' "$m" "${WALLS[$m]}" "$(pps "${WALLS[$m]}")" "$(mib "${RSSES[$m]}")" "${CPUS[$m]}" \
			"${TSHARK[$m]}" "$(awk -v a="$ts" -v b="${WALLS[$m]}" 'BEGIN { print a / b }')" \
			"$(awk -v a="$tc" -v b="${CPUS[$m]}" 'BEGIN { print a / b }')" \
			"$(awk -v a="${WALLS[tshark-list]}" -v b="${WALLS[$m]}" 'BEGIN { print a / b }')" "$ok"
	done
	echo "goal: every mode >= 100x its tshark peer's packets/s (ratio of wall times), RSS < 64 MB; CPU ratio: the peer's CPU time / tracers'; vs list: plain tshark -r FILE's wall time / tracers'"
	if [[ -n "$SCANRSS" ]]; then
		echo
		echo "scan ($SCAN probes in one window): peak RSS $(mib "$SCANRSS") MB, goal < 256 MB: $(awk -v k="$SCANRSS" 'BEGIN { print (k < 256 * 1024) ? "PASS" : "FAIL" }')"
		echo "scan warning: ${SCANWARN:-(none: FAIL)}"
	fi
}

mkdir -p "$(dirname "$OUT")"
report | tee "$OUT"
log "wrote $OUT"

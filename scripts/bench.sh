#!/usr/bin/env bash
# bench.sh - time tracers against traceroute, mtr, tracepath and scamper in
# a network-namespace lab (scripts/lab.sh), count the probes each one sends,
# and check that tracers finds the same hops as traceroute -I.
#
#   sudo scripts/bench.sh            # topologies a, b, c
#   sudo scripts/bench.sh --quick    # smoke test: topology a, 3 runs
#   sudo scripts/bench.sh --delay-scenarios [--rounds N] [--markdown] ...
#                                    # paths with real RTTs, tools in
#                                    # turns, hops against the lab's truth:
#                                    # scripts/bench-delay.sh (--help there)
#
# Topologies (lab prefix "trb", torn down at the end and on any exit):
#   a  5 routers, all answering              destination 10.77.6.2
#   b  5 routers, routers 2 and 4 silent     destination 10.77.6.2
#   c  25 routers, router 13 silent          destination 10.77.26.2
#
# Every tool runs with its own defaults (30 max hops, its own waits and
# probes per hop) as `ip netns exec trb-src timeout 60 TOOL ...`; one
# hyperfine invocation per topology times them all.
#
# Environment:
#   BENCH_RUNS    hyperfine --runs per command (default 5; 3 with --quick)
#   BENCH_WARMUP  hyperfine --warmup per command (default 1)
#   BENCH_OUT     result file (default bench-out/bench.txt under the repo root)
#
# Time: the peers' fixed waits dominate (mtr -c 1 about 6 s always;
# scamper about 5 s per silent hop per attempt, 20 s in b), so one round of
# all tools in a+b+c takes about a minute: the default 10 runs + 2 warmups
# took 14.5 minutes on 2 cores, BENCH_RUNS=3 BENCH_WARMUP=0 took 4.6
# minutes, --quick takes under a minute. Needs root, go, hyperfine,
# tcpdump, jq or python3, traceroute, tracepath, mtr, scamper.
set -euo pipefail

PROG=bench.sh
export PATH="${PATH:-/usr/bin:/bin}:/usr/sbin:/sbin:/usr/local/go/bin"

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
log() { echo "$PROG: $*" >&2; }

if [[ " $* " == *" --delay-scenarios "* ]]; then
	exec bash "$(dirname "${BASH_SOURCE[0]}")/bench-delay.sh" "$@"
fi

QUICK=""
for arg in "$@"; do
	case "$arg" in
	--quick) QUICK=1 ;;
	-h | --help)
		awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"
		exit 0
		;;
	*) die "unknown argument: $arg (try --help)" ;;
	esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB="$ROOT/scripts/lab.sh"
PREFIX=trb
SRC_NS="$PREFIX-src"
SRC_IP=10.77.1.1
SRC_LINK="$PREFIX-l1a"

if [[ -n "$QUICK" ]]; then
	RUNS="${BENCH_RUNS:-3}"
	TOPOS=(a)
else
	RUNS="${BENCH_RUNS:-5}"
	TOPOS=(a b c)
fi
WARMUP="${BENCH_WARMUP:-1}"
OUT="${BENCH_OUT:-$ROOT/bench-out/bench.txt}"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "bad BENCH_RUNS '$RUNS'"
[[ "$WARMUP" =~ ^[0-9]+$ ]] || die "bad BENCH_WARMUP '$WARMUP'"

[[ "$(id -u)" == 0 ]] || die "must run as root (network namespaces, raw sockets, tcpdump)"
for t in go ip hyperfine tcpdump traceroute tracepath mtr scamper timeout; do
	command -v "$t" >/dev/null 2>&1 || die "'$t' not found (apt-get install -y traceroute iputils-tracepath mtr-tiny scamper tcpdump hyperfine)"
done
if command -v jq >/dev/null 2>&1; then
	JSON=jq
elif command -v python3 >/dev/null 2>&1; then
	JSON=python3
else
	die "need jq or python3 to read hyperfine's JSON"
fi

# ---------------------------------------------------------------- cleanup
TMP="$(mktemp -d /tmp/tracers-bench.XXXXXX)"
TCPDUMP_PID=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n "$TCPDUMP_PID" ]]; then
		kill -INT "$TCPDUMP_PID" 2>/dev/null || true
		wait "$TCPDUMP_PID" 2>/dev/null || true
	fi
	bash "$LAB" down --prefix "$PREFIX" >/dev/null 2>&1 || true
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- build
BIN="$TMP/tracers"
log "building tracers -> $BIN"
# make build: the binary users get (one static executable where the static
# archives are installed: the static tag, README "Install", "Start-up").
make -s -C "$ROOT" build BIN="$BIN" >/dev/null || die "make build failed"

# Tools: name and argv (DEST is replaced with the destination).
TOOL_NAMES=(tracers traceroute-I traceroute-UDP mtr tracepath scamper)
tool_cmd() { # tool_cmd NAME DEST: the tool's command line, without the wrapper
	local d="$2"
	case "$1" in
	tracers) echo "$BIN run -n $d" ;;
	traceroute-I) echo "traceroute -n -I $d" ;;
	traceroute-UDP) echo "traceroute -n $d" ;;
	mtr) echo "mtr -n -r -c 1 $d" ;;
	tracepath) echo "tracepath -n $d" ;;
	scamper) echo "scamper -c trace -i $d" ;; # trace method default: udp-paris
	*) die "unknown tool $1" ;;
	esac
}
wrap() { echo "ip netns exec $SRC_NS timeout 60 $*"; }

# ---------------------------------------------------------------- helpers
# median_ms JSON NAME: median in ms of command NAME in a hyperfine export.
median_ms() {
	if [[ "$JSON" == jq ]]; then
		jq -r --arg n "$2" '.results[] | select(.command == $n) | .median * 1000' "$1"
	else
		python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]:
    if r["command"] == sys.argv[2]: print(r["median"] * 1000)' "$1" "$2"
	fi
}

# count_probes NAME DEST OUTFILE: run the tool once under tcpdump on the
# source's link; set PROBE_COUNT to the number of probes the source sent to
# DEST. The tool's output goes to OUTFILE.
PROBE_COUNT=0
count_probes() {
	local name="$1" dest="$2" out="$3" pcap="$TMP/$1.pcap" err="$TMP/$1.tcpdump.err" i
	rm -f "$pcap" "$err"
	ip netns exec "$SRC_NS" tcpdump -i "$SRC_LINK" -n -U --immediate-mode -s 128 -w "$pcap" \
		"src host $SRC_IP and dst host $dest" 2>"$err" &
	TCPDUMP_PID=$!
	for ((i = 0; i < 100; i++)); do # up to 10 s for "listening on"
		grep -q "listening on" "$err" 2>/dev/null && break
		kill -0 "$TCPDUMP_PID" 2>/dev/null || die "tcpdump exited: $(cat "$err")"
		sleep 0.1
	done
	grep -q "listening on" "$err" || die "tcpdump did not start: $(cat "$err")"
	sleep 0.2
	local rc=0
	# shellcheck disable=SC2046
	$(wrap $(tool_cmd "$name" "$dest")) >"$out" 2>&1 || rc=$?
	((rc == 0)) || log "warning: $name exited $rc in the probe-count run"
	sleep 0.5 # late probes (none expected: the tool has exited)
	kill -INT "$TCPDUMP_PID" 2>/dev/null || true
	wait "$TCPDUMP_PID" 2>/dev/null || true
	TCPDUMP_PID=""
	local drops
	drops="$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$err")"
	[[ -z "$drops" || "$drops" == 0 ]] || log "warning: tcpdump dropped $drops packets while $name ran"
	# Probes: ICMP echo request, any UDP, or TCP SYN from the source to DEST.
	PROBE_COUNT="$(tcpdump -nr "$pcap" \
		"src host $SRC_IP and dst host $dest and (icmp[icmptype] == icmp-echo or udp or (tcp[tcpflags] & tcp-syn != 0))" \
		2>/dev/null | wc -l)"
}

# hops FILE: traceroute-style output to "TTL addr[,addr...]" lines ("*" when
# no address answered), RTTs and annotations dropped.
hops() {
	awk '$1 ~ /^[0-9]+$/ {
		n = 0; delete seen; s = ""
		for (i = 2; i <= NF; i++) {
			f = $i; gsub(/[()]/, "", f)
			if (f ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ && !(f in seen)) {
				seen[f] = 1; a[++n] = f
			}
		}
		# sort the addresses (few: insertion sort)
		for (i = 2; i <= n; i++) { v = a[i]; for (j = i - 1; j >= 1 && a[j] > v; j--) a[j+1] = a[j]; a[j+1] = v }
		for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") a[i]
		print $1, (n ? s : "*")
	}' "$1"
}

# ---------------------------------------------------------------- run
mkdir -p "$(dirname "$OUT")"
: >"$OUT"
emit() { echo "$*" | tee -a "$OUT"; }

START=$SECONDS
{
	echo "# tracers bench $(date -u +%Y-%m-%dT%H:%M:%SZ) runs=$RUNS warmup=$WARMUP host=$(uname -n) cpus=$(nproc)"
	echo "# tracers $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && [[ -n "$(git status --porcelain 2>/dev/null)" ]] && echo '+dirty' || true)"
} | tee -a "$OUT"

FAIL=0
for topo in "${TOPOS[@]}"; do
	case "$topo" in
	a) routers=5 silent="" desc="5 routers, all answering" ;;
	b) routers=5 silent="2,4" desc="5 routers, routers 2 and 4 silent" ;;
	c) routers=25 silent="13" desc="25 routers, router 13 silent" ;;
	esac
	dest="10.77.$((routers + 1)).2"
	log "topology $topo: $desc (destination $dest)"
	lab_args=(up --prefix "$PREFIX" --routers "$routers")
	[[ -z "$silent" ]] || lab_args+=(--silent "$silent")
	bash "$LAB" "${lab_args[@]}" >/dev/null || die "lab.sh ${lab_args[*]} failed"

	# Probe counts (one run each); the outputs also feed the hop check.
	declare -A PROBES=()
	for name in "${TOOL_NAMES[@]}"; do
		count_probes "$name" "$dest" "$TMP/$topo.$name.out"
		PROBES[$name]="$PROBE_COUNT"
	done

	# Timing: one hyperfine invocation for all tools. Each run starts 50 ms
	# after the one before (--prepare, untimed), so that what a run leaves
	# the kernel to do once it has exited (tracers' lingering release,
	# internal/linger) does not land in the next run's time.
	json="$TMP/$topo.json"
	hf=(hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --prepare "sleep 0.05" --export-json "$json")
	for name in "${TOOL_NAMES[@]}"; do
		# shellcheck disable=SC2046
		hf+=(--command-name "$name" "$(wrap $(tool_cmd "$name" "$dest"))")
	done
	log "hyperfine: ${#TOOL_NAMES[@]} commands x ($WARMUP warmup + $RUNS runs)"
	"${hf[@]}" >&2 || die "hyperfine failed in topology $topo"

	# Table.
	emit ""
	emit "== topology $topo: $desc; destination $dest"
	tmed="$(median_ms "$json" tracers)"
	emit "$(printf '%-15s %12s %8s %8s' tool median_ms probes ratio)"
	for name in "${TOOL_NAMES[@]}"; do
		m="$(median_ms "$json" "$name")"
		emit "$(awk -v n="$name" -v m="$m" -v t="$tmed" -v p="${PROBES[$name]}" \
			'BEGIN { printf "%-15s %12.1f %8d %8.2f\n", n, m, p, (t > 0 ? m / t : 0) }')"
	done

	# Hops: tracers vs traceroute -I.
	hops "$TMP/$topo.tracers.out" >"$TMP/$topo.tracers.hops"
	hops "$TMP/$topo.traceroute-I.out" >"$TMP/$topo.traceroute-I.hops"
	if [[ ! -s "$TMP/$topo.tracers.hops" ]]; then
		emit "hops: tracers printed no hop lines:"
		sed 's/^/  /' "$TMP/$topo.tracers.out" | tee -a "$OUT"
		FAIL=1
	elif d="$(diff -u --label tracers --label traceroute-I "$TMP/$topo.tracers.hops" "$TMP/$topo.traceroute-I.hops")"; then
		emit "hops match ($(wc -l <"$TMP/$topo.tracers.hops") hops)"
	else
		emit "hops differ (tracers vs traceroute -I):"
		echo "$d" | tee -a "$OUT"
		FAIL=1
	fi
	unset PROBES
	bash "$LAB" down --prefix "$PREFIX" >/dev/null
done

emit ""
emit "# total $((SECONDS - START)) s; results in $OUT"
exit "$FAIL"

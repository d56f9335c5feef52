#!/usr/bin/env bash
# bench-startup.sh - the start-up cost of `tracers run`: times a whole
# zero-delay trace by tracers against `traceroute -I` in turns (one run of
# each, alternating, the order flipping every round) in a scripts/lab.sh lab,
# and prints each command's median wall time and tracers' difference to
# traceroute -I. On a zero-delay lab the path costs microseconds, so the
# difference is start-up and teardown (the goal of issue 14: at most 15 ms).
#
#   sudo scripts/bench-startup.sh [--runs N] [--prefix P] [--routers N]
#                                 [--bin NAME=PATH]... [--args "ARGS"]
#
#   --runs N        runs per command (default 40)
#   --prefix P      lab prefix (default tsu); a lab already up under P is
#                   used as it is and left up, otherwise one is built with
#                   --routers N (default 8) and torn down at the end
#   --bin NAME=PATH time another tracers binary too, in the same turns
#                   (repeatable; e.g. --bin old=/tmp/tracers-main); without
#                   any, the tracers built from this tree is timed as "tracers"
#   --args "ARGS"   extra arguments for every tracers run (e.g. "--write
#                   /tmp/t.pcap")
#
# Each command runs as `CMD -n DST >/dev/null` inside the lab's source
# namespace (the loop itself runs there, so `ip netns exec` costs nothing
# per run); times come from bash's EPOCHREALTIME (no fork per timestamp),
# CPU times (user + system, cpu_ms) from bash's times builtin: on a loaded
# machine the wall time grows with the CPU a command needs, so both are
# shown. Each run starts 50 ms after the one before (untimed), so that
# what a run leaves the kernel to do once it has exited (internal/linger)
# does not land in the next command's time.
# The machine may be shared: compare the figures of one run, not across runs.
# Needs root, go (unless every binary is given), traceroute.
#
# Called by scripts/bench.sh as a function would be: the last line printed
# is "startup: tracers_ms=M traceroute_ms=M diff_ms=D".
set -euo pipefail

PROG=bench-startup.sh
export PATH="${PATH:-/usr/bin:/bin}:/usr/sbin:/sbin:/usr/local/go/bin"
die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
log() { echo "$PROG: $*" >&2; }

# median FILE: the median of the numbers in FILE, one a line.
median() {
	sort -g "$1" | awk '{v[NR] = $1} END {if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# cpu_ms FILE: the user + system CPU time, in ms, of this shell's finished
# children, from `times` output in FILE (written by the builtin, no fork).
cpu_ms() {
	awk 'NR == 2 {
		split($1, u, /[ms]/); split($2, s, /[ms]/)
		printf "%d\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 + 0.5 }' "$1"
}

# Inner mode: runs inside the source namespace.
#   bench-startup.sh --inner RUNS DIR DST NAME=CMD...
if [[ "${1:-}" == "--inner" ]]; then
	runs="$2" dir="$3" dst="$4"
	shift 4
	names=() cmds=()
	for nc in "$@"; do
		names+=("${nc%%=*}")
		cmds+=("${nc#*=}")
	done
	n="${#names[@]}"
	for ((r = 0; r < runs; r++)); do
		for ((k = 0; k < n; k++)); do
			# Flip the order every round so neither command always runs
			# right after the other.
			if ((r % 2)); then i=$((n - 1 - k)); else i=$k; fi
			# A pause first, untimed: what a run leaves the kernel to do
			# after it has exited (tracers' lingering child releasing its
			# memory and capture socket, internal/linger) must not land in
			# the next command's time.
			sleep 0.05
			times >"$dir/times0"
			t0="$EPOCHREALTIME"
			# shellcheck disable=SC2086 # the command's words split on purpose
			${cmds[$i]} -n "$dst" >/dev/null 2>>"$dir/${names[$i]}.err" || echo "run $r of ${names[$i]} failed" >>"$dir/${names[$i]}.err"
			t1="$EPOCHREALTIME"
			times >"$dir/times1"
			awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", (b - a) * 1000}' >>"$dir/${names[$i]}.ms"
			echo $(($(cpu_ms "$dir/times1") - $(cpu_ms "$dir/times0"))) >>"$dir/${names[$i]}.cpu"
		done
	done
	exit 0
fi

RUNS=40 PREFIX=tsu ROUTERS=8 EXTRA=""
BINS=()
while (($#)); do
	case "$1" in
	--runs) RUNS="$2"; shift ;;
	--prefix) PREFIX="$2"; shift ;;
	--routers) ROUTERS="$2"; shift ;;
	--bin) BINS+=("$2"); shift ;;
	--args) EXTRA="$2"; shift ;;
	-h | --help)
		awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"
		exit 0
		;;
	*) die "unknown argument: $1 (try --help)" ;;
	esac
	shift
done
if ! [[ "$RUNS" =~ ^[0-9]+$ ]] || ((RUNS < 1 || RUNS > 1000)); then die "--runs $RUNS: want 1..1000"; fi
(($(id -u) == 0)) || die "needs root (network namespaces)"
command -v traceroute >/dev/null || die "traceroute is not installed"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB="$ROOT/scripts/lab.sh"
SRC_NS="$PREFIX-src"
DIR="$(mktemp -d)"
OWN_LAB=""
cleanup() {
	rm -rf "$DIR"
	if [[ -n "$OWN_LAB" ]]; then "$LAB" down --prefix "$PREFIX" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

if ((${#BINS[@]} == 0)); then
	log "building tracers (make build)"
	make -s -C "$ROOT" build BIN="$DIR/tracers" >/dev/null || die "make build failed"
	BINS=("tracers=$DIR/tracers")
fi
if ! ip netns list | grep -qw "$SRC_NS"; then
	log "lab $PREFIX: $ROUTERS routers, no delay"
	OWN_LAB=1
	"$LAB" up --prefix "$PREFIX" --routers "$ROUTERS" >/dev/null || die "lab.sh up failed"
fi
# The destination is the last link's right end (see lab.sh).
nrouters="$(ip netns list | grep -cE "^$PREFIX-r[0-9]+( |\$)" || true)"
((nrouters > 0)) || die "lab $PREFIX has no routers"
DST="10.77.$((nrouters + 1)).2"

cmds=("traceroute=traceroute -I")
for b in "${BINS[@]}"; do
	[[ "$b" == *=* ]] || die "--bin $b: want NAME=PATH"
	[[ -x "${b#*=}" ]] || die "--bin $b: not an executable"
	cmds+=("${b%%=*}=${b#*=} run $EXTRA")
done
log "$RUNS runs each, in turns, to $DST in $SRC_NS"
ip netns exec "$SRC_NS" "$0" --inner "$RUNS" "$DIR" "$DST" "${cmds[@]}"

tr_ms="$(median "$DIR/traceroute.ms")"
printf '%-12s %10s %10s %10s %10s %10s\n' command median_ms min_ms max_ms diff_ms cpu_ms
first=""
for c in "${cmds[@]}"; do
	name="${c%%=*}"
	if [[ -s "$DIR/$name.err" ]]; then
		log "$name wrote to stderr:"
		sort "$DIR/$name.err" | uniq -c | head -5 >&2
	fi
	m="$(median "$DIR/$name.ms")"
	lo="$(sort -g "$DIR/$name.ms" | head -1)"
	hi="$(sort -g "$DIR/$name.ms" | tail -1)"
	printf '%-12s %10.2f %10.2f %10.2f %+10.2f %10s\n' "$name" "$m" "$lo" "$hi" \
		"$(awk -v a="$m" -v b="$tr_ms" 'BEGIN {print a - b}')" "$(median "$DIR/$name.cpu")"
	if [[ "$name" != traceroute && -z "$first" ]]; then first="$m"; fi
done
printf 'startup: tracers_ms=%.2f traceroute_ms=%.2f diff_ms=%.2f\n' "$first" "$tr_ms" "$(awk -v a="$first" -v b="$tr_ms" 'BEGIN {print a - b}')"

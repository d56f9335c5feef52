#!/usr/bin/env bash
# bench-delay.sh - time tracers against traceroute -I, traceroute (UDP),
# mtr, tracepath and scamper on lab paths with real round-trip times
# (scripts/lab.sh --delay), in turns, and check every tool's hops against
# the lab's truth. Also reached as `scripts/bench.sh --delay-scenarios`.
#
#   sudo scripts/bench-delay.sh                       # every scenario, 1 round
#   sudo scripts/bench-delay.sh --rounds 3 --markdown # the README's tables
#   sudo scripts/bench-delay.sh --scenarios all,silent --tools tracers,traceroute-I
#
# Scenarios (--scenarios LIST, default: every one, in this order):
#   zero      8 routers, no delay (veth links): start-up decides
#   all       8 routers, 2 ms per link, all answering
#   silent    8 routers, 2 ms per link, routers 3 and 6 silent
#   loss      8 routers, 2 ms per link, router 4 drops 10 % of its ICMP
#             (a hop's 3 replies all come in 73 % of runs, so the median
#             run seldom shows a loss)
#   linkloss  8 routers, 2 ms per link, link 5 loses 10 % of its packets
#             each way (the delay relay, lab.sh --loss 5:10): probes and
#             replies of TTL 5 and up, so nearly every run loses some
#   mixed     15 routers, 1-10 ms per link (80 ms one way), router 7
#             silent, router 11 drops 10 % of its ICMP
#   jitter    8 routers, 2 +- 1 ms per link
#   noanswer  8 routers, 2 ms per link, the destination never answers
#             (an iptables OUTPUT DROP rule in its namespace)
#   long      25 routers, 2 ms per link, all answering
#
# Tools (--tools LIST, default: all), each with its own defaults but -m 30:
#   tracers         tracers run -n -m 30 DEST (built from this tree)
#   traceroute-I    traceroute -I -n -m 30 DEST
#   traceroute-UDP  traceroute -n -m 30 DEST
#   mtr             mtr -r -c 1 -n -m 30 DEST
#   tracepath       tracepath -n -m 30 DEST
#   scamper         scamper -c 'trace -P icmp-paris -m 30' -i DEST
# --wait S adds -w S to tracers, both traceroutes and scamper (whole
# seconds there) and --gracetime S to mtr (tracepath has no such option):
# shorter runs, but not the tools' defaults that the issue's figures use.
#
# How it measures. Per scenario: lab.sh up, then one shell inside the
# source namespace runs ROUNDS rounds; each round runs every tool once,
# the order rotated by one tool per round, 0.3 s apart, each timed with
# bash's $EPOCHREALTIME around `timeout T TOOL` (no `ip netns exec` in the
# timed part). tcpdump captures the source's link for the whole scenario;
# a tool's probes are the packets from the source to the destination (ICMP
# echo request, UDP, TCP SYN) stamped inside its run. Per tool the table
# gives the median wall time, its multiple of the physical limit, its
# ratio to tracers' median, the median probe count, the median time from
# the run's start to its first probe (start-up: exec, runtime, sockets,
# capture), the median time from the first probe to the run's end (the
# trace itself, start-up left out: "at most 1.5 x the limit" is given
# both ways in the acceptance table), and the hop check.
#
# Physical limit: the RTT of the slowest reply a complete trace needs,
# from the configured one-way link delays d(1..N+1): 2 x (d1 + ... + dh)
# where h is the destination (N+1) when it answers (silent routers and
# lossy ones do not change it: the destination's reply is still the
# slowest one needed), and the last router (N) when the destination never
# answers (the silent TTLs past it need no reply, only a wait, which no
# physical figure bounds). With jitter the nominal delays count. The
# zero scenario has no limit ("-").
#
# Hop check, per run, against the lab's truth (router k answers as
# 10.77.k.2, the destination is 10.77.(N+1).2): "ok" when every printed
# TTL shows only its true address, silent routers and TTLs past a
# never-answering destination show none, every answering router shows its
# address and the destination is reached (when it answers); "miss" when
# an answering router shows no address but nothing is wrong (a lost
# reply: expected now and then at a lossy router from a one-probe tool;
# also when every probe at the destination's TTL was lost, on a lossy
# link, and a later TTL found the destination, as a traceroute should);
# "WRONG" for a wrong or extra address, an unreached destination or TTLs
# past it; "cut" when the run hit --timeout (a tool that does is not run
# again in that scenario: its time shows as ">S s"). The column gives the
# worst result and how many runs had it.
#
# Options:
#   --scenarios LIST  comma-separated scenario names (default: all)
#   --tools LIST      comma-separated tool names (default: all)
#   --rounds N        rounds per scenario (default 1; 3 or more for medians)
#   --loss-rounds N   rounds of loss and linkloss, whose runs lose at
#                     random, so that their medians mean something
#                     (default 5 x --rounds)
#   --timeout S       longest run of one tool, in seconds (default 30);
#                     a run cut short shows as ">S s"
#   --wait S          see above (default: none, every tool's own waits)
#   --prefix P        lab prefix (default trd)
#   --markdown        print the markdown tables on stdout (both forms
#                     are always written: bench-out/delay.txt and .md)
#   --out DIR         result directory (default bench-out under the repo)
#   --keep            keep the raw outputs and captures (printed path)
#   --alt PATH        time another tracers binary too, as tool
#                     "tracers-alt", in the same turns (e.g. the build of
#                     an earlier commit)
#   --self-test       check the hop parser and checker on the tools'
#                     outputs in testdata/captures (no root, no lab)
#
# Time: with the tools' own waits, every scenario takes about 6 minutes
# for 1 round and 17 minutes for 3 on 2 cores (loaded), most of it the
# peers' fixed waits: in noanswer traceroute 25 s each, tracepath and
# scamper cut at the 30 s timeout once; scamper 5 s per silent hop and
# attempt (20 s in silent); mtr's 5 s grace time in every scenario.
# --tools tracers,traceroute-I takes under a minute per round.
# Needs root, go, tcpdump, iptables, traceroute, mtr, tracepath, scamper,
# timeout, awk.
set -euo pipefail

PROG=bench-delay.sh
export PATH="${PATH:-/usr/bin:/bin}:/usr/sbin:/sbin:/usr/local/go/bin"

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
log() { echo "$PROG: $*" >&2; }

ALL_SCENARIOS=(zero all silent loss linkloss mixed jitter noanswer long)
ALL_TOOLS=(tracers traceroute-I traceroute-UDP mtr tracepath scamper)
SCENARIOS=("${ALL_SCENARIOS[@]}")
TOOLS=("${ALL_TOOLS[@]}")
ALT_BIN=""
ROUNDS=1
LOSS_ROUNDS=""
TIMEOUT=30
WAIT=""
PREFIX=trd
MARKDOWN=""
OUTDIR=""
KEEP=""
SELF_TEST=""

need_val() { [[ $# -ge 2 && -n "$2" ]] || die "option $1 needs a value"; }
while [[ $# -gt 0 ]]; do
	case "$1" in
	--delay-scenarios) shift ;; # as forwarded by bench.sh
	--scenarios) need_val "$@"; IFS=, read -r -a SCENARIOS <<<"$2"; shift 2 ;;
	--tools) need_val "$@"; IFS=, read -r -a TOOLS <<<"$2"; shift 2 ;;
	--rounds) need_val "$@"; ROUNDS="$2"; shift 2 ;;
	--loss-rounds) need_val "$@"; LOSS_ROUNDS="$2"; shift 2 ;;
	--timeout) need_val "$@"; TIMEOUT="$2"; shift 2 ;;
	--wait) need_val "$@"; WAIT="$2"; shift 2 ;;
	--prefix) need_val "$@"; PREFIX="$2"; shift 2 ;;
	--markdown) MARKDOWN=1; shift ;;
	--out) need_val "$@"; OUTDIR="$2"; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--alt) need_val "$@"; ALT_BIN="$(realpath "$2")"; shift 2 ;;
	--self-test) SELF_TEST=1; shift ;;
	-h | --help)
		awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"
		exit 0
		;;
	*) die "unknown argument: $1 (try --help)" ;;
	esac
done

[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "bad --rounds '$ROUNDS'"
LOSS_ROUNDS="${LOSS_ROUNDS:-$((5 * ROUNDS))}"
[[ "$LOSS_ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "bad --loss-rounds '$LOSS_ROUNDS'"
[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "bad --timeout '$TIMEOUT'"
[[ -z "$WAIT" || "$WAIT" =~ ^[1-9][0-9]*$ ]] || die "bad --wait '$WAIT' (whole seconds)"
[[ "$PREFIX" =~ ^[A-Za-z0-9_]{1,10}$ ]] || die "bad --prefix '$PREFIX'"
for s in "${SCENARIOS[@]}"; do
	[[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || die "unknown scenario '$s' (${ALL_SCENARIOS[*]})"
done
for t in "${TOOLS[@]}"; do
	[[ " ${ALL_TOOLS[*]} " == *" $t "* ]] || die "unknown tool '$t' (${ALL_TOOLS[*]})"
done
[[ " ${TOOLS[*]} " == *" tracers "* ]] || die "--tools must include tracers (the ratio column)"
if [[ -n "$ALT_BIN" ]]; then
	[[ -x "$ALT_BIN" ]] || die "--alt $ALT_BIN: not an executable"
	TOOLS+=(tracers-alt)
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB="$ROOT/scripts/lab.sh"
SRC_NS="$PREFIX-src"
SRC_IP=10.77.1.1
SRC_LINK="$PREFIX-l1a"
OUTDIR="${OUTDIR:-$ROOT/bench-out}"

# tool_cmd NAME DEST: the tool's command line (words; scamper's option
# string is one word, so the runner evals it).
tool_cmd() {
	local d="$2" w=""
	case "$1" in
	tracers) echo "$BIN run -n -m 30${WAIT:+ -w $WAIT} $d" ;;
	tracers-alt) echo "$ALT_BIN run -n -m 30${WAIT:+ -w $WAIT} $d" ;;
	traceroute-I) echo "traceroute -I -n -m 30${WAIT:+ -w $WAIT} $d" ;;
	traceroute-UDP) echo "traceroute -n -m 30${WAIT:+ -w $WAIT} $d" ;;
	mtr) echo "mtr -r -c 1 -n -m 30${WAIT:+ --gracetime $WAIT} $d" ;;
	tracepath) echo "tracepath -n -m 30 $d" ;;
	scamper)
		[[ -z "$WAIT" ]] || w=" -w $WAIT"
		echo "scamper -c 'trace -P icmp-paris -m 30$w' -i $d"
		;;
	esac
}

# scenario NAME: set ROUTERS, DELAYS (one value per link, ms; empty: no
# delay), SILENT, LOSSY (router list), LOSSPCT, LINKLOSS (lab.sh --loss
# K:PCT), JITTER, NOANSWER, DESC.
scenario() {
	ROUTERS=8 DELAYS="" SILENT="" LOSSY="" LOSSPCT=10 LINKLOSS="" JITTER="" NOANSWER="" DESC=""
	local d2="2"
	case "$1" in
	zero) DESC="8 routers, no delay" ;;
	all) DELAYS=$d2 DESC="8 routers, 2 ms per link, all answering" ;;
	silent) DELAYS=$d2 SILENT="3,6" DESC="8 routers, 2 ms per link, routers 3 and 6 silent" ;;
	loss) DELAYS=$d2 LOSSY=4 DESC="8 routers, 2 ms per link, router 4 drops 10 % of its ICMP" ;;
	linkloss) DELAYS=$d2 LINKLOSS=5:10 DESC="8 routers, 2 ms per link, link 5 loses 10 % of its packets each way" ;;
	mixed)
		ROUTERS=15 DELAYS="1,2,3,4,5,6,7,8,9,10,1,2,3,4,5,10" SILENT=7 LOSSY=11
		DESC="15 routers, 1-10 ms per link, router 7 silent, router 11 drops 10 %"
		;;
	jitter) DELAYS=$d2 JITTER=1 DESC="8 routers, 2 +- 1 ms per link" ;;
	noanswer) DELAYS=$d2 NOANSWER=1 DESC="8 routers, 2 ms per link, destination never answers" ;;
	long) ROUTERS=25 DELAYS=$d2 DESC="25 routers, 2 ms per link, all answering" ;;
	esac
}

# limit_ms: the physical limit of the current scenario in ms ("-" for none).
limit_ms() {
	[[ -n "$DELAYS" ]] || {
		echo "-"
		return
	}
	local h=$((ROUTERS + 1))
	[[ -z "$NOANSWER" ]] || h=$ROUTERS
	awk -v list="$DELAYS" -v h="$h" -v links="$((ROUTERS + 1))" 'BEGIN {
		n = split(list, d, ",")
		s = 0
		for (k = 1; k <= h; k++) s += (n == 1 ? d[1] : d[k])
		if (n != 1 && n != links) { print "bad"; exit }
		printf "%.1f\n", 2 * s
	}'
}

# truth FILE: "TTL ADDR" lines, ADDR "*" for a silent TTL, for TTL 1..30.
truth() {
	local k
	for ((k = 1; k <= 30; k++)); do
		if ((k <= ROUTERS)); then
			if [[ ",$SILENT," == *",$k,"* ]]; then echo "$k *"; else echo "$k 10.77.$k.2"; fi
		elif ((k == ROUTERS + 1)) && [[ -z "$NOANSWER" ]]; then
			echo "$k 10.77.$k.2 dest"
		elif [[ -n "$NOANSWER" ]]; then
			echo "$k *"
		fi
	done >"$1"
}

# hops OUT: a tool's output as "TTL addr[,addr...]" lines ("*": none).
# Handles traceroute/tracers/scamper (" 1  addr ..."), mtr -r
# ("  1.|-- addr ...", "???") and tracepath (" 1:  addr", " 1?: [LOCALHOST]").
hops() {
	awk '$1 ~ /^[0-9]+[.:?|-]*$/ {
		t = $1; sub(/[^0-9].*/, "", t); t += 0
		if (!(t in have)) { have[t] = 1; order[++n] = t }
		for (i = 2; i <= NF; i++) {
			f = $i; gsub(/[()]/, "", f)
			if (f ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ && !((t, f) in seen)) {
				seen[t, f] = 1; addrs[t] = addrs[t] (addrs[t] == "" ? "" : ",") f
			}
		}
	}
	END { for (i = 1; i <= n; i++) print order[i], (addrs[order[i]] == "" ? "*" : addrs[order[i]]) }' "$1"
}

# check TRUTH HOPS: ok, miss or WRONG (see the header), with a reason.
check() {
	awk 'NR == FNR { want[$1] = $2; dest[$1] = ($3 == "dest"); if ($3 == "dest") d = $1; next }
	{
		t = $1
		# Every probe at the destination TTL lost (a lossy link): the
		# trace goes on, and a later TTL finds the destination, as a
		# traceroute should. Stars up to it continue the gap.
		if (d != "" && t > d && lost == t - 1) {
			if ($2 == "*") { lost = t; gap = gap " extra-ttl-" t; next }
			if ($2 == want[d]) { reached = 1; lost = gap = ""; next }
		}
		if (!(t in want)) { bad = bad " extra-ttl-" t; next }
		if ($2 == "*") { if (want[t] != "*") miss = miss " " t; if (t == d) lost = t; next }
		n = split($2, a, ",")
		for (i = 1; i <= n; i++) if (a[i] != want[t]) bad = bad " ttl" t "=" a[i]
		if (dest[t]) reached = 1
		printed[t] = 1
	}
	END {
		bad = gap bad
		if (d != "" && !reached) bad = bad " destination-not-reached"
		if (bad != "") print "WRONG" bad
		else if (miss != "") print "miss" miss
		else print "ok"
	}' "$1" "$2"
}

# runner: the script the source namespace runs; it times SC_ROUNDS rounds
# of every tool and writes "round tool start end rc" lines to $T/runs.
write_runner() { # write_runner FILE DEST
	local f="$1" dest="$2" i
	{
		echo 'set -u'
		echo "T=$TMP/cur"
		echo "ROUNDS=$SC_ROUNDS"
		echo "NT=${#TOOLS[@]}"
		echo "NAMES=(${TOOLS[*]})"
		echo "CMDS=()"
		for i in "${!TOOLS[@]}"; do
			printf 'CMDS+=(%q)\n' "$(tool_cmd "${TOOLS[$i]}" "$dest")"
		done
		cat <<EOF
SKIP=()
for ((r = 1; r <= ROUNDS; r++)); do
	for ((j = 0; j < NT; j++)); do
		i=\$(( (j + r - 1) % NT ))
		name=\${NAMES[\$i]}
		[[ -z "\${SKIP[\$i]:-}" ]] || continue
		out="\$T/\$name.\$r.out"
		sleep 0.3
		s=\$EPOCHREALTIME
		eval "timeout $TIMEOUT \${CMDS[\$i]}" >"\$out" 2>&1 </dev/null
		rc=\$?
		e=\$EPOCHREALTIME
		echo "\$r \$name \$s \$e \$rc" >>"\$T/runs"
		((rc != 124)) || SKIP[\$i]=1
	done
done
sleep 0.3
EOF
	} >"$f"
}

# start_capture PCAP: tcpdump on the source's link, in the background.
start_capture() {
	local pcap="$1" err="$1.err" i
	ip netns exec "$SRC_NS" tcpdump -i "$SRC_LINK" -n -U --immediate-mode -s 96 -B 4096 -w "$pcap" \
		"src host $SRC_IP" 2>"$err" &
	TCPDUMP_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on" "$err" 2>/dev/null && break
		kill -0 "$TCPDUMP_PID" 2>/dev/null || die "tcpdump exited: $(cat "$err")"
		sleep 0.1
	done
	grep -q "listening on" "$err" || die "tcpdump did not start: $(cat "$err")"
}
stop_capture() {
	local err="$1.err" drops
	kill -INT "$TCPDUMP_PID" 2>/dev/null || true
	wait "$TCPDUMP_PID" 2>/dev/null || true
	TCPDUMP_PID=""
	drops="$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$err")"
	[[ -z "$drops" || "$drops" == 0 ]] || log "warning: tcpdump dropped $drops packets"
}

# no_answer_dst: make the destination drop everything it would send.
no_answer_dst() {
	local ipt
	for ipt in iptables iptables-nft iptables-legacy; do
		if command -v "$ipt" >/dev/null 2>&1 &&
			ip netns exec "$PREFIX-dst" "$ipt" -A OUTPUT -j DROP 2>/dev/null; then
			return 0
		fi
	done
	die "cannot add an iptables OUTPUT DROP rule in $PREFIX-dst"
}

# self_test: hops and check on the tools' outputs kept in testdata/captures
# (lab.sh topologies of scripts/mkcaptures.sh), and on outputs made wrong.
self_test() {
	local dir="$ROOT/testdata/captures" fails=0 tmp
	tmp="$(mktemp -d /tmp/tracers-bench-delay-test.XXXXXX)"
	# expect NAME WANT FILE: check FILE against the truth set up; WANT is a
	# regular expression for the result.
	expect() {
		local got
		hops "$3" >"$tmp/hops"
		got="$(check "$tmp/truth" "$tmp/hops")"
		if [[ "$got" =~ ^($2)$ ]]; then
			echo "ok    $1: $got"
		else
			echo "FAIL  $1: got '$got', want '$2'"
			fails=$((fails + 1))
		fi
	}
	setup() { ROUTERS=$1 SILENT=$2 NOANSWER=$3 && truth "$tmp/truth"; }
	local f
	setup 4 "" ""
	for f in tracers traceroute-icmp traceroute-udp traceroute-q1 traceroute-N1 mtr-icmp mtr-udp \
		tracepath scamper-icmp-paris scamper-udp-paris; do
		expect "$f (4 routers)" ok "$dir/$f.txt"
	done
	sed 's/10\.77\.3\.2/10.77.9.9/' "$dir/tracers.txt" >"$tmp/wrong-addr"
	expect "tracers, router 3 replaced" "WRONG ttl3=10.77.9.9" "$tmp/wrong-addr"
	sed '$d' "$dir/tracers.txt" >"$tmp/no-dest"
	expect "tracers, destination line removed" "WRONG destination-not-reached" "$tmp/no-dest"
	sed '/^ *2\.|--/s/10\.77\.2\.2/???/' "$dir/mtr-icmp.txt" >"$tmp/mtr-miss"
	expect "mtr, router 2 unanswered" "miss 2" "$tmp/mtr-miss"
	{ cat "$dir/tracers.txt"; echo " 6  10.77.5.2  0.1 ms"; } >"$tmp/extra"
	expect "tracers, a TTL past the destination" "WRONG extra-ttl-6" "$tmp/extra"
	{ sed '$d' "$dir/tracers.txt"; echo " 5  * * *"; echo " 6  10.77.5.2  0.1 ms"; } >"$tmp/dest-late"
	expect "tracers, the destination's TTL lost, found one later" "miss 5" "$tmp/dest-late"
	{ sed '$d' "$dir/tracers.txt"; echo " 5  * * *"; echo " 6  * * *"; echo " 7  10.77.5.2  0.1 ms"; } >"$tmp/dest-later"
	expect "tracers, the destination's TTL and the next lost" "miss 5" "$tmp/dest-later"
	{ sed '$d' "$dir/tracers.txt"; echo " 5  * * *"; echo " 6  10.77.4.2  0.1 ms"; } >"$tmp/dest-wrong"
	expect "tracers, the destination's TTL lost, a router after it" "WRONG extra-ttl-6 destination-not-reached" "$tmp/dest-wrong"
	{ sed '$d' "$dir/tracers.txt"; echo " 5  * * *"; } >"$tmp/dest-lost"
	expect "tracers, the destination's TTL lost, never found" "WRONG destination-not-reached" "$tmp/dest-lost"
	setup 4 2 ""
	expect "silent-tracers (router 2 silent)" ok "$dir/silent-tracers.txt"
	expect "silent-traceroute-icmp (router 2 silent)" ok "$dir/silent-traceroute-icmp.txt"
	expect "tracers (router 2 silent in the truth)" "WRONG ttl2=10.77.2.2" "$dir/tracers.txt"
	setup 4 "" ""
	expect "silent-tracers (no silent router in the truth)" "miss 2" "$dir/silent-tracers.txt"
	expect "lossy-tracers (router 3 losing 50 %)" "ok|miss 3" "$dir/lossy-tracers.txt"
	expect "lossy-traceroute-icmp (router 3 losing 50 %)" "ok|miss 3" "$dir/lossy-traceroute-icmp.txt"
	setup 2 "" 1
	expect "noanswer-tracers (2 routers)" ok "$dir/noanswer-tracers.txt"
	expect "noanswer-traceroute-icmp (2 routers)" ok "$dir/noanswer-traceroute-icmp.txt"
	setup 2 "" ""
	expect "noanswer-tracers (destination answers in the truth)" "WRONG extra-ttl-4 extra-ttl-5 extra-ttl-6 destination-not-reached" "$dir/noanswer-tracers.txt"
	rm -rf "$tmp"
	((fails == 0)) || die "self-test: $fails failed"
	echo "self-test: all passed"
}
if [[ -n "$SELF_TEST" ]]; then
	self_test
	exit 0
fi

[[ "$(id -u)" == 0 ]] || die "must run as root (network namespaces, raw sockets, tcpdump)"
need_cmds=(go ip tcpdump timeout awk)
for t in "${TOOLS[@]}"; do
	case "$t" in
	traceroute-*) need_cmds+=(traceroute) ;;
	mtr | tracepath | scamper) need_cmds+=("$t") ;;
	esac
done
for t in "${need_cmds[@]}"; do
	command -v "$t" >/dev/null 2>&1 ||
		die "'$t' not found (apt-get install -y traceroute iputils-tracepath mtr-tiny scamper tcpdump iptables)"
done

# ---------------------------------------------------------------- cleanup
TMP="$(mktemp -d /tmp/tracers-bench-delay.XXXXXX)"
TCPDUMP_PID=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n "$TCPDUMP_PID" ]]; then
		kill -INT "$TCPDUMP_PID" 2>/dev/null || true
		wait "$TCPDUMP_PID" 2>/dev/null || true
	fi
	bash "$LAB" down --prefix "$PREFIX" >/dev/null 2>&1 || true
	if [[ -n "$KEEP" ]]; then
		log "raw outputs kept in $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- build
BIN="$TMP/tracers"
log "building tracers and delaylink from $ROOT"
# make build: the binary users get (one static executable where the static
# archives are installed: the static tag, README "Install", "Start-up").
make -s -C "$ROOT" build BIN="$BIN" >/dev/null || die "make build failed"
if [[ -z "${LAB_DELAYLINK:-}" ]]; then
	(cd "$ROOT" && go build -o "$TMP/delaylink" ./internal/delaylink/cmd/delaylink) ||
		die "go build ./internal/delaylink/cmd/delaylink failed"
	export LAB_DELAYLINK="$TMP/delaylink"
fi

# ---------------------------------------------------------------- run
mkdir -p "$OUTDIR"
TXT="$OUTDIR/delay.txt"
MD="$OUTDIR/delay.md"
: >"$TXT"
: >"$TMP/md.sum"
: >"$TMP/md.det"
REV="$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
[[ -z "$(cd "$ROOT" && git status --porcelain --untracked-files=no 2>/dev/null)" ]] || REV+="+dirty"
STAMP="$(date -u +%Y-%m-%dT%H:%MZ)"
CMDLINE="scripts/bench.sh --delay-scenarios --rounds $ROUNDS"
[[ "$LOSS_ROUNDS" == "$((5 * ROUNDS))" ]] || CMDLINE+=" --loss-rounds $LOSS_ROUNDS"
[[ "${SCENARIOS[*]}" == "${ALL_SCENARIOS[*]}" ]] || CMDLINE+=" --scenarios $(
	IFS=,
	echo "${SCENARIOS[*]}"
)"
NAMED=("${TOOLS[@]}")
[[ -z "$ALT_BIN" ]] || unset 'NAMED[-1]' # tracers-alt comes from --alt
[[ "${NAMED[*]}" == "${ALL_TOOLS[*]}" ]] || CMDLINE+=" --tools $(
	IFS=,
	echo "${NAMED[*]}"
)"
[[ -z "$ALT_BIN" ]] || CMDLINE+=" --alt $ALT_BIN"
[[ "$TIMEOUT" == 30 ]] || CMDLINE+=" --timeout $TIMEOUT"
[[ -z "$WAIT" ]] || CMDLINE+=" --wait $WAIT"
LOAD="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
HEAD="tracers $REV, $STAMP, $(nproc) cpus, load average $LOAD at the start, $ROUNDS rounds in turns ($LOSS_ROUNDS in loss and linkloss), median wall time per tool"
echo "# $HEAD" >>"$TXT"
echo "# $CMDLINE" >>"$TXT"
[[ -n "$MARKDOWN" ]] || {
	echo "# $HEAD"
	echo "# $CMDLINE"
}

START=$SECONDS
FAIL=0
for sc in "${SCENARIOS[@]}"; do
	scenario "$sc"
	SC_ROUNDS=$ROUNDS
	[[ "$sc" != loss && "$sc" != linkloss ]] || SC_ROUNDS=$LOSS_ROUNDS
	dest="10.77.$((ROUTERS + 1)).2"
	lim="$(limit_ms)"
	[[ "$lim" != bad ]] || die "scenario $sc: wrong number of delays"
	lab_args=(up --prefix "$PREFIX" --routers "$ROUTERS")
	[[ -z "$DELAYS" ]] || lab_args+=(--delay "$DELAYS")
	[[ -z "$JITTER" ]] || lab_args+=(--jitter "$JITTER")
	[[ -z "$SILENT" ]] || lab_args+=(--silent "$SILENT")
	[[ -z "$LOSSY" ]] || lab_args+=(--lossy "$LOSSY" --loss "$LOSSPCT")
	[[ -z "$LINKLOSS" ]] || lab_args+=(--loss "$LINKLOSS")
	log "scenario $sc: $DESC (lab.sh ${lab_args[*]})"
	bash "$LAB" "${lab_args[@]}" >"$TMP/lab.$sc.log" 2>&1 || die "lab.sh ${lab_args[*]} failed: $(tail -n 3 "$TMP/lab.$sc.log")"
	[[ -z "$NOANSWER" ]] || no_answer_dst

	rm -rf "$TMP/cur"
	mkdir -p "$TMP/cur"
	truth "$TMP/cur/truth"
	write_runner "$TMP/cur/runner.sh" "$dest"
	start_capture "$TMP/cur/src.pcap"
	log "scenario $sc: ${#TOOLS[@]} tools x $SC_ROUNDS rounds"
	ip netns exec "$SRC_NS" bash "$TMP/cur/runner.sh"
	stop_capture "$TMP/cur/src.pcap"
	bash "$LAB" down --prefix "$PREFIX" >/dev/null 2>&1 || log "warning: lab.sh down failed"

	# Probes per run: outgoing probes to the destination stamped inside it;
	# and the time from the run's start to its first probe (start-up).
	tcpdump -tt -nr "$TMP/cur/src.pcap" \
		"src host $SRC_IP and dst host $dest and (icmp[icmptype] == icmp-echo or udp or (tcp[tcpflags] & tcp-syn != 0))" \
		2>/dev/null | awk '{print $1}' >"$TMP/cur/probe-times"
	awk 'NR == FNR { t[NR] = $1; n = NR; next }
	{
		c = 0; f = -1
		for (i = 1; i <= n; i++) if (t[i] >= $3 && t[i] <= $4 + 0.05) { c++; if (f < 0) f = (t[i] - $3) * 1000 }
		print $0, c, f
	}' \
		"$TMP/cur/probe-times" "$TMP/cur/runs" >"$TMP/cur/runs+probes"

	# Hop check per run.
	: >"$TMP/cur/checks"
	while read -r r name _ _ rc; do
		hops "$TMP/cur/$name.$r.out" >"$TMP/cur/$name.$r.hops"
		if [[ "$rc" == 124 ]]; then
			echo "$r $name cut (timed out after $TIMEOUT s; $(wc -l <"$TMP/cur/$name.$r.hops") TTLs printed)"
		elif [[ ! -s "$TMP/cur/$name.$r.hops" ]]; then
			echo "$r $name WRONG no hops printed (exit status $rc)"
		else
			echo "$r $name $(check "$TMP/cur/truth" "$TMP/cur/$name.$r.hops")"
		fi >>"$TMP/cur/checks"
	done <"$TMP/cur/runs"

	# Table: median ms, x limit, x tracers, probes, hops.
	awk -v sc="$sc" -v desc="$DESC" -v dest="$dest" -v lim="$lim" -v to="$TIMEOUT" \
		-v tools="${TOOLS[*]}" -v txt="$TXT" -v md="$TMP/md.det" -v sum="$TMP/md.sum" -v acc="$TMP/acc.data" -v mdout="$MARKDOWN" '
	function median(list,   a, n, i, j, v) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++) { v = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > v; j--) a[j+1] = a[j]; a[j+1] = v }
		return (n % 2) ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function out(s) { print s >> txt; if (!mdout) print s }
	function outmd(s) { print s >> md }
	FILENAME ~ /checks$/ {
		st = $3; rank = (st == "ok") ? 0 : (st == "miss") ? 1 : (st == "cut") ? 2 : 3
		if (!($2 in worst) || rank > worst[$2]) { worst[$2] = rank; wcount[$2] = 0 }
		if (rank == worst[$2]) wcount[$2]++
		next
	}
	{
		ms[$2] = ms[$2] " " ($4 - $3) * 1000; pr[$2] = pr[$2] " " $6; runs[$2]++; if ($5 == 124) tmo[$2]++
		if ($7 >= 0) { fp[$2] = fp[$2] " " $7; tr[$2] = tr[$2] " " (($4 - $3) * 1000 - $7) }
	}
	END {
		nt = split(tools, T, " ")
		tm = median(ms["tracers"])
		out("")
		out("== " sc ": " desc "; destination " dest "; limit " (lim == "-" ? "-" : lim " ms"))
		out(sprintf("%-15s %11s %8s %9s %7s %9s %9s  %s", "tool", "median_ms", "x_limit", "x_tracers", "probes", "first_ms", "trace_ms", "hops"))
		outmd("")
		outmd("**" sc "**: " desc "; limit " (lim == "-" ? "none (no delay)" : lim " ms"))
		outmd("")
		outmd("| tool | median | × limit | × tracers | probes | first probe | from first probe | hops |")
		outmd("|---|---:|---:|---:|---:|---:|---:|---|")
		row = "| " sc " | " (lim == "-" ? "-" : lim " ms")
		for (i = 1; i <= nt; i++) {
			n = T[i]; m = median(ms[n]); p = median(pr[n])
			ml = (lim == "-" || lim == 0) ? "-" : sprintf("%.2f", m / lim)
			mt = (tm > 0) ? sprintf("%.2f", m / tm) : "-"
			st = (worst[n] == 0) ? "ok" : (worst[n] == 1) ? "miss" : (worst[n] == 2) ? "cut" : "WRONG"
			hs = st " " wcount[n] "/" runs[n]
			if (st == "ok") hs = "ok"
			ts = sprintf("%.1f", m); tsm = (m >= 1000) ? sprintf("%.2f s", m / 1000) : sprintf("%.1f ms", m)
			if (tmo[n] * 2 >= runs[n]) {
				ts = ">" to "000"; tsm = ">" to " s"
				if (ml != "-") ml = ">" sprintf("%.0f", to * 1000 / lim)
				if (mt != "-") mt = ">" sprintf("%.1f", to * 1000 / tm)
			}
			fs = (fp[n] == "") ? "-" : sprintf("%.1f", median(fp[n]))
			trs = (tr[n] == "" || tmo[n] * 2 >= runs[n]) ? "-" : sprintf("%.1f", median(tr[n]))
			out(sprintf("%-15s %11s %8s %9s %7s %9s %9s  %s", n, ts, ml, mt, p, fs, trs, hs))
			outmd("| " n " | " tsm " | " ml " | " mt " | " p " | " (fs == "-" ? "-" : fs " ms") " | " (trs == "-" ? "-" : trs " ms") " | " hs " |")
			print sc, n, m, p, st, (tmo[n] * 2 >= runs[n] ? 1 : 0), lim, fs, trs >> acc
			cell = tsm (ml == "-" ? "" : " (" ml "×)") ", " p
			if (st != "ok") cell = cell ", **" hs "**"
			row = row " | " cell
		}
		print row " |" >> sum
	}' "$TMP/cur/checks" "$TMP/cur/runs+probes"
	# Details of every run that was not ok.
	while read -r r name st rest; do
		[[ "$st" == ok ]] && continue
		[[ "$st" == WRONG ]] && FAIL=1
		echo "  $name round $r: $st${rest:+ $rest}" | tee -a "$TXT" >&2
	done <"$TMP/cur/checks"
	[[ -z "$KEEP" ]] || cp -r "$TMP/cur" "$TMP/$sc"
done

# acceptance: issue 14's criteria for `run` on the delay lab, from the
# medians (only those whose scenarios and tools ran), as "criterion|figure|
# verdict" lines.
acceptance() {
	[[ -s "$TMP/acc.data" ]] || return 0
	awk '
	function f(ms) { return (ms >= 1000) ? sprintf("%.2f s", ms / 1000) : sprintf("%.1f ms", ms) }
	function v(ok) { return ok ? "pass" : "FAIL" }
	{ key = $1 SUBSEP $2; med[key] = $3; pr[key] = $4; st[key] = $5; cut[key] = $6; lim[$1] = $7; first[key] = $8; trace[key] = $9
	  if (!($1 in seen)) { seen[$1] = 1; order[++ns] = $1 } }
	function has(sc) { return ((sc, "tracers") in med) && ((sc, "traceroute-I") in med) }
	function ratio(sc,   t, r) {
		t = med[sc, "tracers"]; r = med[sc, "traceroute-I"]
		return f(t) " against " f(r) (cut[sc, "traceroute-I"] ? " (cut)" : "") " = " sprintf("%.2f", t / r) " ×"
	}
	END {
		bad = ""; badp = ""; nh = 0
		for (i = 1; i <= ns; i++) {
			sc = order[i]
			if (!has(sc)) continue
			nh++
			# A hop whose every reply the lossy link or router lost shows
			# no address ("miss"): right where loss is configured, for
			# any tool; counted, not failed.
			if (st[sc, "tracers"] == "miss" && sc ~ /^(loss|linkloss|mixed)$/) missed = missed " " sc
			else if (st[sc, "tracers"] != "ok") bad = bad " " sc "(" st[sc, "tracers"] ")"
			if (st[sc, "traceroute-I"] != "ok") note = note " " sc "(" st[sc, "traceroute-I"] ")"
			if (pr[sc, "tracers"] > pr[sc, "traceroute-I"])
				badp = badp " " sc "(" pr[sc, "tracers"] ">" pr[sc, "traceroute-I"] ")"
		}
		if (nh == 0) exit
		print "tracers'"'"' hops = the lab'"'"'s truth, every run|" (bad == "" ? nh " scenarios ok" : "not ok in" bad) \
			(missed == "" ? "" : " (every reply of a hop lost on the lossy path, in" missed ")") \
			(note == "" ? "" : "; traceroute -I not ok in" note) "|" v(bad == "")
		print "probes: tracers <= traceroute -I in every scenario|" (badp == "" ? nh " scenarios ok" : badp) "|" v(badp == "")
		if (has("zero") && first["zero", "tracers"] != "-" && first["zero", "traceroute-I"] != "-") {
			d = first["zero", "tracers"] - first["zero", "traceroute-I"]
			print "zero: tracers'"'"' first probe at most 15 ms after traceroute -I'"'"'s|" f(first["zero", "tracers"]) " against " \
				f(first["zero", "traceroute-I"]) ": " sprintf("%+.1f ms", d) " (whole run " \
				sprintf("%+.1f ms", med["zero", "tracers"] - med["zero", "traceroute-I"]) ")|" v(d <= 15)
		}
		if (has("all")) {
			print "all: tracers no slower than traceroute -I|" ratio("all") "|" v(med["all", "tracers"] <= med["all", "traceroute-I"])
			print "all: tracers at most 1.5 × the limit|" f(med["all", "tracers"]) " = " sprintf("%.2f", med["all", "tracers"] / lim["all"]) " × " lim["all"] " ms|" v(med["all", "tracers"] <= 1.5 * lim["all"])
			if (trace["all", "tracers"] != "-" && trace["all", "tracers"] != "")
				print "all: (the same from the first probe on, start-up left out)|" f(trace["all", "tracers"]) " = " sprintf("%.2f", trace["all", "tracers"] / lim["all"]) " ×; traceroute -I " \
					(trace["all", "traceroute-I"] == "-" ? "-" : f(trace["all", "traceroute-I"]) " = " sprintf("%.2f", trace["all", "traceroute-I"] / lim["all"]) " ×") "|" v(trace["all", "tracers"] <= 1.5 * lim["all"])
		}
		n = split("silent loss linkloss mixed", L, " ")
		for (i = 1; i <= n; i++) if (has(L[i]))
			print L[i] ": tracers at most 0.7 × traceroute -I|" ratio(L[i]) "|" v(med[L[i], "tracers"] <= 0.7 * med[L[i], "traceroute-I"])
		if (has("noanswer"))
			print "noanswer: tracers at most 0.05 × traceroute -I|" ratio("noanswer") "|" v(med["noanswer", "tracers"] <= 0.05 * med["noanswer", "traceroute-I"])
	}' "$TMP/acc.data"
}
acceptance >"$TMP/acc.lines"
if [[ -s "$TMP/acc.lines" ]]; then
	{
		echo ""
		echo "== acceptance (issue 14, from the medians above)"
		awk -F'|' '{ printf "%-4s  %-56s %s\n", $3, $1, $2 }' "$TMP/acc.lines"
	} | tee -a "$TXT" | { if [[ -z "$MARKDOWN" ]]; then cat; else cat >/dev/null; fi; }
fi

echo "" >>"$TXT"
echo "# total $((SECONDS - START)) s" >>"$TXT"
{
	echo "Measured $STAMP on tracers $REV, $(nproc) cpus, load average $LOAD at the start"
	echo "(other work on the machine), with \`$CMDLINE\`."
	echo "Each cell: the median wall time of $ROUNDS runs ($LOSS_ROUNDS in loss and linkloss), the tools in turns, (its multiple of the"
	echo "limit), and the probes the source sent (median). The limit is the RTT of the slowest reply"
	echo "a complete trace needs: 2 × the one-way link delays up to the destination (up to the last"
	echo "router when the destination never answers). Every run's hops are checked against the"
	echo "lab's truth; only a failure is shown."
	echo ""
	printf '| scenario | limit |'
	for t in "${TOOLS[@]}"; do printf ' %s |' "$t"; done
	printf '\n|---|---:|'
	for t in "${TOOLS[@]}"; do printf -- '---:|'; done
	printf '\n'
	cat "$TMP/md.sum"
	if [[ -s "$TMP/acc.lines" ]]; then
		echo ""
		echo "Acceptance (issue 14), from these medians:"
		echo ""
		echo "| criterion | measured | |"
		echo "|---|---|---|"
		awk -F'|' '{ print "| " $1 " | " $2 " | " ($3 == "pass" ? "pass" : "**FAIL**") " |" }' "$TMP/acc.lines"
	fi
	echo ""
	echo "Per scenario (× tracers: the tool's median over tracers'):"
	cat "$TMP/md.det"
} >"$MD"
[[ -z "$MARKDOWN" ]] || cat "$MD"
log "total $((SECONDS - START)) s; tables in $TXT and $MD"
exit "$FAIL"

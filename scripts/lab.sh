#!/usr/bin/env bash
# lab.sh - build a chain of Linux network namespaces to trace through.
#
#   scripts/lab.sh up     [--prefix P] [--routers N] [--silent LIST] [--lossy LIST]
#                         [--loss PCT] [--unreach K] [--unreach-kind KIND]
#                         [--ecmp K] [--asym K] [--ipv6] [--no-offload]
#                         [--nat K [--nat-rewrite LIST]] [--listen PORT]
#                         [--delay MS[,MS...] [--jitter MS] [--loss K:PCT[,K:PCT...]]]
#   scripts/lab.sh down   [--prefix P]
#   scripts/lab.sh status [--prefix P]
#
# Topology (N routers, default 4, 1..60):
#
#   P-src --link1-- P-r1 --link2-- P-r2 ... P-rN --link(N+1)-- P-dst
#
# Link k (1..N+1) joins node k-1 and node k (node 0 = src, node N+1 = dst)
# over 10.77.k.0/24: the left end is veth "P-lka" = 10.77.k.1, the right end
# is veth "P-lkb" = 10.77.k.2. So router k answers as 10.77.k.2, the source
# is 10.77.1.1 and the destination is 10.77.(N+1).2.
#
# With --ipv6, every link also carries fd77:k::/64 (k written as in the
# IPv4 address, so link 12 is fd77:12::/64): the left end is fd77:k::1, the
# right end fd77:k::2. Router k answers as fd77:k::2, the source is
# fd77:1::1 and the destination fd77:(N+1)::2. Twins and detours use the
# same numbers as their IPv4 links (fd77:(100+K)::/64 and so on). Without
# --ipv6, IPv6 is disabled in every namespace.
#
# Options:
#   --prefix P     namespace/link name prefix, [A-Za-z0-9_]{1,10} (default trs)
#   --routers N    number of routers, 1..60 (default 4)
#   --silent LIST  comma-separated routers that drop their own ICMP Time Exceeded
#   --lossy LIST   comma-separated routers that drop PCT% of their Time Exceeded
#   --loss PCT     loss percentage for --lossy, 0..100 (default 30)
#   --unreach K    router K answers packets for the destination with
#                  ICMP host unreachable (!H; ICMPv6 address unreachable,
#                  also !H, with --ipv6) instead of forwarding them
#   --unreach-kind KIND  what --unreach answers: host (default, as above)
#                  or admin: administratively prohibited (!X), ICMP type 3
#                  code 13 / ICMPv6 type 1 code 1
#   --ecmp K       router K gets a twin, P-rKx, beside it (K in 2..N-1):
#                  router K-1 sends to both by a multipath route hashed
#                  on ports (fib_multipath_hash_policy=1), so UDP probes with
#                  different ports cross either, and TTL K shows two
#                  responders: 10.77.K.2 and the twin, 10.77.(100+K).2. The
#                  twin's links are 10.77.(100+K).0/24 (from node K-1) and
#                  10.77.(150+K).0/24 (to router K+1).
#                  Every probe method splits: UDP and TCP by the kernel's
#                  layer-4 hash (addresses, protocol, ports; IPv4 and IPv6
#                  alike). The kernel hashes ICMP by addresses alone under
#                  this policy (every ICMP probe of a source would take one
#                  branch), so router K-1 also hashes ICMP and ICMPv6 Echo
#                  Requests itself, with nftables, on the addresses and the
#                  first 4 bytes of the ICMP header (type, code, checksum),
#                  as per-flow load balancers that read the first transport
#                  bytes do: classic ICMP probes (the sequence, so the
#                  checksum, varies) cross either branch, Paris ICMP probes
#                  (constant checksum) one. Needs nft for that part.
#   --asym K       replies from router K onwards to the source take a detour
#                  (K in 2..min(N,25)): router K sends them through an extra
#                  router, P-rKd, to router K-1, so they cross one hop more
#                  back than the probes crossed forward (an asymmetric
#                  route). The detour's links are 10.77.(230+K).0/24 (from
#                  router K) and 10.77.(200+K).0/24 (to router K-1).
#   --ipv6         IPv6 beside IPv4 on every link (see above): forwarding
#                  in the routers, no duplicate address detection, no
#                  ICMPv6 rate limit; --silent, --lossy, --unreach and
#                  --ecmp act on IPv6 too (--ecmp with
#                  net.ipv6.fib_multipath_hash_policy=1). The source routes
#                  only fd77::/16 (anything else is unreachable) and, when
#                  ip6tables works, drops any other IPv6 it would send.
#                  Routers answer from the address of the link the probe
#                  came in by, as for IPv4 (seen on Linux 6.18: with --ecmp,
#                  router K+1 answers as fd77:(150+K)::2 for probes through
#                  the twin); with --asym, router K's detour route also
#                  names fd77:K::2 as its preferred source, for kernels that
#                  pick an ICMPv6 error's source by the way back.
#   --delay MS[,MS...]  real round-trip times: every link (one value) or
#                  link 1..N+1 (N+1 values) delays each packet MS ms (a
#                  decimal) each way. The links are then TUN devices, not
#                  veths, with the same names and addresses, joined by one
#                  user-space process (internal/delaylink, built with go
#                  build, or $LAB_DELAYLINK) since these kernels have no
#                  netem: pid in /run/tracers-lab/P.delaylink.pid, log
#                  in P.delaylink.log beside it; down stops it. The RTT to
#                  the destination is then 2 x the sum of the delays, plus
#                  some 0.05 ms per link (4 routers at 2 ms: 20.2-20.5 ms
#                  for 20). Not with --ecmp or --asym.
#   --jitter MS    with --delay: each packet's delay varies uniformly over
#                  MS +- this (packets are never reordered; packets within
#                  1 ms of the one before share its delay, as a burst
#                  shares a real link's queue)
#   --loss K:PCT   with --delay: link K drops PCT% of its packets, each way
#                  (a fixed seed: the same packets every run); comma list
#                  or repeated. (--loss PCT without a colon is --lossy's.)
#   --nat K        router K masquerades (source NAT, nftables) what it
#                  forwards from the source's side: routers K+1 onwards and
#                  the destination see the probes come from router K's
#                  address on link K+1, 10.77.(K+1).1 (fd77:(K+1)::1 with
#                  --ipv6), and router K translates their answers back,
#                  quoted packet included. A Linux NAT restores everything
#                  it changed in the quote (addresses, ports, ICMP id, IP
#                  and transport checksums, seen on Linux 6.18 by capturing
#                  both sides): a source that sends complete checksums sees
#                  the quote as sent, but for the TTL. (With checksum
#                  offload left on, a socket's partial UDP checksum comes
#                  back changed: the NAT's two incremental updates do not
#                  cancel on it.) So that a middlebox leaves a visible
#                  trace, router K also rewrites fields as --nat-rewrite
#                  says. K in 1..N.
#   --nat-rewrite LIST  what router K (--nat) also rewrites in every packet
#                  it forwards toward the destination, comma-separated:
#                  dscp (DSCP set to CS1: IPv4 TOS 0x20, IPv6 traffic
#                  class 0x20), ipid (the IPv4 IP ID set to 0x4d4e, 19790),
#                  or none. Default dscp. The routers after K quote the
#                  rewritten fields (and the destination's errors too);
#                  router K itself quotes the probe as sent.
#   --listen PORT  a TCP listener on PORT in the destination (IPv4, and
#                  IPv6 with --ipv6), so that a TCP SYN there is answered
#                  SYN-ACK (an open port); other ports answer RST (closed).
#                  And a UDP echo on PORT: each datagram sent back to its
#                  sender, as a DNS server answers a query (other ports
#                  answer port unreachable). It is a perl process
#                  (perl-base) that listens, never accepts, and echoes:
#                  pid in /run/tracers-lab/P.listen.pid; down stops it.
#   --no-offload   turn transmit checksum offload off on every lab link
#                  (ethtool -K DEV tx off): UDP and TCP checksums are then
#                  complete on the wire and in the packets routers quote, as
#                  on a real network. By default a veth leaves a socket's
#                  UDP checksum partial (tcpdump -vv: "bad udp cksum"), and
#                  the routers quote it so.
#
# All traffic stays inside the namespaces. Needs root, iproute2, and
# iptables (nft or legacy) only for --silent/--lossy/--unreach (ip6tables
# too with --ipv6), ethtool only for --no-offload, nft (Debian: nftables)
# only for --ecmp and --nat, perl only for --listen.
set -euo pipefail

PROG=lab.sh
export PATH="${PATH:-/usr/bin:/bin}:/usr/sbin:/sbin"

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}

usage() { # usage [RC]: help to stdout when RC is 0, else to stderr
	local rc="${1:-2}"
	if ((rc == 0)); then
		awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"
	else
		awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0" >&2
	fi
	exit "$rc"
}

# ---------------------------------------------------------------- arguments
cmd="${1:-}"
[[ -n "$cmd" ]] || usage
shift

PREFIX=trs
ROUTERS=4
SILENT=""
LOSSY=""
LOSS=30
UNREACH=0
UNREACH_KIND=host
ECMP=0
ASYM=0
IPV6=""
NO_OFFLOAD=""
NAT=0
NAT_REWRITE=dscp
LISTEN=0
DELAY=""
JITTER=""
LINKLOSS=""

need_val() { [[ $# -ge 2 && -n "$2" ]] || die "option $1 needs a value"; }

while [[ $# -gt 0 ]]; do
	opt="$1"
	val=""
	if [[ "$opt" == --*=* ]]; then
		val="${opt#*=}"
		opt="${opt%%=*}"
		set -- "$opt" "$val" "${@:2}"
	fi
	case "$opt" in
	--prefix) need_val "$@"; PREFIX="$2"; shift 2 ;;
	--routers) need_val "$@"; ROUTERS="$2"; shift 2 ;;
	--silent) need_val "$@"; SILENT="$2"; shift 2 ;;
	--lossy) need_val "$@"; LOSSY="$2"; shift 2 ;;
	--loss)
		need_val "$@"
		if [[ "$2" == *:* ]]; then LINKLOSS+="${LINKLOSS:+,}$2"; else LOSS="$2"; fi
		shift 2
		;;
	--delay) need_val "$@"; DELAY="$2"; shift 2 ;;
	--jitter) need_val "$@"; JITTER="$2"; shift 2 ;;
	--unreach) need_val "$@"; UNREACH="$2"; shift 2 ;;
	--unreach-kind) need_val "$@"; UNREACH_KIND="$2"; shift 2 ;;
	--ecmp) need_val "$@"; ECMP="$2"; shift 2 ;;
	--ipv6) IPV6=1; shift ;;
	--no-offload) NO_OFFLOAD=1; shift ;;
	--asym) need_val "$@"; ASYM="$2"; shift 2 ;;
	--nat) need_val "$@"; NAT="$2"; shift 2 ;;
	--nat-rewrite) need_val "$@"; NAT_REWRITE="$2"; shift 2 ;;
	--listen) need_val "$@"; LISTEN="$2"; shift 2 ;;
	-h | --help) usage 0 ;;
	*) die "unknown argument: $1 (try --help)" ;;
	esac
done

[[ "$PREFIX" =~ ^[A-Za-z0-9_]{1,10}$ ]] ||
	die "bad --prefix '$PREFIX': want 1-10 chars of [A-Za-z0-9_]"

# ---------------------------------------------------------------- helpers
ns_src() { echo "$PREFIX-src"; }
ns_dst() { echo "$PREFIX-dst"; }
# node_ns I: namespace of node I (0 = src, 1..N = routers, N+1 = dst).
node_ns() {
	if (($1 == 0)); then ns_src
	elif (($1 == ROUTERS + 1)); then ns_dst
	else echo "$PREFIX-r$1"
	fi
}

# lab_namespaces: the namespaces of this prefix that exist now.
lab_namespaces() {
	# "ip netns list" prints "name" or "name (id: N)".
	ip netns list 2>/dev/null | awk '{print $1}' |
		grep -E "^${PREFIX}-(src|dst|r[0-9]+[xd]?)\$" || true
}

# lab_root_links: stray lab veths left in the root namespace (only after a
# crash mid-build; links are normally created directly inside namespaces).
lab_root_links() {
	ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' |
		grep -E "^${PREFIX}-l[0-9]+[abxypq]\$" || true
}

require_root_ip() {
	[[ "$(id -u)" == 0 ]] || die "must run as root (network namespaces need CAP_SYS_ADMIN)"
	command -v ip >/dev/null 2>&1 || die "'ip' (iproute2) not found in PATH"
}

# parse_list NAME LIST: validate a comma-separated router list, print it
# space-separated.
parse_list() {
	local name="$1" list="$2" out="" k
	[[ -z "$list" ]] && return 0
	[[ "$list" =~ ^[0-9]+(,[0-9]+)*$ ]] || die "bad $name '$list': want e.g. 2,3"
	IFS=, read -r -a items <<<"$list"
	for k in "${items[@]}"; do
		k=$((10#$k))
		((k >= 1 && k <= ROUTERS)) || die "$name: router $k out of range 1..$ROUTERS"
		out+="$k "
	done
	echo "$out"
}

IPT=""
IP6T=""
# pick_xtables NS BIN: print the variant of BIN (iptables or ip6tables:
# plain, -nft or -legacy) that works inside NS.
pick_xtables() {
	local ns="$1" bin="$2" c
	for c in "$bin" "$bin-nft" "$bin-legacy"; do
		command -v "$c" >/dev/null 2>&1 || continue
		if ip netns exec "$ns" "$c" -w 5 -S >/dev/null 2>&1; then
			echo "$c"
			return 0
		fi
	done
	return 1
}
pick_iptables() { IPT="$(pick_xtables "$1" iptables)"; }   # pick_iptables NS
pick_ip6tables() { IP6T="$(pick_xtables "$1" ip6tables)"; } # pick_ip6tables NS

ipt() { # ipt NS ARGS...
	local ns="$1"
	shift
	ip netns exec "$ns" "$IPT" -w 5 "$@"
}

ip6t() { # ip6t NS ARGS...
	local ns="$1"
	shift
	ip netns exec "$ns" "$IP6T" -w 5 "$@"
}

# ns_ipv6 NS FWD: IPv6 on or off in NS before its links exist, so that the
# "default" values reach them. With --ipv6: on, forwarding FWD (0 or 1), no
# duplicate address detection, no router advertisements, no ICMPv6 rate
# limit. Without: off (IPv6 may be compiled out: failures ignored then).
ns_ipv6() {
	local ns="$1" fwd="$2"
	if [[ -z "$IPV6" ]]; then
		ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
		return 0
	fi
	ip netns exec "$ns" sysctl -q -w \
		net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.default.disable_ipv6=0 \
		net.ipv6.conf.all.forwarding="$fwd" \
		net.ipv6.conf.default.forwarding="$fwd" \
		net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.dad_transmits=0 \
		net.ipv6.conf.default.dad_transmits=0 \
		net.ipv6.conf.all.accept_ra=0 \
		net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.icmp.ratelimit=0 >/dev/null ||
		die "IPv6 sysctl failed in $ns (is IPv6 available here?)"
}

# The delay process (--delay): its files.
RUNDIR=/run/tracers-lab
[[ -d /run && -w /run ]] || RUNDIR=/tmp/tracers-lab
dl_pidfile() { echo "$RUNDIR/$PREFIX.delaylink.pid"; }
dl_log() { echo "$RUNDIR/$PREFIX.delaylink.log"; }

# dl_pid: the pid of this prefix's delay process, if it runs.
dl_pid() {
	local pid
	pid="$(cat "$(dl_pidfile)" 2>/dev/null || true)"
	[[ "$pid" =~ ^[0-9]+$ ]] || return 0
	# The pid file may outlive its process: check the process is ours.
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-ready $(dl_pidfile) " &&
		dl_alive "$pid" && echo "$pid"
	return 0
}

# dl_alive PID: the process runs (a zombie does not count: it waits for a
# parent that may never reap it).
dl_alive() {
	local st
	st="$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null || true)"
	[[ -n "$st" && "$st" != Z ]]
}

# dl_stop: stop the delay process (its TUN links vanish with it).
dl_stop() {
	local pid i
	pid="$(dl_pid)"
	if [[ -n "$pid" ]]; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			dl_alive "$pid" || break
			sleep 0.05
		done
		if dl_alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
			sleep 0.1
		fi
	fi
	rm -f "$(dl_pidfile)"
	rm -rf "$RUNDIR/$PREFIX.bin"
}

# dl_start SPEC...: build (or take $LAB_DELAYLINK) and start the delay
# process for the given links; wait until every TUN device exists.
dl_start() {
	local bin="${LAB_DELAYLINK:-}" root pid i
	mkdir -p "$RUNDIR" || die "cannot create $RUNDIR"
	if [[ -z "$bin" ]]; then
		command -v go >/dev/null 2>&1 || die "--delay needs go (to build internal/delaylink) or LAB_DELAYLINK=path of a built delaylink"
		root="$(cd "$(dirname "$0")/.." && pwd)"
		bin="$RUNDIR/$PREFIX.bin/delaylink"
		(cd "$root" && go build -o "$bin" ./internal/delaylink/cmd/delaylink) ||
			die "cannot build internal/delaylink/cmd/delaylink"
	fi
	rm -f "$(dl_pidfile)"
	"$bin" -ready "$(dl_pidfile)" "$@" </dev/null >"$(dl_log)" 2>&1 &
	pid=$!
	for ((i = 0; i < 200; i++)); do
		[[ -s "$(dl_pidfile)" ]] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	die "delaylink did not start: $(tail -n 3 "$(dl_log)" 2>/dev/null | tr '\n' ' ')"
}

# The listener (--listen): its pid file, and how to stop it.
ls_pidfile() { echo "$RUNDIR/$PREFIX.listen.pid"; }
ls_stop() {
	local pid
	pid="$(cat "$(ls_pidfile)" 2>/dev/null || true)"
	# The pid file may outlive its process: check the process is ours.
	if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "tracers-lab-listen $PREFIX "; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			dl_alive "$pid" || break
			sleep 0.05
		done
	fi
	rm -f "$(ls_pidfile)" "$RUNDIR/$PREFIX.listen.log"
}

# ls_start PORT: a TCP listener on PORT in the destination, on 0.0.0.0 and,
# with --ipv6, on :: (IPV6_V6ONLY), that never accepts: the kernel answers
# SYN with SYN-ACK; and a UDP echo on the same addresses and port, which
# sends every datagram back to where it came from. perl-base's Socket
# module only.
ls_start() {
	local port="$1" v6=0 pid i
	[[ -z "$IPV6" ]] || v6=1
	mkdir -p "$RUNDIR" || die "cannot create $RUNDIR"
	rm -f "$(ls_pidfile)"
	# shellcheck disable=SC2016 # perl's own variables
	ip netns exec "$(ns_dst)" setsid perl -MSocket=:all -e '
		my ($port, $v6, $ready) = @ARGV[2, 3, 4];
		socket(my $s4, AF_INET, SOCK_STREAM, 0) or die "socket: $!";
		setsockopt($s4, SOL_SOCKET, SO_REUSEADDR, 1);
		bind($s4, pack_sockaddr_in($port, INADDR_ANY)) or die "bind 0.0.0.0:$port: $!";
		listen($s4, 1024) or die "listen: $!";
		if ($v6) {
			socket(my $s6, AF_INET6, SOCK_STREAM, 0) or die "socket6: $!";
			setsockopt($s6, IPPROTO_IPV6, IPV6_V6ONLY, 1) or die "v6only: $!";
			setsockopt($s6, SOL_SOCKET, SO_REUSEADDR, 1);
			bind($s6, pack_sockaddr_in6($port, IN6ADDR_ANY)) or die "bind [::]:$port: $!";
			listen($s6, 1024) or die "listen6: $!";
			push @keep, $s6;
		}
		my @udp;
		for my $fam ($v6 ? (AF_INET, AF_INET6) : (AF_INET)) {
			socket(my $u, $fam, SOCK_DGRAM, 0) or die "udp socket: $!";
			setsockopt($u, IPPROTO_IPV6, IPV6_V6ONLY, 1) if $fam == AF_INET6;
			bind($u, $fam == AF_INET6 ? pack_sockaddr_in6($port, IN6ADDR_ANY) : pack_sockaddr_in($port, INADDR_ANY))
				or die "bind udp $port: $!";
			push @udp, $u;
		}
		open(my $f, ">", $ready) or die "$ready: $!"; print $f "$$\n"; close($f);
		while (1) {
			my $rin = "";
			vec($rin, fileno($_), 1) = 1 for @udp;
			select(my $rout = $rin, undef, undef, undef) > 0 or next;
			for my $u (@udp) {
				next unless vec($rout, fileno($u), 1);
				my $from = recv($u, my $buf, 65535, 0);
				send($u, $buf, 0, $from) if defined $from;
			}
		}
	' tracers-lab-listen "$PREFIX" "$port" "$v6" "$(ls_pidfile)" </dev/null >/dev/null 2>"$RUNDIR/$PREFIX.listen.log" &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[[ -s "$(ls_pidfile)" ]] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	die "the listener on port $port did not start: $(tr '\n' ' ' <"$RUNDIR/$PREFIX.listen.log" 2>/dev/null)"
}

# ---------------------------------------------------------------- down/status
do_down() {
	local quiet="${1:-}" ns n=0 pids l
	dl_stop
	ls_stop
	for ns in $(lab_namespaces); do
		pids="$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ' || true)"
		if [[ -n "${pids// /}" ]]; then
			echo "$PROG: warning: processes still in $ns (pids: $pids); the namespace lives on until they exit" >&2
		fi
		ip netns del "$ns" 2>/dev/null || ip netns del "$ns"
		n=$((n + 1))
	done
	for l in $(lab_root_links); do
		ip link del "$l" 2>/dev/null || true
	done
	[[ -n "$quiet" ]] || echo "lab $PREFIX: removed $n namespaces"
}

do_status() {
	local nss ns
	nss="$(lab_namespaces)"
	if [[ -z "$nss" ]]; then
		echo "lab $PREFIX: not running"
		return 0
	fi
	# Sort as src, r1..rN, dst.
	nss="$(printf '%s\n' $nss | awk -v p="$PREFIX-" '{
		s=substr($0, length(p)+1)
		k = (s=="src") ? 0 : (s=="dst") ? 1000 : substr(s,2)+0
		print k, $0}' | sort -n | awk '{print $2}')"
	echo "lab $PREFIX: $(echo "$nss" | wc -l) namespaces"
	for ns in $nss; do
		echo "$ns:"
		ip -n "$ns" -br -4 addr show 2>/dev/null | grep -v '^lo ' | sed 's/^/  /' || true
		ip -n "$ns" -4 route show 2>/dev/null | grep '^default' | sed 's/^/  /' || true
		ip -n "$ns" -br -6 addr show scope global 2>/dev/null | sed 's/^/  /' || true
		ip -n "$ns" -6 route show 2>/dev/null | grep -E '^(default|unreachable default|fd77::/16)' | sed 's/^/  /' || true
	done
	for l in $(lab_root_links); do
		echo "stray link in root namespace: $l"
	done
	l="$(dl_pid)"
	[[ -z "$l" ]] || echo "delay process: pid $l, log $(dl_log)"
	l="$(cat "$(ls_pidfile)" 2>/dev/null || true)"
	[[ -z "$l" ]] || echo "listener: pid $l"
}

# ---------------------------------------------------------------- up
do_up() {
	[[ "$ROUTERS" =~ ^[0-9]+$ ]] && ((10#$ROUTERS >= 1 && 10#$ROUTERS <= 60)) ||
		die "bad --routers '$ROUTERS': want 1..60"
	ROUTERS=$((10#$ROUTERS))
	[[ "$LOSS" =~ ^[0-9]+$ ]] && ((10#$LOSS <= 100)) || die "bad --loss '$LOSS': want 0..100"
	LOSS=$((10#$LOSS))
	[[ "$UNREACH" =~ ^[0-9]+$ ]] || die "bad --unreach '$UNREACH': want a router number"
	UNREACH=$((10#$UNREACH))
	((UNREACH <= ROUTERS)) || die "--unreach: router $UNREACH out of range 1..$ROUTERS"
	[[ "$UNREACH_KIND" == host || "$UNREACH_KIND" == admin ]] ||
		die "bad --unreach-kind '$UNREACH_KIND': want host or admin"
	[[ "$ECMP" =~ ^[0-9]+$ ]] || die "bad --ecmp '$ECMP': want a router number"
	ECMP=$((10#$ECMP))
	((ECMP == 0 || (ECMP >= 2 && ECMP < ROUTERS))) ||
		die "--ecmp: router $ECMP out of range 2..$((ROUTERS - 1)) (a router before it splits the flows, the twin joins router K+1)"
	[[ "$ASYM" =~ ^[0-9]+$ ]] || die "bad --asym '$ASYM': want a router number"
	ASYM=$((10#$ASYM))
	((ASYM == 0 || (ASYM >= 2 && ASYM <= ROUTERS && ASYM <= 25))) ||
		die "--asym: router $ASYM out of range 2..$((ROUTERS < 25 ? ROUTERS : 25))"
	[[ "$NAT" =~ ^[0-9]+$ ]] || die "bad --nat '$NAT': want a router number"
	NAT=$((10#$NAT))
	((NAT <= ROUTERS)) || die "--nat: router $NAT out of range 1..$ROUTERS"
	[[ "$NAT_REWRITE" =~ ^(none|dscp|ipid)(,(dscp|ipid))*$ ]] ||
		die "bad --nat-rewrite '$NAT_REWRITE': want none, or dscp, ipid or dscp,ipid"
	[[ "$LISTEN" =~ ^[0-9]+$ ]] || die "bad --listen '$LISTEN': want a port 1..65535"
	LISTEN=$((10#$LISTEN))
	((LISTEN <= 65535)) || die "bad --listen '$LISTEN': want a port 1..65535"
	if ((ECMP > 0 || NAT > 0)) && ! command -v nft >/dev/null 2>&1; then
		die "nft not found; needed for --ecmp and --nat (Debian: package nftables)"
	fi
	if ((LISTEN > 0)) && ! command -v perl >/dev/null 2>&1; then
		die "perl not found; needed for --listen"
	fi
	local silent lossy
	# Delays per link, 1..N+1 (empty: veths, no delay process).
	local delays=() linkloss=() last=$((ROUTERS + 1)) x
	local num='^[0-9]+(\.[0-9]+)?$'
	if [[ -n "$DELAY" ]]; then
		((ECMP == 0 && ASYM == 0)) || die "--delay does not combine with --ecmp or --asym (their extra links would have no delay)"
		IFS=, read -r -a delays <<<"$DELAY"
		for x in "${delays[@]}"; do
			[[ "$x" =~ $num ]] || die "bad --delay '$DELAY': want MS or MS,MS,... (decimal milliseconds)"
		done
		if ((${#delays[@]} == 1)); then
			for ((x = 1; x < last; x++)); do delays+=("${delays[0]}"); done
		fi
		((${#delays[@]} == last)) || die "--delay: ${#delays[@]} values for $last links (give one, or one per link)"
		[[ -z "$JITTER" || "$JITTER" =~ $num ]] || die "bad --jitter '$JITTER': want decimal milliseconds"
		for ((x = 0; x < last; x++)); do linkloss+=(0); done
		if [[ -n "$LINKLOSS" ]]; then
			local item lk lp
			IFS=, read -r -a items <<<"$LINKLOSS"
			for item in "${items[@]}"; do
				lk="${item%%:*}"
				lp="${item#*:}"
				[[ "$lk" =~ ^[0-9]+$ && "$lp" =~ $num ]] || die "bad --loss '$item': want K:PCT"
				lk=$((10#$lk))
				((lk >= 1 && lk <= last)) || die "--loss: link $lk out of range 1..$last"
				awk -v p="$lp" 'BEGIN{exit !(p <= 100)}' || die "--loss: $lp% over 100"
				linkloss[lk - 1]="$lp"
			done
		fi
	elif [[ -n "$JITTER$LINKLOSS" ]]; then
		die "--jitter and --loss K:PCT need --delay (--delay 0 for none)"
	fi
	silent="$(parse_list --silent "$SILENT")"
	lossy="$(parse_list --lossy "$LOSSY")"
	local want_ipt=""
	[[ -n "$silent$lossy" || $UNREACH -gt 0 ]] && want_ipt=1
	if [[ -n "$want_ipt" ]] && ! command -v iptables >/dev/null 2>&1 &&
		! command -v iptables-nft >/dev/null 2>&1 && ! command -v iptables-legacy >/dev/null 2>&1; then
		die "iptables not found; needed for --silent/--lossy/--unreach"
	fi
	if [[ -n "$want_ipt" && -n "$IPV6" ]] && ! command -v ip6tables >/dev/null 2>&1 &&
		! command -v ip6tables-nft >/dev/null 2>&1 && ! command -v ip6tables-legacy >/dev/null 2>&1; then
		die "ip6tables not found; needed for --silent/--lossy/--unreach with --ipv6 (Debian: package iptables)"
	fi

	if [[ -n "$NO_OFFLOAD" ]] && ! command -v ethtool >/dev/null 2>&1; then
		die "ethtool not found; needed for --no-offload (Debian: package ethtool)"
	fi

	do_down quiet

	# From here on, a failure tears the half-built lab down again.
	trap 'rc=$?; if ((rc != 0)); then do_down quiet >/dev/null 2>&1 || true; fi' EXIT

	local batch6="" i k ns dst="10.77.$((ROUTERS + 1)).2" dst6="fd77:$((ROUTERS + 1))::2"

	# Namespaces and per-namespace sysctls (before links, so "default"
	# applies to the new interfaces).
	for ((i = 0; i <= last; i++)); do
		ns="$(node_ns "$i")"
		ip netns add "$ns" 2>/dev/null || die "cannot create network namespace $ns (ip netns add failed; is this a privileged container?)"
		local fwd=0
		((i >= 1 && i <= ROUTERS)) && fwd=1
		ns_ipv6 "$ns" "$fwd"
		ip netns exec "$ns" sysctl -q -w \
			net.ipv4.ip_forward=$fwd \
			net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 \
			net.ipv4.icmp_errors_use_inbound_ifaddr=1 \
			net.ipv4.icmp_ratelimit=0 \
			net.ipv4.icmp_msgs_burst=10000 \
			net.ipv4.icmp_msgs_per_sec=100000 \
			net.ipv4.icmp_echo_ignore_all=0 \
			net.ipv4.ping_group_range="0 2147483647" >/dev/null ||
			die "sysctl failed in $ns"
	done

	# Links: created directly inside their namespaces, so the names never
	# clash in the root namespace.
	# With --delay, TUN devices of the same names, made by the delay
	# process inside their namespaces.
	local specs=()
	for ((k = 1; k <= last; k++)); do
		local lns rns la="$PREFIX-l${k}a" lb="$PREFIX-l${k}b"
		lns="$(node_ns $((k - 1)))"
		rns="$(node_ns "$k")"
		if [[ -n "$DELAY" ]]; then
			specs+=("$lns,$la,$rns,$lb,${delays[k - 1]},${JITTER:-0},${linkloss[k - 1]}")
			continue
		fi
		ip link add "$la" netns "$lns" type veth peer name "$lb" netns "$rns" ||
			die "cannot create veth $la/$lb"
	done
	[[ -z "$DELAY" ]] || dl_start "${specs[@]}"

	# Addresses, routes, per-interface sysctls.
	for ((i = 0; i <= last; i++)); do
		ns="$(node_ns "$i")"
		local batch="link set lo up"$'\n' ifs="lo"
		if ((i >= 1)); then # left link i, we are the right side
			batch+="addr add 10.77.$i.2/24 dev $PREFIX-l${i}b"$'\n'
			[[ -z "$IPV6" ]] || batch+="addr add fd77:$i::2/64 dev $PREFIX-l${i}b nodad"$'\n'
			batch+="link set $PREFIX-l${i}b up"$'\n'
			ifs+=" $PREFIX-l${i}b"
		fi
		if ((i <= ROUTERS)); then # right link i+1, we are the left side
			batch+="addr add 10.77.$((i + 1)).1/24 dev $PREFIX-l$((i + 1))a"$'\n'
			[[ -z "$IPV6" ]] || batch+="addr add fd77:$((i + 1))::1/64 dev $PREFIX-l$((i + 1))a nodad"$'\n'
			batch+="link set $PREFIX-l$((i + 1))a up"$'\n'
			ifs+=" $PREFIX-l$((i + 1))a"
		fi
		if ((i == 0)); then
			batch+="route add default via 10.77.1.2"$'\n'
			# IPv6 leaves the source only for the lab's own prefix.
			[[ -z "$IPV6" ]] || batch6+="route add fd77::/16 via fd77:1::2"$'\n'"route add unreachable default"$'\n'
		elif ((i == last)); then
			batch+="route add default via 10.77.$last.1"$'\n'
			[[ -z "$IPV6" ]] || batch6+="route add default via fd77:$last::1"$'\n'
		else
			batch+="route add default via 10.77.$((i + 1)).2"$'\n'
			[[ -z "$IPV6" ]] || batch6+="route add default via fd77:$((i + 1))::2"$'\n'
			local j
			for ((j = 1; j < i; j++)); do
				batch+="route add 10.77.$j.0/24 via 10.77.$i.1"$'\n'
				[[ -z "$IPV6" ]] || batch6+="route add fd77:$j::/64 via fd77:$i::1"$'\n'
			done
		fi
		ip -n "$ns" -batch - <<<"$batch" || die "ip configuration failed in $ns"
		if [[ -n "$batch6" ]]; then
			ip -6 -n "$ns" -batch - <<<"$batch6" || die "ip -6 configuration failed in $ns"
		fi
		batch6=""
		local sc=() ifn
		for ifn in $ifs; do
			sc+=("net.ipv4.conf.$ifn.rp_filter=0")
		done
		ip netns exec "$ns" sysctl -q -w "${sc[@]}" >/dev/null || die "sysctl failed in $ns"
	done

	# A twin of router K beside it, reached by a multipath route.
	if ((ECMP > 0)); then
		local K=$ECMP tw="$PREFIX-r${ECMP}x" prev next
		prev="$(node_ns $((ECMP - 1)))"
		next="$(node_ns $((ECMP + 1)))"
		ip netns add "$tw" 2>/dev/null || die "cannot create network namespace $tw"
		ns_ipv6 "$tw" 1
		ip netns exec "$tw" sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 net.ipv4.icmp_errors_use_inbound_ifaddr=1 \
			net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_burst=10000 \
			net.ipv4.icmp_msgs_per_sec=100000 >/dev/null || die "sysctl failed in $tw"
		ip link add "$PREFIX-l${K}x" netns "$prev" type veth peer name "$PREFIX-l${K}y" netns "$tw" ||
			die "cannot create the twin's left link"
		ip link add "$PREFIX-l$((K + 1))x" netns "$tw" type veth peer name "$PREFIX-l$((K + 1))y" netns "$next" ||
			die "cannot create the twin's right link"
		local a=$((100 + K)) b=$((150 + K)) batch j
		# Router K-1: both ways forward, by ports.
		batch="addr add 10.77.$a.1/24 dev $PREFIX-l${K}x"$'\n'
		[[ -z "$IPV6" ]] || batch+="addr add fd77:$a::1/64 dev $PREFIX-l${K}x nodad"$'\n'
		batch+="link set $PREFIX-l${K}x up"$'\n'
		batch+="route replace default nexthop via 10.77.$K.2 nexthop via 10.77.$a.2"$'\n'
		# IPv6: "replace" may append a nexthop to a multipath route.
		[[ -z "$IPV6" ]] || batch6+="route del default"$'\n'"route add default nexthop via fd77:$K::2 nexthop via fd77:$a::2"$'\n'
		ip -n "$prev" -batch - <<<"$batch" || die "ip configuration failed in $prev"
		if [[ -n "$batch6" ]]; then
			ip -6 -n "$prev" -batch - <<<"$batch6" || die "ip -6 configuration failed in $prev"
		fi
		batch6=""
		ip netns exec "$prev" sysctl -q -w net.ipv4.fib_multipath_hash_policy=1 \
			"net.ipv4.conf.$PREFIX-l${K}x.rp_filter=0" >/dev/null || die "sysctl failed in $prev"
		if [[ -n "$IPV6" ]]; then
			ip netns exec "$prev" sysctl -q -w net.ipv6.fib_multipath_hash_policy=1 >/dev/null ||
				die "sysctl net.ipv6.fib_multipath_hash_policy failed in $prev"
		fi
		# ICMP Echo: the kernel hashes it by addresses only, so router
		# K-1 hashes it itself on the addresses and the ICMP header's
		# first 4 bytes (type, code, checksum) into a mark, 1 or 2, that
		# picks router K or the twin. Routes more specific than the
		# default (the links, the way back) still come from the main
		# table first.
		ip netns exec "$prev" nft -f - <<EOF_NFT || die "nft rules for --ecmp's ICMP hash failed in $prev"
table inet tracers_lab_ecmp {
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		icmp type echo-request meta mark set jhash ip saddr . ip daddr . @th,0,32 mod 2 offset 1
		icmpv6 type echo-request meta mark set jhash ip6 saddr . ip6 daddr . @th,0,32 mod 2 offset 1
	}
}
EOF_NFT
		batch="rule add pref 100 lookup main suppress_prefixlength 0"$'\n'
		batch+="rule add pref 101 fwmark 1 lookup 201"$'\n'"rule add pref 102 fwmark 2 lookup 202"$'\n'
		batch+="route add default via 10.77.$K.2 table 201"$'\n'"route add default via 10.77.$a.2 table 202"$'\n'
		ip -n "$prev" -batch - <<<"$batch" || die "ip rules for --ecmp's ICMP hash failed in $prev"
		if [[ -n "$IPV6" ]]; then
			batch="rule add pref 100 lookup main suppress_prefixlength 0"$'\n'
			batch+="rule add pref 101 fwmark 1 lookup 201"$'\n'"rule add pref 102 fwmark 2 lookup 202"$'\n'
			batch+="route add default via fd77:$K::2 table 201"$'\n'"route add default via fd77:$a::2 table 202"$'\n'
			ip -6 -n "$prev" -batch - <<<"$batch" || die "ip -6 rules for --ecmp's ICMP hash failed in $prev"
		fi
		# The twin: forward to router K+1, back to the node before K.
		batch="link set lo up"$'\n'"addr add 10.77.$a.2/24 dev $PREFIX-l${K}y"$'\n'
		[[ -z "$IPV6" ]] || batch+="addr add fd77:$a::2/64 dev $PREFIX-l${K}y nodad"$'\n'
		batch+="link set $PREFIX-l${K}y up"$'\n'
		batch+="addr add 10.77.$b.1/24 dev $PREFIX-l$((K + 1))x"$'\n'
		[[ -z "$IPV6" ]] || batch+="addr add fd77:$b::1/64 dev $PREFIX-l$((K + 1))x nodad"$'\n'
		batch+="link set $PREFIX-l$((K + 1))x up"$'\n'
		batch+="route add default via 10.77.$b.2"$'\n'
		[[ -z "$IPV6" ]] || batch6+="route add default via fd77:$b::2"$'\n'
		for ((j = 1; j < K; j++)); do
			batch+="route add 10.77.$j.0/24 via 10.77.$a.1"$'\n'
			[[ -z "$IPV6" ]] || batch6+="route add fd77:$j::/64 via fd77:$a::1"$'\n'
		done
		ip -n "$tw" -batch - <<<"$batch" || die "ip configuration failed in $tw"
		if [[ -n "$batch6" ]]; then
			ip -6 -n "$tw" -batch - <<<"$batch6" || die "ip -6 configuration failed in $tw"
		fi
		batch6=""
		ip netns exec "$tw" sysctl -q -w "net.ipv4.conf.$PREFIX-l${K}y.rp_filter=0" \
			"net.ipv4.conf.$PREFIX-l$((K + 1))x.rp_filter=0" >/dev/null || die "sysctl failed in $tw"
		# Router K+1: the twin's link, and the way back to it.
		batch="addr add 10.77.$b.2/24 dev $PREFIX-l$((K + 1))y"$'\n'
		[[ -z "$IPV6" ]] || batch+="addr add fd77:$b::2/64 dev $PREFIX-l$((K + 1))y nodad"$'\n'
		batch+="link set $PREFIX-l$((K + 1))y up"$'\n'
		batch+="route add 10.77.$a.0/24 via 10.77.$b.1"$'\n'
		[[ -z "$IPV6" ]] || batch6+="route add fd77:$a::/64 via fd77:$b::1"$'\n'
		ip -n "$next" -batch - <<<"$batch" || die "ip configuration failed in $next"
		if [[ -n "$batch6" ]]; then
			ip -6 -n "$next" -batch - <<<"$batch6" || die "ip -6 configuration failed in $next"
		fi
		batch6=""
		ip netns exec "$next" sysctl -q -w "net.ipv4.conf.$PREFIX-l$((K + 1))y.rp_filter=0" >/dev/null ||
			die "sysctl failed in $next"
	fi

	# A detour on the way back from router K to router K-1.
	if ((ASYM > 0)); then
		local K=$ASYM dt="$PREFIX-r${ASYM}d" rk rp batch
		rk="$(node_ns "$K")"
		rp="$(node_ns $((K - 1)))"
		local up=$((230 + K)) down=$((200 + K))
		ip netns add "$dt" 2>/dev/null || die "cannot create network namespace $dt"
		ns_ipv6 "$dt" 1
		ip netns exec "$dt" sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 net.ipv4.icmp_ratelimit=0 >/dev/null || die "sysctl failed in $dt"
		ip link add "$PREFIX-l${K}p" netns "$rk" type veth peer name "$PREFIX-l${K}q" netns "$dt" ||
			die "cannot create the detour's link from router $K"
		ip link add "$PREFIX-l$((K - 1))p" netns "$dt" type veth peer name "$PREFIX-l$((K - 1))q" netns "$rp" ||
			die "cannot create the detour's link to router $((K - 1))"
		batch="addr add 10.77.$up.1/24 dev $PREFIX-l${K}p"$'\n'
		[[ -z "$IPV6" ]] || batch+="addr add fd77:$up::1/64 dev $PREFIX-l${K}p nodad"$'\n'
		batch+="link set $PREFIX-l${K}p up"$'\n'
		batch+="route replace 10.77.1.0/24 via 10.77.$up.2"$'\n'
		# IPv6 picks an ICMPv6 error's source by the way back: keep
		# router K's own address on the detour with a preferred source.
		[[ -z "$IPV6" ]] || batch6+="route replace fd77:1::/64 via fd77:$up::2 src fd77:$K::2"$'\n'
		ip -n "$rk" -batch - <<<"$batch" || die "ip configuration failed in $rk"
		if [[ -n "$batch6" ]]; then
			ip -6 -n "$rk" -batch - <<<"$batch6" || die "ip -6 configuration failed in $rk"
		fi
		batch6=""
		batch="link set lo up"$'\n'"addr add 10.77.$up.2/24 dev $PREFIX-l${K}q"$'\n'
		[[ -z "$IPV6" ]] || batch+="addr add fd77:$up::2/64 dev $PREFIX-l${K}q nodad"$'\n'
		batch+="link set $PREFIX-l${K}q up"$'\n'
		batch+="addr add 10.77.$down.2/24 dev $PREFIX-l$((K - 1))p"$'\n'
		[[ -z "$IPV6" ]] || batch+="addr add fd77:$down::2/64 dev $PREFIX-l$((K - 1))p nodad"$'\n'
		batch+="link set $PREFIX-l$((K - 1))p up"$'\n'
		batch+="route add 10.77.1.0/24 via 10.77.$down.1"$'\n'"route add default via 10.77.$up.1"$'\n'
		[[ -z "$IPV6" ]] || batch6+="route add fd77:1::/64 via fd77:$down::1"$'\n'"route add default via fd77:$up::1"$'\n'
		ip -n "$dt" -batch - <<<"$batch" || die "ip configuration failed in $dt"
		if [[ -n "$batch6" ]]; then
			ip -6 -n "$dt" -batch - <<<"$batch6" || die "ip -6 configuration failed in $dt"
		fi
		batch6=""
		batch="addr add 10.77.$down.1/24 dev $PREFIX-l$((K - 1))q"$'\n'
		[[ -z "$IPV6" ]] || batch+="addr add fd77:$down::1/64 dev $PREFIX-l$((K - 1))q nodad"$'\n'
		batch+="link set $PREFIX-l$((K - 1))q up"$'\n'
		ip -n "$rp" -batch - <<<"$batch" || die "ip configuration failed in $rp"
		if [[ -n "$batch6" ]]; then
			ip -6 -n "$rp" -batch - <<<"$batch6" || die "ip -6 configuration failed in $rp"
		fi
		batch6=""
		ip netns exec "$rk" sysctl -q -w "net.ipv4.conf.$PREFIX-l${K}p.rp_filter=0" >/dev/null &&
			ip netns exec "$dt" sysctl -q -w "net.ipv4.conf.$PREFIX-l${K}q.rp_filter=0" \
				"net.ipv4.conf.$PREFIX-l$((K - 1))p.rp_filter=0" >/dev/null &&
			ip netns exec "$rp" sysctl -q -w "net.ipv4.conf.$PREFIX-l$((K - 1))q.rp_filter=0" >/dev/null ||
			die "sysctl failed on the detour"
	fi

	# Checksums in software on every lab link.
	if [[ -n "$NO_OFFLOAD" ]]; then
		local dev
		for ns in $(lab_namespaces); do
			for dev in $(ip -n "$ns" -o link show type veth | awk -F': ' '{print $2}' | sed 's/@.*//'); do
				ip netns exec "$ns" ethtool -K "$dev" tx off >/dev/null 2>&1 ||
					die "ethtool -K $dev tx off failed in $ns"
			done
		done
	fi

	# Misbehaving routers.
	if [[ -n "$want_ipt" ]]; then
		pick_iptables "$(ns_src)" ||
			die "iptables does not work in a network namespace here (tried iptables, iptables-nft, iptables-legacy); needed for --silent/--lossy/--unreach"
		for k in $silent; do
			ipt "$(node_ns "$k")" -A OUTPUT -p icmp --icmp-type time-exceeded -j DROP ||
				die "iptables rule for --silent $k failed"
		done
		local prob
		prob="$(awk -v p="$LOSS" 'BEGIN{printf "%.4f", p/100}')"
		for k in $lossy; do
			ipt "$(node_ns "$k")" -A OUTPUT -p icmp --icmp-type time-exceeded \
				-m statistic --mode random --probability "$prob" -j DROP ||
				die "iptables rule for --lossy $k failed"
		done
		if ((UNREACH > 0)); then
			local with=icmp-host-unreachable
			[[ "$UNREACH_KIND" == admin ]] && with=icmp-admin-prohibited
			ipt "$(node_ns "$UNREACH")" -A FORWARD -d "$dst" -j REJECT \
				--reject-with "$with" ||
				die "iptables rule for --unreach $UNREACH failed"
		fi
		if [[ -n "$IPV6" ]]; then
			pick_ip6tables "$(ns_src)" ||
				die "ip6tables does not work in a network namespace here (tried ip6tables, ip6tables-nft, ip6tables-legacy); needed for --silent/--lossy/--unreach with --ipv6"
			for k in $silent; do
				ip6t "$(node_ns "$k")" -A OUTPUT -p ipv6-icmp --icmpv6-type time-exceeded -j DROP ||
					die "ip6tables rule for --silent $k failed"
			done
			for k in $lossy; do
				ip6t "$(node_ns "$k")" -A OUTPUT -p ipv6-icmp --icmpv6-type time-exceeded \
					-m statistic --mode random --probability "$prob" -j DROP ||
					die "ip6tables rule for --lossy $k failed"
			done
			if ((UNREACH > 0)); then
				local with6=icmp6-addr-unreachable
				[[ "$UNREACH_KIND" == admin ]] && with6=icmp6-adm-prohibited
				ip6t "$(node_ns "$UNREACH")" -A FORWARD -d "$dst6" -j REJECT \
					--reject-with "$with6" ||
					die "ip6tables rule for --unreach $UNREACH failed"
			fi
		fi
	fi

	# A NAT at router K: masquerade what leaves toward the destination,
	# and the rewrites --nat-rewrite asks for.
	if ((NAT > 0)); then
		# Toward the destination: link K+1, and the twin's link when
		# router K+1 has one (--ecmp K+1).
		local nns rw="" out="{ \"$PREFIX-l$((NAT + 1))a\", \"$PREFIX-l$((NAT + 1))x\" }"
		nns="$(node_ns "$NAT")"
		[[ ",$NAT_REWRITE," == *,dscp,* ]] && rw+="		oifname $out ip dscp set cs1"$'\n'"		oifname $out ip6 dscp set cs1"$'\n'
		[[ ",$NAT_REWRITE," == *,ipid,* ]] && rw+="		oifname $out ip id set 0x4d4e"$'\n'
		ip netns exec "$nns" nft -f - <<EOF_NFT || die "nft rules for --nat $NAT failed in $nns"
table inet tracers_lab_nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname $out masquerade
	}
	chain rewrite {
		type filter hook postrouting priority mangle; policy accept;
$rw	}
}
EOF_NFT
	fi

	# The source sends IPv6 only into the lab: its routes hold fd77::/16
	# alone, and where ip6tables works it also drops anything else (link
	# local and multicast stay, for neighbour discovery).
	if [[ -n "$IPV6" ]] && { [[ -n "$IP6T" ]] || pick_ip6tables "$(ns_src)"; }; then
		local rule
		for rule in "-o lo -j ACCEPT" "-d fd77::/16 -j ACCEPT" "-d fe80::/10 -j ACCEPT" \
			"-d ff00::/8 -j ACCEPT" "-j DROP"; do
			# shellcheck disable=SC2086 # the rule's words
			ip6t "$(ns_src)" -A OUTPUT $rule || die "ip6tables rule '$rule' in $(ns_src) failed"
		done
	fi

	# Self-check, which also fills the ARP caches along the path so the
	# first probes of a trace are not delayed or queued behind ARP.
	local target="$dst"
	((UNREACH > 0)) && target="10.77.$UNREACH.2"
	local ok=""
	for i in 1 2 3; do
		if command -v ping >/dev/null 2>&1; then
			ip netns exec "$(ns_src)" ping -n -q -c 1 -W 2 "$target" >/dev/null 2>&1 && ok=1
		else
			# No ping: a UDP datagram at least resolves ARP hop by hop.
			ip netns exec "$(ns_src)" bash -c "echo lab >/dev/udp/$target/33434" 2>/dev/null || true
			ok=1
		fi
		if [[ -n "$ok" ]]; then break; fi
	done
	[[ -n "$ok" ]] || die "self-check failed: $(ns_src) cannot ping $target"
	if [[ -n "$IPV6" ]]; then
		local target6="$dst6"
		((UNREACH > 0)) && target6="fd77:$UNREACH::2"
		ok=""
		for i in 1 2 3; do
			if command -v ping >/dev/null 2>&1; then
				ip netns exec "$(ns_src)" ping -6 -n -q -c 1 -W 2 "$target6" >/dev/null 2>&1 && ok=1
			else
				ip netns exec "$(ns_src)" bash -c "echo lab >/dev/udp/$target6/33434" 2>/dev/null || true
				ok=1
			fi
			if [[ -n "$ok" ]]; then break; fi
		done
		[[ -n "$ok" ]] || die "self-check failed: $(ns_src) cannot ping -6 $target6"
	fi

	((LISTEN == 0)) || ls_start "$LISTEN"

	trap - EXIT
	echo "destination: $dst"
	[[ -z "$IPV6" ]] || echo "destination6: $dst6"
	echo "source-ns: $(ns_src)"
	echo "run: ip netns exec $(ns_src) tracers run -n $dst"
	[[ -z "$IPV6" ]] || echo "run6: ip netns exec $(ns_src) tracers run -6 -n $dst6"
}

case "$cmd" in
up)
	require_root_ip
	do_up
	;;
down)
	require_root_ip
	do_down
	;;
status)
	command -v ip >/dev/null 2>&1 || die "'ip' (iproute2) not found in PATH"
	do_status
	;;
-h | --help | help) usage 0 ;;
*) die "unknown command '$cmd': want up, down or status" ;;
esac

package analyze

import (
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/packet"
)

// Packet is one captured packet (package packet, which capture produces
// without importing analyze).
type Packet = packet.Packet

// Proto is a probe method.
type Proto uint8

// Probe methods.
const (
	ICMP Proto = iota + 1
	UDP
	TCP
)

// ParseProto is the Proto named s ("icmp", "udp" or "tcp", as String
// gives it); ok is false for any other name.
func ParseProto(s string) (p Proto, ok bool) {
	for _, p := range [...]Proto{ICMP, UDP, TCP} {
		if s == p.String() {
			return p, true
		}
	}
	return 0, false
}

func (p Proto) String() string {
	switch p {
	case ICMP:
		return "icmp"
	case UDP:
		return "udp"
	case TCP:
		return "tcp"
	}
	return "unknown"
}

// Kind classifies a reply.
type Kind uint8

// Reply kinds, named as in the JSON output.
const (
	TimeExceeded Kind = iota + 1
	EchoReply
	PortUnreachable
	HostUnreachable
	NetUnreachable
	ProtoUnreachable
	AdminProhibited
	FragNeeded
	SourceRouteFailed
	Unreachable // any other destination-unreachable code
	TCPReset
	TCPSynAck
	OtherError // parameter problem, source quench, redirect
	// ReassemblyTimeout is a Time Exceeded for fragment reassembly (ICMP
	// type 11 code 1, ICMPv6 type 3 code 1), which only the host that
	// reassembles sends (RFC 792): from the destination, it was reached.
	ReassemblyTimeout
	// UDPReply is a UDP datagram from a UDP probe's destination back to
	// its ports (a DNS server answering traceroute -U): it was reached, as
	// Linux traceroute counts any UDP answer.
	UDPReply
)

var kindNames = [...]string{
	TimeExceeded:      "time-exceeded",
	EchoReply:         "echo-reply",
	PortUnreachable:   "port-unreachable",
	HostUnreachable:   "host-unreachable",
	NetUnreachable:    "net-unreachable",
	ProtoUnreachable:  "proto-unreachable",
	AdminProhibited:   "admin-prohibited",
	FragNeeded:        "frag-needed",
	SourceRouteFailed: "source-route-failed",
	Unreachable:       "unreachable",
	TCPReset:          "tcp-rst",
	TCPSynAck:         "tcp-synack",
	OtherError:        "icmp-error",
	ReassemblyTimeout: "reassembly-timeout",
	UDPReply:          "udp-reply",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// Terminal reports whether a reply of this kind ends a trace: the
// destination answered, or something said it cannot be reached.
func (k Kind) Terminal() bool { return k != TimeExceeded && k != OtherError && k != 0 }

// Annotation is traceroute's mark for a reply ("!H", "!N", ...), or "".
// For an ICMPv6 reply (From is IPv6) it is the mark Linux traceroute -6
// prints; see annotation6.
func (r *Reply) Annotation() string {
	if r.From.Is6() {
		return r.annotation6()
	}
	if r.Kind == ReassemblyTimeout {
		return "!<11-" + itoa(int(r.Code)) + ">" // as Linux traceroute marks it
	}
	if r.Type != layers.ICMPv4TypeDestinationUnreachable {
		return ""
	}
	switch r.Code {
	case 0, 6, 8, 11: // net, net unknown, isolated, net for TOS
		return "!N"
	case 1, 7, 12: // host, host unknown, host for TOS
		return "!H"
	case 2:
		return "!P"
	case 3:
		if r.FromDest {
			return ""
		}
		return "!"
	case 4:
		return "!F"
	case 5:
		return "!S"
	case 9, 10, 13:
		return "!X"
	case 14:
		return "!V"
	case 15:
		return "!C"
	}
	return "!<" + itoa(int(r.Code)) + ">"
}

// annotation6 is Linux traceroute's mark for an ICMPv6 reply
// (parse_icmp_res in traceroute.c): no route !N, beyond scope and address
// unreachable !H, administratively prohibited !X, port unreachable none
// (the destination answered), other codes !<code>; Packet Too Big !F;
// other errors but Time Exceeded in transit !<type-code>.
func (r *Reply) annotation6() string {
	switch r.Kind {
	case EchoReply, TCPSynAck, TCPReset, UDPReply:
		return ""
	}
	switch r.Type {
	case layers.ICMPv6TypeTimeExceeded:
		if r.Code == layers.ICMPv6CodeHopLimitExceeded {
			return ""
		}
	case layers.ICMPv6TypeDestinationUnreachable:
		switch r.Code {
		case layers.ICMPv6CodeNoRouteToDst:
			return "!N"
		case layers.ICMPv6CodeBeyondScopeOfSrc, layers.ICMPv6CodeAddressUnreachable:
			return "!H"
		case layers.ICMPv6CodeAdminProhibited:
			return "!X"
		case layers.ICMPv6CodePortUnreachable:
			if r.FromDest {
				return ""
			}
			return "!"
		}
		return "!<" + itoa(int(r.Code)) + ">"
	case layers.ICMPv6TypePacketTooBig:
		return "!F"
	}
	return "!<" + itoa(int(r.Type)) + "-" + itoa(int(r.Code)) + ">"
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// Reply is an answer matched to a probe.
type Reply struct {
	From       netip.Addr
	At         time.Time // capture timestamp
	RTT        time.Duration
	Kind       Kind
	Type, Code uint8 // ICMP or ICMPv6 (From is IPv6) type and code; 0, 0 for TCP answers
	TTL        uint8 // IP TTL of the reply as it arrived
	QuotedTTL  uint8 // TTL left in the quoted probe (ICMP errors)
	FromDest   bool  // sent by the trace's destination
	// Rewritten is which fields of the probe the quote in an ICMP error
	// shows changed between the source and the router that answered.
	Rewritten Rewritten
	Frame     int // 1-based packet number in the capture
}

// Rewritten is a set of quoted fields a middlebox changed (bit flags):
// the fields of the probe an ICMP error quotes back that differ from the
// probe as captured. The TTL is not one: it is expected to differ.
type Rewritten uint16

// Rewritten fields.
const (
	RewriteSrcAddr  Rewritten = 1 << iota // source address (a NAT)
	RewriteDstAddr                        // destination address
	RewriteSrcPort                        // UDP or TCP source port (a NAT)
	RewriteDstPort                        // UDP or TCP destination port
	RewriteIPID                           // IPv4 identification
	RewriteTOS                            // IPv4 TOS or IPv6 traffic class (DSCP, ECN)
	RewriteLength                         // IPv4 total length or IPv6 payload length
	RewriteChecksum                       // transport checksum (ICMP, UDP, TCP)
	RewriteFlow                           // IPv6 flow label
	RewriteSeq                            // TCP sequence number (a firewall that randomises it)
)

var rewriteNames = [...]string{"src-addr", "dst-addr", "src-port", "dst-port", "ip-id", "tos", "length", "checksum", "flow-label", "tcp-seq"}

// Names appends the names of the fields in r to b, in the order of the
// constants: the names JSON uses.
func (r Rewritten) Names(b []string) []string {
	for i, name := range rewriteNames {
		if r&(1<<i) != 0 {
			b = append(b, name)
		}
	}
	return b
}

// String is the names of the fields in r joined by commas ("src-port,checksum").
func (r Rewritten) String() string {
	var a [len(rewriteNames)]string
	s := ""
	for i, name := range r.Names(a[:0]) {
		if i > 0 {
			s += ","
		}
		s += name
	}
	return s
}

// Probe is one probe seen on the wire and, once matched, its reply.
type Probe struct {
	TTL   int
	Sent  time.Time // capture timestamp
	Frame int       // 1-based packet number in the capture

	// Identity on the wire.
	IPID             uint16
	ID, Seq          uint16 // ICMP
	SrcPort, DstPort uint16 // UDP, TCP
	// Ambiguous is set when the latest earlier probe carried the same
	// identity, IP ID and transport checksum, so that even an ICMP error's
	// quote cannot tell them apart and the match follows Wireshark's rule:
	// the latest earlier unanswered probe.
	Ambiguous bool
	TCPSeq    uint32

	num uint32 // the Analyzer's window numbers probes in capture order
	// The fields an ICMP error quotes back as sent, to tell which a
	// middlebox rewrote (Reply.Rewritten) and to tell apart the probes
	// that share an identity.
	sum    uint16 // transport checksum
	length uint16 // IP length (see Note.length)
	flow   uint32 // IPv6 flow label
	tos    uint8
	has    uint8 // hasSum when sum is the checksum sent (no offload)

	Reply *Reply // nil while unanswered; the Analyzer points it into the Probe

	trace *Trace // the trace the Analyzer put it in

	// The storage Reply points to once matched, kept in the Probe so that
	// a probe costs one allocation.
	reply Reply
}

// Checksum is the probe's transport checksum (ICMP, UDP or TCP) as
// captured; ok is false when the capture shows a checksum left to the
// interface to fill in (offload).
func (p *Probe) Checksum() (sum uint16, ok bool) { return p.sum, p.has&hasSum != 0 }

// Hop is every probe sent with one TTL, in send order.
type Hop struct {
	TTL    int
	Probes []*Probe
	// PastDest marks TTLs above the one where the destination first answered.
	PastDest bool
	// PastEnd marks TTLs above EndTTL when the destination never answered:
	// an unreachable had stopped the trace there (a tool that probes on,
	// as mtr does, draws the same unreachable at every TTL past it).
	PastEnd bool
}

// Responders lists the distinct addresses that answered at this hop, in
// order of first answer.
func (h *Hop) Responders() []netip.Addr {
	var out []netip.Addr
	for _, p := range h.Probes {
		if p.Reply == nil {
			continue
		}
		seen := false
		for _, a := range out {
			if a == p.Reply.From {
				seen = true
				break
			}
		}
		if !seen {
			out = append(out, p.Reply.From)
		}
	}
	return out
}

// Trace is every probe from one source to one destination with one method,
// and what answered them.
type Trace struct {
	Src, Dst netip.Addr
	Proto    Proto
	Probes   []*Probe // in send order

	// Ambiguous counts the probes marked Ambiguous.
	Ambiguous   int
	first, last time.Time
	hasTE       bool
	ended       bool // a reply from the destination, or a terminal one, came
	high        bool // some probe's TTL is OrdinaryTTL or more (see dropOrdinary)
	manyTTL     bool
	firstTTL    int // of Probes[0], kept here: that probe is long out of the cache
	firstFrame  int // of Probes[0], for the same reason
	key         traceKey
	open        int  // index in Analyzer.open while active
	finished    bool // handed over (OnTrace) or kept as done: never changed again
}

// First and Last are the capture times of the first and the latest probe.
func (t *Trace) First() time.Time { return t.first }

// Last is the capture time of the latest probe.
func (t *Trace) Last() time.Time { return t.last }

// IsTraceroute reports whether the probes look like a traceroute: some drew a
// Time Exceeded, they were sent with more than one TTL, or with one TTL
// below a host's default (OrdinaryTTL): a traceroute to a host on the
// link sends TTL 1 alone. A ping at a host's default TTL is not one.
func (t *Trace) IsTraceroute() bool { return t.hasTE || t.manyTTL || t.firstTTL < OrdinaryTTL }

// DestTTL is the lowest TTL at which the destination answered, or 0.
func (t *Trace) DestTTL() int {
	d := 0
	for _, p := range t.Probes {
		if p.Reply != nil && p.Reply.FromDest && (d == 0 || p.TTL < d) {
			d = p.TTL
		}
	}
	return d
}

// Reached reports whether the destination answered.
func (t *Trace) Reached() bool { return t.DestTTL() != 0 }

// EndTTL is the lowest TTL with a reply that ends the trace (the destination
// answered, or an unreachable came back), or 0 when none did. A
// fragmentation needed (IPv6: Packet Too Big) ends it only when nothing
// answered from further on: tracepath and traceroute --mtu send smaller
// probes on, which pass.
func (t *Trace) EndTTL() int {
	e, frag, past := 0, 0, 0
	for _, p := range t.Probes {
		r := p.Reply
		if r == nil {
			continue
		}
		switch {
		case r.Kind == FragNeeded && !r.FromDest:
			if frag == 0 || p.TTL < frag {
				frag = p.TTL
			}
			continue
		case r.FromDest || r.Kind.Terminal():
			if e == 0 || p.TTL < e {
				e = p.TTL
			}
		}
		past = max(past, p.TTL)
	}
	if frag != 0 && past <= frag && (e == 0 || frag < e) {
		return frag
	}
	return e
}

// Hops groups the probes by TTL, lowest first.
func (t *Trace) Hops() []Hop {
	hops, _ := t.AppendHops(nil, nil)
	return hops
}

// AppendHops is Hops reusing storage, for a renderer of many traces: it
// appends the hops of t to hops and their probes to all, and returns both.
// The hops' probe slices share all's array, so all must not change while
// they are in use.
func (t *Trace) AppendHops(hops []Hop, all []*Probe) ([]Hop, []*Probe) {
	if len(t.Probes) == 0 {
		return hops, all
	}
	maxTTL := 0
	for _, p := range t.Probes {
		if p.TTL > maxTTL {
			maxTTL = p.TTL
		}
	}
	// Count the probes of each TTL, then lay them out in all, TTL by TTL.
	var small [256]int
	end := small[:]
	if maxTTL >= len(small) {
		end = make([]int, maxTTL+1)
	}
	end = end[:maxTTL+1]
	n := 0
	for _, p := range t.Probes {
		if end[p.TTL] == 0 {
			n++
		}
		end[p.TTL]++
	}
	hops = slices.Grow(hops, n)
	base := len(all)
	off := base
	for ttl, c := range end {
		end[ttl] = off // where this TTL's probes start, then end
		off += c
	}
	all = slices.Grow(all, len(t.Probes))[:off]
	for _, p := range t.Probes {
		all[end[p.TTL]] = p
		end[p.TTL]++
	}
	dest, stop := t.DestTTL(), 0
	if dest == 0 {
		stop = t.EndTTL()
	}
	start := base
	for ttl, e := range end {
		if e == start {
			continue
		}
		// A full slice expression: appending to one hop's probes must
		// not overwrite the next hop's.
		hops = append(hops, Hop{TTL: ttl, Probes: all[start:e:e], PastDest: dest != 0 && ttl > dest, PastEnd: stop != 0 && ttl > stop})
		start = e
	}
	return hops, all
}

package analyze_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// add6 appends the IPv6 packet ip, in Ethernet, captured at t0+at.
func (c *capture) add6(at time.Duration, ip []byte) {
	*c = append(*c, analyze.Packet{Time: t0.Add(at), Link: layers.LinkTypeEthernet, Data: links6[0].wrap(ip)})
}

const ms = time.Millisecond

// TestAnalyzerIPv6Echo is traceroute -6 -I: hop limits 1 to 4, one probe
// each, routers answering Time Exceeded, the destination an Echo Reply.
func TestAnalyzerIPv6Echo(t *testing.T) {
	routers := []netip.Addr{hop6a, hop6b, hop6c}
	var c capture
	for ttl := 1; ttl <= 4; ttl++ {
		at := time.Duration(ttl) * 10 * ms
		probe := echo6(t, src6, dst6, uint8(ttl), layers.ICMPv6TypeEchoRequest, echoID, uint16(ttl))
		c.add6(at, probe)
		if ttl <= 3 {
			c.add6(at+time.Duration(ttl)*ms, icmp6Error(t, routers[ttl-1], src6, 64, layers.ICMPv6TypeTimeExceeded, 0, probe, 1))
		} else {
			c.add6(at+4*ms, echo6(t, dst6, src6, 61, layers.ICMPv6TypeEchoReply, echoID, uint16(ttl)))
		}
	}
	_, trs := c.traces(t, 1)
	tr := trs[0]
	if tr.Src != src6 || tr.Dst != dst6 || tr.Proto != analyze.ICMP {
		t.Errorf("trace = %v -> %v %v, want %v -> %v icmp", tr.Src, tr.Dst, tr.Proto, src6, dst6)
	}
	want := []hopSum{
		{TTL: 1, Responders: []netip.Addr{hop6a}, RTTs: []time.Duration{1 * ms}, Kinds: []analyze.Kind{analyze.TimeExceeded}},
		{TTL: 2, Responders: []netip.Addr{hop6b}, RTTs: []time.Duration{2 * ms}, Kinds: []analyze.Kind{analyze.TimeExceeded}},
		{TTL: 3, Responders: []netip.Addr{hop6c}, RTTs: []time.Duration{3 * ms}, Kinds: []analyze.Kind{analyze.TimeExceeded}},
		{TTL: 4, Responders: []netip.Addr{dst6}, RTTs: []time.Duration{4 * ms}, Kinds: []analyze.Kind{analyze.EchoReply}},
	}
	checkHops(t, tr, want)
	if tr.DestTTL() != 4 || !tr.Reached() {
		t.Errorf("DestTTL = %d, Reached = %v, want 4, true", tr.DestTTL(), tr.Reached())
	}
	if r := tr.Probes[0].Reply; r.QuotedTTL != 1 || r.TTL != 64 || r.Type != layers.ICMPv6TypeTimeExceeded {
		t.Errorf("hop 1 reply = %+v, want quoted hop limit 1, hop limit 64, type 3", r)
	}
}

// TestAnalyzerIPv6UDPSamePorts is scamper's udp-paris over IPv6: every
// probe has the same ports and the probes differ only in their UDP
// checksum, which the quotes echo. Replies come out of order; each must
// go to its own probe.
func TestAnalyzerIPv6UDPSamePorts(t *testing.T) {
	var c capture
	probes := make([][]byte, 4)
	for i := range probes {
		// Two bytes of payload chosen per probe, as scamper does, make
		// the checksum differ.
		probes[i] = udp6(t, src6, dst6, uint8(i+1), 40000, 33435, "paris-"+string(rune('a'+i))+"!")
		c.add6(time.Duration(i)*ms, probes[i])
	}
	routers := []netip.Addr{hop6a, hop6b, hop6c}
	// Replies in reverse order, all after the last probe.
	for i := 2; i >= 0; i-- {
		c.add6(10*ms+time.Duration(3-i)*ms, icmp6Error(t, routers[i], src6, 64, layers.ICMPv6TypeTimeExceeded, 0, probes[i], 1))
	}
	c.add6(20*ms, icmp6Error(t, dst6, src6, 64, layers.ICMPv6TypeDestinationUnreachable, layers.ICMPv6CodePortUnreachable, probes[3], 1))
	a, trs := c.traces(t, 1)
	want := []hopSum{
		{TTL: 1, Responders: []netip.Addr{hop6a}, RTTs: []time.Duration{13 * ms}, Kinds: []analyze.Kind{analyze.TimeExceeded}},
		{TTL: 2, Responders: []netip.Addr{hop6b}, RTTs: []time.Duration{11 * ms}, Kinds: []analyze.Kind{analyze.TimeExceeded}},
		{TTL: 3, Responders: []netip.Addr{hop6c}, RTTs: []time.Duration{9 * ms}, Kinds: []analyze.Kind{analyze.TimeExceeded}},
		{TTL: 4, Responders: []netip.Addr{dst6}, RTTs: []time.Duration{17 * ms}, Kinds: []analyze.Kind{analyze.PortUnreachable}},
	}
	checkHops(t, trs[0], want)
	if got := trs[0].Probes[3].Reply.Annotation(); got != "" {
		t.Errorf("port unreachable from the destination: Annotation() = %q, want none", got)
	}
	if s := a.Stats(); s.Duplicates != 0 || s.Unmatched != 0 || s.LateReplies != 0 {
		t.Errorf("Stats = %+v, want no duplicates, unmatched or late replies", s)
	}
}

// TestAnalyzerIPv6ChecksumFallback checks that a quote whose checksum no
// probe carries (the probe was captured before offload filled it in)
// still matches by ports, to the latest unanswered probe.
func TestAnalyzerIPv6ChecksumFallback(t *testing.T) {
	probe := udp6(t, src6, dst6, 1, 40000, 33435, "tracers-udp6")
	captured := append([]byte(nil), probe...)
	captured[46], captured[47] = 0x12, 0x34 // a partial checksum
	var c capture
	c.add6(0, captured)
	c.add6(ms, icmp6Error(t, hop6a, src6, 64, layers.ICMPv6TypeTimeExceeded, 0, probe, 1))
	a := analyze.New(analyze.Options{})
	evs := c.feed(a)
	if evs[1].Kind != analyze.EventReply || evs[1].Probe.Reply.From != hop6a {
		t.Errorf("reply event = %+v, want a reply from %v", evs[1], hop6a)
	}
}

// TestAnalyzerIPv6TCP is traceroute -6 -T: a SYN, a Time Exceeded, and
// the destination's RST.
func TestAnalyzerIPv6TCP(t *testing.T) {
	var c capture
	syn1 := tcp6(t, src6, dst6, 1, tcpSport, tcpDport, tcpISN, 0, true, false, false)
	syn2 := tcp6(t, src6, dst6, 2, tcpSport+1, tcpDport, tcpISN+7, 0, true, false, false)
	c.add6(0, syn1)
	c.add6(ms, icmp6Error(t, hop6a, src6, 64, layers.ICMPv6TypeTimeExceeded, 0, syn1, 1))
	c.add6(10*ms, syn2)
	c.add6(12*ms, tcp6(t, dst6, src6, 63, tcpDport, tcpSport+1, 0, tcpISN+8, false, true, true))
	_, trs := c.traces(t, 1)
	want := []hopSum{
		{TTL: 1, Responders: []netip.Addr{hop6a}, RTTs: []time.Duration{ms}, Kinds: []analyze.Kind{analyze.TimeExceeded}},
		{TTL: 2, Responders: []netip.Addr{dst6}, RTTs: []time.Duration{2 * ms}, Kinds: []analyze.Kind{analyze.TCPReset}},
	}
	checkHops(t, trs[0], want)
}

// TestAnalyzerDualStack feeds an IPv4 and an IPv6 traceroute interleaved,
// with the same echo identifier and sequence numbers, and an IPv6 trace
// from the IPv4-mapped form of the IPv4 source: three traces, each with
// only its own replies.
func TestAnalyzerDualStack(t *testing.T) {
	var c capture
	for ttl := 1; ttl <= 2; ttl++ {
		at := time.Duration(ttl) * 10 * ms
		p4 := echoRequest(t, srcAddr, dstAddr, uint8(ttl), uint16(ttl), echoID, uint16(ttl))
		p6 := echo6(t, src6, dst6, uint8(ttl), layers.ICMPv6TypeEchoRequest, echoID, uint16(ttl))
		pm := echo6(t, map6, dst6, uint8(ttl), layers.ICMPv6TypeEchoRequest, echoID, uint16(ttl))
		c.add(at, p4)
		c.add6(at+ms/10, p6)
		c.add6(at+ms/5, pm)
		c.add(at+ms, icmpError(t, hop1, srcAddr, 250, 1, layers.ICMPv4TypeTimeExceeded, 0, p4, 1))
		c.add6(at+2*ms, icmp6Error(t, hop6a, src6, 64, layers.ICMPv6TypeTimeExceeded, 0, p6, 1))
		c.add6(at+3*ms, icmp6Error(t, hop6b, map6, 64, layers.ICMPv6TypeTimeExceeded, 0, pm, 1))
	}
	_, trs := c.traces(t, 3)
	wants := []struct {
		src, dst, from netip.Addr
		rtt            time.Duration
	}{
		{srcAddr, dstAddr, hop1, ms},
		{src6, dst6, hop6a, 2*ms - ms/10},
		{map6, dst6, hop6b, 3*ms - ms/5},
	}
	for i, w := range wants {
		tr := trs[i]
		if tr.Src != w.src || tr.Dst != w.dst {
			t.Errorf("trace %d = %v -> %v, want %v -> %v", i, tr.Src, tr.Dst, w.src, w.dst)
		}
		for _, p := range tr.Probes {
			if p.Reply == nil || p.Reply.From != w.from || p.Reply.RTT != w.rtt {
				t.Errorf("trace %d TTL %d: reply %+v, want from %v after %v", i, p.TTL, p.Reply, w.from, w.rtt)
			}
		}
	}
}

func TestAnnotationIPv6(t *testing.T) {
	tests := []struct {
		name       string
		typ, code  uint8
		kind       analyze.Kind
		fromDest   bool
		annotation string
	}{
		{"time exceeded", layers.ICMPv6TypeTimeExceeded, 0, analyze.TimeExceeded, false, ""},
		{"reassembly time exceeded", layers.ICMPv6TypeTimeExceeded, 1, analyze.ReassemblyTimeout, false, "!<3-1>"},
		{"reassembly time exceeded, from the destination", layers.ICMPv6TypeTimeExceeded, 1, analyze.ReassemblyTimeout, true, "!<3-1>"},
		{"no route", layers.ICMPv6TypeDestinationUnreachable, 0, analyze.NetUnreachable, false, "!N"},
		{"admin prohibited", layers.ICMPv6TypeDestinationUnreachable, 1, analyze.AdminProhibited, false, "!X"},
		{"beyond scope", layers.ICMPv6TypeDestinationUnreachable, 2, analyze.Unreachable, false, "!H"},
		{"address unreachable", layers.ICMPv6TypeDestinationUnreachable, 3, analyze.HostUnreachable, false, "!H"},
		{"port unreachable from destination", layers.ICMPv6TypeDestinationUnreachable, 4, analyze.PortUnreachable, true, ""},
		{"port unreachable from a router", layers.ICMPv6TypeDestinationUnreachable, 4, analyze.PortUnreachable, false, "!"},
		{"source policy", layers.ICMPv6TypeDestinationUnreachable, 5, analyze.AdminProhibited, false, "!<5>"},
		{"reject route", layers.ICMPv6TypeDestinationUnreachable, 6, analyze.NetUnreachable, false, "!<6>"},
		{"source routing header", layers.ICMPv6TypeDestinationUnreachable, 7, analyze.SourceRouteFailed, false, "!<7>"},
		{"packet too big", layers.ICMPv6TypePacketTooBig, 0, analyze.FragNeeded, false, "!F"},
		{"parameter problem", layers.ICMPv6TypeParameterProblem, 1, analyze.OtherError, false, "!<4-1>"},
		{"echo reply", layers.ICMPv6TypeEchoReply, 0, analyze.EchoReply, true, ""},
		{"tcp rst", 0, 0, analyze.TCPReset, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Through the analyzer: a UDP probe answered by this message
			// (or the echo reply, or the RST).
			probe := udp6(t, src6, dst6, 1, 40000, 33435, "x")
			from := hop6a
			if tt.fromDest {
				from = dst6
			}
			var reply []byte
			switch tt.kind {
			case analyze.EchoReply:
				probe = echo6(t, src6, dst6, 1, layers.ICMPv6TypeEchoRequest, 1, 1)
				reply = echo6(t, dst6, src6, 64, layers.ICMPv6TypeEchoReply, 1, 1)
			case analyze.TCPReset:
				probe = tcp6(t, src6, dst6, 1, 40000, 80, 100, 0, true, false, false)
				reply = tcp6(t, dst6, src6, 64, 80, 40000, 0, 101, false, true, true)
			default:
				reply = icmp6Error(t, from, src6, 64, tt.typ, tt.code, probe, 1)
			}
			var c capture
			c.add6(0, probe)
			c.add6(ms, reply)
			evs := c.feed(analyze.New(analyze.Options{}))
			if evs[1].Kind != analyze.EventReply {
				t.Fatalf("reply event = %v, want a reply", evs[1].Kind)
			}
			r := evs[1].Probe.Reply
			if r.Kind != tt.kind || r.FromDest != tt.fromDest {
				t.Errorf("reply kind, from dest = %v, %v, want %v, %v", r.Kind, r.FromDest, tt.kind, tt.fromDest)
			}
			if got := r.Annotation(); got != tt.annotation {
				t.Errorf("Annotation() = %q, want %q", got, tt.annotation)
			}
		})
	}
}

// TestAnalyzerFragmentErrors: IPv6 routers send a Time Exceeded for each
// fragment of a probe; the one quoting a fragment past the first names no
// probe, and is other traffic, not an error quoting too little (which
// replay warns of as a small snaplen's).
func TestAnalyzerFragmentErrors(t *testing.T) {
	probe := udp6(t, src6, dst6, 2, 40000, 33434, "probe")
	first, later := withExt(probe, 0, true), withExt(probe, 8, false)
	a := analyze.New(analyze.Options{})
	for i, b := range [][]byte{
		first, later,
		icmp6Error(t, hop6a, src6, 64, layers.ICMPv6TypeTimeExceeded, 0, first, 1),
		icmp6Error(t, hop6a, src6, 64, layers.ICMPv6TypeTimeExceeded, 0, later, 1),
	} {
		a.Add(analyze.Packet{Time: t0.Add(time.Duration(i) * time.Millisecond), Link: layers.LinkTypeRaw, Data: b})
	}
	st := a.Stats()
	if st.ShortQuotes != 0 || st.Replies != 1 || st.Probes != 1 {
		t.Errorf("Stats() = %+v, want one probe, one reply, no short quote", st)
	}
}

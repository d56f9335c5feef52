package analyze_test

import (
	"fmt"
	"net/netip"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// capture is a list of packets that a test sorts into capture order.
type capture []analyze.Packet

// add appends ip, in Ethernet, captured at t0+at.
func (c *capture) add(at time.Duration, ip []byte) {
	*c = append(*c, analyze.Packet{Time: t0.Add(at), Link: layers.LinkTypeEthernet, Data: links[0].wrap(ip)})
}

// feed sorts the packets by time (stable: equal times keep their order)
// and adds them to a.
func (c capture) feed(a *analyze.Analyzer) []analyze.Event {
	sort.SliceStable(c, func(i, j int) bool { return c[i].Time.Before(c[j].Time) })
	evs := make([]analyze.Event, len(c))
	for i, p := range c {
		evs[i] = a.Add(p)
	}
	return evs
}

// traces feeds c to a new Analyzer and returns it and its traces, failing
// the test unless there are n traces.
func (c capture) traces(t *testing.T, n int) (*analyze.Analyzer, []*analyze.Trace) {
	t.Helper()
	a := analyze.New(analyze.Options{})
	c.feed(a)
	trs := a.Traces()
	if len(trs) != n {
		t.Fatalf("Traces() = %d traces, want %d", len(trs), n)
	}
	return a, trs
}

// checkHops checks the hops of tr against want.
func checkHops(t *testing.T, tr *analyze.Trace, want []hopSum) {
	t.Helper()
	if diff := cmp.Diff(want, summarize(tr.Hops()), cmpAddr); diff != "" {
		t.Errorf("Hops() mismatch (-want +got):\n%s", diff)
	}
}

// hopSum is what a test checks of a hop.
type hopSum struct {
	TTL        int
	PastDest   bool
	Responders []netip.Addr
	RTTs       []time.Duration // 0: no reply
	Kinds      []analyze.Kind  // 0: no reply
}

func summarize(hs []analyze.Hop) []hopSum {
	var out []hopSum
	for _, h := range hs {
		s := hopSum{TTL: h.TTL, PastDest: h.PastDest, Responders: h.Responders()}
		for _, p := range h.Probes {
			var rtt time.Duration
			var k analyze.Kind
			if p.Reply != nil {
				rtt, k = p.Reply.RTT, p.Reply.Kind
			}
			s.RTTs = append(s.RTTs, rtt)
			s.Kinds = append(s.Kinds, k)
		}
		out = append(out, s)
	}
	return out
}

// TestAnalyzerTrace feeds an ICMP traceroute: TTL 1 to 5, three probes per
// TTL, routers answering TTL 1 to 3 (one probe lost at TTL 2, two routers
// at TTL 3), the destination answering at TTL 4 and 5.
func TestAnalyzerTrace(t *testing.T) {
	const id = 0x4242
	ttlOf := func(seq int) int { return (seq-1)/3 + 1 }
	sent := func(seq int) time.Duration { return time.Duration(seq) * 10 * time.Millisecond }
	// Each reply's RTT is distinct down to the nanosecond.
	rtt := func(seq int) time.Duration {
		return time.Duration(ttlOf(seq))*time.Millisecond + time.Duration(seq)*time.Microsecond + 7
	}
	routers := map[int]netip.Addr{1: hop1, 2: hop1, 3: hop1, 4: hop2, 6: hop2, 7: hop3, 8: hop3b, 9: hop3}

	var c capture
	for seq := 1; seq <= 15; seq++ {
		probe := echoRequest(t, srcAddr, dstAddr, uint8(ttlOf(seq)), uint16(0x1000+seq), id, uint16(seq))
		c.add(sent(seq), probe)
		switch {
		case seq <= 9:
			if r, ok := routers[seq]; ok {
				c.add(sent(seq)+rtt(seq), icmpError(t, r, srcAddr, 250, uint16(0x3000+seq), layers.ICMPv4TypeTimeExceeded, 0, probe, 1))
			}
		default:
			c.add(sent(seq)+rtt(seq), echoReply(t, dstAddr, srcAddr, 60, uint16(0x4000+seq), id, uint16(seq)))
		}
	}
	// A second reply to seq 10: late, already answered.
	c.add(sent(10)+rtt(10)+time.Millisecond, echoReply(t, dstAddr, srcAddr, 60, 0x4999, id, 10))
	// Replies to probes never seen.
	c.add(200*time.Millisecond, echoReply(t, dstAddr, srcAddr, 60, 0x5000, id, 99))
	never := echoRequest(t, srcAddr, dstAddr, 1, 0x6000, id, 200)
	c.add(201*time.Millisecond, icmpError(t, hop1, srcAddr, 250, 0x5001, layers.ICMPv4TypeTimeExceeded, 0, never, 1))

	a, trs := c.traces(t, 1)
	tr := trs[0]
	if tr.Src != srcAddr || tr.Dst != dstAddr || tr.Proto != analyze.ICMP {
		t.Errorf("trace = %v -> %v %v, want %v -> %v icmp", tr.Src, tr.Dst, tr.Proto, srcAddr, dstAddr)
	}
	if !tr.First().Equal(t0.Add(sent(1))) || !tr.Last().Equal(t0.Add(sent(15))) {
		t.Errorf("trace First, Last = %v, %v, want %v, %v", tr.First(), tr.Last(), t0.Add(sent(1)), t0.Add(sent(15)))
	}
	for _, tt := range []struct {
		name      string
		got, want int
	}{
		{"DestTTL", tr.DestTTL(), 4},
		{"EndTTL", tr.EndTTL(), 4},
		{"Ambiguous", tr.Ambiguous, 0},
		{"len(Probes)", len(tr.Probes), 15},
	} {
		if tt.got != tt.want {
			t.Errorf("trace %s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
	if !tr.Reached() || !tr.IsTraceroute() {
		t.Errorf("trace Reached, IsTraceroute = %v, %v, want true, true", tr.Reached(), tr.IsTraceroute())
	}

	te, er := analyze.TimeExceeded, analyze.EchoReply
	want := []hopSum{
		{TTL: 1, Responders: []netip.Addr{hop1}, RTTs: []time.Duration{rtt(1), rtt(2), rtt(3)}, Kinds: []analyze.Kind{te, te, te}},
		{TTL: 2, Responders: []netip.Addr{hop2}, RTTs: []time.Duration{rtt(4), 0, rtt(6)}, Kinds: []analyze.Kind{te, 0, te}},
		{TTL: 3, Responders: []netip.Addr{hop3, hop3b}, RTTs: []time.Duration{rtt(7), rtt(8), rtt(9)}, Kinds: []analyze.Kind{te, te, te}},
		{TTL: 4, Responders: []netip.Addr{dstAddr}, RTTs: []time.Duration{rtt(10), rtt(11), rtt(12)}, Kinds: []analyze.Kind{er, er, er}},
		{TTL: 5, PastDest: true, Responders: []netip.Addr{dstAddr}, RTTs: []time.Duration{rtt(13), rtt(14), rtt(15)}, Kinds: []analyze.Kind{er, er, er}},
	}
	checkHops(t, tr, want)

	// Every probe carries its identity, and every reply what it said.
	for i, p := range tr.Probes {
		seq := i + 1
		if p.Seq != uint16(seq) || p.ID != id || p.IPID != uint16(0x1000+seq) || p.TTL != ttlOf(seq) || !p.Sent.Equal(t0.Add(sent(seq))) {
			t.Errorf("probe %d = seq %d id %#x ipid %#x ttl %d sent %v, want seq %d id %#x ipid %#x ttl %d sent %v",
				i, p.Seq, p.ID, p.IPID, p.TTL, p.Sent, seq, id, 0x1000+seq, ttlOf(seq), t0.Add(sent(seq)))
		}
		if p.Reply == nil {
			continue
		}
		r := p.Reply
		if !r.At.Equal(t0.Add(sent(seq)+rtt(seq))) || r.Frame <= p.Frame {
			t.Errorf("probe %d reply at %v frame %d, want at %v after frame %d", seq, r.At, r.Frame, t0.Add(sent(seq)+rtt(seq)), p.Frame)
		}
		wantDest := seq >= 10
		if r.FromDest != wantDest {
			t.Errorf("probe %d reply FromDest = %v, want %v", seq, r.FromDest, wantDest)
		}
		if !wantDest && (r.QuotedTTL != 1 || r.TTL != 250 || r.Type != layers.ICMPv4TypeTimeExceeded) {
			t.Errorf("probe %d reply QuotedTTL, TTL, Type = %d, %d, %d, want 1, 250, %d", seq, r.QuotedTTL, r.TTL, r.Type, layers.ICMPv4TypeTimeExceeded)
		}
	}

	wantStats := analyze.Stats{Packets: len(c), Probes: 15, Replies: 14 + 1 + 2, Unmatched: 2, LateReplies: 1}
	if diff := cmp.Diff(wantStats, a.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

// TestAnalyzerPing checks that a ping at a constant TTL is matched but is
// not a traceroute.
func TestAnalyzerPing(t *testing.T) {
	var c capture
	for seq := 1; seq <= 3; seq++ {
		at := time.Duration(seq) * time.Second
		c.add(at, echoRequest(t, srcAddr, dstAddr, 64, uint16(seq), 0x77, uint16(seq)))
		c.add(at+3*time.Millisecond, echoReply(t, dstAddr, srcAddr, 60, uint16(seq), 0x77, uint16(seq)))
	}
	a := analyze.New(analyze.Options{})
	evs := c.feed(a)
	var kinds []analyze.EventKind
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
	}
	p, r := analyze.EventProbe, analyze.EventReply
	if diff := cmp.Diff([]analyze.EventKind{p, r, p, r, p, r}, kinds); diff != "" {
		t.Errorf("event kinds mismatch (-want +got):\n%s", diff)
	}
	if evs[1].Probe == nil || evs[1].Probe.Reply == nil || evs[1].Probe.Reply.RTT != 3*time.Millisecond {
		t.Errorf("ping reply event = %+v, want a 3ms reply", evs[1])
	}
	if evs[1].Trace == nil || evs[1].Trace.IsTraceroute() {
		t.Errorf("ping trace IsTraceroute = true or no trace, want a trace that is not a traceroute")
	}
	if got := a.Traces(); len(got) != 0 {
		t.Errorf("Traces() = %d traces, want none for a ping", len(got))
	}
	a.Close()
	if got := a.Traces(); len(got) != 0 {
		t.Errorf("Traces() after Close = %d traces, want none for a ping", len(got))
	}
	if s := a.Stats(); s.Probes != 3 || s.Replies != 3 {
		t.Errorf("Stats() = %+v, want 3 probes, 3 replies", s)
	}
}

// TestAnalyzerAmbiguous sends two probes with one identity at different
// TTLs: the second is marked, and replies follow Wireshark's rule (the
// latest earlier unanswered probe).
func TestAnalyzerAmbiguous(t *testing.T) {
	p1 := echoRequest(t, srcAddr, dstAddr, 1, 0x10, 0x42, 1)
	p2 := echoRequest(t, srcAddr, dstAddr, 3, 0x10, 0x42, 1) // same id, seq and IP ID
	var c capture
	c.add(0, p1)
	c.add(10*time.Millisecond, p2)
	c.add(15*time.Millisecond, icmpError(t, hop1, srcAddr, 250, 1, layers.ICMPv4TypeTimeExceeded, 0, p1, 1))
	c.add(20*time.Millisecond, icmpError(t, hop3, srcAddr, 250, 2, layers.ICMPv4TypeTimeExceeded, 0, p2, 1))
	a := analyze.New(analyze.Options{})
	c.feed(a)
	trs := a.Traces()
	if len(trs) != 1 || len(trs[0].Probes) != 2 {
		t.Fatalf("Traces() = %v, want one trace of two probes", trs)
	}
	tr := trs[0]
	if tr.Ambiguous != 1 || tr.Probes[0].Ambiguous || !tr.Probes[1].Ambiguous {
		t.Errorf("Ambiguous: trace %d, probes %v %v; want 1, false true", tr.Ambiguous, tr.Probes[0].Ambiguous, tr.Probes[1].Ambiguous)
	}
	// Nothing in the quotes tells the probes apart: the first reply goes
	// to the latest probe (TTL 3), the second to the one left (TTL 1).
	if diff := cmp.Diff([]netip.Addr{hop3, hop1}, replySenders(t, tr), cmpAddr); diff != "" {
		t.Errorf("reply senders by probe mismatch (-want +got):\n%s", diff)
	}
}

// TestAnalyzerSameIdentityByIPID checks that probes sharing their echo id
// and sequence but not their IP ID take the replies that quote their own
// IP ID, whatever the order of the replies.
func TestAnalyzerSameIdentityByIPID(t *testing.T) {
	p1 := echoRequest(t, srcAddr, dstAddr, 1, 0x10, 0x42, 1)
	p2 := echoRequest(t, srcAddr, dstAddr, 3, 0x11, 0x42, 1) // same id and seq
	var c capture
	c.add(0, p1)
	c.add(10*time.Millisecond, p2)
	c.add(15*time.Millisecond, icmpError(t, hop1, srcAddr, 250, 1, layers.ICMPv4TypeTimeExceeded, 0, p1, 1))
	c.add(20*time.Millisecond, icmpError(t, hop3, srcAddr, 250, 2, layers.ICMPv4TypeTimeExceeded, 0, p2, 1))
	a := analyze.New(analyze.Options{})
	c.feed(a)
	trs := a.Traces()
	if len(trs) != 1 || len(trs[0].Probes) != 2 {
		t.Fatalf("Traces() = %v, want one trace of two probes", trs)
	}
	if trs[0].Ambiguous != 0 {
		t.Errorf("Ambiguous = %d, want 0: the IP IDs tell the probes apart", trs[0].Ambiguous)
	}
	if diff := cmp.Diff([]netip.Addr{hop1, hop3}, replySenders(t, trs[0]), cmpAddr); diff != "" {
		t.Errorf("reply senders by probe mismatch (-want +got):\n%s", diff)
	}
	for _, p := range trs[0].Probes {
		if p.Reply.Rewritten != 0 {
			t.Errorf("TTL %d: Rewritten = %v, want none", p.TTL, p.Reply.Rewritten)
		}
	}
}

// replySenders is who answered each probe of tr, in send order; every
// probe must be answered.
func replySenders(t *testing.T, tr *analyze.Trace) []netip.Addr {
	t.Helper()
	got := []netip.Addr{}
	for _, p := range tr.Probes {
		if p.Reply == nil {
			t.Fatalf("probe TTL %d unanswered", p.TTL)
		}
		got = append(got, p.Reply.From)
	}
	return got
}

// TestAnalyzerDuplicate checks that one probe captured twice (on two
// interfaces, its TTL lowered by one) counts once.
func TestAnalyzerDuplicate(t *testing.T) {
	var c capture
	c.add(0, echoRequest(t, srcAddr, dstAddr, 2, 0x10, 0x42, 1))
	c.add(50*time.Microsecond, echoRequest(t, srcAddr, dstAddr, 1, 0x10, 0x42, 1))
	c.add(10*time.Millisecond, echoRequest(t, srcAddr, dstAddr, 3, 0x11, 0x42, 2))
	a := analyze.New(analyze.Options{})
	evs := c.feed(a)
	if evs[1].Kind != analyze.EventDuplicate || evs[1].Probe != evs[0].Probe {
		t.Errorf("second capture: event %v, probe %p; want EventDuplicate of %p", evs[1].Kind, evs[1].Probe, evs[0].Probe)
	}
	s := a.Stats()
	if s.Duplicates != 1 || s.Probes != 2 {
		t.Errorf("Stats() = %+v, want 1 duplicate, 2 probes", s)
	}
	if trs := a.Traces(); len(trs) != 1 || len(trs[0].Probes) != 2 || trs[0].Ambiguous != 0 {
		t.Errorf("Traces() = %v, want one trace of two unambiguous probes", trs)
	}
}

// traceTo is a two-hop ICMP traceroute to dst starting at `at`: probes at TTL
// 1 and 2, a Time Exceeded and an Echo Reply.
func traceTo(t *testing.T, c *capture, at time.Duration, dst netip.Addr, id uint16) {
	p1 := echoRequest(t, srcAddr, dst, 1, id, id, 1)
	p2 := echoRequest(t, srcAddr, dst, 2, id+1, id, 2)
	c.add(at, p1)
	c.add(at+time.Millisecond, p2)
	c.add(at+2*time.Millisecond, icmpError(t, hop1, srcAddr, 250, 1, layers.ICMPv4TypeTimeExceeded, 0, p1, 1))
	c.add(at+3*time.Millisecond, echoReply(t, dst, srcAddr, 60, 2, id, 2))
}

func TestAnalyzerGroups(t *testing.T) {
	var c capture
	traceTo(t, &c, 0, dst2Addr, 0x100)
	traceTo(t, &c, 500*time.Microsecond, dstAddr, 0x200) // interleaved with the first
	a := analyze.New(analyze.Options{})
	c.feed(a)
	trs := a.Traces()
	var got []string
	for _, tr := range trs {
		got = append(got, fmt.Sprintf("%v %d probes, dest at %d", tr.Dst, len(tr.Probes), tr.DestTTL()))
	}
	want := []string{
		dst2Addr.String() + " 2 probes, dest at 2",
		dstAddr.String() + " 2 probes, dest at 2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Traces() mismatch (-want +got):\n%s", diff)
	}
}

// TestAnalyzerOnTrace checks streaming: traces go to OnTrace in the order
// their first probe was seen, when idle and at Close, and are then forgotten.
func TestAnalyzerOnTrace(t *testing.T) {
	tests := []struct {
		name  string
		sweep bool // a later packet finds the traces idle before Close
	}{
		{"at close", false},
		{"when idle", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Map order is random: repeat so that an order that depends
			// on it fails.
			for range 20 {
				var c capture
				traceTo(t, &c, 0, dst2Addr, 0x100)
				traceTo(t, &c, 100*time.Microsecond, dstAddr, 0x200)
				traceTo(t, &c, 200*time.Microsecond, dst3Addr, 0x300)
				// A ping at a constant TTL: never handed over.
				c.add(300*time.Microsecond, echoRequest(t, srcAddr, hop2, 64, 9, 9, 9))
				if tt.sweep {
					c.add(10*time.Second, echoRequest(t, srcAddr, hop3, 64, 10, 10, 10))
				}
				var got []netip.Addr
				a := analyze.New(analyze.Options{Window: 2 * time.Second, Gap: time.Second, OnTrace: func(tr *analyze.Trace) {
					got = append(got, tr.Dst)
				}})
				c.feed(a)
				before := len(got)
				a.Close()
				want := []netip.Addr{dst2Addr, dstAddr, dst3Addr}
				if diff := cmp.Diff(want, got, cmpAddr); diff != "" {
					t.Fatalf("OnTrace order mismatch (-want +got):\n%s", diff)
				}
				if wantBefore := map[bool]int{false: 0, true: 3}[tt.sweep]; before != wantBefore {
					t.Errorf("OnTrace called %d times before Close, want %d", before, wantBefore)
				}
				if trs := a.Traces(); len(trs) != 0 {
					t.Errorf("Traces() with OnTrace = %d traces, want none", len(trs))
				}
			}
		})
	}
}

// TestAnalyzerKinds ends two-hop traces with each kind of answer.
func TestAnalyzerKinds(t *testing.T) {
	type sum struct {
		Kind               analyze.Kind
		FromDest, Reached  bool
		Annotation         string
		DestTTL, EndTTL    int
		Proto              analyze.Proto
		HopTwoResponder    netip.Addr
		HopOneTimeExceeded bool
	}
	udp1 := udpProbe(t, srcAddr, dstAddr, 1, 0x51, 40001, 33434)
	udp2 := udpProbe(t, srcAddr, dstAddr, 2, 0x52, 40001, 33435)
	syn1 := tcpSegment(t, srcAddr, dstAddr, 1, 0x61, 40002, 443, 1000, 0, true, false, false)
	syn2 := tcpSegment(t, srcAddr, dstAddr, 2, 0x62, 40002, 443, 2000, 0, true, false, false)
	ping1 := echoRequest(t, srcAddr, dstAddr, 1, 0x71, 0x4242, 1)
	ping2 := echoRequest(t, srcAddr, dstAddr, 2, 0x72, 0x4242, 2)
	tests := []struct {
		name       string
		p1, p2     []byte
		answer     []byte // to p2
		want       sum
		wantEvents bool
	}{
		{"udp port unreachable", udp1, udp2,
			icmpError(t, dstAddr, srcAddr, 62, 9, layers.ICMPv4TypeDestinationUnreachable, 3, udp2, 1),
			sum{analyze.PortUnreachable, true, true, "", 2, 2, analyze.UDP, dstAddr, true}, true},
		{"udp host unreachable", udp1, udp2,
			icmpError(t, hop2, srcAddr, 62, 9, layers.ICMPv4TypeDestinationUnreachable, 1, udp2, 1),
			sum{analyze.HostUnreachable, false, false, "!H", 0, 2, analyze.UDP, hop2, true}, true},
		{"tcp syn-ack", syn1, syn2,
			tcpSegment(t, dstAddr, srcAddr, 60, 0, 443, 40002, 5000, 2001, true, true, false),
			sum{analyze.TCPSynAck, true, true, "", 2, 2, analyze.TCP, dstAddr, true}, true},
		{"tcp rst", syn1, syn2,
			tcpSegment(t, dstAddr, srcAddr, 60, 0, 443, 40002, 0, 2001, false, true, true),
			sum{analyze.TCPReset, true, true, "", 2, 2, analyze.TCP, dstAddr, true}, true},
		{"icmp echo reply", ping1, ping2,
			echoReply(t, dstAddr, srcAddr, 60, 0, 0x4242, 2),
			sum{analyze.EchoReply, true, true, "", 2, 2, analyze.ICMP, dstAddr, true}, true},
		// traceroute -U to a DNS server: it answers the probe that
		// reached it, back to the probe's ports.
		{"udp answer from the destination",
			udpProbe(t, srcAddr, dstAddr, 1, 0x51, 40001, 53), udpProbe(t, srcAddr, dstAddr, 2, 0x52, 40002, 53),
			udpProbe(t, dstAddr, srcAddr, 60, 0x99, 53, 40002),
			sum{analyze.UDPReply, true, true, "", 2, 2, analyze.UDP, dstAddr, true}, true},
		// Only the host that reassembles sends it (RFC 792): the
		// destination got the probe's first fragment.
		{"fragment reassembly time exceeded", ping1, ping2,
			icmpError(t, dstAddr, srcAddr, 60, 9, layers.ICMPv4TypeTimeExceeded, 1, ping2, 1),
			sum{analyze.ReassemblyTimeout, true, true, "!<11-1>", 2, 2, analyze.ICMP, dstAddr, true}, true},
	}
	// A replay takes every UDP datagram as a probe; a live run only its
	// own (craft.Prober.IsProbe), and must still see the destination's
	// UDP answer.
	sources := []struct {
		name string
		opt  analyze.Options
	}{
		{"replay", analyze.Options{}},
		{"live", analyze.Options{IsProbe: func(inf *analyze.Info) bool { return inf.Src == srcAddr && inf.Dst == dstAddr }}},
	}
	for _, tt := range tests {
		for _, src := range sources {
			t.Run(tt.name+"/"+src.name, func(t *testing.T) {
				var c capture
				c.add(0, tt.p1)
				c.add(time.Millisecond, tt.p2)
				c.add(2*time.Millisecond, icmpError(t, hop1, srcAddr, 250, 8, layers.ICMPv4TypeTimeExceeded, 0, tt.p1, 1))
				c.add(3*time.Millisecond, tt.answer)
				a := analyze.New(src.opt)
				evs := c.feed(a)
				if evs[3].Kind != analyze.EventReply {
					t.Fatalf("answer event = %v, want EventReply", evs[3].Kind)
				}
				trs := a.Traces()
				if len(trs) != 1 || len(trs[0].Probes) != 2 || trs[0].Probes[1].Reply == nil || trs[0].Probes[0].Reply == nil {
					t.Fatalf("Traces() = %v, want one trace of two answered probes", trs)
				}
				tr := trs[0]
				r := tr.Probes[1].Reply
				got := sum{r.Kind, r.FromDest, tr.Reached(), r.Annotation(), tr.DestTTL(), tr.EndTTL(), tr.Proto, r.From,
					tr.Probes[0].Reply.Kind == analyze.TimeExceeded}
				if diff := cmp.Diff(tt.want, got, cmpAddr); diff != "" {
					t.Errorf("answer mismatch (-want +got):\n%s", diff)
				}
				if r.RTT != 2*time.Millisecond {
					t.Errorf("answer RTT = %v, want 2ms", r.RTT)
				}
			})
		}
	}
}

// TestAnalyzerAnsweredAgain: a reply to a probe already answered (the
// same reply captured twice, or a second answer) matches nothing, and its
// event names the probe it echoes, for --packets to say so; a reply that
// echoes no probe names none.
func TestAnalyzerAnsweredAgain(t *testing.T) {
	probe := echoRequest(t, srcAddr, dstAddr, 1, 0x11, 0x4242, 1)
	te := icmpError(t, hop1, srcAddr, 250, 0x21, layers.ICMPv4TypeTimeExceeded, 0, probe, 1)
	var c capture
	c.add(0, probe)
	c.add(time.Millisecond, te)
	c.add(time.Millisecond+10*time.Microsecond, te)
	c.add(2*time.Millisecond, echoReply(t, dstAddr, srcAddr, 60, 0x22, 0x4242, 9))
	evs := c.feed(analyze.New(analyze.Options{}))
	if evs[1].Kind != analyze.EventReply || evs[2].Kind != analyze.EventUnmatched || evs[3].Kind != analyze.EventUnmatched {
		t.Fatalf("events %v, %v, %v; want reply, unmatched, unmatched", evs[1].Kind, evs[2].Kind, evs[3].Kind)
	}
	if p := evs[2].Probe; p == nil || p != evs[1].Probe || p.Reply == nil || p.Reply.Frame != 2 {
		t.Errorf("the second Time Exceeded names probe %+v, want the probe of frame 1, answered by frame 2", p)
	}
	if evs[3].Probe != nil {
		t.Errorf("an Echo Reply to a probe never seen names probe %+v, want none", evs[3].Probe)
	}
}

// TestAnalyzerMalformed checks that junk is counted, never fatal.
func TestAnalyzerMalformed(t *testing.T) {
	echo := echoRequest(t, srcAddr, dstAddr, 1, 1, 1, 1)
	a := analyze.New(analyze.Options{})
	for _, p := range []analyze.Packet{
		{Time: t0, Link: layers.LinkTypeEthernet, Data: links[0].wrap(echo[:20])},       // cut after IPv4: malformed
		{Time: t0, Link: layers.LinkTypeEthernet, Data: []byte{1, 2, 3}},                // too short for Ethernet: malformed
		{Time: t0, Link: layers.LinkTypeEthernet, Data: links[0].wrap(echo)[:14]},       // Ethernet alone: other
		{Time: t0, Link: layers.LinkType(200), Data: echo},                              // unknown link: other
		{Time: t0.Add(time.Millisecond), Link: layers.LinkTypeRaw, Data: echo},          // a probe
		{Time: t0.Add(2 * time.Millisecond), Link: layers.LinkTypeRaw, Data: echo[:24]}, // malformed
	} {
		a.Add(p)
	}
	want := analyze.Stats{Packets: 6, Malformed: 3, Other: 2, Probes: 1, UnknownLink: 1}
	if diff := cmp.Diff(want, a.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

// TestAnalyzerLateReplyAfterGap checks that a reply to a probe of a trace
// already finished (a new one started after Gap) is not credited to the
// new trace: a ping must not become a traceroute by it.
func TestAnalyzerLateReplyAfterGap(t *testing.T) {
	old := echoRequest(t, srcAddr, dstAddr, 1, 1, 0x42, 1)
	var c capture
	c.add(0, old)
	c.add(21*time.Second, echoRequest(t, srcAddr, dstAddr, 64, 2, 0x42, 100)) // a ping, after Gap
	c.add(21*time.Second+time.Millisecond, echoReply(t, dstAddr, srcAddr, 60, 3, 0x42, 100))
	c.add(25*time.Second, icmpError(t, hop1, srcAddr, 250, 4, layers.ICMPv4TypeTimeExceeded, 0, old, 1)) // within Window
	a := analyze.New(analyze.Options{})
	evs := c.feed(a)
	ping := evs[1].Trace
	if ping == nil || evs[0].Trace == ping {
		t.Fatalf("probe after Gap: trace %p, want a new trace", ping)
	}
	if ev := evs[3]; ev.Kind != analyze.EventReply || ev.Probe != evs[0].Probe {
		t.Errorf("late Time Exceeded: event %v probe %p, want EventReply to %p", ev.Kind, ev.Probe, evs[0].Probe)
	}
	if evs[3].Trace == ping {
		t.Errorf("late Time Exceeded credited to the ping started after Gap")
	}
	// The probe sent with TTL 1 is a traceroute's, answered late; the
	// ping at TTL 64 is no traceroute.
	if trs := a.Traces(); len(trs) != 1 || len(trs[0].Probes) != 1 || trs[0].Probes[0] != evs[0].Probe {
		t.Errorf("Traces() = %d traces, want one: the probe sent with TTL 1, not the ping", len(trs))
	}
}

// TestAnalyzerSameIdentityProbes feeds tcptraceroute's way: three SYNs per
// TTL with one source port and sequence number, told apart only by IP ID.
// They are three probes, not one probe captured three times, and not
// ambiguous: a quote's IP ID tells them apart.
func TestAnalyzerSameIdentityProbes(t *testing.T) {
	var c capture
	at := time.Duration(0)
	for ttl := 1; ttl <= 2; ttl++ {
		for i := range 3 {
			syn := tcpSegment(t, srcAddr, dstAddr, uint8(ttl), uint16(0x100*ttl+i), 34377, 80, 655133324, 0, true, false, false)
			c.add(at, syn)
			if ttl == 1 {
				c.add(at+time.Millisecond, icmpError(t, hop1, srcAddr, 64, uint16(i), layers.ICMPv4TypeTimeExceeded, 0, syn, 1))
			} else {
				c.add(at+time.Millisecond, tcpSegment(t, dstAddr, srcAddr, 62, 0, 80, 34377, 1, 655133325, true, true, false))
			}
			at += 10 * time.Millisecond
		}
	}
	a := analyze.New(analyze.Options{})
	c.feed(a)
	if s := a.Stats(); s.Probes != 6 || s.Duplicates != 0 || s.Replies != 6 || s.Unmatched+s.LateReplies != 0 {
		t.Errorf("Stats() = %+v, want 6 probes, 6 replies, no duplicates", s)
	}
	trs := a.Traces()
	if len(trs) != 1 {
		t.Fatalf("Traces() = %d traces, want 1", len(trs))
	}
	r := time.Millisecond
	want := []hopSum{
		{TTL: 1, Responders: []netip.Addr{hop1}, RTTs: []time.Duration{r, r, r}, Kinds: []analyze.Kind{analyze.TimeExceeded, analyze.TimeExceeded, analyze.TimeExceeded}},
		{TTL: 2, Responders: []netip.Addr{dstAddr}, RTTs: []time.Duration{r, r, r}, Kinds: []analyze.Kind{analyze.TCPSynAck, analyze.TCPSynAck, analyze.TCPSynAck}},
	}
	checkHops(t, trs[0], want)
	if trs[0].Ambiguous != 0 {
		t.Errorf("trace Ambiguous = %d, want 0", trs[0].Ambiguous)
	}
}

// TestAnalyzerPingBesideTrace: a ping to the traced host, with its own echo
// identifier, at the same time as an ICMP traceroute, stays out of the trace.
func TestAnalyzerPingBesideTrace(t *testing.T) {
	var c capture
	traceTo(t, &c, 0, dstAddr, 0x100)
	c.add(time.Millisecond/2, echoRequest(t, srcAddr, dstAddr, 64, 9, 0x77, 1))
	c.add(4*time.Millisecond, echoReply(t, dstAddr, srcAddr, 60, 9, 0x77, 1))
	a := analyze.New(analyze.Options{})
	c.feed(a)
	a.Close()
	trs := a.Traces()
	if len(trs) != 1 {
		t.Fatalf("Traces() = %d traces, want 1", len(trs))
	}
	var ttls []int
	for _, p := range trs[0].Probes {
		ttls = append(ttls, p.TTL)
	}
	if diff := cmp.Diff([]int{1, 2}, ttls); diff != "" {
		t.Errorf("trace probe TTLs (-want +got):\n%s", diff)
	}
}

// endless is an mtr-like run: rounds of probes at TTL 1..5 under one ICMP
// identifier, one probe every 10ms, each answered 1ms later (Time
// Exceeded from hop1, the destination's Echo Reply at TTL 5); the last
// probe of the round that ends at probe cross is answered only after the
// next probe has left.
func endless(t *testing.T, c *capture, probes, cross int) {
	for i := 0; i < probes; i++ {
		ttl := uint8(i%5 + 1)
		seq := uint16(i)
		at := time.Duration(i) * 10 * time.Millisecond
		p := echoRequest(t, srcAddr, dstAddr, ttl, seq, 0x77, seq)
		c.add(at, p)
		delay := time.Millisecond
		if i == cross {
			delay = 15 * time.Millisecond
		}
		if ttl == 5 {
			c.add(at+delay, echoReply(t, dstAddr, srcAddr, 60, seq, 0x77, seq))
		} else {
			c.add(at+delay, icmpError(t, hop1, srcAddr, 250, seq, layers.ICMPv4TypeTimeExceeded, 0, p, 1))
		}
	}
}

// TestAnalyzerParts cuts a trace that never ends into parts of MaxProbes:
// every probe lands in exactly one part, in order; a reply that comes
// after the cut still reaches its probe in the earlier part; parts are
// handed over as the run goes on, so that only the latest stay in memory.
func TestAnalyzerParts(t *testing.T) {
	const probes, max = 2000, 100
	var c capture
	endless(t, &c, probes, 3*max-1)
	var parts []*analyze.Trace
	a := analyze.New(analyze.Options{MaxProbes: max, Window: 2 * time.Second, Gap: time.Second,
		OnTrace: func(tr *analyze.Trace) { parts = append(parts, tr) }})
	c.feed(a)
	before := len(parts)
	a.Close()
	if len(parts) != probes/max {
		t.Fatalf("%d parts, want %d", len(parts), probes/max)
	}
	// A part is handed over once Window has passed since its last probe:
	// at the end only the parts of the last 2 seconds (200 probes) are
	// still held.
	if before < len(parts)-3 {
		t.Errorf("%d of %d parts handed over before Close, want all but the last 3 at most", before, len(parts))
	}
	next := 1
	for i, tr := range parts {
		if len(tr.Probes) != max {
			t.Errorf("part %d: %d probes, want %d", i, len(tr.Probes), max)
		}
		for _, p := range tr.Probes {
			if p.Frame < next {
				t.Fatalf("part %d: probe of frame %d out of order", i, p.Frame)
			}
			next = p.Frame
			if p.Reply == nil {
				t.Errorf("part %d: probe seq %d (frame %d) unanswered", i, p.Seq, p.Frame)
			}
		}
		if !tr.Reached() {
			t.Errorf("part %d: destination not reached", i)
		}
	}
	if st := a.Stats(); st.LateReplies+st.Unmatched != 0 || st.Probes != probes {
		t.Errorf("stats %+v: want %d probes, every reply matched", st, probes)
	}
}

// TestAnalyzerResent feeds lft's way: a probe sent again byte for byte
// (same ports, IP ID 0) 250ms later, after no answer. That is a second
// probe, ambiguous with the first, not the same packet captured twice.
func TestAnalyzerResent(t *testing.T) {
	var c capture
	c.add(0, udpProbe(t, srcAddr, dstAddr, 2, 0, 53, 33435))
	c.add(250*time.Millisecond, udpProbe(t, srcAddr, dstAddr, 2, 0, 53, 33435))
	c.add(250*time.Millisecond+10*time.Microsecond, udpProbe(t, srcAddr, dstAddr, 2, 0, 53, 33435)) // captured twice
	a := analyze.New(analyze.Options{})
	evs := c.feed(a)
	if evs[1].Kind != analyze.EventProbe || !evs[1].Probe.Ambiguous {
		t.Errorf("probe sent again: event %v, want an ambiguous EventProbe", evs[1].Kind)
	}
	if evs[2].Kind != analyze.EventDuplicate || evs[2].Probe != evs[1].Probe {
		t.Errorf("its second capture: event %v, want EventDuplicate of it", evs[2].Kind)
	}
	if s := a.Stats(); s.Probes != 2 || s.Duplicates != 1 {
		t.Errorf("Stats() = %+v, want 2 probes and 1 duplicate", s)
	}
}

// TestEndTTLFragNeeded: a fragmentation needed ends a trace where nothing
// answered from further on (traceroute -F: every later TTL drew it too),
// not where the trace went on with smaller probes (tracepath, traceroute
// --mtu), which reach the destination.
func TestEndTTLFragNeeded(t *testing.T) {
	reply := func(kind analyze.Kind, dest bool) *analyze.Reply {
		return &analyze.Reply{Kind: kind, FromDest: dest}
	}
	probe := func(ttl int, r *analyze.Reply) *analyze.Probe { return &analyze.Probe{TTL: ttl, Reply: r} }
	te, frag := analyze.TimeExceeded, analyze.FragNeeded
	for _, tt := range []struct {
		name   string
		probes []*analyze.Probe
		want   int
	}{
		{"traceroute -F", []*analyze.Probe{probe(1, reply(te, false)), probe(2, reply(te, false)),
			probe(3, reply(frag, false)), probe(4, reply(frag, false)), probe(5, reply(frag, false))}, 3},
		{"tracepath", []*analyze.Probe{probe(1, reply(te, false)), probe(2, reply(te, false)),
			probe(3, reply(frag, false)), probe(3, reply(te, false)), probe(4, reply(te, false)),
			probe(5, reply(analyze.PortUnreachable, true))}, 5},
		{"on to silence", []*analyze.Probe{probe(1, reply(te, false)), probe(2, reply(frag, false)),
			probe(3, reply(te, false)), probe(4, nil)}, 0},
		{"host unreachable first", []*analyze.Probe{probe(1, reply(analyze.HostUnreachable, false)),
			probe(2, reply(frag, false))}, 1},
	} {
		tr := &analyze.Trace{Probes: tt.probes}
		if got := tr.EndTTL(); got != tt.want {
			t.Errorf("%s: EndTTL() = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestAnalyzerBackToBack: traceroute run twice to one destination, the
// second run a few milliseconds after the first (well within Gap), is two
// traces, as the tool printed two; a late reply to the first run, after
// the second started, still counts. mtr's rounds, which go back to TTL 1
// after the destination answered but go on numbering their probes, stay
// one trace, as do two runs at once.
func TestAnalyzerBackToBack(t *testing.T) {
	// run is traceroute's UDP run: TTL 1-3, one probe each, ports from
	// 33434, the destination at TTL 3; start its first probe's time.
	run := func(c *capture, start time.Duration, sport uint16, lateAt time.Duration) {
		for ttl := 1; ttl <= 3; ttl++ {
			at := start + time.Duration(ttl)*100*time.Microsecond
			p := udpProbe(t, srcAddr, dstAddr, uint8(ttl), uint16(ttl)+sport, sport+uint16(ttl), 33433+uint16(ttl))
			c.add(at, p)
			from, typ, code := hop1, uint8(layers.ICMPv4TypeTimeExceeded), uint8(0)
			switch ttl {
			case 2:
				from = hop2
			case 3:
				from, typ, code = dstAddr, layers.ICMPv4TypeDestinationUnreachable, 3
			}
			rtt := time.Millisecond
			if ttl == 1 && lateAt != 0 {
				rtt = lateAt // after the next run's first probes
			}
			c.add(at+rtt, icmpError(t, from, srcAddr, 64, 0x100+uint16(ttl), typ, code, p, 1))
		}
	}
	count := func(c capture) (traces, answered int, st analyze.Stats) {
		a := analyze.New(analyze.Options{})
		c.feed(a)
		for _, tr := range a.Traces() {
			traces++
			for _, p := range tr.Probes {
				if p.Reply != nil {
					answered++
				}
			}
		}
		return traces, answered, a.Stats()
	}

	var twice capture
	run(&twice, 0, 40000, 6*time.Millisecond)
	run(&twice, 5*time.Millisecond, 41000, 0)
	if n, answered, st := count(twice); n != 2 || answered != 6 || st.LateReplies+st.Unmatched != 0 {
		t.Errorf("two runs back to back: %d traces, %d probes answered, stats %+v; want 2 traces, all 6 answered", n, answered, st)
	}

	var together capture
	run(&together, 0, 40000, 0)
	run(&together, 50*time.Microsecond, 41000, 0)
	if n, answered, _ := count(together); n != 1 || answered != 6 {
		t.Errorf("two runs at once: %d traces, %d answered; want 1 trace, all 6 answered", n, answered)
	}

	// mtr: ICMP rounds of TTL 1-2, the destination at 2, seq counting on.
	var mtr capture
	for round := range 3 {
		for ttl := 1; ttl <= 2; ttl++ {
			seq := uint16(round*2 + ttl)
			at := time.Duration(round)*100*time.Millisecond + time.Duration(ttl)*time.Millisecond
			p := echoRequest(t, srcAddr, dstAddr, uint8(ttl), seq, 0x4242, seq)
			mtr.add(at, p)
			if ttl == 1 {
				mtr.add(at+time.Millisecond/2, icmpError(t, hop1, srcAddr, 64, 0x200+seq, layers.ICMPv4TypeTimeExceeded, 0, p, 1))
			} else {
				mtr.add(at+time.Millisecond/2, echoReply(t, dstAddr, srcAddr, 64, 0x300+seq, 0x4242, seq))
			}
		}
	}
	if n, answered, _ := count(mtr); n != 1 || answered != 6 {
		t.Errorf("mtr, three rounds: %d traces, %d answered; want 1 trace, all 6 answered", n, answered)
	}
}

// TestAnalyzerOneTTL: a traceroute to a host on the link sends TTL 1
// alone (tracers run does), answered by the destination: a trace, as run
// printed it; a ping at a host's default TTL is none.
func TestAnalyzerOneTTL(t *testing.T) {
	for _, tt := range []struct {
		ttl  uint8
		want int
	}{{1, 1}, {31, 1}, {64, 0}, {128, 0}} {
		var c capture
		for seq := uint16(1); seq <= 3; seq++ {
			at := time.Duration(seq) * time.Millisecond
			c.add(at, echoRequest(t, srcAddr, dstAddr, tt.ttl, seq, 0x4242, seq))
			c.add(at+100*time.Microsecond, echoReply(t, dstAddr, srcAddr, 64, 0x100+seq, 0x4242, seq))
		}
		a := analyze.New(analyze.Options{})
		c.feed(a)
		if trs := a.Traces(); len(trs) != tt.want {
			t.Errorf("three echo requests at TTL %d, answered: %d traces, want %d", tt.ttl, len(trs), tt.want)
		}
	}
}

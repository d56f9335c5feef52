package analyze_test

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// natAddr is the address a NAT between the source and the routers
// translates the source's to.
var natAddr = netip.MustParseAddr("198.51.100.200")

// edit returns a copy of packet p changed by f.
func edit(p []byte, f func(b []byte)) []byte {
	b := append([]byte(nil), p...)
	f(b)
	return b
}

// TestAnalyzerRewritten feeds probes and one ICMP error quoting a packet
// that differs from one of them as a NAT or a middlebox would change it,
// and checks which probe the error answers (want, an index in probes; -1
// none) and which fields Reply.Rewritten names.
func TestAnalyzerRewritten(t *testing.T) {
	udp := udpProbe(t, srcAddr, dstAddr, 1, 0x100, 40000, 33434)
	udp2 := udpProbe(t, srcAddr, dstAddr, 1, 0x101, 40000, 33434) // Paris: same ports
	dns := udpProbe(t, srcAddr, dstAddr, 1, 0x777, 5353, 33434)   // other traffic to the port
	syn := tcpSegment(t, srcAddr, dstAddr, 1, 0x200, 40002, 80, 0x01020304, 0, true, false, false)
	syn2 := tcpSegment(t, srcAddr, dstAddr, 1, 0x201, 40002, 80, 0x01020304, 0, true, false, false) // tcptraceroute: only the IP ID differs
	echo := echoRequest(t, srcAddr, dstAddr, 1, 0x300, 0x4242, 1)
	u6 := udp6(t, src6, dst6, 1, 40000, 33434, "tracers-udp6")
	ours := func(inf *analyze.Info) bool { return inf.SrcPort != 5353 && inf.Dst != dst2Addr }
	tests := []struct {
		name   string
		probes [][]byte
		quote  []byte // the packet the error quotes
		want   int
		rw     analyze.Rewritten
	}{
		{"untouched", [][]byte{udp}, udp, 0, 0},
		{"ip id rewritten", [][]byte{udp}, udpProbe(t, srcAddr, dstAddr, 1, 0x9999, 40000, 33434), 0, analyze.RewriteIPID},
		{"tos rewritten", [][]byte{udp}, edit(udp, func(b []byte) { b[1] = 0x20 }), 0, analyze.RewriteTOS},
		{"length rewritten", [][]byte{udp}, edit(udp, func(b []byte) { binary.BigEndian.PutUint16(b[2:4], 41) }), 0, analyze.RewriteLength},
		{"checksum rewritten", [][]byte{udp}, edit(udp, func(b []byte) { b[26] ^= 0xff }), 0, analyze.RewriteChecksum},
		{"nat left the source address", [][]byte{udp}, udpProbe(t, natAddr, dstAddr, 1, 0x100, 40000, 33434), 0,
			analyze.RewriteSrcAddr | analyze.RewriteChecksum},
		{"nat left the source address and port", [][]byte{udp}, udpProbe(t, natAddr, dstAddr, 1, 0x100, 61000, 33434), 0,
			analyze.RewriteSrcAddr | analyze.RewriteSrcPort | analyze.RewriteChecksum},
		{"nat left the source address and port", [][]byte{udp}, udpProbe(t, natAddr, dstAddr, 1, 0x100, 61000, 33434), 0,
			analyze.RewriteSrcAddr | analyze.RewriteSrcPort | analyze.RewriteChecksum},
		// Our own address with another source port is another run of
		// this host (two traceroutes at once), not a translation.
		{"our address, another source port: another run's", [][]byte{udp}, udpProbe(t, srcAddr, dstAddr, 1, 0x100, 61000, 33434), -1, 0},
		{"paris: the ip id picks the earlier probe", [][]byte{udp, udp2}, udp, 0, 0},
		{"paris: the ip id picks the later probe", [][]byte{udp, udp2}, udp2, 1, 0},
		{"paris: ip id rewritten, the latest unanswered", [][]byte{udp, udp2}, udpProbe(t, srcAddr, dstAddr, 1, 0x9999, 40000, 33434), 1, analyze.RewriteIPID},
		{"another flow to the probed port is no probe", [][]byte{udp, dns}, dns, -1, 0},
		{"nor is one that shares a probe's ip id, at ttl 64", [][]byte{udp},
			edit(udpProbe(t, srcAddr, dstAddr, 64, 0x100, 5353, 33434), func(b []byte) { b[8] = 60 }), -1, 0},
		{"tcp: nat left the source port, the sequence identifies",
			[][]byte{syn}, tcpSegment(t, natAddr, dstAddr, 1, 0x200, 62000, 80, 0x01020304, 0, true, false, false), 0,
			analyze.RewriteSrcAddr | analyze.RewriteSrcPort},
		{"tcp: nat left the source port, the ip id picks the earlier of two",
			[][]byte{syn, syn2}, tcpSegment(t, natAddr, dstAddr, 1, 0x200, 62000, 80, 0x01020304, 0, true, false, false), 0,
			analyze.RewriteSrcAddr | analyze.RewriteSrcPort},
		{"tcp: nat left the source port and ip id, the latest",
			[][]byte{syn, syn2}, tcpSegment(t, natAddr, dstAddr, 1, 0x999, 62000, 80, 0x01020304, 0, true, false, false), 1,
			analyze.RewriteSrcAddr | analyze.RewriteSrcPort | analyze.RewriteIPID},
		{"tcp: another sequence is no probe",
			[][]byte{syn}, tcpSegment(t, srcAddr, dstAddr, 1, 0x200, 62000, 80, 0x01020305, 0, true, false, false), -1, 0},
		{"tcp: sequence randomised by a firewall, the ports and ip id identify",
			[][]byte{syn, syn2}, tcpSegment(t, srcAddr, dstAddr, 1, 0x200, 40002, 80, 0x7a7a7a7a, 0, true, false, false), 0,
			analyze.RewriteSeq},
		{"tcp: sequence randomised and another ip id: no probe",
			[][]byte{syn}, tcpSegment(t, srcAddr, dstAddr, 1, 0x9999, 40002, 80, 0x7a7a7a7a, 0, true, false, false), -1, 0},
		{"icmp: nat left the source address", [][]byte{echo}, echoRequest(t, natAddr, dstAddr, 1, 0x300, 0x4242, 1), 0, analyze.RewriteSrcAddr},
		{"icmp: ip id and tos", [][]byte{echo}, edit(echoRequest(t, srcAddr, dstAddr, 1, 0x301, 0x4242, 1), func(b []byte) { b[1] = 4 }), 0,
			analyze.RewriteIPID | analyze.RewriteTOS},
		{"ipv6: flow label and traffic class", [][]byte{u6}, edit(u6, func(b []byte) { b[0], b[1], b[3] = 0x60, 0xb1, 0x46 }), 0,
			analyze.RewriteTOS | analyze.RewriteFlow},
		{"ipv6: payload length", [][]byte{u6}, edit(u6, func(b []byte) { b[5]++ }), 0, analyze.RewriteLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c capture
			raw := func(at time.Duration, p []byte) { // either family
				c = append(c, analyze.Packet{Time: t0.Add(at), Link: layers.LinkTypeRaw, Data: p})
			}
			for i, p := range tt.probes {
				raw(time.Duration(i)*time.Millisecond, p)
			}
			var e []byte
			if tt.quote[0]>>4 == 6 {
				e = icmp6Error(t, hop6a, src6, 64, layers.ICMPv6TypeTimeExceeded, 0, tt.quote, 1)
			} else {
				e = icmpError(t, hop1, srcAddr, 250, 9, layers.ICMPv4TypeTimeExceeded, 0, tt.quote, tt.quote[8]) // the TTL left as built
			}
			raw(10*time.Millisecond, e)
			evs := c.feed(analyze.New(analyze.Options{IsProbe: ours}))
			ev := evs[len(evs)-1]
			if tt.want < 0 {
				if ev.Kind != analyze.EventUnmatched {
					t.Fatalf("error: event %v (probe TTL %v), want unmatched", ev.Kind, ev.Probe)
				}
				return
			}
			if ev.Kind != analyze.EventReply || ev.Probe != evs[tt.want].Probe {
				t.Fatalf("error: event %v probe %p, want a reply to probe %d (%p)", ev.Kind, ev.Probe, tt.want, evs[tt.want].Probe)
			}
			if got := ev.Probe.Reply.Rewritten; got != tt.rw {
				t.Errorf("Rewritten = %q, want %q", got, tt.rw)
			}
		})
	}
}

func TestRewrittenString(t *testing.T) {
	tests := []struct {
		rw   analyze.Rewritten
		want string
	}{
		{0, ""},
		{analyze.RewriteIPID, "ip-id"},
		{analyze.RewriteSrcPort | analyze.RewriteChecksum, "src-port,checksum"},
		{1<<9 - 1, "src-addr,dst-addr,src-port,dst-port,ip-id,tos,length,checksum,flow-label"},
	}
	for _, tt := range tests {
		if got := tt.rw.String(); got != tt.want {
			t.Errorf("Rewritten(%#x).String() = %q, want %q", uint16(tt.rw), got, tt.want)
		}
	}
}

// TestAnalyzerOrdinaryTraffic checks which probes at a host's default TTL
// a finished trace keeps: those a run reached step by step, or that drew
// a Time Exceeded; not ordinary traffic at a TTL standing apart.
func TestAnalyzerOrdinaryTraffic(t *testing.T) {
	tests := []struct {
		name     string
		ttls     []uint8 // one UDP probe each, to dstAddr
		te       []uint8 // the TTLs whose probe draws a Time Exceeded
		wantTTLs []int   // of the one trace; nil: no trace
	}{
		{"detached 64 dropped", []uint8{1, 2, 3, 64, 64}, []uint8{1, 2}, []int{1, 2, 3}},
		{"a run up to 64 kept", seqTTLs(1, 64), []uint8{1, 2}, ints(1, 64)},
		{"64 with a time exceeded kept", []uint8{1, 2, 64}, []uint8{1, 64}, []int{1, 2, 64}},
		{"63 and 64 apart dropped", []uint8{1, 2, 63, 64}, []uint8{1}, []int{1, 2}},
		{"64 and 128 alone are no traceroute", []uint8{64, 128, 64}, nil, nil},
		{"a high first ttl with time exceeded below it kept", []uint8{40, 41, 42}, []uint8{41}, []int{40, 41, 42}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c capture
			for i, ttl := range tt.ttls {
				p := udpProbe(t, srcAddr, dstAddr, ttl, uint16(i), 40000, 33434+uint16(i))
				at := time.Duration(i) * time.Millisecond
				c.add(at, p)
				if slices.Contains(tt.te, ttl) {
					c.add(at+time.Millisecond/2, icmpError(t, hop1, srcAddr, 250, 9, layers.ICMPv4TypeTimeExceeded, 0, p, 1))
				}
			}
			var got []*analyze.Trace
			a := analyze.New(analyze.Options{OnTrace: func(tr *analyze.Trace) { got = append(got, tr) }})
			c.feed(a)
			a.Close()
			if tt.wantTTLs == nil {
				if len(got) != 0 {
					t.Fatalf("%d traces, want none", len(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d traces, want 1", len(got))
			}
			var ttls []int
			for _, h := range got[0].Hops() {
				ttls = append(ttls, h.TTL)
			}
			if !slices.Equal(ttls, tt.wantTTLs) {
				t.Errorf("TTLs %v, want %v", ttls, tt.wantTTLs)
			}
		})
	}
}

func seqTTLs(from, to uint8) []uint8 {
	var s []uint8
	for ttl := from; ttl <= to; ttl++ {
		s = append(s, ttl)
	}
	return s
}

func ints(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// TestAnalyzerPause checks that a run whose probes go on after a pause
// longer than Gap stays one trace when they continue it, within Pause,
// and that the idle trace is handed over only then.
func TestAnalyzerPause(t *testing.T) {
	tests := []struct {
		name   string
		pause  time.Duration
		seq2   uint16 // the first sequence number after the pause
		id2    uint16
		traces int
	}{
		{"continues within pause", 40 * time.Second, 3, 0x77, 1},
		{"past pause", 3 * time.Minute, 3, 0x77, 2},
		{"sequence starts again", 40 * time.Second, 1, 0x77, 2},
		{"another identifier", 40 * time.Second, 3, 0x78, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c capture
			for i := range 2 {
				p := echoRequest(t, srcAddr, dstAddr, uint8(i+1), uint16(i), 0x77, uint16(i+1))
				c.add(time.Duration(i)*time.Millisecond, p)
				c.add(time.Duration(i)*time.Millisecond+time.Microsecond, icmpError(t, hop1, srcAddr, 250, 9, layers.ICMPv4TypeTimeExceeded, 0, p, 1))
			}
			for i := range 2 {
				at := tt.pause + time.Duration(i)*time.Millisecond
				c.add(at, echoRequest(t, srcAddr, dstAddr, uint8(i+3), uint16(i+2), tt.id2, tt.seq2+uint16(i)))
			}
			var got []*analyze.Trace
			a := analyze.New(analyze.Options{OnTrace: func(tr *analyze.Trace) { got = append(got, tr) }})
			c.feed(a)
			handed := len(got)
			a.Close()
			if len(got) != tt.traces {
				t.Fatalf("%d traces, want %d", len(got), tt.traces)
			}
			if tt.traces == 1 && len(got[0].Probes) != 4 {
				t.Errorf("%d probes in the trace, want 4", len(got[0].Probes))
			}
			if handed != 0 && tt.traces == 1 {
				t.Errorf("%d traces handed over during the pause, want none", handed)
			}
		})
	}
}

// TestAnalyzerPauseContinues checks which UDP and TCP probes continue a
// run after a pause past Gap (one trace) and which start a new one.
func TestAnalyzerPauseContinues(t *testing.T) {
	udp := func(ttl uint8, sport, dport uint16) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return udpProbe(t, srcAddr, dstAddr, ttl, uint16(ttl), sport, dport) }
	}
	syn := func(ttl uint8, sport uint16, seq uint32) func(*testing.T) []byte {
		return func(t *testing.T) []byte {
			return tcpSegment(t, srcAddr, dstAddr, ttl, uint16(ttl), sport, 80, seq, 0, true, false, false)
		}
	}
	tests := []struct {
		name          string
		before, after []func(*testing.T) []byte
		traces        int
	}{
		{"udp classic: the next ports", []func(*testing.T) []byte{udp(1, 40000, 33434), udp(2, 40001, 33435)},
			[]func(*testing.T) []byte{udp(3, 40002, 33436)}, 1},
		{"udp classic: the ports start again", []func(*testing.T) []byte{udp(1, 40000, 33434), udp(2, 40001, 33435)},
			[]func(*testing.T) []byte{udp(3, 40002, 33434)}, 2},
		{"udp paris: the same ports", []func(*testing.T) []byte{udp(1, 40000, 53), udp(2, 40000, 53)},
			[]func(*testing.T) []byte{udp(3, 40000, 53)}, 1},
		{"udp paris: another source port", []func(*testing.T) []byte{udp(1, 40000, 53), udp(2, 40000, 53)},
			[]func(*testing.T) []byte{udp(3, 40007, 53)}, 2},
		{"tcp: the same sequence", []func(*testing.T) []byte{syn(1, 40000, 7), syn(2, 40000, 7)},
			[]func(*testing.T) []byte{syn(3, 40000, 7)}, 1},
		{"tcp: the next sequence", []func(*testing.T) []byte{syn(1, 40000, 7), syn(2, 40000, 8)},
			[]func(*testing.T) []byte{syn(3, 40000, 9)}, 1},
		{"tcp: another run's sequence", []func(*testing.T) []byte{syn(1, 40000, 7), syn(2, 40000, 8)},
			[]func(*testing.T) []byte{syn(3, 40000, 0x9abcdef0)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c capture
			at := time.Duration(0)
			for _, mk := range tt.before {
				c.add(at, mk(t))
				at += time.Millisecond
			}
			at += 50 * time.Second // past Gap, within Pause
			for _, mk := range tt.after {
				c.add(at, mk(t))
				at += time.Millisecond
			}
			var got []*analyze.Trace
			a := analyze.New(analyze.Options{OnTrace: func(tr *analyze.Trace) { got = append(got, tr) }})
			c.feed(a)
			a.Close()
			// A part of one TTL and no Time Exceeded is no traceroute: count
			// probes instead of traces.
			probes := 0
			if len(got) > 0 {
				probes = len(got[0].Probes)
			}
			if one := len(got) == 1 && probes == len(tt.before)+len(tt.after); one != (tt.traces == 1) {
				t.Errorf("%d traces (the first of %d probes), want %d", len(got), probes, tt.traces)
			}
		})
	}
}

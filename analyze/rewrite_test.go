package analyze_test

import (
	"encoding/binary"
	"net/netip"
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
		{"nat left the source port", [][]byte{udp}, udpProbe(t, srcAddr, dstAddr, 1, 0x100, 61000, 33434), 0,
			analyze.RewriteSrcPort | analyze.RewriteChecksum},
		{"paris: the ip id picks the earlier probe", [][]byte{udp, udp2}, udp, 0, 0},
		{"paris: the ip id picks the later probe", [][]byte{udp, udp2}, udp2, 1, 0},
		{"paris: ip id rewritten, the latest unanswered", [][]byte{udp, udp2}, udpProbe(t, srcAddr, dstAddr, 1, 0x9999, 40000, 33434), 1, analyze.RewriteIPID},
		{"another flow to the probed port is no probe", [][]byte{udp, dns}, dns, -1, 0},
		{"tcp: nat left the source port, the sequence identifies",
			[][]byte{syn}, tcpSegment(t, natAddr, dstAddr, 1, 0x200, 62000, 80, 0x01020304, 0, true, false, false), 0,
			analyze.RewriteSrcAddr | analyze.RewriteSrcPort},
		{"tcp: another sequence is no probe",
			[][]byte{syn}, tcpSegment(t, srcAddr, dstAddr, 1, 0x200, 62000, 80, 0x01020305, 0, true, false, false), -1, 0},
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
				e = icmpError(t, hop1, srcAddr, 250, 9, layers.ICMPv4TypeTimeExceeded, 0, tt.quote, 1)
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

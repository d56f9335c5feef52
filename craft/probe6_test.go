package craft_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/craft"
)

// goldenSpec6 is the IPv6 probe goldenProbe6 spells out.
func goldenSpec6() craft.Spec {
	return craft.Spec{
		Src:     netip.MustParseAddr("fd77:1::1"),
		Dst:     netip.MustParseAddr("fd77:5::2"),
		TTL:     3,
		ID:      0x1234,
		Seq:     craft.SeqFor(3, 1),
		IPID:    0xffff, // ignored: IPv6 has no identification
		Flow:    0x12345,
		Payload: craft.DefaultPayload,
	}
}

// goldenProbe6 is goldenSpec6 on the wire. The checksum was computed
// independently of craft and gopacket (a few lines of Python): the one's
// complement sum of the pseudo-header is 0xfb5a, of the ICMPv6 message
// with its checksum field zero 0x8a3a; their sum 0x18594 folds to 0x8595,
// whose complement is 0x7a6a.
var goldenProbe6 = []byte{
	// IPv6 header, RFC 8200 section 3.
	0x60,       // version 6, traffic class high nibble 0
	0x01,       // traffic class low nibble 0, flow label bits 19-16: 0x1
	0x23, 0x45, // flow label bits 15-0: flow label 0x12345
	0x00, 0x28, // payload length 40: 8 ICMPv6 header + 32 data
	0x3a,                                           // next header 58, ICMPv6 (no extension headers)
	0x03,                                           // hop limit 3
	0xfd, 0x77, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // source fd77:1::1
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xfd, 0x77, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, // destination fd77:5::2
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	// ICMPv6 Echo Request, RFC 4443 section 4.1.
	0x80,       // type 128, echo request
	0x00,       // code 0
	0x7a, 0x6a, // checksum over the pseudo-header and the message
	0x12, 0x34, // identifier 0x1234
	0x03, 0x01, // sequence SeqFor(3, 1): hop limit 3, attempt 1
	// Payload, 32 bytes of 0x40 + i%64.
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, // "@ABCDEFG"
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, // "HIJKLMNO"
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, // "PQRSTUVW"
	0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, // "XYZ[\]^_"
}

// goldenPseudo6 is the pseudo-header goldenProbe6's checksum covers.
var goldenPseudo6 = [craft.PseudoHeaderLen]byte{
	0xfd, 0x77, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // source fd77:1::1
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xfd, 0x77, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, // destination fd77:5::2
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x28, // upper-layer packet length 40, 32 bits
	0x00, 0x00, 0x00, // zero
	0x3a, // next header 58, ICMPv6
}

// TestBuild6MatchesGopacket decodes what Build made with gopacket and
// checks every layer field, and that gopacket's checksum is the one
// craft's hand-written code computes.
func TestBuild6MatchesGopacket(t *testing.T) {
	b := craft.NewBuilder()
	for _, n := range []int{0, 1, 7, craft.DefaultPayload, craft.MaxPayload6} {
		s := goldenSpec6()
		s.Payload = n
		s.Flow = uint32(n) << 8
		pkt, err := b.Build(s)
		if err != nil {
			t.Fatalf("Build(payload %d) error: %v", n, err)
		}
		if len(pkt) != 48+n {
			t.Fatalf("Build(payload %d) length = %d, want %d", n, len(pkt), 48+n)
		}
		p := gopacket.NewPacket(pkt, layers.LayerTypeIPv6, gopacket.Default)
		ip, _ := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
		icmp, _ := p.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
		echo, _ := p.Layer(layers.LayerTypeICMPv6Echo).(*layers.ICMPv6Echo)
		if ip == nil || icmp == nil || echo == nil {
			t.Fatalf("Build(payload %d): gopacket decodes %v", n, p)
		}
		if ip.Version != 6 || ip.TrafficClass != 0 || ip.FlowLabel != s.Flow || ip.Length != uint16(8+n) ||
			ip.NextHeader != layers.IPProtocolICMPv6 || ip.HopLimit != s.TTL ||
			!ip.SrcIP.Equal(s.Src.AsSlice()) || !ip.DstIP.Equal(s.Dst.AsSlice()) {
			t.Errorf("Build(payload %d) IPv6 = %+v, want fields of %+v", n, ip, s)
		}
		if icmp.TypeCode != layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0) || echo.Identifier != s.ID || echo.SeqNumber != s.Seq {
			t.Errorf("Build(payload %d) ICMPv6 = %v id %#x seq %#x, want echo request id %#x seq %#x", n, icmp.TypeCode, echo.Identifier, echo.SeqNumber, s.ID, s.Seq)
		}
		ph, err := craft.PseudoHeader(s.Src, s.Dst, uint32(8+n), layers.IPProtocolICMPv6)
		if err != nil {
			t.Fatal(err)
		}
		msg := append([]byte(nil), pkt[40:]...)
		msg[2], msg[3] = 0, 0
		if got := craft.Checksum6(ph, msg); got != icmp.Checksum {
			t.Errorf("Build(payload %d): hand-written checksum 0x%04x, gopacket wrote 0x%04x", n, got, icmp.Checksum)
		}
		for i, c := range pkt[48:] {
			if want := byte(0x40 + i%64); c != want {
				t.Fatalf("Build(payload %d) payload[%d] = %#02x, want %#02x", n, i, c, want)
			}
		}
	}
}

func TestPseudoHeader(t *testing.T) {
	s := goldenSpec6()
	got, err := craft.PseudoHeader(s.Src, s.Dst, 40, layers.IPProtocolICMPv6)
	if err != nil {
		t.Fatalf("PseudoHeader error: %v", err)
	}
	if diff := cmp.Diff(goldenPseudo6, got); diff != "" {
		t.Errorf("PseudoHeader mismatch (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		name     string
		src, dst netip.Addr
	}{
		{name: "ipv4", src: netip.MustParseAddr("10.77.1.1"), dst: s.Dst},
		{name: "mapped", src: s.Src, dst: netip.MustParseAddr("::ffff:10.0.0.1")},
		{name: "zero", src: s.Src},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := craft.PseudoHeader(tt.src, tt.dst, 8, layers.IPProtocolICMPv6); err == nil || !strings.Contains(err.Error(), "pseudo-header needs two ipv6 addresses") {
				t.Errorf("PseudoHeader(%v, %v) error = %v, want the ipv6 one", tt.src, tt.dst, err)
			}
		})
	}
}

// TestChecksum6Vectors checks Checksum6 on vectors worked out by hand.
func TestChecksum6Vectors(t *testing.T) {
	zero := [craft.PseudoHeaderLen]byte{}
	withField := append([]byte(nil), goldenProbe6[40:]...)
	zeroed := append([]byte(nil), withField...)
	zeroed[2], zeroed[3] = 0, 0
	var ones [craft.PseudoHeaderLen]byte
	ones[0], ones[1] = 0xff, 0xff
	tests := []struct {
		name string
		ph   [craft.PseudoHeaderLen]byte
		msg  []byte
		want uint16
	}{
		{name: "all zero", ph: zero, want: 0xffff},
		{name: "pseudo only, next header 58", ph: func() (p [craft.PseudoHeaderLen]byte) { p[39] = 58; return }(), want: 0xffc5},
		// ph sums to 0xffff and msg to 0x0001: 0x10000 folds to 0x0001.
		{name: "end-around carry across the parts", ph: ones, msg: []byte{0x00, 0x01}, want: 0xfffe},
		// An odd message is padded after the pseudo-header, not before.
		{name: "odd message", ph: zero, msg: []byte{0x01}, want: 0xfeff},
		{name: "golden, field zero", ph: goldenPseudo6, msg: zeroed, want: 0x7a6a},
		{name: "golden, field filled", ph: goldenPseudo6, msg: withField, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := craft.Checksum6(tt.ph, tt.msg); got != tt.want {
				t.Errorf("Checksum6(% x, % x) = 0x%04x, want 0x%04x", tt.ph, tt.msg, got, tt.want)
			}
			// Same as the plain checksum of the two laid end to end.
			if got, want := craft.Checksum6(tt.ph, tt.msg), craft.Checksum(append(tt.ph[:], tt.msg...)); got != want {
				t.Errorf("Checksum6 = 0x%04x, Checksum of the concatenation = 0x%04x", got, want)
			}
		})
	}
}

func TestVerify6(t *testing.T) {
	mutate := func(f func(p []byte) []byte) []byte {
		return f(append([]byte(nil), goldenProbe6...))
	}
	tests := []struct {
		name string
		pkt  []byte
		want string // whole error, "" for none
	}{
		{name: "golden", pkt: goldenProbe6},
		{name: "trailing bytes ignored", pkt: mutate(func(p []byte) []byte { return append(p, 0xde, 0xad) })},
		// The hop limit is not in the pseudo-header: no checksum covers it.
		{name: "hop limit changed", pkt: mutate(func(p []byte) []byte { p[7] = 64; return p })},
		{name: "flow label changed", pkt: mutate(func(p []byte) []byte { p[3] = 0; return p })},
		// The addresses are: one word of the destination down by one.
		{name: "destination changed", pkt: mutate(func(p []byte) []byte { p[39] = 1; return p }),
			want: "craft: icmpv6 checksum 0x7a6a != computed 0x7a6b (pseudo-header included)"},
		{name: "sequence changed", pkt: mutate(func(p []byte) []byte { p[47] = 2; return p }),
			want: "craft: icmpv6 checksum 0x7a6a != computed 0x7a69 (pseudo-header included)"},
		{name: "checksum changed", pkt: mutate(func(p []byte) []byte { p[43] = 0x6b; return p }),
			want: "craft: icmpv6 checksum 0x7a6b != computed 0x7a6a (pseudo-header included)"},
		{name: "short", pkt: goldenProbe6[:39], want: "craft: short ipv6 header: 39 bytes"},
		{name: "truncated", pkt: goldenProbe6[:79], want: "craft: bad ipv6 payload length: 40 in a 79-byte packet"},
		{name: "udp", pkt: mutate(func(p []byte) []byte { p[6] = 17; return p }),
			want: "craft: bad udp length: 4660 in a 40-byte datagram"},
		{name: "tcp", pkt: mutate(func(p []byte) []byte { p[6] = 6; return p }),
			want: "craft: bad tcp data offset: 16 bytes in a 40-byte segment"},
		{name: "gre", pkt: mutate(func(p []byte) []byte { p[6] = 47; return p }),
			want: "craft: not icmpv6: next header 47 (extension headers are not walked)"},
		{name: "short icmpv6", pkt: mutate(func(p []byte) []byte { p[5] = 4; return p[:44] }), want: "craft: short icmpv6 header: 4 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := craft.Verify(tt.pkt)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Verify(% x) = %q, want %q", tt.pkt, got, tt.want)
			}
		})
	}
}

func TestVerify6Allocs(t *testing.T) {
	if allocs := testing.AllocsPerRun(100, func() { _ = craft.Verify(goldenProbe6) }); allocs != 0 {
		t.Errorf("Verify(goldenProbe6) allocs per run = %v, want 0", allocs)
	}
}

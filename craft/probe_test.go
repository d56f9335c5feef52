package craft_test

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracers/tracers/craft"
)

// goldenSpec is the probe goldenProbe spells out.
func goldenSpec() craft.Spec {
	return craft.Spec{
		Src:     netip.MustParseAddr("10.77.1.1"),
		Dst:     netip.MustParseAddr("10.77.5.2"),
		TTL:     3,
		ID:      0x1234,
		Seq:     craft.SeqFor(3, 1),
		IPID:    0x1234,
		Payload: craft.DefaultPayload,
	}
}

// goldenProbe is goldenSpec on the wire. Checksums were computed
// independently of craft and gopacket.
var goldenProbe = []byte{
	// IPv4 header, RFC 791.
	0x45,       // version 4, IHL 5 (20 bytes)
	0x00,       // TOS 0
	0x00, 0x3c, // total length 60
	0x12, 0x34, // identification 0x1234
	0x00, 0x00, // flags 0 (no DF), fragment offset 0
	0x03,       // TTL 3
	0x01,       // protocol 1, ICMP
	0x8a, 0xf1, // header checksum
	0x0a, 0x4d, 0x01, 0x01, // source 10.77.1.1
	0x0a, 0x4d, 0x05, 0x02, // destination 10.77.5.2
	// ICMP Echo Request, RFC 792.
	0x08,       // type 8, echo request
	0x00,       // code 0
	0xed, 0xc5, // checksum
	0x12, 0x34, // identifier 0x1234
	0x03, 0x01, // sequence SeqFor(3, 1): TTL 3, attempt 1
	// Payload, 32 bytes of 0x40 + i%64.
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, // "@ABCDEFG"
	0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, // "HIJKLMNO"
	0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, // "PQRSTUVW"
	0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, // "XYZ[\]^_"
}

// TestBuildGolden checks Build's bytes for the IPv4 and IPv6 golden specs
// (goldenProbe6 is in probe6_test.go) and that Verify accepts them.
func TestBuildGolden(t *testing.T) {
	tests := []struct {
		name string
		spec craft.Spec
		want []byte
	}{
		{"ipv4", goldenSpec(), goldenProbe},
		{"ipv6", goldenSpec6(), goldenProbe6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := craft.NewBuilder().Build(tt.spec)
			if err != nil {
				t.Fatalf("Build(%+v) error: %v", tt.spec, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Build(%+v) bytes mismatch (-want +got):\n%s", tt.spec, diff)
			}
			if err := craft.Verify(got); err != nil {
				t.Errorf("Verify(Build(%+v)) = %v, want nil", tt.spec, err)
			}
		})
	}
}

func TestBuildAddressBytes(t *testing.T) {
	s := goldenSpec()
	s.Src = netip.MustParseAddr("10.0.0.1")
	s.Dst = netip.MustParseAddr("192.0.2.255")
	got, err := craft.NewBuilder().Build(s)
	if err != nil {
		t.Fatalf("Build(%+v) error: %v", s, err)
	}
	if want := []byte{0x0a, 0x00, 0x00, 0x01}; !bytes.Equal(got[12:16], want) {
		t.Errorf("Build(%+v) source bytes = % x, want % x", s, got[12:16], want)
	}
	if want := []byte{0xc0, 0x00, 0x02, 0xff}; !bytes.Equal(got[16:20], want) {
		t.Errorf("Build(%+v) destination bytes = % x, want % x", s, got[16:20], want)
	}
}

func TestBuildPayloadLengths(t *testing.T) {
	b := craft.NewBuilder()
	// Shrinking and growing on one Builder must not leave stale bytes.
	for _, n := range []int{0, 1, 63, 64, 65, craft.MaxPayload, 7, craft.DefaultPayload} {
		s := goldenSpec()
		s.Payload = n
		s.Seq = craft.SeqFor(uint8(n), uint8(n>>8))
		pkt, err := b.Build(s)
		if err != nil {
			t.Fatalf("Build(payload %d) error: %v", n, err)
		}
		if got, want := len(pkt), 28+n; got != want {
			t.Fatalf("Build(payload %d) length = %d, want %d", n, got, want)
		}
		if got := int(pkt[2])<<8 | int(pkt[3]); got != 28+n {
			t.Errorf("Build(payload %d) total length field = %d, want %d", n, got, 28+n)
		}
		for i, c := range pkt[28:] {
			if want := byte(0x40 + i%64); c != want {
				t.Fatalf("Build(payload %d) payload[%d] = %#02x, want %#02x", n, i, c, want)
			}
		}
		if err := craft.Verify(pkt); err != nil {
			t.Errorf("Verify(Build(payload %d)) = %v, want nil", n, err)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*craft.Spec)
		want string // substring of the error
	}{
		{name: "ipv6 source, ipv4 destination", edit: func(s *craft.Spec) { s.Src = netip.MustParseAddr("2001:db8::1") },
			want: "source 2001:db8::1 is ipv6, destination 10.77.5.2 is ipv4: mixed address families"},
		{name: "ipv4 source, ipv6 destination", edit: func(s *craft.Spec) { s.Dst = netip.MustParseAddr("2001:db8::2") },
			want: "source 10.77.1.1 is ipv4, destination 2001:db8::2 is ipv6: mixed address families"},
		{name: "ipv4-mapped destination", edit: func(s *craft.Spec) { s.Dst = netip.MustParseAddr("::ffff:10.77.5.2") },
			want: "destination ::ffff:10.77.5.2: ipv4-mapped ipv6 address"},
		{name: "ipv4-mapped source", edit: func(s *craft.Spec) { *s = goldenSpec6(); s.Src = netip.MustParseAddr("::ffff:10.77.1.1") },
			want: "source ::ffff:10.77.1.1: ipv4-mapped ipv6 address"},
		{name: "zero source", edit: func(s *craft.Spec) { s.Src = netip.Addr{} }, want: "source invalid IP: not an ip address"},
		{name: "zero destination", edit: func(s *craft.Spec) { s.Dst = netip.Addr{} }, want: "destination invalid IP: not an ip address"},
		{name: "unspecified ipv6 source", edit: func(s *craft.Spec) { *s = goldenSpec6(); s.Src = netip.IPv6Unspecified() },
			want: "source ::: unspecified address"},
		{name: "unspecified ipv6 destination", edit: func(s *craft.Spec) { *s = goldenSpec6(); s.Dst = netip.IPv6Unspecified() },
			want: "destination ::: unspecified address"},
		{name: "multicast ipv6 source", edit: func(s *craft.Spec) { *s = goldenSpec6(); s.Src = netip.MustParseAddr("ff02::1") },
			want: "source ff02::1: multicast source address"},
		{name: "ipv6 payload too long", edit: func(s *craft.Spec) { *s = goldenSpec6(); s.Payload = craft.MaxPayload6 + 1 },
			want: "payload length out of range: 1453 not in 0..1452"},
		{name: "flow label too big", edit: func(s *craft.Spec) { *s = goldenSpec6(); s.Flow = 0x100000 },
			want: "flow label out of range: 0x100000"},
		{name: "negative payload", edit: func(s *craft.Spec) { s.Payload = -1 }, want: "payload length out of range: -1"},
		{name: "payload too long", edit: func(s *craft.Spec) { s.Payload = craft.MaxPayload + 1 }, want: "payload length out of range: 1473"},
	}
	b := craft.NewBuilder()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := goldenSpec()
			tt.edit(&s)
			pkt, err := b.Build(s)
			if err == nil {
				t.Fatalf("Build(%+v) = % x, nil; want error containing %q", s, pkt, tt.want)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "craft: build: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("Build(%+v) error = %q, want \"craft: build: \" prefix and %q", s, msg, tt.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	mutate := func(f func(p []byte) []byte) []byte {
		return f(append([]byte(nil), goldenProbe...))
	}
	tests := []struct {
		name string
		pkt  []byte
		want string // whole error, "" for none
	}{
		{name: "golden", pkt: goldenProbe},
		{name: "ttl corrupted", pkt: mutate(func(p []byte) []byte { p[8] = 4; return p }),
			want: "craft: ipv4 header checksum 0x8af1 != computed 0x89f1"},
		{name: "ip checksum corrupted", pkt: mutate(func(p []byte) []byte { p[11] = 0xf2; return p }),
			want: "craft: ipv4 header checksum 0x8af2 != computed 0x8af1"},
		{name: "icmp seq corrupted", pkt: mutate(func(p []byte) []byte { p[27] = 2; return p }),
			want: "craft: icmp checksum 0xedc5 != computed 0xedc4"},
		{name: "payload corrupted", pkt: mutate(func(p []byte) []byte { p[59] ^= 0xff; return p }),
			want: "craft: icmp checksum 0xedc5 != computed 0xed84"},
		{name: "trailing bytes ignored", pkt: mutate(func(p []byte) []byte { return append(p, 0xde, 0xad) })},
		{name: "empty", pkt: nil, want: "craft: short ipv4 header: 0 bytes"},
		{name: "short ipv4", pkt: goldenProbe[:19], want: "craft: short ipv4 header: 19 bytes"},
		// Version 6 sends the bytes to the IPv6 checks, where the IPv4
		// identification 0x1234 is read as the payload length.
		{name: "version 6 on ipv4 bytes", pkt: mutate(func(p []byte) []byte { p[0] = 0x65; return p }), want: "craft: bad ipv6 payload length: 4660 in a 60-byte packet"},
		{name: "version 5", pkt: mutate(func(p []byte) []byte { p[0] = 0x55; return p }), want: "craft: not ipv4: version 5"},
		{name: "ihl too small", pkt: mutate(func(p []byte) []byte { p[0] = 0x44; return p }),
			want: "craft: bad ipv4 header length: 16 bytes in a 60-byte packet"},
		{name: "header only", pkt: goldenProbe[:20], want: "craft: bad ipv4 total length: 60 in a 20-byte packet"},
		{name: "ihl beyond packet", pkt: mutate(func(p []byte) []byte { p[0] = 0x4f; return p[:40] }),
			want: "craft: bad ipv4 header length: 60 bytes in a 40-byte packet"},
		{name: "truncated", pkt: goldenProbe[:59], want: "craft: bad ipv4 total length: 60 in a 59-byte packet"},
		{name: "udp without its header", pkt: udpHeaderOnly(), want: "craft: short udp header: 0 bytes"},
		{name: "not icmp, udp or tcp", pkt: mutate(func(p []byte) []byte {
			p[9], p[10], p[11] = 47, 0, 0
			c := craft.Checksum(p[:20])
			p[10], p[11] = byte(c>>8), byte(c)
			return p
		}), want: "craft: not icmp: protocol 47"},
		{name: "short icmp", pkt: shortICMP(), want: "craft: short icmp header: 4 bytes"},
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

// udpHeaderOnly is capturedIPv4Header (protocol UDP) with its total length
// set to the header alone and the checksum fixed up.
func udpHeaderOnly() []byte {
	p := append([]byte(nil), capturedIPv4Header...)
	p[2], p[3] = 0, 20
	return fixIPChecksum(p)
}

// shortICMP is the golden header over a 4-byte ICMP message.
func shortICMP() []byte {
	p := append([]byte(nil), goldenProbe[:24]...)
	p[2], p[3] = 0, 24
	return fixIPChecksum(p)
}

func fixIPChecksum(p []byte) []byte {
	p[10], p[11] = 0, 0
	c := craft.Checksum(p[:20])
	p[10], p[11] = byte(c>>8), byte(c)
	return p
}

func TestSeqFor(t *testing.T) {
	tests := []struct {
		name         string
		ttl, attempt uint8
		want         uint16
	}{
		{name: "zero", want: 0x0000},
		{name: "ttl 3 attempt 1", ttl: 3, attempt: 1, want: 0x0301},
		{name: "max", ttl: 255, attempt: 255, want: 0xffff},
		{name: "attempt only", attempt: 7, want: 0x0007},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := craft.SeqFor(tt.ttl, tt.attempt); got != tt.want {
				t.Errorf("SeqFor(%d, %d) = %#04x, want %#04x", tt.ttl, tt.attempt, got, tt.want)
			}
		})
	}
}

func TestSplitSeqInvertsSeqFor(t *testing.T) {
	for seq := 0; seq <= 0xffff; seq++ {
		ttl, attempt := craft.SplitSeq(uint16(seq))
		if got := craft.SeqFor(ttl, attempt); got != uint16(seq) {
			t.Fatalf("SeqFor(SplitSeq(%#04x)) = %#04x", seq, got)
		}
	}
}

func TestBuildAllocs(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec craft.Spec
	}{
		{name: "ipv4", spec: goldenSpec()},
		{name: "ipv6", spec: goldenSpec6()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := craft.NewBuilder()
			s := tt.spec
			allocs := testing.AllocsPerRun(1000, func() {
				s.Seq++
				s.TTL = uint8(s.Seq)
				if _, err := b.Build(s); err != nil {
					t.Fatal(err)
				}
			})
			t.Logf("Build(%s) allocs per run: %v", tt.name, allocs)
			if allocs != 0 {
				t.Errorf("Build(%s) allocs per run = %v, want 0", tt.name, allocs)
			}
		})
	}
	// Switching family on one Builder allocates nothing either.
	b := craft.NewBuilder()
	s4, s6 := goldenSpec(), goldenSpec6()
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := b.Build(s4); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Build(s6); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Build(ipv4 then ipv6) allocs per run = %v, want 0", allocs)
	}
}

func BenchmarkBuild(b *testing.B) {
	bl := craft.NewBuilder()
	s := goldenSpec()
	b.ReportAllocs()
	for b.Loop() {
		s.Seq++
		if _, err := bl.Build(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuild6(b *testing.B) {
	bl := craft.NewBuilder()
	s := goldenSpec6()
	b.ReportAllocs()
	for b.Loop() {
		s.Seq++
		if _, err := bl.Build(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify6(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := craft.Verify(goldenProbe6); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChecksum(b *testing.B) {
	pkt := make([]byte, 1500)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		_ = craft.Checksum(pkt)
	}
}

// TestLen checks that Len gives the length of what Build makes, in both
// families.
func TestLen(t *testing.T) {
	b := craft.NewBuilder()
	for _, dst := range []netip.Addr{netip.MustParseAddr("10.77.5.2"), netip.MustParseAddr("fd77:5::2")} {
		src := netip.MustParseAddr("10.77.1.1")
		if dst.Is6() {
			src = netip.MustParseAddr("fd77:1::1")
		}
		for _, n := range []int{0, craft.DefaultPayload, 100} {
			pkt, err := b.Build(craft.Spec{Src: src, Dst: dst, TTL: 1, Payload: n})
			if err != nil {
				t.Fatal(err)
			}
			if got := craft.Len(dst, n); got != len(pkt) {
				t.Errorf("Len(%v, %d) = %d, want %d (Build's)", dst, n, got, len(pkt))
			}
		}
	}
}

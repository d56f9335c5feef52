package analyze_test

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/tracers/tracers/analyze"
)

// ip6Chain is an IPv6 header whose payload length is plen (-1: the bytes
// after the header) followed by ext.
func ip6Chain(next layers.IPProtocol, plen int, ext ...byte) []byte {
	b := make([]byte, 40, 40+len(ext))
	b[0], b[1], b[2], b[3] = 0x60, 0x0a, 0xbc, 0xde // traffic class 0x00, flow 0xabcde
	if plen < 0 {
		plen = len(ext)
	}
	b[4], b[5], b[6], b[7] = byte(plen>>8), byte(plen), byte(next), 9
	b[8], b[23], b[24], b[39] = 0xfd, 1, 0xfd, 2
	return append(b, ext...)
}

func TestIPv6HeaderWalk(t *testing.T) {
	udp := []byte{0x82, 0x9a, 0x82, 0x9b, 0, 8, 0x12, 0x34}
	hbh := func(next layers.IPProtocol) []byte { return []byte{byte(next), 0, 1, 4, 0, 0, 0, 0} }
	frag := func(next layers.IPProtocol, off uint16, more bool) []byte {
		fo := off << 3
		if more {
			fo |= 1
		}
		return []byte{byte(next), 0, byte(fo >> 8), byte(fo), 0, 0, 0, 7}
	}
	cat := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	long := []byte{}
	for range 16 {
		long = append(long, hbh(layers.IPProtocolIPv6HopByHop)...)
	}
	tests := []struct {
		name string
		pkt  []byte
		want analyze.IPv6Upper
	}{
		{"no extension headers", ip6Chain(layers.IPProtocolUDP, -1, udp...),
			analyze.IPv6Upper{Proto: layers.IPProtocolUDP, Offset: 40, End: 48}},
		{"trailer past the payload length", append(ip6Chain(layers.IPProtocolUDP, -1, udp...), 0xee, 0xee),
			analyze.IPv6Upper{Proto: layers.IPProtocolUDP, Offset: 40, End: 48}},
		{"payload length 0 (jumbo)", ip6Chain(layers.IPProtocolUDP, 0, udp...),
			analyze.IPv6Upper{Proto: layers.IPProtocolUDP, Offset: 40, End: 48}},
		{"hop-by-hop then UDP", ip6Chain(layers.IPProtocolIPv6HopByHop, -1, cat(hbh(layers.IPProtocolUDP), udp)...),
			analyze.IPv6Upper{Proto: layers.IPProtocolUDP, Offset: 48, End: 56}},
		{"atomic fragment", ip6Chain(layers.IPProtocolIPv6Fragment, -1, cat(frag(layers.IPProtocolUDP, 0, false), udp)...),
			analyze.IPv6Upper{Proto: layers.IPProtocolUDP, Offset: 48, End: 56}},
		{"first fragment", ip6Chain(layers.IPProtocolIPv6Fragment, -1, cat(frag(layers.IPProtocolUDP, 0, true), udp)...),
			analyze.IPv6Upper{Proto: layers.IPProtocolUDP, Offset: 48, End: 56, Fragment: true}},
		{"non-first fragment", ip6Chain(layers.IPProtocolIPv6Fragment, -1, cat(frag(layers.IPProtocolUDP, 185, false), udp)...),
			analyze.IPv6Upper{Proto: layers.IPProtocolUDP, Offset: 48, End: 56, Fragment: true, NonFirst: true}},
		{"hop-by-hop cut short", ip6Chain(layers.IPProtocolIPv6HopByHop, -1, 17),
			analyze.IPv6Upper{Proto: layers.IPProtocolIPv6HopByHop, Offset: 40, End: 41, Short: true}},
		{"hop-by-hop longer than the packet", ip6Chain(layers.IPProtocolIPv6HopByHop, -1, 17, 1, 0, 0, 0, 0, 0, 0),
			analyze.IPv6Upper{Proto: layers.IPProtocolIPv6HopByHop, Offset: 40, End: 48, Short: true}},
		{"authentication header then UDP", ip6Chain(layers.IPProtocolAH, -1, cat([]byte{17, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, udp)...),
			analyze.IPv6Upper{Proto: layers.IPProtocolUDP, Offset: 52, End: 60}},
		{"sixteen extension headers and more", ip6Chain(layers.IPProtocolIPv6HopByHop, -1, cat(long, udp)...),
			analyze.IPv6Upper{Proto: layers.IPProtocolIPv6HopByHop, Offset: 40 + 16*8, End: 40 + 16*8 + 8, Long: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := analyze.IPv6Header(tt.pkt)
			if got := h.Walk(); got != tt.want {
				t.Errorf("Walk() = %+v, want %+v", got, tt.want)
			}
			if got, want := h.FlowLabel(), uint32(0xabcde); got != want {
				t.Errorf("FlowLabel() = %#x, want %#x", got, want)
			}
			if got, want := h.Src(), netip.MustParseAddr("fd00::1"); got != want {
				t.Errorf("Src() = %v, want %v", got, want)
			}
			if got, want := h.Dst(), netip.MustParseAddr("fd00::2"); got != want {
				t.Errorf("Dst() = %v, want %v", got, want)
			}
			if h.HopLimit() != 9 || h.Version() != 6 || h.TrafficClass() != 0 {
				t.Errorf("HopLimit, Version, TrafficClass = %d, %d, %d, want 9, 6, 0", h.HopLimit(), h.Version(), h.TrafficClass())
			}
		})
	}
}

// TestIPv4HeaderGetters reads a header gopacket serialized.
func TestIPv4HeaderGetters(t *testing.T) {
	ip := &layers.IPv4{Version: 4, IHL: 6, TOS: 0xb8, Id: 0x1234, Flags: layers.IPv4MoreFragments, FragOffset: 3,
		TTL: 7, Protocol: layers.IPProtocolUDP, SrcIP: []byte{10, 0, 0, 1}, DstIP: []byte{10, 0, 0, 2},
		Options: []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0}}}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, gopacket.Payload{1, 2, 3}); err != nil {
		t.Fatalf("serialize: %v", err)
	}
	h := analyze.IPv4Header(buf.Bytes())
	tests := []struct {
		name      string
		got, want any
	}{
		{"Version", h.Version(), uint8(4)},
		{"HeaderLen", h.HeaderLen(), 24},
		{"TOS", h.TOS(), uint8(0xb8)},
		{"TotalLen", h.TotalLen(), uint16(27)},
		{"ID", h.ID(), uint16(0x1234)},
		{"Flags", h.Flags(), uint8(1)},
		{"FragOffset", h.FragOffset(), uint16(3)},
		{"Fragment", h.Fragment(), true},
		{"TTL", h.TTL(), uint8(7)},
		{"Protocol", h.Protocol(), layers.IPProtocolUDP},
		{"Checksum", h.Checksum(), ip.Checksum},
		{"Src", h.Src(), netip.MustParseAddr("10.0.0.1")},
		{"Dst", h.Dst(), netip.MustParseAddr("10.0.0.2")},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s() = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestICMPAndTransportHeaders(t *testing.T) {
	m := analyze.ICMPHeader{128, 0, 0xab, 0xcd, 0x12, 0x34, 0x00, 0x07, 'x'}
	if m.Type() != 128 || m.Code() != 0 || m.Checksum() != 0xabcd || m.Ident() != 0x1234 || m.Seq() != 7 ||
		m.Rest() != 0x12340007 || string(m.Body()) != "x" {
		t.Errorf("ICMPHeader %x read as type %d code %d sum %#x id %#x seq %d rest %#x body %q",
			[]byte(m), m.Type(), m.Code(), m.Checksum(), m.Ident(), m.Seq(), m.Rest(), m.Body())
	}
	u := analyze.UDPHeader{0x82, 0x9a, 0x82, 0x9b, 0, 9, 0x12, 0x34}
	if u.SrcPort() != 33434 || u.DstPort() != 33435 || u.Length() != 9 || u.Checksum() != 0x1234 {
		t.Errorf("UDPHeader %x read as %d > %d len %d sum %#x", []byte(u), u.SrcPort(), u.DstPort(), u.Length(), u.Checksum())
	}
	c := analyze.TCPHeader{0, 80, 0x1f, 0x90, 1, 2, 3, 4, 0, 0, 0, 0, 0x50, 0x12}
	if c.SrcPort() != 80 || c.DstPort() != 8080 || c.Seq() != 0x01020304 || c.Flags() != 0x12 {
		t.Errorf("TCPHeader %x read as %d > %d seq %#x flags %#x", []byte(c), c.SrcPort(), c.DstPort(), c.Seq(), c.Flags())
	}
}

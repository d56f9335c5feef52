package analyze_test

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// echo6Req is an IPv6 ICMPv6 Echo Request fd77:1::1 -> fd77:5::2 (RFC 8200,
// RFC 4443), hop limit 1, flow label 0x12345, id 0x1234, seq 1.
var echo6Req = []byte{
	0x60, 0x01, 0x23, 0x45, // version 6, traffic class 0, flow label 0x12345
	0x00, 0x0c, 0x3a, 0x01, // payload length 12, next header ICMPv6, hop limit 1
	0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // source fd77:1::1
	0xfd, 0x77, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, // destination fd77:5::2
	0x80, 0x00, 0x00, 0x00, // Echo Request, code 0, checksum (unchecked)
	0x12, 0x34, 0x00, 0x01, // identifier 0x1234, sequence 1
	0xde, 0xad, 0xbe, 0xef, // payload
}

// timeExceeded6 is the ICMPv6 Time Exceeded fd77:1::2 sends for echo6Req,
// quoting all of it.
var timeExceeded6 = slices.Concat([]byte{
	0x60, 0x00, 0x00, 0x00, // version 6, flow label 0
	0x00, 0x3c, 0x3a, 0x40, // payload length 60, ICMPv6, hop limit 64
	0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, // source fd77:1::2
	0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // destination fd77:1::1
	0x03, 0x00, 0x00, 0x00, // Time Exceeded, hop limit exceeded in transit
	0x00, 0x00, 0x00, 0x00, // unused
}, echo6Req)

// withExt6 is echo6Req behind extension headers: hop-by-hop then
// destination options, each 8 bytes, or a fragment header.
func withExt6(frag []byte) []byte {
	hdrs := []byte{
		60, 0, 1, 4, 0, 0, 0, 0, // hop-by-hop: next destination options, PadN
		58, 0, 1, 4, 0, 0, 0, 0, // destination options: next ICMPv6, PadN
	}
	first := byte(0)
	if frag != nil {
		hdrs, first = frag, 44
	}
	b := slices.Concat(echo6Req[:40], hdrs, echo6Req[40:])
	b[5] += byte(len(hdrs)) // payload length
	b[6] = first            // next header
	return b
}

func v6(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestDissectIPv6(t *testing.T) {
	ether := func(et uint16, p []byte) []byte {
		return slices.Concat([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, byte(et >> 8), byte(et)}, p)
	}
	echoHdr := analyze.Header{Kind: analyze.HdrICMPv6, Have: analyze.HasType | analyze.HasCode | analyze.HasIdent | analyze.HasSeq,
		Type: 128, Ident: 0x1234, Seq: 1}
	probeHdr := func(next layers.IPProtocol, plen uint16) analyze.Header {
		return analyze.Header{Kind: analyze.HdrIPv6, Have: analyze.HasFlow | analyze.HasLength | analyze.HasProto | analyze.HasTTL | analyze.HasSrc | analyze.HasDst,
			Src: v6("fd77:1::1"), Dst: v6("fd77:5::2"), TTL: 1, Proto: next, Flow: 0x12345, Length: plen}
	}
	teHdr := analyze.Header{Kind: analyze.HdrIPv6, Have: analyze.HasFlow | analyze.HasLength | analyze.HasProto | analyze.HasTTL | analyze.HasSrc | analyze.HasDst,
		Src: v6("fd77:1::2"), Dst: v6("fd77:1::1"), TTL: 64, Proto: 58, Length: 60}
	errHdr := analyze.Header{Kind: analyze.HdrICMPv6, Have: analyze.HasType | analyze.HasCode, Type: 3}
	fragged := probeHdr(44, 20)
	fragged.Have |= analyze.HasFragment
	mpls := []byte{0x03, 0xe8, 0x10, 0x3c, 0x05, 0xdc, 0x51, 0x3c} // labels 16001, 24005 (bottom)
	for _, tc := range []struct {
		name string
		link layers.LinkType
		b    []byte
		want []analyze.Header
		et   layers.EthernetType
	}{
		{"echo request", layers.LinkTypeRaw, echo6Req, []analyze.Header{probeHdr(58, 12), echoHdr}, 0},
		{"time exceeded quoting it", layers.LinkTypeEthernet, ether(0x86dd, timeExceeded6),
			[]analyze.Header{teHdr, errHdr, probeHdr(58, 12), echoHdr}, layers.EthernetTypeIPv6},
		{"extension headers walked", layers.LinkTypeRaw, withExt6(nil), []analyze.Header{probeHdr(0, 28), echoHdr}, 0},
		{"atomic fragment", layers.LinkTypeRaw, withExt6([]byte{58, 0, 0, 0, 0, 0, 0, 9}), []analyze.Header{probeHdr(44, 20), echoHdr}, 0},
		{"first fragment", layers.LinkTypeRaw, withExt6([]byte{58, 0, 0, 1, 0, 0, 0, 9}), []analyze.Header{fragged}, 0},
		{"cut in the source address", layers.LinkTypeRaw, echo6Req[:23], []analyze.Header{{Kind: analyze.HdrIPv6,
			Have: analyze.HasFlow | analyze.HasLength | analyze.HasProto | analyze.HasTTL, TTL: 1, Proto: 58, Flow: 0x12345, Length: 12}}, 0},
		{"cut before the payload length ends", layers.LinkTypeRaw, echo6Req[:6], []analyze.Header{{Kind: analyze.HdrIPv6,
			Have: analyze.HasFlow, Flow: 0x12345}}, 0},
		{"echo cut after the type", layers.LinkTypeRaw, echo6Req[:41], []analyze.Header{probeHdr(58, 12),
			{Kind: analyze.HdrICMPv6, Have: analyze.HasType, Type: 128}}, 0},
		{"VLAN", layers.LinkTypeEthernet, ether(0x8100, slices.Concat([]byte{0, 5, 0x86, 0xdd}, echo6Req)),
			[]analyze.Header{probeHdr(58, 12), echoHdr}, layers.EthernetTypeIPv6},
		{"VLAN on Linux cooked", layers.LinkTypeLinuxSLL, slices.Concat([]byte{0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x81, 0x00, 0, 5, 0x86, 0xdd}, echo6Req),
			[]analyze.Header{probeHdr(58, 12), echoHdr}, layers.EthernetTypeIPv6},
		{"MPLS", layers.LinkTypeEthernet, ether(0x8847, slices.Concat(mpls, echo6Req)),
			[]analyze.Header{probeHdr(58, 12), echoHdr}, layers.EthernetTypeMPLSUnicast},
		{"MPLS stack cut", layers.LinkTypeEthernet, ether(0x8847, mpls[:6]), nil, layers.EthernetTypeMPLSUnicast},
		{"PPP", layers.LinkTypePPP, slices.Concat([]byte{0xff, 0x03, 0x00, 0x57}, echo6Req), []analyze.Header{probeHdr(58, 12), echoHdr}, layers.EthernetTypeIPv6},
		{"PPP without address and control", layers.LinkTypePPP, slices.Concat([]byte{0x00, 0x57}, echo6Req), []analyze.Header{probeHdr(58, 12), echoHdr}, layers.EthernetTypeIPv6},
		{"PPP compressed protocol", layers.LinkTypePPP, slices.Concat([]byte{0x57}, echo6Req), []analyze.Header{probeHdr(58, 12), echoHdr}, layers.EthernetTypeIPv6},
		{"MPLS over PPP in HDLC framing", layers.LinkTypePPP_HDLC, slices.Concat([]byte{0xff, 0x03, 0x02, 0x81}, mpls, echo6Req),
			[]analyze.Header{probeHdr(58, 12), echoHdr}, layers.EthernetTypeMPLSUnicast},
		{"Cisco HDLC", layers.LinkTypePPP_HDLC, slices.Concat([]byte{0x0f, 0x00, 0x86, 0xdd}, echo6Req), []analyze.Header{probeHdr(58, 12), echoHdr}, layers.EthernetTypeIPv6},
		{"PPP LCP", layers.LinkTypePPP, []byte{0xc0, 0x21, 1, 1, 0, 4}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l analyze.Layers
			analyze.Dissect(tc.link, tc.b, &l)
			if got := l.Headers(); !slices.Equal(got, tc.want) {
				t.Errorf("Dissect headers:\n got %+v\nwant %+v", got, tc.want)
			}
			if l.EtherType != tc.et {
				t.Errorf("EtherType = %#x, want %#x", l.EtherType, tc.et)
			}
		})
	}
}

func TestDissectAllocs(t *testing.T) {
	var l analyze.Layers
	b := slices.Concat([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0, 5, 0x86, 0xdd}, timeExceeded6)
	if n := testing.AllocsPerRun(100, func() { analyze.Dissect(layers.LinkTypeEthernet, b, &l) }); n != 0 {
		t.Errorf("Dissect allocates %v times per packet, want 0", n)
	}
	if l.N != 4 {
		t.Errorf("Dissect found %d headers, want 4", l.N)
	}
}

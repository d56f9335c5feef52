package analyze_test

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// IPv6 addresses from the documentation range (RFC 3849).
var (
	src6  = netip.MustParseAddr("2001:db8::1")     // the tracing host
	dst6  = netip.MustParseAddr("2001:db8:9::9")   // the destination
	hop6a = netip.MustParseAddr("2001:db8:1::1")   // router at hop 1
	hop6b = netip.MustParseAddr("2001:db8:2::1")   // router at hop 2
	hop6c = netip.MustParseAddr("2001:db8:3::1")   // router at hop 3
	map6  = netip.MustParseAddr("::ffff:c000:201") // IPv4-mapped 192.0.2.1, as IPv6
)

func ip6(src, dst netip.Addr, hlim uint8, next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{
		Version: 6, FlowLabel: 0x12345, HopLimit: hlim, NextHeader: next,
		SrcIP: src.AsSlice(), DstIP: dst.AsSlice(),
	}
}

// echo6 is an ICMPv6 Echo Request (typ 128) or Reply (129) with an 8-byte
// payload.
func echo6(tb testing.TB, src, dst netip.Addr, hlim uint8, typ uint8, id, seq uint16) []byte {
	ip := ip6(src, dst, hlim, layers.IPProtocolICMPv6)
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, 0)}
	if err := icmp.SetNetworkLayerForChecksum(ip); err != nil {
		tb.Fatal(err)
	}
	return serialize(tb, ip, icmp, &layers.ICMPv6Echo{Identifier: id, SeqNumber: seq}, gopacket.Payload("tracers!"))
}

// udp6 is a UDP probe over IPv6 with payload pl.
func udp6(tb testing.TB, src, dst netip.Addr, hlim uint8, sport, dport uint16, pl string) []byte {
	ip := ip6(src, dst, hlim, layers.IPProtocolUDP)
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		tb.Fatal(err)
	}
	return serialize(tb, ip, udp, gopacket.Payload(pl))
}

// tcp6 is a TCP segment over IPv6 without payload.
func tcp6(tb testing.TB, src, dst netip.Addr, hlim uint8, sport, dport uint16, seq, ack uint32, syn, ackf, rst bool) []byte {
	ip := ip6(src, dst, hlim, layers.IPProtocolTCP)
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport),
		Seq: seq, Ack: ack, SYN: syn, ACK: ackf, RST: rst, Window: 64240,
	}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		tb.Fatal(err)
	}
	return serialize(tb, ip, tcp)
}

// icmp6Error is an ICMPv6 error from `from` to `to` quoting all of probe
// (RFC 4443 section 3: as much as fits in the minimum MTU) with its hop
// limit set to quotedHlim.
func icmp6Error(tb testing.TB, from, to netip.Addr, hlim uint8, typ, code uint8, probe []byte, quotedHlim uint8) []byte {
	quote := append([]byte{0, 0, 0, 0}, probe...) // unused, MTU or pointer
	quote[4+7] = quotedHlim
	ip := ip6(from, to, hlim, layers.IPProtocolICMPv6)
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, code)}
	if err := icmp.SetNetworkLayerForChecksum(ip); err != nil {
		tb.Fatal(err)
	}
	return serialize(tb, ip, icmp, gopacket.Payload(quote))
}

// withExt puts extension headers between p's IPv6 header and its
// transport header: hop-by-hop options (8 bytes of PadN), then a
// fragment header with offset off and the more-fragments flag more.
func withExt(p []byte, off uint16, more bool) []byte {
	next := p[6]
	fragWord := off << 3
	if more {
		fragWord |= 1
	}
	ext := []byte{
		44, 0, // hop-by-hop: next header fragment, length 0 (8 bytes)
		1, 4, 0, 0, 0, 0, // PadN, 4 bytes
		next, 0, // fragment: next header, reserved
		byte(fragWord >> 8), byte(fragWord), // offset, flags
		0xde, 0xad, 0xbe, 0xef, // identification
	}
	out := append(append(append([]byte(nil), p[:40]...), ext...), p[40:]...)
	out[6] = 0 // next header: hop-by-hop
	plen := len(out) - 40
	out[4], out[5] = byte(plen>>8), byte(plen)
	return out
}

// link6 is a link-layer framing of an IPv6 (or IPv4, for ip4hdr) packet.
type link6 struct {
	name   string
	lt     layers.LinkType
	hdr    []byte // for IPv6
	ip4hdr []byte // the same framing for IPv4, nil when the test has none
}

func (l link6) wrap(ip []byte) []byte {
	if ip[0]>>4 == 4 && l.ip4hdr != nil {
		return append(append([]byte(nil), l.ip4hdr...), ip...)
	}
	return append(append([]byte(nil), l.hdr...), ip...)
}

var macs = []byte{
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, // destination MAC
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // source MAC
}

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

// links6 are the framings the decoder takes IPv6 in.
var links6 = []link6{
	{"ethernet", layers.LinkTypeEthernet, cat(macs, []byte{0x86, 0xdd}), nil},
	{"ethernet-vlan", layers.LinkTypeEthernet, cat(macs, []byte{
		0x81, 0x00, 0x00, 0x64, // 802.1Q, VLAN 100
		0x86, 0xdd, // IPv6
	}), nil},
	{"ethernet-qinq", layers.LinkTypeEthernet, cat(macs, []byte{
		0x88, 0xa8, 0x00, 0x0a, // 802.1ad service tag, VLAN 10
		0x81, 0x00, 0x00, 0x64, // 802.1Q customer tag, VLAN 100
		0x86, 0xdd, // IPv6
	}), nil},
	{"ethernet-mpls", layers.LinkTypeEthernet, cat(macs, []byte{
		0x88, 0x47, // MPLS unicast
		0x00, 0x01, 0x00, 0x40, // label 16, not bottom, TTL 64
		0x00, 0x02, 0x01, 0x40, // label 32, bottom of stack, TTL 64
	}), cat(macs, []byte{0x88, 0x47, 0x00, 0x01, 0x01, 0x40})},
	{"linux-sll", layers.LinkTypeLinuxSLL, []byte{
		0x00, 0x00, 0x00, 0x01, 0x00, 0x06, // to us, ARPHRD_ETHER, address length 6
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // address, padded to 8
		0x86, 0xdd, // protocol: IPv6
	}, nil},
	{"linux-sll2", layers.LinkTypeLinuxSLL2, []byte{
		0x86, 0xdd, 0x00, 0x00, // protocol IPv6, reserved
		0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x06, // ifindex 2, ARPHRD_ETHER, to us, address length 6
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // address, padded to 8
	}, nil},
	{"linux-sll2-mpls", layers.LinkTypeLinuxSLL2, []byte{
		0x88, 0x47, 0x00, 0x00, // protocol MPLS unicast, reserved
		0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x06,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x01, 0x01, 0x40, // label 16, bottom of stack
	}, nil},
	{"null-bsd", layers.LinkTypeNull, []byte{24, 0, 0, 0}, []byte{2, 0, 0, 0}},    // AF_INET6 on NetBSD, OpenBSD
	{"null-freebsd", layers.LinkTypeNull, []byte{28, 0, 0, 0}, nil},               // FreeBSD
	{"loop-darwin", layers.LinkTypeLoop, []byte{0, 0, 0, 30}, []byte{0, 0, 0, 2}}, // macOS, network order
	{"raw", layers.LinkTypeRaw, nil, []byte{}},                                    // by the version nibble
	{"ipv6", layers.LinkTypeIPv6, nil, nil},                                       // LINKTYPE_IPV6
	{"ppp", layers.LinkTypePPP, []byte{0x00, 0x57}, []byte{0x00, 0x21}},           // protocol IPv6, IPv4
	{"ppp-compressed", layers.LinkTypePPP, []byte{0x57}, []byte{0x21}},            // one-byte protocol
	{"ppp-hdlc", layers.LinkTypePPP_HDLC, []byte{0xff, 0x03, 0x00, 0x57}, []byte{0xff, 0x03, 0x00, 0x21}},
	{"ppp-mpls", layers.LinkTypePPP, []byte{0x02, 0x81, 0x00, 0x01, 0x01, 0x40}, []byte{0x02, 0x81, 0x00, 0x01, 0x01, 0x40}},
	{"cisco-hdlc", layers.LinkTypeC_HDLC, []byte{0x0f, 0x00, 0x86, 0xdd}, []byte{0x0f, 0x00, 0x08, 0x00}},
}

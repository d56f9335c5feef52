package capture_test

import (
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
)

// echo6 is an IPv6 ICMPv6 Echo Request from fd77:1::1 to fd77:5::2 with
// hop limit 3, serialized by gopacket with its checksum.
func echo6(t *testing.T) []byte {
	t.Helper()
	ip := &layers.IPv6{Version: 6, HopLimit: 3, NextHeader: layers.IPProtocolICMPv6,
		SrcIP: net.ParseIP("fd77:1::1"), DstIP: net.ParseIP("fd77:5::2")}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
	if err := icmp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return serialize(t, ip, icmp, &layers.ICMPv6Echo{Identifier: 0x1234, SeqNumber: 7}, gopacket.Payload(make([]byte, 12)))
}

// echo4 is an IPv4 ICMP Echo Request from 10.77.1.1 to 10.77.5.2, TTL 3.
func echo4(t *testing.T) []byte {
	t.Helper()
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 3, Protocol: layers.IPProtocolICMPv4,
		SrcIP: net.IPv4(10, 77, 1, 1), DstIP: net.IPv4(10, 77, 5, 2)}
	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 0x1234, Seq: 7}
	return serialize(t, ip, icmp, gopacket.Payload(make([]byte, 12)))
}

func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// sll2 puts a Linux cooked v2 header (20 bytes) in front of an IP packet
// of ethertype proto, as captured going out of interface 2.
func sll2(proto uint16, pkt []byte) []byte {
	h := []byte{
		byte(proto >> 8), byte(proto), // protocol type
		0, 0, // reserved
		0, 0, 0, 2, // interface index
		0, 1, // ARPHRD_ETHER
		4,                      // packet type: outgoing
		6,                      // link-layer address length
		2, 0, 0, 0, 0, 1, 0, 0, // link-layer address, padded to 8
	}
	return append(h, pkt...)
}

// eth puts an Ethernet header in front of a packet of ethertype proto.
func eth(proto uint16, pkt []byte) []byte {
	h := []byte{
		2, 0, 0, 0, 0, 2, // destination
		2, 0, 0, 0, 0, 1, // source
		byte(proto >> 8), byte(proto), // ethertype
	}
	return append(h, pkt...)
}

// ppp puts a PPP header in HDLC-like framing (RFC 1662: address 0xff,
// control 0x03, then the protocol) in front of a packet.
func ppp(proto uint16, pkt []byte) []byte {
	return append([]byte{0xff, 0x03, byte(proto >> 8), byte(proto)}, pkt...)
}

// mpls puts one MPLS label stack entry (label 100, bottom of stack, TTL
// 64) in front of a packet.
func mpls(pkt []byte) []byte {
	return append([]byte{0x00, 0x06, 0x41, 0x40}, pkt...)
}

// TestFilterLinkTypes compiles expressions for each link type a capture
// of IPv4 or IPv6 probes comes in, Linux cooked v2 included, and runs
// them over packets of both families, as tcpdump -r FILE EXPR would.
func TestFilterLinkTypes(t *testing.T) {
	v4, v6 := echo4(t), echo6(t)
	type pkt struct {
		name string
		link layers.LinkType
		data []byte
		v6   bool
	}
	pkts := []pkt{
		{"sll2 ipv4", layers.LinkTypeLinuxSLL2, sll2(0x0800, v4), false},
		{"sll2 ipv6", layers.LinkTypeLinuxSLL2, sll2(0x86dd, v6), true},
		{"ethernet ipv4", layers.LinkTypeEthernet, eth(0x0800, v4), false},
		{"ethernet ipv6", layers.LinkTypeEthernet, eth(0x86dd, v6), true},
		{"raw ipv4", layers.LinkTypeRaw, v4, false},
		{"raw ipv6", layers.LinkTypeRaw, v6, true},
		{"ipv4", layers.LinkTypeIPv4, v4, false},
		{"ipv6", layers.LinkTypeIPv6, v6, true},
		{"ppp ipv4", layers.LinkTypePPP, ppp(0x0021, v4), false},
		{"ppp ipv6", layers.LinkTypePPP, ppp(0x0057, v6), true},
		{"ppp hdlc ipv6", layers.LinkTypePPP_HDLC, ppp(0x0057, v6), true},
	}
	tests := []struct {
		expr string
		want func(p pkt) bool
	}{
		{"icmp6", func(p pkt) bool { return p.v6 }},
		{"icmp", func(p pkt) bool { return !p.v6 }},
		{"ip6 and dst host fd77:5::2 and icmp6[0] = 128 and icmp6[4:2] = 0x1234", func(p pkt) bool { return p.v6 }},
		{"ip6 and ip6[7] = 3", func(p pkt) bool { return p.v6 }},
		{"ip6 and ip6[7] = 4", func(pkt) bool { return false }},
		{"src host 10.77.1.1 and icmp[0] = 8", func(p pkt) bool { return !p.v6 }},
		{"host fd77:1::1 or host 10.77.1.1", func(pkt) bool { return true }},
	}
	for _, tt := range tests {
		f, err := capture.NewFilter(tt.expr)
		if err != nil {
			t.Fatalf("NewFilter(%q): %v", tt.expr, err)
		}
		for _, p := range pkts {
			t.Run(tt.expr+"/"+p.name, func(t *testing.T) {
				ap := analyze.Packet{Time: time.Unix(1700000000, 0), Link: p.link, Data: p.data, Len: len(p.data)}
				if got, want := f.Match(ap), tt.want(p); got != want {
					t.Errorf("Match(%s) = %v, want %v", p.name, got, want)
				}
			})
		}
	}
}

// TestFilterMPLS checks that an expression reaches an IPv6 packet under an
// MPLS label on Ethernet, as tcpdump's "mpls and ..." does.
func TestFilterMPLS(t *testing.T) {
	data := eth(0x8847, mpls(echo6(t)))
	for _, tt := range []struct {
		expr string
		want bool
	}{
		{"mpls and icmp6", true},
		{"mpls 100 and ip6 and dst host fd77:5::2", true},
		{"mpls 101", false},
		{"icmp6", false}, // as in tcpdump: without "mpls" the expression reads no label
	} {
		f, err := capture.NewFilter(tt.expr)
		if err != nil {
			t.Fatalf("NewFilter(%q): %v", tt.expr, err)
		}
		p := analyze.Packet{Time: time.Unix(1700000000, 0), Link: layers.LinkTypeEthernet, Data: data, Len: len(data)}
		if got := f.Match(p); got != tt.want {
			t.Errorf("%q: Match = %v, want %v", tt.expr, got, tt.want)
		}
	}
}

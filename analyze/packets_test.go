package analyze_test

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// Addresses from the documentation ranges (RFC 5737).
var (
	srcAddr  = netip.MustParseAddr("192.0.2.1")     // the tracing host
	dstAddr  = netip.MustParseAddr("198.51.100.9")  // the destination
	dst2Addr = netip.MustParseAddr("198.51.100.77") // a second destination
	dst3Addr = netip.MustParseAddr("198.51.100.78") // a third destination
	hop1     = netip.MustParseAddr("203.0.113.1")
	hop2     = netip.MustParseAddr("203.0.113.2")
	hop3     = netip.MustParseAddr("203.0.113.3")
	hop3b    = netip.MustParseAddr("203.0.113.33") // a second router at hop 3
)

// cmpAddr compares netip.Addr values, whose fields cmp cannot see.
var cmpAddr = cmp.Comparer(func(a, b netip.Addr) bool { return a == b })

// cmpDecoded compares Infos but for the transport checksums, which
// gopacket computes (TestDecodeChecksums checks them).
var cmpDecoded = cmp.Options{cmpAddr, cmpopts.IgnoreFields(analyze.Info{}, "Checksum"), cmpopts.IgnoreFields(analyze.Quoted{}, "Checksum")}

func ip4(src, dst netip.Addr, ttl uint8, id uint16, proto layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{
		Version: 4, IHL: 5, TTL: ttl, Id: id, Protocol: proto,
		SrcIP: src.AsSlice(), DstIP: dst.AsSlice(),
	}
}

// serialize builds a packet with gopacket, fixing lengths and checksums.
func serialize(tb testing.TB, ls ...gopacket.SerializableLayer) []byte {
	tb.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		tb.Fatalf("SerializeLayers: %v", err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// echoRequest is an ICMP Echo Request probe with an 8-byte payload.
func echoRequest(tb testing.TB, src, dst netip.Addr, ttl uint8, ipid, id, seq uint16) []byte {
	return serialize(tb,
		ip4(src, dst, ttl, ipid, layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: id, Seq: seq},
		gopacket.Payload("tracers!"))
}

// echoReply answers echoRequest.
func echoReply(tb testing.TB, from, to netip.Addr, ttl uint8, ipid, id, seq uint16) []byte {
	return serialize(tb,
		ip4(from, to, ttl, ipid, layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoReply, 0), Id: id, Seq: seq},
		gopacket.Payload("tracers!"))
}

// udpProbe is a UDP probe with a 12-byte payload.
func udpProbe(tb testing.TB, src, dst netip.Addr, ttl uint8, ipid, sport, dport uint16) []byte {
	ip := ip4(src, dst, ttl, ipid, layers.IPProtocolUDP)
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		tb.Fatal(err)
	}
	return serialize(tb, ip, udp, gopacket.Payload("tracers-udp!"))
}

// tcpSegment is a TCP segment without payload.
func tcpSegment(tb testing.TB, src, dst netip.Addr, ttl uint8, ipid, sport, dport uint16, seq, ack uint32, syn, ackf, rst bool) []byte {
	ip := ip4(src, dst, ttl, ipid, layers.IPProtocolTCP)
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport),
		Seq: seq, Ack: ack, SYN: syn, ACK: ackf, RST: rst, Window: 64240,
	}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		tb.Fatal(err)
	}
	return serialize(tb, ip, tcp)
}

// icmpError is an ICMP error from `from` to `to` quoting the IPv4 header and
// first 8 transport bytes of probe (RFC 792), with the quoted TTL set to
// quotedTTL, as the router saw the probe.
func icmpError(tb testing.TB, from, to netip.Addr, ttl uint8, ipid uint16, typ, code uint8, probe []byte, quotedTTL uint8) []byte {
	ihl := int(probe[0]&0x0f) * 4
	quote := append([]byte(nil), probe[:ihl+8]...)
	quote[8] = quotedTTL
	return serialize(tb,
		ip4(from, to, ttl, ipid, layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, code)},
		gopacket.Payload(quote))
}

// link is a link-layer framing the decoder supports.
type link struct {
	name string
	lt   layers.LinkType
	hdr  []byte
}

func (l link) wrap(ip []byte) []byte { return append(append([]byte(nil), l.hdr...), ip...) }

var links = []link{
	{"ethernet", layers.LinkTypeEthernet, []byte{
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02, // destination MAC
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // source MAC
		0x08, 0x00, // EtherType: IPv4
	}},
	{"ethernet-vlan", layers.LinkTypeEthernet, []byte{
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02, // destination MAC
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // source MAC
		0x81, 0x00, // EtherType: 802.1Q
		0x00, 0x64, // priority 0, VLAN 100
		0x08, 0x00, // EtherType: IPv4
	}},
	// Two tags (QinQ): 802.1ad's 0x88a8 outside, and 0x9100, the type
	// switches used before 802.1ad had one.
	{"ethernet-qinq", layers.LinkTypeEthernet, []byte{
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x88, 0xa8, 0x00, 0x0a, // 802.1ad, VLAN 10
		0x81, 0x00, 0x00, 0x64, // 802.1Q, VLAN 100
		0x08, 0x00, // IPv4
	}},
	{"ethernet-qinq-9100", layers.LinkTypeEthernet, []byte{
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x91, 0x00, 0x00, 0x0a, // 0x9100, VLAN 10
		0x81, 0x00, 0x00, 0x64, // 802.1Q, VLAN 100
		0x08, 0x00, // IPv4
	}},
	{"linux-sll", layers.LinkTypeLinuxSLL, []byte{
		0x00, 0x00, // packet type: to us
		0x00, 0x01, // ARPHRD_ETHER
		0x00, 0x06, // link-layer address length
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // address, padded to 8
		0x08, 0x00, // protocol: IPv4
	}},
	{"linux-sll2", analyze.LinkTypeLinuxSLL2, []byte{
		0x08, 0x00, // protocol: IPv4
		0x00, 0x00, // reserved
		0x00, 0x00, 0x00, 0x02, // interface index
		0x00, 0x01, // ARPHRD_ETHER
		0x00,                                           // packet type: to us
		0x06,                                           // link-layer address length
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // address, padded to 8
	}},
	{"ethernet-pppoe", layers.LinkTypeEthernet, []byte{
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x88, 0x64, // PPPoE session
		0x11, 0x00, // version 1, type 1; code 0: session data
		0x12, 0x34, // session
		0xff, 0xff, // length: more than the test's packets, as a cut capture shows it
		0x00, 0x21, // PPP: IPv4
	}},
	// tcpdump -i any on a VLAN's parent interface: the tag put back after
	// the cooked header, whose protocol is then 802.1Q.
	{"linux-sll-vlan", layers.LinkTypeLinuxSLL, []byte{
		0x00, 0x00, 0x00, 0x01, 0x00, 0x06,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x81, 0x00, // protocol: 802.1Q
		0x00, 0x64, // VLAN 100
		0x08, 0x00, // IPv4
	}},
	{"linux-sll2-vlan", analyze.LinkTypeLinuxSLL2, []byte{
		0x81, 0x00, 0x00, 0x00, // protocol: 802.1Q, reserved
		0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x06,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x64, // VLAN 100
		0x08, 0x00, // IPv4
	}},
	{"linux-sll-9100", layers.LinkTypeLinuxSLL, []byte{
		0x00, 0x00, 0x00, 0x01, 0x00, 0x06,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x91, 0x00, // protocol: 0x9100
		0x00, 0x64, // VLAN 100
		0x08, 0x00, // IPv4
	}},
	{"linux-sll2-9100", analyze.LinkTypeLinuxSLL2, []byte{
		0x91, 0x00, 0x00, 0x00, // protocol: 0x9100, reserved
		0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x06,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x64, // VLAN 100
		0x08, 0x00, // IPv4
	}},
	{"null", layers.LinkTypeNull, []byte{0x02, 0x00, 0x00, 0x00}}, // AF_INET, little-endian
	{"loop", layers.LinkTypeLoop, []byte{0x00, 0x00, 0x00, 0x02}}, // AF_INET, network order
	{"raw", layers.LinkTypeRaw, nil},
	{"ipv4", layers.LinkTypeIPv4, nil},
}

func linkNamed(tb testing.TB, name string) link {
	for _, l := range links {
		if l.name == name {
			return l
		}
	}
	tb.Fatalf("no link %q", name)
	return link{}
}

package craft_test

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/craft"
)

func ExampleBuilder_Build() {
	b := craft.NewBuilder()
	pkt, err := b.Build(craft.Spec{
		Src:     netip.MustParseAddr("10.77.1.1"),
		Dst:     netip.MustParseAddr("10.77.5.2"),
		TTL:     3,
		ID:      0x1234,
		Seq:     craft.SeqFor(3, 1),
		IPID:    0x1234,
		Payload: 8,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ipv4    % x\n", pkt[:20])
	fmt.Printf("icmp    % x\n", pkt[20:28])
	fmt.Printf("payload % x\n", pkt[28:])
	fmt.Println(craft.Verify(pkt))
	// Output:
	// ipv4    45 00 00 24 12 34 00 00 03 01 8b 09 0a 4d 01 01 0a 4d 05 02
	// icmp    08 00 d5 b9 12 34 03 01
	// payload 40 41 42 43 44 45 46 47
	// <nil>
}

func ExampleBuilder_Build_ipv6() {
	b := craft.NewBuilder()
	pkt, err := b.Build(craft.Spec{
		Src:     netip.MustParseAddr("fd77:1::1"),
		Dst:     netip.MustParseAddr("fd77:5::2"),
		TTL:     3, // the hop limit
		ID:      0x1234,
		Seq:     craft.SeqFor(3, 1),
		Flow:    0x12345,
		Payload: 8,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ipv6    % x\n", pkt[:8])
	fmt.Printf("src     % x\n", pkt[8:24])
	fmt.Printf("dst     % x\n", pkt[24:40])
	fmt.Printf("icmpv6  % x\n", pkt[40:48])
	fmt.Printf("payload % x\n", pkt[48:])
	fmt.Println(craft.Verify(pkt))
	// Output:
	// ipv6    60 01 23 45 00 10 3a 03
	// src     fd 77 00 01 00 00 00 00 00 00 00 00 00 00 00 01
	// dst     fd 77 00 05 00 00 00 00 00 00 00 00 00 00 00 02
	// icmpv6  80 00 62 76 12 34 03 01
	// payload 40 41 42 43 44 45 46 47
	// <nil>
}

// The ICMPv6 checksum is RFC 1071 over the pseudo-header and the message.
func ExampleChecksum6() {
	src, dst := netip.MustParseAddr("fd77:1::1"), netip.MustParseAddr("fd77:5::2")
	msg := []byte{0x80, 0x00, 0x00, 0x00, 0x12, 0x34, 0x03, 0x01, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47}
	ph, err := craft.PseudoHeader(src, dst, uint32(len(msg)), layers.IPProtocolICMPv6)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := craft.Checksum6(ph, msg)
	fmt.Printf("checksum 0x%04x\n", c)
	msg[2], msg[3] = byte(c>>8), byte(c)
	fmt.Printf("over the filled-in message 0x%04x\n", craft.Checksum6(ph, msg))
	// Output:
	// checksum 0x6276
	// over the filled-in message 0x0000
}

func ExampleFilter() {
	expr := craft.Filter(netip.MustParseAddr("fd77:1::1"), netip.MustParseAddr("fd77:5::2"), 0x1234)
	// One clause a line: the probes, the echo replies, the errors.
	fmt.Println(strings.ReplaceAll(expr, ") or (", ") or\n("))
	// Output:
	// icmp6 and ((src host fd77:1::1 and dst host fd77:5::2 and icmp6[0] = 128 and icmp6[4:2] = 4660) or
	// (src host fd77:5::2 and dst host fd77:1::1 and icmp6[0] = 129 and icmp6[4:2] = 4660) or
	// (dst host fd77:1::1 and (icmp6[0] = 1 or icmp6[0] = 2 or icmp6[0] = 3 or icmp6[0] = 4) and icmp6[14] = 58 and icmp6[16:4] = 0xfd770001 and icmp6[20:4] = 0x00000000 and icmp6[24:4] = 0x00000000 and icmp6[28:4] = 0x00000001 and icmp6[32:4] = 0xfd770005 and icmp6[36:4] = 0x00000000 and icmp6[40:4] = 0x00000000 and icmp6[44:4] = 0x00000002 and icmp6[48] = 128 and icmp6[52:2] = 4660))
}

func ExampleSplitSeq() {
	ttl, attempt := craft.SplitSeq(craft.SeqFor(12, 2))
	fmt.Println(ttl, attempt)
	// Output: 12 2
}

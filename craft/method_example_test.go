package craft_test

import (
	"fmt"
	"net/netip"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"
)

// A Paris UDP run over IPv6: both ports and the flow label stay the same
// for every probe; the UDP checksum, set through the first two payload
// bytes, tells the probes apart.
func ExampleProber_Build() {
	p, err := craft.NewProber(craft.Method{Proto: analyze.UDP, Paris: true, SrcPort: 40000, Flow: 0x12345, Payload: 8},
		netip.MustParseAddr("fd77:1::1"), netip.MustParseAddr("fd77:5::2"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Method())
	for n := range 3 {
		pkt, err := p.Build(uint8(1+n/2), n)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("probe %d: flow % x, udp % x, payload % x, verify %v\n", n, pkt[1:4], pkt[40:48], pkt[48:50], craft.Verify(pkt))
	}
	// Output:
	// udp-paris
	// probe 0: flow 01 23 45, udp 9c 40 82 9a 00 10 00 01, payload 19 2a, verify <nil>
	// probe 1: flow 01 23 45, udp 9c 40 82 9a 00 10 00 02, payload 19 29, verify <nil>
	// probe 2: flow 01 23 45, udp 9c 40 82 9a 00 10 00 03, payload 19 28, verify <nil>
}

func ExampleProber_Filter() {
	p, err := craft.NewProber(craft.Method{Proto: analyze.TCP, SrcPort: 40000, Port: 443},
		netip.MustParseAddr("10.77.1.1"), netip.MustParseAddr("10.77.5.2"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Filter())
	// Output:
	// (tcp and src host 10.77.1.1 and dst host 10.77.5.2 and tcp src port 40000 and tcp dst port 443) or (tcp and src host 10.77.5.2 and dst host 10.77.1.1 and tcp src port 443 and tcp dst port 40000 and tcp[13] & 6 != 0) or (icmp and dst host 10.77.1.1 and (icmp[0] = 3 or icmp[0] = 11 or icmp[0] = 12) and icmp[17] = 6 and icmp[20:4] = 172818689 and icmp[24:4] = 172819714 and icmp[8 + ((icmp[8] & 15) << 2):2] = 40000 and icmp[8 + ((icmp[8] & 15) << 2) + 2:2] = 443)
}

package craft_test

import (
	"fmt"
	"net/netip"

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

func ExampleSplitSeq() {
	ttl, attempt := craft.SplitSeq(craft.SeqFor(12, 2))
	fmt.Println(ttl, attempt)
	// Output: 12 2
}

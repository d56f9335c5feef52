package craft_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/craft"
)

func TestFields6Golden(t *testing.T) {
	// Every field of goldenProbe6 (probe6_test.go), in wire order.
	want := []craft.Field{
		{Layer: "ipv6", Offset: 0, Bit: 0, Bits: 4, Name: "version", Value: "6", Meaning: "IPv6"},
		{Layer: "ipv6", Offset: 0, Bit: 4, Bits: 8, Name: "traffic class", Value: "0x00 (0)", Meaning: "DSCP 0 (default, best effort), ECN 0 (not ECN-capable)"},
		{Layer: "ipv6", Offset: 1, Bit: 4, Bits: 20, Name: "flow label", Value: "0x12345 (74565)",
			Meaning: "labels the flow (RFC 6437): routers that balance load by flow keep one label on one path"},
		{Layer: "ipv6", Offset: 4, Bit: 0, Bits: 16, Name: "payload length", Value: "0x0028 (40)", Meaning: "bytes after this 40-byte header: 40 ICMPv6, no extension headers"},
		{Layer: "ipv6", Offset: 6, Bit: 0, Bits: 8, Name: "next header", Value: "58", Meaning: "ICMPv6, right after this header: no extension headers"},
		{Layer: "ipv6", Offset: 7, Bit: 0, Bits: 8, Name: "hop limit", Value: "3", Meaning: "hops left (IPv4's TTL): the router that takes it to 0 answers ICMPv6 Time Exceeded"},
		{Layer: "ipv6", Offset: 8, Bit: 0, Bits: 128, Name: "source", Value: "fd77:1::1", Meaning: "sender; summed into the ICMPv6 checksum through the pseudo-header"},
		{Layer: "ipv6", Offset: 24, Bit: 0, Bits: 128, Name: "destination", Value: "fd77:5::2", Meaning: "where the probe is going; summed into the ICMPv6 checksum through the pseudo-header"},
		{Layer: "icmpv6", Offset: 40, Bit: 0, Bits: 8, Name: "type", Value: "128", Meaning: "echo request"},
		{Layer: "icmpv6", Offset: 41, Bit: 0, Bits: 8, Name: "code", Value: "0", Meaning: "always 0 for echo"},
		{Layer: "icmpv6", Offset: 42, Bit: 0, Bits: 16, Name: "checksum", Value: "0x7a6a",
			Meaning: "RFC 1071 over the 40-byte pseudo-header and the 40-byte ICMPv6 message: good"},
		{Layer: "icmpv6", Offset: 44, Bit: 0, Bits: 16, Name: "identifier", Value: "0x1234 (4660)", Meaning: "this run's identity: replies carry it back"},
		{Layer: "icmpv6", Offset: 46, Bit: 0, Bits: 16, Name: "sequence", Value: "0x0301 (769)", Meaning: "hop limit 3, attempt 1, as SeqFor packs them (hop limit<<8 | attempt)"},
		{Layer: "payload", Offset: 48, Bit: 0, Bits: 256, Name: "data", Value: "40 41 42 43 ... (32 bytes)", Meaning: `tracers' filler, byte i = 0x40 + i%64 ("@ABCDEFG"...), echoed back unchanged`},
	}
	checkFieldsGolden(t, "goldenProbe6", goldenProbe6, want)
}

func TestPseudoFields(t *testing.T) {
	want := []craft.Field{
		{Layer: "pseudo", Offset: 0, Bits: 128, Name: "source", Value: "fd77:1::1", Meaning: "the IPv6 source address (packet bytes 8-23)"},
		{Layer: "pseudo", Offset: 16, Bits: 128, Name: "destination", Value: "fd77:5::2",
			Meaning: "the IPv6 destination address (packet bytes 24-39; the final one were there a routing header)"},
		{Layer: "pseudo", Offset: 32, Bits: 32, Name: "upper-layer length", Value: "0x00000028 (40)",
			Meaning: "bytes of the ICMPv6 message: the payload length less extension headers (none here)"},
		{Layer: "pseudo", Offset: 36, Bits: 24, Name: "zero", Value: "0x000000", Meaning: "always zero"},
		{Layer: "pseudo", Offset: 39, Bits: 8, Name: "next header", Value: "58", Meaning: "58, ICMPv6: the upper-layer protocol, the last next header of the chain"},
	}
	got, err := craft.PseudoFields(goldenProbe6)
	if err != nil {
		t.Fatalf("PseudoFields(goldenProbe6) error: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PseudoFields(goldenProbe6) mismatch (-want +got):\n%s", diff)
	}
	checkTiling(t, "PseudoFields(goldenProbe6)", got, craft.PseudoHeaderLen*8)
	if got, err := craft.PseudoFields(goldenProbe); err != nil || got != nil {
		t.Errorf("PseudoFields(goldenProbe, IPv4) = %v, %v; want none, nil", got, err)
	}
	if _, err := craft.PseudoFields(goldenProbe6[:30]); err == nil {
		t.Errorf("PseudoFields(30 bytes of IPv6) = nil error, want one")
	}
}

func TestChecks6(t *testing.T) {
	note := "IPv6 has no header checksum (RFC 8200 section 3 dropped it): " +
		"the addresses are protected by this checksum, through the pseudo-header; the hop limit and flow label by none"
	mutate := func(f func(p []byte)) []byte {
		p := append([]byte(nil), goldenProbe6...)
		f(p)
		return p
	}
	tests := []struct {
		name string
		pkt  []byte
		want craft.Check
	}{
		{name: "golden", pkt: goldenProbe6,
			want: craft.Check{Layer: "icmpv6", Offset: 42, Covers: 40, Pseudo: 40, InPacket: 0x7a6a, Computed: 0x7a6a, Valid: true, Note: note}},
		// The hop limit is outside every checksum: still valid.
		{name: "hop limit changed", pkt: mutate(func(p []byte) { p[7] = 64 }),
			want: craft.Check{Layer: "icmpv6", Offset: 42, Covers: 40, Pseudo: 40, InPacket: 0x7a6a, Computed: 0x7a6a, Valid: true, Note: note}},
		// The source is inside, through the pseudo-header.
		{name: "source changed", pkt: mutate(func(p []byte) { p[23] = 2 }),
			want: craft.Check{Layer: "icmpv6", Offset: 42, Covers: 40, Pseudo: 40, InPacket: 0x7a6a, Computed: 0x7a69, Valid: false, Note: note}},
		// Sequence 0x0301 + 0x7a6a = 0x7d6b takes the sum without the
		// field from 0x8595 to 0xffff: the field should be 0x0000, and
		// 0xffff, the other zero, is valid too.
		{name: "other zero", pkt: mutate(func(p []byte) { p[42], p[43] = 0xff, 0xff; p[46], p[47] = 0x7d, 0x6b }),
			want: craft.Check{Layer: "icmpv6", Offset: 42, Covers: 40, Pseudo: 40, InPacket: 0xffff, Computed: 0x0000, Valid: true, Note: note}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := craft.Checks(tt.pkt)
			if err != nil {
				t.Fatalf("Checks error: %v", err)
			}
			if diff := cmp.Diff([]craft.Check{tt.want}, got); diff != "" {
				t.Errorf("Checks(% x) mismatch (-want +got):\n%s", tt.pkt, diff)
			}
		})
	}
}

func TestFields6Meanings(t *testing.T) {
	tests := []struct {
		name        string
		edit        func(p []byte)
		field       string
		value, mean string
	}{
		{name: "no flow label", edit: func(p []byte) { p[1], p[2], p[3] = 0, 0, 0 }, field: "flow label", value: "0x00000 (0)",
			mean: "no flow label: routers that balance load by flow hash the addresses alone"},
		{name: "traffic class", edit: func(p []byte) { p[0], p[1] = 0x6b, 0xa1 }, field: "traffic class", value: "0xba (186)", mean: "DSCP 46, ECN 2 (ECT(0))"},
		{name: "time exceeded", edit: func(p []byte) { p[40] = 3 }, field: "code", value: "0", mean: "hop limit exceeded in transit"},
		{name: "address unreachable", edit: func(p []byte) { p[40], p[41] = 1, 3 }, field: "code", value: "3", mean: "address unreachable"},
		{name: "admin prohibited", edit: func(p []byte) { p[40], p[41] = 1, 1 }, field: "code", value: "1", mean: "communication with destination administratively prohibited"},
		{name: "packet too big", edit: func(p []byte) { p[40] = 2 }, field: "type", value: "2", mean: "packet too big"},
		{name: "echo reply", edit: func(p []byte) { p[40] = 129 }, field: "type", value: "129", mean: "echo reply"},
		{name: "error rest", edit: func(p []byte) { p[40] = 3 }, field: "rest of header", value: "0x12340301", mean: "depends on the type"},
		{name: "other data", edit: func(p []byte) { p[40], p[48] = 3, 0 }, field: "data", value: "00 41 42 43 ... (32 bytes)", mean: "ICMPv6 data"},
		{name: "bad checksum", edit: func(p []byte) { p[47] = 2 }, field: "checksum", value: "0x7a6a",
			mean: "RFC 1071 over the 40-byte pseudo-header and the 40-byte ICMPv6 message: bad, should be 0x7a69"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := append([]byte(nil), goldenProbe6...)
			tt.edit(p)
			fields, err := craft.Fields(p)
			if err != nil {
				t.Fatalf("Fields error: %v", err)
			}
			for _, f := range fields {
				if f.Name == tt.field {
					if f.Value != tt.value || f.Meaning != tt.mean {
						t.Errorf("Fields(% x) %s = %q, %q; want %q, %q", p, tt.field, f.Value, f.Meaning, tt.value, tt.mean)
					}
					return
				}
			}
			t.Errorf("Fields(% x) has no %s", p, tt.field)
		})
	}
}

func ExampleFields_ipv6() {
	b := craft.NewBuilder()
	pkt, err := b.Build(goldenSpec6())
	if err != nil {
		fmt.Println(err)
		return
	}
	fields, _ := craft.Fields(pkt)
	pseudo, _ := craft.PseudoFields(pkt)
	for _, f := range append(fields, pseudo...) {
		at := fmt.Sprint(f.Offset)
		if f.Bit != 0 {
			at += fmt.Sprintf(".%d", f.Bit)
		}
		fmt.Printf("%-7s %-4s %3d %-18s %s\n", f.Layer, at, f.Bits, f.Name, f.Value)
	}
	checks, _ := craft.Checks(pkt)
	for _, c := range checks {
		fmt.Printf("%s checksum: packet 0x%04x, craft 0x%04x over %d + %d bytes, valid %v\n", c.Layer, c.InPacket, c.Computed, c.Pseudo, c.Covers, c.Valid)
	}
	// Output:
	// ipv6    0      4 version            6
	// ipv6    0.4    8 traffic class      0x00 (0)
	// ipv6    1.4   20 flow label         0x12345 (74565)
	// ipv6    4     16 payload length     0x0028 (40)
	// ipv6    6      8 next header        58
	// ipv6    7      8 hop limit          3
	// ipv6    8    128 source             fd77:1::1
	// ipv6    24   128 destination        fd77:5::2
	// icmpv6  40     8 type               128
	// icmpv6  41     8 code               0
	// icmpv6  42    16 checksum           0x7a6a
	// icmpv6  44    16 identifier         0x1234 (4660)
	// icmpv6  46    16 sequence           0x0301 (769)
	// payload 48   256 data               40 41 42 43 ... (32 bytes)
	// pseudo  0    128 source             fd77:1::1
	// pseudo  16   128 destination        fd77:5::2
	// pseudo  32    32 upper-layer length 0x00000028 (40)
	// pseudo  36    24 zero               0x000000
	// pseudo  39     8 next header        58
	// icmpv6 checksum: packet 0x7a6a, craft 0x7a6a over 40 + 40 bytes, valid true
}

func TestICMPv6CodeWords(t *testing.T) {
	tests := []struct {
		name string
		t, c uint8
		want string
	}{
		{"unreachable first", layers.ICMPv6TypeDestinationUnreachable, 0, "no route to destination"},
		{"unreachable last", layers.ICMPv6TypeDestinationUnreachable, 7, "error in source routing header"},
		{"unreachable unnamed", layers.ICMPv6TypeDestinationUnreachable, 8, ""},
		{"hop limit", layers.ICMPv6TypeTimeExceeded, 0, "hop limit exceeded in transit"},
		{"reassembly", layers.ICMPv6TypeTimeExceeded, 1, "fragment reassembly time exceeded"},
		{"time exceeded unnamed", layers.ICMPv6TypeTimeExceeded, 2, ""},
		{"option", layers.ICMPv6TypeParameterProblem, 2, "unrecognized IPv6 option encountered"},
		{"parameter problem unnamed", layers.ICMPv6TypeParameterProblem, 3, ""},
		{"not an error", layers.ICMPv6TypeEchoRequest, 0, ""},
		{"packet too big", layers.ICMPv6TypePacketTooBig, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := craft.ICMPv6CodeWords(tc.t, tc.c); got != tc.want {
				t.Errorf("ICMPv6CodeWords(%d, %d) = %q, want %q", tc.t, tc.c, got, tc.want)
			}
		})
	}
}

package craft_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracers/tracers/craft"
)

func TestFieldsGolden(t *testing.T) {
	// Every field of goldenProbe (probe_test.go), in wire order.
	want := []craft.Field{
		{Layer: "ipv4", Offset: 0, Bit: 0, Bits: 4, Name: "version", Value: "4", Meaning: "IPv4"},
		{Layer: "ipv4", Offset: 0, Bit: 4, Bits: 4, Name: "IHL", Value: "5", Meaning: "header length in 32-bit words: 20 bytes, no options"},
		{Layer: "ipv4", Offset: 1, Bit: 0, Bits: 8, Name: "DSCP/ECN (TOS)", Value: "0x00 (0)", Meaning: "DSCP 0 (default, best effort), ECN 0 (not ECN-capable)"},
		{Layer: "ipv4", Offset: 2, Bit: 0, Bits: 16, Name: "total length", Value: "0x003c (60)", Meaning: "bytes in the packet: 20 header + 40 ICMP"},
		{Layer: "ipv4", Offset: 4, Bit: 0, Bits: 16, Name: "identification", Value: "0x1234 (4660)", Meaning: "groups the fragments of one datagram"},
		{Layer: "ipv4", Offset: 6, Bit: 0, Bits: 3, Name: "flags", Value: "0b000", Meaning: "reserved 0, DF 0 (may fragment), MF 0 (last fragment)"},
		{Layer: "ipv4", Offset: 6, Bit: 3, Bits: 13, Name: "fragment offset", Value: "0", Meaning: "in 8-byte units: first fragment"},
		{Layer: "ipv4", Offset: 8, Bit: 0, Bits: 8, Name: "TTL", Value: "3", Meaning: "hops left: the router that takes it to 0 answers ICMP Time Exceeded"},
		{Layer: "ipv4", Offset: 9, Bit: 0, Bits: 8, Name: "protocol", Value: "1", Meaning: "ICMPv4"},
		{Layer: "ipv4", Offset: 10, Bit: 0, Bits: 16, Name: "header checksum", Value: "0x8af1", Meaning: "RFC 1071 over the 20-byte header: good"},
		{Layer: "ipv4", Offset: 12, Bit: 0, Bits: 32, Name: "source", Value: "10.77.1.1", Meaning: "sender (0x0a4d0101)"},
		{Layer: "ipv4", Offset: 16, Bit: 0, Bits: 32, Name: "destination", Value: "10.77.5.2", Meaning: "where the probe is going (0x0a4d0502)"},
		{Layer: "icmp", Offset: 20, Bit: 0, Bits: 8, Name: "type", Value: "8", Meaning: "echo request"},
		{Layer: "icmp", Offset: 21, Bit: 0, Bits: 8, Name: "code", Value: "0", Meaning: "always 0 for echo"},
		{Layer: "icmp", Offset: 22, Bit: 0, Bits: 16, Name: "checksum", Value: "0xedc5", Meaning: "RFC 1071 over the 40-byte ICMP header and data: good"},
		{Layer: "icmp", Offset: 24, Bit: 0, Bits: 16, Name: "identifier", Value: "0x1234 (4660)", Meaning: "this run's identity: replies carry it back"},
		{Layer: "icmp", Offset: 26, Bit: 0, Bits: 16, Name: "sequence", Value: "0x0301 (769)", Meaning: "TTL 3, attempt 1, as SeqFor packs them (TTL<<8 | attempt)"},
		{Layer: "payload", Offset: 28, Bit: 0, Bits: 256, Name: "data", Value: "40 41 42 43 ... (32 bytes)", Meaning: `tracers' filler, byte i = 0x40 + i%64 ("@ABCDEFG"...), echoed back unchanged`},
	}
	checkFieldsGolden(t, "goldenProbe", goldenProbe, want)
}

// checkFieldsGolden checks that Fields lists want for pkt (named name in
// the messages) and that the fields tile the packet: each starts where the
// previous ended, the last ends with pkt.
func checkFieldsGolden(t *testing.T, name string, pkt []byte, want []craft.Field) {
	t.Helper()
	got, err := craft.Fields(pkt)
	if err != nil {
		t.Fatalf("Fields(%s) error: %v", name, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Fields(%s) mismatch (-want +got):\n%s", name, diff)
	}
	checkTiling(t, "Fields("+name+")", got, len(pkt)*8)
}

// checkTiling checks that fields, what lists, tile bits bits: each starts
// where the previous ended, the first at bit 0, the last ends at bits.
func checkTiling(t *testing.T, what string, fields []craft.Field, bits int) {
	t.Helper()
	bit := 0
	for _, f := range fields {
		if at := f.Offset*8 + f.Bit; at != bit {
			t.Errorf("%s %s %s starts at bit %d, want %d", what, f.Layer, f.Name, at, bit)
		}
		bit = f.Offset*8 + f.Bit + f.Bits
	}
	if bit != bits {
		t.Errorf("%s end at bit %d, want %d", what, bit, bits)
	}
}

// TestFieldsMeanings checks the meanings that depend on the values, one
// field at a time.
func TestFieldsMeanings(t *testing.T) {
	mutate := func(f func(p []byte) []byte) []byte {
		return fixIPChecksum(f(append([]byte(nil), goldenProbe...)))
	}
	tests := []struct {
		name        string
		pkt         []byte
		field       string
		value, mean string
	}{
		{name: "ip id equals seq", pkt: mutate(func(p []byte) []byte { p[4], p[5] = 0x03, 0x01; return p }),
			field: "identification", value: "0x0301 (769)", mean: "same as the ICMP sequence, as tracers sets it"},
		{name: "df set", pkt: mutate(func(p []byte) []byte { p[6] = 0x40; return p }),
			field: "flags", value: "0b010", mean: "reserved 0, DF 1 (don't fragment), MF 0 (last fragment)"},
		{name: "fragment", pkt: mutate(func(p []byte) []byte { p[6], p[7] = 0x20, 0x03; return p }),
			field: "fragment offset", value: "3", mean: "in 8-byte units: data starts at byte 24 of the datagram"},
		{name: "tos", pkt: mutate(func(p []byte) []byte { p[1] = 0xb8 | 2; return p }),
			field: "DSCP/ECN (TOS)", value: "0xba (186)", mean: "DSCP 46, ECN 2 (ECT(0))"},
		{name: "bad ip checksum", pkt: func() []byte { p := append([]byte(nil), goldenProbe...); p[8] = 4; return p }(),
			field: "header checksum", value: "0x8af1", mean: "RFC 1071 over the 20-byte header: bad, should be 0x89f1"},
		{name: "bad icmp checksum", pkt: mutate(func(p []byte) []byte { p[27] = 2; return p }),
			field: "checksum", value: "0xedc5", mean: "RFC 1071 over the 40-byte ICMP header and data: bad, should be 0xedc4"},
		{name: "other data", pkt: mutate(func(p []byte) []byte { p[28] = 0; return p }),
			field: "data", value: "00 41 42 43 ... (32 bytes)", mean: "echo data, sent back unchanged in the reply"},
		{name: "time exceeded", pkt: mutate(func(p []byte) []byte { p[20] = 11; return p }),
			field: "type", value: "11", mean: "time exceeded"},
		{name: "time exceeded rest", pkt: mutate(func(p []byte) []byte { p[20] = 11; return p }),
			field: "rest of header", value: "0x12340301", mean: "depends on the type"},
		{name: "echo code not 0", pkt: mutate(func(p []byte) []byte { p[21] = 1; return p }),
			field: "code", value: "1", mean: "should be 0 for echo"},
		{name: "ipv6 echo code not 0", pkt: func() []byte { p := append([]byte(nil), goldenProbe6...); p[41] = 1; return p }(),
			field: "code", value: "1", mean: "should be 0 for echo"},
		{name: "options", pkt: optionsProbe(),
			field: "options", value: "01 01 01 00", mean: "IPv4 options and padding"},
		{name: "options ihl", pkt: optionsProbe(),
			field: "IHL", value: "6", mean: "header length in 32-bit words: 24 bytes, options included"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields, err := craft.Fields(tt.pkt)
			if err != nil {
				t.Fatalf("Fields(% x) error: %v", tt.pkt, err)
			}
			for _, f := range fields {
				if f.Name == tt.field {
					if f.Value != tt.value || f.Meaning != tt.mean {
						t.Errorf("Fields(% x) %s = %q, %q; want %q, %q", tt.pkt, tt.field, f.Value, f.Meaning, tt.value, tt.mean)
					}
					return
				}
			}
			t.Errorf("Fields(% x) has no field %q", tt.pkt, tt.field)
		})
	}
}

// optionsProbe is goldenProbe with 4 bytes of options: three No Operation
// and an End of Option List.
func optionsProbe() []byte {
	p := append([]byte{0x46}, goldenProbe[1:20]...)
	p = append(p, 0x01, 0x01, 0x01, 0x00)
	p = append(p, goldenProbe[20:]...)
	p[2], p[3] = 0, 64
	p[10], p[11] = 0, 0
	c := craft.Checksum(p[:24])
	p[10], p[11] = byte(c>>8), byte(c)
	return p
}

func TestChecks(t *testing.T) {
	tests := []struct {
		name string
		pkt  []byte
		want []craft.Check
	}{
		{name: "golden", pkt: goldenProbe, want: []craft.Check{
			{Layer: "ipv4", Offset: 10, Covers: 20, InPacket: 0x8af1, Computed: 0x8af1, Valid: true},
			{Layer: "icmp", Offset: 22, Covers: 40, InPacket: 0xedc5, Computed: 0xedc5, Valid: true},
		}},
		{name: "options", pkt: optionsProbe(), want: []craft.Check{
			{Layer: "ipv4", Offset: 10, Covers: 24, InPacket: 0x87ec, Computed: 0x87ec, Valid: true},
			{Layer: "icmp", Offset: 26, Covers: 40, InPacket: 0xedc5, Computed: 0xedc5, Valid: true},
		}},
		{name: "ttl altered", pkt: func() []byte { p := append([]byte(nil), goldenProbe...); p[8] = 4; return p }(), want: []craft.Check{
			{Layer: "ipv4", Offset: 10, Covers: 20, InPacket: 0x8af1, Computed: 0x89f1, Valid: false},
			{Layer: "icmp", Offset: 22, Covers: 40, InPacket: 0xedc5, Computed: 0xedc5, Valid: true},
		}},
		{name: "trailing bytes ignored", pkt: append(append([]byte(nil), goldenProbe...), 0xde, 0xad), want: []craft.Check{
			{Layer: "ipv4", Offset: 10, Covers: 20, InPacket: 0x8af1, Computed: 0x8af1, Valid: true},
			{Layer: "icmp", Offset: 22, Covers: 40, InPacket: 0xedc5, Computed: 0xedc5, Valid: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := craft.Checks(tt.pkt)
			if err != nil {
				t.Fatalf("Checks(% x) error: %v", tt.pkt, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Checks(% x) mismatch (-want +got):\n%s", tt.pkt, diff)
			}
		})
	}
}

func TestChecksAgree(t *testing.T) {
	// 0xffff in the field where 0x0000 is computed: both zero, valid.
	c := craft.Check{InPacket: 0xffff, Computed: 0x0000, Valid: true}
	if c.Agree() {
		t.Errorf("%+v.Agree() = true, want false", c)
	}
}

func TestFieldsErrors(t *testing.T) {
	tests := []struct {
		name string
		pkt  []byte
		want string
	}{
		{name: "empty", pkt: nil, want: "craft: short ipv4 header: 0 bytes"},
		{name: "version 6 on ipv4 bytes", pkt: append([]byte{0x65}, goldenProbe[1:]...), want: "craft: bad ipv6 payload length: 4660 in a 60-byte packet"},
		{name: "version 5", pkt: append([]byte{0x55}, goldenProbe[1:]...), want: "craft: not ipv4: version 5"},
		{name: "short ipv6", pkt: goldenProbe6[:39], want: "craft: short ipv6 header: 39 bytes"},
		{name: "truncated ipv6", pkt: goldenProbe6[:79], want: "craft: bad ipv6 payload length: 40 in a 79-byte packet"},
		{name: "ipv6 gre", pkt: append(append(append([]byte(nil), goldenProbe6[:6]...), 47), goldenProbe6[7:]...),
			want: "craft: not icmpv6: next header 47 (extension headers are not walked)"},
		{name: "ipv6 tcp, bad data offset", pkt: append(append(append([]byte(nil), goldenProbe6[:6]...), 6), goldenProbe6[7:]...),
			want: "craft: bad tcp data offset: 16 bytes in a 40-byte segment"},
		{name: "truncated", pkt: goldenProbe[:59], want: "craft: bad ipv4 total length: 60 in a 59-byte packet"},
		{name: "udp without its header", pkt: udpHeaderOnly(), want: "craft: short udp header: 0 bytes"},
		{name: "short icmp", pkt: shortICMP(), want: "craft: short icmp header: 4 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if f, err := craft.Fields(tt.pkt); err == nil || err.Error() != tt.want {
				t.Errorf("Fields(% x) = %d fields, %v; want error %q", tt.pkt, len(f), err, tt.want)
			}
			if c, err := craft.Checks(tt.pkt); err == nil || err.Error() != tt.want {
				t.Errorf("Checks(% x) = %v, %v; want error %q", tt.pkt, c, err, tt.want)
			}
		})
	}
}

// FuzzFields feeds Fields arbitrary bytes: it must not panic, and whatever
// it explains, Checks accepts too.
func FuzzFields(f *testing.F) {
	f.Add(goldenProbe)
	f.Add(optionsProbe())
	f.Add(shortICMP())
	f.Add(capturedIPv4Header)
	f.Add(goldenProbe6)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if _, err := craft.PseudoFields(pkt); err != nil {
			if _, ferr := craft.Fields(pkt); ferr == nil {
				t.Errorf("Fields(% x) ok but PseudoFields error: %v", pkt, err)
			}
		}
		fields, err := craft.Fields(pkt)
		if err != nil {
			return
		}
		if len(fields) == 0 {
			t.Errorf("Fields(% x) = no fields, nil", pkt)
		}
		if _, err := craft.Checks(pkt); err != nil {
			t.Errorf("Fields(% x) ok but Checks error: %v", pkt, err)
		}
	})
}

func ExampleFields() {
	b := craft.NewBuilder()
	pkt, err := b.Build(goldenSpec())
	if err != nil {
		fmt.Println(err)
		return
	}
	fields, err := craft.Fields(pkt)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range fields {
		at := fmt.Sprint(f.Offset)
		if f.Bit != 0 {
			at += fmt.Sprintf(".%d", f.Bit)
		}
		fmt.Printf("%-7s %-4s %3d %-16s %s\n", f.Layer, at, f.Bits, f.Name, f.Value)
	}
	checks, _ := craft.Checks(pkt)
	for _, c := range checks {
		fmt.Printf("%s checksum: packet 0x%04x, craft.Checksum 0x%04x, valid %v\n", c.Layer, c.InPacket, c.Computed, c.Valid)
	}
	// Output:
	// ipv4    0      4 version          4
	// ipv4    0.4    4 IHL              5
	// ipv4    1      8 DSCP/ECN (TOS)   0x00 (0)
	// ipv4    2     16 total length     0x003c (60)
	// ipv4    4     16 identification   0x1234 (4660)
	// ipv4    6      3 flags            0b000
	// ipv4    6.3   13 fragment offset  0
	// ipv4    8      8 TTL              3
	// ipv4    9      8 protocol         1
	// ipv4    10    16 header checksum  0x8af1
	// ipv4    12    32 source           10.77.1.1
	// ipv4    16    32 destination      10.77.5.2
	// icmp    20     8 type             8
	// icmp    21     8 code             0
	// icmp    22    16 checksum         0xedc5
	// icmp    24    16 identifier       0x1234 (4660)
	// icmp    26    16 sequence         0x0301 (769)
	// payload 28   256 data             40 41 42 43 ... (32 bytes)
	// ipv4 checksum: packet 0x8af1, craft.Checksum 0x8af1, valid true
	// icmp checksum: packet 0xedc5, craft.Checksum 0xedc5, valid true
}

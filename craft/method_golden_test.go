package craft_test

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"
)

// TestProberGolden checks probe 2 (the third, attempt 2 at TTL 3) of a
// run from 10.77.1.1 to 10.77.5.2 for the Paris methods byte by byte.
// Checksums were computed independently of craft and gopacket (Python).
func TestProberGolden(t *testing.T) {
	tests := []struct {
		name string
		m    craft.Method
		want []byte
	}{
		{name: "udp paris", m: craft.Method{Proto: analyze.UDP, Paris: true, SrcPort: 40000, Payload: 8}, want: []byte{
			// IPv4 header, RFC 791.
			0x45, 0x00, // version 4, IHL 5, TOS 0
			0x00, 0x24, // total length 36
			0x00, 0x03, // identification: n+1 = 3, the probe's identity
			0x00, 0x00, // no flags, fragment offset 0
			0x03, 0x11, // TTL 3, protocol 17 (UDP)
			0x9d, 0x2a, // header checksum
			0x0a, 0x4d, 0x01, 0x01, // source 10.77.1.1
			0x0a, 0x4d, 0x05, 0x02, // destination 10.77.5.2
			// UDP header, RFC 768.
			0x9c, 0x40, // source port 40000, constant for the run
			0x82, 0x9a, // destination port 33434, constant for the run
			0x00, 0x10, // length 16
			0x00, 0x03, // checksum: n+1 = 3, the identity again, set by the next two bytes
			// Payload.
			0xf9, 0x83, // chosen so that the checksum comes to 3 (the pattern has 0x40 0x41 here)
			0x42, 0x43, 0x44, 0x45, 0x46, 0x47, // pattern 0x40 + i%64
		}},
		{name: "tcp syn", m: craft.Method{Proto: analyze.TCP, SrcPort: 40000}, want: []byte{
			// IPv4 header, RFC 791.
			0x45, 0x00, // version 4, IHL 5, TOS 0
			0x00, 0x2c, // total length 44
			0x00, 0x03, // identification: n+1 = 3
			0x00, 0x00, // no flags, fragment offset 0
			0x03, 0x06, // TTL 3, protocol 6 (TCP)
			0x9d, 0x2d, // header checksum
			0x0a, 0x4d, 0x01, 0x01, // source 10.77.1.1
			0x0a, 0x4d, 0x05, 0x02, // destination 10.77.5.2
			// TCP header, RFC 9293 section 3.1.
			0x9c, 0x40, // source port 40000, constant for the run
			0x00, 0x50, // destination port 80, constant for the run
			0x00, 0x00, 0x00, 0x03, // sequence number n+1 = 3, the identity; a SYN-ACK or RST acknowledges 4
			0x00, 0x00, 0x00, 0x00, // acknowledgment number 0 (no ACK flag)
			0x60, 0x02, // data offset 6 (24 bytes), flags SYN
			0xfa, 0xf0, // window 64240
			0xe6, 0x05, // checksum, over the IPv4 pseudo-header too
			0x00, 0x00, // urgent pointer 0
			0x02, 0x04, 0x05, 0xb4, // option MSS (kind 2, length 4) 1460
		}},
		{name: "icmp paris", m: craft.Method{Paris: true, ID: 0x1234, Payload: 8}, want: []byte{
			// IPv4 header, RFC 791.
			0x45, 0x00, // version 4, IHL 5, TOS 0
			0x00, 0x24, // total length 36
			0x03, 0x02, // identification = the sequence
			0x00, 0x00, // no flags, fragment offset 0
			0x03, 0x01, // TTL 3, protocol 1 (ICMP)
			0x9a, 0x3b, // header checksum
			0x0a, 0x4d, 0x01, 0x01, // source 10.77.1.1
			0x0a, 0x4d, 0x05, 0x02, // destination 10.77.5.2
			// ICMP Echo Request, RFC 792.
			0x08, 0x00, // type 8, code 0
			0xd8, 0xba, // checksum: that of sequence 0 with the plain pattern, for every probe of the run
			0x12, 0x34, // identifier 0x1234
			0x03, 0x02, // sequence SeqFor(3, 2): TTL 3, attempt 2
			0x3d, 0x3f, // 0x4041 - 0x0302 in one's complement: the sequence taken back out of the sum
			0x42, 0x43, 0x44, 0x45, 0x46, 0x47, // pattern 0x40 + i%64
		}},
	}
	src, dst := netip.MustParseAddr("10.77.1.1"), netip.MustParseAddr("10.77.5.2")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := craft.NewProber(tt.m, src, dst)
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			for n := range 3 {
				if got, err = p.Build(3, n); err != nil {
					t.Fatalf("Build(3, %d) error: %v", n, err)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Build(3, 2) bytes mismatch (-want +got):\n%s", diff)
			}
			if err := craft.Verify(got); err != nil {
				t.Errorf("Verify(Build(3, 2)) = %v", err)
			}
		})
	}
}

// TestVerifyTransport checks Verify's verdicts on UDP and TCP probes.
func TestVerifyTransport(t *testing.T) {
	udp := func(edit func([]byte)) []byte {
		p, err := craft.NewProber(craft.Method{Proto: analyze.UDP, Paris: true, SrcPort: 40000, Payload: 8},
			netip.MustParseAddr("10.77.1.1"), netip.MustParseAddr("10.77.5.2"))
		if err != nil {
			t.Fatal(err)
		}
		pkt, err := p.Build(3, 2)
		if err != nil {
			t.Fatal(err)
		}
		pkt = append([]byte(nil), pkt...)
		edit(pkt)
		return pkt
	}
	tests := []struct {
		name string
		pkt  []byte
		want string
	}{
		{"udp as built", udp(func([]byte) {}), ""},
		{"udp payload changed", udp(func(p []byte) { p[35] ^= 1 }), "craft: udp checksum 0x0003 != computed 0x0004 (pseudo-header included)"},
		{"udp checksum 0", udp(func(p []byte) { p[26], p[27] = 0, 0 }), "craft: udp checksum 0 (none)"},
		{"udp checksum 0xffff, same as 0 in one's complement", udp(func(p []byte) { p[26], p[27], p[28], p[29] = 0xff, 0xff, 0xf9, 0x86 }), ""},
		{"udp length", udp(func(p []byte) { p[25] = 15 }), "craft: bad udp length: 15 in a 16-byte datagram"},
		{"udp short", udp(func(p []byte) { p[3], p[10], p[11] = 24, 0x9d, 0x36 })[:24], "craft: short udp header: 4 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := craft.Verify(tt.pkt)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Verify(% x) = %q, want %q", tt.pkt, got, tt.want)
			}
		})
	}
}

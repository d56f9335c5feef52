package report_test

import (
	"io"
	"slices"
	"testing"
	"time"

	"github.com/tracers/tracers/report"
)

// echo6 is an ICMPv6 Echo Request fd77:1::1 -> fd77:5::2 (RFC 4443) on
// Ethernet: hop limit 1, flow label 0x12345, id 0x1234, seq 1.
var echoRequest6 = []byte{
	0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x86, 0xdd, // Ethernet, IPv6
	0x60, 0x01, 0x23, 0x45, // version 6, traffic class 0, flow label 0x12345
	0x00, 0x0c, 0x3a, 0x01, // payload length 12, next header ICMPv6 (58), hop limit 1
	0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // source fd77:1::1
	0xfd, 0x77, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, // destination fd77:5::2
	0x80, 0x00, 0x00, 0x00, // Echo Request, code 0, checksum (unchecked)
	0x12, 0x34, 0x00, 0x01, // identifier 0x1234, sequence 1
	0xde, 0xad, 0xbe, 0xef, // payload
}

// timeExceeded6 is the Time Exceeded fd77:1::2 sends back for echoRequest6,
// quoting its IPv6 packet whole, on Ethernet.
var timeExceeded6 = slices.Concat([]byte{
	0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x86, 0xdd, // Ethernet, IPv6
	0x60, 0x00, 0x00, 0x00, // version 6, flow label 0
	0x00, 0x3c, 0x3a, 0x40, // payload length 60, ICMPv6, hop limit 64
	0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, // source fd77:1::2
	0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // destination fd77:1::1
	0x03, 0x00, 0x00, 0x00, // Time Exceeded, code 0 (hop limit exceeded in transit)
	0x00, 0x00, 0x00, 0x00, // unused
}, echoRequest6[14:])

var fields6 = []string{"ipv6.src", "ipv6.dst", "ipv6.hlim", "ipv6.plen", "ipv6.nxt", "ipv6.flow",
	"icmpv6.type", "icmpv6.code", "icmpv6.echo.identifier", "icmpv6.echo.sequence_number", "ip.src", "icmp.type"}

// TestFieldWriterIPv6 checks the IPv6 fields against what tshark 4.0
// prints for the same bytes (replay's tests run tshark itself).
func TestFieldWriterIPv6(t *testing.T) {
	cut := frame(3, 0, timeExceeded6[:14+40+8+23]) // cut in the quoted source address
	cut.Len = len(timeExceeded6)
	for _, tc := range []struct {
		name   string
		fields []string
		fr     report.Frame
		want   string
	}{
		{"echo request", fields6, frame(1, 0, echoRequest6),
			"fd77:1::1\tfd77:5::2\t1\t12\t58\t0x012345\t128\t0\t0x1234\t1\t\t\n"},
		{"time exceeded", fields6, frame(2, 0, timeExceeded6),
			"fd77:1::2,fd77:1::1\tfd77:1::1,fd77:5::2\t64,1\t60,12\t58,58\t0x000000,0x012345\t3,128\t0,0\t0x1234\t1\t\t\n"},
		{"snaplen", fields6, cut,
			"fd77:1::2\tfd77:1::1\t64,1\t60,12\t58,58\t0x000000,0x012345\t3\t0\t\t\t\t\n"},
		{"header cut after the next header", fields6, frame(4, 0, echoRequest6[:14+7]),
			"\t\t\t12\t58\t0x012345\t\t\t\t\t\t\n"},
		{"IPv4 has no IPv6 fields", fields6, frame(5, 0, echoRequest),
			"\t\t\t\t\t\t\t\t\t\t10.77.1.1\t8\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := writeFields(t, tc.fields, tc.fr); got != tc.want {
				t.Errorf("Write(%s) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

// TestFieldWriterAddresses checks IPv6 addresses as tshark prints them
// (glibc's inet_ntop): RFC 5952, but an IPv4-compatible address keeps a
// dotted tail.
func TestFieldWriterAddresses(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"fd77:1::1", "fd77:1::1"},
		{"::ffff:10.1.2.3", "::ffff:10.1.2.3"},
		{"::10.1.2.3", "::10.1.2.3"},
		{"::0.1.0.0", "::0.1.0.0"},
		{"::0.0.1.2", "::102"},
		{"::1", "::1"},
		{"::", "::"},
		{"64:ff9b::10.1.2.3", "64:ff9b::a01:203"},
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
		{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
	} {
		t.Run(tc.src, func(t *testing.T) {
			pkt := slices.Clone(echoRequest6)
			a := addr(tc.src).As16()
			copy(pkt[14+8:], a[:])
			if got := writeFields(t, []string{"ipv6.src"}, frame(1, 0, pkt)); got != tc.want+"\n" {
				t.Errorf("ipv6.src of %s = %q, want %q", tc.src, got, tc.want+"\n")
			}
		})
	}
}

func TestFieldWriterIPv6Allocs(t *testing.T) {
	fw, err := report.NewFieldWriter(io.Discard, report.FieldNames())
	if err != nil {
		t.Fatal(err)
	}
	fr := frame(2, time.Millisecond, timeExceeded6)
	if n := testing.AllocsPerRun(100, func() { _ = fw.Write(fr) }); n != 0 {
		t.Errorf("Write allocates %v times per IPv6 frame, want 0", n)
	}
}

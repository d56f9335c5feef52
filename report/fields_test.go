package report_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/report"
)

// udpProbe is a traceroute UDP probe on Ethernet: 10.77.1.1:49186 ->
// 10.77.5.2:33434, TTL 1, IP ID 0xa6b2, 4 bytes of payload.
var udpProbe = []byte{
	0x02, 0, 0, 0, 0, 0x02, // Ethernet destination
	0x02, 0, 0, 0, 0, 0x01, // Ethernet source
	0x08, 0x00, // EtherType IPv4
	0x45, 0x00, 0x00, 0x20, // version 4, IHL 5, TOS, total length 32
	0xa6, 0xb2, 0x00, 0x00, // ID 0xa6b2, no fragment
	0x01, 0x11, 0x00, 0x00, // TTL 1, protocol UDP, checksum (unchecked)
	10, 77, 1, 1, // source
	10, 77, 5, 2, // destination
	0xc0, 0x22, 0x82, 0x9a, // UDP ports 49186 -> 33434
	0x00, 0x0c, 0x00, 0x00, // UDP length 12, checksum
	0x40, 0x41, 0x42, 0x43, // payload
}

// timeExceeded is the Time Exceeded 10.77.1.2 sends back for udpProbe,
// quoting its IP header and UDP header (RFC 792).
var timeExceeded = []byte{
	0x02, 0, 0, 0, 0, 0x01, // Ethernet destination
	0x02, 0, 0, 0, 0, 0x02, // Ethernet source
	0x08, 0x00, // EtherType IPv4
	0x45, 0xc0, 0x00, 0x38, // version 4, IHL 5, TOS, total length 56
	0x2f, 0xc0, 0x00, 0x00, // ID 0x2fc0
	0x40, 0x01, 0x00, 0x00, // TTL 64, protocol ICMP
	10, 77, 1, 2, // source
	10, 77, 1, 1, // destination
	0x0b, 0x00, 0x00, 0x00, // ICMP Time Exceeded, code 0 (TTL), checksum
	0x00, 0x00, 0x00, 0x00, // unused
	0x45, 0x00, 0x00, 0x20, // quoted IPv4 header: total length 32
	0xa6, 0xb2, 0x00, 0x00, // quoted ID 0xa6b2
	0x01, 0x11, 0x00, 0x00, // quoted TTL 1, UDP
	10, 77, 1, 1, // quoted source
	10, 77, 5, 2, // quoted destination
	0xc0, 0x22, 0x82, 0x9a, // quoted UDP ports 49186 -> 33434
	0x00, 0x0c, 0x00, 0x00, // quoted UDP length 12, checksum
}

// echoRequest is an ICMP Echo Request, id 0x1234, seq 0x0301, TTL 3.
var echoRequest = []byte{
	0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00, // Ethernet
	0x45, 0x00, 0x00, 0x1c, // IPv4, total length 28
	0x00, 0x2a, 0x00, 0x00, // ID 0x002a
	0x03, 0x01, 0x00, 0x00, // TTL 3, ICMP
	10, 77, 1, 1, 10, 77, 5, 2, // addresses
	0x08, 0x00, 0x00, 0x00, // Echo Request, code 0, checksum
	0x12, 0x34, 0x03, 0x01, // identifier 0x1234, sequence 769
}

// arpRequest asks who has 10.77.1.2 for 10.77.1.1 (RFC 826).
var arpRequest = []byte{
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06, // Ethernet
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, // Ethernet, IPv4, sizes, request
	0x02, 0, 0, 0, 0, 0x01, 10, 77, 1, 1, // sender
	0, 0, 0, 0, 0, 0, 10, 77, 1, 2, // target
}

var t1 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func frame(n int, rel time.Duration, b []byte) report.Frame {
	return report.Frame{
		Packet: analyze.Packet{Time: t1.Add(rel), Link: layers.LinkTypeEthernet, Data: b, Len: len(b)},
		Number: n, Rel: rel, Delta: rel,
	}
}

func TestFieldWriter(t *testing.T) {
	all := []string{"frame.number", "frame.time_relative", "frame.len", "ip.src", "ip.dst", "ip.ttl", "ip.id", "ip.proto",
		"icmp.type", "icmp.code", "icmp.ident", "icmp.seq", "udp.srcport", "udp.dstport", "tcp.srcport", "tcp.dstport"}
	snap := frame(5, 1500*time.Millisecond, timeExceeded[:54]) // cut in the quoted source address
	snap.Len = len(timeExceeded)
	for _, tc := range []struct {
		name   string
		fields []string
		fr     report.Frame
		want   string
	}{
		{"probe", all, frame(1, 0, udpProbe),
			"1\t0.000000000\t46\t10.77.1.1\t10.77.5.2\t1\t0xa6b2\t17\t\t\t\t\t49186\t33434\t\t\n"},
		{"time exceeded", all, frame(2, 67*time.Microsecond, timeExceeded),
			"2\t0.000067000\t70\t10.77.1.2,10.77.1.1\t10.77.1.1,10.77.5.2\t64,1\t0x2fc0,0xa6b2\t1,17\t11\t0\t\t\t49186\t33434\t\t\n"},
		{"echo", all, frame(3, 2*time.Second, echoRequest),
			"3\t2.000000000\t42\t10.77.1.1\t10.77.5.2\t3\t0x002a\t1\t8\t0\t4660\t769\t\t\t\t\n"},
		{"echo little-endian", []string{"icmp.ident_le", "icmp.seq_le"}, frame(3, 0, echoRequest), "13330\t259\n"},
		{"arp", all, frame(4, -time.Millisecond, arpRequest),
			"4\t-0.001000000\t42\t\t\t\t\t\t\t\t\t\t\t\t\t\n"},
		{"snaplen", all, snap,
			"5\t1.500000000\t70\t10.77.1.2\t10.77.1.1\t64,1\t0x2fc0,0xa6b2\t1,17\t11\t0\t\t\t\t\t\t\n"},
		{"cap_len and epoch", []string{"frame.cap_len", "frame.time_epoch"}, snap, "54\t1714564801.500000000\n"},
		{"named twice", []string{"ip.src", "frame.number", "ip.src"}, frame(1, 0, udpProbe), "\t1\t10.77.1.1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := writeFields(t, tc.fields, tc.fr); got != tc.want {
				t.Errorf("Write(%s) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

// writeFields returns what a FieldWriter of fields writes for fr.
func writeFields(t *testing.T, fields []string, fr report.Frame) string {
	t.Helper()
	var b bytes.Buffer
	fw, err := report.NewFieldWriter(&b, fields)
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(fr); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestNewFieldWriterErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields []string
		want   string
	}{
		{"none", nil, `--format fields needs at least one field`},
		{"unknown", []string{"ip.src", "ip.bogus", "tcp.nope"}, `unknown field "ip.bogus", "tcp.nope" (tracers prints frame.number,`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.NewFieldWriter(io.Discard, tc.fields)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("NewFieldWriter(%q) = %v, want an error starting %q", tc.fields, err, tc.want)
			}
		})
	}
}

func TestFieldWriterAllocs(t *testing.T) {
	fw, err := report.NewFieldWriter(io.Discard, report.FieldNames())
	if err != nil {
		t.Fatal(err)
	}
	fr := frame(2, time.Millisecond, timeExceeded)
	if n := testing.AllocsPerRun(100, func() { _ = fw.Write(fr) }); n != 0 {
		t.Errorf("Write allocates %v times per frame, want 0", n)
	}
}

func BenchmarkFieldWriter(b *testing.B) {
	fw, err := report.NewFieldWriter(io.Discard, report.FieldNames())
	if err != nil {
		b.Fatal(err)
	}
	fr := frame(2, time.Millisecond, timeExceeded)
	b.ReportAllocs()
	for b.Loop() {
		_ = fw.Write(fr)
	}
}

func FuzzFieldWriter(f *testing.F) {
	for _, b := range [][]byte{udpProbe, timeExceeded, echoRequest, arpRequest, echoRequest6, timeExceeded6} {
		f.Add(uint8(layers.LinkTypeEthernet), b)
		f.Add(uint8(layers.LinkTypeRaw), b[14:])
	}
	fw, err := report.NewFieldWriter(io.Discard, report.FieldNames())
	if err != nil {
		f.Fatal(err)
	}
	pw := report.NewPacketWriter(io.Discard)
	f.Fuzz(func(t *testing.T, lt uint8, b []byte) {
		fr := report.Frame{Packet: analyze.Packet{Link: layers.LinkType(lt), Data: b}, Number: 1}
		_ = fw.Write(fr) // must not panic
		_ = pw.Write(fr, analyze.Event{})
	})
}

func ExampleFieldWriter() {
	fw, err := report.NewFieldWriter(os.Stdout, []string{"frame.number", "ip.src", "ip.ttl", "icmp.type", "udp.dstport"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fw.Write(report.Frame{Packet: analyze.Packet{Link: layers.LinkTypeEthernet, Data: timeExceeded}, Number: 2})
	// Output:
	// 2	10.77.1.2,10.77.1.1	64,1	11	33434
}

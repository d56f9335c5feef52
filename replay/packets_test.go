package replay_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/replay"
	"github.com/tracers/tracers/report"
)

// labFields are the tshark fields a lab asks for; every one must print
// byte for byte what tshark prints.
var labFields = []string{
	"frame.number", "frame.time_relative", "frame.len",
	"ip.src", "ip.dst", "ip.ttl", "ip.id", "ip.proto",
	"icmp.type", "icmp.code", "icmp.ident", "icmp.seq",
	"udp.srcport", "udp.dstport", "tcp.srcport", "tcp.dstport",
}

func needTshark(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tshark is missing in CI")
		}
		t.Skip("needs tshark")
	}
}

// tsharkFields is what `tshark -r file -T fields -e f ...` prints.
func tsharkFields(t *testing.T, file string, fields []string) string {
	t.Helper()
	out, err := runTshark(file, fields)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runTshark runs `tshark -n -r file -T fields -e f ...`; it may run in a
// goroutine of its own.
func runTshark(file string, fields []string) (string, error) {
	args := []string{"-n", "-r", file, "-T", "fields"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command("tshark", args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tshark %s: %w: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

func packets(t *testing.T, o replay.PacketOptions) string {
	t.Helper()
	var out bytes.Buffer
	if err := replay.Packets(context.Background(), o, &out); err != nil {
		t.Fatalf("Packets(%+v): %v", o, err)
	}
	return out.String()
}

// compareLines reports the first lines where got and want differ.
func compareLines(t *testing.T, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	shown := 0
	for i := 0; i < max(len(g), len(w)) && shown < 5; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("%s line %d:\n got %q\nwant %q", what, i+1, gl, wl)
			shown++
		}
	}
	if shown == 0 {
		t.Errorf("%s: outputs differ (%d and %d bytes)", what, len(got), len(want))
	}
}

// TestPacketsFieldsMatchTshark checks every capture of testdata (the lab's
// and the crafted ones of testdata/fields) against the real tshark, all the
// fields in one call.
// The short suite compares stored tshark output instead (TestFieldsStored).
func TestPacketsFieldsMatchTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tshark on every capture; the short suite compares stored output (TestFieldsStored)")
	}
	needTshark(t)
	all := report.FieldNames()
	for _, f := range append(append([]string(nil), labFields...), ipv6Fields...) {
		if !slices.Contains(all, f) {
			t.Errorf("report.FieldNames() lacks %s: the one tshark call would not check it", f)
		}
	}
	for _, file := range allCaptures(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			// All the fields in one call: each is its own column, so one
			// call checks every field. (A call per field, as before, cost
			// some 800 tshark runs and most of the full suite's time.)
			sets := [][]string{all}
			// tshark spends most of its start-up asleep: run the calls
			// for one file side by side.
			want := make([]string, len(sets))
			var wg sync.WaitGroup
			sem := make(chan struct{}, 6)
			for i, fs := range sets {
				wg.Go(func() {
					sem <- struct{}{}
					defer func() { <-sem }()
					var err error
					if want[i], err = runTshark(file, fs); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			for i, fs := range sets {
				got := packets(t, replay.PacketOptions{File: file, Format: "fields", Fields: fs})
				compareLines(t, strings.Join(fs, " "), got, want[i])
			}
		})
	}
}

// TestPacketsFieldsDuplicate checks tshark's odd rule for a field named
// twice: only its last column is filled.
func TestPacketsFieldsDuplicate(t *testing.T) {
	needTshark(t)
	file := filepath.Join(capturesDir, "traceroute-udp.pcap")
	fields := []string{"ip.src", "frame.number", "ip.src", "udp.srcport"}
	got := packets(t, replay.PacketOptions{File: file, Format: "fields", Fields: fields})
	compareLines(t, "duplicate field", got, tsharkFields(t, file, fields))
}

func TestPacketsFieldsErrors(t *testing.T) {
	file := filepath.Join(capturesDir, "traceroute-udp.pcap")
	for _, tc := range []struct {
		name   string
		o      replay.PacketOptions
		substr string
	}{
		{"unknown field", replay.PacketOptions{File: file, Format: "fields", Fields: []string{"ip.src", "nosuch.field"}}, `unknown field "nosuch.field"`},
		{"no field", replay.PacketOptions{File: file, Format: "fields"}, "needs at least one field"},
		{"unknown format", replay.PacketOptions{File: file, Format: "pdml"}, `unknown packet format "pdml"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := replay.Packets(context.Background(), tc.o, &out)
			if err == nil || !strings.Contains(err.Error(), tc.substr) {
				t.Fatalf("Packets = %v, want an error containing %q", err, tc.substr)
			}
			if out.Len() != 0 {
				t.Errorf("Packets wrote %q before failing", out.String())
			}
		})
	}
}

// TestPacketsFieldsEdgeCases checks against tshark what the captures lack:
// an ICMP error cut by every snaplen, short quotes, bogus headers, IPv6,
// VLAN tags, tunnels, timestamps that go back.
func TestPacketsFieldsEdgeCases(t *testing.T) {
	needTshark(t)
	file := filepath.Join(t.TempDir(), "edge.pcap")
	writeEdgeCases(t, file)
	all := report.FieldNames()
	got := packets(t, replay.PacketOptions{File: file, Format: "fields", Fields: all})
	compareLines(t, "edge cases", got, tsharkFields(t, file, all))
}

func TestPacketsTextAnnotations(t *testing.T) {
	file := filepath.Join(capturesDir, "traceroute-udp.pcap")
	lines := strings.Split(packets(t, replay.PacketOptions{File: file}), "\n")
	for _, tc := range []struct {
		line int // 1-based
		want string
	}{
		{1, "    1  0.000000000        10.77.1.1 → 10.77.5.2        UDP     1  49186 → 33434 Len=32  [probe ttl=1 attempt=1 (trace 10.77.1.1->10.77.5.2)]"},
		{2, "    2  0.000067000        10.77.1.2 → 10.77.1.1        ICMP   64  Time-to-live exceeded (Time to live exceeded in transit), quoted dst=10.77.5.2 ttl=1 UDP 49186 → 33434 Len=32  [answers frame 1 (ttl 1), rtt 0.067 ms]"},
		{5, "    5  0.000175000        10.77.1.1 → 10.77.5.2        UDP     1  51202 → 33436 Len=32  [probe ttl=1 attempt=3 (trace 10.77.1.1->10.77.5.2)]"},
		{26, "   26  0.000594000        10.77.5.2 → 10.77.1.1        ICMP   60  Destination unreachable (Port unreachable), quoted dst=10.77.5.2 ttl=1 UDP 48548 → 33446 Len=32  [answers frame 25 (ttl 5), rtt 0.066 ms]"},
	} {
		if tc.line > len(lines) || lines[tc.line-1] != tc.want {
			got := ""
			if tc.line <= len(lines) {
				got = lines[tc.line-1]
			}
			t.Errorf("line %d:\n got %q\nwant %q", tc.line, got, tc.want)
		}
	}
	if n := len(lines) - 1; n != 32 {
		t.Errorf("%d lines, want one per packet (32)", n)
	}
}

// TestPacketsTextFilter checks that a filter keeps the file's frame
// numbers and that replies whose probes it dropped are unmatched.
func TestPacketsTextFilter(t *testing.T) {
	file := filepath.Join(capturesDir, "traceroute-udp.pcap")
	out := packets(t, replay.PacketOptions{File: file, Filter: "icmp"})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 16 {
		t.Fatalf("%d lines, want the 16 ICMP errors:\n%s", len(lines), out)
	}
	want := "    2  0.000067000        10.77.1.2 → 10.77.1.1        ICMP   64  Time-to-live exceeded (Time to live exceeded in transit), quoted dst=10.77.5.2 ttl=1 UDP 49186 → 33434 Len=32  [unmatched reply]"
	if lines[0] != want {
		t.Errorf("first line:\n got %q\nwant %q", lines[0], want)
	}
}

// TestPacketsTextDuplicate checks the annotation of a probe and its reply
// captured twice, as tcpdump -i any sees a packet on two interfaces.
func TestPacketsTextDuplicate(t *testing.T) {
	file := filepath.Join(t.TempDir(), "dup.pcap")
	probe := ethIPv4(ipv4(1, 9, 1, 0x1234, layers.IPProtocolUDP, udp(40000, 33434, make([]byte, 12))))
	reply := ethIPv4(ipv4(2, 1, 64, 0x5555, layers.IPProtocolICMPv4,
		icmp(layers.ICMPv4TypeTimeExceeded, 0, 0, ipv4(1, 9, 1, 0x1234, layers.IPProtocolUDP, udp(40000, 33434, make([]byte, 12))))))
	writePcap(t, file, layers.LinkTypeEthernet, [][]byte{probe, probe, reply, reply})
	lines := strings.Split(packets(t, replay.PacketOptions{File: file}), "\n")
	for i, want := range []string{
		"[probe ttl=1 attempt=1 (trace 10.0.0.1->10.0.0.9)]",
		"[duplicate of frame 1]",
		"[answers frame 1 (ttl 1), rtt 2.000 ms]",
		"[answers frame 1 (ttl 1) again, answered by frame 3]",
	} {
		if !strings.HasSuffix(lines[i], want) {
			t.Errorf("line %d = %q, want it to end in %q", i+1, lines[i], want)
		}
	}
}

// writeEdgeCases writes Ethernet packets that probe how tshark dissects
// what is short, odd or nested.
func writeEdgeCases(t *testing.T, file string) {
	probeU := ipv4(1, 9, 1, 0x1234, layers.IPProtocolUDP, udp(40000, 33434, make([]byte, 12)))
	probeI := ipv4(1, 9, 1, 0x1234, layers.IPProtocolICMPv4, icmp(layers.ICMPv4TypeEchoRequest, 0, 0x11112222, make([]byte, 12)))
	probeT := ipv4(1, 9, 1, 0x1234, layers.IPProtocolTCP, tcp(40000, 80, 7, 0x02))
	te := func(quote []byte) []byte {
		return ethIPv4(ipv4(2, 1, 64, 0x5555, layers.IPProtocolICMPv4, icmp(layers.ICMPv4TypeTimeExceeded, 0, 0, quote)))
	}
	var pkts [][]byte
	var caps []int
	add := func(b []byte, caplen int) {
		pkts, caps = append(pkts, b), append(caps, caplen)
	}
	// Every snaplen through a Time Exceeded and the probe it quotes.
	for _, probe := range [][]byte{probeU, probeI, probeT} {
		full := te(probe)
		for c := 14; c <= len(full); c++ {
			add(full, c)
		}
	}
	set := func(b []byte, off int, v ...byte) []byte {
		b = slices.Clone(b)
		copy(b[off:], v)
		return b
	}
	// Quotes of 8 bytes past the header, of 4, and a header cut at 16.
	for _, q := range [][]byte{probeU[:28], probeI[:28], probeT[:28], probeU[:24], probeI[:24], probeT[:24], probeT[:16]} {
		add(te(q), 0)
	}
	// Quoted headers with a bad length, TSO's zero length, fragments, options.
	add(te(set(probeU, 0, 0x44)), 0)
	add(te(set(probeU, 2, 0, 22)), 0)
	add(te(set(probeU, 2, 0, 0)), 0)
	add(te(set(probeU, 6, 0, 3)), 0)
	add(te(set(probeU, 6, 0x20)), 0)
	add(te(ipv4(1, 9, 1, 0x1234, layers.IPProtocolUDP, udp(40000, 33434, nil), 1, 1, 1, 0)), 0)
	// ICMP messages of every length up to 8, of other types.
	for n := 1; n <= 8; n++ {
		for _, ty := range []uint8{layers.ICMPv4TypeEchoRequest, layers.ICMPv4TypeTimeExceeded, layers.ICMPv4TypeDestinationUnreachable} {
			add(ethIPv4(ipv4(2, 1, 64, 0x5555, layers.IPProtocolICMPv4, icmp(ty, 0, 0xabcd0001, nil)[:n])), 0)
		}
	}
	for _, m := range []struct{ ty, code uint8 }{{5, 1}, {12, 0}, {4, 0}, {3, 4}, {3, 13}, {9, 0}, {13, 0}, {14, 0}, {17, 0}, {0, 0}} {
		add(ethIPv4(ipv4(2, 1, 64, 0x5555, layers.IPProtocolICMPv4, icmp(m.ty, m.code, 0x00030004, probeU))), 0)
	}
	// Bogus IPv4 headers: header length 16, version 5, total length 10 and 24.
	udp12 := ipv4(1, 9, 5, 0x88, layers.IPProtocolUDP, udp(1, 2, nil))
	add(ethIPv4(set(udp12, 0, 0x44)), 0)
	add(ethIPv4(set(udp12, 0, 0x55)), 0)
	add(ethIPv4(set(udp12, 2, 0, 10)), 0)
	add(ethIPv4(set(udp12, 2, 0, 24)), 0)
	add(ethIPv4(set(udp12, 2, 0, 0)), 0)
	// Short transport headers, padding, an unknown protocol, a first fragment.
	add(ethIPv4(ipv4(9, 1, 5, 0x88, layers.IPProtocolUDP, []byte{0, 1, 0, 2})), 0)
	add(ethIPv4(ipv4(9, 1, 5, 0x88, layers.IPProtocolTCP, []byte{0, 1, 0})), 0)
	add(ethIPv4(ipv4(9, 1, 5, 0x88, layers.IPProtocolTCP, tcp(80, 1, 7, 0x14))), 0)
	add(append(ethIPv4(ipv4(9, 1, 60, 0x77, layers.IPProtocolICMPv4, icmp(0, 0, 0x00010002, nil))), make([]byte, 18)...), 0)
	add(ethIPv4(ipv4(9, 1, 5, 0x88, layers.IPProtocolGRE, make([]byte, 8))), 0)
	add(ethIPv4(set(ipv4(1, 9, 5, 0x99, layers.IPProtocolUDP, udp(1000, 2000, make([]byte, 32))), 6, 0x20)), 0)
	// IP in IP, IPv6 in IPv4, IPv6 behind 0x0800, IPv4 behind 0x86dd.
	v6udp := ipv6(layers.IPProtocolUDP, udp(7, 8, nil))
	add(ethIPv4(ipv4(1, 9, 5, 0x100, layers.IPProtocolIPv4, udp12)), 0)
	add(ethIPv4(ipv4(1, 9, 5, 0x100, layers.IPProtocolIPv6, v6udp)), 0)
	add(ethIPv4(v6udp), 0)
	add(eth(layers.EthernetTypeIPv6, udp12), 0)
	// IPv6: UDP, a Port Unreachable quoting UDP.
	add(eth(layers.EthernetTypeIPv6, v6udp), 0)
	add(eth(layers.EthernetTypeIPv6, ipv6(layers.IPProtocolICMPv6, append([]byte{1, 4, 0, 0, 0, 0, 0, 0}, v6udp...))), 0)
	// A VLAN tag, an 802.3 frame, ARP.
	add(eth(layers.EthernetTypeDot1Q, append([]byte{0, 5, 8, 0}, udp12...)), 0)
	add(eth(60, make([]byte, 46)), 0)
	add(eth(layers.EthernetTypeARP, []byte{0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 2, 10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1}), 0)

	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1700000000, 0)
	for i, b := range pkts {
		c := caps[i]
		if c == 0 || c > len(b) {
			c = len(b)
		}
		at := t0.Add(time.Duration(i) * time.Millisecond)
		if i == 5 {
			at = t0.Add(-1500 * time.Millisecond) // time goes back
		}
		ci := gopacket.CaptureInfo{Timestamp: at, CaptureLength: c, Length: len(b)}
		if err := w.WritePacket(ci, b[:c]); err != nil {
			t.Fatal(err)
		}
	}
}

func writePcap(t *testing.T, file string, lt layers.LinkType, pkts [][]byte) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65536, lt); err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1700000000, 0)
	for i, b := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(b), Length: len(b)}
		if err := w.WritePacket(ci, b); err != nil {
			t.Fatal(err)
		}
	}
}

// ipv4 is an IPv4 header from 10.0.0.src to 10.0.0.dst (RFC 791), with
// opts after the fixed 20 bytes; the checksum stays 0.
func ipv4(src, dst, ttl byte, id uint16, proto layers.IPProtocol, payload []byte, opts ...byte) []byte {
	ihl := 20 + len(opts)
	b := make([]byte, ihl+len(payload))
	b[0] = 0x40 | byte(ihl/4)                          // version 4, header length
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))  // total length
	binary.BigEndian.PutUint16(b[4:], id)              // identification
	b[8], b[9] = ttl, byte(proto)                      // TTL, protocol
	copy(b[12:], []byte{10, 0, 0, src, 10, 0, 0, dst}) // addresses
	copy(b[20:], opts)                                 // options
	copy(b[ihl:], payload)                             // payload
	return b
}

// ipv6 is an IPv6 header from fe80::1 to fe80::2 (RFC 8200), hop limit 3.
func ipv6(next layers.IPProtocol, payload []byte) []byte {
	b := make([]byte, 40+len(payload))
	b[0] = 0x60                                             // version 6
	binary.BigEndian.PutUint16(b[4:], uint16(len(payload))) // payload length
	b[6], b[7] = byte(next), 3                              // next header, hop limit
	b[8], b[9], b[23] = 0xfe, 0x80, 1                       // source
	b[24], b[25], b[39] = 0xfe, 0x80, 2                     // destination
	copy(b[40:], payload)
	return b
}

// icmp is an ICMP message (RFC 792): type, code, a zero checksum, the four
// type-specific bytes, then payload.
func icmp(typ, code uint8, rest uint32, payload []byte) []byte {
	b := make([]byte, 8+len(payload))
	b[0], b[1] = typ, code
	binary.BigEndian.PutUint32(b[4:], rest)
	copy(b[8:], payload)
	return b
}

// udp is a UDP header (RFC 768) with a zero checksum, then payload.
func udp(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 8+len(payload))
	binary.BigEndian.PutUint16(b, sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint16(b[4:], uint16(len(b))) // length
	copy(b[8:], payload)
	return b
}

// tcp is a 20-byte TCP header (RFC 9293) with the given flags.
func tcp(sport, dport uint16, seq uint32, flags byte) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint16(b, sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint32(b[4:], seq)
	b[12] = 5 << 4 // data offset
	b[13] = flags
	return b
}

func eth(et layers.EthernetType, payload []byte) []byte {
	b := make([]byte, 14+len(payload))
	copy(b, []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}) // destination, source
	binary.BigEndian.PutUint16(b[12:], uint16(et))
	copy(b[14:], payload)
	return b
}

func ethIPv4(p []byte) []byte { return eth(layers.EthernetTypeIPv4, p) }

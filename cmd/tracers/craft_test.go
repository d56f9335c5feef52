package main

// Tests of tracers craft and tracers checksum, run through the cobra root.
// They need no privileges; the tshark test skips without tshark, and with
// CI set a skip is a failure.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runCLI runs the tracers command line args through newRoot, with stdin
// as standard input, and returns what it printed and its error.
func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRoot(args)
	var out, errb bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(stdin))
	err := root.Execute()
	return out.String(), err
}

// craftGolden is `tracers craft --dst 10.77.5.2 --ttl 3 --src 10.77.1.1`.
// The checksums follow from goldenProbe in craft/probe_test.go (0x8af1,
// 0xedc5, IP ID 0x1234, seq 0x0301): the IP ID becomes 0x0300, so the
// header checksum rises by 0x1234-0x0300 to 0x9a25; the sequence drops by
// one, so the ICMP checksum rises by one to 0xedc6.
const craftGolden = `probe 10.77.1.1 -> 10.77.5.2, TTL 3, ICMP id 0x1234 seq 0x0300: 60 bytes (crafted, not sent)

layer    offset  size      field            value                       meaning
ipv4     0       4 bits    version          4                           IPv4
ipv4     0.4     4 bits    IHL              5                           header length in 32-bit words: 20 bytes, no options
ipv4     1       8 bits    DSCP/ECN (TOS)   0x00 (0)                    DSCP 0 (default, best effort), ECN 0 (not ECN-capable)
ipv4     2       16 bits   total length     0x003c (60)                 bytes in the packet: 20 header + 40 ICMP
ipv4     4       16 bits   identification   0x0300 (768)                same as the ICMP sequence, as tracers sets it
ipv4     6       3 bits    flags            0b000                       reserved 0, DF 0 (may fragment), MF 0 (last fragment)
ipv4     6.3     13 bits   fragment offset  0                           in 8-byte units: first fragment
ipv4     8       8 bits    TTL              3                           hops left: the router that takes it to 0 answers ICMP Time Exceeded
ipv4     9       8 bits    protocol         1                           ICMPv4
ipv4     10      16 bits   header checksum  0x9a25                      RFC 1071 over the 20-byte header: good
ipv4     12      32 bits   source           10.77.1.1                   sender (0x0a4d0101)
ipv4     16      32 bits   destination      10.77.5.2                   where the probe is going (0x0a4d0502)
icmp     20      8 bits    type             8                           echo request
icmp     21      8 bits    code             0                           always 0 for echo
icmp     22      16 bits   checksum         0xedc6                      RFC 1071 over the 40-byte ICMP header and data: good
icmp     24      16 bits   identifier       0x1234 (4660)               this run's identity: replies carry it back
icmp     26      16 bits   sequence         0x0300 (768)                TTL 3, attempt 0, as SeqFor packs them (TTL<<8 | attempt)
payload  28      32 bytes  data             40 41 42 43 ... (32 bytes)  tracers' filler, byte i = 0x40 + i%64 ("@ABCDEFG"...), echoed back unchanged
(offset: bytes from the start of the packet; .n: bit n of that byte, 0 the most significant)

hex dump, 60 bytes:
00000000  45 00 00 3c 03 00 00 00  03 01 9a 25 0a 4d 01 01  |E..<.......%.M..|
00000010  0a 4d 05 02 08 00 ed c6  12 34 03 00 40 41 42 43  |.M.......4..@ABC|
00000020  44 45 46 47 48 49 4a 4b  4c 4d 4e 4f 50 51 52 53  |DEFGHIJKLMNOPQRS|
00000030  54 55 56 57 58 59 5a 5b  5c 5d 5e 5f              |TUVWXYZ[\]^_|

checksums (RFC 1071; craft.Checksum over the covered bytes with the field zeroed):
layer  field offset  covers    in packet (gopacket)  craft.Checksum  verdict
ipv4   10            20 bytes  0x9a25                0x9a25          agree, valid
icmp   22            40 bytes  0xedc6                0xedc6          agree, valid
`

func TestCraftText(t *testing.T) {
	got, err := runCLI(t, "", "craft", "--dst", "10.77.5.2", "--ttl", "3", "--src", "10.77.1.1")
	if err != nil {
		t.Fatalf("craft: %v", err)
	}
	if diff := cmp.Diff(craftGolden, got); diff != "" {
		t.Errorf("craft output mismatch (-want +got):\n%s", diff)
	}
}

func TestCraftDefaults(t *testing.T) {
	got, err := runCLI(t, "", "craft", "--dst", "10.77.5.2")
	if err != nil {
		t.Fatalf("craft: %v", err)
	}
	// Source TEST-NET-1, TTL 1, id 0x1234, seq TTL<<8 | 0, 32-byte payload.
	want := "probe 192.0.2.1 -> 10.77.5.2, TTL 1, ICMP id 0x1234 seq 0x0100: 60 bytes (crafted, not sent)\n"
	if first, _, _ := strings.Cut(got, "\n"); first+"\n" != want {
		t.Errorf("craft --dst 10.77.5.2 first line = %q, want %q", first, want)
	}
}

// craftJSONDoc is the part of the --format json document the tests read.
type craftJSONDoc struct {
	SchemaVersion int `json:"schema_version"`

	Src, Dst string
	TTL      int
	ID       int
	Seq      int
	IPID     int `json:"ip_id"`
	Length   int
	Fields   []struct {
		Layer     string
		Offset    int
		BitOffset int `json:"bit_offset"`
		SizeBits  int `json:"size_bits"`
		Name      string
		Value     string
		Meaning   string
	}
	Hex       string
	Checksums []struct {
		Layer    string
		Offset   int
		Covers   int
		InPacket string `json:"in_packet"`
		Computed string
		Agree    bool
		Valid    bool
	}
}

func TestCraftJSON(t *testing.T) {
	out, err := runCLI(t, "", "craft", "--dst", "10.77.5.2", "--ttl", "3", "--src", "10.77.1.1", "--id", "0xbeef", "--seq", "0x0302", "--payload", "7", "--format", "json")
	if err != nil {
		t.Fatalf("craft --format json: %v", err)
	}
	var doc craftJSONDoc
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("craft --format json output does not parse: %v\n%s", err, out)
	}
	if doc.Src != "10.77.1.1" || doc.Dst != "10.77.5.2" || doc.TTL != 3 || doc.ID != 0xbeef || doc.Seq != 0x0302 || doc.IPID != 0x0302 || doc.Length != 35 {
		t.Errorf("craft --format json header = %+v", doc)
	}
	if got := len(doc.Hex); got != 2*35 {
		t.Errorf("craft --format json hex has %d digits, want 70", got)
	}
	values := map[string]string{}
	for _, f := range doc.Fields {
		values[f.Layer+" "+f.Name] = f.Value
		if f.Meaning == "" || f.SizeBits == 0 {
			t.Errorf("craft --format json field %+v lacks a meaning or a size", f)
		}
	}
	for k, v := range map[string]string{
		"ipv4 TTL":            "3",
		"ipv4 identification": "0x0302 (770)",
		"icmp identifier":     "0xbeef (48879)",
		"icmp sequence":       "0x0302 (770)",
		"payload data":        "40 41 42 43 ... (7 bytes)",
	} {
		if values[k] != v {
			t.Errorf("craft --format json field %s = %q, want %q", k, values[k], v)
		}
	}
	if len(doc.Checksums) != 2 {
		t.Fatalf("craft --format json has %d checksums, want 2", len(doc.Checksums))
	}
	for _, c := range doc.Checksums {
		if !c.Agree || !c.Valid || c.InPacket != c.Computed {
			t.Errorf("craft --format json checksum %+v: want agree and valid", c)
		}
	}
}

func TestCraftWriteTshark(t *testing.T) {
	tshark := needTool(t, "tshark")
	for _, name := range []string{"probe.pcap", "probe.pcapng"} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), name)
			out, err := runCLI(t, "", "craft", "--dst", "10.77.5.2", "--ttl", "7", "--src", "10.77.1.1", "--id", "0xbeef", "--seq", "0x0702", "--write", file)
			if err != nil {
				t.Fatalf("craft --write: %v", err)
			}
			if !strings.HasSuffix(out, "\nwrote "+file+": 1 packet, link type raw IPv4 (101)\n") {
				t.Errorf("craft --write output does not end with the wrote line:\n%s", out)
			}
			if name == "probe.pcap" {
				hdr, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				// pcap file header: the link type is the last 4 bytes of 24, in the file's byte order (little endian here).
				if len(hdr) < 24 || binary.LittleEndian.Uint32(hdr[20:24]) != 101 {
					t.Errorf("%s header % x: want link type 101 (LINKTYPE_RAW)", file, hdr[:min(len(hdr), 24)])
				}
			}
			cmd := exec.Command(tshark, "-r", file, "-o", "ip.check_checksum:TRUE", "-V")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\n%s", cmd, err, stderr.String())
			}
			got := stdout.String()
			for _, want := range []string{
				"Raw IP",
				"Header Checksum: 0x",
				"[Header checksum status: Good]",
				"[Checksum Status: Good]",
				"Time to Live: 7",
				"Identification: 0x0702 (1794)",
				"Identifier (BE): 48879 (0xbeef)",
				"Sequence Number (BE): 1794 (0x0702)",
				"Echo (ping) request",
				"Src: 10.77.1.1, Dst: 10.77.5.2",
			} {
				if !strings.Contains(got, want) {
					t.Errorf("tshark -V of %s lacks %q:\n%s", file, want, got)
				}
			}
			if strings.Contains(got, "Bad") {
				t.Errorf("tshark -V of %s reports something bad:\n%s", file, got)
			}
		})
	}
}

// craftGolden6 is `tracers craft -6 --dst fd77:5::2 --ttl 3 --src fd77:1::1
// --flow 0x12345`. The checksum follows from goldenProbe6 in
// craft/probe6_test.go (0x7a6a, seq 0x0301): the sequence drops by one to
// 0x0300, so the checksum rises by one to 0x7a6b.
const craftGolden6 = `probe fd77:1::1 -> fd77:5::2, hop limit 3, ICMPv6 id 0x1234 seq 0x0300, flow label 0x12345: 80 bytes (crafted, not sent)

layer    offset  size      field           value                       meaning
ipv6     0       4 bits    version         6                           IPv6
ipv6     0.4     8 bits    traffic class   0x00 (0)                    DSCP 0 (default, best effort), ECN 0 (not ECN-capable)
ipv6     1.4     20 bits   flow label      0x12345 (74565)             labels the flow (RFC 6437): routers that balance load by flow keep one label on one path
ipv6     4       16 bits   payload length  0x0028 (40)                 bytes after this 40-byte header: 40 ICMPv6, no extension headers
ipv6     6       8 bits    next header     58                          ICMPv6, right after this header: no extension headers
ipv6     7       8 bits    hop limit       3                           hops left (IPv4's TTL): the router that takes it to 0 answers ICMPv6 Time Exceeded
ipv6     8       16 bytes  source          fd77:1::1                   sender; summed into the ICMPv6 checksum through the pseudo-header
ipv6     24      16 bytes  destination     fd77:5::2                   where the probe is going; summed into the ICMPv6 checksum through the pseudo-header
icmpv6   40      8 bits    type            128                         echo request
icmpv6   41      8 bits    code            0                           always 0 for echo
icmpv6   42      16 bits   checksum        0x7a6b                      RFC 1071 over the 40-byte pseudo-header and the 40-byte ICMPv6 message: good
icmpv6   44      16 bits   identifier      0x1234 (4660)               this run's identity: replies carry it back
icmpv6   46      16 bits   sequence        0x0300 (768)                hop limit 3, attempt 0, as SeqFor packs them (hop limit<<8 | attempt)
payload  48      32 bytes  data            40 41 42 43 ... (32 bytes)  tracers' filler, byte i = 0x40 + i%64 ("@ABCDEFG"...), echoed back unchanged
(offset: bytes from the start of the packet; .n: bit n of that byte, 0 the most significant)

pseudo-header (RFC 8200 section 8.1): summed before the ICMPv6 message into its checksum, never sent:
layer   offset  size      field               value            meaning
pseudo  0       16 bytes  source              fd77:1::1        the IPv6 source address (packet bytes 8-23)
pseudo  16      16 bytes  destination         fd77:5::2        the IPv6 destination address (packet bytes 24-39; the final one were there a routing header)
pseudo  32      32 bits   upper-layer length  0x00000028 (40)  bytes of the ICMPv6 message: the payload length less extension headers (none here)
pseudo  36      24 bits   zero                0x000000         always zero
pseudo  39      8 bits    next header         58               58, ICMPv6: the upper-layer protocol, the last next header of the chain
(offset: bytes from the start of the pseudo-header)

hex dump, 80 bytes:
00000000  60 01 23 45 00 28 3a 03  fd 77 00 01 00 00 00 00  |` + "`" + `.#E.(:..w......|
00000010  00 00 00 00 00 00 00 01  fd 77 00 05 00 00 00 00  |.........w......|
00000020  00 00 00 00 00 00 00 02  80 00 7a 6b 12 34 03 00  |..........zk.4..|
00000030  40 41 42 43 44 45 46 47  48 49 4a 4b 4c 4d 4e 4f  |@ABCDEFGHIJKLMNO|
00000040  50 51 52 53 54 55 56 57  58 59 5a 5b 5c 5d 5e 5f  |PQRSTUVWXYZ[\]^_|

checksums (RFC 1071; craft.Checksum6 over the pseudo-header and the covered bytes with the field zeroed):
layer   field offset  covers                            in packet (gopacket)  craft.Checksum  verdict
icmpv6  42            40-byte pseudo-header + 40 bytes  0x7a6b                0x7a6b          agree, valid
icmpv6: IPv6 has no header checksum (RFC 8200 section 3 dropped it): the addresses are protected by this checksum, through the pseudo-header; the hop limit and flow label by none
`

func TestCraftText6(t *testing.T) {
	for _, args := range [][]string{
		{"craft", "-6", "--dst", "fd77:5::2", "--ttl", "3", "--src", "fd77:1::1", "--flow", "0x12345"},
		{"craft", "--dst", "fd77:5::2", "--ttl", "3", "--src", "fd77:1::1", "--flow", "0x12345"}, // the family follows --dst
	} {
		got, err := runCLI(t, "", args...)
		if err != nil {
			t.Fatalf("%s: %v", strings.Join(args, " "), err)
		}
		if diff := cmp.Diff(craftGolden6, got); diff != "" {
			t.Errorf("%s output mismatch (-want +got):\n%s", strings.Join(args, " "), diff)
		}
	}
}

func TestCraftDefaults6(t *testing.T) {
	got, err := runCLI(t, "", "craft", "-6", "--dst", "fd77:5::2")
	if err != nil {
		t.Fatalf("craft -6: %v", err)
	}
	// Source 2001:db8::1 (RFC 3849), hop limit 1, id 0x1234, seq hop limit<<8 | 0, flow 0, 32-byte payload.
	want := "probe 2001:db8::1 -> fd77:5::2, hop limit 1, ICMPv6 id 0x1234 seq 0x0100, flow label 0x00000: 80 bytes (crafted, not sent)"
	if first, _, _ := strings.Cut(got, "\n"); first != want {
		t.Errorf("craft -6 --dst fd77:5::2 first line = %q, want %q", first, want)
	}
}

func TestCraftJSON6(t *testing.T) {
	out, err := runCLI(t, "", "craft", "--dst", "fd77:5::2", "--ttl", "3", "--src", "fd77:1::1", "--id", "0xbeef", "--seq", "0x0302", "--flow", "0xabcde", "--payload", "7", "--format", "json")
	if err != nil {
		t.Fatalf("craft --format json: %v", err)
	}
	var doc struct {
		craftJSONDoc
		Flow   *uint32 `json:"flow_label"`
		Pseudo []struct {
			Layer, Name, Value string
			Offset             int
			SizeBits           int `json:"size_bits"`
		} `json:"pseudo_header"`
		Checksums []struct {
			Layer    string
			Pseudo   int `json:"pseudo_header_bytes"`
			Covers   int
			InPacket string `json:"in_packet"`
			Computed string
			Agree    bool
			Valid    bool
			Note     string
		}
		IPID *int `json:"ip_id"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("craft --format json output does not parse: %v\n%s", err, out)
	}
	if doc.Src != "fd77:1::1" || doc.Dst != "fd77:5::2" || doc.TTL != 3 || doc.ID != 0xbeef || doc.Seq != 0x0302 || doc.Length != 55 ||
		doc.Flow == nil || *doc.Flow != 0xabcde || doc.IPID != nil {
		t.Errorf("craft --format json header = %+v (flow %v, ip_id %v), want IPv6 fields, no ip_id", doc.craftJSONDoc, doc.Flow, doc.IPID)
	}
	values := map[string]string{}
	for _, f := range doc.Fields {
		values[f.Layer+" "+f.Name] = f.Value
	}
	for k, v := range map[string]string{
		"ipv6 hop limit":    "3",
		"ipv6 flow label":   "0xabcde (703710)",
		"icmpv6 type":       "128",
		"icmpv6 identifier": "0xbeef (48879)",
		"icmpv6 sequence":   "0x0302 (770)",
		"payload data":      "40 41 42 43 ... (7 bytes)",
	} {
		if values[k] != v {
			t.Errorf("craft --format json field %s = %q, want %q", k, values[k], v)
		}
	}
	if len(doc.Pseudo) != 5 || doc.Pseudo[2].Name != "upper-layer length" || doc.Pseudo[2].Value != "0x0000000f (15)" {
		t.Errorf("craft --format json pseudo_header = %+v, want 5 fields, length 15", doc.Pseudo)
	}
	if len(doc.Checksums) != 1 {
		t.Fatalf("craft --format json has %d checksums, want 1 (IPv6 has no header checksum)", len(doc.Checksums))
	}
	if c := doc.Checksums[0]; c.Layer != "icmpv6" || c.Pseudo != 40 || c.Covers != 15 || !c.Agree || !c.Valid || c.InPacket != c.Computed || !strings.Contains(c.Note, "no header checksum") {
		t.Errorf("craft --format json checksum %+v: want icmpv6 over 40 + 15 bytes, agree and valid, a note", c)
	}
}

func TestCraftWriteTshark6(t *testing.T) {
	tshark := needTool(t, "tshark")
	file := filepath.Join(t.TempDir(), "probe6.pcap")
	out, err := runCLI(t, "", "craft", "-6", "--dst", "fd77:5::2", "--ttl", "7", "--src", "fd77:1::1", "--id", "0xbeef", "--seq", "0x0702", "--flow", "0x12345", "--write", file)
	if err != nil {
		t.Fatalf("craft --write: %v", err)
	}
	if !strings.HasSuffix(out, "\nwrote "+file+": 1 packet, link type raw IPv6 (101)\n") {
		t.Errorf("craft --write output does not end with the wrote line:\n%s", out)
	}
	cmd := exec.Command(tshark, "-r", file, "-V")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.String())
	}
	got := stdout.String()
	for _, want := range []string{
		"Raw IP",
		"Internet Protocol Version 6, Src: fd77:1::1, Dst: fd77:5::2",
		"Flow Label: 0x12345",
		"Hop Limit: 7",
		"Next Header: ICMPv6 (58)",
		"Type: Echo (ping) request (128)",
		"[Checksum Status: Good]",
		"Identifier: 0xbeef",
		"Sequence: 1794",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("tshark -V of %s lacks %q:\n%s", file, want, got)
		}
	}
	if strings.Contains(got, "Bad") || strings.Contains(got, "Incorrect") {
		t.Errorf("tshark -V of %s reports something bad:\n%s", file, got)
	}
}

func TestCraftUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "no dst", args: []string{"craft"}, want: "craft needs --dst ADDR"},
		{name: "argument", args: []string{"craft", "10.77.5.2"}, want: "craft takes no arguments"},
		{name: "dst name", args: []string{"craft", "--dst", "example.net"}, want: `--dst "example.net": not an IPv4 or IPv6 address`},
		{name: "dst ipv6 with -4", args: []string{"craft", "-4", "--dst", "2001:db8::1"}, want: `--dst "2001:db8::1": not an IPv4 address`},
		{name: "dst ipv4 with -6", args: []string{"craft", "-6", "--dst", "10.77.5.2"}, want: `--dst "10.77.5.2": not an IPv6 address`},
		{name: "-4 and -6", args: []string{"craft", "-4", "-6", "--dst", "10.77.5.2"}, want: "-4 and -6 exclude each other"},
		{name: "dst ipv4-mapped", args: []string{"craft", "--dst", "::ffff:10.77.5.2"}, want: "an IPv4-mapped IPv6 address; write 10.77.5.2 for IPv4"},
		{name: "src bad", args: []string{"craft", "--dst", "10.77.5.2", "--src", "10.77.1"}, want: `--src "10.77.1": not an IPv4 address`},
		{name: "src ipv4 for ipv6", args: []string{"craft", "--dst", "fd77:5::2", "--src", "10.77.1.1"}, want: `--src "10.77.1.1": not an IPv6 address`},
		{name: "src ipv6 for ipv4", args: []string{"craft", "--dst", "10.77.5.2", "--src", "fd77:1::1"}, want: `--src "fd77:1::1": not an IPv4 address`},
		{name: "flow for ipv4", args: []string{"craft", "--dst", "10.77.5.2", "--flow", "1"}, want: "--flow: IPv4 has no flow label"},
		{name: "flow too big", args: []string{"craft", "--dst", "fd77:5::2", "--flow", "0x100000"}, want: "--flow 0x100000: must be in 0..0xfffff"},
		{name: "ipv6 payload", args: []string{"craft", "--dst", "fd77:5::2", "--payload", "1453"}, want: "--payload 1453: must be in 0..1452"},
		{name: "ttl 0", args: []string{"craft", "--dst", "10.77.5.2", "--ttl", "0"}, want: "--ttl 0: must be in 1..255"},
		{name: "ttl 256", args: []string{"craft", "--dst", "10.77.5.2", "--ttl", "256"}, want: "--ttl 256: must be in 1..255"},
		{name: "payload", args: []string{"craft", "--dst", "10.77.5.2", "--payload", "1473"}, want: "--payload 1473: must be in 0..1472"},
		{name: "id too big", args: []string{"craft", "--dst", "10.77.5.2", "--id", "0x10000"}, want: "invalid argument"},
		{name: "format", args: []string{"craft", "--dst", "10.77.5.2", "--format", "xml"}, want: `--format "xml": must be text or json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCLI(t, "", tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != 2 {
				t.Errorf("%s = %v (exit %d), want usage error (exit 2) containing %q\n%s", strings.Join(tt.args, " "), err, exitCode(err), tt.want, out)
			}
		})
	}
}

func TestCraftWriteError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "no-such-dir", "probe.pcap")
	_, err := runCLI(t, "", "craft", "--dst", "10.77.5.2", "--write", file)
	if err == nil || !strings.Contains(err.Error(), "no-such-dir") || exitCode(err) != 1 {
		t.Errorf("craft --write %s = %v (exit %d), want an error naming the file, exit 1", file, err, exitCode(err))
	}
}

// checksumEvenGolden is `tracers checksum 08 00 00 00 12 34 00 01`, an
// ICMP echo header with its checksum field zeroed (RFC 1071 style).
const checksumEvenGolden = `RFC 1071 checksum of 8 bytes: 4 16-bit words

  word  offset   value  running sum
     1       0  0x0800   0x00000800
     2       2  0x0000   0x00000800
     3       4  0x1234   0x00001A34
     4       6  0x0001   0x00001A35

end-around carry: none, the sum fits in 16 bits
one's complement sum: 0x1A35
one's complement of it: ~0x1A35 = 0xE5CA

checksum: 0xE5CA
`

// checksumOddGolden is the same with a ninth byte, 0x23.
const checksumOddGolden = `RFC 1071 checksum of 9 bytes: 5 16-bit words, the last padded with a zero byte

  word  offset   value  running sum
     1       0  0x0800   0x00000800
     2       2  0x0000   0x00000800
     3       4  0x1234   0x00001A34
     4       6  0x0001   0x00001A35
     5       8  0x2300   0x00003D35  (0x23 + pad 0x00)

end-around carry: none, the sum fits in 16 bits
one's complement sum: 0x3D35
one's complement of it: ~0x3D35 = 0xC2CA

checksum: 0xC2CA
`

// checksumHeaderGolden is the captured IPv4 header 45 00 00 73 00 00 40 00
// 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7 (UDP, 192.168.0.1 -> 192.168.0.199):
// verified without --verify because its checksum field is filled in.
const checksumHeaderGolden = `RFC 1071 checksum of 20 bytes: 10 16-bit words

  word  offset   value  running sum
     1       0  0x4500   0x00004500
     2       2  0x0073   0x00004573
     3       4  0x0000   0x00004573
     4       6  0x4000   0x00008573
     5       8  0x4011   0x0000C584
     6      10  0xB861   0x00017DE5
     7      12  0xC0A8   0x00023E8D
     8      14  0x0001   0x00023E8E
     9      16  0xC0A8   0x0002FF36
    10      18  0x00C7   0x0002FFFD

end-around carry: 0x0002FFFD -> 0xFFFD + 0x0002 = 0x0000FFFF
one's complement sum: 0xFFFF
one's complement of it: ~0xFFFF = 0x0000

checksum: 0x0000

verify (the data is an IPv4 header with its checksum filled in):
  the one's complement sum is 0xFFFF (checksum 0x0000): valid
  checksum field at offset 10: 0xB861
`

// checksumAlteredGolden is that header with the TTL (byte 8) altered from
// 0x40 to 0x3f: the word at 8 drops by 0x100, so the field should rise by
// 0x100 to 0xB961.
const checksumAlteredGolden = `RFC 1071 checksum of 20 bytes: 10 16-bit words

  word  offset   value  running sum
     1       0  0x4500   0x00004500
     2       2  0x0073   0x00004573
     3       4  0x0000   0x00004573
     4       6  0x4000   0x00008573
     5       8  0x3F11   0x0000C484
     6      10  0xB861   0x00017CE5
     7      12  0xC0A8   0x00023D8D
     8      14  0x0001   0x00023D8E
     9      16  0xC0A8   0x0002FE36
    10      18  0x00C7   0x0002FEFD

end-around carry: 0x0002FEFD -> 0xFEFD + 0x0002 = 0x0000FEFF
one's complement sum: 0xFEFF
one's complement of it: ~0xFEFF = 0x0100

checksum: 0x0100

verify (the data is an IPv4 header with its checksum filled in):
  the one's complement sum is 0xFEFF, not 0xFFFF: invalid
  checksum field at offset 10 holds 0xB861; expected 0xB961
`

func TestChecksumGolden(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    string
		wantErr string // "" for none
	}{
		{name: "seed even", args: []string{"08", "00", "00", "00", "12", "34", "00", "01"}, want: checksumEvenGolden},
		{name: "seed odd", args: []string{"08", "00", "00", "00", "12", "34", "00", "01", "0x23"}, want: checksumOddGolden},
		{name: "captured header", args: []string{"45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7"}, want: checksumHeaderGolden},
		{name: "captured header altered", args: []string{"45 00 00 73 00 00 40 00 3f 11 b8 61 c0 a8 00 01 c0 a8 00 c7"},
			want: checksumAlteredGolden, wantErr: "checksum invalid: field at offset 10 is 0xB861, expected 0xB961"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runCLI(t, "", append([]string{"checksum"}, tt.args...)...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("checksum %s output mismatch (-want +got):\n%s", strings.Join(tt.args, " "), diff)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("checksum %s error: %v", strings.Join(tt.args, " "), err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr || !errors.Is(err, errChecksumInvalid) || exitCode(err) != 1):
				t.Errorf("checksum %s = %v (exit %d), want %q (exit 1)", strings.Join(tt.args, " "), err, exitCode(err), tt.wantErr)
			}
		})
	}
}

// TestChecksumInputForms gives the same 8 bytes every way checksum takes
// them; each must print checksumEvenGolden.
func TestChecksumInputForms(t *testing.T) {
	data := []byte{0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01}
	file := filepath.Join(t.TempDir(), "echo.bin")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{name: "one quoted argument", args: []string{"08 00 00 00 12 34 00 01"}},
		{name: "hex stream", args: []string{"0800000012340001"}},
		{name: "hex stream 0x", args: []string{"0x0800000012340001"}},
		{name: "words", args: []string{"0x0800", "0x0000", "1234", "0001"}},
		{name: "arguments joined", args: []string{"08000000", "12340001"}},
		{name: "colons", args: []string{"08:00:00:00:12:34:00:01"}},
		{name: "file", args: []string{"--file", file}},
		{name: "stdin", stdin: string(data), args: []string{"--file", "-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runCLI(t, tt.stdin, append([]string{"checksum"}, tt.args...)...)
			if err != nil {
				t.Fatalf("checksum %s: %v", strings.Join(tt.args, " "), err)
			}
			if diff := cmp.Diff(checksumEvenGolden, got); diff != "" {
				t.Errorf("checksum %s output mismatch (-want +got):\n%s", strings.Join(tt.args, " "), diff)
			}
		})
	}
}

func TestChecksumVerify(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    string // the verify lines
		wantErr bool
	}{
		{name: "icmp filled", args: []string{"--verify", "08 00 e5 ca 12 34 00 01"},
			want: "verify:\n  the one's complement sum is 0xFFFF (checksum 0x0000): valid\n  checksum field at offset 2: 0xE5CA\n"},
		{name: "icmp odd filled", args: []string{"--verify", "08 00 c2 ca 12 34 00 01 23"},
			want: "verify:\n  the one's complement sum is 0xFFFF (checksum 0x0000): valid\n  checksum field at offset 2: 0xC2CA\n"},
		{name: "icmp zero field", args: []string{"--verify", "08 00 00 00 12 34 00 01"}, wantErr: true,
			want: "verify:\n  the one's complement sum is 0x1A35, not 0xFFFF: invalid\n  checksum field at offset 2 holds 0x0000; expected 0xE5CA\n"},
		{name: "field offset implies verify", args: []string{"--field-offset", "2", "08 00 e5 ca 12 34 00 01"},
			want: "verify:\n  the one's complement sum is 0xFFFF (checksum 0x0000): valid\n  checksum field at offset 2: 0xE5CA\n"},
		{name: "header zero field, asked", args: []string{"--verify", "45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7"}, wantErr: true,
			want: "verify:\n  the one's complement sum is 0x479E, not 0xFFFF: invalid\n  checksum field at offset 10 holds 0x0000; expected 0xB861\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runCLI(t, "", append([]string{"checksum"}, tt.args...)...)
			if (err != nil) != tt.wantErr || (err != nil && exitCode(err) != 1) {
				t.Errorf("checksum %s error = %v, want error %v (exit 1)", strings.Join(tt.args, " "), err, tt.wantErr)
			}
			if _, v, ok := strings.Cut(got, "\n\nverify"); !ok || "verify"+v != tt.want {
				t.Errorf("checksum %s verify section = %q, want %q\nwhole output:\n%s", strings.Join(tt.args, " "), "verify"+v, tt.want, got)
			}
		})
	}
}

// TestChecksumNoAutoVerify: a header whose checksum field is zero, or data
// that is more than a header, is only summed.
func TestChecksumNoAutoVerify(t *testing.T) {
	for _, args := range [][]string{
		{"45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7"},
		{"00 01 f2 03 f4 f5 f6 f7"}, // RFC 1071 section 3
	} {
		got, err := runCLI(t, "", append([]string{"checksum"}, args...)...)
		if err != nil || strings.Contains(got, "verify") {
			t.Errorf("checksum %s = %v, output:\n%s\nwant no verify section, no error", args, err, got)
		}
	}
	got, err := runCLI(t, "", "checksum", "45 00 00 1c 00 00 40 00 40 01 00 00 c0 a8 00 01 c0 a8 00 c7 08 00 e5 ca 12 34 00 01")
	if err != nil || !strings.Contains(got, "note: this is an IPv4 packet of 28 bytes; its header checksum covers the first 20 alone, which are summed here") ||
		!strings.Contains(got, "RFC 1071 checksum of 20 bytes") {
		t.Errorf("checksum of a whole IPv4 packet = %v, output:\n%s\nwant the header note", err, got)
	}
	if got, _ := runCLI(t, "", "checksum", "00 01 f2 03 f4 f5 f6 f7"); !strings.Contains(got, "one's complement sum: 0xDDF2\n") || !strings.Contains(got, "checksum: 0x220D\n") {
		t.Errorf("checksum of the RFC 1071 section 3 words: want sum 0xDDF2, checksum 0x220D, got:\n%s", got)
	}
}

// checksumPseudoGolden is `tracers checksum --src fd77:1::1 --dst
// fd77:5::2 80 00 00 00 12 34 03 00 40`: an ICMPv6 Echo Request with its
// checksum field zero and one byte of data, summed under its IPv6
// pseudo-header. 0x2F8F was computed independently (Python).
const checksumPseudoGolden = `RFC 1071 checksum of the 40-byte IPv6 pseudo-header (RFC 8200 section 8.1) and a 9-byte ICMPv6 message: 25 16-bit words, the last padded with a zero byte

  word     part  offset   value  running sum
     1   pseudo       0  0xFD77   0x0000FD77  source
     2   pseudo       2  0x0001   0x0000FD78  source
     3   pseudo       4  0x0000   0x0000FD78  source
     4   pseudo       6  0x0000   0x0000FD78  source
     5   pseudo       8  0x0000   0x0000FD78  source
     6   pseudo      10  0x0000   0x0000FD78  source
     7   pseudo      12  0x0000   0x0000FD78  source
     8   pseudo      14  0x0001   0x0000FD79  source
     9   pseudo      16  0xFD77   0x0001FAF0  destination
    10   pseudo      18  0x0005   0x0001FAF5  destination
    11   pseudo      20  0x0000   0x0001FAF5  destination
    12   pseudo      22  0x0000   0x0001FAF5  destination
    13   pseudo      24  0x0000   0x0001FAF5  destination
    14   pseudo      26  0x0000   0x0001FAF5  destination
    15   pseudo      28  0x0000   0x0001FAF5  destination
    16   pseudo      30  0x0002   0x0001FAF7  destination
    17   pseudo      32  0x0000   0x0001FAF7  upper-layer length
    18   pseudo      34  0x0009   0x0001FB00  upper-layer length
    19   pseudo      36  0x0000   0x0001FB00  zero
    20   pseudo      38  0x003A   0x0001FB3A  zero, next header
    21  message       0  0x8000   0x00027B3A
    22  message       2  0x0000   0x00027B3A
    23  message       4  0x1234   0x00028D6E
    24  message       6  0x0300   0x0002906E
    25  message       8  0x4000   0x0002D06E  (0x40 + pad 0x00)
(offset: bytes from the start of the pseudo-header or of the message)

end-around carry: 0x0002D06E -> 0xD06E + 0x0002 = 0x0000D070
one's complement sum: 0xD070
one's complement of it: ~0xD070 = 0x2F8F

checksum: 0x2F8F
`

// checksumIPv6PacketGolden is `tracers checksum` of the probe `tracers
// craft -6 --dst fd77:5::2 --src fd77:1::1 --ttl 3 --payload 4` builds: a
// whole IPv6 packet, summed under its pseudo-header and verified.
const checksumIPv6PacketGolden = `RFC 1071 checksum of the 40-byte IPv6 pseudo-header (RFC 8200 section 8.1) and a 12-byte ICMPv6 message: 26 16-bit words
note: this is an IPv6 packet; IPv6 has no header checksum: the ICMPv6 checksum covers the pseudo-header, built from its header, and the 12 bytes after the 40-byte header

  word     part  offset   value  running sum
     1   pseudo       0  0xFD77   0x0000FD77  source
     2   pseudo       2  0x0001   0x0000FD78  source
     3   pseudo       4  0x0000   0x0000FD78  source
     4   pseudo       6  0x0000   0x0000FD78  source
     5   pseudo       8  0x0000   0x0000FD78  source
     6   pseudo      10  0x0000   0x0000FD78  source
     7   pseudo      12  0x0000   0x0000FD78  source
     8   pseudo      14  0x0001   0x0000FD79  source
     9   pseudo      16  0xFD77   0x0001FAF0  destination
    10   pseudo      18  0x0005   0x0001FAF5  destination
    11   pseudo      20  0x0000   0x0001FAF5  destination
    12   pseudo      22  0x0000   0x0001FAF5  destination
    13   pseudo      24  0x0000   0x0001FAF5  destination
    14   pseudo      26  0x0000   0x0001FAF5  destination
    15   pseudo      28  0x0000   0x0001FAF5  destination
    16   pseudo      30  0x0002   0x0001FAF7  destination
    17   pseudo      32  0x0000   0x0001FAF7  upper-layer length
    18   pseudo      34  0x000C   0x0001FB03  upper-layer length
    19   pseudo      36  0x0000   0x0001FB03  zero
    20   pseudo      38  0x003A   0x0001FB3D  zero, next header
    21  message       0  0x8000   0x00027B3D
    22  message       2  0xED07   0x00036844
    23  message       4  0x1234   0x00037A78
    24  message       6  0x0300   0x00037D78
    25  message       8  0x4041   0x0003BDB9
    26  message      10  0x4243   0x0003FFFC
(offset: bytes from the start of the pseudo-header or of the message)

end-around carry: 0x0003FFFC -> 0xFFFC + 0x0003 = 0x0000FFFF
one's complement sum: 0xFFFF
one's complement of it: ~0xFFFF = 0x0000

checksum: 0x0000

verify (the data is an IPv6 packet with its checksum filled in):
  the one's complement sum is 0xFFFF (checksum 0x0000): valid
  checksum field at offset 2 of the message: 0xED07
`

// ipv6ProbeHex is that probe.
const ipv6ProbeHex = "60000000000c3a03fd770001000000000000000000000001fd7700050000000000000000000000028000ed071234030040414243"

func TestChecksumPseudo(t *testing.T) {
	altered := []byte(ipv6ProbeHex)
	// Destination fd77:5::3: the pseudo-header sum rises by one, the field
	// stays, so the sum is 0xFFFF + 1, which folds to 0x0001.
	altered[2*39+1] = '3'
	tests := []struct {
		name    string
		args    []string
		want    string // whole output, or the verify section when it starts with "verify"
		wantErr string
	}{
		{name: "message under --src and --dst", args: []string{"--src", "fd77:1::1", "--dst", "fd77:5::2", "80 00 00 00 12 34 03 00 40"}, want: checksumPseudoGolden},
		{name: "whole ipv6 packet", args: []string{ipv6ProbeHex}, want: checksumIPv6PacketGolden},
		{name: "ipv6 packet to another destination", args: []string{string(altered)}, wantErr: "checksum invalid: field at offset 2 of the message is 0xED07, expected 0xED06",
			want: "verify (the data is an IPv6 packet with its checksum filled in):\n  the one's complement sum is 0x0001, not 0xFFFF: invalid\n  checksum field at offset 2 of the message holds 0xED07; expected 0xED06\n"},
		{name: "message verified", args: []string{"--src", "fd77:1::1", "--dst", "fd77:5::2", "--verify", "80 00 2f 8f 12 34 03 00 40"},
			want: "verify:\n  the one's complement sum is 0xFFFF (checksum 0x0000): valid\n  checksum field at offset 2 of the message: 0x2F8F\n"},
		// UDP from port 33434 to 33435, 8 bytes, no data: the sum 0x0050
		// and the field 0xFFAF were computed independently (Python).
		{name: "udp field offset by next header", args: []string{"--src", "fd77:1::1", "--dst", "fd77:5::2", "--next-header", "17", "--verify", "82 9a 82 9b 00 08 00 00"},
			wantErr: "checksum invalid: field at offset 6 of the message is 0x0000, illegal over IPv6, expected 0xFFAF",
			want:    "verify:\n  checksum field at offset 6 of the message: 0x0000, illegal in UDP over IPv6 (RFC 8200 section 8.1): invalid; expected 0xFFAF\n"},
		// UDP over IPv4 whose sum comes to 0: sent as 0xFFFF (RFC 768), and
		// a zero field is no checksum at all (tshark: "Not present").
		{name: "udp over ipv4, no checksum", args: []string{"--verify", "4500001e00010000401160320a4d01010a4d05029c40829a000a0000c662"},
			want: "verify:\n  checksum field at offset 6 of the message: 0x0000: no checksum was sent (RFC 768), none to verify; it would be 0xFFFF\n"},
		{name: "udp over ipv4, its other zero", args: []string{"--verify", "4500001e00010000401160320a4d01010a4d05029c40829a000affffc662"},
			want: "verify:\n  the one's complement sum is 0xFFFF (checksum 0x0000): valid\n  checksum field at offset 6 of the message: 0xFFFF\n"},
		// A whole IPv4 packet carrying ICMP, its header checksum right and
		// its ICMP checksum zeroed: the header checksum covers the header
		// alone (tshark: 0x9a45 correct).
		{name: "whole ipv4 icmp packet", args: []string{"--verify", "4500001c0300000003019a450a4d01010a4d05020800000012340300"},
			want: "verify:\n  the one's complement sum is 0xFFFF (checksum 0x0000): valid\n  checksum field at offset 10: 0x9A45\n"},
		// A fragment past the first carries no UDP header: its IPv4
		// header is what there is to check (tshark: "Fragmented IP").
		{name: "ipv4 fragment", args: []string{"--verify", "4500002400070002401166be0a0000010a000002404142434445464748494a4b4c4d4e4f"},
			want: "verify:\n  the one's complement sum is 0xFFFF (checksum 0x0000): valid\n  checksum field at offset 10: 0x66BE\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runCLI(t, "", append([]string{"checksum"}, tt.args...)...)
			if strings.HasPrefix(tt.want, "verify") {
				if _, v, ok := strings.Cut(got, "\n\nverify"); !ok || "verify"+v != tt.want {
					t.Errorf("checksum %s verify section = %q, want %q\nwhole output:\n%s", strings.Join(tt.args, " "), "verify"+v, tt.want, got)
				}
			} else if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("checksum %s output mismatch (-want +got):\n%s", strings.Join(tt.args, " "), diff)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("checksum %s error: %v", strings.Join(tt.args, " "), err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr || !errors.Is(err, errChecksumInvalid) || exitCode(err) != 1):
				t.Errorf("checksum %s = %v (exit %d), want %q (exit 1)", strings.Join(tt.args, " "), err, exitCode(err), tt.wantErr)
			}
		})
	}
}

func TestChecksumUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "no data", args: []string{"checksum"}, want: "checksum needs data"},
		{name: "odd digits", args: []string{"checksum", "0x800"}, want: `hex "0x800": odd number of digits`},
		{name: "not hex", args: []string{"checksum", "08", "zz"}, want: `hex "zz": not hex digits`},
		{name: "file and args", args: []string{"checksum", "--file", "x", "08"}, want: "not both"},
		{name: "empty stdin", args: []string{"checksum", "--file", "-"}, want: "checksum needs data"},
		{name: "odd field offset", args: []string{"checksum", "--field-offset", "3", "08 00 00 00 12 34 00 01"}, want: "--field-offset 3: must be even"},
		{name: "field offset past data", args: []string{"checksum", "--field-offset", "8", "08 00 00 00 12 34 00 01"}, want: "--field-offset 8"},
		{name: "verify one byte", args: []string{"checksum", "--verify", "08"}, want: "--field-offset 2"},
		{name: "src without dst", args: []string{"checksum", "--src", "fd77:1::1", "80 00 00 00"}, want: "--src and --dst go together"},
		{name: "ipv4 pseudo-header for icmp", args: []string{"checksum", "--src", "10.77.1.1", "--dst", "10.77.5.2", "80 00 00 00"}, want: "--next-header 58: over IPv4 only UDP (17) and TCP (6) checksums cover a pseudo-header"},
		{name: "next header alone", args: []string{"checksum", "--next-header", "17", "80 00 00 00"}, want: "--next-header needs --src and --dst"},
		{name: "pseudo field offset past message", args: []string{"checksum", "--src", "fd77:1::1", "--dst", "fd77:5::2", "--field-offset", "4", "80 00 00 00"}, want: "--field-offset 4: must be even and leave 2 bytes of the 4-byte data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCLI(t, "", tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != 2 {
				t.Errorf("%s = %v (exit %d), want usage error (exit 2) containing %q\n%s", strings.Join(tt.args, " "), err, exitCode(err), tt.want, out)
			}
		})
	}
}

func TestChecksumMissingFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "missing.bin")
	_, err := runCLI(t, "", "checksum", "--file", file)
	if err == nil || !strings.Contains(err.Error(), "missing.bin") || exitCode(err) != 1 {
		t.Errorf("checksum --file %s = %v (exit %d), want an error naming the file, exit 1", file, err, exitCode(err))
	}
}

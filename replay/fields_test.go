package replay_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/replay"
	"github.com/tracers/tracers/report"
)

// updateFields rewrites testdata/fields: the crafted captures, and what
// tshark prints for every capture of testdata (it needs tshark).
var updateFields = flag.Bool("update", false, "rewrite testdata/fields (crafted captures and stored tshark output)")

const (
	fieldsDir = "../testdata/fields"
	// tsharkDir holds `tshark -T fields` output for every capture of
	// testdata, one file per capture, named after it.
	tsharkDir = "../testdata/fields/tshark"
)

// ipv6Fields are the IPv6 and ICMPv6 fields of issue 12; each must print
// byte for byte what tshark prints, alone as well as with the others.
var ipv6Fields = []string{
	"ipv6.src", "ipv6.dst", "ipv6.hlim", "ipv6.plen", "ipv6.nxt", "ipv6.flow",
	"icmpv6.type", "icmpv6.code", "icmpv6.echo.identifier", "icmpv6.echo.sequence_number",
}

// allCaptures lists every capture of testdata the fields view must print as
// tshark does: the lab's (testdata/captures) and the crafted ones
// (testdata/fields), whatever new ones appear there.
func allCaptures(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{capturesDir, fieldsDir} {
		for _, pat := range []string{"*.pcap", "*.pcapng"} {
			m, err := filepath.Glob(filepath.Join(dir, pat))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, m...)
		}
	}
	if len(files) < 20 {
		t.Fatalf("found %d captures in %s and %s, want the whole set", len(files), capturesDir, fieldsDir)
	}
	slices.Sort(files)
	return files
}

// storedName is where the tshark output of capture file is kept.
func storedName(file string) string {
	return filepath.Join(tsharkDir, filepath.Base(filepath.Dir(file))+"-"+filepath.Base(file)+".txt")
}

// TestFieldsCraftedCaptures checks that testdata/fields holds exactly what
// craftedCaptures builds (so the stored captures can be regenerated), and
// rewrites them with -update.
func TestFieldsCraftedCaptures(t *testing.T) {
	for _, c := range craftedCaptures(t) {
		var b bytes.Buffer
		writeCapture(t, &b, c)
		file := filepath.Join(fieldsDir, c.name+".pcap")
		if *updateFields {
			if err := os.MkdirAll(fieldsDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		stored, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (go test ./replay -run TestFields -update writes it)", err)
		}
		if !bytes.Equal(stored, b.Bytes()) {
			t.Errorf("%s differs from what the test builds (go test ./replay -run TestFields -update rewrites it)", file)
		}
	}
}

// TestFieldsStored compares the fields view of every capture with what
// tshark printed for it, as stored in testdata/fields/tshark (the short
// suite's check; the full suite asks the real tshark in
// TestPacketsFieldsMatchTshark).
func TestFieldsStored(t *testing.T) {
	if *updateFields {
		needTshark(t)
		if err := os.MkdirAll(tsharkDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, file := range allCaptures(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			name := storedName(file)
			if *updateFields {
				fields := report.FieldNames()
				out := "#fields " + strings.Join(fields, " ") + "\n" + tsharkFields(t, file, fields)
				if err := os.WriteFile(name, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			stored, err := os.ReadFile(name)
			if errors.Is(err, fs.ErrNotExist) {
				// A capture newer than the stored output: ask tshark itself.
				if _, lerr := exec.LookPath("tshark"); lerr != nil {
					t.Fatalf("%v, and no tshark to ask (go test ./replay -run TestFieldsStored -update stores its output)", err)
				}
				t.Logf("%v: comparing with tshark itself (go test ./replay -run TestFieldsStored -update stores its output)", err)
				fields := report.FieldNames()
				stored = []byte("#fields " + strings.Join(fields, " ") + "\n" + tsharkFields(t, file, fields))
			} else if err != nil {
				t.Fatal(err)
			}
			head, want, ok := strings.Cut(string(stored), "\n")
			if !ok || !strings.HasPrefix(head, "#fields ") {
				t.Fatalf("%s does not start with a #fields line", name)
			}
			fields := strings.Fields(strings.TrimPrefix(head, "#fields "))
			got := packets(t, replay.PacketOptions{File: file, Format: "fields", Fields: fields})
			compareLines(t, "stored tshark output", got, want)
		})
	}
}

// crafted is a capture the fields tests build: packets of one link type.
type crafted struct {
	name string
	link layers.LinkType
	pkts [][]byte
	caps []int // capture length of each packet; 0: whole
}

func (c *crafted) add(b []byte) { c.pkts, c.caps = append(c.pkts, b), append(c.caps, 0) }

func (c *crafted) addCut(b []byte, n int) { c.pkts, c.caps = append(c.pkts, b), append(c.caps, n) }

func writeCapture(t *testing.T, w *bytes.Buffer, c crafted) {
	t.Helper()
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65536, c.link); err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1800000000, 0)
	for i, b := range c.pkts {
		n := c.caps[i]
		if n == 0 || n > len(b) {
			n = len(b)
		}
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * 250 * time.Microsecond), CaptureLength: n, Length: len(b)}
		if err := pw.WritePacket(ci, b[:n]); err != nil {
			t.Fatal(err)
		}
	}
}

// Addresses of the crafted IPv6 path: source, two routers, destination.
var (
	v6src  = net.ParseIP("fd77:1::1")
	v6r1   = net.ParseIP("fd77:1::2")
	v6r2   = net.ParseIP("fd77:2::2")
	v6dst  = net.ParseIP("fd77:5::2")
	v4src  = net.IPv4(10, 77, 1, 1)
	v4r1   = net.IPv4(10, 77, 1, 2)
	v4dst  = net.IPv4(10, 77, 5, 2)
	macSrc = net.HardwareAddr{2, 0, 0, 0, 0, 1}
	macDst = net.HardwareAddr{2, 0, 0, 0, 0, 2}
)

// serialize builds ls with gopacket, lengths and checksums filled in.
func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	for _, l := range ls {
		if ip, ok := l.(*layers.IPv6); ok {
			for _, m := range ls {
				switch m := m.(type) {
				case *layers.ICMPv6:
					_ = m.SetNetworkLayerForChecksum(ip)
				case *layers.UDP:
					_ = m.SetNetworkLayerForChecksum(ip)
				}
			}
		}
		if ip, ok := l.(*layers.IPv4); ok {
			for _, m := range ls {
				if u, ok := m.(*layers.UDP); ok {
					_ = u.SetNetworkLayerForChecksum(ip)
				}
			}
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatalf("serialize: %v", err)
	}
	return slices.Clone(buf.Bytes())
}

func ip6(src, dst net.IP, hlim uint8, flow uint32, next layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, FlowLabel: flow, HopLimit: hlim, NextHeader: next, SrcIP: src, DstIP: dst}
}

func icmp6(typ, code uint8) *layers.ICMPv6 {
	return &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, code)}
}

// echo6 is an ICMPv6 Echo Request (or Reply) as an IP packet.
func echo6(t *testing.T, src, dst net.IP, hlim uint8, flow uint32, typ uint8, id, seq uint16) []byte {
	return serialize(t, ip6(src, dst, hlim, flow, layers.IPProtocolICMPv6), icmp6(typ, 0),
		&layers.ICMPv6Echo{Identifier: id, SeqNumber: seq}, gopacket.Payload(bytes.Repeat([]byte{0x42}, 24)))
}

// udp6 is a UDP probe as an IPv6 packet.
func udp6(t *testing.T, hlim uint8, sport, dport uint16) []byte {
	return serialize(t, ip6(v6src, v6dst, hlim, 0, layers.IPProtocolUDP),
		&layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}, gopacket.Payload(make([]byte, 16)))
}

// error6 is an ICMPv6 error from `from` quoting pkt (RFC 4443: 4 bytes
// after type, code and checksum, then as much of the packet as fits).
func error6(t *testing.T, from net.IP, typ, code uint8, rest uint32, pkt []byte) []byte {
	body := make([]byte, 4+len(pkt))
	body[0], body[1], body[2], body[3] = byte(rest>>24), byte(rest>>16), byte(rest>>8), byte(rest)
	copy(body[4:], pkt)
	return serialize(t, ip6(from, v6src, 64, 0, layers.IPProtocolICMPv6), icmp6(typ, code), gopacket.Payload(body))
}

// echo4 is an ICMP Echo Request as an IPv4 packet.
func echo4(t *testing.T, ttl uint8, id, seq uint16) []byte {
	return serialize(t, &layers.IPv4{Version: 4, IHL: 5, TTL: ttl, Id: 0x1000 + uint16(ttl), Protocol: layers.IPProtocolICMPv4, SrcIP: v4src, DstIP: v4dst},
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: id, Seq: seq}, gopacket.Payload(make([]byte, 16)))
}

func ether(t *testing.T, et layers.EthernetType, pkt []byte) []byte {
	return serialize(t, &layers.Ethernet{SrcMAC: macSrc, DstMAC: macDst, EthernetType: et}, gopacket.Payload(pkt))
}

// ext is an IPv6 extension header (RFC 8200 4.3-4.6) of next header nh,
// padded to n*8 bytes with options or zeros.
func ext(nh layers.IPProtocol, n int, body ...byte) []byte {
	b := make([]byte, n*8)
	b[0], b[1] = byte(nh), byte(n-1)
	copy(b[2:], body)
	return b
}

// withExt builds an IPv6 packet whose header is followed by extension
// headers hdrs (outermost first, their next-header bytes already set) and
// then the transport bytes of tp; first is the IPv6 next header.
func withExt(t *testing.T, src, dst net.IP, hlim uint8, first layers.IPProtocol, tp []byte, hdrs ...[]byte) []byte {
	payload := slices.Concat(append(hdrs, tp)...)
	return serialize(t, ip6(src, dst, hlim, 0x54321, first), gopacket.Payload(payload))
}

// craftedCaptures builds the captures of testdata/fields: IPv6 traces
// (ICMPv6 echo and UDP probes, the errors quoting them, extension headers,
// cut by every snaplen) and the link layers real captures come in (802.1Q,
// QinQ, MPLS, PPP, PPP in HDLC framing, Cisco HDLC), each with IPv4 and
// IPv6.
func craftedCaptures(t *testing.T) []crafted {
	var c6 crafted
	c6.name, c6.link = "ipv6-icmp", layers.LinkTypeEthernet
	e := func(pkt []byte) []byte { return ether(t, layers.EthernetTypeIPv6, pkt) }
	for ttl := uint8(1); ttl <= 3; ttl++ {
		probe := echo6(t, v6src, v6dst, ttl, 0x12345, layers.ICMPv6TypeEchoRequest, 0x1234, uint16(ttl))
		c6.add(e(probe))
		switch ttl {
		case 1:
			c6.add(e(error6(t, v6r1, layers.ICMPv6TypeTimeExceeded, 0, 0, probe)))
		case 2:
			c6.add(e(error6(t, v6r2, layers.ICMPv6TypeTimeExceeded, 0, 0, probe)))
		case 3:
			c6.add(e(echo6(t, v6dst, v6src, 62, 0xabcde, layers.ICMPv6TypeEchoReply, 0x1234, 3)))
		}
	}
	// Destination Unreachable with each code, Packet Too Big, Parameter Problem.
	probe := echo6(t, v6src, v6dst, 9, 0, layers.ICMPv6TypeEchoRequest, 0xbeef, 0xfffe)
	for code := uint8(0); code <= 7; code++ {
		c6.add(e(error6(t, v6r2, layers.ICMPv6TypeDestinationUnreachable, code, 0, probe)))
	}
	c6.add(e(error6(t, v6r2, layers.ICMPv6TypePacketTooBig, 0, 1280, probe)))
	c6.add(e(error6(t, v6r2, layers.ICMPv6TypeParameterProblem, 1, 6, probe)))
	// Errors quoting 8 bytes of the transport header, 4, none, a cut IPv6 header.
	for _, n := range []int{48, 44, 40, 24} {
		c6.add(e(error6(t, v6r1, layers.ICMPv6TypeTimeExceeded, 0, 0, probe[:n])))
	}
	// Every snaplen through a Time Exceeded and the Echo Request it quotes.
	full := e(error6(t, v6r1, layers.ICMPv6TypeTimeExceeded, 0, 0, probe[:56]))
	for n := 14; n <= len(full); n++ {
		c6.addCut(full, n)
	}
	// Neighbour discovery, and address forms: IPv4-mapped, IPv4-compatible,
	// a lone zero group, two runs of zeros, loopback, unspecified.
	c6.add(e(serialize(t, ip6(net.ParseIP("fe80::1"), net.ParseIP("ff02::1:ff00:2"), 255, 0, layers.IPProtocolICMPv6),
		icmp6(layers.ICMPv6TypeNeighborSolicitation, 0), &layers.ICMPv6NeighborSolicitation{TargetAddress: net.ParseIP("fe80::2")})))
	for _, p := range [][2]string{
		{"::ffff:10.1.2.3", "::10.1.2.3"},
		{"2001:db8:0:1:1:1:1:1", "2001:db8::1:0:0:1"},
		{"2001:0:0:1::1", "::1"},
		{"::", "64:ff9b::a01:203"},
		{"::1:0:0:0", "1::"},
		{"::0.1.0.0", "::0.0.1.2"},
		{"::ffff:0:0", "::ffff:0.0.1.2"},
	} {
		c6.add(e(echo6(t, net.ParseIP(p[0]), net.ParseIP(p[1]), 64, 0xfffff, layers.ICMPv6TypeEchoRequest, 7, 8)))
	}

	var cu crafted
	cu.name, cu.link = "ipv6-udp", layers.LinkTypeEthernet
	for ttl := uint8(1); ttl <= 2; ttl++ {
		p := udp6(t, ttl, 40000+uint16(ttl), 33433+uint16(ttl))
		cu.add(e(p))
		cu.add(e(error6(t, v6r1, layers.ICMPv6TypeTimeExceeded, 0, 0, p)))
	}
	p := udp6(t, 3, 40003, 33436)
	cu.add(e(p))
	cu.add(e(error6(t, v6dst, layers.ICMPv6TypeDestinationUnreachable, 4, 0, p)))

	// Extension headers: hop-by-hop (a router alert and padding), destination
	// options, routing, atomic, first and later fragments, as probes and
	// quoted.
	var cx crafted
	cx.name, cx.link = "ipv6-ext", layers.LinkTypeEthernet
	echoBody := func(id, seq uint16) []byte {
		ic := icmp6(layers.ICMPv6TypeEchoRequest, 0)
		_ = ic.SetNetworkLayerForChecksum(ip6(v6src, v6dst, 0, 0, layers.IPProtocolICMPv6))
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, ic, &layers.ICMPv6Echo{Identifier: id, SeqNumber: seq}, gopacket.Payload(make([]byte, 8))); err != nil {
			t.Fatal(err)
		}
		return slices.Clone(buf.Bytes())
	}
	udpBody := []byte{0x9c, 0x41, 0x82, 0x9b, 0, 16, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}
	hbh := ext(layers.IPProtocolIPv6Destination, 1, 5, 2, 0, 0, 1, 0) // router alert, PadN
	dst := ext(layers.IPProtocolICMPv6, 1, 1, 4)                      // PadN
	rt := ext(layers.IPProtocolUDP, 3, 4, 0)                          // type 4 (SRH), 1 segment
	exts := [][]byte{
		withExt(t, v6src, v6dst, 1, layers.IPProtocolIPv6HopByHop, echoBody(0x77, 1), hbh, dst),
		withExt(t, v6src, v6dst, 2, layers.IPProtocolIPv6Destination, echoBody(0x77, 2), dst),
		withExt(t, v6src, v6dst, 3, layers.IPProtocolIPv6Routing, udpBody, rt),
		withExt(t, v6src, v6dst, 4, layers.IPProtocolIPv6Fragment, echoBody(0x77, 4), []byte{58, 0, 0, 0, 0, 0, 0, 9}),     // atomic
		withExt(t, v6src, v6dst, 5, layers.IPProtocolIPv6Fragment, echoBody(0x77, 5), []byte{58, 0, 0, 1, 0, 0, 0, 10}),    // first of several
		withExt(t, v6src, v6dst, 6, layers.IPProtocolIPv6Fragment, echoBody(0x77, 6), []byte{58, 0, 0, 0x10, 0, 0, 0, 11}), // offset 16, last
		withExt(t, v6src, v6dst, 7, layers.IPProtocolNoNextHeader, nil),
		withExt(t, v6src, v6dst, 8, layers.IPProtocolIPv6HopByHop, echoBody(0x77, 8), ext(layers.IPProtocolICMPv6, 2)),
		withExt(t, v6src, v6dst, 9, layers.IPProtocolAH, echoBody(0x77, 9), []byte{58, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
	}
	for _, x := range exts {
		cx.add(e(x))
		cx.add(e(error6(t, v6r1, layers.ICMPv6TypeTimeExceeded, 0, 0, x)))
	}
	// A hop-by-hop header cut short, and one whose length runs past the packet.
	cx.add(e(withExt(t, v6src, v6dst, 9, layers.IPProtocolIPv6HopByHop, nil, []byte{58})))
	cx.add(e(withExt(t, v6src, v6dst, 9, layers.IPProtocolIPv6HopByHop, nil, ext(layers.IPProtocolICMPv6, 1)[:6])))
	cx.add(e(withExt(t, v6src, v6dst, 9, layers.IPProtocolIPv6HopByHop, echoBody(1, 1)[:4], []byte{58, 3, 0, 0, 0, 0, 0, 0})))
	// IPv6 in IPv6, IPv4 in IPv6, and an IPv4 packet quoting IPv6 cannot be.
	cx.add(e(serialize(t, ip6(v6r1, v6r2, 64, 1, layers.IPProtocolIPv6), gopacket.Payload(exts[0]))))
	cx.add(e(serialize(t, ip6(v6r1, v6r2, 64, 1, layers.IPProtocolIPv4), gopacket.Payload(echo4(t, 3, 5, 6)))))

	// Link layers: 802.1Q, QinQ, MPLS (one label, two, explicit nulls) on
	// Ethernet.
	var cl crafted
	cl.name, cl.link = "links-ethernet", layers.LinkTypeEthernet
	e4 := echo4(t, 2, 0x4242, 7)
	e6 := echo6(t, v6src, v6dst, 2, 0x100, layers.ICMPv6TypeEchoRequest, 0x4242, 7)
	te6 := error6(t, v6r1, layers.ICMPv6TypeTimeExceeded, 0, 0, e6)
	vlan := func(et layers.EthernetType, id uint16, pkt []byte) []byte {
		return serialize(t, &layers.Ethernet{SrcMAC: macSrc, DstMAC: macDst, EthernetType: layers.EthernetTypeDot1Q},
			&layers.Dot1Q{VLANIdentifier: id, Type: et}, gopacket.Payload(pkt))
	}
	mpls := func(pkt []byte, labels ...uint32) []byte {
		ls := []gopacket.SerializableLayer{&layers.Ethernet{SrcMAC: macSrc, DstMAC: macDst, EthernetType: layers.EthernetTypeMPLSUnicast}}
		for i, l := range labels {
			ls = append(ls, &layers.MPLS{Label: l, TTL: 60, StackBottom: i == len(labels)-1})
		}
		return serialize(t, append(ls, gopacket.Payload(pkt))...)
	}
	for _, pkt := range [][]byte{e4, e6, te6} {
		et := layers.EthernetTypeIPv6
		if pkt[0]>>4 == 4 {
			et = layers.EthernetTypeIPv4
		}
		cl.add(vlan(et, 5, pkt))
		cl.add(serialize(t, &layers.Ethernet{SrcMAC: macSrc, DstMAC: macDst, EthernetType: layers.EthernetTypeQinQ},
			&layers.Dot1Q{VLANIdentifier: 100, Type: layers.EthernetTypeDot1Q}, &layers.Dot1Q{VLANIdentifier: 5, Type: et}, gopacket.Payload(pkt)))
		cl.add(mpls(pkt, 16001))
		cl.add(mpls(pkt, 16001, 24005))
	}
	cl.add(mpls(e4, 0))
	cl.add(mpls(e6, 2))
	cl.add(mpls(e6, 0))
	cl.add(mpls(e4, 2))
	cl.add(mpls(append([]byte{0, 0, 0, 0}, e4...), 16001)) // a pseudowire control word
	cl.add(vlan(layers.EthernetTypeMPLSUnicast, 7, mpls(e6, 300)[14:]))
	cl.add(mpls(e6, 16001)[:20]) // a label stack cut short

	// PPP (link type 9): with and without the HDLC address and control
	// bytes, a compressed protocol field, MPLS over PPP.
	var cp crafted
	cp.name, cp.link = "links-ppp", layers.LinkTypePPP
	ppp := func(hdr []byte, pkt []byte) []byte { return append(slices.Clone(hdr), pkt...) }
	for _, pkt := range [][]byte{e4, e6, te6} {
		proto := byte(0x57)
		if pkt[0]>>4 == 4 {
			proto = 0x21
		}
		cp.add(ppp([]byte{0xff, 0x03, 0x00, proto}, pkt))
		cp.add(ppp([]byte{0x00, proto}, pkt))
		cp.add(ppp([]byte{proto}, pkt))
	}
	cp.add(ppp([]byte{0xff, 0x03, 0x02, 0x81}, mpls(e6, 16001)[14:]))
	cp.add(ppp([]byte{0xc0, 0x21}, []byte{1, 1, 0, 4})) // LCP
	cp.add(ppp([]byte{0x0f, 0x00, 0x86, 0xdd}, e6))     // Cisco HDLC

	// PPP in HDLC-like framing (link type 50), and Cisco HDLC in the same
	// link type.
	var ch crafted
	ch.name, ch.link = "links-ppp-hdlc", layers.LinkTypePPP_HDLC
	for _, pkt := range [][]byte{e4, e6, te6} {
		proto, et := byte(0x57), []byte{0x86, 0xdd}
		if pkt[0]>>4 == 4 {
			proto, et = 0x21, []byte{0x08, 0x00}
		}
		ch.add(ppp([]byte{0xff, 0x03, 0x00, proto}, pkt))
		ch.add(ppp(append([]byte{0x0f, 0x00}, et...), pkt))
		ch.add(ppp(append([]byte{0x8f, 0x00}, et...), pkt))
	}

	// IPv6 on Linux cooked captures (v1 and v2) with a VLAN protocol, and raw IP.
	var cs crafted
	cs.name, cs.link = "links-sll", layers.LinkTypeLinuxSLL
	sll := func(proto []byte, pkt []byte) []byte {
		return append([]byte{0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, proto[0], proto[1]}, pkt...)
	}
	cs.add(sll([]byte{0x86, 0xdd}, e6))
	cs.add(sll([]byte{0x86, 0xdd}, te6))
	cs.add(sll([]byte{0x81, 0x00}, append([]byte{0, 5, 0x86, 0xdd}, te6...)))
	cs.add(sll([]byte{0x88, 0x47}, mpls(te6, 16001)[14:]))
	var cc crafted
	cc.name, cc.link = "links-chdlc", layers.LinkTypeC_HDLC
	cc.add(ppp([]byte{0x0f, 0x00, 0x86, 0xdd}, te6))
	cc.add(ppp([]byte{0x8f, 0x00, 0x08, 0x00}, e4))
	cc.add(ppp([]byte{0x0f, 0x00, 0x88, 0x47}, mpls(e6, 16001)[14:]))
	var cr crafted
	cr.name, cr.link = "links-raw", layers.LinkTypeRaw
	cr.add(e6)
	cr.add(te6)
	cr.add(e4)

	return []crafted{c6, cu, cx, cl, cp, ch, cc, cs, cr}
}

// TestCraftedCapturesDiffer guards the generator: each capture holds
// distinct packets (a mistake that repeats one packet would test little).
func TestCraftedCapturesDiffer(t *testing.T) {
	for _, c := range craftedCaptures(t) {
		seen := map[string]int{}
		for i, b := range c.pkts {
			k := fmt.Sprintf("%x/%d", b, c.caps[i])
			if j, ok := seen[k]; ok {
				t.Errorf("%s: packet %d repeats packet %d", c.name, i+1, j+1)
			}
			seen[k] = i
		}
	}
}

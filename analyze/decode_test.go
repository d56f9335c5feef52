package analyze_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// Identities of the sample probes.
const (
	echoIPID, echoID, echoSeq   = 0x1001, 0x4242, 3
	udpIPID, udpSport, udpDport = 0x1002, 40001, 33437
	tcpIPID, tcpSport, tcpDport = 0x1003, 40002, 443
	tcpISN                      = 0x01020304
	tcpServerISN                = 0x0a0b0c0d
)

type sample struct {
	name string
	ip   []byte // an IPv4 packet, no link-layer header
	want analyze.Info
}

// samples are the packets a traceroute sees, with what Decode must find in them.
func samples(tb testing.TB) []sample {
	echo := echoRequest(tb, srcAddr, dstAddr, 3, echoIPID, echoID, echoSeq)
	udp := udpProbe(tb, srcAddr, dstAddr, 2, udpIPID, udpSport, udpDport)
	syn := tcpSegment(tb, srcAddr, dstAddr, 4, tcpIPID, tcpSport, tcpDport, tcpISN, 0, true, false, false)
	withOpts := serialize(tb,
		&layers.IPv4{
			Version: 4, TTL: 5, Id: 0x1004, Protocol: layers.IPProtocolICMPv4,
			SrcIP: srcAddr.AsSlice(), DstIP: dstAddr.AsSlice(),
			Options: []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0}}, // NOP NOP NOP EOL: IHL 6
		},
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: echoID, Seq: 9})
	if withOpts[0] != 0x46 {
		tb.Fatalf("probe with options: version/IHL = %#x, want 0x46", withOpts[0])
	}
	return []sample{
		{"echo request", echo, analyze.Info{
			Src: srcAddr, Dst: dstAddr, TTL: 3, IPID: echoIPID, Proto: layers.IPProtocolICMPv4, Length: 20 + 8 + 8,
			Type: layers.ICMPv4TypeEchoRequest, ID: echoID, Seq: echoSeq,
		}},
		{"echo reply", echoReply(tb, dstAddr, srcAddr, 61, 0x7777, echoID, echoSeq), analyze.Info{
			Src: dstAddr, Dst: srcAddr, TTL: 61, IPID: 0x7777, Proto: layers.IPProtocolICMPv4, Length: 20 + 8 + 8,
			Type: layers.ICMPv4TypeEchoReply, ID: echoID, Seq: echoSeq,
		}},
		{"time exceeded quoting echo", icmpError(tb, hop1, srcAddr, 254, 0x2002, layers.ICMPv4TypeTimeExceeded, 0, echo, 1), analyze.Info{
			Src: hop1, Dst: srcAddr, TTL: 254, IPID: 0x2002, Proto: layers.IPProtocolICMPv4, Length: 20 + 8 + 28,
			Type: layers.ICMPv4TypeTimeExceeded,
			Quote: analyze.Quoted{
				OK: true, Src: srcAddr, Dst: dstAddr, TTL: 1, IPID: echoIPID, Proto: layers.IPProtocolICMPv4,
				Length: 20 + 8 + 8, HasChecksum: true,
				Type: layers.ICMPv4TypeEchoRequest, ID: echoID, Seq: echoSeq,
			},
		}},
		{"time exceeded quoting header with options", icmpError(tb, hop2, srcAddr, 253, 0x2003, layers.ICMPv4TypeTimeExceeded, 0, withOpts, 0), analyze.Info{
			Src: hop2, Dst: srcAddr, TTL: 253, IPID: 0x2003, Proto: layers.IPProtocolICMPv4, Length: 20 + 8 + 24 + 8,
			Type: layers.ICMPv4TypeTimeExceeded,
			Quote: analyze.Quoted{
				OK: true, Src: srcAddr, Dst: dstAddr, TTL: 0, IPID: 0x1004, Proto: layers.IPProtocolICMPv4,
				Length: 24 + 8, HasChecksum: true,
				Type: layers.ICMPv4TypeEchoRequest, ID: echoID, Seq: 9,
			},
		}},
		{"udp probe", udp, analyze.Info{
			Src: srcAddr, Dst: dstAddr, TTL: 2, IPID: udpIPID, Proto: layers.IPProtocolUDP, Length: 20 + 8 + 12,
			SrcPort: udpSport, DstPort: udpDport,
		}},
		{"time exceeded quoting udp", icmpError(tb, hop2, srcAddr, 253, 0x2004, layers.ICMPv4TypeTimeExceeded, 0, udp, 1), analyze.Info{
			Src: hop2, Dst: srcAddr, TTL: 253, IPID: 0x2004, Proto: layers.IPProtocolICMPv4, Length: 20 + 8 + 28,
			Type: layers.ICMPv4TypeTimeExceeded,
			Quote: analyze.Quoted{
				OK: true, Src: srcAddr, Dst: dstAddr, TTL: 1, IPID: udpIPID, Proto: layers.IPProtocolUDP,
				Length: 20 + 8 + 12, HasChecksum: true,
				SrcPort: udpSport, DstPort: udpDport,
			},
		}},
		{"host unreachable (code 1)", icmpError(tb, hop3, srcAddr, 252, 0x2005, layers.ICMPv4TypeDestinationUnreachable, 1, udp, 1), analyze.Info{
			Src: hop3, Dst: srcAddr, TTL: 252, IPID: 0x2005, Proto: layers.IPProtocolICMPv4, Length: 20 + 8 + 28,
			Type: layers.ICMPv4TypeDestinationUnreachable, Code: 1,
			Quote: analyze.Quoted{
				OK: true, Src: srcAddr, Dst: dstAddr, TTL: 1, IPID: udpIPID, Proto: layers.IPProtocolUDP,
				Length: 20 + 8 + 12, HasChecksum: true,
				SrcPort: udpSport, DstPort: udpDport,
			},
		}},
		{"port unreachable (code 3)", icmpError(tb, dstAddr, srcAddr, 62, 0x2006, layers.ICMPv4TypeDestinationUnreachable, 3, udp, 2), analyze.Info{
			Src: dstAddr, Dst: srcAddr, TTL: 62, IPID: 0x2006, Proto: layers.IPProtocolICMPv4, Length: 20 + 8 + 28,
			Type: layers.ICMPv4TypeDestinationUnreachable, Code: 3,
			Quote: analyze.Quoted{
				OK: true, Src: srcAddr, Dst: dstAddr, TTL: 2, IPID: udpIPID, Proto: layers.IPProtocolUDP,
				Length: 20 + 8 + 12, HasChecksum: true,
				SrcPort: udpSport, DstPort: udpDport,
			},
		}},
		{"tcp syn", syn, analyze.Info{
			Src: srcAddr, Dst: dstAddr, TTL: 4, IPID: tcpIPID, Proto: layers.IPProtocolTCP, Length: 20 + 20,
			SrcPort: tcpSport, DstPort: tcpDport, TCPSeq: tcpISN, SYN: true,
		}},
		{"time exceeded quoting tcp syn", icmpError(tb, hop1, srcAddr, 254, 0x2007, layers.ICMPv4TypeTimeExceeded, 0, syn, 1), analyze.Info{
			Src: hop1, Dst: srcAddr, TTL: 254, IPID: 0x2007, Proto: layers.IPProtocolICMPv4, Length: 20 + 8 + 28,
			Type: layers.ICMPv4TypeTimeExceeded,
			Quote: analyze.Quoted{
				OK: true, Src: srcAddr, Dst: dstAddr, TTL: 1, IPID: tcpIPID, Proto: layers.IPProtocolTCP,
				Length:  20 + 20, // quoted up to the sequence number: no checksum
				SrcPort: tcpSport, DstPort: tcpDport, TCPSeq: tcpISN,
			},
		}},
		{"tcp syn-ack", tcpSegment(tb, dstAddr, srcAddr, 60, 0, tcpDport, tcpSport, tcpServerISN, tcpISN+1, true, true, false), analyze.Info{
			Src: dstAddr, Dst: srcAddr, TTL: 60, Proto: layers.IPProtocolTCP, Length: 20 + 20,
			SrcPort: tcpDport, DstPort: tcpSport, TCPSeq: tcpServerISN, TCPAck: tcpISN + 1, SYN: true, ACK: true,
		}},
		{"tcp rst", tcpSegment(tb, dstAddr, srcAddr, 60, 0, tcpDport, tcpSport, 0, tcpISN+1, false, true, true), analyze.Info{
			Src: dstAddr, Dst: srcAddr, TTL: 60, Proto: layers.IPProtocolTCP, Length: 20 + 20,
			SrcPort: tcpDport, DstPort: tcpSport, TCPAck: tcpISN + 1, ACK: true, RST: true,
		}},
	}
}

func TestDecode(t *testing.T) {
	d := analyze.NewDecoder()
	for _, l := range links {
		for _, s := range samples(t) {
			t.Run(l.name+"/"+s.name, func(t *testing.T) {
				checkDecode(t, d, s.name, l.lt, l.wrap(s.ip), s.want)
			})
		}
	}
}

// checkDecode decodes data, a packet of link type lt, and checks that
// Decode finds want in it.
func checkDecode(t *testing.T, d *analyze.Decoder, name string, lt layers.LinkType, data []byte, want analyze.Info) {
	t.Helper()
	var got analyze.Info
	if err := d.Decode(lt, data, &got); err != nil {
		t.Fatalf("Decode(%s) = %v, want nil", name, err)
	}
	if diff := cmp.Diff(want, got, cmpDecoded); diff != "" {
		t.Errorf("Decode(%s) mismatch (-want +got):\n%s", name, diff)
	}
}

// TestDecodeReuse checks that Decode resets Info: nothing of one packet
// leaks into the next.
func TestDecodeReuse(t *testing.T) {
	d := analyze.NewDecoder()
	eth := linkNamed(t, "ethernet")
	ss := samples(t)
	var inf analyze.Info
	for _, s := range ss {
		if err := d.Decode(eth.lt, eth.wrap(s.ip), &inf); err != nil {
			t.Fatalf("Decode(%s) = %v", s.name, err)
		}
	}
	last := ss[len(ss)-1]
	if diff := cmp.Diff(last.want, inf, cmpDecoded); diff != "" {
		t.Errorf("Decode(%s) after others mismatch (-want +got):\n%s", last.name, diff)
	}
	// A packet that fails leaves no transport fields behind either.
	if err := d.Decode(eth.lt, eth.wrap(ss[0].ip[:20]), &inf); err == nil {
		t.Fatalf("Decode(ipv4 header only) = nil, want an error")
	}
	if inf.SrcPort != 0 || inf.TCPAck != 0 || inf.RST || inf.Quote.OK {
		t.Errorf("Decode(ipv4 header only) kept fields of the previous packet: %+v", inf)
	}
}

func TestDecodeErrors(t *testing.T) {
	tb := t
	echo := echoRequest(tb, srcAddr, dstAddr, 3, echoIPID, echoID, echoSeq)
	udp := udpProbe(tb, srcAddr, dstAddr, 2, udpIPID, udpSport, udpDport)
	syn := tcpSegment(tb, srcAddr, dstAddr, 4, tcpIPID, tcpSport, tcpDport, tcpISN, 0, true, false, false)
	eth := linkNamed(t, "ethernet")
	frag := append([]byte(nil), echo...)
	frag[6], frag[7] = 0x00, 0x10 // fragment offset 16 (128 bytes)
	arp := []byte{
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // destination MAC: broadcast
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // source MAC
		0x08, 0x06, // EtherType: ARP
		0x00, 0x01, // hardware type: Ethernet
		0x08, 0x00, // protocol type: IPv4
		0x06, 0x04, // hardware and protocol address lengths
		0x00, 0x01, // operation: request
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 192, 0, 2, 1, // sender
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 192, 0, 2, 254, // target
	}
	sll2ARP := append([]byte{
		0x08, 0x06, // protocol: ARP
		0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x06,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	}, arp[14:]...)
	sllBadAddrLen := append([]byte{
		0x00, 0x00, // packet type
		0x00, 0x01, // ARPHRD_ETHER
		0xff, 0xff, // link-layer address length: absurd
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x08, 0x00,
	}, echo...)
	garbage := []byte("\xde\xad\xbe\xef this is not a packet at all \x00\xff\x45\x00")

	tests := []decodeErrCase{
		{"ipv4 header only (small snaplen)", eth.lt, eth.wrap(echo[:20]), analyze.ErrShortPayload},
		{"icmp header cut", eth.lt, eth.wrap(echo[:24]), analyze.ErrShortPayload},
		{"udp header cut", layers.LinkTypeRaw, udp[:26], analyze.ErrShortPayload},
		{"tcp header cut", layers.LinkTypeRaw, syn[:30], analyze.ErrShortPayload},
		{"ipv4 header cut", eth.lt, eth.wrap(echo[:12]), nil},
		{"non-first fragment", eth.lt, eth.wrap(frag), analyze.ErrFragment},
		{"arp", layers.LinkTypeEthernet, arp, analyze.ErrNoIPv4},
		{"arp in sll2", analyze.LinkTypeLinuxSLL2, sll2ARP, analyze.ErrNoIPv4},
		{"sll2 header cut", analyze.LinkTypeLinuxSLL2, sll2ARP[:12], analyze.ErrShortLink},
		{"sll absurd address length", layers.LinkTypeLinuxSLL, sllBadAddrLen, nil},
		{"unknown link type", layers.LinkType(200), eth.wrap(echo), analyze.ErrUnknownLink},
	}
	for _, l := range links {
		tests = append(tests,
			decodeErrCase{"garbage/" + l.name, l.lt, garbage, nil},
			decodeErrCase{"empty/" + l.name, l.lt, nil, nil},
			decodeErrCase{"link header only/" + l.name, l.lt, l.wrap(nil), nil},
		)
	}
	runDecodeErrors(t, tests)
}

// decodeErrCase is a frame b of link type lt that Decode must refuse with
// want (nil: any error).
type decodeErrCase struct {
	name string
	lt   layers.LinkType
	b    []byte
	want error
}

// runDecodeErrors checks each case in a subtest with one Decoder.
func runDecodeErrors(t *testing.T, tests []decodeErrCase) {
	t.Helper()
	d := analyze.NewDecoder()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inf analyze.Info
			err := d.Decode(tt.lt, tt.b, &inf)
			if err == nil {
				t.Fatalf("Decode(%s) = nil, want an error (got %+v)", tt.name, inf)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Decode(%s) = %v, want %v", tt.name, err, tt.want)
			}
		})
	}
}

// TestDecodeTruncatedKeepsIP checks that a packet cut after its IPv4 header
// still reports what that header says, along with the error.
func TestDecodeTruncatedKeepsIP(t *testing.T) {
	echo := echoRequest(t, srcAddr, dstAddr, 3, echoIPID, echoID, echoSeq)
	eth := linkNamed(t, "ethernet")
	var got analyze.Info
	err := analyze.NewDecoder().Decode(eth.lt, eth.wrap(echo[:20]), &got)
	if !errors.Is(err, analyze.ErrShortPayload) {
		t.Fatalf("Decode(ipv4 header only) = %v, want %v", err, analyze.ErrShortPayload)
	}
	want := analyze.Info{Src: srcAddr, Dst: dstAddr, TTL: 3, IPID: echoIPID, Proto: layers.IPProtocolICMPv4, Length: 36}
	if diff := cmp.Diff(want, got, cmpDecoded); diff != "" {
		t.Errorf("Decode(ipv4 header only) mismatch (-want +got):\n%s", diff)
	}
}

// TestDecodeTCPCutInOptions: a capture's snaplen (tcpdump -s 64) cuts a
// SYN in its 20 bytes of options, which gopacket refuses; the fixed
// header is whole, and Decode reads the probe from it, over IPv4 and
// IPv6. Cut inside the fixed header, the packet is still short.
func TestDecodeTCPCutInOptions(t *testing.T) {
	opts := []layers.TCPOption{
		{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}},
		{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
		{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: make([]byte, 8)},
		{OptionType: layers.TCPOptionKindNop},
		{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
	}
	syn := func(ip gopacket.NetworkLayer, ipl gopacket.SerializableLayer) []byte {
		tcp := &layers.TCP{SrcPort: 40000, DstPort: 443, Seq: 7, SYN: true, Window: 64240, Options: opts}
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		return serialize(t, ipl, tcp)
	}
	ip := ip4(srcAddr, dstAddr, 3, 0x77, layers.IPProtocolTCP)
	ip6h := &layers.IPv6{Version: 6, HopLimit: 3, NextHeader: layers.IPProtocolTCP, SrcIP: src6.AsSlice(), DstIP: dst6.AsSlice()}
	for _, tt := range []struct {
		name string
		pkt  []byte
		hdr  int
	}{
		{"ipv4", syn(ip, ip), 20},
		{"ipv6", syn(ip6h, ip6h), 40},
	} {
		pkt := tt.pkt
		if len(pkt) != tt.hdr+40 {
			t.Fatalf("%s: SYN of %d bytes, want its header and 40 of TCP", tt.name, len(pkt))
		}
		var got analyze.Info
		err := analyze.NewDecoder().Decode(layers.LinkTypeRaw, pkt[:tt.hdr+30], &got)
		if err != nil || got.SrcPort != 40000 || got.DstPort != 443 || got.TCPSeq != 7 || !got.SYN || got.ACK || got.RST {
			t.Errorf("%s: Decode(SYN cut in its options) = %v, ports %d->%d seq %d syn %v ack %v rst %v; want nil, 40000->443 seq 7, a SYN",
				tt.name, err, got.SrcPort, got.DstPort, got.TCPSeq, got.SYN, got.ACK, got.RST)
		}
		if err := analyze.NewDecoder().Decode(layers.LinkTypeRaw, pkt[:tt.hdr+16], &got); !errors.Is(err, analyze.ErrShortPayload) {
			t.Errorf("%s: Decode(SYN cut in its fixed header) = %v, want %v", tt.name, err, analyze.ErrShortPayload)
		}
	}
}

func timeExceededFrame(tb testing.TB) []byte {
	echo := echoRequest(tb, srcAddr, dstAddr, 3, echoIPID, echoID, echoSeq)
	return linkNamed(tb, "ethernet").wrap(icmpError(tb, hop1, srcAddr, 254, 0x2002, layers.ICMPv4TypeTimeExceeded, 0, echo, 1))
}

func TestDecodeAllocs(t *testing.T) {
	b := timeExceededFrame(t)
	d := analyze.NewDecoder()
	var inf analyze.Info
	allocs := testing.AllocsPerRun(1000, func() {
		if err := d.Decode(layers.LinkTypeEthernet, b, &inf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Decode(time exceeded in ethernet) allocates %v times per packet, want 0", allocs)
	}
	if !inf.Quote.OK || inf.Quote.Seq != echoSeq {
		t.Errorf("Decode(time exceeded in ethernet) = %+v, want the quoted echo request", inf)
	}
}

func BenchmarkDecode(b *testing.B) {
	frame := timeExceededFrame(b)
	d := analyze.NewDecoder()
	var inf analyze.Info
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if err := d.Decode(layers.LinkTypeEthernet, frame, &inf); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, l := range links {
		for _, s := range samples(f) {
			f.Add(uint8(l.lt), l.wrap(s.ip))
			f.Add(uint8(l.lt), l.wrap(s.ip[:20])) // small snaplen
		}
	}
	for _, l := range links6 {
		if l.lt > 255 || l.name == "ethernet" {
			continue // the link type is a byte here; Ethernet comes next
		}
		s := samples6(f)[4] // a Time Exceeded quoting extension headers
		f.Add(uint8(l.lt), l.wrap(s.ip))
	}
	for _, s := range samples6(f) {
		f.Add(uint8(layers.LinkTypeEthernet), links6[0].wrap(s.ip))
	}
	// warm is a Time Exceeded quoting a TCP SYN, in Ethernet: it fills
	// every field a stale decoder could leak.
	syn := tcpSegment(f, srcAddr, dstAddr, 4, tcpIPID, tcpSport, tcpDport, tcpISN, 0, true, false, false)
	warm := links[0].wrap(icmpError(f, hop1, srcAddr, 254, 0x2007, layers.ICMPv4TypeTimeExceeded, 0, syn, 1))
	f.Fuzz(func(t *testing.T, lt uint8, b []byte) {
		d := analyze.NewDecoder()
		var inf analyze.Info
		err := d.Decode(layers.LinkType(lt), b, &inf) // must not panic
		if err == nil && (inf.Src.Is4() != inf.Dst.Is4() || !inf.Src.IsValid() || !inf.Dst.IsValid()) {
			t.Errorf("Decode = nil with addresses %v -> %v, want one family", inf.Src, inf.Dst)
		}
		if inf.Quote.OK && inf.Quote.Src.Is4() != inf.Src.Is4() {
			t.Errorf("Decode: quote OK with addresses %v -> %v, want the family of the packet", inf.Quote.Src, inf.Quote.Dst)
		}
		// A decoder that decoded another packet first gives the same answer.
		d2 := analyze.NewDecoder()
		var other analyze.Info
		_ = d2.Decode(layers.LinkTypeEthernet, warm, &other)
		var inf2 analyze.Info
		err2 := d2.Decode(layers.LinkType(lt), b, &inf2)
		if (err == nil) != (err2 == nil) {
			t.Errorf("Decode = %v on a fresh decoder, %v on a used one", err, err2)
		}
		if diff := cmp.Diff(inf, inf2, cmpAddr); diff != "" {
			t.Errorf("Decode differs on a used decoder (-fresh +used):\n%s", diff)
		}
	})
}

// pseudoSum is the folded sum of the IPv4 pseudo-header of packet p: what
// checksum offload leaves in the UDP or TCP checksum field.
func pseudoSum(p []byte) uint16 {
	ihl := int(p[0]&0x0f) * 4
	sum := uint32(p[9]) + uint32(binary.BigEndian.Uint16(p[2:4])) - uint32(ihl)
	for i := 12; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(p[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// TestDecodeChecksums checks the transport checksum Decode reads from
// each transport, and that it tells a checksum left to offload (the
// pseudo-header's sum, or its complement) from one filled in.
func TestDecodeChecksums(t *testing.T) {
	udp := udpProbe(t, srcAddr, dstAddr, 2, udpIPID, udpSport, udpDport)
	syn := tcpSegment(t, srcAddr, dstAddr, 4, tcpIPID, tcpSport, tcpDport, tcpISN, 0, true, false, false)
	offload := func(p []byte, at int, invert bool) []byte {
		return edit(p, func(b []byte) {
			s := pseudoSum(b)
			if invert {
				s = ^s
			}
			binary.BigEndian.PutUint16(b[at:], s)
		})
	}
	tests := []struct {
		name    string
		ip      []byte
		at      int // where the checksum is
		partial bool
	}{
		{"echo request", echoRequest(t, srcAddr, dstAddr, 3, echoIPID, echoID, echoSeq), 22, false},
		{"udp", udp, 26, false},
		{"udp left to offload", offload(udp, 26, false), 26, true},
		{"udp left to offload, complemented", offload(udp, 26, true), 26, true},
		{"tcp", syn, 36, false},
		{"tcp left to offload", offload(syn, 36, false), 36, true},
	}
	d := analyze.NewDecoder()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inf analyze.Info
			if err := d.Decode(layers.LinkTypeRaw, tt.ip, &inf); err != nil {
				t.Fatal(err)
			}
			if want := binary.BigEndian.Uint16(tt.ip[tt.at:]); inf.Checksum != want || inf.Partial != tt.partial {
				t.Errorf("Checksum, Partial = %#04x, %v; want %#04x, %v", inf.Checksum, inf.Partial, want, tt.partial)
			}
		})
	}
	// The quoted checksum, and a quoted TCP header cut before it.
	var inf analyze.Info
	if err := d.Decode(layers.LinkTypeRaw, icmpError(t, hop1, srcAddr, 254, 1, layers.ICMPv4TypeTimeExceeded, 0, udp, 1), &inf); err != nil {
		t.Fatal(err)
	}
	if q := inf.Quote; !q.HasChecksum || q.Checksum != binary.BigEndian.Uint16(udp[26:]) {
		t.Errorf("quoted udp: Checksum %#04x (HasChecksum %v), want %#04x", q.Checksum, q.HasChecksum, binary.BigEndian.Uint16(udp[26:]))
	}
	if err := d.Decode(layers.LinkTypeRaw, icmpError(t, hop1, srcAddr, 254, 1, layers.ICMPv4TypeTimeExceeded, 0, syn, 1), &inf); err != nil {
		t.Fatal(err)
	}
	if inf.Quote.HasChecksum {
		t.Errorf("quoted tcp cut at 8 bytes: HasChecksum, want not")
	}
	// The same 8 bytes zero-padded to 128 (RFC 4884, with an extension
	// after them): the padding is not the checksum.
	quote := append(append([]byte(nil), syn[:28]...), make([]byte, 100)...)
	padded := serialize(t,
		ip4(hop1, srcAddr, 254, 1, layers.IPProtocolICMPv4),
		// Id holds bytes 4-5: the RFC 4884 length, 32 words, in byte 5.
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeTimeExceeded, 0), Id: 32},
		gopacket.Payload(append(quote, 0x20, 0, 0, 0))) // and an extension header
	if err := d.Decode(layers.LinkTypeRaw, padded, &inf); err != nil {
		t.Fatal(err)
	}
	if !inf.Quote.OK || inf.Quote.HasChecksum {
		t.Errorf("quoted tcp of 8 bytes padded with zeros: OK %v, HasChecksum %v; want a quote without its checksum", inf.Quote.OK, inf.Quote.HasChecksum)
	}
	// A whole quoted header (data offset 5) keeps it.
	if err := d.Decode(layers.LinkTypeRaw, icmpErrorWhole(t, syn), &inf); err != nil {
		t.Fatal(err)
	}
	if !inf.Quote.HasChecksum || inf.Quote.Checksum != binary.BigEndian.Uint16(syn[36:]) {
		t.Errorf("quoted tcp whole: Checksum %#04x (HasChecksum %v), want %#04x", inf.Quote.Checksum, inf.Quote.HasChecksum, binary.BigEndian.Uint16(syn[36:]))
	}
}

// icmpErrorWhole is a Time Exceeded quoting all of probe (RFC 1812).
func icmpErrorWhole(tb testing.TB, probe []byte) []byte {
	return serialize(tb,
		ip4(hop1, srcAddr, 254, 1, layers.IPProtocolICMPv4),
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeTimeExceeded, 0)},
		gopacket.Payload(probe))
}

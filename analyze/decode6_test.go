package analyze_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

type sample6 struct {
	name string
	ip   []byte // an IPv6 packet, no link-layer header
	want analyze.Info
}

// samples6 are the IPv6 packets a traceroute -6 sees, with what Decode
// must find in them.
func samples6(tb testing.TB) []sample6 {
	echo := echo6(tb, src6, dst6, 3, layers.ICMPv6TypeEchoRequest, echoID, echoSeq)
	udp := udp6(tb, src6, dst6, 2, udpSport, udpDport, "tracers-udp6")
	udpSum := binary.BigEndian.Uint16(udp[46:48])
	syn := tcp6(tb, src6, dst6, 4, tcpSport, tcpDport, tcpISN, 0, true, false, false)
	extEcho := withExt(echo, 0, false) // an atomic fragment behind hop-by-hop options
	firstFrag := withExt(udp, 0, true)
	quotedEcho := analyze.Quoted{
		OK: true, Src: src6, Dst: dst6, TTL: 1, Proto: layers.IPProtocolICMPv6, FlowLabel: 0x12345, PayloadLen: 16,
		Length: 56, HasChecksum: true,
		Type: layers.ICMPv6TypeEchoRequest, ID: echoID, Seq: echoSeq,
	}
	quotedUDP := analyze.Quoted{
		OK: true, Src: src6, Dst: dst6, TTL: 1, Proto: layers.IPProtocolUDP, FlowLabel: 0x12345, PayloadLen: 20,
		SrcPort: udpSport, DstPort: udpDport, UDPSum: udpSum, UDPLen: 20,
		Length: 60, Checksum: udpSum, HasChecksum: true,
	}
	quotedExt := quotedEcho
	quotedExt.PayloadLen, quotedExt.Length = 32, 72
	return []sample6{
		{"echo request", echo, analyze.Info{
			Src: src6, Dst: dst6, TTL: 3, Proto: layers.IPProtocolICMPv6, Length: 56, FlowLabel: 0x12345,
			Type: layers.ICMPv6TypeEchoRequest, ID: echoID, Seq: echoSeq,
		}},
		{"echo reply", echo6(tb, dst6, src6, 61, layers.ICMPv6TypeEchoReply, echoID, echoSeq), analyze.Info{
			Src: dst6, Dst: src6, TTL: 61, Proto: layers.IPProtocolICMPv6, Length: 56, FlowLabel: 0x12345,
			Type: layers.ICMPv6TypeEchoReply, ID: echoID, Seq: echoSeq,
		}},
		{"echo request behind extension headers", extEcho, analyze.Info{
			Src: src6, Dst: dst6, TTL: 3, Proto: layers.IPProtocolICMPv6, Length: 72, FlowLabel: 0x12345,
			Type: layers.ICMPv6TypeEchoRequest, ID: echoID, Seq: echoSeq,
		}},
		{"time exceeded quoting echo", icmp6Error(tb, hop6a, src6, 64, layers.ICMPv6TypeTimeExceeded, 0, echo, 1), analyze.Info{
			Src: hop6a, Dst: src6, TTL: 64, Proto: layers.IPProtocolICMPv6, Length: 40 + 8 + 56, FlowLabel: 0x12345,
			Type: layers.ICMPv6TypeTimeExceeded, Quote: quotedEcho,
		}},
		{"time exceeded quoting extension headers", icmp6Error(tb, hop6a, src6, 64, layers.ICMPv6TypeTimeExceeded, 0, extEcho, 1), analyze.Info{
			Src: hop6a, Dst: src6, TTL: 64, Proto: layers.IPProtocolICMPv6, Length: 40 + 8 + 72, FlowLabel: 0x12345,
			Type: layers.ICMPv6TypeTimeExceeded, Quote: quotedExt,
		}},
		{"udp probe", udp, analyze.Info{
			Src: src6, Dst: dst6, TTL: 2, Proto: layers.IPProtocolUDP, Length: 60, FlowLabel: 0x12345,
			SrcPort: udpSport, DstPort: udpDport, UDPSum: udpSum, UDPLen: 20,
		}},
		{"udp first fragment", firstFrag, analyze.Info{
			Src: src6, Dst: dst6, TTL: 2, Proto: layers.IPProtocolUDP, Length: 76, FlowLabel: 0x12345,
			SrcPort: udpSport, DstPort: udpDport, UDPSum: udpSum, UDPLen: 20,
		}},
		{"address unreachable quoting udp", icmp6Error(tb, hop6c, src6, 62, layers.ICMPv6TypeDestinationUnreachable, 3, udp, 1), analyze.Info{
			Src: hop6c, Dst: src6, TTL: 62, Proto: layers.IPProtocolICMPv6, Length: 40 + 8 + 60, FlowLabel: 0x12345,
			Type: layers.ICMPv6TypeDestinationUnreachable, Code: 3, Quote: quotedUDP,
		}},
		{"packet too big quoting udp", icmp6Error(tb, hop6b, src6, 63, layers.ICMPv6TypePacketTooBig, 0, udp, 1), analyze.Info{
			Src: hop6b, Dst: src6, TTL: 63, Proto: layers.IPProtocolICMPv6, Length: 40 + 8 + 60, FlowLabel: 0x12345,
			Type: layers.ICMPv6TypePacketTooBig, Quote: quotedUDP,
		}},
		{"tcp syn", syn, analyze.Info{
			Src: src6, Dst: dst6, TTL: 4, Proto: layers.IPProtocolTCP, Length: 60, FlowLabel: 0x12345,
			SrcPort: tcpSport, DstPort: tcpDport, TCPSeq: tcpISN, SYN: true,
		}},
		{"time exceeded quoting tcp syn", icmp6Error(tb, hop6a, src6, 64, layers.ICMPv6TypeTimeExceeded, 0, syn, 1), analyze.Info{
			Src: hop6a, Dst: src6, TTL: 64, Proto: layers.IPProtocolICMPv6, Length: 40 + 8 + 60, FlowLabel: 0x12345,
			Type: layers.ICMPv6TypeTimeExceeded,
			Quote: analyze.Quoted{
				OK: true, Src: src6, Dst: dst6, TTL: 1, Proto: layers.IPProtocolTCP, FlowLabel: 0x12345, PayloadLen: 20,
				Length: 60, HasChecksum: true, // the whole segment quoted
				SrcPort: tcpSport, DstPort: tcpDport, TCPSeq: tcpISN,
			},
		}},
		{"tcp rst", tcp6(tb, dst6, src6, 60, tcpDport, tcpSport, 0, tcpISN+1, false, true, true), analyze.Info{
			Src: dst6, Dst: src6, TTL: 60, Proto: layers.IPProtocolTCP, Length: 60, FlowLabel: 0x12345,
			SrcPort: tcpDport, DstPort: tcpSport, TCPAck: tcpISN + 1, ACK: true, RST: true,
		}},
	}
}

func TestDecodeIPv6(t *testing.T) {
	d := analyze.NewDecoder()
	for _, l := range links6 {
		for _, s := range samples6(t) {
			t.Run(l.name+"/"+s.name, func(t *testing.T) {
				checkDecode(t, d, s.name, l.lt, l.wrap(s.ip), s.want)
			})
		}
	}
}

// TestDecodeIPv4OnNewLinks checks the IPv4 samples in the framings added
// with IPv6 (PPP, Cisco HDLC, MPLS) and in those that name the family.
func TestDecodeIPv4OnNewLinks(t *testing.T) {
	d := analyze.NewDecoder()
	for _, l := range links6 {
		if l.ip4hdr == nil {
			continue
		}
		for _, s := range samples(t) {
			t.Run(l.name+"/"+s.name, func(t *testing.T) {
				checkDecode(t, d, s.name, l.lt, l.wrap(s.ip), s.want)
			})
		}
	}
}

// TestDecodeIPv4FirstFragment checks that an IPv4 first fragment
// (traceroute HOST 2000) decodes with its transport header.
func TestDecodeIPv4FirstFragment(t *testing.T) {
	udp := udpProbe(t, srcAddr, dstAddr, 2, udpIPID, udpSport, udpDport)
	frag := append([]byte(nil), udp...)
	frag[6] = 0x20 // more fragments, offset 0
	// The IPv4 checksum is not checked: the decoder trusts the capture.
	var got analyze.Info
	if err := analyze.NewDecoder().Decode(layers.LinkTypeRaw, frag, &got); err != nil {
		t.Fatalf("Decode(first fragment) = %v, want nil", err)
	}
	want := analyze.Info{
		Src: srcAddr, Dst: dstAddr, TTL: 2, IPID: udpIPID, Proto: layers.IPProtocolUDP, Length: 40,
		SrcPort: udpSport, DstPort: udpDport,
	}
	if diff := cmp.Diff(want, got, cmpDecoded); diff != "" {
		t.Errorf("Decode(first fragment) mismatch (-want +got):\n%s", diff)
	}
	// Cut in its transport header, a first fragment is short, as any packet.
	if err := analyze.NewDecoder().Decode(layers.LinkTypeRaw, frag[:24], &got); !errors.Is(err, analyze.ErrShortPayload) {
		t.Errorf("Decode(first fragment cut) = %v, want %v", err, analyze.ErrShortPayload)
	}
}

func TestDecodeIPv6Errors(t *testing.T) {
	echo := echo6(t, src6, dst6, 3, layers.ICMPv6TypeEchoRequest, echoID, echoSeq)
	eth := links6[0]
	tests := []decodeErrCase{
		{"non-first fragment", eth.lt, eth.wrap(withExt(echo, 8, false)), analyze.ErrFragment},
		{"header only", eth.lt, eth.wrap(echo[:40]), analyze.ErrShortPayload},
		{"extension header cut", eth.lt, eth.wrap(withExt(echo, 0, false)[:44]), analyze.ErrShortPayload},
		{"icmpv6 cut", eth.lt, eth.wrap(echo[:42]), analyze.ErrShortPayload},
		{"ipv6 header cut", eth.lt, eth.wrap(echo[:30]), nil},
		{"mpls stack without bottom", layers.LinkTypeEthernet, cat(macs, []byte{0x88, 0x47, 0, 1, 0, 0x40}), nil},
		{"ppp lcp", layers.LinkTypePPP, []byte{0xc0, 0x21, 1, 1, 0, 4}, analyze.ErrNoIPv4},
		{"ppp empty", layers.LinkTypePPP, []byte{0xff, 0x03}, nil},
		{"cisco hdlc cut", layers.LinkTypeC_HDLC, []byte{0x0f, 0x00}, nil},
		{"sll2 arp", layers.LinkTypeLinuxSLL2, append(append([]byte{0x08, 0x06}, make([]byte, 18)...), 0, 1), analyze.ErrNoIPv4},
	}
	runDecodeErrors(t, tests)
}

func TestDecodeIPv6Allocs(t *testing.T) {
	echo := withExt(echo6(t, src6, dst6, 3, layers.ICMPv6TypeEchoRequest, echoID, echoSeq), 0, false)
	frames := map[string][]byte{
		"time exceeded":        links6[0].wrap(icmp6Error(t, hop6a, src6, 64, layers.ICMPv6TypeTimeExceeded, 0, echo, 1)),
		"echo request in qinq": links6[2].wrap(echo),
	}
	d := analyze.NewDecoder()
	for name, b := range frames {
		var inf analyze.Info
		allocs := testing.AllocsPerRun(1000, func() {
			if err := d.Decode(layers.LinkTypeEthernet, b, &inf); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Decode(%s) allocates %v times per packet, want 0", name, allocs)
		}
		if inf.Seq != echoSeq && inf.Quote.Seq != echoSeq {
			t.Errorf("Decode(%s) = %+v, want the echo request's sequence", name, inf)
		}
	}
}

package capture_test

// Tests of craft.Filter, the BPF expression a live run captures with: each
// expression is compiled by libpcap for the link types a run captures on
// and executed by golang.org/x/net/bpf's VM over crafted packets. No root
// is needed: nothing is opened but a dead pcap handle.

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
	"golang.org/x/net/bpf"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"
)

// dltRaw is DLT_RAW as libpcap names it on Linux: the data link type of
// a raw IP interface (a tun device), stored in files as LINKTYPE_RAW 101,
// which pcap_open_dead does not take.
const dltRaw layers.LinkType = 12

// filterVM compiles expr with libpcap for lt and loads it into a VM.
func filterVM(t *testing.T, lt layers.LinkType, expr string) *bpf.VM {
	t.Helper()
	insns, err := pcap.CompileBPFFilter(lt, 65535, expr)
	if err != nil {
		t.Fatalf("CompileBPFFilter(%v, %q): %v", lt, expr, err)
	}
	raw := make([]bpf.RawInstruction, len(insns))
	for i, in := range insns {
		raw[i] = bpf.RawInstruction{Op: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	prog, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatalf("filter %q for %v: x/net/bpf cannot decode every instruction", expr, lt)
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatalf("filter %q for %v: NewVM: %v", expr, lt, err)
	}
	return vm
}

// frame puts the IP packet pkt under the link header of lt.
func frame(t *testing.T, lt layers.LinkType, pkt []byte) []byte {
	t.Helper()
	ethType := layers.EthernetTypeIPv4
	if pkt[0]>>4 == 6 {
		ethType = layers.EthernetTypeIPv6
	}
	switch lt {
	case dltRaw:
		return pkt
	case layers.LinkTypeEthernet:
		buf := gopacket.NewSerializeBuffer()
		eth := layers.Ethernet{
			SrcMAC:       net.HardwareAddr{0x02, 0, 0, 0, 0, 1},
			DstMAC:       net.HardwareAddr{0x02, 0, 0, 0, 0, 2},
			EthernetType: ethType,
		}
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, &eth, gopacket.Payload(pkt)); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	case layers.LinkTypeLinuxSLL:
		// Linux cooked v1 (gopacket cannot serialize it): packet type 4
		// (outgoing), ARPHRD_ETHER, 6-byte address padded to 8, protocol.
		h := make([]byte, 16, 16+len(pkt))
		binary.BigEndian.PutUint16(h[0:], 4)
		binary.BigEndian.PutUint16(h[2:], 1)
		binary.BigEndian.PutUint16(h[4:], 6)
		copy(h[6:], []byte{0x02, 0, 0, 0, 0, 1})
		binary.BigEndian.PutUint16(h[14:], uint16(ethType))
		return append(h, pkt...)
	case layers.LinkTypeLinuxSLL2:
		// Linux cooked v2, what a capture on "any" gives: protocol,
		// reserved, interface index, ARPHRD_ETHER, packet type 4
		// (outgoing), address length 6, address padded to 8.
		h := make([]byte, 20, 20+len(pkt))
		binary.BigEndian.PutUint16(h[0:], uint16(ethType))
		binary.BigEndian.PutUint32(h[4:], 2)
		binary.BigEndian.PutUint16(h[8:], 1)
		h[10], h[11] = 4, 6
		copy(h[12:], []byte{0x02, 0, 0, 0, 0, 1})
		return append(h, pkt...)
	}
	t.Fatalf("no framing for link type %v", lt)
	return nil
}

// probe builds the Echo Request a run would send.
func probe(t *testing.T, src, dst netip.Addr, id uint16) []byte {
	t.Helper()
	pkt, err := craft.NewBuilder().Build(craft.Spec{
		Src: src, Dst: dst, TTL: 3, ID: id, Seq: craft.SeqFor(3, 0), IPID: craft.SeqFor(3, 0),
		Flow: 0x12345, Payload: craft.DefaultPayload,
	})
	if err != nil {
		t.Fatalf("Build(%v -> %v, id %#x): %v", src, dst, id, err)
	}
	return append([]byte(nil), pkt...)
}

// icmpFrom builds an IP packet from src to dst carrying an ICMP (IPv4) or
// ICMPv6 (IPv6) message of type and code whose body (after the 4-byte
// type, code and checksum) is body. Checksums are computed by gopacket.
func icmpFrom(t *testing.T, src, dst netip.Addr, typ, code uint8, body []byte) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var err error
	if src.Is4() {
		ip := layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolICMPv4, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		icmp := layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, code)}
		// ICMPv4 serializes id and seq itself: take them from body.
		icmp.Id, icmp.Seq = binary.BigEndian.Uint16(body), binary.BigEndian.Uint16(body[2:])
		err = gopacket.SerializeLayers(buf, opts, &ip, &icmp, gopacket.Payload(body[4:]))
	} else {
		ip := layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolICMPv6, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		icmp := layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, code)}
		if err := icmp.SetNetworkLayerForChecksum(&ip); err != nil {
			t.Fatal(err)
		}
		err = gopacket.SerializeLayers(buf, opts, &ip, &icmp, gopacket.Payload(body))
	}
	if err != nil {
		t.Fatalf("serialize ICMP %d/%d %v -> %v: %v", typ, code, src, dst, err)
	}
	pkt := buf.Bytes()
	if err := craft.Verify(pkt); err != nil {
		t.Fatalf("crafted reply does not verify: %v", err)
	}
	return pkt
}

// echoReply answers the Echo Request req as its destination would.
func echoReply(t *testing.T, req []byte) []byte {
	t.Helper()
	if req[0]>>4 == 4 {
		src, dst := netip.AddrFrom4([4]byte(req[16:20])), netip.AddrFrom4([4]byte(req[12:16]))
		return icmpFrom(t, src, dst, layers.ICMPv4TypeEchoReply, 0, req[24:])
	}
	src, dst := netip.AddrFrom16([16]byte(req[24:40])), netip.AddrFrom16([16]byte(req[8:24]))
	return icmpFrom(t, src, dst, layers.ICMPv6TypeEchoReply, 0, req[44:])
}

// quoting is an ICMP error from router to the probe's source quoting it
// whole (RFC 792: 4 unused bytes; RFC 4443: 4 unused bytes, or the MTU of
// Packet Too Big, or the pointer of Parameter Problem).
func quoting(t *testing.T, router netip.Addr, typ, code uint8, req []byte) []byte {
	t.Helper()
	body := append(make([]byte, 4), req...)
	if req[0]>>4 == 4 {
		return icmpFrom(t, router, netip.AddrFrom4([4]byte(req[12:16])), typ, code, body)
	}
	if typ == layers.ICMPv6TypePacketTooBig {
		binary.BigEndian.PutUint32(body, 1280)
	}
	return icmpFrom(t, router, netip.AddrFrom16([16]byte(req[8:24])), typ, code, body)
}

// neighborSolicitation is an ICMPv6 Neighbor Solicitation (RFC 4861
// section 4.3) from src for target, to its solicited-node address.
func neighborSolicitation(t *testing.T, src, target netip.Addr) []byte {
	t.Helper()
	t16 := target.As16()
	snm := netip.AddrFrom16([16]byte{0xff, 0x02, 11: 0x01, 12: 0xff, 13: t16[13], 14: t16[14], 15: t16[15]})
	body := append(make([]byte, 4), t16[:]...)
	return icmpFrom(t, src, snm, layers.ICMPv6TypeNeighborSolicitation, 0, body)
}

type filterCase struct {
	name string
	pkt  []byte
	pass bool
}

// filterCases are the packets a run from src to dst with identifier id
// must capture, and those it must not.
func filterCases(t *testing.T, src, dst, router, other netip.Addr, id uint16) []filterCase {
	req := probe(t, src, dst, id)
	otherRun := probe(t, src, dst, id+1)
	otherDst := probe(t, src, other, id)
	var timeExceeded, unreach, unreachCode, tooBig, paramProblem, echoRequest uint8
	if src.Is4() {
		timeExceeded, unreach, unreachCode, paramProblem = layers.ICMPv4TypeTimeExceeded, layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv4CodeHost, layers.ICMPv4TypeParameterProblem
		echoRequest = layers.ICMPv4TypeEchoRequest
	} else {
		timeExceeded, unreach, unreachCode, paramProblem = layers.ICMPv6TypeTimeExceeded, layers.ICMPv6TypeDestinationUnreachable, layers.ICMPv6CodeAddressUnreachable, layers.ICMPv6TypeParameterProblem
		tooBig, echoRequest = layers.ICMPv6TypePacketTooBig, layers.ICMPv6TypeEchoRequest
	}
	cases := []filterCase{
		{name: "the probe", pkt: req, pass: true},
		{name: "its echo reply", pkt: echoReply(t, req), pass: true},
		{name: "time exceeded quoting it", pkt: quoting(t, router, timeExceeded, 0, req), pass: true},
		{name: "destination unreachable quoting it", pkt: quoting(t, router, unreach, unreachCode, req), pass: true},
		{name: "parameter problem quoting it", pkt: quoting(t, router, paramProblem, 0, req), pass: true},
		{name: "another run's probe", pkt: otherRun, pass: false},
		{name: "another run's echo reply", pkt: echoReply(t, otherRun), pass: false},
		{name: "time exceeded quoting another run", pkt: quoting(t, router, timeExceeded, 0, otherRun), pass: false},
		{name: "probe to another destination", pkt: otherDst, pass: false},
		{name: "echo reply from another host", pkt: echoReply(t, otherDst), pass: false},
		{name: "time exceeded quoting a probe to another destination", pkt: quoting(t, router, timeExceeded, 0, otherDst), pass: false},
		{name: "echo request to us", pkt: icmpFrom(t, dst, src, echoRequest, 0, req[len(req)-36:]), pass: false},
		{name: "tcp to the destination", pkt: tcpFrom(t, src, dst, 40000, 80, true, false, false, 0), pass: false},
		{name: "tcp from the destination", pkt: tcpFrom(t, dst, src, 80, 40000, true, false, false, 0), pass: false},
	}
	if src.Is6() {
		cases = append(cases,
			filterCase{name: "packet too big quoting it", pkt: quoting(t, router, tooBig, 0, req), pass: true},
			filterCase{name: "neighbour solicitation", pkt: neighborSolicitation(t, src, dst), pass: false},
			filterCase{name: "neighbour solicitation from the destination", pkt: neighborSolicitation(t, dst, src), pass: false},
		)
		// An error quoting the probe but sent to someone else.
		wrongDst := quoting(t, router, timeExceeded, 0, req)
		wrongDst[39] ^= 0xff // last byte of the outer destination; the checksum no longer matters to BPF
		cases = append(cases, filterCase{name: "time exceeded quoting it, to another host", pkt: wrongDst, pass: false})
	} else {
		wrongDst := quoting(t, router, timeExceeded, 0, req)
		wrongDst[19] ^= 0xff
		cases = append(cases, filterCase{name: "time exceeded quoting it, to another host", pkt: wrongDst, pass: false})
	}
	return cases
}

func TestProbeFilter(t *testing.T) {
	families := []struct {
		name                    string
		src, dst, router, other netip.Addr
	}{
		{name: "ipv4", src: netip.MustParseAddr("10.77.1.1"), dst: netip.MustParseAddr("10.77.5.2"),
			router: netip.MustParseAddr("10.77.3.1"), other: netip.MustParseAddr("10.77.6.2")},
		{name: "ipv6", src: netip.MustParseAddr("fd77:1::1"), dst: netip.MustParseAddr("fd77:5::2"),
			router: netip.MustParseAddr("fd77:3::1"), other: netip.MustParseAddr("fd77:6::2")},
	}
	const id = 0x1234
	for _, fam := range families {
		expr := craft.Filter(fam.src, fam.dst, id)
		cases := filterCases(t, fam.src, fam.dst, fam.router, fam.other, id)
		for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, dltRaw, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2} {
			vm := filterVM(t, lt, expr)
			for _, c := range cases {
				t.Run(fam.name+"/"+linkName(lt)+"/"+c.name, func(t *testing.T) {
					n, err := vm.Run(frame(t, lt, c.pkt))
					if err != nil {
						t.Fatalf("filter VM: %v", err)
					}
					if got := n > 0; got != c.pass {
						t.Errorf("filter %q on %v passes % x: %v, want %v", expr, lt, c.pkt, got, c.pass)
					}
				})
			}
		}
	}
}

func linkName(lt layers.LinkType) string {
	if lt == dltRaw {
		return "Raw"
	}
	return lt.String()
}

// proberMethods are the methods of TestProberFilter.
func proberMethods() []craft.Method {
	p := craft.DefaultPayload
	return []craft.Method{
		{Proto: analyze.ICMP, ID: 0x1234, Flow: 0x12345, Payload: p},
		{Proto: analyze.ICMP, Paris: true, ID: 0x1234, Flow: 0x12345, Payload: p},
		{Proto: analyze.UDP, SrcPort: 40000, Flow: 0x12345, Payload: p},
		{Proto: analyze.UDP, Paris: true, SrcPort: 40000, Flow: 0x12345, Payload: p},
		{Proto: analyze.UDP, Fixed: true, SrcPort: 40000, Flow: 0x12345, Payload: p},
		{Proto: analyze.TCP, SrcPort: 40000, Port: 443, Flow: 0x12345},
	}
}

// build returns probe n of p (at TTL 3), copied.
func build(t *testing.T, p *craft.Prober, n int) []byte {
	t.Helper()
	pkt, err := p.Build(3, n)
	if err != nil {
		t.Fatalf("Build(3, %d): %v", n, err)
	}
	return append([]byte(nil), pkt...)
}

// tcpFrom builds a TCP segment from src:sport to dst:dport with flags
// (SYN, ACK, RST) set as given, acknowledging ack.
func tcpFrom(t *testing.T, src, dst netip.Addr, sport, dport uint16, syn, ack, rst bool, ackNum uint32) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	tcp := layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: 777, Ack: ackNum, SYN: syn, ACK: ack, RST: rst, Window: 1024}
	var err error
	if src.Is4() {
		ip := layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		_ = tcp.SetNetworkLayerForChecksum(&ip)
		err = gopacket.SerializeLayers(buf, opts, &ip, &tcp)
	} else {
		ip := layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		_ = tcp.SetNetworkLayerForChecksum(&ip)
		err = gopacket.SerializeLayers(buf, opts, &ip, &tcp)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// udpFrom builds a UDP datagram from src:sport to dst:dport.
func udpFrom(t *testing.T, src, dst netip.Addr, sport, dport uint16) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	udp := layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	payload := gopacket.Payload("query")
	var err error
	if src.Is4() {
		ip := layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		_ = udp.SetNetworkLayerForChecksum(&ip)
		err = gopacket.SerializeLayers(buf, opts, &ip, &udp, &payload)
	} else {
		ip := layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		_ = udp.SetNetworkLayerForChecksum(&ip)
		err = gopacket.SerializeLayers(buf, opts, &ip, &udp, &payload)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// udpPorts is the source and destination port of UDP datagram pkt (an
// IPv4 or IPv6 packet).
func udpPorts(t *testing.T, pkt []byte) (sport, dport uint16) {
	t.Helper()
	first := layers.LayerTypeIPv4
	if pkt[0]>>4 == 6 {
		first = layers.LayerTypeIPv6
	}
	udp, ok := gopacket.NewPacket(pkt, first, gopacket.Default).Layer(layers.LayerTypeUDP).(*layers.UDP)
	if !ok {
		t.Fatalf("no UDP in % x", pkt)
	}
	return uint16(udp.SrcPort), uint16(udp.DstPort)
}

// proberCases are the packets a run of m from src to dst must capture, and
// those it must not: another run's (another identifier or source port),
// and other traffic between the same hosts.
func proberCases(t *testing.T, m craft.Method, src, dst, router, other netip.Addr) []filterCase {
	newProber := func(m craft.Method, dst netip.Addr) *craft.Prober {
		p, err := craft.NewProber(m, src, dst)
		if err != nil {
			t.Fatalf("NewProber(%+v): %v", m, err)
		}
		return p
	}
	otherM := m
	otherM.ID++
	otherM.SrcPort++
	p, q, far := newProber(m, dst), newProber(otherM, dst), newProber(m, other)
	m = p.Method()
	var timeExceeded, unreach, portUnreach, paramProblem uint8
	if src.Is4() {
		timeExceeded, unreach, portUnreach, paramProblem = layers.ICMPv4TypeTimeExceeded, layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv4CodePort, layers.ICMPv4TypeParameterProblem
	} else {
		timeExceeded, unreach, portUnreach, paramProblem = layers.ICMPv6TypeTimeExceeded, layers.ICMPv6TypeDestinationUnreachable, layers.ICMPv6CodePortUnreachable, layers.ICMPv6TypeParameterProblem
	}
	var cases []filterCase
	for _, n := range []int{0, 1, 89} {
		req, otherRun := build(t, p, n), build(t, q, n)
		at := fmt.Sprintf(" (probe %d)", n)
		cases = append(cases,
			filterCase{name: "the probe" + at, pkt: req, pass: true},
			filterCase{name: "time exceeded quoting it" + at, pkt: quoting(t, router, timeExceeded, 0, req), pass: true},
			filterCase{name: "port unreachable from the destination quoting it" + at, pkt: quoting(t, dst, unreach, portUnreach, req), pass: true},
			filterCase{name: "parameter problem quoting it" + at, pkt: quoting(t, router, paramProblem, 0, req), pass: true},
			filterCase{name: "another run's probe" + at, pkt: otherRun, pass: false},
			filterCase{name: "time exceeded quoting another run" + at, pkt: quoting(t, router, timeExceeded, 0, otherRun), pass: false},
			filterCase{name: "port unreachable quoting another run" + at, pkt: quoting(t, dst, unreach, portUnreach, otherRun), pass: false},
		)
		if src.Is6() {
			cases = append(cases, filterCase{name: "packet too big quoting it" + at, pkt: quoting(t, router, layers.ICMPv6TypePacketTooBig, 0, req), pass: true})
		}
		switch m.Proto {
		case analyze.ICMP:
			cases = append(cases,
				filterCase{name: "its echo reply" + at, pkt: echoReply(t, req), pass: true},
				filterCase{name: "another run's echo reply" + at, pkt: echoReply(t, otherRun), pass: false},
			)
		case analyze.UDP:
			sport, dport := udpPorts(t, req)
			osport, odport := udpPorts(t, otherRun)
			cases = append(cases,
				filterCase{name: "udp answer from the destination" + at, pkt: udpFrom(t, dst, src, dport, sport), pass: true},
				filterCase{name: "udp answer from another port" + at, pkt: udpFrom(t, dst, src, dport+1000, sport), pass: !m.Fixed && !m.Paris},
				filterCase{name: "udp answer from a router" + at, pkt: udpFrom(t, router, src, dport, sport), pass: false},
			)
			if !m.Fixed {
				// Fixed runs count source ports up from theirs: a run
				// started one port above shares all but the first.
				cases = append(cases, filterCase{name: "udp answer to another run" + at, pkt: udpFrom(t, dst, src, odport, osport), pass: false})
			}
		case analyze.TCP:
			seq := uint32(n + 1)
			cases = append(cases,
				filterCase{name: "syn-ack" + at, pkt: tcpFrom(t, dst, src, m.Port, m.SrcPort, true, true, false, seq+1), pass: true},
				filterCase{name: "rst-ack" + at, pkt: tcpFrom(t, dst, src, m.Port, m.SrcPort, false, true, true, seq+1), pass: true},
				filterCase{name: "our kernel's rst" + at, pkt: tcpFrom(t, src, dst, m.SrcPort, m.Port, false, false, true, 0), pass: true},
				filterCase{name: "syn-ack to another run" + at, pkt: tcpFrom(t, dst, src, m.Port, m.SrcPort+1, true, true, false, seq+1), pass: false},
				filterCase{name: "rst to another run" + at, pkt: tcpFrom(t, dst, src, m.Port, m.SrcPort+1, false, true, true, seq+1), pass: false},
			)
		}
	}
	req := build(t, p, 0)
	farReq := build(t, far, 0)
	cases = append(cases,
		filterCase{name: "probe to another destination", pkt: farReq, pass: false},
		filterCase{name: "time exceeded quoting a probe to another destination", pkt: quoting(t, router, timeExceeded, 0, farReq), pass: false},
		filterCase{name: "dns to the destination", pkt: udpFrom(t, src, dst, 53000, 53), pass: false},
		filterCase{name: "port unreachable quoting dns", pkt: quoting(t, dst, unreach, portUnreach, udpFrom(t, src, dst, 53000, 53)), pass: false},
		filterCase{name: "udp from the destination", pkt: udpFrom(t, dst, src, m.Port, m.SrcPort), pass: m.Proto == analyze.UDP},
		filterCase{name: "udp from the destination to another port", pkt: udpFrom(t, dst, src, m.Port, m.SrcPort-1), pass: false},
		filterCase{name: "tcp to the destination's port 22", pkt: tcpFrom(t, src, dst, 41000, 22, true, false, false, 0), pass: false},
		filterCase{name: "tcp from the destination's port 22", pkt: tcpFrom(t, dst, src, 22, 41000, true, true, false, 1), pass: false},
	)
	wrongDst := quoting(t, router, timeExceeded, 0, req)
	if src.Is4() {
		wrongDst[19] ^= 0xff // last byte of the outer destination; the checksum no longer matters to BPF
	} else {
		wrongDst[39] ^= 0xff
	}
	cases = append(cases, filterCase{name: "time exceeded quoting it, to another host", pkt: wrongDst, pass: false})
	if src.Is6() {
		cases = append(cases, filterCase{name: "neighbour solicitation", pkt: neighborSolicitation(t, src, dst), pass: false})
	}
	return cases
}

// TestProberFilter runs each method's Prober.Filter over the packets of
// proberCases, for both families and every link type a run captures on.
func TestProberFilter(t *testing.T) {
	families := []struct {
		name                    string
		src, dst, router, other netip.Addr
	}{
		{name: "ipv4", src: netip.MustParseAddr("10.77.1.1"), dst: netip.MustParseAddr("10.77.5.2"),
			router: netip.MustParseAddr("10.77.3.1"), other: netip.MustParseAddr("10.77.6.2")},
		{name: "ipv6", src: netip.MustParseAddr("fd77:1::1"), dst: netip.MustParseAddr("fd77:5::2"),
			router: netip.MustParseAddr("fd77:3::1"), other: netip.MustParseAddr("fd77:6::2")},
	}
	for _, fam := range families {
		for _, m := range proberMethods() {
			p, err := craft.NewProber(m, fam.src, fam.dst)
			if err != nil {
				t.Fatal(err)
			}
			expr := p.Filter()
			cases := proberCases(t, m, fam.src, fam.dst, fam.router, fam.other)
			for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, dltRaw, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2} {
				vm := filterVM(t, lt, expr)
				for _, c := range cases {
					t.Run(fam.name+"/"+m.String()+"/"+linkName(lt)+"/"+c.name, func(t *testing.T) {
						n, err := vm.Run(frame(t, lt, c.pkt))
						if err != nil {
							t.Fatalf("filter VM: %v", err)
						}
						if got := n > 0; got != c.pass {
							t.Errorf("filter %q on %v passes % x: %v, want %v", expr, lt, c.pkt, got, c.pass)
						}
					})
				}
			}
		}
	}
}

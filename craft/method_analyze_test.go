package craft_test

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"
)

// serialize serializes ls (an IP layer first) with lengths and checksums.
func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// answer is what from sends back to probe pkt: an ICMP or ICMPv6 error of
// type and code quoting pkt whole, an echo reply (echo), or a TCP segment
// acknowledging the SYN with SYN-ACK or RST-ACK (tcp).
func answer(t *testing.T, from netip.Addr, pkt []byte, typ, code uint8, echo, tcp, rst bool) []byte {
	t.Helper()
	src, ip := netip.AddrFrom4([4]byte(pkt[12:16])), 20
	if pkt[0]>>4 == 6 {
		src, ip = netip.AddrFrom16([16]byte(pkt[8:24])), 40
	}
	ip4 := &layers.IPv4{Version: 4, IHL: 5, TTL: 60, SrcIP: from.AsSlice(), DstIP: src.AsSlice()}
	ip6 := &layers.IPv6{Version: 6, HopLimit: 60, SrcIP: from.AsSlice(), DstIP: src.AsSlice()}
	var nl gopacket.SerializableLayer = ip4
	if src.Is6() {
		nl = ip6
	}
	switch {
	case tcp:
		seg := &layers.TCP{SrcPort: layers.TCPPort(binary.BigEndian.Uint16(pkt[ip+2:])), DstPort: layers.TCPPort(binary.BigEndian.Uint16(pkt[ip:])),
			Seq: 99, Ack: binary.BigEndian.Uint32(pkt[ip+4:]) + 1, ACK: true, SYN: !rst, RST: rst, Window: 1000}
		ip4.Protocol, ip6.NextHeader = layers.IPProtocolTCP, layers.IPProtocolTCP
		if src.Is6() {
			_ = seg.SetNetworkLayerForChecksum(ip6)
		} else {
			_ = seg.SetNetworkLayerForChecksum(ip4)
		}
		return serialize(t, nl, seg)
	case echo && src.Is4():
		ip4.Protocol = layers.IPProtocolICMPv4
		m := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoReply, 0),
			Id: binary.BigEndian.Uint16(pkt[ip+4:]), Seq: binary.BigEndian.Uint16(pkt[ip+6:])}
		return serialize(t, nl, m, gopacket.Payload(pkt[ip+8:]))
	case echo:
		ip6.NextHeader = layers.IPProtocolICMPv6
		m := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoReply, 0)}
		_ = m.SetNetworkLayerForChecksum(ip6)
		return serialize(t, nl, m, gopacket.Payload(pkt[ip+4:]))
	case src.Is4():
		ip4.Protocol = layers.IPProtocolICMPv4
		m := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, code)}
		return serialize(t, nl, m, gopacket.Payload(pkt))
	}
	ip6.NextHeader = layers.IPProtocolICMPv6
	m := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, code)}
	_ = m.SetNetworkLayerForChecksum(ip6)
	return serialize(t, nl, m, gopacket.Payload(append(make([]byte, 4), pkt...)))
}

// TestProberAnalyzer sends a run's probes, another run's probes in
// between, and the answers to both in reverse order through analyze's
// Analyzer with the run's IsProbe, and checks that each probe of the run
// is matched to its own answer: the identities craft puts on the wire are
// those the analyzer keys on, over both families, for every method.
func TestProberAnalyzer(t *testing.T) {
	const hops, queries, reached = 8, 3, 5
	for _, fam := range families {
		for _, m := range methods() {
			t.Run(fam.name+"/"+m.String(), func(t *testing.T) {
				other := m
				other.ID++
				other.SrcPort++
				a, err := craft.NewProber(m, fam.src, fam.dst)
				if err != nil {
					t.Fatal(err)
				}
				b, err := craft.NewProber(other, fam.src, fam.dst)
				if err != nil {
					t.Fatal(err)
				}
				an := analyze.New(analyze.Options{IsProbe: a.IsProbe})
				at := time.Unix(1_000_000_000, 0)
				add := func(pkt []byte) analyze.Event {
					at = at.Add(time.Millisecond)
					return an.Add(analyze.Packet{Time: at, Link: layers.LinkTypeRaw, Data: append([]byte(nil), pkt...)})
				}
				type sent struct {
					ttl  int
					pkts [2][]byte // ours, the other run's
				}
				var probes []sent
				n := 0
				for ttl := 1; ttl <= hops; ttl++ {
					for range queries {
						var s sent
						s.ttl = ttl
						for i, p := range []*craft.Prober{a, b} {
							pkt, err := p.Build(uint8(ttl), n)
							if err != nil {
								t.Fatal(err)
							}
							s.pkts[i] = append([]byte(nil), pkt...)
							ev := add(pkt)
							if want := map[bool]analyze.EventKind{true: analyze.EventProbe, false: analyze.EventOther}[i == 0]; ev.Kind != want {
								t.Fatalf("probe %d of run %d: event %v, want %v", n, i, ev.Kind, want)
							}
						}
						probes = append(probes, s)
						n++
					}
				}
				te, unreach, port := uint8(layers.ICMPv4TypeTimeExceeded), uint8(layers.ICMPv4TypeDestinationUnreachable), uint8(layers.ICMPv4CodePort)
				if fam.src.Is6() {
					te, unreach, port = layers.ICMPv6TypeTimeExceeded, layers.ICMPv6TypeDestinationUnreachable, layers.ICMPv6CodePortUnreachable
				}
				want := make(map[int]int) // probe index -> frame of its answer
				for i := len(probes) - 1; i >= 0; i-- {
					s := probes[i]
					for r := 1; r >= 0; r-- { // the other run's answer first
						var reply []byte
						router := routerAt(fam.dst, s.ttl)
						switch {
						case s.ttl < reached:
							reply = answer(t, router, s.pkts[r], te, 0, false, false, false)
						case m.Proto == analyze.ICMP:
							reply = answer(t, fam.dst, s.pkts[r], 0, 0, true, false, false)
						case m.Proto == analyze.UDP:
							reply = answer(t, fam.dst, s.pkts[r], unreach, port, false, false, false)
						default:
							reply = answer(t, fam.dst, s.pkts[r], 0, 0, false, true, i%2 == 1)
						}
						ev := add(reply)
						if r == 0 {
							want[i] = ev.Frame
						} else if ev.Kind == analyze.EventReply {
							t.Errorf("the other run's answer to probe %d matched probe %d (ttl %d)", i, ev.Probe.Frame, ev.Probe.TTL)
						}
					}
				}
				an.Close()
				trs := an.Traces()
				if len(trs) != 1 {
					t.Fatalf("%d traces, want 1", len(trs))
				}
				if got := len(trs[0].Probes); got != len(probes) {
					t.Fatalf("%d probes in the trace, want %d", got, len(probes))
				}
				for i, p := range trs[0].Probes {
					switch {
					case p.Reply == nil:
						t.Errorf("probe %d (ttl %d) unanswered", i, p.TTL)
					case p.Reply.Frame != want[i]:
						t.Errorf("probe %d (ttl %d) matched frame %d, want %d", i, p.TTL, p.Reply.Frame, want[i])
					case p.TTL >= reached && !p.Reply.FromDest:
						t.Errorf("probe %d (ttl %d): reply %v not from the destination", i, p.TTL, p.Reply.Kind)
					}
				}
			})
		}
	}
}

// routerAt is the address of the router ttl hops away, in dst's family.
func routerAt(dst netip.Addr, ttl int) netip.Addr {
	if dst.Is4() {
		return netip.AddrFrom4([4]byte{10, 77, byte(ttl), 1})
	}
	return netip.AddrFrom16([16]byte{0xfd, 0x77, 0, byte(ttl), 15: 1})
}

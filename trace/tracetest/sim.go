// Package tracetest is an in-memory network for testing the engine: a chain
// of routers that answer probes as kernel routers do, over IPv4 (ICMP) or
// IPv6 (ICMPv6), with a virtual clock. Network satisfies trace.Wire.
//
// It reads probes and builds replies with gopacket layers, and it does no
// I/O: every packet it "captures" is handed back through Next.
package tracetest

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// Router is one router of the simulated path.
type Router struct {
	Addr   netip.Addr
	Silent bool             // never sends Time Exceeded
	Drop   func(n int) bool // loses its reply to the n-th probe it answers (from 1)
	Delay  time.Duration    // the RTT of its replies
	// Late, when set, adds to Delay for its reply to the n-th probe it
	// answers (from 1): a reply that comes after its probe was given up.
	Late    func(n int) time.Duration
	Unreach bool // answers (address/host) unreachable for packets it would forward
	seen    int
}

// Network is the simulated path from Src through Routers to Dst. Its clock
// starts at a fixed date and moves only when the engine waits (Next) or a
// test calls Advance.
type Network struct {
	Src, Dst  netip.Addr
	Routers   []*Router
	DstSilent bool          // the destination never answers
	DstDelay  time.Duration // the RTT of the destination's Echo Replies
	// MissProbe, when set, keeps the n-th probe sent (from 1) out of the
	// capture, as a pcap drop would: the network still answers it.
	MissProbe func(n int) bool
	// Sends holds the (virtual) time of every probe sent.
	Sends []time.Time

	now   time.Time
	queue []analyze.Packet
}

// New returns an IPv4 path of n routers: router i is 10.77.i.2, the source
// 10.77.1.1, the destination 10.77.(n+1).2, as scripts/lab.sh numbers them.
// Router i answers after i*100µs, the destination after (n+1)*100µs.
func New(n int) *Network {
	s := &Network{
		Src: netip.MustParseAddr("10.77.1.1"),
		Dst: netip.AddrFrom4([4]byte{10, 77, byte(n + 1), 2}),
	}
	for i := 1; i <= n; i++ {
		s.Routers = append(s.Routers, &Router{Addr: netip.AddrFrom4([4]byte{10, 77, byte(i), 2})})
	}
	s.init(n)
	return s
}

// New6 returns the IPv6 path of n routers: router i is fd77:i::2, the
// source fd77:1::1, the destination fd77:(n+1)::2, with New's delays.
func New6(n int) *Network {
	s := &Network{Src: netip.MustParseAddr("fd77:1::1"), Dst: addr6(n+1, 2)}
	for i := 1; i <= n; i++ {
		s.Routers = append(s.Routers, &Router{Addr: addr6(i, 2)})
	}
	s.init(n)
	return s
}

func addr6(net, host int) netip.Addr {
	return netip.AddrFrom16([16]byte{0: 0xfd, 1: 0x77, 2: byte(net >> 8), 3: byte(net), 15: byte(host)})
}

func (s *Network) init(n int) {
	s.now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for i, r := range s.Routers {
		r.Delay = time.Duration(i+1) * 100 * time.Microsecond
	}
	s.DstDelay = time.Duration(n+1) * 100 * time.Microsecond
}

// Now is the virtual clock.
func (s *Network) Now() time.Time { return s.now }

// Advance moves the clock on by d, as an engine held up for d would find.
func (s *Network) Advance(d time.Duration) { s.now = s.now.Add(d) }

func (s *Network) push(p analyze.Packet) {
	s.queue = append(s.queue, p)
	sort.SliceStable(s.queue, func(i, j int) bool { return s.queue[i].Time.Before(s.queue[j].Time) })
}

// probe is what the network reads from a probe to route and answer it.
type probe struct {
	v6      bool
	ttl     int
	id, seq uint16
	payload []byte // the Echo payload
}

func parse(pkt []byte) (probe, error) {
	if len(pkt) == 0 {
		return probe{}, fmt.Errorf("tracetest: empty packet")
	}
	first := layers.LayerTypeIPv4
	if pkt[0]>>4 == 6 {
		first = layers.LayerTypeIPv6
	}
	pk := gopacket.NewPacket(pkt, first, gopacket.Default)
	var p probe
	switch ip := pk.NetworkLayer().(type) {
	case *layers.IPv4:
		p.ttl = int(ip.TTL)
		icmp, ok := pk.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		if !ok || icmp.TypeCode.Type() != layers.ICMPv4TypeEchoRequest {
			return p, fmt.Errorf("tracetest: not an ICMP Echo Request")
		}
		p.id, p.seq, p.payload = icmp.Id, icmp.Seq, icmp.Payload
	case *layers.IPv6:
		p.v6, p.ttl = true, int(ip.HopLimit)
		icmp, ok := pk.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
		echo, ok2 := pk.Layer(layers.LayerTypeICMPv6Echo).(*layers.ICMPv6Echo)
		if !ok || !ok2 || icmp.TypeCode.Type() != layers.ICMPv6TypeEchoRequest {
			return p, fmt.Errorf("tracetest: not an ICMPv6 Echo Request")
		}
		p.id, p.seq, p.payload = echo.Identifier, echo.SeqNumber, echo.Payload
	default:
		return p, fmt.Errorf("tracetest: not an IP packet")
	}
	return p, nil
}

// Send captures the probe (unless MissProbe says the capture drops it) and
// queues the answer of the router its TTL (or hop limit) expires at, or of
// the destination.
func (s *Network) Send(pkt []byte) error {
	p, err := parse(pkt)
	if err != nil {
		return err
	}
	s.Sends = append(s.Sends, s.now)
	cp := append([]byte(nil), pkt...)
	if s.MissProbe == nil || !s.MissProbe(len(s.Sends)) {
		s.push(analyze.Packet{Time: s.now, Link: layers.LinkTypeRaw, Data: cp})
	}
	for i, r := range s.Routers {
		if p.ttl == i+1 {
			r.seen++
			if r.Silent || (r.Drop != nil && r.Drop(r.seen)) {
				return nil
			}
			d := r.Delay
			if r.Late != nil {
				d += r.Late(r.seen)
			}
			s.errorReply(r.Addr, d, p.v6, false, cp)
			return nil
		}
		if r.Unreach {
			s.errorReply(r.Addr, r.Delay, p.v6, true, cp)
			return nil
		}
	}
	if !s.DstSilent {
		s.echoReply(p)
	}
	return nil
}

// errorReply queues a Time Exceeded (or, with unreach, a host/address
// unreachable) quoting the probe: the IPv4 header and 8 bytes (RFC 792), or
// the whole IPv6 probe after 4 unused bytes (RFC 4443 2.4 (c)).
func (s *Network) errorReply(from netip.Addr, d time.Duration, v6, unreach bool, pkt []byte) {
	if v6 {
		tc := layers.CreateICMPv6TypeCode(layers.ICMPv6TypeTimeExceeded, layers.ICMPv6CodeHopLimitExceeded)
		if unreach {
			tc = layers.CreateICMPv6TypeCode(layers.ICMPv6TypeDestinationUnreachable, layers.ICMPv6CodeAddressUnreachable)
		}
		body := append(make([]byte, 4), pkt...)
		s.emit6(from, d, &layers.ICMPv6{TypeCode: tc}, gopacket.Payload(body))
		return
	}
	tc := layers.CreateICMPv4TypeCode(layers.ICMPv4TypeTimeExceeded, layers.ICMPv4CodeTTLExceeded)
	if unreach {
		tc = layers.CreateICMPv4TypeCode(layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv4CodeHost)
	}
	ihl := int(pkt[0]&0x0f) * 4
	s.emit4(from, d, &layers.ICMPv4{TypeCode: tc}, gopacket.Payload(pkt[:ihl+8]))
}

// echoReply queues the destination's Echo Reply, or ICMPv6 Echo Reply (129).
func (s *Network) echoReply(p probe) {
	if p.v6 {
		s.emit6(s.Dst, s.DstDelay, &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoReply, 0)},
			&layers.ICMPv6Echo{Identifier: p.id, SeqNumber: p.seq}, gopacket.Payload(p.payload))
		return
	}
	s.emit4(s.Dst, s.DstDelay, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoReply, 0), Id: p.id, Seq: p.seq},
		gopacket.Payload(p.payload))
}

func (s *Network) emit4(from netip.Addr, d time.Duration, ls ...gopacket.SerializableLayer) {
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolICMPv4,
		SrcIP: from.AsSlice(), DstIP: s.Src.AsSlice()}
	s.emit(d, append([]gopacket.SerializableLayer{ip}, ls...))
}

func (s *Network) emit6(from netip.Addr, d time.Duration, icmp *layers.ICMPv6, ls ...gopacket.SerializableLayer) {
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolICMPv6,
		SrcIP: from.AsSlice(), DstIP: s.Src.AsSlice()}
	if err := icmp.SetNetworkLayerForChecksum(ip); err != nil {
		panic(err)
	}
	s.emit(d, append([]gopacket.SerializableLayer{ip, icmp}, ls...))
}

func (s *Network) emit(d time.Duration, ls []gopacket.SerializableLayer) {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		panic(fmt.Sprintf("tracetest: serialize reply: %v", err))
	}
	s.push(analyze.Packet{Time: s.now.Add(d), Link: layers.LinkTypeRaw, Data: append([]byte(nil), buf.Bytes()...)})
}

// Next hands over the next captured packet due by deadline, moving the
// clock to its time; when none is due it moves the clock to deadline.
func (s *Network) Next(ctx context.Context, deadline time.Time) (analyze.Packet, bool, error) {
	if err := ctx.Err(); err != nil {
		return analyze.Packet{}, false, err
	}
	if len(s.queue) > 0 && !s.queue[0].Time.After(deadline) {
		p := s.queue[0]
		s.queue = s.queue[1:]
		if p.Time.After(s.now) {
			s.now = p.Time
		}
		return p, true, nil
	}
	if deadline.After(s.now) {
		s.now = deadline
	}
	return analyze.Packet{}, false, nil
}

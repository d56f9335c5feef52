package trace

import (
	"context"
	"net/netip"
	"sort"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// simRouter is one router of the simulated path.
type simRouter struct {
	addr    netip.Addr
	silent  bool               // never sends Time Exceeded
	drop    func(seq int) bool // loses the reply to the seq-th probe it answers
	delay   time.Duration      // its reply's RTT
	unreach bool               // answers host-unreachable for packets it would forward
	seen    int
}

// simNet is an in-memory network with a virtual clock: it captures the
// probes sent through it and answers them as kernel routers do.
type simNet struct {
	now       time.Time
	src, dst  netip.Addr
	routers   []*simRouter
	dstSilent bool
	dstDelay  time.Duration
	queue     []analyze.Packet
	sends     []time.Time
}

func newSim(n int) *simNet {
	s := &simNet{
		now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		src: netip.MustParseAddr("10.77.1.1"),
		dst: netip.AddrFrom4([4]byte{10, 77, byte(n + 1), 2}),
	}
	for i := 1; i <= n; i++ {
		s.routers = append(s.routers, &simRouter{
			addr:  netip.AddrFrom4([4]byte{10, 77, byte(i), 2}),
			delay: time.Duration(i) * 100 * time.Microsecond,
		})
	}
	s.dstDelay = time.Duration(n+1) * 100 * time.Microsecond
	return s
}

func (s *simNet) Now() time.Time { return s.now }

func (s *simNet) push(p analyze.Packet) {
	s.queue = append(s.queue, p)
	sort.SliceStable(s.queue, func(i, j int) bool { return s.queue[i].Time.Before(s.queue[j].Time) })
}

func (s *simNet) Send(pkt []byte) error {
	s.sends = append(s.sends, s.now)
	cp := append([]byte(nil), pkt...)
	s.push(analyze.Packet{Time: s.now, Link: layers.LinkTypeRaw, Data: cp})
	ttl := int(pkt[8])
	for i, r := range s.routers {
		hop := i + 1
		if ttl == hop {
			r.seen++
			if r.silent || (r.drop != nil && r.drop(r.seen)) {
				return nil
			}
			s.reply(r.addr, r.delay, layers.ICMPv4TypeTimeExceeded, 0, cp)
			return nil
		}
		if r.unreach {
			s.reply(r.addr, r.delay, layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv4CodeHost, cp)
			return nil
		}
	}
	if !s.dstSilent {
		s.echo(cp)
	}
	return nil
}

func (s *simNet) reply(from netip.Addr, d time.Duration, typ, code uint8, probe []byte) {
	quote := probe[:28]
	s.emit(from, d, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, code)}, quote)
}

func (s *simNet) echo(probe []byte) {
	id := uint16(probe[24])<<8 | uint16(probe[25])
	seq := uint16(probe[26])<<8 | uint16(probe[27])
	s.emit(s.dst, s.dstDelay, &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoReply, 0), Id: id, Seq: seq}, probe[28:])
}

func (s *simNet) emit(from netip.Addr, d time.Duration, icmp *layers.ICMPv4, payload []byte) {
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolICMPv4,
		SrcIP: from.AsSlice(), DstIP: s.src.AsSlice()}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		ip, icmp, gopacket.Payload(payload)); err != nil {
		panic(err)
	}
	s.push(analyze.Packet{Time: s.now.Add(d), Link: layers.LinkTypeRaw, Data: append([]byte(nil), buf.Bytes()...)})
}

func (s *simNet) Next(ctx context.Context, deadline time.Time) (analyze.Packet, bool, error) {
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

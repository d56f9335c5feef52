package trace

import (
	"net/netip"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"
)

// Prober builds a run's probes and recognises them in the capture: the
// one place the engine learns what a probe looks like. craft.Prober is
// one; tests fake it.
type Prober interface {
	// Build returns probe number n of the run (n = 0, 1, 2, ... in send
	// order) with the given TTL or hop limit. The slice is valid until the
	// next Build.
	Build(ttl uint8, n int) ([]byte, error)
	// IsProbe reports whether a decoded packet is one of the run's probes.
	IsProbe(inf *analyze.Info) bool
}

// echoProber is the run's ICMP (or ICMPv6) Echo probes as tracers has
// always sent them: identifier id, sequence number and IPv4 ID
// craft.SeqFor(ttl, attempt), where attempt counts the probes built at
// that TTL. It stands in for craft's Prober until that lands.
type echoProber struct {
	b        *craft.Builder
	src, dst netip.Addr
	id       uint16
	payload  int
	attempts [256]uint8
}

func newEchoProber(o Options) *echoProber {
	return &echoProber{b: craft.NewBuilder(), src: o.Src, dst: o.Dst, id: o.ID, payload: o.Payload}
}

// Build builds the next attempt at ttl; n is not needed, the attempt
// count per TTL says the same for this wire format.
func (p *echoProber) Build(ttl uint8, _ int) ([]byte, error) {
	seq := craft.SeqFor(ttl, p.attempts[ttl])
	p.attempts[ttl]++
	return p.b.Build(craft.Spec{Src: p.src, Dst: p.dst, TTL: ttl, ID: p.id, Seq: seq, IPID: seq, Payload: p.payload})
}

// IsProbe compares without zones: packets carry none, a link-local
// destination (fe80::1%eth0) does.
func (p *echoProber) IsProbe(inf *analyze.Info) bool {
	return IsProbe(inf, p.src.WithZone(""), p.dst.WithZone(""), p.id)
}

// IsProbe reports whether inf is one of this run's probes: an ICMP Echo
// Request (IPv4, type 8) or ICMPv6 Echo Request (IPv6, type 128) from src
// to dst with the run's echo identifier.
func IsProbe(inf *analyze.Info, src, dst netip.Addr, id uint16) bool {
	if inf.ID != id || inf.Src != src || inf.Dst != dst {
		return false
	}
	switch inf.Proto {
	case layers.IPProtocolICMPv4:
		return inf.Type == layers.ICMPv4TypeEchoRequest
	case layers.IPProtocolICMPv6:
		return inf.Type == layers.ICMPv6TypeEchoRequest
	}
	return false
}

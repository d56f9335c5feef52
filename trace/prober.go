package trace

import (
	"fmt"

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

// defaultProber is the run's probes when Options.Prober is nil: ICMP (or
// ICMPv6) Echo, classic, as tracers has always sent them (identifier ID,
// sequence number and IPv4 ID craft.SeqFor(ttl, attempt)).
func defaultProber(o Options) (Prober, error) {
	p, err := craft.NewProber(craft.Method{Proto: analyze.ICMP, ID: o.ID, Payload: o.Payload}, o.Src, o.Dst)
	if err != nil {
		return nil, fmt.Errorf("probes: %w", err)
	}
	return p, nil
}

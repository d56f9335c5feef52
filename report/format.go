package report

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/tracers/tracers/analyze"
)

// Options control rendering.
type Options struct {
	// Names returns a host name for an address, or "" when it has none.
	// Nil means numeric output only (traceroute -n). report calls it
	// for every responder it prints and does no caching of its own.
	Names func(netip.Addr) string
	// StopAtEnd shows hops only up to Trace.EndTTL, as a live run does.
	// When false every TTL seen on the wire is shown, and those past the
	// destination are marked (replay).
	StopAtEnd bool
	// Explain adds, under each hop line, sentences saying what the hop's
	// packets show (see Explain), each indented by six spaces.
	Explain bool
	// Paris says whether a trace's probes were Paris ones (JSON "paris"):
	// a run knows its method. Nil derives it from the probes (Paris).
	Paris func(*analyze.Trace) bool
	// GapSilent and GapAfter, set by a live run that its gap limit ended
	// (trace.Result), add "gap_limit": {"after_ttl": GapAfter,
	// "silent_ttls": GapSilent} to the JSON trace: the trace stopped
	// after GapSilent silent TTLs past TTL GapAfter (0: nothing answered).
	GapSilent, GapAfter int
}

// host is an address as traceroute prints it: "name (addr)" when o.Names
// knows a name, else the bare address.
func (o Options) host(a netip.Addr) string { return string(o.appendHost(nil, a)) }

// appendHost appends o.host(a).
func (o Options) appendHost(b []byte, a netip.Addr) []byte {
	if o.Names != nil {
		if n := o.Names(a); n != "" {
			b = append(b, n...)
			b = append(b, " ("...)
			b = a.AppendTo(b)
			return append(b, ')')
		}
	}
	return a.AppendTo(b)
}

// name is o.Names(a), or "" when o.Names is nil.
func (o Options) name(a netip.Addr) string {
	if o.Names == nil {
		return ""
	}
	return o.Names(a)
}

// hops returns the hops of tr that o shows.
func (o Options) hops(tr *analyze.Trace) []analyze.Hop {
	return o.shown(tr, tr.Hops())
}

// shown cuts hs, the hops of tr, to those that o shows.
func (o Options) shown(tr *analyze.Trace, hs []analyze.Hop) []analyze.Hop {
	if !o.StopAtEnd {
		return hs
	}
	end := tr.EndTTL()
	if end == 0 {
		return hs
	}
	n := 0
	for n < len(hs) && hs[n].TTL <= end {
		n++
	}
	return hs[:n]
}

// micros is d rounded to the nearest microsecond, in microseconds.
func micros(d time.Duration) int64 { return d.Round(time.Microsecond).Microseconds() }

// ms formats d in milliseconds with three decimals ("0.121"), from the
// rounded microseconds so that every format agrees to the digit.
func ms(d time.Duration) string { return string(appendMS3(nil, d)) }

// appendMS3 appends ms(d).
func appendMS3(b []byte, d time.Duration) []byte {
	us := micros(d)
	if us < 0 {
		b = append(b, '-')
		us = -us
	}
	b = strconv.AppendInt(b, us/1000, 10)
	f := us % 1000
	return append(b, '.', byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
}

// msValue is d in milliseconds with microsecond precision, as a number.
func msValue(d time.Duration) float64 { return float64(micros(d)) / 1000 }

// formatMS formats a millisecond value in the fewest digits that read
// back as the same float64 ("0.121", never "0.12100000000000001").
func formatMS(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// isICMP reports whether r came as an ICMP message, so that its Type and
// Code mean something (TCP answers carry 0, 0).
func isICMP(r *analyze.Reply) bool {
	return r.Kind != analyze.TCPReset && r.Kind != analyze.TCPSynAck
}

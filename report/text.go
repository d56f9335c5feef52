package report

import (
	"fmt"
	"io"

	"github.com/tracers/tracers/analyze"
)

// Text writes a whole trace as replay shows it: a title line, the hop
// lines (see Hop; only up to Trace.EndTTL when o.StopAtEnd), and one line
// saying how the trace ended:
//
//	trace 10.77.1.1 -> 10.77.5.2 (icmp), 6 probes
//	 1  10.77.1.2  0.121 ms  0.010 ms  0.009 ms
//	 2  10.77.5.2  0.200 ms  0.150 ms  0.140 ms
//	destination 10.77.5.2 reached at hop 2 (echo-reply)
//
// The last line is instead "stopped at hop N: KIND from ADDR" when an
// unreachable from elsewhere ended the trace, or "destination DST not
// reached". The probe count is every probe of the trace, shown or not.
func Text(w io.Writer, tr *analyze.Trace, o Options) error {
	if _, err := io.WriteString(w, title(tr)); err != nil {
		return err
	}
	if err := Hops(w, tr, o); err != nil {
		return err
	}
	_, err := io.WriteString(w, summary(tr)+"\n")
	return err
}

// Hops writes the hop lines of tr that o shows, each followed by its
// explanation when o.Explain is set.
func Hops(w io.Writer, tr *analyze.Trace, o Options) error {
	for _, h := range o.hops(tr) {
		if err := Hop(w, h, o); err != nil {
			return err
		}
		if !o.Explain {
			continue
		}
		for _, s := range Explain(tr, h) {
			if _, err := io.WriteString(w, "      "+s+"\n"); err != nil {
				return err
			}
		}
	}
	return nil
}

// title is the line that opens Text and Stats.
func title(tr *analyze.Trace) string {
	return fmt.Sprintf("trace %s -> %s (%s), %d probes\n", tr.Src, tr.Dst, tr.Proto, len(tr.Probes))
}

// summary says how tr ended.
func summary(tr *analyze.Trace) string {
	if d := tr.DestTTL(); d != 0 {
		r := firstReply(tr, d, func(r *analyze.Reply) bool { return r.FromDest })
		return fmt.Sprintf("destination %s reached at hop %d (%s)", tr.Dst, d, r.Kind)
	}
	if e := tr.EndTTL(); e != 0 {
		r := firstReply(tr, e, func(r *analyze.Reply) bool { return r.FromDest || r.Kind.Terminal() })
		return fmt.Sprintf("stopped at hop %d: %s from %s", e, r.Kind, r.From)
	}
	return fmt.Sprintf("destination %s not reached", tr.Dst)
}

// firstReply returns the first reply, in send order, to a probe with the
// given TTL that satisfies ok. The caller knows there is one.
func firstReply(tr *analyze.Trace, ttl int, ok func(*analyze.Reply) bool) *analyze.Reply {
	for _, p := range tr.Probes {
		if p.TTL == ttl && p.Reply != nil && ok(p.Reply) {
			return p.Reply
		}
	}
	return &analyze.Reply{}
}

package report

import (
	"io"
	"strconv"

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
	b := appendTitle(nil, tr)
	b = appendHops(b, tr, o)
	b = appendSummary(b, tr)
	_, err := w.Write(append(b, '\n'))
	return err
}

// TextWriter writes traces as Text does, a blank line between two, and
// with stats set each one's Stats table after a blank line, reusing its
// buffers from trace to trace. It is not safe for concurrent use.
type TextWriter struct {
	w     io.Writer
	o     Options
	stats bool
	n     int
	buf   []byte
	sc    textScratch
	t     table
}

// NewText returns a TextWriter writing to w.
func NewText(w io.Writer, o Options, stats bool) *TextWriter {
	return &TextWriter{w: w, o: o, stats: stats}
}

// Add writes tr.
func (t *TextWriter) Add(tr *analyze.Trace) error {
	b := t.buf[:0]
	if t.n > 0 {
		b = append(b, '\n')
	}
	t.n++
	b = appendTitle(b, tr)
	b = appendHopsSays(b, tr, t.o, &t.sc)
	b = appendSummary(b, tr)
	b = append(b, '\n')
	if t.stats {
		b = append(b, '\n')
		b = appendStats(b, tr, t.o.shown(tr, t.sc.hops), t.o, &t.t)
	}
	t.buf = b
	_, err := t.w.Write(b)
	return err
}

// Hops writes the hop lines of tr that o shows, each followed by its
// explanation when o.Explain is set.
func Hops(w io.Writer, tr *analyze.Trace, o Options) error {
	_, err := w.Write(appendHops(nil, tr, o))
	return err
}

func appendHops(b []byte, tr *analyze.Trace, o Options) []byte {
	return appendHopsSays(b, tr, o, &textScratch{})
}

// appendHopsSays is appendHops with says as scratch for the
// explanations, returned for reuse.
func appendHopsSays(b []byte, tr *analyze.Trace, o Options, sc *textScratch) []byte {
	sc.hops, sc.all = tr.AppendHops(sc.hops[:0], sc.all[:0])
	all := sc.hops // every hop, for the explanations
	for _, h := range o.shown(tr, all) {
		b = appendHop(b, h, o)
		if !o.Explain {
			continue
		}
		b = explain(b, tr, h, all)
	}
	return b
}

// textScratch is storage appendHopsSays reuses.
type textScratch struct {
	hops []analyze.Hop
	all  []*analyze.Probe
}

// appendTitle appends the line that opens Text and Stats.
func appendTitle(b []byte, tr *analyze.Trace) []byte {
	b = append(b, "trace "...)
	b = tr.Src.AppendTo(b)
	b = append(b, " -> "...)
	b = tr.Dst.AppendTo(b)
	b = append(b, " ("...)
	b = append(b, tr.Proto.String()...)
	b = append(b, "), "...)
	b = strconv.AppendInt(b, int64(len(tr.Probes)), 10)
	return append(b, " probes\n"...)
}

// title is appendTitle's line as a string.
func title(tr *analyze.Trace) string { return string(appendTitle(nil, tr)) }

// appendSummary appends how tr ended, without a newline.
func appendSummary(b []byte, tr *analyze.Trace) []byte {
	if d := tr.DestTTL(); d != 0 {
		r := firstReply(tr, d, func(r *analyze.Reply) bool { return r.FromDest })
		b = append(b, "destination "...)
		b = tr.Dst.AppendTo(b)
		b = append(b, " reached at hop "...)
		b = strconv.AppendInt(b, int64(d), 10)
		b = append(b, " ("...)
		b = append(b, r.Kind.String()...)
		return append(b, ')')
	}
	if e := tr.EndTTL(); e != 0 {
		r := firstReply(tr, e, func(r *analyze.Reply) bool { return r.FromDest || r.Kind.Terminal() })
		b = append(b, "stopped at hop "...)
		b = strconv.AppendInt(b, int64(e), 10)
		b = append(b, ": "...)
		b = append(b, r.Kind.String()...)
		b = append(b, " from "...)
		return r.From.AppendTo(b)
	}
	b = append(b, "destination "...)
	b = tr.Dst.AppendTo(b)
	return append(b, " not reached"...)
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

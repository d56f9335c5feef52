package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"
	"github.com/tracers/tracers/report"
	"github.com/tracers/tracers/trace"
)

// namer looks up host names: Start begins a lookup, Get waits for its
// answer ("" for none). capture.Names is one.
type namer interface {
	Start(netip.Addr)
	Get(netip.Addr) string
}

// traceTo runs the engine over w for o (Src, Dst and ID set) and prints
// what it finds to out: the header, then each hop as the engine hands it
// over (text), or every hop at the end (text with Explain), or the trace as
// JSON at the end. nm names the responders; nil prints addresses only.
// Probes the capture missed are reported on o.Stderr, when set.
// It returns the engine's result and error, and the output's error. An
// output that fails (a full disk, a closed pipe) ends the trace, as Ctrl-C
// does: what was captured is kept.
func traceTo(ctx context.Context, w trace.Wire, o Options, nm namer, out io.Writer) (res *trace.Result, runErr, outErr error) {
	parent := ctx
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	ro := reportOptions(o, nm)
	var hops chan analyze.Hop
	printed := make(chan struct{})
	var printErr error // the hop printer's, read once printed is closed
	if o.Format == "text" {
		name := o.Host
		if name == o.Dst.String() {
			name = ""
		}
		size := o.pktLen
		if size == 0 {
			size = craft.Len(o.Dst, o.Payload)
		}
		if err := report.Header(out, o.Dst, name, o.MaxHopsOr(), size); err != nil {
			return nil, nil, err
		}
	}
	if o.Format == "text" && o.Explain {
		// An explanation looks at later hops: print them all at the end.
		close(printed)
	} else if o.Format == "text" {
		// Hops are printed by their own goroutine, so that a slow name
		// lookup or terminal never holds up the engine.
		hops = make(chan analyze.Hop, 256)
		go func() {
			defer close(printed)
			for h := range hops {
				if printErr != nil {
					continue
				}
				if printErr = report.Hop(out, h, ro); printErr != nil {
					stop()
				}
			}
		}()
		onHop := o.OnHop
		o.OnHop = func(h analyze.Hop) {
			if onHop != nil {
				onHop(h)
			}
			if nm != nil {
				for _, a := range h.Responders() {
					nm.Start(a)
				}
			}
			hops <- cloneHop(h)
		}
	}
	res, runErr = trace.Run(ctx, w, o.Options)
	if res != nil {
		ro.GapSilent, ro.GapAfter = res.GapSilent, res.GapAfter
	}
	if hops != nil {
		close(hops)
		<-printed
		if outErr = printErr; outErr != nil && parent.Err() == nil && errors.Is(runErr, context.Canceled) {
			runErr = nil // the output's failure ended the run
		}
	}
	if res != nil && o.Format == "text" && o.Explain {
		if nm != nil {
			for _, p := range res.Trace.Probes {
				if p.Reply != nil {
					nm.Start(p.Reply.From)
				}
			}
		}
		outErr = report.Hops(out, res.Trace, ro)
	}
	if res != nil && o.Format == "json" {
		outErr = report.JSON(out, []*analyze.Trace{res.Trace}, ro)
	}
	switch {
	case res == nil || res.Missed == 0 || o.Stderr == nil:
	case res.Missed == res.Sent:
		// Not one on the wire: the kernel held them back, waiting for
		// the next hop's link address, and dropped them when it never
		// came (traceroute reads that as its own !H).
		next := "the gateway"
		if o.OnLink {
			next = o.Dst.String() + ", on this link,"
		}
		fmt.Fprintf(o.Stderr, "tracers: none of the %d probes sent reached the wire: the kernel holds back packets to a next hop "+
			"that does not answer ARP or neighbour discovery; is %s up? (host unreachable)\n", res.Sent, next)
	default:
		fmt.Fprintf(o.Stderr, "tracers: warning: the capture missed %d of the %d probes sent; "+
			"they are left out of the trace, as a replay of the capture would leave them out\n", res.Missed, res.Sent)
	}
	return res, runErr, outErr
}

// reportOptions are the renderer's settings for a run: hops up to the end
// of the trace, as traceroute prints them.
func reportOptions(o Options, nm namer) report.Options {
	ro := report.Options{StopAtEnd: true, Explain: o.Explain}
	if o.method != nil {
		// The run knows whether its probes were Paris; a replay of ICMP
		// cannot tell (report.Paris).
		paris := o.method.Paris
		ro.Paris = func(*analyze.Trace) bool { return paris }
	}
	if nm != nil {
		ro.Names = nm.Get
	}
	return ro
}

// cloneHop copies a hop and its probes, so that the printer reads a
// snapshot while the engine goes on matching late replies.
func cloneHop(h analyze.Hop) analyze.Hop {
	c := h
	c.Probes = make([]*analyze.Probe, len(h.Probes))
	for i, p := range h.Probes {
		q := *p
		if p.Reply != nil {
			r := *p.Reply
			q.Reply = &r
		}
		c.Probes[i] = &q
	}
	return c
}

package replay

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/report"
)

// Options are the settings of `tracers replay`.
type Options struct {
	File    string // "-" for standard input
	Format  string // text, json or csv
	Stats   bool   // add an mtr-like table per trace
	Filter  string // BPF expression packets must match, as tcpdump -r applies it
	Explain bool   // explain each hop in words (text format)
	Write   string // save the packets of the traces found to this pcap/pcapng file
	App     string // written into pcapng files, e.g. "tracers 0.1.0"
	Command string // the command line, written into pcapng files
	// Warn, when set, receives warnings about the replay (the analyzer
	// forgot probes early, see warnBound), one line each.
	Warn io.Writer
}

// Run replays o.File into out. Traces found before any damage in the file
// are rendered even when reading fails; the error then says where.
//
// A replay keeps only the probes within the analyzer's window and the
// traces still open, about 20 MB for a busy capture; left alone, the
// garbage collector lets the heap grow to twice that between collections.
// A program that wants a lower peak sets a soft memory limit (tracers
// replay sets 48 MiB, see runtime/debug.SetMemoryLimit).
func Run(ctx context.Context, o Options, out io.Writer) error {
	if o.Write != "" && o.File == "-" {
		return fmt.Errorf("--write needs a capture file it can read twice, not standard input")
	}
	r, filter, err := open(ctx, o.File, o.Filter)
	if err != nil {
		return err
	}
	defer r.Close()
	bw := bufio.NewWriterSize(out, 64<<10)
	out = bw
	var keep frames
	ro := report.Options{Explain: o.Explain}
	var emit func(*analyze.Trace) error
	var closeOut func() error
	n := 0
	switch o.Format {
	case "text":
		emit = report.NewText(out, ro, o.Stats).Add
		closeOut = func() error { return nil }
	case "json":
		j := report.NewJSON(out, ro)
		emit, closeOut = j.Add, j.Close
	case "csv":
		c := report.NewCSV(out, ro)
		emit, closeOut = c.Add, c.Close
	default:
		return fmt.Errorf("unknown format %q (want text, json or csv)", o.Format)
	}
	// Traces are rendered on a goroutine of their own while the analyzer
	// goes on: it never changes a trace once handed to OnTrace.
	var outErr error
	h := newHandoff()
	rendered := make(chan struct{})
	go func() {
		defer close(rendered)
		for ts := range h.traces {
			for _, t := range ts {
				if outErr == nil {
					outErr = emit(t)
				}
				n++
			}
			h.giveBack(ts)
			if len(h.traces) == 0 && outErr == nil {
				// Nothing more to render for now: let a reader of a
				// pipe (replay -) see the traces finished so far.
				outErr = bw.Flush()
			}
		}
		if err := closeOut(); outErr == nil {
			outErr = err
		}
	}()
	an := analyze.New(analyze.Options{OnTrace: func(t *analyze.Trace) {
		if o.Write != "" {
			keep.addTrace(t)
		}
		h.add(t)
	}})
	readErr := analyzeFile(ctx, r, filter, an, func() { h.send(an) })
	an.Close()
	warnBound(o.Warn, an.Stats())
	h.send(an)
	close(h.traces)
	<-rendered
	if o.Format == "text" && n == 0 && readErr == nil {
		fmt.Fprintf(out, "no traceroute found in %s (%d packets%s)\n", o.File, r.Count(), whyNone(an.Stats(), r))
	} else if st := an.Stats(); o.Warn != nil && st.Malformed > 0 {
		// Said in the line above when no trace was found.
		fmt.Fprintf(o.Warn, "tracers: warning: %d packets are cut short or malformed (a capture cut at a small snaplen? tcpdump -s 0 keeps whole packets): a probe or reply among them is missing from its trace\n", st.Malformed)
	}
	if err := bw.Flush(); outErr == nil {
		outErr = err
	}
	var writeErr error
	if o.Write != "" {
		writeErr = export(ctx, o, filter, keep)
	}
	return errors.Join(readErr, outErr, writeErr)
}

// whyNone says, after a packet count, why a capture held no traceroute
// when its packets tell: cut short, or of a link type tracers does not
// decode; "" otherwise.
func whyNone(st analyze.Stats, r *capture.Reader) string {
	lt, ok := r.LinkType()
	switch {
	case st.Malformed > 0:
		return fmt.Sprintf(", %d of them cut short or malformed: a small snaplen?", st.Malformed)
	case st.UnknownLink > 0 && ok:
		return fmt.Sprintf(", %d of link type %s, which tracers does not decode", st.UnknownLink, linkName(lt))
	case st.UnknownLink > 0:
		return fmt.Sprintf(", %d of link types tracers does not decode", st.UnknownLink)
	}
	return ""
}

// linkName is lt's number, and its name when gopacket knows it.
func linkName(lt layers.LinkType) string {
	if s := lt.String(); s != "UnknownLinkType" {
		return fmt.Sprintf("%d (%s)", int(lt), s)
	}
	return strconv.Itoa(int(lt))
}

// warnBound tells w (when set) that the analyzer, holding as many probes
// as its bound allows (analyze.Options.MaxWindow), forgot some early, and
// that ICMP errors quoted too little to be matched.
func warnBound(w io.Writer, st analyze.Stats) {
	if w != nil && st.ShortQuotes > 0 {
		fmt.Fprintf(w, "tracers: warning: %d ICMP errors quote too little of the packet they answer to be matched (a capture cut at a small snaplen? tcpdump -s 0 keeps whole packets): the probes they answer show as unanswered\n", st.ShortQuotes)
	}
	if w == nil || st.Forgotten+st.Shed == 0 {
		return
	}
	fmt.Fprintf(w, "tracers: warning: more than %d probes within the analyzer's window: %d probes forgotten early and %d traces handed over early to bound memory; a reply to one of them counts as unmatched, and a trace may show in parts\n",
		analyze.DefaultMaxWindow, st.Forgotten, st.Shed)
}

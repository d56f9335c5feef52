package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"runtime/metrics"

	"github.com/tracers/tracers/analyze"
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
}

// memoryLimit is the soft memory limit Run sets for its duration (see
// runtime/debug.SetMemoryLimit), and memoryHeadroom what it leaves above
// the memory the program already used when Run began.
const (
	memoryLimit    = 48 << 20
	memoryHeadroom = 40 << 20
)

// limitMemory sets a soft memory limit for a replay, unless the program
// has one, and returns the function that restores the previous limit.
func limitMemory() (restore func()) {
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return func() {}
	}
	// What the limit counts: all the runtime's memory but the heap
	// memory released to the OS.
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	used := int64(0)
	if s[0].Value.Kind() == metrics.KindUint64 && s[1].Value.Kind() == metrics.KindUint64 {
		used = int64(s[0].Value.Uint64() - s[1].Value.Uint64())
	}
	prev := debug.SetMemoryLimit(max(memoryLimit, used+memoryHeadroom))
	return func() { debug.SetMemoryLimit(prev) }
}

// Run replays o.File into out. Traces found before any damage in the file
// are rendered even when reading fails; the error then says where.
//
// A replay keeps only the probes within the analyzer's window and the
// traces still open, about 20 MB for a busy capture; left alone, the
// garbage collector would let the heap grow to twice that between
// collections. Unless the program already has a memory limit (GOMEMLIMIT),
// Run sets a soft limit of 48 MiB while it runs, so that peak RSS stays
// under 64 MB: collections come more often as the heap nears it, and a
// capture with more in flight than fits goes over it rather than fail.
// The limit is process-wide, so a program that already uses memory gets
// 40 MiB above what it used when Run began instead of a limit it would
// spend its time collecting under.
func Run(ctx context.Context, o Options, out io.Writer) error {
	defer limitMemory()()
	if o.Write != "" && o.File == "-" {
		return fmt.Errorf("--write needs a capture file it can read twice, not standard input")
	}
	r, filter, err := open(o.File, o.Filter)
	if err != nil {
		return err
	}
	defer r.Close()
	var keep frames
	ro := report.Options{Explain: o.Explain}
	var emit func(*analyze.Trace) error
	var closeOut func() error
	n := 0
	switch o.Format {
	case "text":
		emit = func(t *analyze.Trace) error {
			if n > 0 {
				fmt.Fprintln(out)
			}
			if err := report.Text(out, t, ro); err != nil {
				return err
			}
			if o.Stats {
				fmt.Fprintln(out)
				return report.Stats(out, t, ro)
			}
			return nil
		}
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
	var outErr error
	an := analyze.New(analyze.Options{OnTrace: func(t *analyze.Trace) {
		if o.Write != "" {
			keep.addTrace(t)
		}
		if outErr == nil {
			outErr = emit(t)
		}
		n++
	}})
	readErr, _ := each(ctx, r, func(p analyze.Packet) error {
		if filter == nil || filter.Match(p) {
			an.Add(p)
		}
		return nil
	})
	an.Close()
	if err := closeOut(); outErr == nil {
		outErr = err
	}
	if o.Format == "text" && n == 0 && readErr == nil {
		fmt.Fprintf(out, "no traceroute found in %s (%d packets)\n", o.File, r.Count())
	}
	var writeErr error
	if o.Write != "" {
		writeErr = export(ctx, o, filter, keep)
	}
	return errors.Join(readErr, outErr, writeErr)
}

package replay

import (
	"context"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
)

// batchSize is how many decoded packets go from the reading goroutine to
// the analyzer at a time: enough that handing over costs nothing per
// packet, few enough that a batch stays in the CPU's cache.
const batchSize = 1024

// batches is how many batches are in flight; it bounds the read-ahead.
const batches = 4

// batch is packets read, decoded and prepared ahead of the analyzer.
type batch struct {
	n     int
	notes [batchSize]analyze.Note
}

// analyzeFile feeds every packet of r that matches filter (all when nil)
// to an, reading and decoding on a goroutine of its own while an analyzes
// the packets before, so that the two share the work of a replay between
// two CPUs. It returns the read error as each does. an sees exactly what
// an.Add would have shown it, in the same order. Traces that come back on
// done, rendered, are given back to an for reuse.
func analyzeFile(ctx context.Context, r *capture.Reader, filter *capture.Filter, an *analyze.Analyzer, done <-chan *analyze.Trace) error {
	free := make(chan *batch, batches)
	full := make(chan *batch, batches)
	for range batches {
		free <- new(batch)
	}
	var readErr error
	go func() {
		defer close(full)
		dec := analyze.NewDecoder()
		var inf analyze.Info
		b := <-free
		readErr, _ = each(ctx, r, func(p analyze.Packet) error {
			if filter != nil && !filter.Match(p) {
				return nil
			}
			err := dec.Decode(p.Link, p.Data, &inf)
			an.Prepare(&b.notes[b.n], p.Time, &inf, err)
			// Hand the batch over when it is full, or when reading on
			// would wait for more input: a capture streamed through a
			// pipe (tcpdump -w - | tracers replay -) is analysed as it
			// comes.
			if b.n++; b.n == batchSize || !r.Buffered() {
				full <- b
				b = <-free
				// The analyzer, on the other CPU, read these cache lines
				// last: taking them back in one sweep costs far less
				// than a stalled store per note as the batch fills.
				clear(b.notes[:])
			}
			return nil
		})
		if b.n > 0 {
			full <- b
		}
	}()
	for b := range full {
		recycle(an, done)
		for i := range b.n {
			an.AddNote(&b.notes[i])
		}
		b.n = 0
		free <- b
	}
	return readErr // written before full was closed
}

// recycle gives an the traces rendered so far.
func recycle(an *analyze.Analyzer, done <-chan *analyze.Trace) {
	for {
		select {
		case t := <-done:
			an.Recycle(t)
		default:
			return
		}
	}
}

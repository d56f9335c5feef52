package replay

import (
	"context"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
)

// batchSize is how many decoded packets go from the reading goroutine to
// the analyzer at a time: enough that handing over costs nothing per
// packet, few enough that a batch stays in the CPU's cache. 2048 rather
// than 1024 halves the hand-overs (and the renderer's wake-ups, one per
// batch): on the 2M-packet real-traffic capture of
// scripts/bench-replay.sh, 12 runs of each mode in turns with 1024 (load
// about 2), the median wall time went 0.47 -> 0.45 s (text), 0.505 ->
// 0.48 s (json), 0.56 -> 0.54 s (csv), 0.59 -> 0.58 s (--explain), and in
// 8 runs 0.67 -> 0.65 s (--stats) and 1.36 -> 1.30 s (--packets), CPU time
// 1-2 % less, peak RSS 2-3 MB more (45-54 MB). 4096 was no better.
const batchSize = 2048

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
// an.Add would have shown it, in the same order. after runs on the
// analyzer's goroutine after each batch.
func analyzeFile(ctx context.Context, r *capture.Reader, filter *capture.Filter, an *analyze.Analyzer, after func()) error {
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
		readErr, _ = each(ctx, r, func(p *analyze.Packet) error {
			if filter != nil && !filter.Match(*p) {
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
		an.AddNotes(b.notes[:b.n])
		b.n = 0
		free <- b
		after()
	}
	return readErr // written before full was closed
}

// handoff carries finished traces from the analyzer to the renderer in
// batches, one per batch of packets rather than one per trace, so that
// the renderer is woken a few times per thousand packets, not for every
// trace; rendered batches come back for the analyzer to reuse.
type handoff struct {
	pending []*analyze.Trace
	spare   []*analyze.Trace // a rendered batch's slice, for pending
	traces  chan []*analyze.Trace
	done    chan []*analyze.Trace
}

func newHandoff() *handoff {
	return &handoff{traces: make(chan []*analyze.Trace, 16), done: make(chan []*analyze.Trace, 16)}
}

// add queues t for the renderer (analyzer's goroutine).
func (h *handoff) add(t *analyze.Trace) { h.pending = append(h.pending, t) }

// send gives an the traces rendered so far and hands the queued ones to
// the renderer (analyzer's goroutine).
func (h *handoff) send(an *analyze.Analyzer) {
	for {
		select {
		case ts := <-h.done:
			for i, t := range ts {
				an.Recycle(t)
				ts[i] = nil
			}
			h.spare = ts[:0]
			continue
		default:
		}
		break
	}
	if len(h.pending) > 0 {
		h.traces <- h.pending
		h.pending, h.spare = h.spare, nil
	}
}

// giveBack returns the rendered traces ts to the analyzer (renderer's
// goroutine); when it is behind, the collector takes them.
func (h *handoff) giveBack(ts []*analyze.Trace) {
	select {
	case h.done <- ts:
	default:
	}
}

package analyze

// maxFree bounds the probes kept for reuse, so that a burst of probes in
// flight does not hold its memory for the rest of a replay.
const maxFree = 1 << 16

// Probe slices of recycled traces are kept for new traces when they are
// no larger than maxSlice, at most maxSlices of them (8 MB).
const (
	maxSlice  = 256
	maxSlices = 4096
)

// held is a probe given back while the window may still index it, or a
// trace while its probes may still be reached: it is reused once the
// window has forgotten every probe numbered before after.
type held struct {
	after uint32
	p     *Probe
	tr    *Trace // or a trace, which its probes point to
}

// Recycle gives back tr, a trace handed to OnTrace that nothing reads any
// more, and its probes, for the analyzer to reuse: a replay then
// allocates little and the garbage collector seldom runs. It must be
// called on the analyzer's goroutine; tr and its probes must not be used
// after.
//
// What it buys is memory, not time: on the 2M-packet real-traffic mix
// (scripts/bench-replay.sh), 8 runs in turns with and without it, peak
// RSS 45-49 MB against 57-60 MB with --format json and 44-51 MB against
// 59-60 MB with --packets, CPU time the same within the noise (medians
// 1.40 against 1.37 s and 2.24 against 2.20 s). Under the 64 MB goal
// those 11 MB are the margin, so it stays.
func (a *Analyzer) Recycle(tr *Trace) {
	if !tr.finished {
		return // not handed over: the analyzer still uses it
	}
	// Every probe of tr was numbered before the one after its last. A
	// trace handed over when idle for Window is already out of the
	// window: its memory is free at once.
	after := a.win.next
	if n := len(tr.Probes); n > 0 {
		after = tr.Probes[n-1].num + 1
	}
	now := int32(a.win.oldest-after) >= 0
	for i, p := range tr.Probes {
		switch {
		case len(a.held)-a.heldOff+len(a.free) >= maxFree:
		case now:
			a.free = append(a.free, zeroed(p))
		default:
			a.held = append(a.held, held{after: after, p: p})
		}
		tr.Probes[i] = nil
	}
	if c := cap(tr.Probes); c >= 8 && c <= maxSlice && len(a.slices) < maxSlices {
		a.slices = append(a.slices, tr.Probes[:0])
	}
	tr.Probes = nil
	switch {
	case len(a.held)-a.heldOff+len(a.freeTraces) >= maxFree:
	case now:
		a.freeTraces = append(a.freeTraces, zeroed(tr))
	default:
		a.held = append(a.held, held{after: after, tr: tr})
	}
}

// zeroed zeroes *v for reuse and returns v. Free probes and traces are
// zeroed as they are freed, many in a row, rather than one at a time as
// they are taken: their memory was last read on the renderer's CPU, and
// taking it back in one sweep stalls far less than a stalled store per
// probe in the middle of the analyzer's work.
func zeroed[T any](v *T) *T {
	var zero T
	*v = zero
	return v
}

// newTrace returns a zeroed Trace: a recycled one when the window can no
// longer reach its probes, or a new one.
func (a *Analyzer) newTrace() *Trace { return take(a, &a.freeTraces) }

// newProbe returns a zeroed Probe: a recycled one when the window can no
// longer reach it, or a new one.
func (a *Analyzer) newProbe() *Probe { return take(a, &a.free) }

// probeSlice returns an empty slice for the probes of a new trace.
func (a *Analyzer) probeSlice() []*Probe {
	s, _ := pop(&a.slices)
	return s
}

// take returns a zeroed T off free, which a.release refills when it is
// empty, or a new T.
func take[T any](a *Analyzer, free *[]*T) *T {
	if len(*free) == 0 {
		a.release()
	}
	if v, ok := pop(free); ok {
		return v
	}
	return new(T)
}

// pop takes the last element off *s, leaving no reference to it behind.
func pop[T any](s *[]T) (v T, ok bool) {
	n := len(*s)
	if n == 0 {
		return v, false
	}
	v = (*s)[n-1]
	var zero T
	(*s)[n-1] = zero
	*s = (*s)[:n-1]
	return v, true
}

// release moves the held probes the window has forgotten to the free list.
func (a *Analyzer) release() {
	h := a.held[a.heldOff:]
	i := 0
	for i < len(h) && int32(a.win.oldest-h[i].after) >= 0 {
		if h[i].tr != nil {
			a.freeTraces = append(a.freeTraces, zeroed(h[i].tr))
		} else {
			a.free = append(a.free, zeroed(h[i].p))
		}
		h[i] = held{}
		i++
	}
	a.heldOff += i
	if a.heldOff == len(a.held) {
		a.held, a.heldOff = a.held[:0], 0
	} else if a.heldOff > len(a.held)/2 {
		n := copy(a.held, a.held[a.heldOff:])
		clear(a.held[n:])
		a.held, a.heldOff = a.held[:n], 0
	}
}

package trace

import (
	"math"
	"time"
)

// The wait rule (README, "How long tracers waits, and how far it sends").
const (
	// waitHere: a probe at a hop that answered other probes is given
	// this many times that hop's slowest RTT (traceroute's -w HERE is 3).
	// A hop's probes leave together and cross the same links, so their
	// replies come within jitter of each other; one later still fills its
	// hop while the trace runs.
	waitHere = 2
	// waitNear: a probe at a silent hop between answering hops is given
	// this many times the slower of its nearest answering neighbours.
	waitNear = 5
	// waitTail: a probe past the last answering hop is given this many
	// times the slowest RTT at or before it, and at least TailWait.
	waitTail = 10
	// silentMin: the least a probe at a silent hop is given. A router's
	// ICMP can lag its forwarding by tens of milliseconds (a busy or
	// rate-limited control plane), whatever the path's RTTs; that lag is
	// what a silent hop's neighbours cannot show.
	silentMin = 50 * time.Millisecond
)

// wait is how long an unanswered probe at ttl is given before the engine
// gives up on it (it stops holding the window and counts towards the gap;
// a reply that still comes before the trace is over fills it in).
func (e *engine) wait(ttl int) time.Duration {
	var w time.Duration
	if r := e.rttAt[ttl]; r > 0 {
		w = waitHere * r
	} else {
		below, above := e.neighbours(ttl)
		switch {
		case above > 0:
			w = max(waitNear*max(below, above), silentMin)
		case below > 0:
			w = max(waitTail*below, e.o.TailWait)
		default:
			return e.o.Wait
		}
	}
	// RTTs come from capture timestamps, but a reply reaches the engine
	// only after the capture and the scheduler deliver it: on a loaded
	// machine that lag, not the RTT, decides whether a reply is in time.
	return min(max(w, e.o.MinWait)+2*e.lag, e.o.Wait)
}

// neighbours returns the slowest RTTs of the nearest answering hops below
// and above ttl, 0 for none.
func (e *engine) neighbours(ttl int) (below, above time.Duration) {
	for t := ttl - 1; t >= e.o.FirstHop && below == 0; t-- {
		below = e.rttAt[t]
	}
	for t := ttl + 1; t <= e.o.MaxHops && above == 0; t++ {
		above = e.rttAt[t]
	}
	return below, above
}

// expire gives up on probes that have waited their time, whether the
// capture showed them or not: a probe the capture missed holds its place
// in the window until then, as any unanswered probe does.
func (e *engine) expire(now time.Time) {
	for _, i := range e.order {
		s := &e.slots[i]
		if !s.done && now.Sub(s.at) >= e.wait(s.ttl) {
			s.done = true
			e.flight--
		}
	}
}

// deadline is when the engine must look again if nothing is captured:
// the next probe to give up on, or the next token.
func (e *engine) deadline(now time.Time) time.Time {
	d := now.Add(e.o.Wait)
	for _, i := range e.order {
		s := &e.slots[i]
		if t := s.at.Add(e.wait(s.ttl)); !s.done && t.Before(d) {
			d = t
		}
	}
	if e.tokens < 1 && e.canSend() {
		// Round up, and at least 1ns: a deadline of now would spin.
		t := now.Add(max(time.Duration(math.Ceil((1-e.tokens)/e.o.Rate*float64(time.Second))), 1))
		if t.Before(d) {
			d = t
		}
	}
	return d
}

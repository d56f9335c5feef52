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
	// replies come within the path's jitter of each other: half an RTT
	// past the slowest of them is a wide margin, and one later still
	// fills its hop while the trace runs. On the delay lab with a link
	// losing 10 % of its packets (bench-delay.sh's linkloss), 1.5 took
	// tracers 77 ms where 2 took 98 and traceroute -I 135 (medians of 20
	// runs in turns).
	waitHere = 1.5
	// waitNear: a probe at a silent hop between answering hops is given
	// this many times the slower of its nearest answering neighbours.
	waitNear = 5
	// waitTail: a probe past the last answering hop is given this many
	// times the slowest RTT at or before it, and at least TailWait.
	waitTail = 10
	// silentMin and silentFar: the least a probe at a silent hop between
	// answering hops is given: 50ms, or silentFar times the RTT of the
	// farthest reply (at the last answering TTL) when that is less. A
	// router's ICMP can lag its forwarding by tens of milliseconds (a busy
	// or rate-limited control plane), which its neighbours cannot show;
	// on a path whose replies all come within a few ms (the µs lab) the
	// floor shrinks with them, still catching a router 4 times slower than
	// the destination (the engine test's slow hop).
	silentMin = 50 * time.Millisecond
	silentFar = 4
)

// wait is how long an unanswered probe at ttl is given before the engine
// gives up on it (it stops holding the window and counts towards the gap;
// a reply that still comes before the trace is over fills it in).
func (e *engine) wait(ttl int) time.Duration {
	var w time.Duration
	if r := e.rttAt[ttl]; r > 0 {
		w = time.Duration(waitHere * float64(r))
	} else {
		below, above := e.neighbours(ttl)
		switch {
		case above > 0:
			w = max(waitNear*max(below, above), min(silentMin, silentFar*e.rttAt[e.lastAnswer()]))
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
	if e.next < len(e.slots) && e.flight < e.o.InFlight && e.slots[e.next].ttl <= e.horizon() {
		// Held by the window alone: look again when a probe given up
		// stops holding it.
		if t := e.holdEnd(now); !t.IsZero() && t.Before(d) {
			d = t
		}
	}
	if e.tokens < 1 && e.canSend(now) {
		// Round up, and at least 1ns: a deadline of now would spin.
		t := now.Add(max(time.Duration(math.Ceil((1-e.tokens)/e.o.Rate*float64(time.Second))), 1))
		if t.Before(d) {
			d = t
		}
	}
	return d
}

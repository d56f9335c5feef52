package trace

import (
	"fmt"
	"time"
)

// Send shaping. Linux traceroute -I keeps -N 16 probes in flight, TTL by
// TTL, and sends a new probe for each answer, so on a path whose
// destination is d hops away it sends 16 + q*(d-1) probes (captured on the
// delay lab: 16, 19, 22, 25, 31 and 40 probes for d = 1, 2, 3, 4, 6, 9):
// q for every TTL up to the destination and N-q = 13 past it. tracers
// sends q probes for every TTL up to a horizon at once, and moves the
// horizon on as the path shows itself:
const (
	// firstTTLs is the first burst: every TTL from FirstHop up to
	// FirstHop+firstTTLs-1. On a path of 5 hops or more traceroute -I
	// sends at least 3*5+13 = 28 probes, more than these 27; on such a
	// path every hop within the burst is answered in one round trip.
	firstTTLs = 9
	// traceN is traceroute's -N default: the horizon runs (traceN-q)/q
	// TTLs past the highest TTL known to lie before the destination, as
	// many probes past it as traceroute keeps in flight past it; and past
	// the first burst a probe leaves only while fewer than traceN hold
	// traceroute's window (window), so that silent and lost probes hold
	// the sending back as they hold traceroute's: past the destination,
	// tracers never sends more than traceroute would.
	traceN = 16
	// holdHere: an unanswered probe at a hop that answered others holds
	// its place in the window for this many times the hop's slowest RTT,
	// traceroute's -w HERE, though the engine gives up on it sooner
	// (waitHere): traceroute sends its next probe only then.
	holdHere = 3
)

// burst is how many TTLs the first burst covers: firstTTLs, or the first
// hop alone when the destination is on the source's link (Options.OnLink):
// it answers there, and 24 more probes would all be past it. Should a
// router answer there instead (proxy ARP), the horizon moves on from it.
func (e *engine) burst() int {
	if e.o.OnLink {
		return 1
	}
	return firstTTLs
}

// horizon is the highest TTL the engine may send to now: the first burst,
// or, once a TTL is known to be short of the destination (a router
// answered there, or it stayed silent), (W-q)/q TTLs (at least one; W is
// the window's size) past the highest such TTL; never past the limit,
// and, once something answered, never past the gap limit beyond the last
// answer.
func (e *engine) horizon() int {
	known := e.short
	for ttl := max(known+1, e.o.FirstHop); ttl <= e.o.MaxHops && e.slotsAt(ttl)[0].sent; ttl++ {
		if e.silent(ttl) {
			known = ttl
		}
	}
	h := e.o.FirstHop + e.burst() - 1
	if known >= e.o.FirstHop {
		h = max(h, known+1+max(1, (e.windowSize()-e.o.Queries)/e.o.Queries))
	}
	if a := e.lastAnswer(); e.o.GapLimit > 0 && a >= e.o.FirstHop {
		h = min(h, a+e.o.GapLimit)
	}
	return min(h, e.limit())
}

// send sends what the horizon, the in-flight bound and the rate allow,
// TTL by TTL.
func (e *engine) send(now time.Time) error {
	e.tokens += now.Sub(e.last).Seconds() * e.o.Rate
	if m := e.bucket(); e.tokens > m {
		e.tokens = m
	}
	e.last = now
	h, win := e.horizon(), e.window(now)
	for e.next < len(e.slots) && e.flight < e.o.InFlight && e.tokens >= 1 {
		s := &e.slots[e.next]
		if e.held(s.ttl, h, win) {
			return nil
		}
		pkt, err := e.pr.Build(uint8(s.ttl), len(e.order))
		if err != nil {
			return fmt.Errorf("probe ttl %d: %w", s.ttl, err)
		}
		if err := e.w.Send(pkt); err != nil {
			return err
		}
		s.sent, s.at = true, now
		e.order = append(e.order, e.next)
		e.next++
		e.flight++
		win++
		e.tokens--
	}
	return nil
}

// rateBurst is how much of a second's rate may leave at once: the token
// bucket holds Rate x rateBurst tokens, at least one and at most
// InFlight. At the default 10,000 probes/s that is the whole first burst
// (27 probes); at --rate 1 it is one probe, so that no second sees more
// than the rate.
const rateBurst = 10 * time.Millisecond

// bucket is the token bucket's size.
func (e *engine) bucket() float64 {
	return max(1, min(float64(e.o.InFlight), e.o.Rate*rateBurst.Seconds()))
}

// canSend reports whether the next probe waits only for a token.
func (e *engine) canSend(now time.Time) bool {
	if e.next >= len(e.slots) || e.flight >= e.o.InFlight {
		return false
	}
	return !e.held(e.slots[e.next].ttl, e.horizon(), e.window(now))
}

// held reports whether a probe at ttl must wait: past the horizon h, or
// past the first burst while win probes, the window's size or more, hold
// the window.
func (e *engine) held(ttl, h, win int) bool {
	return ttl > h || (ttl >= e.o.FirstHop+e.burst() && win >= e.windowSize())
}

// windowSize is the size of traceroute's window: Options.Window, or
// traceN.
func (e *engine) windowSize() int {
	if e.o.Window > 0 {
		return e.o.Window
	}
	return traceN
}

// window is how many probes hold traceroute's window at now: sent,
// unanswered, and either still awaited or given up less than hold ago.
func (e *engine) window(now time.Time) int {
	n := 0
	for _, i := range e.order {
		if s := &e.slots[i]; !s.answered() && (!s.done || now.Sub(s.at) < e.hold(s.ttl)) {
			n++
		}
	}
	return n
}

// hold is how long an unanswered probe at ttl holds its place in the
// window: holdHere times its hop's slowest RTT where the hop answered,
// and never less than the engine waits for it.
func (e *engine) hold(ttl int) time.Duration {
	w := e.wait(ttl)
	if r := e.rttAt[ttl]; r > 0 {
		w = max(w, min(holdHere*r, e.o.Wait))
	}
	return w
}

// holdEnd is the earliest time after now that a probe given up stops
// holding the window, or the zero time for none.
func (e *engine) holdEnd(now time.Time) time.Time {
	var d time.Time
	for _, i := range e.order {
		s := &e.slots[i]
		if s.answered() || !s.done {
			continue
		}
		if t := s.at.Add(e.hold(s.ttl)); t.After(now) && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	return d
}

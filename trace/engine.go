package trace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"
)

// Wire is what the engine needs from the network: send a probe, receive
// captured packets (its own probes included), and tell the time.
type Wire interface {
	Send(pkt []byte) error
	// Next returns the next captured packet; ok is false when deadline
	// passes first.
	Next(ctx context.Context, deadline time.Time) (p analyze.Packet, ok bool, err error)
	Now() time.Time
}

// Defaults for Options.
const (
	DefaultMaxHops  = 30
	DefaultQueries  = 3
	DefaultWait     = 5 * time.Second
	DefaultRate     = 10000 // probes per second; DefaultInFlight is the real bound, as traceroute -N
	DefaultInFlight = 16    // like traceroute -N 16
)

// Options describe one trace.
type Options struct {
	Src, Dst netip.Addr
	ID       uint16 // echo identifier (ICMP or ICMPv6): this run's identity
	FirstHop int
	MaxHops  int
	Queries  int
	Wait     time.Duration // ceiling of the wait for one probe
	Rate     float64       // probes per second
	InFlight int           // probes awaiting an answer at once
	Payload  int           // echo payload bytes
	OnHop    func(analyze.Hop)
	OnPacket func(analyze.Packet) // every captured packet, before analysis
	// MinWait is the least an unanswered probe is given once replies set
	// the pace (default 10ms): scheduling jitter must not turn a reply
	// into a '*'.
	MinWait time.Duration
	// TailWait is the least a probe is given when no hop at or beyond its
	// TTL has answered yet (default 500ms, never above Wait).
	TailWait time.Duration
}

// Wait factors, as Linux traceroute's -w MAX,HERE,NEAR: a probe is given
// here times the slowest RTT already seen at its own hop, or near times the
// slowest RTT seen at a hop beyond it, or tail times the slowest RTT seen
// anywhere.
const (
	waitHere = 3
	waitNear = 10
	waitTail = 10
)

func (o *Options) setDefaults() {
	if o.FirstHop <= 0 {
		o.FirstHop = 1
	}
	if o.MaxHops <= 0 {
		o.MaxHops = DefaultMaxHops
	}
	if o.Queries <= 0 {
		o.Queries = DefaultQueries
	}
	if o.Wait <= 0 {
		o.Wait = DefaultWait
	}
	if o.Rate <= 0 {
		o.Rate = DefaultRate
	}
	if o.InFlight <= 0 {
		o.InFlight = DefaultInFlight
	}
	if o.MinWait <= 0 {
		o.MinWait = 10 * time.Millisecond
	}
	if o.TailWait <= 0 {
		o.TailWait = 500 * time.Millisecond
	}
}

// Check validates the options a user sets.
func (o *Options) Check() error {
	switch {
	case o.FirstHop < 0 || o.FirstHop > 255:
		return fmt.Errorf("first hop %d out of range 1..255", o.FirstHop)
	case o.MaxHops < 0 || o.MaxHops > 255:
		return fmt.Errorf("max hops %d out of range 1..255", o.MaxHops)
	case o.FirstHop > 0 && o.MaxHops > 0 && o.FirstHop > o.MaxHops:
		return fmt.Errorf("first hop %d is above max hops %d", o.FirstHop, o.MaxHops)
	case o.Queries < 0 || o.Queries > 10:
		return fmt.Errorf("queries per hop %d out of range 1..10", o.Queries)
	case o.Wait < 0 || o.Wait > time.Minute:
		return fmt.Errorf("wait %s out of range (0, 60s]", o.Wait)
	case o.InFlight < 0 || o.InFlight > 255:
		return fmt.Errorf("probes in flight %d out of range 1..255", o.InFlight)
	case o.Rate < 0 || o.Rate > 100000:
		return fmt.Errorf("rate %g out of range (0, 100000] probes/s", o.Rate)
	case o.Payload < 0 || o.Payload > maxPayload4:
		return fmt.Errorf("payload %d out of range 0..%d", o.Payload, maxPayload4)
	case o.Dst.Is6() && o.Payload > maxPayload6:
		return fmt.Errorf("payload %d out of range 0..%d for IPv6", o.Payload, maxPayload6)
	}
	return nil
}

// The largest Echo payloads that keep a probe within a 1500-byte MTU:
// 1500 - 20 (IPv4) - 8 (ICMP), and 1500 - 40 (IPv6) - 8 (ICMPv6).
const (
	maxPayload4 = 1472
	maxPayload6 = 1452
)

// Result is a finished (or interrupted) trace.
type Result struct {
	// Trace is the analyzer's trace of this run: every probe the capture
	// showed, with capture timestamps, and the replies matched to them. It
	// is what a replay of the same packets finds.
	Trace *analyze.Trace
	Stats analyze.Stats
	Sent  int // probes sent
	// Missed counts probes sent up to the end of the trace that the
	// capture never showed (a pcap drop) by the time the engine gave up on
	// them: they are in neither Trace nor the hops handed to OnHop, as
	// they would not be in a replay of the capture.
	Missed int
}

// slot is one probe the engine plans and sends. Its send time is on the
// engine's clock and serves the scheduling only; what the trace shows of
// the probe is the analyzer's Probe, once the capture has shown it.
type slot struct {
	ttl   int
	sent  bool
	at    time.Time // engine clock at send
	done  bool      // answered, or given up
	probe *analyze.Probe
}

type engine struct {
	o        Options
	w        Wire
	an       *analyze.Analyzer
	b        *craft.Builder
	tr       *analyze.Trace  // the analyzer's trace of this run, once a probe is captured
	slots    []slot          // ttl-major, send order
	order    []int           // slot indexes in the order they were sent
	next     int             // next slot to send
	printed  int             // hops handed to OnHop, as count of TTLs from FirstHop
	end      int             // lowest TTL with a terminal reply, 0 if none
	maxRTT   time.Duration   // slowest reply so far
	lag      time.Duration   // longest delay from capture to the engine
	rttAt    []time.Duration // slowest reply per TTL
	rttAbove []time.Duration // slowest reply at any TTL above the index
	tokens   float64
	last     time.Time // token refill time
	flight   int
}

// IsProbe reports whether inf is one of this run's probes: an ICMP Echo
// Request (IPv4, type 8) or ICMPv6 Echo Request (IPv6, type 128) from src
// to dst with the run's echo identifier.
func IsProbe(inf *analyze.Info, src, dst netip.Addr, id uint16) bool {
	if inf.ID != id || inf.Src != src || inf.Dst != dst {
		return false
	}
	switch inf.Proto {
	case layers.IPProtocolICMPv4:
		return inf.Type == layers.ICMPv4TypeEchoRequest
	case layers.IPProtocolICMPv6:
		return inf.Type == layers.ICMPv6TypeEchoRequest
	}
	return false
}

// analyzerOptions are the analyzer's settings for a run: the defaults a
// replay uses, but a window and a gap no shorter than the engine's own
// waits, so that the run stays one trace and a reply within -w is matched.
// Packets carry no zone: a link-local destination's (fe80::1%eth0) is
// dropped for the comparison.
func analyzerOptions(o Options) analyze.Options {
	src, dst, id := o.Src.WithZone(""), o.Dst.WithZone(""), o.ID
	return analyze.Options{
		IsProbe: func(inf *analyze.Info) bool { return IsProbe(inf, src, dst, id) },
		Window:  max(30*time.Second, 2*o.Wait),
		Gap:     max(20*time.Second, 2*o.Wait+time.Duration(2/o.Rate*float64(time.Second))),
	}
}

// Run traces o.Dst through w until the trace is complete or ctx is done.
// On cancellation it returns what was found so far along with ctx's error.
func Run(ctx context.Context, w Wire, o Options) (*Result, error) {
	o.setDefaults()
	if err := o.Check(); err != nil {
		return nil, err
	}
	e := &engine{o: o, w: w, b: craft.NewBuilder(), rttAt: make([]time.Duration, 256), rttAbove: make([]time.Duration, 256)}
	e.an = analyze.New(analyzerOptions(o))
	for ttl := o.FirstHop; ttl <= o.MaxHops; ttl++ {
		for range o.Queries {
			e.slots = append(e.slots, slot{ttl: ttl})
		}
	}
	e.tokens, e.last = float64(o.InFlight), w.Now()
	err := e.loop(ctx)
	e.flush(true)
	res := &Result{Trace: e.tr, Stats: e.an.Stats(), Sent: len(e.order)}
	if res.Trace == nil {
		res.Trace = &analyze.Trace{Src: o.Src, Dst: o.Dst, Proto: analyze.ICMP}
	}
	for _, i := range e.order {
		// Probes past the end are not shown: the engine stops reading
		// the capture before it need show them. Nor are those still
		// awaited when ctx ends the run.
		if s := &e.slots[i]; s.probe == nil && s.done && s.ttl <= e.limit() {
			res.Missed++
		}
	}
	return res, err
}

// slotsAt returns the slots of ttl, in send order.
func (e *engine) slotsAt(ttl int) []slot {
	if ttl < e.o.FirstHop || ttl > e.o.MaxHops {
		return nil
	}
	i := (ttl - e.o.FirstHop) * e.o.Queries
	return e.slots[i : i+e.o.Queries]
}

// limit is the highest TTL still worth probing.
func (e *engine) limit() int {
	if e.end != 0 {
		return e.end
	}
	return e.o.MaxHops
}

func (e *engine) loop(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := e.w.Now()
		if err := e.send(now); err != nil {
			return err
		}
		e.flush(false)
		if e.finished() {
			return nil
		}
		p, ok, err := e.w.Next(ctx, e.deadline(now))
		if err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("capture ended before the trace")
			}
			return err
		}
		if ok {
			e.packet(p)
			continue
		}
		// Give up on probes only once the wire had nothing more to
		// deliver by their deadline: replies already captured while the
		// engine was busy (a slow OnHop) still count.
		e.expire(e.w.Now())
	}
}

// send sends what the window, the rate and the known end allow. The echo
// sequence number and IP ID say TTL and attempt (craft.SeqFor), as they
// always have, for whoever reads a capture; the engine never reads them
// back: the analyzer tells it which probe a reply answers.
func (e *engine) send(now time.Time) error {
	e.tokens += now.Sub(e.last).Seconds() * e.o.Rate
	if m := float64(e.o.InFlight); e.tokens > m {
		e.tokens = m
	}
	e.last = now
	for e.next < len(e.slots) && e.flight < e.o.InFlight && e.tokens >= 1 {
		s := &e.slots[e.next]
		if s.ttl > e.limit() {
			return nil
		}
		attempt := e.next - (s.ttl-e.o.FirstHop)*e.o.Queries
		n := craft.SeqFor(uint8(s.ttl), uint8(attempt))
		pkt, err := e.b.Build(craft.Spec{
			Src: e.o.Src, Dst: e.o.Dst, TTL: uint8(s.ttl), ID: e.o.ID, Seq: n, IPID: n, Payload: e.o.Payload,
		})
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
		e.tokens--
	}
	return nil
}

// wait is how long an unanswered probe at ttl is given: a few times the
// slowest RTT seen at that hop or beyond it (a silent hop between answering
// hops costs a few RTTs, not the ceiling), at least MinWait, and never more
// than the ceiling Wait.
func (e *engine) wait(ttl int) time.Duration {
	var w time.Duration
	if r := e.rttAt[ttl]; r > 0 {
		w = waitHere * r
	}
	near := e.rttAbove[ttl]
	switch {
	case near > 0:
		w = max(w, waitNear*near)
	case w == 0 && e.maxRTT > 0:
		w = max(waitTail*e.maxRTT, e.o.TailWait)
	case w == 0:
		return e.o.Wait
	}
	// RTTs come from capture timestamps, but a reply reaches the engine
	// only after the capture and the scheduler deliver it: on a loaded
	// machine that lag, not the RTT, decides whether a reply is in time.
	return min(max(w, e.o.MinWait)+2*e.lag, e.o.Wait)
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

func (e *engine) deadline(now time.Time) time.Time {
	d := now.Add(e.o.Wait)
	for _, i := range e.order {
		s := &e.slots[i]
		if t := s.at.Add(e.wait(s.ttl)); !s.done && t.Before(d) {
			d = t
		}
	}
	if e.next < len(e.slots) && e.flight < e.o.InFlight && e.slots[e.next].ttl <= e.limit() && e.tokens < 1 {
		// Round up, and at least 1ns: a deadline of now would spin.
		t := now.Add(max(time.Duration(math.Ceil((1-e.tokens)/e.o.Rate*float64(time.Second))), 1))
		if t.Before(d) {
			d = t
		}
	}
	return d
}

// packet feeds one captured packet to the analyzer and acts on its
// verdict: a probe of ours takes the earliest sent slot of its TTL that the
// capture has not shown yet (the capture shows probes in send order, so
// that is the probe itself, or one of the same TTL when the capture
// dropped one); a reply marks the slot of the probe the analyzer matched.
func (e *engine) packet(p analyze.Packet) {
	e.lag = max(e.lag, e.w.Now().Sub(p.Time))
	if e.o.OnPacket != nil {
		e.o.OnPacket(p)
	}
	ev := e.an.Add(p)
	switch ev.Kind {
	case analyze.EventProbe:
		ss := e.slotsAt(ev.Probe.TTL)
		for i := range ss {
			if s := &ss[i]; s.sent && s.probe == nil {
				s.probe = ev.Probe
				if e.tr == nil {
					e.tr = ev.Trace
				}
				return
			}
		}
	case analyze.EventReply:
		var s *slot
		ss := e.slotsAt(ev.Probe.TTL)
		for i := range ss {
			if ss[i].probe == ev.Probe {
				s = &ss[i]
			}
		}
		if s == nil {
			return
		}
		rtt := ev.Probe.Reply.RTT
		e.maxRTT = max(e.maxRTT, rtt)
		e.rttAt[s.ttl] = max(e.rttAt[s.ttl], rtt)
		for t := range s.ttl {
			e.rttAbove[t] = max(e.rttAbove[t], rtt)
		}
		if !s.done {
			s.done = true
			e.flight--
		}
		r := ev.Probe.Reply
		if (r.FromDest || r.Kind.Terminal()) && (e.end == 0 || s.ttl < e.end) {
			e.end = s.ttl
		}
	}
}

// hopDone reports whether every probe at ttl has been answered or given up.
func (e *engine) hopDone(ttl int) bool {
	for _, s := range e.slotsAt(ttl) {
		if !s.done {
			return false
		}
	}
	return true
}

func (e *engine) finished() bool {
	for ttl := e.o.FirstHop; ttl <= e.limit(); ttl++ {
		if !e.hopDone(ttl) {
			return false
		}
	}
	return true
}

// flush hands over complete hops in TTL order; with all set, also the hops
// that have any probe sent (on the way out). A hop whose every probe the
// capture missed is not handed over: a replay would not show it either.
func (e *engine) flush(all bool) {
	for {
		ttl := e.o.FirstHop + e.printed
		if ttl > e.limit() {
			return
		}
		if !e.hopDone(ttl) {
			if !all || !e.slotsAt(ttl)[0].sent {
				return
			}
		}
		if h := e.hop(ttl); e.o.OnHop != nil && len(h.Probes) > 0 {
			e.o.OnHop(h)
		}
		e.printed++
	}
}

// hop is the analyzer's probes of ttl, in send order.
func (e *engine) hop(ttl int) analyze.Hop {
	h := analyze.Hop{TTL: ttl}
	for _, s := range e.slotsAt(ttl) {
		if s.probe != nil {
			h.Probes = append(h.Probes, s.probe)
		}
	}
	return h
}

// MaxHopsOr is MaxHops or its default.
func (o *Options) MaxHopsOr() int {
	if o.MaxHops > 0 {
		return o.MaxHops
	}
	return DefaultMaxHops
}

package trace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/tracers/tracers/analyze"
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
	DefaultMaxHops = 30
	DefaultQueries = 3
	DefaultWait    = 5 * time.Second
	DefaultRate    = 10000 // probes per second
	// DefaultInFlight bounds the probes awaiting an answer at once. The
	// horizon (see README, "How long tracers waits, and how far it
	// sends") is what shapes the sending; this is only its ceiling, large
	// enough for the first burst (firstTTLs x 3 queries).
	DefaultInFlight = 32
	// DefaultGapLimit is how many silent TTLs past the last answer end a
	// trace, as mtr's --max-unknown and scamper's gaplimit (both 5).
	DefaultGapLimit = 5
	// DefaultTailWait is the least a probe past the last answering hop
	// is given (Options.TailWait): 1 s, so that a path whose RTT leaps
	// past a hop, as a geostationary satellite link's does (550-700 ms
	// round trip), is traced through rather than stopped at the gap
	// limit before the far side's replies come (at 500 ms, a lab path of
	// 4 ms to hop 2 and 608 ms to hop 3 stopped after hop 2), while a
	// destination that never answers still costs about a second, 0.04 x
	// traceroute -I's 25 s.
	DefaultTailWait = time.Second
)

// Options describe one trace.
type Options struct {
	Src, Dst netip.Addr
	ID       uint16 // echo identifier (ICMP or ICMPv6): this run's identity
	// Prober builds the probes and recognises them in the capture; nil
	// means ICMP (or ICMPv6) Echo with identifier ID and Payload bytes.
	Prober   Prober
	FirstHop int
	MaxHops  int
	Queries  int
	Wait     time.Duration // ceiling of the wait for one probe
	Rate     float64       // probes per second
	InFlight int           // probes awaiting an answer at once, at most
	// Window is traceroute's -N as the user gave it: past the first
	// burst, how many probes may hold the window, and so how far the
	// horizon runs past the highest TTL known short of the destination
	// ((Window-Queries)/Queries TTLs). 0 means traceroute's default, 16.
	Window  int
	Payload int // echo payload bytes
	// GapLimit ends the trace after this many consecutive TTLs past the
	// last answer (or before the first hop, when nothing answered) have
	// had every probe given up unanswered. 0 means DefaultGapLimit; a
	// negative value, no limit (probe up to MaxHops).
	GapLimit int
	// OnLink says the destination is on the source's link (a route
	// without a gateway over an Ethernet-type link): the first burst is
	// then the first hop alone.
	OnLink   bool
	OnHop    func(analyze.Hop)
	OnPacket func(analyze.Packet) // every captured packet, before analysis
	// MinWait is the least an unanswered probe is given once replies set
	// the pace (default 10ms): scheduling jitter must not turn a reply
	// into a '*'.
	MinWait time.Duration
	// TailWait is the least a probe is given when no hop beyond its TTL
	// has answered yet (default 500ms, never above Wait).
	TailWait time.Duration
}

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
	if o.GapLimit == 0 {
		o.GapLimit = DefaultGapLimit
	}
	if o.MinWait <= 0 {
		o.MinWait = 10 * time.Millisecond
	}
	if o.TailWait <= 0 {
		o.TailWait = DefaultTailWait
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
	case o.Window < 0 || o.Window > 255:
		return fmt.Errorf("window %d out of range 1..255", o.Window)
	case o.GapLimit > 255:
		return fmt.Errorf("gap limit %d out of range 1..255", o.GapLimit)
	case !(o.Rate >= 0 && o.Rate <= 100000): // NaN too
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
	// GapSilent is how many silent TTLs ended the trace (GapLimit), 0
	// when the gap limit did not end it; GapAfter is the last TTL that
	// answered before them (FirstHop-1 when none did).
	GapSilent, GapAfter int
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

// answered reports whether a reply came, perhaps after the probe was
// given up (the analyzer points the Reply into the captured Probe).
func (s *slot) answered() bool { return s.probe != nil && s.probe.Reply != nil }

type engine struct {
	o       Options
	w       Wire
	an      *analyze.Analyzer
	pr      Prober
	tr      *analyze.Trace  // the analyzer's trace of this run, once a probe is captured
	slots   []slot          // ttl-major, send order
	order   []int           // slot indexes in the order they were sent
	next    int             // next slot to send
	printed int             // hops handed to OnHop, as count of TTLs from FirstHop
	end     int             // lowest TTL with a terminal reply, 0 if none
	short   int             // highest TTL with a non-terminal reply: the destination is beyond it
	lag     time.Duration   // longest delay from capture to the engine
	rttAt   []time.Duration // slowest reply per TTL, 0 for none
	tokens  float64
	last    time.Time // token refill time
	flight  int
	over    bool // the trace is over: nothing changes from here on
}

// analyzerOptions are the analyzer's settings for a run: the defaults a
// replay uses, but a window and a gap no shorter than the engine's own
// waits, so that the run stays one trace and a reply within -w is matched.
func analyzerOptions(o Options, pr Prober) analyze.Options {
	return analyze.Options{
		IsProbe: pr.IsProbe,
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
	e := &engine{o: o, w: w, pr: o.Prober, rttAt: make([]time.Duration, 257)}
	if e.pr == nil {
		var err error
		if e.pr, err = defaultProber(o); err != nil {
			return nil, err
		}
	}
	e.an = analyze.New(analyzerOptions(o, e.pr))
	for ttl := o.FirstHop; ttl <= o.MaxHops; ttl++ {
		for range o.Queries {
			e.slots = append(e.slots, slot{ttl: ttl})
		}
	}
	e.tokens, e.last = e.bucket(), w.Now()
	err := e.loop(ctx)
	if err == nil {
		e.drain(ctx)
	}
	e.over = true
	e.flush()
	res := &Result{Trace: e.tr, Stats: e.an.Stats(), Sent: len(e.order)}
	if a, ok := e.gapStop(); ok && err == nil {
		res.GapSilent, res.GapAfter = e.o.GapLimit, a
	}
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

// limit is the highest TTL still worth probing: the destination's (or the
// unreachable's) once known, the end of the gap once the gap limit holds
// (or the highest TTL sent, when the first burst went further: those are
// silent too, and shown, as a replay shows them), else MaxHops.
func (e *engine) limit() int {
	l := e.o.MaxHops
	if e.end != 0 {
		l = e.end
	}
	if a, ok := e.gapStop(); ok {
		sent := e.o.FirstHop - 1
		if e.next > 0 {
			sent = e.slots[e.next-1].ttl
		}
		l = min(l, max(a+e.o.GapLimit, sent))
	}
	return l
}

// lastAnswer is the highest TTL with a reply, or FirstHop-1.
func (e *engine) lastAnswer() int {
	for ttl := e.o.MaxHops; ttl >= e.o.FirstHop; ttl-- {
		if e.rttAt[ttl] > 0 {
			return ttl
		}
	}
	return e.o.FirstHop - 1
}

// silent reports whether every probe at ttl was given up unanswered.
func (e *engine) silent(ttl int) bool {
	return e.rttAt[ttl] == 0 && e.hopDone(ttl)
}

// gapStop reports whether the GapLimit TTLs after the last answering TTL
// a (FirstHop-1 for none) are all silent, ending the trace.
func (e *engine) gapStop() (a int, ok bool) {
	if e.o.GapLimit < 0 {
		return 0, false
	}
	a = e.lastAnswer()
	if a+e.o.GapLimit > e.o.MaxHops || (e.end != 0 && a+e.o.GapLimit >= e.end) {
		return 0, false
	}
	for ttl := a + 1; ttl <= a+e.o.GapLimit; ttl++ {
		if !e.silent(ttl) {
			return 0, false
		}
	}
	return a, true
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
		e.flush()
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

// drain takes in, without waiting, what the capture already holds once
// the trace is complete: the probes of the first burst past the
// destination, and replies already in. OnPacket (run's --write file) and
// the trace then hold every packet captured by the trace's end, however
// soon the last needed reply came; a replay shows those probes, marked
// past the destination. Bounded: a capture is never read for long.
func (e *engine) drain(ctx context.Context) {
	for range 2*len(e.slots) + 64 {
		p, ok, err := e.w.Next(ctx, e.w.Now())
		if err != nil || !ok {
			return
		}
		e.packet(p)
	}
}

// packet feeds one captured packet to the analyzer and acts on its
// verdict: a probe of ours takes the earliest sent slot of its TTL that the
// capture has not shown yet (the capture shows probes in send order, so
// that is the probe itself, or one of the same TTL when the capture
// dropped one); a reply marks the slot of the probe the analyzer matched,
// even one given up already (a late reply: it still fills its hop, which
// is printed only once it can no longer change).
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
		r := ev.Probe.Reply
		e.rttAt[s.ttl] = max(e.rttAt[s.ttl], r.RTT, 1) // 1ns: a reply at 0 still counts as one
		if !s.done {
			s.done = true
			e.flight--
		}
		if r.FromDest || r.Kind.Terminal() {
			if e.end == 0 || s.ttl < e.end {
				e.end = s.ttl
			}
		} else {
			e.short = max(e.short, s.ttl)
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

// settled reports whether hop ttl can no longer change: every probe
// answered, or never captured (a replay would not show it either); a probe
// given up unanswered can still draw a late reply until the trace is over.
func (e *engine) settled(ttl int) bool {
	if e.over {
		return true
	}
	for _, s := range e.slotsAt(ttl) {
		if !s.done || (s.probe != nil && s.probe.Reply == nil) {
			return false
		}
	}
	return true
}

// finished reports whether every probe up to the limit has been answered
// or given up.
func (e *engine) finished() bool {
	for ttl := e.o.FirstHop; ttl <= e.limit(); ttl++ {
		if !e.hopDone(ttl) {
			return false
		}
	}
	return true
}

// flush hands over the hops that can no longer change, in TTL order (all
// of them up to the limit once the trace is over). A hop whose every probe
// the capture missed is not handed over: a replay would not show it either.
func (e *engine) flush() {
	for {
		ttl := e.o.FirstHop + e.printed
		if ttl > e.limit() || !e.slotsAt(ttl)[0].sent || !e.settled(ttl) {
			return
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

package analyze_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// dump is every field of tr and its probes that an output shows.
func dump(tr *analyze.Trace) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v > %v %v reached=%v\n", tr.Src, tr.Dst, tr.Proto, tr.Reached())
	for _, p := range tr.Probes {
		fmt.Fprintf(&b, "  ttl %d frame %d sent %v id %d seq %d ipid %d ambiguous %v", p.TTL, p.Frame, p.Sent, p.ID, p.Seq, p.IPID, p.Ambiguous)
		if r := p.Reply; r != nil {
			fmt.Fprintf(&b, " <- %v frame %d rtt %v %v ttl %d", r.From, r.Frame, r.RTT, r.Kind, r.TTL)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestAnalyzerRecycle checks that giving traces back with Recycle as soon
// as they are handed over changes nothing the analyzer reports, and that
// their probes are reused. The hard case: a trace ended by Gap while its
// unanswered probes are still within Window; their late replies, after
// probes of a new trace took memory, must stay late and must not land on
// the new trace's probes.
func TestAnalyzerRecycle(t *testing.T) {
	var c capture
	var old [][]byte
	for ttl := uint8(1); ttl <= 4; ttl++ {
		p := echoRequest(t, srcAddr, dstAddr, ttl, uint16(ttl), 0x42, uint16(ttl))
		old = append(old, p)
		c.add(time.Duration(ttl)*time.Millisecond, p)
	}
	c.add(10*time.Millisecond, icmpError(t, hop1, srcAddr, 250, 1, layers.ICMPv4TypeTimeExceeded, 0, old[0], 1))
	// 21s later, after Gap: a new trace of the same identifier, its probes
	// answered only after the old probes' late replies.
	for ttl := uint8(1); ttl <= 4; ttl++ {
		c.add(21*time.Second+time.Duration(ttl)*time.Millisecond,
			echoRequest(t, srcAddr, dstAddr, ttl, 100+uint16(ttl), 0x42, 100+uint16(ttl)))
	}
	for i, p := range old[1:] {
		c.add(22*time.Second+time.Duration(i)*time.Millisecond, icmpError(t, hop2, srcAddr, 250, 9, layers.ICMPv4TypeTimeExceeded, 0, p, 1))
	}
	for ttl := uint8(1); ttl <= 4; ttl++ {
		p := echoRequest(t, srcAddr, dstAddr, ttl, 100+uint16(ttl), 0x42, 100+uint16(ttl))
		c.add(23*time.Second+time.Duration(ttl)*time.Millisecond, icmpError(t, hop1, srcAddr, 250, 7, layers.ICMPv4TypeTimeExceeded, 0, p, 1))
	}
	// Traces one after another, each finished by the idle sweep, so that
	// later ones can reuse the probes of earlier ones.
	for i := range 20 {
		traceTo(t, &c, time.Duration(40+40*i)*time.Second, dst2Addr, uint16(0x1000+i))
	}

	run := func(recycle bool) (dumps []string, st analyze.Stats, reused int) {
		// Every probe handed over, kept reachable so that the collector
		// cannot give its address to a new probe: a probe seen again is
		// one the analyzer reused.
		handed := map[*analyze.Probe]bool{}
		var a *analyze.Analyzer
		a = analyze.New(analyze.Options{OnTrace: func(tr *analyze.Trace) {
			dumps = append(dumps, dump(tr))
			for _, p := range tr.Probes {
				if handed[p] {
					reused++
				}
				handed[p] = true
			}
			if recycle {
				a.Recycle(tr)
			}
		}})
		c.feed(a)
		a.Close()
		return dumps, a.Stats(), reused
	}
	want, wantSt, reusedWithout := run(false)
	got, gotSt, reused := run(true)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("traces differ with Recycle (-without +with):\n%s", diff)
	}
	if diff := cmp.Diff(wantSt, gotSt); diff != "" {
		t.Errorf("stats differ with Recycle (-without +with):\n%s", diff)
	}
	if wantSt.LateReplies != 3 {
		t.Errorf("%d late replies, want the 3 to the trace ended by Gap", wantSt.LateReplies)
	}
	if reused < 30 || reusedWithout != 0 {
		t.Errorf("%d probes reused (%d without Recycle), want most of the 48 after the first traces (none)", reused, reusedWithout)
	}
}

// TestAppendHops checks that AppendHops, reusing a renderer's storage from
// one trace to the next, gives each trace the hops Hops gives it, and
// keeps what was in the storage before.
func TestAppendHops(t *testing.T) {
	var c capture
	traceTo(t, &c, 0, dst2Addr, 0x100)
	traceTo(t, &c, time.Millisecond, dstAddr, 0x200)
	endless(t, &c, 40, -1)
	a := analyze.New(analyze.Options{})
	c.feed(a)
	trs := a.Traces()
	if len(trs) < 3 {
		t.Fatalf("%d traces, want 3", len(trs))
	}
	// Room for all: appending must not need new arrays, whose copies
	// would hide an overwrite.
	hops := make([]analyze.Hop, 0, 256)
	all := make([]*analyze.Probe, 0, 1024)
	var prev []analyze.Hop // the hops appended for the trace before
	var prevSum []hopSum
	for i, tr := range trs {
		before := len(hops)
		hops, all = tr.AppendHops(hops, all)
		if diff := cmp.Diff(summarize(tr.Hops()), summarize(hops[before:]), cmpAddr); diff != "" {
			t.Errorf("trace %d: AppendHops after %d hops differs from Hops (-Hops +AppendHops):\n%s", i, before, diff)
		}
		if diff := cmp.Diff(prevSum, summarize(prev), cmpAddr); prev != nil && diff != "" {
			t.Errorf("trace %d: appending changed the hops appended before:\n%s", i, diff)
		}
		prev, prevSum = hops[before:], summarize(hops[before:])
		if i == 1 {
			// As a renderer reuses them from one trace to the next.
			hops, all, prev = hops[:0], all[:0], nil
		}
	}
}

// TestRecycleIdle checks that the probes of a trace handed over by the
// idle sweep, already out of the window, are reused as soon as it is
// given back, while a busy trace beside it keeps the window full.
func TestRecycleIdle(t *testing.T) {
	const window = 2 * time.Second
	var c capture
	traceTo(t, &c, 0, dst2Addr, 0x100)
	endless(t, &c, 500, -1) // a probe every 10ms for 5s
	sort.SliceStable(c, func(i, j int) bool { return c[i].Time.Before(c[j].Time) })
	idle := map[*analyze.Probe]bool{} // kept reachable: see TestAnalyzerRecycle
	var handed time.Time
	var a *analyze.Analyzer
	a = analyze.New(analyze.Options{Window: window, Gap: time.Second, OnTrace: func(tr *analyze.Trace) {
		if tr.Dst != dst2Addr {
			return
		}
		for _, p := range tr.Probes {
			idle[p] = true
		}
		a.Recycle(tr)
	}})
	var reused time.Time
	for _, p := range c {
		ev := a.Add(p)
		if handed.IsZero() && len(idle) > 0 {
			handed = p.Time
		}
		if ev.Kind == analyze.EventProbe && idle[ev.Probe] && reused.IsZero() {
			reused = p.Time
		}
	}
	if handed.IsZero() {
		t.Fatal("the idle trace was never handed over")
	}
	if reused.IsZero() {
		t.Fatalf("idle trace handed over at %v, its probes never reused", handed.Sub(t0))
	}
	if reused.Sub(handed) > 100*time.Millisecond {
		t.Errorf("idle trace handed over at %v, its probes reused at %v; want within 100ms, not a window (%v) later",
			handed.Sub(t0), reused.Sub(t0), window)
	}
}

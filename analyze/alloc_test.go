package analyze_test

import (
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// steadyTrace is one traceroute of hops probes, one per TTL, each answered
// 1ms later (Time Exceeded, then the destination's Echo Reply), in
// Ethernet.
func steadyTrace(tb testing.TB, hops int) []analyze.Packet {
	var ps []analyze.Packet
	for ttl := 1; ttl <= hops; ttl++ {
		seq := uint16(ttl)
		probe := echoRequest(tb, srcAddr, dstAddr, uint8(ttl), 0x1000+seq, echoID, seq)
		reply := echoReply(tb, dstAddr, srcAddr, 60, 0x2000+seq, echoID, seq)
		if ttl < hops {
			reply = icmpError(tb, hop1, srcAddr, 250, 0x2000+seq, layers.ICMPv4TypeTimeExceeded, 0, probe, 1)
		}
		at := time.Duration(ttl) * 10 * time.Millisecond
		ps = append(ps,
			analyze.Packet{Time: t0.Add(at), Link: layers.LinkTypeEthernet, Data: links[0].wrap(probe)},
			analyze.Packet{Time: t0.Add(at + time.Millisecond), Link: layers.LinkTypeEthernet, Data: links[0].wrap(reply)})
	}
	return ps
}

// TestAnalyzerAddAllocs pins what Add allocates on a steady stream of
// traceroutes, each finished and handed to OnTrace while the next runs:
// the Probe (which holds its Reply), and per trace the Trace and its
// Probes slice. Matching a reply, expiring probes and sweeping idle
// traces allocate nothing.
func TestAnalyzerAddAllocs(t *testing.T) {
	const hops = 16
	trace := steadyTrace(t, hops)
	traces := 0
	a := analyze.New(analyze.Options{OnTrace: func(*analyze.Trace) { traces++ }})
	base := time.Duration(0)
	run := func() {
		base += 2 * time.Minute // past Gap and Window: a new trace each time
		for _, p := range trace {
			p.Time = p.Time.Add(base)
			if ev := a.Add(p); ev.Kind != analyze.EventProbe && ev.Kind != analyze.EventReply {
				t.Fatalf("Add(frame %d) = %v, want a probe or a reply", ev.Frame, ev.Kind)
			}
		}
	}
	for range 50 { // warm up: the map and the fifo reach their size
		run()
	}
	allocs := testing.AllocsPerRun(100, run)
	t.Logf("%v allocations per traceroute of %d probes", allocs, hops)
	// One Probe each, one Trace, and its Probes slice growing to 16: 5.
	if want := float64(hops + 1 + 5); allocs > want {
		t.Errorf("Add allocates %v times per %d-probe traceroute (%d packets), want at most %v",
			allocs, hops, len(trace), want)
	}
	if traces < 100 {
		t.Errorf("OnTrace got %d traces, want at least 100", traces)
	}
	st := a.Stats()
	if st.Replies != st.Probes || st.Unmatched+st.LateReplies != 0 {
		t.Errorf("Stats = %+v, want every reply matched", st)
	}

	// A reply, matched or late, and a packet that is neither.
	reply := trace[1]
	reply.Time = reply.Time.Add(base)
	other := analyze.Packet{Time: reply.Time, Link: layers.LinkTypeEthernet,
		Data: links[0].wrap(udpProbe(t, srcAddr, dstAddr, 64, 7, 53, 53)[:20])} // IPv4 header only: malformed
	for _, c := range []struct {
		name string
		p    analyze.Packet
	}{{"late reply", reply}, {"malformed", other}} {
		if allocs := testing.AllocsPerRun(100, func() { a.Add(c.p) }); allocs != 0 {
			t.Errorf("Add(%s) allocates %v times, want 0", c.name, allocs)
		}
	}

	// AddNotes, which a replay feeds batches through, allocates nothing
	// beyond what Add does either: a batch of late replies and malformed
	// packets, longer than its look-ahead, allocates nothing.
	dec := analyze.NewDecoder()
	var inf analyze.Info
	notes := make([]analyze.Note, 20)
	for i := range notes {
		p := []analyze.Packet{reply, other}[i%2]
		a.Prepare(&notes[i], p.Time, &inf, dec.Decode(p.Link, p.Data, &inf))
	}
	if allocs := testing.AllocsPerRun(100, func() { a.AddNotes(notes) }); allocs != 0 {
		t.Errorf("AddNotes of %d late replies and malformed packets allocates %v times, want 0", len(notes), allocs)
	}
}

func BenchmarkAnalyzerAdd(b *testing.B) {
	const hops = 16
	trace := steadyTrace(b, hops)
	a := analyze.New(analyze.Options{OnTrace: func(*analyze.Trace) {}})
	b.ReportAllocs()
	base := time.Duration(0)
	for b.Loop() {
		base += 2 * time.Minute
		for _, p := range trace {
			p.Time = p.Time.Add(base)
			a.Add(p)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(trace)), "ns/packet")
}

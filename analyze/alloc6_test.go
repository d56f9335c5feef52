package analyze_test

import (
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// steadyTrace6 is steadyTrace over IPv6.
func steadyTrace6(tb testing.TB, hops int) []analyze.Packet {
	var ps []analyze.Packet
	for ttl := 1; ttl <= hops; ttl++ {
		seq := uint16(ttl)
		probe := echo6(tb, src6, dst6, uint8(ttl), layers.ICMPv6TypeEchoRequest, echoID, seq)
		reply := echo6(tb, dst6, src6, 60, layers.ICMPv6TypeEchoReply, echoID, seq)
		if ttl < hops {
			reply = icmp6Error(tb, hop6a, src6, 64, layers.ICMPv6TypeTimeExceeded, 0, probe, 1)
		}
		at := time.Duration(ttl) * 10 * time.Millisecond
		ps = append(ps,
			analyze.Packet{Time: t0.Add(at), Link: layers.LinkTypeEthernet, Data: links6[0].wrap(probe)},
			analyze.Packet{Time: t0.Add(at + time.Millisecond), Link: layers.LinkTypeEthernet, Data: links6[0].wrap(reply)})
	}
	return ps
}

// TestAnalyzerAddAllocsIPv6 is TestAnalyzerAddAllocs over IPv6: numbering
// the addresses allocates nothing once they were seen.
func TestAnalyzerAddAllocsIPv6(t *testing.T) {
	const hops = 16
	trace := steadyTrace6(t, hops)
	a := analyze.New(analyze.Options{OnTrace: func(*analyze.Trace) {}})
	base := time.Duration(0)
	run := func() {
		base += 2 * time.Minute
		for _, p := range trace {
			p.Time = p.Time.Add(base)
			if ev := a.Add(p); ev.Kind != analyze.EventProbe && ev.Kind != analyze.EventReply {
				t.Fatalf("Add(frame %d) = %v, want a probe or a reply", ev.Frame, ev.Kind)
			}
		}
	}
	for range 50 {
		run()
	}
	allocs := testing.AllocsPerRun(100, run)
	if want := float64(hops + 1 + 5); allocs > want {
		t.Errorf("Add allocates %v times per %d-probe IPv6 traceroute, want at most %v", allocs, hops, want)
	}
	st := a.Stats()
	if st.Replies != st.Probes || st.Unmatched+st.LateReplies != 0 {
		t.Errorf("Stats = %+v, want every reply matched", st)
	}
	reply := trace[1]
	reply.Time = reply.Time.Add(base)
	dec := analyze.NewDecoder()
	var inf analyze.Info
	notes := make([]analyze.Note, 20)
	for i := range notes {
		a.Prepare(&notes[i], reply.Time, &inf, dec.Decode(reply.Link, reply.Data, &inf))
	}
	if allocs := testing.AllocsPerRun(100, func() { a.AddNotes(notes) }); allocs != 0 {
		t.Errorf("AddNotes of %d late IPv6 replies allocates %v times, want 0", len(notes), allocs)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		a.Prepare(&notes[0], reply.Time, &inf, dec.Decode(reply.Link, reply.Data, &inf))
	}); allocs != 0 {
		t.Errorf("Decode and Prepare of an IPv6 reply allocate %v times, want 0", allocs)
	}
}

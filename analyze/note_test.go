package analyze_test

import (
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
)

// mixedCapture is a capture of traces, parts of an endless one, a ping, a
// resent probe, a duplicate, malformed, non-IPv4 and other packets, late
// and unmatched replies.
func mixedCapture(t *testing.T) capture {
	var c capture
	traceTo(t, &c, 0, dst2Addr, 0x100)
	traceTo(t, &c, 500*time.Microsecond, dstAddr, 0x200)
	endless(t, &c, 400, 150)
	udp := udpProbe(t, srcAddr, dstAddr, 2, 0, 53, 33435)
	c.add(time.Second, udp)
	c.add(time.Second+10*time.Microsecond, udp)  // captured twice
	c.add(time.Second+250*time.Millisecond, udp) // sent again
	c.add(time.Second+260*time.Millisecond, icmpError(t, hop1, srcAddr, 250, 9, layers.ICMPv4TypeTimeExceeded, 0, udp, 1))
	c.add(2*time.Second, echoRequest(t, srcAddr, dst2Addr, 64, 1, 0x300, 1)) // a ping
	c.add(2*time.Second+time.Millisecond, echoReply(t, dst2Addr, srcAddr, 60, 1, 0x300, 1))
	c.add(3*time.Second, timeExceededFrame(t)[:30])                                                   // malformed
	c.add(3*time.Second, []byte{0x60, 0, 0, 0})                                                       // not IPv4
	c.add(2*time.Second+500*time.Millisecond, echoReply(t, dst2Addr, srcAddr, 60, 1, 0x300, 1))       // again: late
	c.add(4*time.Second, tcpSegment(t, srcAddr, dstAddr, 64, 5, 40000, 80, 1, 1, false, true, false)) // other
	c.add(90*time.Second, echoReply(t, dstAddr, srcAddr, 60, 2, 0x200, 2))                            // long after its probe
	return c
}

// TestAnalyzerNotes checks that packets prepared on another goroutine
// (Prepare, as a replay does) and fed with AddNote give the analyzer
// exactly what Add gives it: the same events, traces, replies and counts,
// for traces, parts of an endless one, a ping, a resent probe, a
// duplicate, malformed and non-IPv4 packets.
func TestAnalyzerNotes(t *testing.T) {
	c := mixedCapture(t)

	opt := func(got *[]*analyze.Trace) analyze.Options {
		return analyze.Options{MaxProbes: 64, Window: 2 * time.Second, Gap: time.Second,
			OnTrace: func(tr *analyze.Trace) { *got = append(*got, tr) }}
	}
	var want, got []*analyze.Trace
	direct := analyze.New(opt(&want))
	wantEv := c.feed(direct)
	direct.Close()

	viaNotes := analyze.New(opt(&got))
	notes := make(chan *analyze.Note, 8)
	go func() {
		defer close(notes)
		dec := analyze.NewDecoder()
		var inf analyze.Info
		for _, p := range c {
			n := new(analyze.Note)
			viaNotes.Prepare(n, p.Time, &inf, dec.Decode(p.Link, p.Data, &inf))
			notes <- n
		}
	}()
	var gotEv []analyze.Event
	for n := range notes {
		gotEv = append(gotEv, viaNotes.AddNote(n))
	}
	viaNotes.Close()

	for i := range wantEv {
		wantEv[i].Info = nil // AddNote's events carry none
	}
	ignore := cmp.Options{cmpopts.IgnoreUnexported(analyze.Probe{}, analyze.Trace{}), cmpAddr}
	if diff := cmp.Diff(wantEv, gotEv, ignore); diff != "" {
		t.Errorf("events differ (-Add +AddNote):\n%s", diff)
	}
	if diff := cmp.Diff(want, got, ignore); diff != "" {
		t.Errorf("traces differ (-Add +AddNote):\n%s", diff)
	}
	if diff := cmp.Diff(direct.Stats(), viaNotes.Stats()); diff != "" {
		t.Errorf("stats differ (-Add +AddNote):\n%s", diff)
	}
	st := viaNotes.Stats()
	if len(got) < 8 || st.Duplicates != 1 || st.Malformed == 0 || st.Other == 0 || st.LateReplies == 0 || st.Unmatched == 0 {
		t.Errorf("%d traces, stats %+v: the capture no longer covers parts, a duplicate, malformed, other, late and unmatched packets", len(got), st)
	}
}

// TestAnalyzerAddNotes checks that AddNotes, which looks ahead of the
// note it works on, leaves the analyzer as AddNote one note at a time
// does, whatever the size of the batches it is given and when the two
// take turns: the same traces, replies and counts.
func TestAnalyzerAddNotes(t *testing.T) {
	c := mixedCapture(t)

	run := func(batch int) ([]*analyze.Trace, analyze.Stats) {
		var got []*analyze.Trace
		an := analyze.New(analyze.Options{MaxProbes: 64, Window: 2 * time.Second, Gap: time.Second,
			OnTrace: func(tr *analyze.Trace) { got = append(got, tr) }})
		dec := analyze.NewDecoder()
		var inf analyze.Info
		notes := make([]analyze.Note, len(c))
		for i, p := range c {
			an.Prepare(&notes[i], p.Time, &inf, dec.Decode(p.Link, p.Data, &inf))
		}
		switch {
		case batch == 0:
			for i := range notes {
				an.AddNote(&notes[i])
			}
		case batch < 0: // 5 notes with AddNotes, the next with AddNote
			for i := 0; i < len(notes); i += 6 {
				an.AddNotes(notes[i:min(i+5, len(notes))])
				if i+5 < len(notes) {
					an.AddNote(&notes[i+5])
				}
			}
		default:
			for i := 0; i < len(notes); i += batch {
				an.AddNotes(notes[i:min(i+batch, len(notes))])
			}
		}
		an.Close()
		return got, an.Stats()
	}
	want, wantSt := run(0)
	if len(want) < 8 || wantSt.Replies == 0 || wantSt.Duplicates != 1 {
		t.Fatalf("%d traces, stats %+v: the capture no longer covers parts, replies and a duplicate", len(want), wantSt)
	}
	ignore := cmp.Options{cmpopts.IgnoreUnexported(analyze.Probe{}, analyze.Trace{}), cmpAddr}
	for _, batch := range []int{1, 3, 8, 9, 64, len(c), -1} {
		got, st := run(batch)
		if diff := cmp.Diff(want, got, ignore); diff != "" {
			t.Errorf("batches of %d: traces differ (-AddNote +AddNotes):\n%s", batch, diff)
		}
		if st != wantSt {
			t.Errorf("batches of %d: stats %+v, want %+v", batch, st, wantSt)
		}
	}
}

// TestNoteSize keeps a Note within one cache line: notes are what crosses
// from the CPU that decodes to the CPU that analyzes, one per packet.
func TestNoteSize(t *testing.T) {
	if n := unsafe.Sizeof(analyze.Note{}); n > 64 {
		t.Errorf("a Note takes %d bytes, want at most 64 (one cache line)", n)
	}
}

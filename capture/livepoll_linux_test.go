package capture

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"
)

// TestLivePolled checks the polled reader (Live.nextPolled) on a live
// capture: the socket is found and polled (no reader goroutine); a packet
// already captured is returned even when the deadline has passed; a wait
// ends at its deadline with nothing, and at once when ctx is cancelled.
func TestLivePolled(t *testing.T) {
	needRoot(t)
	nsPair(t)
	dst := netip.MustParseAddr("10.99.0.2")
	const id = 0x7300
	rt, snd, lv := openInNS(t, "tcA", dst, "icmp and icmp[4:2] = 0x7300", RingBytes(10))
	if lv.f == nil || lv.ch != nil {
		t.Fatalf("capture read by a goroutine (f %v, ch %v), want the socket polled", lv.f, lv.ch)
	}
	ctx := context.Background()

	start := time.Now()
	if _, ok, err := lv.Next(ctx, start.Add(30*time.Millisecond)); ok || err != nil {
		t.Fatalf("Next with nothing captured = ok %v, %v; want a timeout", ok, err)
	}
	if d := time.Since(start); d < 30*time.Millisecond || d > time.Second {
		t.Errorf("Next with nothing captured returned after %v, want its 30ms deadline", d)
	}

	if err := snd.Send(echoRequest(t, rt.Src, dst, id, 1)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the request and its answer are in the ring
	for i, want := range []string{"request", "reply"} {
		p, ok, err := lv.Next(ctx, time.Now().Add(-time.Second))
		if err != nil || !ok || len(p.Data) == 0 {
			t.Fatalf("Next %d (the %s) past its deadline = ok %v, %d bytes, %v; want the captured packet", i, want, ok, len(p.Data), err)
		}
	}

	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(30*time.Millisecond, cancel)
	start = time.Now()
	if _, ok, err := lv.Next(cctx, start.Add(10*time.Second)); ok || !errors.Is(err, context.Canceled) {
		t.Errorf("Next when ctx is cancelled = ok %v, %v; want context.Canceled", ok, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Next returned %v after ctx was cancelled, want at once", d)
	}
}

// openInNS opens, inside network namespace ns, the route to dst (IPv4), a
// raw sender on its interface and a capture with filter into a ring of
// ring bytes; the test's cleanup closes both.
func openInNS(t *testing.T, ns string, dst netip.Addr, filter string, ring int) (rt Route, snd *Sender, lv *Live) {
	t.Helper()
	var err error
	inNS(t, ns, func() {
		if rt, err = RouteTo(dst, "", netip.Addr{}); err != nil {
			t.Fatalf("RouteTo(%v): %v", dst, err)
		}
		if snd, err = NewSender(rt.Iface, 4); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { snd.Close() })
		if lv, err = OpenLiveSize(rt.Iface, filter, ring); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(lv.Close)
	})
	return rt, snd, lv
}

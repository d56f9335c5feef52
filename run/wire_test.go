package run

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/tracers/tracers/trace"
	"github.com/tracers/tracers/trace/tracetest"
)

// TestLiveWireOpenError: a capture that fails to open fails the first Send
// and every Next with its error, and the wire asks only once.
func TestLiveWireOpenError(t *testing.T) {
	errOpen := errors.New("capture on tun9: no such device")
	opened := make(chan openedLive, 1)
	opened <- openedLive{err: errOpen}
	w := &liveWire{opened: opened}
	if err := w.Send([]byte{0x45}); !errors.Is(err, errOpen) {
		t.Errorf("Send = %v, want %v", err, errOpen)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := w.Next(context.Background(), time.Now().Add(time.Second))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, errOpen) {
			t.Errorf("Next = %v, want %v", err, errOpen)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next waited for a capture that had already failed")
	}
	if l, err := w.live(); l != nil || !errors.Is(err, errOpen) {
		t.Errorf("live() = %v, %v; want nil, %v", l, err, errOpen)
	}
}

// failAfter is an output that takes n writes, then fails every one.
type failAfter struct {
	n   int
	err error
}

func (f *failAfter) Write(b []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	f.n--
	return len(b), nil
}

// TestOutputErrorEndsRun: a text output that fails (a closed pipe, a full
// disk) is the run's error, which a cancelled trace does not hide (the
// failure cancels it, as Ctrl-C would); a header that cannot be written
// stops the run before any probe. (How soon the trace stops is not
// asserted: the simulated network runs the trace faster than the hop
// printer's goroutine is scheduled.)
func TestOutputErrorEndsRun(t *testing.T) {
	for _, n := range []int{0, 2} {
		s := tracetest.New(8)
		s.DstSilent = true // on its own the trace would wait at its tail
		o := Options{Options: trace.Options{TailWait: time.Second}, Host: s.Dst.String(), Format: "text", Numeric: true}
		o.Src, o.Dst, o.ID = s.Src, s.Dst, 0x4242
		out := &failAfter{n: n, err: syscall.EPIPE}
		res, runErr, outErr := traceTo(context.Background(), s, o, nil, out)
		if runErr != nil || !errors.Is(outErr, syscall.EPIPE) {
			t.Errorf("after %d writes: run error %v, output error %v; want none and EPIPE", n, runErr, outErr)
		}
		if n == 0 && (res != nil || len(s.Sends) != 0) {
			t.Errorf("header failed: %d probes sent, want none", len(s.Sends))
		}
	}
}
